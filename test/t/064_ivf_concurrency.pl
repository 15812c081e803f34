# test/t/064_ivf_concurrency.pl
#	Concurrent inserts and scans on a zvec IVF index (10 lists for the
#	10,000 siftsmall rows): 015_hnsw_concurrency.pl's scenario with
#	algorithm = 'ivf'.  4 inserting and 4 querying pgbench clients for
#	60 s per storage backend: no error, every committed insert present
#	and found as its own nearest row (zvec.probes = 10), recall@10 at
#	probes = 3 within 0.02 of a fresh build, image = relation on mmap.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use ZvecIndexTest qw(run_scenario);

run_scenario('015_hnsw_concurrency.pl', 'ivf');
