# test/t/014_hnsw_standby.pl
#	A streaming standby of a primary with a zvec HNSW index, once with
#	storage = 'bufferpool' and once with storage = 'mmap', each with its
#	own primary and standby (the first 5,000 siftsmall vectors, 20
#	queries, k = 10, zvec.ef_search = 100, index scans forced, as
#	contrib/bloom's WAL test does):
#	  - the standby returns exactly the primary's results (ids and
#	    distances) after the build, after inserts, after deletes and
#	    VACUUM, and after enough inserts to wrap an mmap index's change
#	    ring, each time once the standby has replayed up to the primary's
#	    insert position; the standby's plan is an index scan;
#	  - after promotion the former standby takes writes, and its index
#	    finds them and keeps recall@10 >= 0.95 against its own sequential
#	    scan;
#	  - mmap only: the base backup does not carry the primary's side file
#	    (it is derived data); the standby builds its own from replayed
#	    pages on its first scan and then reads it (few shared buffers per
#	    scan); the standby's image agrees with its replayed pages (side
#	    file bypassed) at every step, and after promotion.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZvecTest qw(data_dir read_fvecs vec_text load_fvecs_table copy_rows_sql);
use ZvecIndexTest qw(storages index_with search_setting top_k flat ordered recall side_file with_image_bypassed buffers_touched);

my $sift = data_dir() . '/siftsmall';
die "siftsmall not found at $sift (set ZVEC_DATA_DIR)" unless -r "$sift/base.fvecs";
my $base = read_fvecs("$sift/base.fvecs", 5000);
my $queries = read_fvecs("$sift/query.fvecs", 20);
my $k = 10;
my $settings = 'SET enable_seqscan = off; ' . search_setting(100, 10);

for my $storage (storages())
{
	my $mm = $storage eq 'mmap';
	my $primary = PostgreSQL::Test::Cluster->new("primary_$storage");
	$primary->init(allows_streaming => 1);
	$primary->start;
	$primary->safe_psql('postgres', 'CREATE EXTENSION zvec');
	load_fvecs_table($primary, 'postgres', 'items', $base);
	$primary->safe_psql('postgres',
		"CREATE INDEX items_idx ON items USING zvec (embedding) WITH (" . index_with($storage) . "); ANALYZE items;");

	$primary->backup('b1');
	my $standby = PostgreSQL::Test::Cluster->new("standby_$storage");
	$standby->init_from_backup($primary, 'b1', has_streaming => 1);
	$standby->start;

	my $results = sub { return flat(top_k($_[0], $queries, settings => $settings)); };
	my $probe = "SELECT id FROM items ORDER BY embedding <-> '" . vec_text($queries->[3]) . "' LIMIT $k";

	my $compare = sub {
		my ($what) = @_;
		$primary->wait_for_catchup($standby);
		my $p = $results->($primary);
		my $s = $results->($standby);
		is($s, $p, "$storage: $what: the standby returns the primary's results");
		if ($mm)
		{
			is(with_image_bypassed($standby, 'items_idx', sub { $results->($standby) }), $s,
				"$storage: $what: the standby's side file agrees with its replayed pages");
		}
	};

	ok(!-e side_file($standby, 'items_idx'), "$storage: the base backup did not copy a side file");
	like($standby->safe_psql('postgres', "$settings EXPLAIN (COSTS OFF) $probe"), qr/Index Scan using items_idx/,
		"$storage: the standby plans an index scan");
	$compare->('after build');
	if ($mm)
	{
		my $b = buffers_touched($standby, $probe);
		ok(-f side_file($standby, 'items_idx'), "$storage: the standby built its own side file from replayed pages");
		cmp_ok($b, '<', 40, "$storage: the standby's scans read its side file ($b buffers)");
	}

	my $next = 100000;
	my $insert_rows = sub {
		my ($node, $n, $shift) = @_;
		my @rows = map { [ $next++, vec_text([ map { $_ + $shift } @{ $base->[ ($_ * 13) % @$base ] } ]) ] } 0 .. $n - 1;
		$node->safe_psql('postgres', copy_rows_sql('items', \@rows));
	};

	$insert_rows->($primary, 100, 1);
	$compare->('after 100 inserts');
	$primary->safe_psql('postgres', 'DELETE FROM items WHERE id % 4 = 1; VACUUM items;');
	$compare->('after deleting a quarter of the rows and VACUUM');
	$insert_rows->($primary, 1500, 2);
	$compare->('after 1,500 inserts (past an mmap change ring)');
	if ($mm)
	{
		my $b = buffers_touched($standby, $probe);
		cmp_ok($b, '<', 40, "$storage: the standby rebuilt and reads its side file again ($b buffers)");
	}

	$standby->promote;
	my $first_new = $next;
	$insert_rows->($standby, 300, 5);
	my $found = $standby->safe_psql('postgres', "$settings SELECT id FROM items ORDER BY embedding <-> '"
		  . vec_text([ map { $_ + 5 } @{ $base->[0] } ]) . "' LIMIT 1");
	is($found, $first_new, "$storage: after promotion the index finds a row inserted on the new primary");
	my $after = top_k($standby, $queries, settings => $settings);
	my $exact = top_k($standby, $queries, settings => 'SET enable_indexscan = off;');
	my $r = recall($exact, $after);
	cmp_ok($r, '>=', 0.95, "$storage: after promotion and inserts, recall\@10 >= 0.95 (got $r)");
	ok(ordered($after), "$storage: after promotion, results are in distance order");
	if ($mm)
	{
		is(with_image_bypassed($standby, 'items_idx', sub { $results->($standby) }), flat($after),
			"$storage: after promotion and inserts, the image agrees with the pages");
	}

	$standby->stop;
	$primary->stop;
}

done_testing();
