# test/t/013_hnsw_crash.pl
#	Crash safety of a zvec HNSW index, once with storage = 'bufferpool'
#	and once with storage = 'mmap', each in a fresh cluster.  A table of
#	3,000 16-dimension vectors with the index takes a burst of inserts,
#	deletes, a VACUUM and queries (on mmap the queries make the backend
#	rebuild the side file whenever the change ring has moved past it)
#	with synchronous_commit = off and a 10 s WAL writer delay, so that a
#	crash loses WAL that pages or side files written during the burst
#	might have outrun.  Mid-burst the server is killed with SIGKILL: the
#	postmaster itself in rounds 1 to 5 (cold restart), a backend in
#	rounds 6 and 7 (crash-restart: shared memory reinitialised, postmaster
#	kept).  After each restart, for 20 queries at zvec.ef_search = 200:
#	  - results are in true distance order and recall@10 against a
#	    sequential scan is >= 0.95;
#	  - every returned row is live (a row deleted before the crash and
#	    committed durably is never returned);
#	  - the recovered index takes an insert (a durable marker row) and
#	    finds it, and the markers of all earlier rounds;
#	  - mmap only: the index returns exactly what it returns when its side
#	    file is bypassed (read through the buffer pool, i.e. the
#	    WAL-replayed relation), so no stale and no "future" record is
#	    served; and the side file is read again (a scan touches few shared
#	    buffers).
#	Finally an UNLOGGED table's index survives a crash reset: empty
#	afterwards, then correct (exact; on mmap image = buffer pool) once
#	refilled.  The server log shows no failure other than the kills.
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
use ZvecIndexTest qw(storages index_with search_setting top_k flat ordered recall result_ids side_file
  with_image_bypassed buffers_touched wait_cluster_gone wait_accepting);

my $dim = 16;
my $k = 10;
my $postmaster_rounds = 5;
my $backend_rounds = 2;
sub rand_vec { return [ map { int(rand(200)) } 1 .. $dim ]; }

# B (changes covered) of an mmap side file as the crash left it.
sub side_changes
{
	my ($path) = @_;
	open(my $fh, '<:raw', $path) or return 0;
	read($fh, my $buf, 48);
	close $fh;
	return length($buf) == 48 ? unpack('Q<', substr($buf, 40, 8)) : 0;
}

# SIGKILL the postmaster, wait for its children, start again.
sub crash_postmaster
{
	my ($node) = @_;
	my $pm = $node->{_pid};
	$node->kill9;
	wait_cluster_gone($node, $pm);
	$node->start;
}

for my $storage (storages())
{
	my $mm = $storage eq 'mmap';
	srand(53);
	my $node = PostgreSQL::Test::Cluster->new("crash_$storage");
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
	$node->safe_psql('postgres',
		"CREATE INDEX items_idx ON items USING zvec (embedding) WITH (" . index_with($storage) . "); ANALYZE items;");

	my @queries = map { rand_vec() } 1 .. 20;
	my $next_id = 100000;
	my $rebuilt_in_bursts = 0;
	my @markers;
	my $path_before = $mm ? side_file($node, 'items_idx') : undef;
	for my $round (1 .. $postmaster_rounds + $backend_rounds)
	{
		my $kill_postmaster = $round <= $postmaster_rounds;

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

		# let it run until the burst is well under way (on mmap: the ring
		# has wrapped and images were rebuilt); a count, not a time, decides
		my $deadline = time() + 60;
		while (($out =~ tr/\n//) < 300 && time() < $deadline)
		{
			$h->pump_nb;
			select(undef, undef, undef, 0.05);
		}
		my ($pid) = $out =~ /^(\d+)/;
		my $lines = ($out =~ tr/\n//);
		if ($kill_postmaster)
		{
			crash_postmaster($node);
			eval { $h->kill_kill; };
		}
		else
		{
			kill 'KILL', $pid;
			eval { $h->kill_kill; };
			wait_accepting($node);
		}
		my $what = "$storage round $round (" . ($kill_postmaster ? 'postmaster' : 'backend') . ' killed)';
		cmp_ok($lines, '>=', 300, "$what: the crash came in the middle of the burst ($lines statements answered)");
		if ($mm)
		{
			my $b = side_changes($path_before);
			$rebuilt_in_bursts++ if $b > 0;
			note("$what: side file at the crash covers $b changes");
		}

		my $via_index = top_k($node, \@queries, settings => 'SET enable_seqscan = off; ' . search_setting(200, 32768));
		my $exact = top_k($node, \@queries, settings => 'SET enable_indexscan = off;');
		ok(ordered($via_index), "$what: results are in distance order");
		my $r = recall($exact, $via_index);
		cmp_ok($r, '>=', 0.95, "$what: recall\@10 at ef_search = 200 >= 0.95 (got $r)");
		my %live = map { $_ => 1 } split /\n/, $node->safe_psql('postgres', 'SELECT id FROM items');
		my @dead = grep { !$live{$_} } result_ids($via_index);
		is(scalar(@dead), 0, "$what: only live rows are returned");

		if ($mm)
		{
			my $via_pages = with_image_bypassed($node, 'items_idx', sub {
				top_k($node, \@queries, settings => 'SET enable_seqscan = off; ' . search_setting(200, 32768)) });
			is(flat($via_index), flat($via_pages), "$what: image and buffer-pool reads of the recovered index agree");
			my $buffers = buffers_touched($node,
				"SELECT id FROM items ORDER BY embedding <-> '" . vec_text($queries[0]) . "' LIMIT $k");
			cmp_ok($buffers, '<', 40, "$what: the rebuilt side file is read again ($buffers buffers)");
		}

		# a marker row like the data (a query vector moved by 0.5, so unique),
		# committed durably; every marker so far must stay reachable
		push @markers, [ $next_id++, vec_text([ map { $_ + 0.5 } @{ $queries[ $round - 1 ] } ]) ];
		$node->safe_psql('postgres', "SET synchronous_commit = on; INSERT INTO items VALUES ($markers[-1][0], '$markers[-1][1]')");
		my $sql_m = "SET enable_seqscan = off; " . search_setting(200, 32768) . "\n";
		$sql_m .= "SELECT id FROM items ORDER BY embedding <-> '$_->[1]' LIMIT 1;\n" for @markers;
		is($node->safe_psql('postgres', $sql_m), join("\n", map { $_->[0] } @markers),
			"$what: the recovered index takes an insert, and finds it and the markers of earlier rounds");
	}
	cmp_ok($rebuilt_in_bursts, '>=', 3, "$storage: side files were rebuilt during the bursts (the crashes hit rebuilt images)")
	  if $mm;

	# An unlogged table: a crash resets its index to the empty init fork.
	$node->safe_psql('postgres', "CREATE UNLOGGED TABLE u (id int, embedding vector($dim))");
	$node->safe_psql('postgres', copy_rows_sql('u', [ map { [ $_, vec_text(rand_vec()) ] } 1 .. 2000 ]));
	$node->safe_psql('postgres', "SET synchronous_commit = on; CREATE INDEX u_idx ON u USING zvec (embedding) WITH (" . index_with($storage) . ")");
	my $uq = "SELECT string_agg(id::text, ',') FROM (SELECT id FROM u ORDER BY embedding <-> '"
	  . vec_text($queries[0]) . "' LIMIT $k) s";
	like($node->safe_psql('postgres', "SET enable_seqscan = off; $uq"), qr/^\d+(,\d+){9}$/,
		"$storage unlogged: the index answers before the crash");
	crash_postmaster($node);
	is($node->safe_psql('postgres', "SET enable_seqscan = off; $uq"), '',
		"$storage unlogged: after the crash the emptied index returns no row");
	$node->safe_psql('postgres', copy_rows_sql('u', [ map { [ $_, vec_text(rand_vec()) ] } 1 .. 500 ]));
	my $u_index = $node->safe_psql('postgres', "SET enable_seqscan = off; " . search_setting(200, 32768) . " $uq");
	my $u_exact = $node->safe_psql('postgres', "SET enable_indexscan = off; $uq");
	is($u_index, $u_exact, "$storage unlogged: once refilled the index finds the exact nearest rows");
	if ($mm)
	{
		my $u_pages = with_image_bypassed($node, 'u_idx',
			sub { $node->safe_psql('postgres', "SET enable_seqscan = off; " . search_setting(200, 32768) . " $uq") });
		is($u_index, $u_pages, "$storage unlogged: after refilling, image and buffer-pool reads agree");
	}

	ok(!$node->log_contains(qr/PANIC|was terminated by signal 11|was terminated by signal 6|index .* is corrupted|could not read block/),
		"$storage: no backend failed other than by the test's own SIGKILL");
	$node->stop;
}

done_testing();
