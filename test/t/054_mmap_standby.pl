# test/t/054_mmap_standby.pl
#	A streaming standby of a primary with an mmap HNSW index (the first
#	5,000 siftsmall vectors, 20 queries, k = 10, zvec.ef_search = 100):
#	  - the base backup does not carry the primary's side file (it is
#	    derived data); the standby builds its own from replayed pages on
#	    its first scan, and then reads it (few shared buffers per scan);
#	  - the standby returns exactly the primary's results after the
#	    build, after inserts, after deletes and VACUUM, and after enough
#	    changes to wrap the change ring (each time once the standby has
#	    replayed up to the primary's insert position);
#	  - after promotion the former standby takes writes and its index
#	    still agrees with its own buffer-pool reads.
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

my $sift = data_dir() . '/siftsmall';
die "siftsmall not found at $sift (set ZVEC_DATA_DIR)" unless -r "$sift/base.fvecs";
my $base = read_fvecs("$sift/base.fvecs", 5000);
my $queries = read_fvecs("$sift/query.fvecs", 20);
my $k = 10;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION zvec');
load_fvecs_table($primary, 'postgres', 'items', $base);
$primary->safe_psql('postgres', "CREATE INDEX items_mm ON items USING zvec (embedding) WITH (storage = 'mmap'); ANALYZE items;");

$primary->backup('b1');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b1', has_streaming => 1);
$standby->start;

my $dboid = $primary->safe_psql('postgres', "SELECT oid FROM pg_database WHERE datname = 'postgres'");
sub side_path
{
	my ($node) = @_;
	my $fn = $node->safe_psql('postgres', "SELECT pg_relation_filenode('items_mm')");
	return $node->data_dir . "/base/$dboid/pgsql_tmp_zvec_$fn";
}

sub results
{
	my ($node) = @_;
	my $sql = "SET enable_seqscan = off; SET zvec.ef_search = 100;\n";
	for my $q (0 .. $#$queries)
	{
		my $v = "'" . vec_text($queries->[$q]) . "'";
		$sql .= "SELECT string_agg(id::text || ':' || d::text, ',' ORDER BY n) FROM "
		  . "(SELECT id, embedding <-> $v AS d, row_number() OVER () AS n FROM "
		  . "(SELECT id, embedding FROM items ORDER BY embedding <-> $v LIMIT $k) t) s;\n";
	}
	return $node->safe_psql('postgres', $sql);
}

# The same node's results with its side file bypassed.
sub results_bypassed
{
	my ($node) = @_;
	my $p = side_path($node);
	unlink $p;
	mkdir $p or die "mkdir $p: $!";
	my $r = results($node);
	rmdir $p or die "rmdir $p: $!";
	return $r;
}

sub buffers_touched
{
	my ($node) = @_;
	my $q = "SELECT id FROM items ORDER BY embedding <-> '" . vec_text($queries->[3]) . "' LIMIT $k";
	$node->safe_psql('postgres', "SET enable_seqscan = off; $q");
	my $plan = $node->safe_psql('postgres',
		"SET enable_seqscan = off; EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF) $q");
	die "not an index scan:\n$plan" unless $plan =~ /Index Scan using items_mm/;
	my ($hit) = $plan =~ /shared hit=(\d+)/;
	return $hit // 0;
}

sub compare
{
	my ($what) = @_;
	$primary->wait_for_catchup($standby);
	my $p = results($primary);
	my $s = results($standby);
	is($s, $p, "$what: the standby returns the primary's results");
	is(results_bypassed($standby), $s, "$what: the standby's side file agrees with its replayed pages");
}

ok(!-e side_path($standby), 'the base backup did not copy the side file');
compare('after build');
my $b = buffers_touched($standby);
ok(-f side_path($standby), 'the standby built its own side file from replayed pages');
cmp_ok($b, '<', 40, "the standby's scans read its side file ($b buffers)");

my $next = 100000;
sub insert_rows
{
	my ($n, $shift) = @_;
	my @rows = map { [ $next++, vec_text([ map { $_ + $shift } @{ $base->[ ($_ * 13) % @$base ] } ]) ] } 0 .. $n - 1;
	$primary->safe_psql('postgres', copy_rows_sql('items', \@rows));
}

insert_rows(100, 1);
compare('after 100 inserts');
$primary->safe_psql('postgres', 'DELETE FROM items WHERE id % 4 = 1; VACUUM items;');
compare('after deleting a quarter of the rows and VACUUM');
insert_rows(1500, 2);
compare('after 1,500 inserts (past the change ring)');
$b = buffers_touched($standby);
cmp_ok($b, '<', 40, "the standby rebuilt and reads its side file again ($b buffers)");

$standby->promote;
$standby->safe_psql('postgres', copy_rows_sql('items',
	[ map { [ 200000 + $_, vec_text([ map { $_ + 5 } @{ $base->[$_] } ]) ] } 0 .. 299 ]));
is(results($standby), results_bypassed($standby), 'after promotion and inserts, the index agrees with its pages');

$standby->stop;
$primary->stop;
done_testing();
