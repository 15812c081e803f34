# test/t/050_mmap_recall.pl
#	The mmap storage backend on siftsmall (10,000 x 128 base vectors, 100
#	queries, ../shared/data), HNSW with the default m = 16 and
#	ef_construction = 64:
#	  - the side file is written by CREATE INDEX, in the index's database
#	    directory, with mode 0600, its header naming the index's
#	    relfilenode, and its records 64-byte aligned;
#	  - recall@10 against the exact top 10 of a sequential scan in the same
#	    test is >= 0.95 at the default zvec.ef_search and >= 0.99 at
#	    ef_search = 200, as for a bufferpool index on the same rows (two
#	    builds draw different random levels, so their graphs differ;
#	    at ef_search = 200 their recall is within 0.01);
#	  - the scan reads the image, not the buffer pool (a query touches
#	    fewer than 40 shared buffers, against hundreds when the image
#	    cannot be used);
#	  - the same mmap index returns exactly the same rows and distances
#	    when its image is bypassed (the side file replaced by a directory,
#	    so it can be neither read nor rebuilt), before and after inserts
#	    past the change ring, deletes, vacuum and slot reuse: the image
#	    never serves a stale record;
#	  - no deleted row is ever returned, and every result list is in true
#	    distance order.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use File::Path qw(rmtree);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZvecTest qw(data_dir read_fvecs vec_text load_fvecs_table copy_rows_sql);
use ZvecIndexTest qw(flat ordered recall);

my $sift = data_dir() . '/siftsmall';
die "siftsmall not found at $sift (set ZVEC_DATA_DIR)" unless -r "$sift/base.fvecs";

my $base = read_fvecs("$sift/base.fvecs");
my $queries = read_fvecs("$sift/query.fvecs");
my $k = 10;

my $node = PostgreSQL::Test::Cluster->new('mmap_recall');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION zvec');
load_fvecs_table($node, 'postgres', 'items', $base);
$node->safe_psql('postgres', 'CREATE TABLE items_bp AS SELECT * FROM items; ANALYZE items; ANALYZE items_bp;');

# Top-k rows per query as { query => [[id, distance], ...] }, in one round trip.
sub top_k
{
	my ($table, $settings) = @_;
	return ZvecIndexTest::top_k($node, $queries, table => $table, settings => $settings);
}

# Shared buffers one index-scan query touches (after a first run that may
# rebuild the image).
sub buffers_touched
{
	my ($table) = @_;
	return ZvecIndexTest::buffers_touched($node,
		"SELECT id FROM $table ORDER BY embedding <-> '" . vec_text($queries->[1]) . "' LIMIT $k");
}

my $dboid = $node->safe_psql('postgres', "SELECT oid FROM pg_database WHERE datname = 'postgres'");

# Path of the side file of an index.
sub side_file
{
	my ($index) = @_;
	my $fn = $node->safe_psql('postgres', "SELECT pg_relation_filenode('$index')");
	return ($node->data_dir . "/base/$dboid/pgsql_tmp_zvec_$fn", $fn);
}

# The side file header as a hash.
sub side_header
{
	my ($path) = @_;
	open(my $fh, '<:raw', $path) or return undef;
	read($fh, my $buf, 120);
	close $fh;
	my @f = unpack('V8 Q< Q< Q< Q< Q< Q< V V V', $buf);
	return {
		magic => $f[0], version => $f[1], spc => $f[2], db => $f[3], rel => $f[4],
		record_size => $f[5], stride => $f[6], nslots => $f[7], build_id => $f[8],
		changes => $f[9], lsn => $f[10], data_offset => $f[11], data_size => $f[12],
		crc_offset => $f[13], chunk_size => $f[14], nchunks => $f[15]
	};
}

my $exact = top_k('items', 'SET enable_indexscan = off;');
is(scalar(grep { @{ $exact->{$_} } == $k } keys %$exact), scalar @$queries,
	"exact search returns $k rows for every query");

$node->safe_psql('postgres', "CREATE INDEX items_mm ON items USING zvec (embedding) WITH (storage = 'mmap')");
$node->safe_psql('postgres', "CREATE INDEX items_bp_idx ON items_bp USING zvec (embedding) WITH (storage = 'bufferpool')");

my ($path, $fn) = side_file('items_mm');
ok(-f $path, 'CREATE INDEX wrote the side file in the database directory');
is((stat($path))[2] & 07777, 0600, 'the side file has mode 0600');
my $h = side_header($path);
is($h->{magic}, 0x7A4D4150, 'side file magic');
is($h->{rel}, $fn, 'side file header names the index relfilenode');
is($h->{db}, $dboid, 'side file header names the database');
is($h->{stride} % 64, 0, "records are 64-byte aligned (stride $h->{stride})");
is($h->{data_offset} % 4096, 0, 'records start on a page boundary');
cmp_ok($h->{nslots}, '>=', 10000, "the image holds every node ($h->{nslots} records)");
is($h->{changes}, 0, 'a fresh image is the state after zero changes');

like($node->safe_psql('postgres', "EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY embedding <-> '"
	  . vec_text($queries->[0]) . "' LIMIT $k"), qr/Index Scan using items_mm on items/,
	'ORDER BY <-> LIMIT is planned as a scan of the mmap index');

my $mm40 = top_k('items', '');
my $mm200 = top_k('items', 'SET zvec.ef_search = 200;');
my $r40 = recall($exact, $mm40);
my $r200 = recall($exact, $mm200);
cmp_ok($r40, '>=', 0.95, "mmap: recall\@10 at default ef_search >= 0.95 (got $r40)");
cmp_ok($r200, '>=', 0.99, "mmap: recall\@10 at ef_search = 200 >= 0.99 (got $r200)");
my $bp40 = recall($exact, top_k('items_bp', ''));
my $bp200 = recall($exact, top_k('items_bp', 'SET zvec.ef_search = 200;'));
cmp_ok($bp40, '>=', 0.95, "bufferpool: recall\@10 at default ef_search >= 0.95 (got $bp40)");
# recalls are multiples of 0.001 (1,000 results); compare in those units so
# that 1 - 0.99 is not 0.010000000000000009 in binary floating point
cmp_ok(sprintf('%.0f', abs($r200 - $bp200) * 1000), '<=', 10, "mmap recall $r200 is within 0.01 of bufferpool recall $bp200 at ef_search = 200");
ok(ordered($mm40) && ordered($mm200), 'mmap results are in distance order');

my $img_buffers = buffers_touched('items');
cmp_ok($img_buffers, '<', 40, "a scan reading the image touches few shared buffers ($img_buffers)");

# Bypass: a directory where the side file should be can be neither mapped
# nor replaced, so the index is read through the buffer pool.
sub bypass_on { unlink $path; mkdir $path or die "mkdir $path: $!"; }
sub bypass_off { rmdir $path or die "rmdir $path: $!"; }

bypass_on();
my $byp_buffers = buffers_touched('items');
cmp_ok($byp_buffers, '>', 100, "with the image unusable, a scan reads the buffer pool ($byp_buffers buffers)");
is(flat(top_k('items', '')), flat($mm40), 'image and buffer-pool reads of the same index agree (ef_search 40)');
is(flat(top_k('items', 'SET zvec.ef_search = 200;')), flat($mm200),
	'image and buffer-pool reads of the same index agree (ef_search 200)');
bypass_off();

# Changes after the image: inserts past the change ring (forcing a
# rebuild), deletes, vacuum and inserts that reuse freed slots.  After each
# step the image path must return exactly what the buffer-pool path does.
sub compare_paths
{
	my ($what) = @_;
	my $via_image = top_k('items', 'SET zvec.ef_search = 100;');
	my $hdr = side_header($path);
	bypass_on();
	my $via_pages = top_k('items', 'SET zvec.ef_search = 100;');
	bypass_off();
	$node->safe_psql('postgres', "SELECT count(*) FROM (SELECT id FROM items ORDER BY embedding <-> '"
		  . vec_text($queries->[2]) . "' LIMIT 1) s");
	is(flat($via_image), flat($via_pages), "$what: image and buffer-pool reads agree");
	ok(ordered($via_image), "$what: results are in distance order");
	return ($via_image, $hdr);
}

# Rows with ids from $from, vectors taken from the base set (shifted).
sub insert_rows
{
	my ($from, $n, $shift) = @_;
	my @rows;
	for my $i (0 .. $n - 1)
	{
		my $v = [ map { $_ + $shift } @{ $base->[ ($i * 7) % @$base ] } ];
		push @rows, [ $from + $i, vec_text($v) ];
	}
	$node->safe_psql('postgres', copy_rows_sql('items', \@rows));
}

# prime: a query rebuilds the image the bypass removed
$node->safe_psql('postgres', "SELECT count(*) FROM (SELECT id FROM items ORDER BY embedding <-> '"
	  . vec_text($queries->[2]) . "' LIMIT 1) s");
my $h0 = side_header($path);
ok(defined $h0, 'a query rebuilt the removed side file');

insert_rows(20000, 50, 1);
my (undef, $h1) = compare_paths('after 50 inserts (image plus change ring)');
is($h1->{changes}, $h0->{changes}, 'small changes keep the image: changed records come from the ring');

insert_rows(30000, 1500, 2);
my (undef, $h2) = compare_paths('after 1,500 more inserts (past the change ring)');
cmp_ok($h2->{changes}, '>', $h0->{changes}, "the image was rebuilt after the ring moved on (B = $h2->{changes})");
cmp_ok(buffers_touched('items'), '<', 40, 'the rebuilt image is read again');

$node->safe_psql('postgres', 'DELETE FROM items WHERE id % 3 = 0; VACUUM items;');
my ($after_vac) = compare_paths('after deleting a third of the rows and vacuum');
my %deleted_seen = map { $_->[0] => 1 } grep { $_->[0] % 3 == 0 } map { @$_ } values %$after_vac;
is(scalar(keys %deleted_seen), 0, 'no deleted row is returned after vacuum');

insert_rows(50000, 600, 3);
my ($after_reuse) = compare_paths('after inserts into vacuumed slots');
%deleted_seen = map { $_->[0] => 1 } grep { $_->[0] < 20000 && $_->[0] % 3 == 0 } map { @$_ } values %$after_reuse;
is(scalar(keys %deleted_seen), 0, 'no deleted row is returned after slot reuse');

my $exact2 = top_k('items', 'SET enable_indexscan = off;');
my $r2 = recall($exact2, $after_reuse);
cmp_ok($r2, '>=', 0.95, "recall\@10 after all changes at ef_search = 100 >= 0.95 (got $r2)");

$node->stop;
done_testing();
