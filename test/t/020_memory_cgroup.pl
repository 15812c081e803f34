# test/t/020_memory_cgroup.pl
#	Memory and CPU limit detection against the fake cgroup trees in
#	test/fixtures/cgroup/ (see the README there).  For each tree,
#	zvec_memory_status() must report exactly the detected limit, its source
#	(the file it came from, or the reason for falling back to physical RAM),
#	the CPU limit and the cap (80% of the limit, rounded down).  The trees
#	with missing or garbage files, and a root with no /proc/self/cgroup at
#	all, must fall back to the physical RAM with a LOG line and no error.
#	All trees are read in one session, so the cache must follow every change
#	of zvec.cgroup_root.  Last, with the real root, the source must name the
#	cgroup the backend actually runs in.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use Cwd qw(abs_path);
use FindBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# canonical, as zvec.cgroup_root stores it
my $fixtures = abs_path("$FindBin::RealBin/../fixtures/cgroup");
die "cgroup fixtures not found at $fixtures" unless -d "$fixtures/v2_limited";

# Independent reference values: glibc's sysconf(_SC_PHYS_PAGES) is the
# kernel's MemTotal, and the online CPU count comes from getconf.
my $meminfo = slurp_file('/proc/meminfo');
$meminfo =~ /^MemTotal:\s+(\d+) kB/m or die "no MemTotal in /proc/meminfo";
my $phys = $1 * 1024;
my $online = `getconf _NPROCESSORS_ONLN`;
chomp $online;
die "could not get the online CPU count" unless $online =~ /^\d+$/;

# 80% rounded down, in integer arithmetic.
sub cap_of
{
	use integer;
	my ($bytes) = @_;
	return $bytes / 5 * 4 + ($bytes % 5) * 4 / 5;
}

sub min_of { return $_[0] < $_[1] ? $_[0] : $_[1]; }

# fixture => [ detected limit, source, CPU limit ]
my %expect = (
	v1_limited => [
		536870912,
		"cgroup v1 $fixtures/v1_limited/sys/fs/cgroup/memory/docker/4f2a/memory.limit_in_bytes",
		min_of(1.5, $online)
	],
	v2_limited => [
		1073741824,
		"cgroup v2 $fixtures/v2_limited/sys/fs/cgroup/system.slice/postgresql.service/memory.max",
		min_of(0.5, $online)
	],
	# the parent pod7 (768 MB, 1 CPU) is tighter than its child ctr
	v2_nested => [
		805306368,
		"cgroup v2 $fixtures/v2_nested/sys/fs/cgroup/kubepods/burstable/pod7/memory.max",
		min_of(1, $online)
	],
	max_everywhere => [
		$phys,
		'physical RAM (cgroup v2 /user.slice/app has no memory limit)',
		$online
	],
	missing_files => [
		$phys,
		'physical RAM (no usable memory.max for cgroup v2 /app)',
		$online
	],
	garbage => [
		$phys,
		'physical RAM (no usable memory.max for cgroup v2 /app)',
		$online
	],
	# v1 owns the memory controller: its 640 MB wins over the v2 decoy
	hybrid => [
		671088640,
		"cgroup v1 $fixtures/hybrid/sys/fs/cgroup/memory/svc/memory.limit_in_bytes",
		min_of(0.25, $online)
	],
	no_such_root => [
		$phys,
		"physical RAM (could not read $fixtures/no_such_root/proc/self/cgroup)",
		$online
	],);
my @order =
  qw(v1_limited v2_limited v2_nested max_everywhere missing_files garbage hybrid no_such_root v2_limited);

my $node = PostgreSQL::Test::Cluster->new('memory_cgroup');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION zvec');

# One session, every tree in turn (v2_limited twice: back to a cached root).
my $sql = "SELECT count(*) FROM zvec_memory_status();\n";
for my $f (@order)
{
	$sql .=
	    "SET zvec.cgroup_root = '$fixtures/$f';\n"
	  . "SELECT '$f', detected_limit, limit_source, cpu_limit, memory_cap "
	  . "FROM zvec_memory_status();\n";
}
my $log_offset = -s $node->logfile;
my ($ret, $out, $err) = $node->psql('postgres', $sql);
is($ret, 0, 'every fixture is read without an error');
is($err, '', 'and without a message to the client');

my @rows = grep { /\|/ } split /\n/, $out;
is(scalar @rows, scalar @order, 'one status row per fixture');
for my $i (0 .. $#order)
{
	my $f = $order[$i];
	my ($name, $limit, $source, $cpus, $cap) = split /\|/, ($rows[$i] // '');
	my ($elimit, $esource, $ecpus) = @{ $expect{$f} };
	is($name, $f, "row $i is $f");
	is($limit, $elimit, "$f: detected limit");
	is($source, $esource, "$f: limit source");
	ok(defined $cpus && abs($cpus - $ecpus) < 1e-9, "$f: CPU limit $ecpus")
	  or diag("got " . ($cpus // 'nothing'));
	is($cap, cap_of($elimit), "$f: cap is 80% of the limit");
}

# The odd trees left LOG lines (and only LOG lines) behind.
my $log = substr(slurp_file($node->logfile), $log_offset);
like($log, qr/LOG:  no memory\.max found for cgroup v2 "\/app"/,
	'missing_files: the missing limit file is logged');
like($log,
	qr/LOG:  could not parse line "this line is not a cgroup line" of file "\Q$fixtures\E\/garbage\/proc\/self\/cgroup"/,
	'garbage: the bad /proc/self/cgroup line is logged');
like($log,
	qr/LOG:  could not parse cgroup file "\Q$fixtures\E\/garbage\/sys\/fs\/cgroup\/app\/memory\.max"\n.*DETAIL:  The file contains "lots"/,
	'garbage: the bad memory.max is logged with its contents');
like($log,
	qr/LOG:  could not parse cgroup file "\Q$fixtures\E\/garbage\/sys\/fs\/cgroup\/app\/cpu\.max"/,
	'garbage: the bad cpu.max is logged');
like($log,
	qr/LOG:  could not open file "\Q$fixtures\E\/no_such_root\/proc\/self\/cgroup": No such file or directory/,
	'no_such_root: the missing /proc/self/cgroup is logged');
unlike($log, qr/ERROR|WARNING/, 'no ERROR or WARNING from detection');

# The real root: the source names the cgroup this backend runs in.
my ($real) = $node->safe_psql('postgres',
	"SELECT detected_limit || '|' || limit_source || '|' || cpu_limit || '|' || memory_cap "
	  . "FROM zvec_memory_status()");
my ($rlimit, $rsource, $rcpus, $rcap) = split /\|/, $real;
my $membership = $node->safe_psql('postgres', "SELECT pg_read_file('/proc/self/cgroup')");
my ($cgpath, $cgdir);
if ($membership =~ /^\d+:([^:\n]*\bmemory\b[^:\n]*):(\S+)$/m)
{
	($cgpath, $cgdir) = ($2, "/sys/fs/cgroup/$1$2");
}
elsif ($membership =~ /^0::(\S+)$/m)
{
	($cgpath, $cgdir) = ($1, "/sys/fs/cgroup$1");
}
note "this machine's /proc/self/cgroup:\n$membership";
note "zvec_memory_status() here: $real";
ok($rlimit > 0 && $rlimit <= $phys, 'real root: limit within physical RAM');
is($rcap, cap_of($rlimit), 'real root: cap is 80% of the limit');
ok($rcpus > 0 && $rcpus <= $online, 'real root: CPU limit within the online CPUs');
SKIP:
{
	# without a cgroup namespace the own directory may not be visible
	skip 'this machine has no visible cgroup directory', 1
	  unless defined $cgpath && -d $cgdir;
	like($rsource, qr/\Q$cgpath\E/, "real root: source names cgroup $cgpath");
}

$node->stop;
done_testing();
