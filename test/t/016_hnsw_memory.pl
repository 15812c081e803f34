# test/t/016_hnsw_memory.pl
#	Memory limits and wide vectors for a zvec HNSW index, once with
#	storage = 'bufferpool' and once with storage = 'mmap'.  The table:
#	1,000 rows of 16,000 dimensions (pgvector stops at 2,000), 100
#	clusters of 10 rows each (a pseudo-random centre plus per-row noise
#	of at most 0.01 per coordinate), about 64 MB of vectors.
#	  - With zvec.memory_quota = 16MB, CREATE INDEX fails with SQLSTATE
#	    53200 before doing any work: the error detail states the
#	    estimate, which covers at least the 64,000,000 bytes of vectors;
#	    the index is an expression index through a function that counts
#	    every row it is given in a sequence (non-transactional, so the
#	    count survives the failed statement), and the count stays 0: not
#	    one row was read; afterwards no index exists and, for mmap, no
#	    side file.
#	  - The same build with the quota lifted succeeds and the counter
#	    shows it read all 1,000 rows (so the counter would see work).
#	  - A plain 16,000-dimension index builds; for 10 queries (a cluster
#	    centre plus fresh noise) the index scan (sequential scans
#	    disabled, since the planner does not cost TOAST reads and prefers
#	    one on 1,000 rows), at ef_search = 200, returns exactly the ids
#	    and distances of a sequential scan (the query's 10 cluster
#	    members); for mmap the side file exists and agrees with the
#	    buffer-pool reads.  Far-apart clusters all about as far from each
#	    other are the hardest case for a graph search: nothing on the
#	    way points towards the query's cluster, so the search must stumble
#	    on a link into it.  Of 100 such queries, the default ef_search =
#	    40 answers 95 exactly (97 before lists were topped up with pruned
#	    candidates; see HnswSelectNeighbors), 100 and 200 answer 99 and
#	    100.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZvecIndexTest qw(storages side_files side_file with_image_bypassed);

my $dim = 16000;
my $node = PostgreSQL::Test::Cluster->new('hnsw_memory');
$node->init;
$node->start;
$node->safe_psql('postgres', qq{
	CREATE EXTENSION zvec;
	CREATE TABLE centers AS
		SELECT c, array_agg((abs(hashint4(c * 16001 + j)) % 1000) / 1000.0::real ORDER BY j) AS a
		FROM generate_series(0, 99) c, generate_series(1, $dim) j GROUP BY c;
	CREATE TABLE wide (id int, embedding vector($dim));
	INSERT INTO wide
		SELECT i, (SELECT array_agg(e + (abs(hashint8(i * 16007 + j)) % 100) / 10000.0::real ORDER BY j)
		           FROM unnest(a) WITH ORDINALITY u(e, j))::vector
		FROM generate_series(1, 1000) i JOIN centers ON c = i % 100;
	ANALYZE wide;
	CREATE SEQUENCE rows_read;
	CREATE FUNCTION counted(v vector) RETURNS vector LANGUAGE plpgsql IMMUTABLE AS
		\$\$ BEGIN PERFORM nextval('rows_read'); RETURN v; END \$\$;
	CREATE TABLE queries AS
		SELECT q, (SELECT array_agg(e + (abs(hashint8(q * 7 + j + 99991)) % 100) / 10000.0::real ORDER BY j)
		           FROM unnest(a) WITH ORDINALITY u(e, j))::vector($dim) AS v
		FROM generate_series(1, 10) q JOIN centers ON c = q * 9;
});
is($node->safe_psql('postgres', 'SELECT count(*), min(vector_dims(embedding)) FROM wide'), "1000|$dim",
	"1,000 rows of $dim dimensions");

# Rows counted() has seen, read without advancing the sequence.
sub rows_read
{
	return $node->safe_psql('postgres', 'SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM rows_read');
}

my $knn = "SELECT q, (SELECT string_agg(id::text || ':' || d::text, ',' ORDER BY n) FROM "
  . "(SELECT id, embedding <-> v AS d, row_number() OVER () AS n FROM "
  . "(SELECT id, embedding FROM wide ORDER BY embedding <-> v LIMIT 10) t) s) FROM queries ORDER BY q";

for my $storage (storages())
{
	my $mm = $storage eq 'mmap';
	$node->safe_psql('postgres', "SELECT setval('rows_read', 1, false)");
	my $expr_index = "CREATE INDEX wide_counted ON wide USING zvec ((counted(embedding)::vector($dim))) "
	  . "WITH (storage = '$storage')";

	my ($out, $err) = ('', '');
	my $ret = $node->psql('postgres', "SET zvec.memory_quota = '16MB'; $expr_index",
		stdout => \$out, stderr => \$err, extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	isnt($ret, 0, "$storage: CREATE INDEX with zvec.memory_quota = 16MB fails");
	like($err, qr/ERROR:  53200: zvec index build "wide_counted" needs more memory than allowed/,
		"$storage: with SQLSTATE 53200");
	my ($needed) = $err =~ /DETAIL:  The operation needs (\d+) bytes .* more, but zvec\.memory_quota allows 16777216 bytes/;
	ok(defined $needed, "$storage: the detail states the estimate and the quota") or diag($err);
	$needed //= 0;
	cmp_ok($needed, '>=', 1000 * $dim * 4, "$storage: the estimate ($needed bytes) covers the vectors");
	cmp_ok($needed, '<', 4 * 1000 * $dim * 4, "$storage: and is not wildly above them");
	is(rows_read(), 0, "$storage: the build failed before reading a single row");
	is($node->safe_psql('postgres', "SELECT count(*) FROM pg_class WHERE relname = 'wide_counted'"), '0',
		"$storage: no index exists after the failure");
	is(scalar(side_files($node)), 0, "$storage: no side file exists after the failure");

	$node->safe_psql('postgres', $expr_index);
	is(rows_read(), 1000, "$storage: without the quota the same build reads all 1,000 rows");
	$node->safe_psql('postgres', 'DROP INDEX wide_counted');

	$node->safe_psql('postgres', "CREATE INDEX wide_idx ON wide USING zvec (embedding) WITH (storage = '$storage')");
	# enable_seqscan = off: the planner does not charge a sequential scan
	# for reading TOASTed vectors, so on 1,000 rows it prefers one.
	like($node->safe_psql('postgres', "SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM wide ORDER BY embedding <-> "
		  . "(SELECT v FROM queries WHERE q = 1) LIMIT 10"),
		qr/Index Scan using wide_idx/, "$storage: a kNN query on $dim dimensions is planned as an index scan");
	my $via_index = $node->safe_psql('postgres', "SET enable_seqscan = off; SET zvec.ef_search = 200; $knn");
	my $exact = $node->safe_psql('postgres', "SET enable_indexscan = off; $knn");
	my @rows = split /\n/, $exact;
	is(scalar(grep { /^\d+\|\d+:[^,]+(,\d+:[^,]+){9}$/ } @rows), 10, "$storage: the sequential scan finds 10 rows for each of 10 queries");
	my $members = 0;
	for my $row (@rows)
	{
		my ($q, $list) = split /\|/, $row;
		$members += scalar grep { $_ % 100 == ($q * 9) % 100 } map { (split /:/)[0] } split /,/, $list;
	}
	is($members, 100, "$storage: the exact answers are the query's cluster members (the data is as intended)");
	is($via_index, $exact, "$storage: the index returns exactly the ids and distances of the sequential scan");
	if ($mm)
	{
		ok(-f side_file($node, 'wide_idx'), "$storage: the $dim-dimension index has its side file");
		is(with_image_bypassed($node, 'wide_idx', sub { $node->safe_psql('postgres', "SET enable_seqscan = off; SET zvec.ef_search = 200; $knn") }),
			$via_index, "$storage: image and buffer-pool reads agree");
	}
	$node->safe_psql('postgres', 'DROP INDEX wide_idx');
}

$node->stop;
done_testing();
