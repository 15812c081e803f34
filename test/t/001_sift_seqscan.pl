# test/t/001_sift_seqscan.pl
#	Starts a cluster with PostgreSQL::Test::Cluster, loads siftsmall
#	(10,000 x 128, ../shared/data) and proves the vector type end to end:
#	  - an exact k-NN by sequential scan (ORDER BY <-> LIMIT 10) matches the
#	    published ground truth for all 100 queries (id sets at rank 10,
#	    ties at the 10th distance accepted);
#	  - COPY (FORMAT binary) writes pgvector's wire format (int16 dim,
#	    int16 unused, big-endian float4s) and a binary dump reloads
#	    unchanged;
#	  - the server kept running throughout.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZvecTest qw(data_dir read_fvecs read_ivecs vec_text load_fvecs_table l2sq);

my $sift = data_dir() . '/siftsmall';
die "siftsmall not found at $sift (set ZVEC_DATA_DIR)" unless -r "$sift/base.fvecs";

my $base = read_fvecs("$sift/base.fvecs");
my $queries = read_fvecs("$sift/query.fvecs");
my $truth = read_ivecs("$sift/groundtruth.ivecs");
is(scalar @$base, 10000, 'siftsmall base has 10,000 vectors');
is(scalar @$queries, 100, 'siftsmall has 100 queries');

my $node = PostgreSQL::Test::Cluster->new('sift');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION zvec');
load_fvecs_table($node, 'postgres', 'items', $base);
is($node->safe_psql('postgres', 'SELECT count(*), min(vector_dims(embedding)) FROM items'),
	'10000|128', 'all rows loaded with 128 dimensions');

# Exact search by sequential scan, all 100 queries in one round trip.
my $k = 10;
my $sql = '';
for my $q (0 .. $#$queries)
{
	$sql .= "SELECT $q, string_agg(id::text, ',' ORDER BY d, id) FROM "
	  . "(SELECT id, embedding <-> '" . vec_text($queries->[$q])
	  . "' AS d FROM items ORDER BY d LIMIT $k) s;\n";
}
my %got = map { split /\|/ } split /\n/, $node->safe_psql('postgres', "SET enable_indexscan = off;\n$sql");

my $mismatched = 0;
for my $q (0 .. $#$queries)
{
	my @ids = split /,/, $got{$q};
	# Accept any id whose distance is within the 10th true distance (ties).
	my $kth = l2sq($queries->[$q], $base->[ $truth->[$q][ $k - 1 ] ]);
	my %truth_set = map { $_ => 1 } @{ $truth->[$q] }[ 0 .. $k - 1 ];
	my $ok = @ids == $k;
	for my $id (@ids)
	{
		$ok = 0 unless $truth_set{$id} || l2sq($queries->[$q], $base->[$id]) <= $kth;
	}
	if (!$ok)
	{
		$mismatched++;
		diag("query $q: got $got{$q}; truth " . join(',', @{ $truth->[$q] }[ 0 .. $k - 1 ]));
	}
}
is($mismatched, 0, 'sequential-scan 10-NN equals siftsmall ground truth for all 100 queries');

# Binary COPY: the wire format of one known vector, byte for byte.
my $dir = $node->basedir;
$node->safe_psql('postgres',
	"COPY (SELECT '[1,2,-3.5]'::vector) TO '$dir/one.bin' (FORMAT binary)");
open(my $fh, '<:raw', "$dir/one.bin") or die;
my $bin = do { local $/; <$fh> };
close $fh;
# A 19-byte header (11-byte signature, int32 flags, int32 extension length),
# then the tuple: int16 field count, int32 field length, and the field.
my $field = substr($bin, 19 + 2 + 4, 16);
is(unpack('H*', $field), unpack('H*', pack('s> s> f> f> f>', 3, 0, 1, 2, -3.5)),
	'binary send is int16 dim, int16 unused, big-endian float4s');
is(unpack('s>', substr($bin, 19, 2)), 1, 'one field in the tuple');
is(unpack('l>', substr($bin, 19 + 2, 4)), 16, 'binary field length is 16 bytes');

# A binary dump of the whole table reloads unchanged.
$node->safe_psql('postgres', qq{
	COPY items TO '$dir/items.bin' (FORMAT binary);
	CREATE TABLE items2 (LIKE items);
	COPY items2 FROM '$dir/items.bin' (FORMAT binary);
});
is($node->safe_psql('postgres', q{
	SELECT (SELECT count(*) FROM items2),
	       (SELECT count(*) FROM (SELECT id, embedding::text FROM items
	                              EXCEPT SELECT id, embedding::text FROM items2) d),
	       (SELECT count(*) FROM items a JOIN items2 b USING (id) WHERE a.embedding = b.embedding)}),
	'10000|0|10000', 'binary COPY round trip of 10,000 vectors is lossless');

# Corrupt binary input is rejected with a clear error, not a crash.
open($fh, '>:raw', "$dir/bad.bin") or die;
# dim says 3 but the 8-byte field holds only one float4
print $fh substr($bin, 0, 19), pack('s>', 1), pack('l>', 8), pack('s> s> f>', 3, 0, 1.0), pack('s>', -1);
close $fh;
my ($ret, $out, $err) = $node->psql('postgres',
	"CREATE TABLE bad (v vector); COPY bad FROM '$dir/bad.bin' (FORMAT binary)");
isnt($ret, 0, 'truncated binary vector is rejected');
like($err, qr/ERROR/, 'with an error message');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'server still accepts queries');

$node->stop;
done_testing();
