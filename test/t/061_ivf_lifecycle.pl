# test/t/061_ivf_lifecycle.pl
#	DDL and side-file lifecycle of a zvec IVF index (lists from the row
#	count), on both storage backends: 012_hnsw_lifecycle.pl's scenario
#	with algorithm = 'ivf'.  After DROP INDEX, DROP TABLE, TRUNCATE,
#	REINDEX (also CONCURRENTLY), VACUUM FULL, SET TABLESPACE, DROP
#	DATABASE, rolled-back CREATE INDEX and DROP EXTENSION no side file is
#	left without its index, and a surviving index returns exactly a
#	sequential scan's nearest rows and finds a new row.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use ZvecIndexTest qw(run_scenario);

run_scenario('012_hnsw_lifecycle.pl', 'ivf');
