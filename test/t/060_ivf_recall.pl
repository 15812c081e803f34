# test/t/060_ivf_recall.pl
#	Recall@10 of zvec's IVF index on siftsmall (10,000 x 128 base vectors,
#	100 queries, ../shared/data) with lists = 100, measured against the
#	exact 10 nearest neighbours computed by a sequential scan in the same
#	test (enable_indexscan = off), for each storage backend (bufferpool
#	and mmap):
#	  - L2 (<->, vector_l2_ops) on the raw vectors, and cosine (<=>,
#	    vector_cosine_ops) on the vectors normalised to unit length;
#	  - each >= 0.50 at zvec.probes = 1, >= 0.95 at zvec.probes = 10 and
#	    exactly 1.0 at zvec.probes = 100 (every list), with the plan
#	    verified to be an index scan of the index under test;
#	  - the index holds one entry per row (its full scan at probes = 100
#	    returns all 10,000 rows).
#	And the memory governor: with zvec.memory_quota below what the sample
#	and centroids need (the whole table is sampled: 10,000 x 512 bytes),
#	CREATE INDEX fails with SQLSTATE 53200 before it reads a row (an index
#	expression that counts its calls through a sequence is never called),
#	and succeeds once the quota is raised.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZvecTest qw(data_dir read_fvecs vec_text load_fvecs_table);

my $sift = data_dir() . '/siftsmall';
die "siftsmall not found at $sift (set ZVEC_DATA_DIR)" unless -r "$sift/base.fvecs";

my $base = read_fvecs("$sift/base.fvecs");
my $queries = read_fvecs("$sift/query.fvecs");
my $k = 10;
my $lists = 100;

my $node = PostgreSQL::Test::Cluster->new('ivf_recall');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION zvec');
load_fvecs_table($node, 'postgres', 'items', $base);
$node->safe_psql('postgres', q{
	CREATE TABLE items_n AS SELECT id, l2_normalize(embedding)::vector(128) AS embedding FROM items;
	ANALYZE items; ANALYZE items_n;
});

# Top-k rows per query, as { query number => [[id, distance], ...] } in
# distance order, all queries in one round trip.
sub top_k
{
	my ($table, $op, $settings) = @_;
	my $sql = "$settings\n";
	for my $q (0 .. $#$queries)
	{
		my $v = "'" . vec_text($queries->[$q]) . "'";
		$sql .= "SELECT $q, string_agg(id::text || ':' || d::text, ',' ORDER BY n) FROM "
		  . "(SELECT id, embedding $op $v AS d, row_number() OVER () AS n FROM "
		  . "(SELECT id, embedding FROM $table ORDER BY embedding $op $v LIMIT $k) t) s;\n";
	}
	my %res;
	for my $line (split /\n/, $node->safe_psql('postgres', $sql))
	{
		my ($q, $rows) = split /\|/, $line;
		$res{$q} = [ map { [ split /:/ ] } split /,/, ($rows // '') ];
	}
	return \%res;
}

# Mean fraction of the exact top-k found by the approximate search.  A row
# counts if it is one of the exact k, or ties with the k-th exact distance
# (SIFT's integer coordinates make ties common).
sub recall
{
	my ($exact, $approx) = @_;
	my $hits = 0;
	for my $q (0 .. $#$queries)
	{
		my %want = map { $_->[0] => 1 } @{ $exact->{$q} };
		my $kth = $exact->{$q}[-1][1];
		$hits += scalar grep { $want{ $_->[0] } || $_->[1] <= $kth } @{ $approx->{$q} };
	}
	return $hits / (scalar(@$queries) * $k);
}

# The plan of one query, as text.
sub plan_of
{
	my ($table, $op) = @_;
	return $node->safe_psql('postgres',
		"EXPLAIN (COSTS OFF) SELECT id FROM $table ORDER BY embedding $op '"
		  . vec_text($queries->[0]) . "' LIMIT $k");
}

my @cases = (
	[ 'l2', 'items', '<->', 'vector_l2_ops' ],
	[ 'cosine', 'items_n', '<=>', 'vector_cosine_ops' ],
);

my %exact;
for my $case (@cases)
{
	my ($name, $table, $op) = @$case;
	$exact{$name} = top_k($table, $op, 'SET enable_indexscan = off;');
	is(scalar(grep { @{ $exact{$name}->{$_} } == $k } keys %{ $exact{$name} }),
		scalar @$queries, "$name: exact search returns $k rows for every query");
}

for my $storage ('bufferpool', 'mmap')
{
	for my $case (@cases)
	{
		my ($name, $table, $op, $opclass) = @$case;
		my $idx = "${table}_${storage}_idx";

		$node->safe_psql('postgres',
			"CREATE INDEX $idx ON $table USING zvec (embedding $opclass) "
			  . "WITH (algorithm = 'ivf', lists = $lists, storage = '$storage')");
		like(plan_of($table, $op), qr/Index Scan using $idx on $table/,
			"$storage, $name: ORDER BY $op LIMIT $k is planned as a scan of the IVF index");

		my %floor = (1 => 0.50, 10 => 0.95, $lists => 1.0);
		for my $probes (1, 10, $lists)
		{
			my $r = recall($exact{$name},
				top_k($table, $op, "SET zvec.probes = $probes;"));
			cmp_ok($r, '>=', $floor{$probes},
				"$storage, $name: recall\@10 at probes = $probes is >= $floor{$probes} (got $r)");
		}

		is( $node->safe_psql('postgres',
				"SET zvec.probes = $lists; SET enable_seqscan = off; "
				  . "SELECT count(*) FROM (SELECT id FROM $table ORDER BY embedding $op '"
				  . vec_text($queries->[0]) . "') s"),
			scalar @$base,
			"$storage, $name: probing every list returns every row");

		$node->safe_psql('postgres', "DROP INDEX $idx");
	}
}

# The memory quota: refused before the first row is read.
$node->safe_psql('postgres', q{
	CREATE SEQUENCE calls;
	CREATE FUNCTION counted(v vector) RETURNS vector(128)
		LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN nextval('calls') > 0 THEN v END $$;
});
my ($ret, $stdout, $stderr) = $node->psql('postgres', q{
	\set VERBOSITY verbose
	SET zvec.memory_quota = '2MB';
	CREATE INDEX quota_idx ON items USING zvec ((counted(embedding)::vector(128)))
		WITH (algorithm = 'ivf', lists = 100);
});
isnt($ret, 0, 'IVF build over zvec.memory_quota fails');
like($stderr, qr/ERROR:\s+53200: zvec index build "quota_idx" needs more memory than allowed/,
	'the failure is SQLSTATE 53200 from the memory governor');
like($stderr, qr/zvec\.memory_quota allows 2097152 bytes/,
	'the detail names the quota');
is($node->safe_psql('postgres', 'SELECT last_value, is_called FROM calls'), '1|f',
	'no row was read before the build failed');
$node->safe_psql('postgres', q{
	SET zvec.memory_quota = '64MB';
	CREATE INDEX quota_idx ON items USING zvec ((counted(embedding)::vector(128)))
		WITH (algorithm = 'ivf', lists = 100);
});
cmp_ok($node->safe_psql('postgres', 'SELECT last_value FROM calls'), '>=', 2 * scalar @$base,
	'with a large enough quota the build reads every row (twice: sample, assign)');

$node->stop;
done_testing();
