# test/t/063_ivf_standby.pl
#	A zvec IVF index on a streaming standby: 014_hnsw_standby.pl's
#	scenario with algorithm = 'ivf' (5 lists for 5,000 siftsmall rows),
#	queried at zvec.probes = 10.  The standby returns exactly the
#	primary's rows after the build, inserts, deletes with VACUUM and
#	enough inserts to wrap an mmap change ring; after promotion it takes
#	writes and finds them; on mmap the standby builds and reads its own
#	side file, which agrees with its replayed pages.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use ZvecIndexTest qw(run_scenario);

run_scenario('014_hnsw_standby.pl', 'ivf');
