# test/t/055_mmap_settings.pl
#	zvec.mmap_lock and zvec.mmap_warmup on an mmap index (10,000 random
#	8-dimension vectors, a side file of about 2.7 MB), 10 queries with
#	k = 10; the baseline is the index's own results with both settings off:
#	  - zvec.mmap_lock = on, with the server's RLIMIT_MEMLOCK lowered to 0
#	    (prlimit): the query fails with SQLSTATE 53000 and a hint naming
#	    RLIMIT_MEMLOCK and CAP_IPC_LOCK; = try: a WARNING with the same
#	    hint and the baseline results;
#	  - with the limit back at its original value (which must exceed the
#	    file): = on succeeds, the locked bytes are charged to the memory
#	    governor (zvec_memory_status().backend_pinned >= the file size)
#	    and released when the setting goes back to off;
#	  - with zvec.memory_limit (the cap) below the file size, = on fails
#	    with SQLSTATE 53200 before locking;
#	  - zvec.mmap_warmup = prefetch and = populate return the baseline.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZvecTest qw(vec_text copy_rows_sql);

plan skip_all => 'prlimit(1) is not available' if system('prlimit --version >/dev/null 2>&1') != 0;

srand(55);
my $dim = 8;
sub rand_vec { return [ map { int(rand(1000)) } 1 .. $dim ]; }

my $node = PostgreSQL::Test::Cluster->new('mmap_settings');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION zvec');
$node->safe_psql('postgres', "CREATE TABLE items (id int, embedding vector($dim))");
$node->safe_psql('postgres', copy_rows_sql('items', [ map { [ $_, vec_text(rand_vec()) ] } 1 .. 10000 ]));
$node->safe_psql('postgres', "CREATE INDEX items_mm ON items USING zvec (embedding) WITH (storage = 'mmap'); ANALYZE items;");

my $dboid = $node->safe_psql('postgres', "SELECT oid FROM pg_database WHERE datname = 'postgres'");
my $fn = $node->safe_psql('postgres', "SELECT pg_relation_filenode('items_mm')");
my $size = -s $node->data_dir . "/base/$dboid/pgsql_tmp_zvec_$fn";
ok($size > 2_000_000, "the side file has $size bytes");

my @queries = map { rand_vec() } 1 .. 10;
my $query_sql = join('', map {
	"SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY embedding <-> '" . vec_text($_) . "' LIMIT 10) s;\n"
} @queries);
sub run_queries
{
	my ($settings, %opts) = @_;
	my ($out, $err) = ('', '');
	my $ret = $node->psql('postgres', "SET enable_seqscan = off; SET zvec.ef_search = 100; $settings\n$query_sql",
		stdout => \$out, stderr => \$err, extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	return ($ret, $out, $err);
}

my (undef, $baseline) = run_queries('');
like($baseline, qr/^\d+(,\d+){9}$/m, 'baseline results');

my $postmaster = $node->{_pid};
my ($soft_hard) = `prlimit --pid $postmaster --memlock --output SOFT,HARD --noheadings --raw` =~ /(\S+\s+\S+)/;
my ($soft, $hard) = split /\s+/, $soft_hard;

# New backends inherit the postmaster's limit.
system('prlimit', "--pid=$postmaster", "--memlock=0:$hard") == 0 or die 'prlimit failed';

my ($ret, $out, $err) = run_queries('SET zvec.mmap_lock = on;');
isnt($ret, 0, 'mmap_lock = on with RLIMIT_MEMLOCK 0: the query fails');
like($err, qr/ERROR:  53000: could not lock \d+ bytes of zvec side file/, 'it fails with SQLSTATE 53000');
like($err, qr/HINT:  .*RLIMIT_MEMLOCK.*CAP_IPC_LOCK.*zvec\.mmap_lock = off/, 'the hint names RLIMIT_MEMLOCK, CAP_IPC_LOCK and the setting');

($ret, $out, $err) = run_queries('SET zvec.mmap_lock = try;');
is($ret, 0, 'mmap_lock = try with RLIMIT_MEMLOCK 0: the query succeeds');
like($err, qr/WARNING:  53000: could not lock \d+ bytes of zvec side file.*\n.*HINT:  .*RLIMIT_MEMLOCK.*CAP_IPC_LOCK/s,
	'with a WARNING carrying the hint');
is($out, $baseline, 'and the baseline results');

system('prlimit', "--pid=$postmaster", "--memlock=$soft:$hard") == 0 or die 'prlimit failed';
SKIP:
{
	skip "RLIMIT_MEMLOCK ($soft) does not exceed the side file", 4
	  unless $soft eq 'unlimited' || $soft > $size + 1_000_000;
	($ret, $out, $err) = run_queries(
		"SET zvec.mmap_lock = on;\n$query_sql SELECT backend_pinned FROM zvec_memory_status();\n"
		  . "SET zvec.mmap_lock = off;\n$query_sql SELECT backend_pinned FROM zvec_memory_status();");
	is($ret, 0, 'mmap_lock = on within RLIMIT_MEMLOCK: the queries succeed');
	my @lines = split /\n/, $out;
	is(join("\n", @lines[ 0 .. 9 ]), $baseline, 'with the baseline results');
	cmp_ok($lines[10], '>=', $size, "the locked bytes are charged to the governor ($lines[10])");
	is($lines[21], 0, 'and released when mmap_lock goes back to off');
}

$node->append_conf('postgresql.conf', 'zvec.memory_limit = 1');
$node->reload;
($ret, $out, $err) = run_queries('SET zvec.mmap_lock = on;');
isnt($ret, 0, 'mmap_lock = on with a 1 MB cap: the query fails');
like($err, qr/ERROR:  53200: zvec side file of relfilenode \d+ needs more memory than allowed/, 'with SQLSTATE 53200 from the memory governor');
$node->append_conf('postgresql.conf', 'zvec.memory_limit = -1');
$node->reload;

(undef, $out) = run_queries('SET zvec.mmap_warmup = prefetch;');
is($out, $baseline, 'mmap_warmup = prefetch: baseline results');
(undef, $out) = run_queries('SET zvec.mmap_warmup = populate;');
is($out, $baseline, 'mmap_warmup = populate: baseline results');

$node->stop;
done_testing();
