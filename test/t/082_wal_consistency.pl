# test/t/082_wal_consistency.pl
#	WAL consistency of zvec indexes on a streaming standby: the primary
#	runs with wal_consistency_checking = 'generic' (every generic WAL
#	record carries a full image of each page it changes) and the standby,
#	replaying, compares its own result of applying each record with that
#	image and stops with "inconsistent page found" on any difference.
#	Four tables, one per algorithm (hnsw, ivf with lists = 10) and storage
#	(bufferpool, mmap), 2,000 random 16-dimension vectors each.  Three
#	clients on the primary run a seeded mix of inserts, updates, deletes
#	and VACUUMs over all four tables (400 statements each) while a
#	fourth runs index scans on the standby during replay.  Then, once the
#	standby has replayed everything:
#	  - the standby's log has no inconsistent page and no failure, and
#	    every client finished without an error;
#	  - for 10 queries (k = 10) on each table the standby returns exactly
#	    the primary's rows and distances (HNSW at zvec.ef_search = 100,
#	    IVF at zvec.probes = 3 and at probes = lists, the latter also
#	    equal to a sequential scan);
#	  - zvec_verify(index, true) finds no problem on the primary, nor
#	    zvec_verify(index, false) on the standby, where heapallindexed
#	    (which takes a ShareLock, which a hot standby does not grant) is
#	    refused with SQLSTATE 0A000 and a hint.
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
use ZvecTest qw(vec_text);
use ZvecIndexTest qw(top_k flat);

my $dim = 16;
my $k = 10;
my $lists = 10;
my @tables = qw(t_hnsw_bufferpool t_hnsw_mmap t_ivf_bufferpool t_ivf_mmap);
srand(82);
sub rand_vec { return vec_text([ map { int(rand(100)) } 1 .. $dim ]); }

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', "wal_consistency_checking = 'generic'\nautovacuum = off\nwal_keep_size = '4GB'\n");
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION zvec');
my $next_id = 1;
for my $t (@tables)
{
	my ($alg, $storage) = $t =~ /^t_(\w+?)_(\w+)$/;
	my $opts = "storage = '$storage'" . ($alg eq 'ivf' ? ", algorithm = 'ivf', lists = $lists" : '');
	my $copy = "COPY $t FROM STDIN;\n";
	$copy .= $_ . "\t" . rand_vec() . "\n" for 1 .. 2000;
	$primary->safe_psql('postgres', "CREATE TABLE $t (id int PRIMARY KEY, v vector($dim));\n$copy\\.\n"
		  . "CREATE INDEX ${t}_idx ON $t USING zvec (v) WITH ($opts); ANALYZE $t;");
}
is($primary->safe_psql('postgres', 'SHOW wal_consistency_checking'), 'generic',
	'the primary logs page images for consistency checks of generic WAL');
my $start_lsn = $primary->safe_psql('postgres', 'SELECT pg_current_wal_insert_lsn()');
$primary->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
$standby->start;

# A client running a script file; returns its handle and output refs.
sub start_client
{
	my ($node, $name, $sql) = @_;
	my $file = PostgreSQL::Test::Utils::tempdir() . "/$name.sql";
	PostgreSQL::Test::Utils::append_to_file($file, "\\set ON_ERROR_STOP 1\n$sql");
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start([ 'psql', '-XAtq', '-d', $node->connstr('postgres'), '-f', $file ],
		'<', \undef, '>', \$out, '2>', \$err);
	return { h => $h, out => \$out, err => \$err, name => $name };
}

my @clients;
for my $c (0 .. 2)
{
	my $sql = '';
	for my $i (1 .. 400)
	{
		my $t = $tables[ int(rand(@tables)) ];
		my $r = rand();
		if ($r < 0.01) { $sql .= "VACUUM $t;\n"; }
		elsif ($r < 0.5)
		{
			my $id = 100000 + $c * 10000 + $i;
			$sql .= "INSERT INTO $t VALUES ($id, '" . rand_vec() . "');\n";
		}
		elsif ($r < 0.75)
		{
			$sql .= "UPDATE $t SET v = '" . rand_vec() . "' WHERE id = " . (1 + int(rand(2000))) . ";\n";
		}
		else
		{
			$sql .= "DELETE FROM $t WHERE id = " . (1 + int(rand(2000))) . ";\n";
		}
	}
	push @clients, start_client($primary, "primary$c", $sql);
}
my $reader_sql = "SET enable_seqscan = off; SET zvec.probes = 3;\n";
for (1 .. 150)
{
	$reader_sql .= "SELECT count(*) FROM (SELECT id FROM $tables[int(rand(@tables))] ORDER BY v <-> '" . rand_vec()
	  . "' LIMIT 10) s;\n";
}
push @clients, start_client($standby, 'standby_reader', $reader_sql);
for my $cl (@clients)
{
	$cl->{h}->finish;
	is($cl->{h}->result(0), 0, "$cl->{name}: the client finished without an error") or diag(${ $cl->{err} });
}
$primary->safe_psql('postgres', "VACUUM $_") for @tables;
$primary->wait_for_catchup($standby);

# Every page a generic record of the workload changes carries its image
# (what the standby checks against): each block reference is an FPW.
my $end_lsn = $primary->safe_psql('postgres', 'SELECT pg_current_wal_insert_lsn()');
my ($dump, $dump_err) = PostgreSQL::Test::Utils::run_command(
	[ 'pg_waldump', '-p', $primary->data_dir . '/pg_wal', '-s', $start_lsn, '-e', $end_lsn, '--rmgr=Generic' ]);
my $records = () = $dump =~ /^rmgr: Generic/mg;
my $blocks = () = $dump =~ /blkref #\d+:/g;
my $images = () = $dump =~ /blkref #\d+:[^,\n]*? FPW/g;
cmp_ok($records, '>', 1000, "the workload wrote generic WAL ($records records)") or diag($dump_err);
is($images, $blocks, "every block of those records carries the page image the standby compares ($blocks blocks)");
ok(!$standby->log_contains(qr/inconsistent page found/), 'the standby found no inconsistent page during replay');
ok(!$standby->log_contains(qr/PANIC|FATAL|terminated by signal|TRAP:/), 'the standby log shows no failure');

my @queries = map { [ map { int(rand(100)) } 1 .. $dim ] } 1 .. 10;
for my $t (@tables)
{
	my @modes = $t =~ /ivf/ ? ("SET zvec.probes = 3;", "SET zvec.probes = $lists;") : ('SET zvec.ef_search = 100;');
	for my $mode (@modes)
	{
		my $settings = "SET enable_seqscan = off; $mode";
		my $p = flat(top_k($primary, \@queries, table => $t, column => 'v', k => $k, settings => $settings));
		my $s = flat(top_k($standby, \@queries, table => $t, column => 'v', k => $k, settings => $settings));
		like($p, qr/^0=\d/, "$t ($mode): the primary's index returns rows");
		is($s, $p, "$t ($mode): the standby returns exactly the primary's rows");
		if ($mode =~ /= $lists;/)
		{
			my $exact = flat(top_k($standby, \@queries, table => $t, column => 'v', k => $k,
				settings => 'SET enable_indexscan = off;'));
			my $d = sub { join(';', $_[0] =~ /:([\d.e+-]+)/g) };
			is($d->($s), $d->($exact), "$t ($mode): the standby's distances equal a sequential scan's");
		}
	}
	is($primary->safe_psql('postgres', "SELECT count(*) FROM zvec_verify('${t}_idx', true)"), '0',
		"$t: zvec_verify(heapallindexed) finds no problem on the primary");
	is($standby->safe_psql('postgres', "SELECT count(*) FROM zvec_verify('${t}_idx', false)"), '0',
		"$t: zvec_verify finds no problem on the standby");
	my ($rc, $out, $err) = $standby->psql('postgres',
		"\\set VERBOSITY verbose\nSELECT count(*) FROM zvec_verify('${t}_idx', true)");
	like($err, qr/0A000: cannot check the heap rows of a zvec index during recovery/,
		"$t: zvec_verify(heapallindexed) on the standby: feature_not_supported");
	like($err, qr/HINT:\s+Run zvec_verify\(\) with heapallindexed => false on the standby/,
		"$t: ... with a hint");
}

$standby->stop;
$primary->stop;
done_testing();
