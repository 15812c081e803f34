# test/t/040_memory_settings.pl
#	zvec.memory_limit in the server configuration, and the mode without
#	preloading.
#	  - Not preloaded: zvec_memory_status() says 'per-backend' with no
#	    cluster total, and two backends each take 60 MB under a 100 MB cap,
#	    because each enforces the cap alone.
#	  - Preloaded, zvec.cgroup_root at the v2_limited fixture (1 GB): a
#	    zvec.memory_limit above 1 GB in postgresql.conf is refused at
#	    startup with a WARNING and the default (80%) stays in force; a valid
#	    value takes effect on reload; an invalid one at reload is logged and
#	    the previous value kept; SHOW reports the cap in bytes and where it
#	    comes from, including when a tighter cgroup clamps it.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use Cwd qw(abs_path);
use FindBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $MB = 1024 * 1024;
# canonical, as zvec.cgroup_root stores it
my $fixtures = abs_path("$FindBin::RealBin/../fixtures/cgroup");
die "cgroup fixtures not found at $fixtures" unless -d "$fixtures/v2_limited";

# --- not preloaded: each backend alone -------------------------------------
my $solo = PostgreSQL::Test::Cluster->new('memory_per_backend');
$solo->init;
$solo->append_conf('postgresql.conf', "zvec.memory_limit = '100MB'\n");
$solo->start;
$solo->safe_psql('postgres', 'CREATE EXTENSION zvec');
is( $solo->safe_psql(
		'postgres',
		"SELECT mode, cluster_charged IS NULL, memory_cap FROM zvec_memory_status()"),
	'per-backend|t|' . (100 * $MB),
	'not preloaded: per-backend mode, no cluster total, 100 MB cap');

my $one = $solo->background_psql('postgres');
my $two = $solo->background_psql('postgres', on_error_stop => 0);
is( $one->query_safe(
		"SELECT zvec_memory_test_charge(50 * $MB, 60 * $MB, hold => true)"),
	60 * $MB,
	'per-backend: the first backend holds 60 MB');
is( $two->query_safe(
		"SELECT zvec_memory_test_charge(50 * $MB, 60 * $MB, hold => true)"),
	60 * $MB,
	'per-backend: the second backend also holds 60 MB (no shared total)');
my ($out, $failed) =
  $two->query("SELECT zvec_memory_test_charge(50 * $MB, 60 * $MB)");
ok($failed, 'per-backend: but its own second 60 MB passes its cap');
like($two->{stderr}, qr/and 62914560 bytes \(60 MB\) are already in use/,
	'per-backend: counting only its own bytes');
$one->quit;
$two->quit;
$solo->stop;

# --- preloaded, on a fake 1 GB cgroup --------------------------------------
my $node = PostgreSQL::Test::Cluster->new('memory_settings');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
shared_preload_libraries = 'zvec'
zvec.cgroup_root = '$fixtures/v2_limited'
zvec.memory_limit = '2GB'
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION zvec');

my $log = slurp_file($node->logfile);
like(
	$log,
	qr/WARNING:  invalid value for parameter "zvec\.memory_limit": 2048\n.*DETAIL:  2048MB is more than the memory limit zvec detected, 1073741824 bytes\./,
	'startup: a limit above the detected 1 GB is refused with a WARNING');
is( $node->safe_psql('postgres', 'SHOW zvec.memory_limit'),
	'-1 (858993459 bytes, 80% of the cgroup v2 memory limit)',
	'startup: the default stays in force and SHOW says what it is');
is( $node->safe_psql(
		'postgres', 'SELECT mode, detected_limit, memory_cap FROM zvec_memory_status()'),
	'shared|1073741824|858993459',
	'startup: status agrees');

# A valid value takes effect on reload.
$node->append_conf('postgresql.conf', "zvec.memory_limit = '900MB'\n");
$node->reload;
ok( $node->poll_query_until('postgres', 'SHOW zvec.memory_limit', '900MB'),
	'reload: 900MB is in force');
is($node->safe_psql('postgres', 'SELECT memory_cap FROM zvec_memory_status()'),
	900 * $MB, 'reload: the cap is 900 MB');

# A tighter cgroup (here: a superuser pointing at another tree) clamps it.
is( $node->safe_psql(
		'postgres',
		"SET zvec.cgroup_root = '$fixtures/v2_nested';\n"
		  . "SHOW zvec.memory_limit;\n"
		  . "SELECT memory_cap FROM zvec_memory_status();"),
	"900MB (805306368 bytes, clamped to the detected memory limit)\n805306368",
	'a detected limit below the setting clamps the cap, and SHOW says so');

# An invalid value at reload is logged and the previous one kept.
my $offset = -s $node->logfile;
$node->append_conf('postgresql.conf', "zvec.memory_limit = '2GB'\n");
$node->reload;
$node->wait_for_log(qr/invalid value for parameter "zvec\.memory_limit": 2048/, $offset);
is($node->safe_psql('postgres', 'SHOW zvec.memory_limit'),
	'900MB', 'reload: an invalid value leaves 900MB in force');

# ALTER SYSTEM refuses the same value at once, and accepts a valid one.
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"ALTER SYSTEM SET zvec.memory_limit = '2GB'");
isnt($ret, 0, 'ALTER SYSTEM refuses 2GB');
like($stderr, qr/HINT:  Use at most 1024MB, or -1 for 80% of the detected limit/,
	'ALTER SYSTEM: the hint gives the largest valid value');
$node->safe_psql('postgres', "ALTER SYSTEM SET zvec.memory_limit = '256MB'");
$node->reload;
ok( $node->poll_query_until('postgres', 'SHOW zvec.memory_limit', '256MB'),
	'ALTER SYSTEM + reload: 256MB is in force');

$node->stop;
done_testing();
