# test/t/004_symbol_exports.pl
#	zvec.so exports only what PostgreSQL looks up by name: _PG_init, the
#	magic block, the SQL-callable C functions of the extension (with
#	their pg_finfo_ records) and parallel-worker entry points (*WorkerMain,
#	which PostgreSQL looks up by name when it starts a worker).  Every other symbol is local, so zvec's
#	internal names -- pgvector's library defines many of the same -- never
#	interpose on another module loaded into the same backend (for example
#	with shared_preload_libraries = 'zvec').
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('exports');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'zvec'");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION zvec');

my $libdir = $node->config_data('--pkglibdir');
my $so = "$libdir/zvec.so";
ok(-f $so, "zvec.so is installed in $libdir");

my ($stdout, $stderr);
IPC::Run::run([ 'nm', '-D', '--defined-only', $so ], '>', \$stdout, '2>', \$stderr)
  or die "nm failed: $stderr";
my %exported = map { (split)[2] => 1 } grep { /^\S+ [A-Za-z] \S+$/ } split /\n/, $stdout;

my %expected = ('_PG_init' => 1, 'Pg_magic_func' => 1);
for my $fn (split /\n/, $node->safe_psql('postgres',
	q{SELECT DISTINCT prosrc FROM pg_proc WHERE probin = '$libdir/zvec'}))
{
	$expected{$fn} = 1;
	$expected{"pg_finfo_$fn"} = 1;
}
cmp_ok(scalar(keys %expected), '>', 30, 'the extension has its SQL-callable C functions');

my @extra = sort grep { !$expected{$_} && !/WorkerMain$/ } keys %exported;
ok(exists $exported{HnswBuildWorkerMain}, 'the parallel HNSW build entry point is exported');
my @missing = sort grep { !$exported{$_} } keys %expected;
is(join(' ', @extra), '', 'no internal symbol is exported');
is(join(' ', @missing), '', 'every SQL-callable function is exported');

# With zvec preloaded, a scan through a zvec index still works.
is($node->safe_psql('postgres', q{
	CREATE TABLE t (id int, v vector(2));
	INSERT INTO t SELECT i, ARRAY[i, 0]::real[]::vector FROM generate_series(1, 500) i;
	CREATE INDEX ON t USING zvec (v);
	SET enable_seqscan = off;
	SELECT id FROM t ORDER BY v <-> '[42,0]' LIMIT 1}), '42', 'preloaded zvec serves an index scan');
$node->stop;
done_testing();
