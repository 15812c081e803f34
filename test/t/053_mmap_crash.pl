# test/t/053_mmap_crash.pl
#	Crash safety of the mmap backend.  A table of 3,000 16-dimension
#	vectors with an mmap HNSW index takes a burst of inserts, deletes,
#	a VACUUM and queries (the queries make the backend rebuild the side
#	file whenever the change ring has moved past it) with
#	synchronous_commit = off and a 10 s WAL writer delay, so that a crash
#	loses WAL that side files written during the burst might have
#	outrun.  Mid-burst the server is killed with SIGKILL: the postmaster
#	itself in rounds 1, 3, 5 (cold restart), a backend in rounds 2 and 4
#	(crash-restart: shared memory reinitialised, postmaster kept).  Five
#	rounds.  After each restart, for 20 queries at zvec.ef_search = 200:
#	  - the index returns exactly what the same index returns when its
#	    side file is bypassed (read through the buffer pool, i.e. the
#	    WAL-replayed relation): no stale and no "future" record is served;
#	  - results are in true distance order and recall@10 against a
#	    sequential scan is >= 0.95;
#	  - every returned row is live (a row deleted before the crash and
#	    committed durably is never returned);
#	  - the side file is read again (a scan touches few shared buffers).
#	Finally an UNLOGGED table's mmap index survives a crash reset: empty
#	afterwards, then correct (image = buffer pool = exact) once refilled.
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
use ZvecTest qw(vec_text copy_rows_sql);

my $dim = 16;
my $k = 10;
srand(53);
sub rand_vec { return [ map { int(rand(200)) } 1 .. $dim ]; }

my $node = PostgreSQL::Test::Cluster->new('mmap_crash');
$node->init;
$node->append_conf('postgresql.conf', qq{
synchronous_commit = off
wal_writer_delay = 10000ms
checkpoint_timeout = 1h
restart_after_crash = on
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION zvec');
$node->safe_psql('postgres', "CREATE TABLE items (id int PRIMARY KEY, embedding vector($dim))");
$node->safe_psql('postgres', copy_rows_sql('items', [ map { [ $_, vec_text(rand_vec()) ] } 1 .. 3000 ]));
$node->safe_psql('postgres', "CREATE INDEX items_mm ON items USING zvec (embedding) WITH (storage = 'mmap'); ANALYZE items;");

my @queries = map { rand_vec() } 1 .. 20;
my $dboid = $node->safe_psql('postgres', "SELECT oid FROM pg_database WHERE datname = 'postgres'");

sub side_path
{
	my $fn = $node->safe_psql('postgres', "SELECT pg_relation_filenode('items_mm')");
	return $node->data_dir . "/base/$dboid/pgsql_tmp_zvec_$fn";
}

# Results of all queries as { q => [[id, dist], ...] }.
sub top_k
{
	my ($settings) = @_;
	my $sql = "$settings\n";
	for my $q (0 .. $#queries)
	{
		my $v = "'" . vec_text($queries[$q]) . "'";
		$sql .= "SELECT $q, string_agg(id::text || ':' || d::text, ',' ORDER BY n) FROM "
		  . "(SELECT id, embedding <-> $v AS d, row_number() OVER () AS n FROM "
		  . "(SELECT id, embedding FROM items ORDER BY embedding <-> $v LIMIT $k) t) s;\n";
	}
	my %res;
	for my $line (split /\n/, $node->safe_psql('postgres', $sql))
	{
		my ($q, $rows) = split /\|/, $line;
		$res{$q} = [ map { [ split /:/ ] } split /,/, ($rows // '') ];
	}
	return \%res;
}

sub flat
{
	my ($res) = @_;
	return join(';', map { join(',', map { "$_->[0]:$_->[1]" } @{ $res->{$_} }) } sort { $a <=> $b } keys %$res);
}

sub ordered
{
	my ($res) = @_;
	for my $rows (values %$res)
	{
		for my $i (1 .. $#$rows) { return 0 if $rows->[$i][1] < $rows->[ $i - 1 ][1]; }
	}
	return 1;
}

sub recall
{
	my ($exact, $approx) = @_;
	my ($hits, $n) = (0, 0);
	for my $q (keys %$exact)
	{
		my %want = map { $_->[0] => 1 } @{ $exact->{$q} };
		my $kth = $exact->{$q}[-1][1];
		$hits += scalar grep { $want{ $_->[0] } || $_->[1] <= $kth } @{ $approx->{$q} };
		$n += @{ $exact->{$q} };
	}
	return $n ? $hits / $n : 1;
}

# Wait until no process of this cluster is left (after SIGKILL of the postmaster).
sub wait_children_gone
{
	my $name = $node->name;
	for (1 .. 300)
	{
		my $left = 0;
		for my $cmd (glob('/proc/[0-9]*/cmdline'))
		{
			open(my $fh, '<', $cmd) or next;
			my $c = <$fh> // '';
			close $fh;
			$left++ if $c =~ /^postgres: \Q$name\E: /;
		}
		return if !$left;
		select(undef, undef, undef, 0.1);
	}
	die 'processes of the killed cluster did not exit';
}

# Wait until the server accepts connections again.
sub wait_up
{
	for (1 .. 600)
	{
		my $ret = $node->psql('postgres', 'SELECT 1');
		return if $ret == 0;
		select(undef, undef, undef, 0.1);
	}
	die 'server did not come back';
}

# B (changes covered) of the side file as the crash left it.
sub side_changes
{
	my ($path) = @_;
	open(my $fh, '<:raw', $path) or return 0;
	read($fh, my $buf, 48);
	close $fh;
	return length($buf) == 48 ? unpack('Q<', substr($buf, 40, 8)) : 0;
}

my $next_id = 100000;
my $rebuilt_in_bursts = 0;
my $path_before = side_path();
for my $round (1 .. 5)
{
	# The burst: one session, many small transactions.
	my $sql = "SELECT pg_backend_pid();\n";
	for my $i (1 .. 4000)
	{
		$sql .= "INSERT INTO items VALUES ($next_id, '" . vec_text(rand_vec()) . "');\n";
		$next_id++;
		$sql .= "DELETE FROM items WHERE id = " . (1 + int(rand(3000))) . ";\n" if $i % 5 == 0;
		$sql .= "SELECT id FROM items ORDER BY embedding <-> '" . vec_text(rand_vec()) . "' LIMIT 3;\n"
		  if $i % 10 == 0;
		$sql .= "VACUUM items;\n" if $i == 600;
	}
	my ($in, $out, $err) = ($sql, '', '');
	my $h = IPC::Run::start([ 'psql', '-XAtq', '-d', $node->connstr('postgres'), '-f', '-' ],
		'<', \$in, '>', \$out, '2>', \$err);
	# let it run until the ring has wrapped and images were rebuilt
	my $deadline = time() + 30;
	while (($out =~ tr/\n//) < 300 && time() < $deadline)
	{
		$h->pump_nb;
		select(undef, undef, undef, 0.05);
	}
	my ($pid) = $out =~ /^(\d+)/;
	if ($round % 2 == 1)
	{
		my $pm = $node->{_pid};
		$node->kill9;
		for (1 .. 300)
		{
			last unless kill(0, $pm);
			select(undef, undef, undef, 0.1);
		}
		eval { $h->kill_kill; };
		wait_children_gone();
		$node->start;
	}
	else
	{
		kill 'KILL', $pid;
		eval { $h->kill_kill; };
		wait_up();
	}
	my $lines = ($out =~ tr/\n//);
	my $b = side_changes($path_before);
	$rebuilt_in_bursts++ if $b > 0;
	note("round $round: killed after $lines output lines; side file at the crash covers $b changes");

	my $via_image = top_k('SET enable_seqscan = off; SET zvec.ef_search = 200;');
	my $path = side_path();
	unlink $path;
	mkdir $path or die "mkdir $path: $!";
	my $via_pages = top_k('SET enable_seqscan = off; SET zvec.ef_search = 200;');
	rmdir $path or die "rmdir $path: $!";
	my $exact = top_k('SET enable_indexscan = off;');

	is(flat($via_image), flat($via_pages), "round $round: image and buffer-pool reads of the recovered index agree");
	ok(ordered($via_image), "round $round: results are in distance order");
	my $r = recall($exact, $via_image);
	cmp_ok($r, '>=', 0.95, "round $round: recall\@10 at ef_search = 200 >= 0.95 (got $r)");
	my %live = map { $_ => 1 } split /\n/, $node->safe_psql('postgres', 'SELECT id FROM items');
	my @dead = grep { !$live{$_} } map { $_->[0] } map { @$_ } values %$via_image;
	is(scalar(@dead), 0, "round $round: only live rows are returned");

	# the next scan rebuilds the image, the one after reads it
	my $q = "SELECT id FROM items ORDER BY embedding <-> '" . vec_text($queries[0]) . "' LIMIT $k";
	$node->safe_psql('postgres', "SET enable_seqscan = off; $q");
	my $plan = $node->safe_psql('postgres',
		"SET enable_seqscan = off; EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF) $q");
	my ($hit) = $plan =~ /shared hit=(\d+)/;
	cmp_ok($hit // 0, '<', 40, "round $round: the rebuilt side file is read again (" . ($hit // 0) . ' buffers)');
}

# An unlogged table: a crash resets its index to the empty init fork,
# whose build id differs from the side file's.
$node->safe_psql('postgres', "CREATE UNLOGGED TABLE u (id int, embedding vector($dim))");
$node->safe_psql('postgres', copy_rows_sql('u', [ map { [ $_, vec_text(rand_vec()) ] } 1 .. 2000 ]));
$node->safe_psql('postgres', "SET synchronous_commit = on; CREATE INDEX u_mm ON u USING zvec (embedding) WITH (storage = 'mmap')");
my $uq = "SET enable_seqscan = off; SELECT string_agg(id::text, ',') FROM (SELECT id FROM u ORDER BY embedding <-> '"
  . vec_text($queries[0]) . "' LIMIT $k) s";
like($node->safe_psql('postgres', $uq), qr/^\d+(,\d+){9}$/, 'unlogged: the index answers before the crash');
my $upm = $node->{_pid};
$node->kill9;
for (1 .. 300) { last unless kill(0, $upm); select(undef, undef, undef, 0.1); }
wait_children_gone();
$node->start;
is($node->safe_psql('postgres', $uq), '', 'unlogged: after the crash the emptied index returns no row');
$node->safe_psql('postgres', copy_rows_sql('u', [ map { [ $_, vec_text(rand_vec()) ] } 1 .. 500 ]));
my $u_image = $node->safe_psql('postgres', $uq);
my $ufn = $node->safe_psql('postgres', "SELECT pg_relation_filenode('u_mm')");
my $upath = $node->data_dir . "/base/$dboid/pgsql_tmp_zvec_$ufn";
unlink $upath;
mkdir $upath or die;
my $u_pages = $node->safe_psql('postgres', $uq);
rmdir $upath or die;
my $u_exact = $node->safe_psql('postgres',
	"SET enable_indexscan = off; SELECT string_agg(id::text, ',') FROM (SELECT id FROM u ORDER BY embedding <-> '"
	  . vec_text($queries[0]) . "' LIMIT $k) s");
is($u_image, $u_pages, 'unlogged: after refilling, image and buffer-pool reads agree');
is($u_image, $u_exact, 'unlogged: and find the exact nearest rows');

cmp_ok($rebuilt_in_bursts, '>=', 3, 'side files were rebuilt during the bursts (the crashes hit rebuilt images)');
ok(!$node->log_contains(qr/PANIC|was terminated by signal 11|was terminated by signal 6/),
	'no backend failed other than by the test\'s own SIGKILL');
$node->stop;
done_testing();
