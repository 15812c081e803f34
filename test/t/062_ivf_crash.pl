# test/t/062_ivf_crash.pl
#	Crash safety of a zvec IVF index: 013_hnsw_crash.pl's scenario with
#	algorithm = 'ivf' (3 lists for its 3,000 rows), searched at
#	zvec.probes = every list where the HNSW run uses ef_search = 200.
#	Per storage backend, 5 SIGKILLs of the postmaster and 2 of a backend
#	in the middle of insert / delete / VACUUM / query bursts; after each,
#	results in distance order with recall@10 >= 0.95, only live rows,
#	durable marker rows all found, and (mmap) image and relation agree;
#	an unlogged table's index is empty after a crash and right refilled.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use ZvecIndexTest qw(run_scenario);

run_scenario('013_hnsw_crash.pl', 'ivf');
