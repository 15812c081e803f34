# test/t/010_hnsw_recall.pl
#	Recall@10 of zvec's HNSW index on siftsmall (10,000 x 128 base vectors,
#	100 queries, ../shared/data), measured against the exact 10 nearest
#	neighbours computed by a sequential scan in the same test
#	(enable_indexscan = off), with the index's default build parameters
#	(m = 16, ef_construction = 64), once with storage = 'bufferpool' and
#	once with storage = 'mmap':
#	  - L2 (<->, vector_l2_ops) on the raw vectors;
#	  - cosine (<=>, vector_cosine_ops) and inner product (<#>,
#	    vector_ip_ops) on the same vectors normalised to unit length;
#	  each >= 0.95 at the default zvec.ef_search (40) and >= 0.99 at
#	  zvec.ef_search = 200, with the plan verified to be an index scan of
#	  the index under test, which records the storage asked for.
#	  - Vacuum: after deleting 60% of the rows and vacuuming, L2 recall at
#	    the default ef_search is within 0.02 of a fresh build on the
#	    remaining rows, inserts after vacuum reuse the freed space, and
#	    no deleted row is ever returned.
#	What only the mmap backend has (its side-file image agreeing with
#	the buffer pool) is tested in 050_mmap_recall.pl.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZvecTest qw(data_dir read_fvecs vec_text load_fvecs_table);
use ZvecIndexTest qw(storages top_k recall result_ids);

my $sift = data_dir() . '/siftsmall';
die "siftsmall not found at $sift (set ZVEC_DATA_DIR)" unless -r "$sift/base.fvecs";

my $base = read_fvecs("$sift/base.fvecs");
my $queries = read_fvecs("$sift/query.fvecs");
my $k = 10;

my $node = PostgreSQL::Test::Cluster->new('hnsw_recall');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION zvec');
load_fvecs_table($node, 'postgres', 'items', $base);
$node->safe_psql('postgres', q{
	CREATE TABLE items_n AS SELECT id, l2_normalize(embedding)::vector(128) AS embedding FROM items;
	ANALYZE items; ANALYZE items_n;
});

# The plan of one query, as text.
sub plan_of
{
	my ($table, $op) = @_;
	return $node->safe_psql('postgres',
		"EXPLAIN (COSTS OFF) SELECT id FROM $table ORDER BY embedding $op '"
		  . vec_text($queries->[0]) . "' LIMIT $k");
}

my @cases = (
	[ 'l2', 'items', '<->', 'vector_l2_ops' ],
	[ 'cosine', 'items_n', '<=>', 'vector_cosine_ops' ],
	[ 'ip', 'items_n', '<#>', 'vector_ip_ops' ],
);

my %exact;
for my $case (@cases)
{
	my ($name, $table, $op) = @$case;
	$exact{$name} = top_k($node, $queries, table => $table, op => $op, settings => 'SET enable_indexscan = off;');
	is(scalar(grep { @{ $exact{$name}{$_} } == $k } keys %{ $exact{$name} }), scalar @$queries,
		"$name: exact search returns $k rows for every query");
}

for my $storage (storages())
{
	for my $case (@cases)
	{
		my ($name, $table, $op, $opclass) = @$case;
		my $idx = "${table}_${name}_${storage}";
		$node->safe_psql('postgres',
			"CREATE INDEX $idx ON $table USING zvec (embedding $opclass) WITH (storage = '$storage')");
		is($node->safe_psql('postgres', "SELECT reloptions FROM pg_class WHERE relname = '$idx'"),
			"{storage=$storage}", "$storage/$name: the index was built with storage = '$storage'");
		like(plan_of($table, $op), qr/Index Scan using $idx on $table/,
			"$storage/$name: ORDER BY $op LIMIT $k is planned as a scan of the zvec index");

		my $r40 = recall($exact{$name}, top_k($node, $queries, table => $table, op => $op));
		cmp_ok($r40, '>=', 0.95, "$storage/$name: recall\@10 at default ef_search is >= 0.95 (got $r40)");
		my $r200 = recall($exact{$name},
			top_k($node, $queries, table => $table, op => $op, settings => 'SET zvec.ef_search = 200;'));
		cmp_ok($r200, '>=', 0.99, "$storage/$name: recall\@10 at ef_search = 200 is >= 0.99 (got $r200)");

		$node->safe_psql('postgres', "DROP INDEX $idx");
	}

	# Vacuum: delete 60% of the rows, vacuum, compare with a fresh build.
	my $t = "vac_$storage";
	$node->safe_psql('postgres', qq{
		CREATE TABLE $t AS SELECT * FROM items; ANALYZE $t;
		CREATE INDEX ${t}_idx ON $t USING zvec (embedding vector_l2_ops) WITH (storage = '$storage');
		DELETE FROM $t WHERE id % 5 NOT IN (0, 3);
		VACUUM $t;
	});
	is($node->safe_psql('postgres', "SELECT count(*) FROM $t"), '4000', "$storage: 6,000 of 10,000 rows deleted");

	my $exact = top_k($node, $queries, table => $t, settings => 'SET enable_indexscan = off;');
	my $after_vacuum = top_k($node, $queries, table => $t, settings => 'SET enable_seqscan = off;');
	is(scalar(grep { $_ % 5 != 0 && $_ % 5 != 3 } result_ids($after_vacuum)), 0,
		"$storage: no deleted row is returned after vacuum");
	my $r_vac = recall($exact, $after_vacuum);

	$node->safe_psql('postgres', "REINDEX INDEX ${t}_idx");
	my $r_fresh = recall($exact, top_k($node, $queries, table => $t, settings => 'SET enable_seqscan = off;'));
	cmp_ok($r_vac, '>=', $r_fresh - 0.02,
		"$storage: recall after deleting 60% and vacuuming ($r_vac) is within 0.02 of a fresh build ($r_fresh)");

	# Freed slots are reused: re-inserting rows does not grow the index.
	$t = "reuse_$storage";
	$node->safe_psql('postgres', qq{
		CREATE TABLE $t AS SELECT * FROM items; ANALYZE $t;
		CREATE INDEX ${t}_idx ON $t USING zvec (embedding vector_l2_ops) WITH (storage = '$storage');
	});
	my $full_size = $node->safe_psql('postgres', "SELECT pg_relation_size('${t}_idx')");
	$node->safe_psql('postgres', qq{
		DELETE FROM $t WHERE id % 2 = 0;
		VACUUM $t;
		INSERT INTO $t SELECT id + 100000, embedding FROM $t WHERE id % 4 = 1;
	});
	is($node->safe_psql('postgres', "SELECT pg_relation_size('${t}_idx')"), $full_size,
		"$storage: inserts after vacuum reuse freed slots (index size unchanged)");
	my $reinserted = top_k($node, $queries, table => $t, settings => 'SET enable_seqscan = off;');
	my $exact2 = top_k($node, $queries, table => $t, settings => 'SET enable_indexscan = off;');
	my $r_re = recall($exact2, $reinserted);
	cmp_ok($r_re, '>=', 0.95, "$storage: recall after delete, vacuum and re-insert is >= 0.95 (got $r_re)");
	is(scalar(grep { $_ < 100000 && $_ % 2 == 0 } result_ids($reinserted)), 0,
		"$storage: no deleted row is returned after slot reuse");
	$node->safe_psql('postgres', "DROP TABLE vac_$storage, reuse_$storage");
}

$node->stop;
done_testing();
