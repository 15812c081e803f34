# test/perl/ZvecIndexTest.pm
#	Helpers shared by the TAP tests that run one scenario on each storage
#	backend of a zvec index: the backends, top-k queries in one round
#	trip, recall and ordering arithmetic, side-file paths, bypassing an
#	mmap image, and waiting out a SIGKILLed cluster.
#
# Copyright (c) 2026, the zvec developers
package ZvecIndexTest;

use strict;
use warnings;
use Exporter 'import';
use File::Find;
use FindBin;
# loaded at compile time so that their INIT blocks run for run_scenario()
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use ZvecTest qw(vec_text);

our @EXPORT_OK = qw(storages algorithm index_with search_setting run_scenario top_k flat ordered recall result_ids
  side_file side_files with_image_bypassed buffers_touched
  wait_cluster_gone wait_accepting);

# The storage backends every scenario runs on; ZVEC_TEST_STORAGE may name
# one of them, to run a scenario on that backend alone when debugging.
sub storages
{
	my @all = ('bufferpool', 'mmap');
	my $only = $ENV{ZVEC_TEST_STORAGE};
	return @all unless $only;
	die "ZVEC_TEST_STORAGE must be one of @all" unless grep { $_ eq $only } @all;
	return ($only);
}

# The algorithm a scenario indexes with: ZVEC_TEST_ALGORITHM (hnsw or ivf),
# hnsw when unset, so one scenario script serves both algorithms (a thin
# script sets the variable and runs the scenario for IVF).
sub algorithm
{
	my $a = $ENV{ZVEC_TEST_ALGORITHM} // 'hnsw';
	die "ZVEC_TEST_ALGORITHM must be hnsw or ivf" unless $a eq 'hnsw' || $a eq 'ivf';
	return $a;
}

# The reloptions of an index with the scenario's algorithm on $storage,
# for WITH (...); IVF keeps its default lists (from the row count) unless
# the option lists is given.
sub index_with
{
	my ($storage, %o) = @_;
	my $with = "storage = '$storage'";
	$with .= ", algorithm = 'ivf'" . ($o{lists} ? ", lists = $o{lists}" : '') if algorithm() eq 'ivf';
	return $with;
}

# SQL that sets the search effort of the scenario's algorithm: HNSW's
# zvec.ef_search or IVF's zvec.probes (32768 probes every list).
sub search_setting
{
	my ($ef_search, $probes) = @_;
	return algorithm() eq 'ivf' ? "SET zvec.probes = $probes;" : "SET zvec.ef_search = $ef_search;";
}

# Run the scenario script $file of the calling test's folder with the
# algorithm $algorithm (see algorithm()), as a test of its own.
sub run_scenario
{
	my ($file, $algorithm) = @_;
	local $ENV{ZVEC_TEST_ALGORITHM} = $algorithm;
	my $path = "$FindBin::RealBin/$file";
	my $text = PostgreSQL::Test::Utils::slurp_file($path);
	die "$file does not create its indexes with index_with(), so it cannot run with $algorithm"
	  unless $text =~ /index_with\(/;
	my $done = do $path;
	die $@ if $@;
	die "could not run $path: $!" unless defined $done;
	return $done;
}

# Top-k rows per query, as { query number => [[id, distance], ...] } in
# result order, all queries in one round trip.  Options: table (items),
# column (embedding), op (<->), k (10), settings (SQL run first), db.
sub top_k
{
	my ($node, $queries, %o) = @_;
	my $table = $o{table} // 'items';
	my $col = $o{column} // 'embedding';
	my $op = $o{op} // '<->';
	my $k = $o{k} // 10;
	my $sql = ($o{settings} // '') . "\n";
	for my $q (0 .. $#$queries)
	{
		my $v = "'" . vec_text($queries->[$q]) . "'";
		$sql .= "SELECT $q, string_agg(id::text || ':' || d::text, ',' ORDER BY n) FROM "
		  . "(SELECT id, $col $op $v AS d, row_number() OVER () AS n FROM "
		  . "(SELECT id, $col FROM $table ORDER BY $col $op $v LIMIT $k) t) s;\n";
	}
	my %res;
	for my $line (split /\n/, $node->safe_psql($o{db} // 'postgres', $sql))
	{
		my ($q, $rows) = split /\|/, $line;
		$res{$q} = [ map { [ split /:/ ] } split /,/, ($rows // '') ];
	}
	return \%res;
}

# A top_k() result flattened to one string, for exact comparison.
sub flat
{
	my ($res) = @_;
	return join(';',
		map { "$_=" . join(',', map { "$_->[0]:$_->[1]" } @{ $res->{$_} }) }
		  sort { $a <=> $b } keys %$res);
}

# Whether every result list of a top_k() result is in distance order.
sub ordered
{
	my ($res) = @_;
	for my $rows (values %$res)
	{
		for my $i (1 .. $#$rows)
		{
			return 0 if $rows->[$i][1] < $rows->[ $i - 1 ][1];
		}
	}
	return 1;
}

# Mean fraction of the exact top k found by the approximate search.  A row
# counts if it is one of the exact k or ties with the k-th exact distance
# (integer coordinates make ties common).
sub recall
{
	my ($exact, $approx) = @_;
	my ($hits, $n) = (0, 0);
	for my $q (keys %$exact)
	{
		my %want = map { $_->[0] => 1 } @{ $exact->{$q} };
		next unless @{ $exact->{$q} };
		my $kth = $exact->{$q}[-1][1];
		$hits += scalar grep { $want{ $_->[0] } || $_->[1] <= $kth } @{ $approx->{$q} // [] };
		$n += @{ $exact->{$q} };
	}
	return $n ? $hits / $n : 1;
}

# Every id in a top_k() result.
sub result_ids
{
	my ($res) = @_;
	return map { $_->[0] } map { @$_ } values %$res;
}

# Path of the side file an mmap index has in the default tablespace.
sub side_file
{
	my ($node, $index, $db) = @_;
	$db //= 'postgres';
	my ($dboid, $fn) = split /\|/, $node->safe_psql($db,
		"SELECT (SELECT oid FROM pg_database WHERE datname = current_database()), pg_relation_filenode('$index')");
	return $node->data_dir . "/base/$dboid/pgsql_tmp_zvec_$fn";
}

# Every side file in the cluster (default and other tablespaces), as
# "dboid/relfilenode" strings.
sub side_files
{
	my ($node) = @_;
	my @found;
	find(
		{
			wanted => sub {
				push @found, "$1/$2" if $File::Find::name =~ m{/(\d+)/pgsql_tmp_zvec_(\d+)(\.tmp)?$};
			},
			follow => 1
		},
		$node->data_dir . '/base', $node->data_dir . '/pg_tblspc/');
	@found = sort @found;
	return @found;
}

# Run $code with the side file of an mmap index replaced by a directory,
# which can be neither mapped nor rebuilt, so the index is read through
# the buffer pool (the WAL-logged relation); returns what $code returns.
sub with_image_bypassed
{
	my ($node, $index, $code, $db) = @_;
	my $path = side_file($node, $index, $db);
	unlink $path;
	mkdir $path or die "mkdir $path: $!";
	my @r = eval { $code->() };
	my $err = $@;
	rmdir $path or die "rmdir $path: $!";
	die $err if $err;
	return wantarray ? @r : $r[0];
}

# Shared buffers touched by the second run of an index-scan query (the
# first may rebuild an mmap image).
sub buffers_touched
{
	my ($node, $query, $db) = @_;
	$db //= 'postgres';
	$node->safe_psql($db, "SET enable_seqscan = off; $query");
	my $plan = $node->safe_psql($db,
		"SET enable_seqscan = off; EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF) $query");
	die "not an index scan:\n$plan" unless $plan =~ /Index Scan using/;
	my ($hit) = $plan =~ /Buffers: shared hit=(\d+)/;
	my ($read) = $plan =~ /Buffers: shared (?:hit=\d+ )?read=(\d+)/;
	return ($hit // 0) + ($read // 0);
}

# After SIGKILL of a postmaster: wait until no process of the cluster is left.
sub wait_cluster_gone
{
	my ($node, $postmaster_pid) = @_;
	my $name = $node->name;
	for (1 .. 600)
	{
		my $left = kill(0, $postmaster_pid) ? 1 : 0;
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

# After SIGKILL of a backend: wait until the server accepts connections again.
sub wait_accepting
{
	my ($node) = @_;
	for (1 .. 1200)
	{
		return if $node->psql('postgres', 'SELECT 1') == 0;
		select(undef, undef, undef, 0.1);
	}
	die 'server did not come back';
}

1;
