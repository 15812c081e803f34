# test/t/030_memory_shared.pl
#	The cluster-wide cap with shared_preload_libraries = 'zvec' and
#	zvec.memory_limit = 100MB.  Two backends each take a 60 MB charge
#	(zvec_memory_test_charge, which charges memory the way an index build
#	does): each fits alone, not together, so the second gets SQLSTATE 53200
#	with the bytes in use in its detail, while the first keeps its charge and
#	its session.  Then every way a charge can end must bring the cluster
#	total back to zero: the backend quitting, the backend terminated
#	(FATAL), and the backend killed with SIGKILL, after which the postmaster
#	restarts the cluster and creates the shared counters afresh.  Then
#	eight clients charging at once: exactly as many fit as the cap allows.
#	Last, index scans (HNSW and IVF): charged while open, given back when
#	they end, and one that does not fit fails with 53200 naming the index
#	and leaves nothing charged.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $MB = 1024 * 1024;

my $node = PostgreSQL::Test::Cluster->new('memory_shared');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
shared_preload_libraries = 'zvec'
zvec.memory_limit = '100MB'
restart_after_crash = on
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION zvec');

# cluster_charged as seen from a fresh session.
sub cluster_charged
{
	return $node->safe_psql('postgres',
		'SELECT cluster_charged FROM zvec_memory_status()');
}

is( $node->safe_psql(
		'postgres',
		'SELECT mode, memory_cap, cluster_charged, backend_charged FROM zvec_memory_status()'
	),
	"shared|" . (100 * $MB) . "|0|0",
	'preloaded: shared mode, a 100 MB cap, nothing charged');
is($node->safe_psql('postgres', 'SHOW zvec.memory_limit'),
	'100MB', 'SHOW zvec.memory_limit gives the configured cap');

# First backend: hold 60 MB (50 MB allocated within a 60 MB estimate, so
# the charge is exactly 60 MB whatever the allocator's overhead).
my $first = $node->background_psql('postgres', on_error_stop => 0);
my $first_pid = $first->query_safe('SELECT pg_backend_pid()');
is( $first->query_safe(
		"SELECT zvec_memory_test_charge(50 * $MB, 60 * $MB, hold => true)"),
	60 * $MB,
	'first backend holds 60 MB');
is(cluster_charged(), 60 * $MB, 'the cluster total shows the 60 MB');

# Second backend: 60 MB more would pass the cap.
my $second = $node->background_psql('postgres', on_error_stop => 0);
$second->query_safe('\set VERBOSITY verbose');
my ($out, $failed) =
  $second->query("SELECT zvec_memory_test_charge(50 * $MB, 60 * $MB)");
ok($failed, 'second backend: its 60 MB charge fails');
like(
	$second->{stderr},
	qr/ERROR:  53200: zvec memory test charge needs more memory than allowed/,
	'second backend: SQLSTATE 53200 naming the operation');
like(
	$second->{stderr},
	qr/DETAIL:  The operation needs 62914560 bytes \(60 MB\) more, but zvec memory is capped at 104857600 bytes \(100 MB\), and 62914560 bytes \(60 MB\) are already in use\./,
	'second backend: the detail counts the first backend\'s bytes');
like(
	$second->{stderr},
	qr/HINT:  Raise zvec\.memory_limit \(now 100MB\), or retry when other zvec operations have finished\./,
	'second backend: the hint names zvec.memory_limit');
$second->{stderr} = '';
is( $second->query_safe(
		'SELECT backend_charged || \'|\' || cluster_charged FROM zvec_memory_status()'),
	"0|" . (60 * $MB),
	'second backend: nothing charged to it after the refusal');
is( $second->query_safe(
		"SELECT zvec_memory_test_charge(25 * $MB, 30 * $MB)"),
	30 * $MB,
	'second backend: 30 MB still fits next to the first backend\'s 60 MB');

# The first backend is unaffected.
is( $first->query_safe(
		'SELECT backend_charged FROM zvec_memory_status()'),
	60 * $MB,
	'first backend keeps its 60 MB');
is( $first->query_safe(
		"SELECT zvec_memory_test_charge(8 * $MB, 10 * $MB)"),
	10 * $MB,
	'first backend can still charge within the remaining room');

# The first backend ends: its charge goes with it.
$first->quit;
ok( $node->poll_query_until(
		'postgres', 'SELECT cluster_charged FROM zvec_memory_status()', '0'),
	'after the first backend quits the cluster total is zero');
is( $second->query_safe(
		"SELECT zvec_memory_test_charge(50 * $MB, 60 * $MB, hold => true)"),
	60 * $MB,
	'the second backend can now take the 60 MB');
$second->quit;
ok( $node->poll_query_until(
		'postgres', 'SELECT cluster_charged FROM zvec_memory_status()', '0'),
	'and when it quits the total is zero again');

# A backend terminated while holding a charge (FATAL) releases it.
my $third = $node->background_psql('postgres', on_error_stop => 0);
my $third_pid = $third->query_safe('SELECT pg_backend_pid()');
$third->query_safe("SELECT zvec_memory_test_charge(35 * $MB, 40 * $MB, hold => true)");
is(cluster_charged(), 40 * $MB, 'a third backend holds 40 MB');
$node->safe_psql('postgres', "SELECT pg_terminate_backend($third_pid)");
ok( $node->poll_query_until(
		'postgres', 'SELECT cluster_charged FROM zvec_memory_status()', '0'),
	'after pg_terminate_backend the cluster total is zero');
eval { $third->quit; };

# A backend killed with SIGKILL cannot clean up; the crash restart must.
my $log_offset = -s $node->logfile;
my $fourth = $node->background_psql('postgres', on_error_stop => 0);
my $fourth_pid = $fourth->query_safe('SELECT pg_backend_pid()');
$fourth->query_safe("SELECT zvec_memory_test_charge(35 * $MB, 40 * $MB, hold => true)");
is(cluster_charged(), 40 * $MB, 'a fourth backend holds 40 MB');
is(kill('KILL', $fourth_pid), 1, 'SIGKILL sent to the fourth backend');
$node->wait_for_log(qr/all server processes terminated; reinitializing/, $log_offset);
ok( $node->poll_query_until(
		'postgres', 'SELECT cluster_charged FROM zvec_memory_status()', '0'),
	'after the crash restart the cluster total is zero');
is( $node->safe_psql('postgres',
		'SELECT mode, memory_cap FROM zvec_memory_status()'),
	'shared|' . (100 * $MB),
	'the restarted cluster is again in shared mode with the same cap');
is( $node->safe_psql('postgres',
		"SELECT zvec_memory_test_charge(70 * $MB, 80 * $MB)"),
	80 * $MB,
	'and the whole cap is available again');
eval { $fourth->quit; };

# Admission is atomic: eight clients at once each try to hold 30 MB under
# the 100 MB cap; whatever the interleaving, exactly three get in.  The
# winners keep their charge (and their session) for two seconds, long
# after every attempt is over.
$node->pgbench(
	'-n -c 8 -j 8 -t 1',
	2,
	[qr/number of transactions actually processed: 3\/8/],
	[qr/ERROR:  zvec memory test charge needs more memory than allowed/],
	'concurrent charges: exactly three of eight fit under the cap',
	{
		'030_memory_shared_hold' => qq{
SELECT zvec_memory_test_charge(25 * $MB, 30 * $MB, true);
\\sleep 2 s
}
	});
ok( $node->poll_query_until(
		'postgres', 'SELECT cluster_charged FROM zvec_memory_status()', '0'),
	'and once the clients are gone the total is zero');

# Index scans are charged too: their state (candidates, visited set) is
# charged while the scan is open and given back when it ends, and a scan
# that does not fit fails with 53200 naming the index, changing nothing.
$node->safe_psql('postgres', q{
	SELECT setseed(0.25);
	CREATE TABLE sv (id int, embedding vector(16));
	INSERT INTO sv SELECT i, (SELECT array_agg(random()::real) FROM generate_series(1, 16) WHERE i > 0)::vector(16)
	  FROM generate_series(1, 4000) i;
	CREATE TABLE sv_ivf AS SELECT * FROM sv;
	CREATE INDEX sv_hnsw ON sv USING zvec (embedding vector_l2_ops);
	CREATE INDEX sv_ivf_idx ON sv_ivf USING zvec (embedding vector_l2_ops)
	  WITH (algorithm = 'ivf', lists = 64);
});
my $scanner = $node->background_psql('postgres', on_error_stop => 0);
$scanner->query_safe('SET zvec.ef_search = 1000');
$scanner->query_safe('SET zvec.probes = 64');
for my $t (['sv', 'sv_hnsw'], ['sv_ivf', 'sv_ivf_idx'])
{
	my ($table, $index) = @$t;
	my $query = "SELECT id FROM $table ORDER BY embedding <-> "
	  . "(SELECT embedding FROM $table WHERE id = 7) LIMIT 10";
	like($scanner->query_safe("EXPLAIN (COSTS OFF) $query"),
		qr/Index Scan using $index/, "$index: the query scans the index");
	$scanner->query_safe("BEGIN; DECLARE c CURSOR FOR $query");
	$scanner->query_safe('FETCH 1 FROM c');
	my $open = $scanner->query_safe('SELECT backend_charged FROM zvec_memory_status()');
	cmp_ok($open, '>', 64 * 1024, "$index: an open scan is charged ($open bytes)");
	$scanner->query_safe('CLOSE c; COMMIT');
	is($scanner->query_safe('SELECT backend_charged FROM zvec_memory_status()'),
		'0', "$index: the charge is given back when the scan ends");

	# Leave half the room the open scan was charged, and scan again.
	my $hold = 100 * $MB - int($open / 2);
	$scanner->query_safe("SELECT zvec_memory_test_charge($hold, $hold, hold => true)");
	my ($out, $failed) = $scanner->query($query);
	ok($failed, "$index: a scan that does not fit under the cap fails");
	like($scanner->{stderr},
		qr/ERROR:  zvec index scan "$index" needs more memory than allowed/,
		"$index: SQLSTATE 53200 names the index scan");
	$scanner->{stderr} = '';	# BackgroundPsql keeps stderr across queries
	$scanner->query_safe('SELECT zvec_memory_test_release()');
	is($scanner->query_safe('SELECT backend_charged FROM zvec_memory_status()'),
		'0', "$index: the failed scan left nothing charged");
	is($scanner->query_safe("SELECT count(*) FROM ($query) s"),
		'10', "$index: with room again the same scan returns 10 rows");
}
$scanner->quit;

$node->stop;
done_testing();
