# test/t/080_torture.pl
#	Fault torture of zvec indexes: every algorithm (hnsw, ivf) on every
#	storage backend (bufferpool, mmap) at once.  One cluster holds four
#	tables, t_<algorithm>_<storage> (id int PRIMARY KEY, v vector(8),
#	ver int), 1,000 rows each at the start, each with its zvec index
#	(IVF: lists = 20), and a ledger table.  Each round:
#	  - four clients (psql sessions, ON_ERROR_STOP) run a seeded stream of
#	    transactions: each inserts, updates and deletes rows (1 to 3
#	    changes over random tables) and writes one ledger row per change
#	    in the same transaction; a client echoes "ack" after COMMIT
#	    returns (synchronous_commit = on), so an ack is a durable commit.
#	    A client only touches rows it owns (id mod 4), so the ledger
#	    replayed in per-client order gives every table's exact contents.
#	    The streams also run index scans (which rebuild mmap images),
#	    VACUUMs and CHECKPOINTs.
#	  - once a seeded number of commits (40 to 400 over all clients; a
#	    count, not a time) has been acknowledged, the postmaster or one
#	    client backend (seeded choice, both kinds in every run) is killed
#	    with SIGKILL; the cluster is restarted (or crash-restarts itself).
#	  - then: every acknowledged commit is in the ledger (nothing lost);
#	    no client has a ledger entry past its last ack but the one it was
#	    committing when killed (no phantom commit); each table equals the
#	    replay of the ledger over the initial rows, ids, versions and
#	    vectors (no lost and no phantom row); for each index
#	    zvec_verify(index, heapallindexed => true) returns no row; for 8
#	    queries (k = 10) the index scan returns rows in true distance
#	    order, at zvec.ef_search = 400 (HNSW) with recall@10 >= 0.95
#	    against a sequential scan of the live rows, at zvec.probes =
#	    lists (IVF) with exactly the sequential scan's distances and
#	    recall 1.0; an IVF scan of all lists returns every live row
#	    exactly once; on mmap the index returns what it returns with its
#	    side file bypassed (read through the WAL-replayed relation).
#	ZVEC_TORTURE_ROUNDS sets the number of rounds (default 24; e.g. 500
#	for a long local run), ZVEC_TORTURE_SEED the seed (default 80).  Every
#	round crashes all four indexes, so the rounds survived are per
#	algorithm and backend.  Finally the server log shows no PANIC, no
#	crash other than the test's kills and no corrupted index.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use IPC::Run;
use List::Util qw(min);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZvecTest qw(vec_text);
use ZvecIndexTest qw(top_k flat ordered recall result_ids with_image_bypassed
  wait_cluster_gone wait_accepting);

my $rounds = $ENV{ZVEC_TORTURE_ROUNDS} // 24;
my $seed = $ENV{ZVEC_TORTURE_SEED} // 80;
my $nclients = 4;
my $dim = 8;
my $initial = 1000;
my $lists = 20;
my $k = 10;
# ZVEC_TORTURE_ALGORITHMS=hnsw or =ivf runs one algorithm only.
my @algorithms = split /,/, ($ENV{ZVEC_TORTURE_ALGORITHMS} // 'hnsw,ivf');
my @storages = ('bufferpool', 'mmap');
my @tables = map { my $a = $_; map { "t_${a}_$_" } @storages } @algorithms;
srand($seed);
note("torture: $rounds rounds, seed $seed");

# The vector of row $id at version $ver: integer coordinates 0..99 from a
# hash of both, so the ledger need not store vectors.
sub vec_for
{
	my ($id, $ver) = @_;
	my $h = ($id * 2654435761 + $ver * 40503 + 12345) % 4294967296;
	my @v;
	for (1 .. $dim)
	{
		$h = ($h * 1103515245 + 12345) % 2147483648;
		push @v, int($h / 65536) % 100;
	}
	return vec_text(\@v);
}

my $node = PostgreSQL::Test::Cluster->new('torture');
$node->init;
$node->append_conf('postgresql.conf', qq{
max_connections = 30
restart_after_crash = on
checkpoint_timeout = 30s
autovacuum_naptime = 1s
autovacuum_vacuum_threshold = 50
autovacuum_vacuum_scale_factor = 0.05
log_min_messages = warning
});
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION zvec');
$node->safe_psql('postgres',
	'CREATE TABLE ledger (client int, seq int, n int, tbl text, op char, id int, ver int, PRIMARY KEY (client, seq, n))');

# Expected contents: $state{table}{id} = ver; who owns a row: id mod clients.
my %state;
for my $t (@tables)
{
	my ($alg, $storage) = $t =~ /^t_(\w+?)_(\w+)$/;
	my $opts = "storage = '$storage'" . ($alg eq 'ivf' ? ", algorithm = 'ivf', lists = $lists" : '');
	my $copy = "COPY $t FROM STDIN;\n";
	for my $id (1 .. $initial)
	{
		$copy .= "$id\t" . vec_for($id, 0) . "\t0\n";
		$state{$t}{$id} = 0;
	}
	$node->safe_psql('postgres', "CREATE TABLE $t (id int PRIMARY KEY, v vector($dim), ver int);\n$copy\\.\n"
		  . "CREATE INDEX ${t}_idx ON $t USING zvec (v) WITH ($opts); ANALYZE $t;");
}
my @next_seq = (1) x $nclients;
my @queries = map { vec_for(900000 + $_, 1) } 1 .. 8;
my @q_arrays = map { [ $_ =~ /(\d+)/g ] } @queries;

# The SQL stream of client $c for one round, generated from the expected
# state (a client only touches its own rows, so its plan stays valid
# whatever the others do).
sub client_script
{
	my ($c, $ntx) = @_;
	my %mine;
	for my $t (@tables)
	{
		$mine{$t} = [ grep { $_ % $nclients == $c } keys %{ $state{$t} } ];
	}
	my %sim = map { $_ => { map { $_ => 1 } @{ $mine{$_} } } } @tables;
	my $sql = "\\set ON_ERROR_STOP 1\nSELECT 'pid ' || pg_backend_pid();\n"
	  . "SET zvec.ef_search = 100; SET zvec.probes = 4;\n";
	my $s = $next_seq[$c];
	for (1 .. $ntx)
	{
		my $r = rand();
		if ($r < 0.03)
		{
			$sql .= "VACUUM $tables[int(rand(@tables))];\n";
			next;
		}
		if ($r < 0.035)
		{
			$sql .= "CHECKPOINT;\n";
			next;
		}
		if ($r < 0.12)
		{
			my $t = $tables[ int(rand(@tables)) ];
			$sql .= "SET enable_seqscan = off; SELECT count(*) FROM (SELECT id FROM $t ORDER BY v <-> '"
			  . vec_for(800000 + int(rand(1e6)), 2) . "' LIMIT 5) q; RESET enable_seqscan;\n";
			next;
		}
		$sql .= "BEGIN;\n";
		my $nops = 1 + int(rand(3));
		for my $n (1 .. $nops)
		{
			my $t = $tables[ int(rand(@tables)) ];
			my @live = keys %{ $sim{$t} };
			my $p = rand();
			my ($op, $id);
			if ($p < 0.45 || @live < 50)
			{
				$op = 'I';
				$id = 1000000 + ($s * 3 + $n) * $nclients + $c;
				$sql .= "INSERT INTO $t VALUES ($id, '" . vec_for($id, $s) . "', $s);\n";
				$sim{$t}{$id} = 1;
			}
			elsif ($p < 0.75)
			{
				$op = 'U';
				$id = $live[ int(rand(@live)) ];
				$sql .= "UPDATE $t SET v = '" . vec_for($id, $s) . "', ver = $s WHERE id = $id;\n";
			}
			else
			{
				$op = 'D';
				$id = $live[ int(rand(@live)) ];
				$sql .= "DELETE FROM $t WHERE id = $id;\n";
				delete $sim{$t}{$id};
			}
			$sql .= "INSERT INTO ledger VALUES ($c, $s, $n, '$t', '$op', $id, $s);\n";
		}
		$sql .= "COMMIT;\n\\warn ack $s\n";
		$s++;
	}
	return $sql;
}

my %kills = (postmaster => 0, backend => 0);
my $scripts = PostgreSQL::Test::Utils::tempdir();
for my $round (1 .. $rounds)
{
	# alternate the first two so a short run has both kinds, then seeded
	my $kind = $round <= 2 ? ($round == 1 ? 'postmaster' : 'backend') : (rand() < 0.5 ? 'postmaster' : 'backend');
	my $threshold = 40 + int(rand(361));
	my (@h, @out, @err);
	for my $c (0 .. $nclients - 1)
	{
		# from a file, not a pipe: a client that stops early must not
		# make IPC::Run give up reading its output
		my $file = "$scripts/client$c.sql";
		unlink $file;
		PostgreSQL::Test::Utils::append_to_file($file, client_script($c, 500));
		($out[$c], $err[$c]) = ('', '');
		$h[$c] = IPC::Run::start([ 'psql', '-XAtq', '-d', $node->connstr('postgres'), '-f', $file ],
			'<', \undef, '>', \$out[$c], '2>', \$err[$c]);
	}
	my $acked = sub {
		my $n = 0;
		$n += () = $_ =~ /^ack /mg for @err;
		return $n;
	};
	my $deadline = time() + 120;
	while ($acked->() < $threshold && time() < $deadline)
	{
		$_->pump_nb for @h;
		select(undef, undef, undef, 0.02);
	}
	$_->pump_nb for @h;
	my $before = $acked->();
	my @errors = grep { /ERROR|FATAL/ } @err;
	my $victim = int(rand($nclients));
	my ($pid) = $out[$victim] =~ /^pid (\d+)/m;
	if ($kind eq 'postmaster')
	{
		my $pm = $node->{_pid};
		$node->kill9;
		wait_cluster_gone($node, $pm);
	}
	else
	{
		kill 'KILL', $pid if $pid;
	}
	for my $c (0 .. $nclients - 1)
	{
		$h[$c]->finish;
	}
	if ($kind eq 'postmaster') { $node->start; }
	else { wait_accepting($node); }
	$kills{$kind}++;
	my $what = "round $round ($kind killed after $before acks)";
	cmp_ok($before, '>=', $threshold, "$what: the kill came mid-workload");
	is(scalar(@errors), 0, "$what: no client failed before the kill") or diag(join("\n", @errors));

	# The ledger against the acks: nothing lost, nothing phantom.
	my %last_ack;
	for my $c (0 .. $nclients - 1)
	{
		my @acks = $err[$c] =~ /^ack (\d+)$/mg;
		$last_ack{$c} = @acks ? $acks[-1] : $next_seq[$c] - 1;
	}
	my @ledger = map { [ split /\|/ ] } split /\n/,
	  $node->safe_psql('postgres', 'SELECT client, seq, n, tbl, op, id, ver FROM ledger ORDER BY client, seq, n');
	my %max_seq;
	my %seqs;
	for my $l (@ledger)
	{
		$max_seq{ $l->[0] } = $l->[1] if ($max_seq{ $l->[0] } // 0) < $l->[1];
		$seqs{ $l->[0] }{ $l->[1] } = 1;
	}
	my (@lost, @phantom);
	for my $c (0 .. $nclients - 1)
	{
		push @lost, grep { !$seqs{$c}{$_} } 1 .. $last_ack{$c};
		push @phantom, "client $c: ledger up to $max_seq{$c}, last ack $last_ack{$c}" if ($max_seq{$c} // 0) > $last_ack{$c} + 1;
	}
	is("@lost", '', "$what: every acknowledged commit is in the ledger");
	is("@phantom", '', "$what: no commit beyond the one in flight when killed")
	  or diag(join("\n", map { "client $_ exit " . join(',', eval { $h[$_]->full_results } // '?') . ': ' . substr($err[$_], -60) } 0 .. $nclients - 1));

	# Replay the ledger over the initial rows; compare with every table.
	my %want;
	for my $t (@tables) { $want{$t}{$_} = 0 for 1 .. $initial; }
	for my $l (@ledger)
	{
		my (undef, undef, undef, $t, $op, $id, $ver) = @$l;
		if ($op eq 'D') { delete $want{$t}{$id}; }
		else { $want{$t}{$id} = $ver; }
	}
	%state = %want;
	$next_seq[$_] = ($max_seq{$_} // 0) + 1 for 0 .. $nclients - 1;
	for my $t (@tables)
	{
		my %have = map { my ($id, $ver, $v) = split /\|/; $id => [ $ver, $v ] } split /\n/,
		  $node->safe_psql('postgres', "SET enable_indexscan = off; SET enable_bitmapscan = off; SELECT id, ver, v FROM $t");
		my @missing = grep { !$have{$_} } keys %{ $want{$t} };
		my @extra = grep { !exists $want{$t}{$_} } keys %have;
		my @wrong = grep {
			exists $want{$t}{$_} && ($have{$_}[0] != $want{$t}{$_} || $have{$_}[1] ne vec_for($_, $want{$t}{$_}))
		} keys %have;
		is(scalar(@missing) . '/' . scalar(@extra) . '/' . scalar(@wrong), '0/0/0',
			"$what: $t holds exactly the committed rows (lost/phantom/wrong)")
		  or diag("missing @missing[0..min(9,$#missing)]; extra @extra[0..min(9,$#extra)]; wrong @wrong[0..min(9,$#wrong)]");
	}

	# Each index: structurally sound, every live row indexed, exact enough.
	for my $t (@tables)
	{
		my $ivf = $t =~ /ivf/;
		my $mm = $t =~ /mmap/;
		my $problems = $node->safe_psql('postgres',
			"SELECT string_agg(kind || ' at ' || location || ': ' || detail, E'\\n') FROM zvec_verify('${t}_idx', true)");
		is($problems, '', "$what: zvec_verify($t, heapallindexed) finds no problem");
		my $settings = 'SET enable_seqscan = off; SET enable_bitmapscan = off; '
		  . ($ivf ? "SET zvec.probes = $lists;" : 'SET zvec.ef_search = 400;');
		my $via_index = top_k($node, \@q_arrays, table => $t, column => 'v', settings => $settings);
		my $exact = top_k($node, \@q_arrays, table => $t, column => 'v',
			settings => 'SET enable_indexscan = off; SET enable_bitmapscan = off;');
		ok(ordered($via_index), "$what: $t: index results are in distance order");
		my $r = recall($exact, $via_index);
		my %live = map { $_ => 1 } keys %{ $state{$t} };
		my @dead = grep { !$live{$_} } result_ids($via_index);
		is(scalar(@dead), 0, "$what: $t: the index returns only live rows");
		if ($ivf)
		{
			my $dists = sub { my $res = shift; join(';', map { join(',', map { $_->[1] } @{ $res->{$_} }) } sort keys %$res) };
			is($dists->($via_index), $dists->($exact), "$what: $t: probes = lists gives the exact distances");
			is($r, 1, "$what: $t: recall\@10 at probes = lists is 1");
			my ($n, $distinct) = split /\|/, $node->safe_psql('postgres',
				"$settings SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM $t ORDER BY v <-> '$queries[0]' LIMIT 1000000) s");
			is("$n/$distinct", scalar(keys %live) . '/' . scalar(keys %live),
				"$what: $t: a scan of all lists returns every live row once");
		}
		else
		{
			cmp_ok($r, '>=', 0.95, "$what: $t: recall\@10 at ef_search = 400 >= 0.95 (got $r)");
		}
		if ($mm)
		{
			my $bypassed = with_image_bypassed($node, "${t}_idx",
				sub { top_k($node, \@q_arrays, table => $t, column => 'v', settings => $settings) });
			is(flat($bypassed), flat($via_index), "$what: $t: the side file agrees with the relation");
		}
	}
}
note("rounds survived: $rounds ($kills{postmaster} postmaster kills, $kills{backend} backend kills), "
	  . "each by every algorithm on every storage");
cmp_ok($kills{postmaster}, '>=', 1, 'the postmaster was killed in some round');
cmp_ok($kills{backend}, '>=', 1, 'a backend was killed in some round');
ok(!$node->log_contains(qr/PANIC|terminated by signal (?!9)\d+|index .* is corrupted|could not read block|TRAP:/),
	'the server log shows no PANIC, no crash but the SIGKILLs and no corruption');
$node->stop;

done_testing();
