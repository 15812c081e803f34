# test/t/051_mmap_corruption.pl
#	A damaged, missing, stale or foreign side file of an mmap index is
#	detected when the index is opened or a record is first read, never
#	read blindly: the server neither crashes nor returns a different row.
#	Data: the first 3,000 siftsmall vectors (three 1 MB checksum chunks of
#	records), 30 queries, k = 10, zvec.ef_search = 100; the baseline is
#	the index's own result before any damage.  Each case checks that the
#	results equal the baseline, that the server log names the problem,
#	and that the file is rebuilt valid (its header checksum is recomputed
#	here with a CRC-32C written in Perl):
#	  deleted; truncated; extended; a byte flipped in the header; in the
#	  chunk-checksum trailer; in the records (lazily, on first read, and
#	  at open under zvec.mmap_warmup = populate); garbage; another index's
#	  file; a valid file from a different build (build id); a valid file
#	  claiming more changes than the relation has seen (a "future" image,
#	  as a crash that lost WAL would leave); a stale file whose change
#	  ring has moved on.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use File::Copy qw(copy);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZvecTest qw(data_dir read_fvecs vec_text load_fvecs_table copy_rows_sql);

my $sift = data_dir() . '/siftsmall';
die "siftsmall not found at $sift (set ZVEC_DATA_DIR)" unless -r "$sift/base.fvecs";
my $base = read_fvecs("$sift/base.fvecs", 3000);
my $queries = read_fvecs("$sift/query.fvecs", 30);
my $k = 10;

my $node = PostgreSQL::Test::Cluster->new('mmap_corruption');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION zvec');
load_fvecs_table($node, 'postgres', 'items', $base);
$node->safe_psql('postgres', 'CREATE TABLE other AS SELECT * FROM items WHERE id < 500');
$node->safe_psql('postgres', "CREATE INDEX items_mm ON items USING zvec (embedding) WITH (storage = 'mmap')");
$node->safe_psql('postgres', "CREATE INDEX other_mm ON other USING zvec (embedding) WITH (storage = 'mmap')");
$node->safe_psql('postgres', 'ANALYZE items; ANALYZE other');

my $dboid = $node->safe_psql('postgres', "SELECT oid FROM pg_database WHERE datname = 'postgres'");
my $dir = $node->data_dir . "/base/$dboid";
my $fn = $node->safe_psql('postgres', "SELECT pg_relation_filenode('items_mm')");
my $path = "$dir/pgsql_tmp_zvec_$fn";
my $other_path = "$dir/pgsql_tmp_zvec_" . $node->safe_psql('postgres', "SELECT pg_relation_filenode('other_mm')");

# CRC-32C (Castagnoli), as port/pg_crc32c.h computes it.
my @crc_table;
for my $i (0 .. 255)
{
	my $c = $i;
	$c = ($c & 1) ? (($c >> 1) ^ 0x82F63B78) : ($c >> 1) for 1 .. 8;
	$crc_table[$i] = $c;
}
sub crc32c
{
	my ($data) = @_;
	my $crc = 0xFFFFFFFF;
	$crc = $crc_table[ ($crc ^ $_) & 0xFF ] ^ ($crc >> 8) for unpack('C*', $data);
	return $crc ^ 0xFFFFFFFF;
}

sub slurp { open(my $fh, '<:raw', $_[0]) or return undef; local $/; my $d = <$fh>; close $fh; return $d; }
sub spew { open(my $fh, '>:raw', $_[0]) or die "$_[0]: $!"; print $fh $_[1]; close $fh; }

# Field offsets in the side file header.
my %off = (magic => 0, rel => 16, nslots => 28, build_id => 32, changes => 40,
	data_offset => 56, data_size => 64, crc_offset => 72, nchunks => 84, header_crc => 88);
my $header_size = 96;

# Whether a side file is complete and its header checksum right.
sub file_valid
{
	my ($p) = @_;
	my $d = slurp($p);
	return 0 unless defined $d && length($d) >= 4096;
	return 0 unless unpack('V', substr($d, 0, 4)) == 0x7A4D4150;
	my ($crc_off) = unpack('Q<', substr($d, $off{crc_offset}, 8));
	my $nchunks = unpack('V', substr($d, $off{nchunks}, 4));
	return 0 unless length($d) == $crc_off + 4 * $nchunks;
	my $h = substr($d, 0, $header_size);
	substr($h, $off{header_crc}, 4) = pack('V', 0);
	return crc32c($h . substr($d, $crc_off, 4 * $nchunks)) == unpack('V', substr($d, $off{header_crc}, 4));
}

# Rewrite a 64-bit header field and fix the header checksum, so only the
# field's meaning can give the file away.
sub forge_field
{
	my ($p, $field, $value) = @_;
	my $d = slurp($p);
	substr($d, $off{$field}, 8) = pack('Q<', $value);
	my ($crc_off) = unpack('Q<', substr($d, $off{crc_offset}, 8));
	my $nchunks = unpack('V', substr($d, $off{nchunks}, 4));
	my $h = substr($d, 0, $header_size);
	substr($h, $off{header_crc}, 4) = pack('V', 0);
	substr($d, $off{header_crc}, 4) = pack('V', crc32c($h . substr($d, $crc_off, 4 * $nchunks)));
	spew($p, $d);
}

sub header_q { my $d = slurp($path); return unpack('Q<', substr($d, $off{$_[0]}, 8)); }

# The results of all queries, flattened.
sub results
{
	my ($settings) = @_;
	my $sql = "SET enable_seqscan = off; SET zvec.ef_search = 100; $settings\n";
	for my $q (0 .. $#$queries)
	{
		my $v = "'" . vec_text($queries->[$q]) . "'";
		$sql .= "SELECT string_agg(id::text || ':' || d::text, ',' ORDER BY n) FROM "
		  . "(SELECT id, embedding <-> $v AS d, row_number() OVER () AS n FROM "
		  . "(SELECT id, embedding FROM items ORDER BY embedding <-> $v LIMIT $k) t) s;\n";
	}
	return $node->safe_psql('postgres', $sql);
}

like($node->safe_psql('postgres', "SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY embedding <-> '"
	  . vec_text($queries->[0]) . "' LIMIT $k"), qr/Index Scan using items_mm/, 'the queries scan the mmap index');
my $baseline = results('');
ok(file_valid($path), 'the side file is valid after CREATE INDEX (Perl CRC-32C agrees)');
my $pristine = slurp($path);
my $data_offset = unpack('Q<', substr($pristine, $off{data_offset}, 8));
my $data_size = unpack('Q<', substr($pristine, $off{data_size}, 8));
my $crc_off = unpack('Q<', substr($pristine, $off{crc_offset}, 8));
my $nchunks = unpack('V', substr($pristine, $off{nchunks}, 4));
cmp_ok($nchunks, '>=', 2, "the records span $nchunks checksum chunks");

# Run one case: damage the file, query, check results, log and rebuild.
sub damage_case
{
	my ($name, $damage, $log_re, $settings) = @_;
	spew($path, $pristine);
	my $offset = -s $node->logfile;
	$damage->();
	is(results($settings // ''), $baseline, "$name: results are unchanged");
	if (defined $log_re)
	{
		ok($node->log_contains($log_re, $offset), "$name: the server log reports it");
	}
	results('');	# a fresh backend rebuilds what the first one dropped
	ok(file_valid($path), "$name: the side file was rebuilt valid");
	is(results(''), $baseline, "$name: results from the rebuilt file are unchanged");
}

damage_case('deleted', sub { unlink $path or die }, undef);
damage_case('truncated',
	sub { truncate($path, $data_offset + int($data_size / 2)) or die },
	qr/side file "[^"]*" is not usable: its size does not match its header/);
damage_case('extended',
	sub { open(my $fh, '>>:raw', $path) or die; print $fh "\0" x 4096; close $fh; },
	qr/is not usable: its size does not match its header/);
damage_case('header byte flipped',
	sub { my $d = slurp($path); substr($d, $off{nslots}, 1) ^= "\x01"; spew($path, $d); },
	qr/is not usable: its header (is inconsistent|fails its checksum)/);
damage_case('build id byte flipped',
	sub { my $d = slurp($path); substr($d, $off{build_id} + 3, 1) ^= "\x10"; spew($path, $d); },
	qr/is not usable: its header fails its checksum/);
damage_case('trailer byte flipped',
	sub { my $d = slurp($path); substr($d, $crc_off + 1, 1) ^= "\x80"; spew($path, $d); },
	qr/is not usable: its header fails its checksum/);

# One flipped byte in every chunk of records: the first chunk any query
# reads gives it away, before one of its records is used.
my $flip_records = sub {
	my $d = slurp($path);
	for my $c (0 .. $nchunks - 1)
	{
		my $at = $data_offset + $c * 1048576 + 777;
		substr($d, $at, 1) ^= "\x04" if $at < $data_offset + $data_size;
	}
	spew($path, $d);
};
damage_case('records byte flipped (checked on first read)', $flip_records,
	qr/is not usable: records chunk \d+ fails its checksum/);
damage_case('records byte flipped (checked at open, warmup = populate)', $flip_records,
	qr/is not usable: records chunk \d+ fails its checksum/, 'SET zvec.mmap_warmup = populate;');
damage_case('garbage',
	sub { spew($path, join('', map { chr(int(rand(256))) } 1 .. 20000)); },
	qr/is not usable: its magic number is wrong/);
damage_case("another index's side file",
	sub { copy($other_path, $path) or die },
	qr/is not usable: it belongs to another relfilenode/);

# Valid files (checksums right) whose contents do not fit the relation.
damage_case('a file from another build (build id)',
	sub { forge_field($path, 'build_id', 12345) }, undef);
ok(file_valid($path) && header_q('build_id') != 12345, 'the foreign-build file was replaced');

$node->safe_psql('postgres', copy_rows_sql('items',
	[ map { [ 10000 + $_, vec_text([ map { $_ + 1 } @{ $base->[$_] } ]) ] } 0 .. 49 ]));
$baseline = results('');
$pristine = slurp($path);
damage_case('a "future" image (more changes than the relation has seen)',
	sub { forge_field($path, 'changes', 1000000) }, undef);
cmp_ok(header_q('changes'), '<', 1000000, 'the future image was replaced by one of the present');

# A stale file: a valid image from before the change ring moved on.
my $old = slurp($path);
$node->safe_psql('postgres', copy_rows_sql('items',
	[ map { [ 20000 + $_, vec_text([ map { $_ + 2 } @{ $base->[$_] } ]) ] } 0 .. 1499 ]));
$baseline = results('');
$pristine = $old;
damage_case('a stale image (the change ring moved past it)', sub { }, undef);
cmp_ok(header_q('changes'), '>', unpack('Q<', substr($old, $off{changes}, 8)),
	'the stale image was replaced by a newer one');

ok(!$node->log_contains(qr/terminated by signal|server process .* was terminated/),
	'no backend crashed');
$node->stop;
done_testing();
