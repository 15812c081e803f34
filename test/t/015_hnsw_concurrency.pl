# test/t/015_hnsw_concurrency.pl
#	Concurrent inserts and scans on a zvec HNSW index, once with storage =
#	'bufferpool' and once with storage = 'mmap'.  The table starts with
#	the 10,000 siftsmall base vectors and an index on them; then two
#	pgbench processes run at the same time for 60 seconds each
#	(ZVEC_CONCURRENCY_SECONDS overrides, for debugging): 4 clients
#	inserting siftsmall-like vectors (a base vector with its histogram
#	cells rotated, plus seeded noise, from an SQL function of a pgbench
#	random number, --random-seed fixed) and
#	4 clients running kNN queries on such vectors, each of which must
#	return exactly 10 rows in distance order (the script divides by zero
#	otherwise).  Then:
#	  - neither pgbench run reports an error or an aborted client, and
#	    both processed transactions;
#	  - every committed insert is in the table and reachable: the rows
#	    are counted, and a sample of inserted rows is each found as its
#	    own nearest neighbour through the index;
#	  - recall@10 of the 100 siftsmall queries at the default ef_search
#	    (IVF, run by 064: at probes = 3, since at probes = 1 of 10 lists
#	    recall depends on where k-means puts the centroids; two fresh builds
#	    in one run gave 0.686 and 0.842), against a sequential scan of the
#	    live rows, is within 0.02 of the recall of a fresh build (REINDEX)
#	    of the same rows;
#	  - mmap only: the index returns exactly what it returns with its side
#	    file bypassed (the image never serves a stale record);
#	  - the server log has no ERROR, PANIC or crashed backend.
#	No assertion depends on how fast anything ran.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZvecTest qw(data_dir read_fvecs vec_text load_fvecs_table);
use ZvecIndexTest qw(storages index_with search_setting top_k flat ordered recall side_file with_image_bypassed);

my $sift = data_dir() . '/siftsmall';
die "siftsmall not found at $sift (set ZVEC_DATA_DIR)" unless -r "$sift/base.fvecs";
my $base = read_fvecs("$sift/base.fvecs");
my $queries = read_fvecs("$sift/query.fvecs");
my $seconds = $ENV{ZVEC_CONCURRENCY_SECONDS} // 60;
my $clients = 4;

my $node = PostgreSQL::Test::Cluster->new('hnsw_concurrency');
$node->init;
$node->append_conf('postgresql.conf', "max_connections = 40\nlog_min_messages = warning\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION zvec');
load_fvecs_table($node, 'postgres', 'base', $base);

# A siftsmall-like vector for any seed: base vector (seed mod 10,000) with
# its coordinates rotated by a whole number (1..15) of 8-orientation
# histogram cells, so it is another plausible SIFT descriptor rather than
# a near-copy of a base vector, and every coordinate moved by a hash of
# (seed, coordinate) in -2..2, kept non-negative.  STABLE, so it may be
# the argument of an index scan.
$node->safe_psql('postgres', q{
CREATE FUNCTION sift_like(seed bigint) RETURNS vector LANGUAGE sql STABLE AS $$
	SELECT array_agg(greatest(0, e[1 + ((o - 1 + 8 * (1 + (seed / 10000) % 15)) % 128)::int]
	                             + (abs(hashint8(seed * 131 + o)) % 5) - 2) ORDER BY o)::real[]::vector(128)
	FROM (SELECT embedding::real[] AS e FROM base WHERE id = seed % 10000) b, generate_series(1, 128) o
$$;
});

my $dir = PostgreSQL::Test::Utils::tempdir();
my $insert_script = "$dir/insert.sql";
my $query_script = "$dir/query.sql";
PostgreSQL::Test::Utils::append_to_file($insert_script, q{\set r random(1, 1000000000)
INSERT INTO items VALUES (nextval('item_ids'), sift_like(:r), :r);
});
PostgreSQL::Test::Utils::append_to_file($query_script, q{\set r random(1, 1000000000)
SELECT 1 / (count(*) = 10 AND bool_and(ordered))::int FROM (
	SELECT d >= coalesce(lag(d) OVER (), 0) AS ordered FROM (
		SELECT embedding <-> sift_like(:r) AS d FROM items ORDER BY embedding <-> sift_like(:r) LIMIT 10) t) s;
});

# Start pgbench in the background on one script.
sub start_pgbench
{
	my ($script, $seed) = @_;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[ 'pgbench', '-n', '-c', $clients, '-j', 2, '-T', $seconds, "--random-seed=$seed",
			'-f', $script, $node->connstr('postgres') ],
		'>', \$out, '2>', \$err);
	return { h => $h, out => \$out, err => \$err };
}

# Wait for a pgbench run; return (exit status, stdout, stderr).
sub finish_pgbench
{
	my ($run) = @_;
	$run->{h}->finish;
	return ($run->{h}->result(0), ${ $run->{out} }, ${ $run->{err} });
}

for my $storage (storages())
{
	my $mm = $storage eq 'mmap';
	my $with = index_with($storage);
	$node->safe_psql('postgres', qq{
		DROP TABLE IF EXISTS items; DROP SEQUENCE IF EXISTS item_ids;
		CREATE SEQUENCE item_ids START 1000000;
		CREATE TABLE items (id bigint PRIMARY KEY, embedding vector(128), seed bigint);
		INSERT INTO items SELECT id, embedding, NULL FROM base;
		CREATE INDEX items_idx ON items USING zvec (embedding) WITH ($with);
		ANALYZE items;
	});
	like($node->safe_psql('postgres', 'EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY embedding <-> sift_like(7) LIMIT 10'),
		qr/Index Scan using items_idx/, "$storage: the pgbench query is planned as a scan of the index");

	my $log_offset = -s $node->logfile;
	my $ins = start_pgbench($insert_script, 15);
	my $qry = start_pgbench($query_script, 16);
	my ($ins_rc, $ins_out, $ins_err) = finish_pgbench($ins);
	my ($qry_rc, $qry_out, $qry_err) = finish_pgbench($qry);
	note("$storage inserts:\n$ins_out$ins_err\n$storage queries:\n$qry_out$qry_err");

	is($ins_rc, 0, "$storage: the inserting pgbench run exits 0") or diag($ins_err);
	is($qry_rc, 0, "$storage: the querying pgbench run exits 0") or diag($qry_err);
	my ($ins_n) = $ins_out =~ /number of transactions actually processed: (\d+)/;
	my ($qry_n) = $qry_out =~ /number of transactions actually processed: (\d+)/;
	cmp_ok($ins_n // 0, '>', 0, "$storage: inserts were processed (" . ($ins_n // 'none') . ')');
	cmp_ok($qry_n // 0, '>', 0, "$storage: queries were processed (" . ($qry_n // 'none') . ')');
	like($ins_out, qr/number of failed transactions: 0 /, "$storage: no insert failed");
	like($qry_out, qr/number of failed transactions: 0 /, "$storage: no query failed (each returned 10 ordered rows)");
	unlike($ins_err . $qry_err, qr/ERROR|aborted/, "$storage: pgbench reports no error or aborted client");
	ok(!$node->log_contains(qr/ERROR|PANIC|terminated by signal/, $log_offset),
		"$storage: the server log shows no error during the run");

	is($node->safe_psql('postgres', 'SELECT count(*) FROM items WHERE seed IS NOT NULL'), $ins_n,
		"$storage: every committed insert is in the table");

	# Each of 50 inserted rows (spread over the run) is its own nearest row.
	my $sample = $node->safe_psql('postgres', q{
		SELECT string_agg(id::text || ':' || seed::text, ',' ORDER BY id) FROM (
			SELECT id, seed, row_number() OVER (ORDER BY id) AS n, count(*) OVER () AS c
			FROM items WHERE seed IS NOT NULL) s
		WHERE n % greatest(c / 50, 1) = 0});
	my @sample = map { [ split /:/ ] } split /,/, $sample;
	my $sql = "SET enable_seqscan = off; " . search_setting(100, 10) . "\n";
	$sql .= "SELECT $_->[0], (SELECT id FROM items ORDER BY embedding <-> sift_like($_->[1]) LIMIT 1);\n" for @sample;
	my @lost;
	for my $line (split /\n/, $node->safe_psql('postgres', $sql))
	{
		my ($want, $got) = split /\|/, $line;
		push @lost, $want if $want ne $got;
	}
	is(scalar(@lost), 0, "$storage: each of " . scalar(@sample) . ' sampled inserted rows is found as its own nearest row')
	  or diag($node->safe_psql('postgres', "SET enable_seqscan = off; " . search_setting(400, 32768) . " "
		  . "SELECT 'missing ' || i.id || ' (seed ' || i.seed || '); at ef_search 400 found ' || "
		  . "(SELECT string_agg(id || ' at ' || d, ', ') FROM (SELECT j.id, j.embedding <-> i.embedding AS d FROM items j "
		  . "ORDER BY j.embedding <-> i.embedding LIMIT 3) t) FROM items i WHERE i.id IN (" . join(',', @lost) . ')'));

	my $exact = top_k($node, $queries, settings => 'SET enable_indexscan = off;');
	my $scan = 'SET enable_seqscan = off; ' . search_setting(40, 3);
	my $after = top_k($node, $queries, settings => $scan);
	ok(ordered($after), "$storage: results after the run are in distance order");
	if ($mm)
	{
		is(flat(with_image_bypassed($node, 'items_idx',
			sub { top_k($node, $queries, settings => $scan) })),
			flat($after), "$storage: image and buffer-pool reads of the index agree after the run");
	}
	my $r_conc = recall($exact, $after);
	$node->safe_psql('postgres', 'REINDEX INDEX items_idx');
	my $r_fresh = recall($exact, top_k($node, $queries, settings => $scan));
	cmp_ok($r_conc, '>=', $r_fresh - 0.02,
		"$storage: recall\@10 after the concurrent run ($r_conc) is within 0.02 of a fresh build ($r_fresh)");
}

$node->stop;
done_testing();
