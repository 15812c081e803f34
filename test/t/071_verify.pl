# test/t/071_verify.pl
#	zvec_verify() reports nothing for healthy indexes and exactly the kind
#	of each problem injected on purpose.
#	Data: 3,000 random 3-dimensional vectors (setseed(0.5)), one NULL and
#	one zero vector; HNSW with m = 4, ef_construction = 16; IVF with
#	lists = 4 (two segments per list or so).
#	  - healthy: HNSW and IVF on both storages (and a cosine index, whose
#	    zero vector is not indexed) after the build, inserts, deletes,
#	    VACUUM, more inserts and updates: no row, with and without
#	    heapallindexed;
#	  - corruption: for each kind, one index patched on disk with the
#	    server stopped (the file found with pg_relation_filepath, the
#	    records located from the store header on block 0), and the check
#	    must return rows of that kind and no other: bad_magic,
#	    bad_version, bad_metapage, slot_count, bad_page,
#	    neighbor_out_of_range, neighbor_freed, neighbor_not_node,
#	    level_mismatch, entry_point, duplicate_neighbor, self_neighbor,
#	    free_list, bad_record; with heapallindexed heap_row_not_indexed,
#	    heap_tid_missing, duplicate_heap_tid (and nothing without it);
#	    IVF list_count, chain_loop, chain_out_of_range, wrong_list,
#	    orphan_segment, insert_segment; mmap side_file for a damaged
#	    records chunk, a damaged header and a relation record that
#	    differs from the side file's copy, and an algorithm-level problem
#	    on an mmap index whose side file is then rebuilt from the
#	    damaged relation;
#	  - permissions: a role without EXECUTE, a role with EXECUTE that does
#	    not own the index (42501 both), the owner, and a pg_monitor member.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('verify');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION zvec;
	SELECT setseed(0.5);
	CREATE TABLE items (id int PRIMARY KEY, v vector(3));
	INSERT INTO items SELECT i, ARRAY[random(), random(), random()]::vector
		FROM generate_series(1, 3000) i;
	INSERT INTO items VALUES (3001, NULL), (3002, '[0,0,0]');
});
my $bs = $node->safe_psql('postgres', 'SHOW block_size');
my $phdr = 24;			# MAXALIGN(SizeOfPageHeaderData)

# The kinds zvec_verify() reports for an index, sorted, comma-separated.
sub kinds
{
	my ($index, $heap) = @_;
	return $node->safe_psql('postgres',
		"SELECT coalesce(string_agg(DISTINCT kind, ',' ORDER BY kind), '') "
		  . "FROM zvec_verify('$index', " . ($heap ? 'true' : 'false') . ")");
}

# --- healthy indexes --------------------------------------------------------

my %healthy = (
	h_bp => "(v) WITH (m = 4, ef_construction = 16)",
	h_mm => "(v) WITH (m = 4, ef_construction = 16, storage = 'mmap')",
	h_cos => "(v vector_cosine_ops) WITH (m = 4, ef_construction = 16)",
	i_bp => "(v) WITH (algorithm = 'ivf', lists = 4)",
	i_mm => "(v vector_cosine_ops) WITH (algorithm = 'ivf', lists = 4, storage = 'mmap')",);
$node->safe_psql('postgres', 'CREATE TABLE items2 AS SELECT * FROM items');
for my $name (sort keys %healthy)
{
	$node->safe_psql('postgres', "CREATE INDEX $name ON items2 USING zvec $healthy{$name}");
	is(kinds($name, 1), '', "$name: nothing to report after the build");
}
$node->safe_psql('postgres', q{
	INSERT INTO items2 SELECT i, ARRAY[random(), random(), random()]::vector
		FROM generate_series(4001, 4500) i;
	DELETE FROM items2 WHERE id % 3 = 0;
});
for my $name (sort keys %healthy)
{
	is(kinds($name, 0), '', "$name: nothing to report after deletes, before VACUUM");
}
$node->safe_psql('postgres', q{
	VACUUM items2;
	INSERT INTO items2 SELECT i, ARRAY[random(), random(), random()]::vector
		FROM generate_series(5001, 5300) i;
	UPDATE items2 SET v = ARRAY[random(), random(), random()]::vector WHERE id % 7 = 0;
});
for my $name (sort keys %healthy)
{
	is(kinds($name, 0), '', "$name: nothing to report after VACUUM, inserts and updates");
	is(kinds($name, 1), '', "$name: nothing to report with heapallindexed");
}

# --- file access ------------------------------------------------------------

my %file;		# index name => its relation file

sub slurp { open(my $fh, '<:raw', $_[0]) or die "$_[0]: $!"; local $/; my $d = <$fh>; close $fh; return $d; }
sub spew { open(my $fh, '>:raw', $_[0]) or die "$_[0]: $!"; print $fh $_[1]; close $fh; }

# An index file in memory, with helpers that know the store's layout.
sub ix_open
{
	my ($name) = @_;
	my $d = slurp($file{$name});
	my $ix = { name => $name, data => \$d };
	$ix->{record_size} = unpack('V', substr($d, $phdr + 8, 4));
	$ix->{nslots} = unpack('V', substr($d, $phdr + 12, 4));
	$ix->{per_block} = int(($bs - $phdr) / $ix->{record_size});
	return $ix;
}
sub ix_save { my ($ix) = @_; spew($file{ $ix->{name} }, ${ $ix->{data} }); }

# File offset of byte off of slot s's record.
sub rec_off
{
	my ($ix, $s, $off) = @_;
	my $pb = $ix->{per_block};
	return (1 + int($s / $pb)) * $bs + $phdr + ($s % $pb) * $ix->{record_size} + ($off // 0);
}
sub get { my ($ix, $pos, $fmt, $len) = @_; return unpack($fmt, substr(${ $ix->{data} }, $pos, $len)); }
sub put { my ($ix, $pos, $fmt, $len, $val) = @_; substr(${ $ix->{data} }, $pos, $len) = pack($fmt, $val); }
sub u8 { get($_[0], $_[1], 'C', 1) }
sub u16 { get($_[0], $_[1], 'v', 2) }
sub u32 { get($_[0], $_[1], 'V', 4) }
sub set8 { put($_[0], $_[1], 'C', 1, $_[2]) }
sub set16 { put($_[0], $_[1], 'v', 2, $_[2]) }
sub set32 { put($_[0], $_[1], 'V', 4, $_[2]) }

# The metapage: store header at $phdr, the access method's area 16 bytes
# later (magic, version, algorithm, storage, dims, generation, m, ef,
# lists), the algorithm's state 32 bytes into that.
my $meta = $phdr + 16;
my $algo = $meta + 32;

# HNSW (m = 4): node header (kind, level, ntids, -, nneighbors, -, upper,
# -, 8 TIDs) is 64 bytes, then 2m neighbour slots; an upper record has a
# 16-byte header (kind, first level, count, -, owner, next) and lists of
# a count and m slots.
my $m = 4;
sub kind { u8($_[0], rec_off($_[0], $_[1])) }
sub level { u8($_[0], rec_off($_[0], $_[1], 1)) }
sub ntids { u8($_[0], rec_off($_[0], $_[1], 2)) }
sub nnbr { u16($_[0], rec_off($_[0], $_[1], 4)) }
sub upper { u32($_[0], rec_off($_[0], $_[1], 8)) }
sub nbr_off { rec_off($_[0], $_[1], 64 + 4 * $_[2]) }
sub tid_off { rec_off($_[0], $_[1], 16 + 6 * $_[2]) }
sub upper_list_off { rec_off($_[0], $_[1], 16 + $_[2] * (4 + 4 * $m)) }

# The first slot for which cond holds.
sub find_slot
{
	my ($ix, $cond) = @_;
	for my $s (0 .. $ix->{nslots} - 1) { return $s if $cond->($s); }
	die "$ix->{name}: no slot found";
}
sub live_node { my ($ix) = @_; return sub { kind($ix, $_[0]) == 1 && ntids($ix, $_[0]) == 1 && nnbr($ix, $_[0]) >= 2 && $_[0] != u32($ix, $algo) } }

# IVF: segment header (kind, -, count, list, next) is 16 bytes, then
# capacity TIDs; a directory record has (kind, -, count, first list),
# then (first, insert) per list from byte 16.
sub seg_list { u32($_[0], rec_off($_[0], $_[1], 4)) }
sub seg_next { u32($_[0], rec_off($_[0], $_[1], 8)) }
sub ivf_dir { u32($_[0], $algo + 8) }
sub info_off { rec_off($_[0], ivf_dir($_[0]), 16 + 8 * $_[1] + 4 * $_[2]) }	# list, 0 first / 1 insert
sub chain
{
	my ($ix, $list) = @_;
	my @c;
	my $s = u32($ix, info_off($ix, $list, 0));
	while ($s != 0xFFFFFFFF && @c < 100) { push @c, $s; $s = seg_next($ix, $s); }
	return @c;
}

# --- corruption, one index per kind ------------------------------------------

my @cases;		# [index, expected kinds, heapallindexed, patch, mmap side-file patch, drop side file]
my $hnsw = "(v) WITH (m = 4, ef_construction = 16)";
my $ivf = "(v) WITH (algorithm = 'ivf', lists = 4)";

sub hcase { push @cases, { index => $_[0], expect => $_[1], heap => $_[2], patch => $_[3], with => $_[4] // $hnsw, %{ $_[5] // {} } } }

hcase('c_magic', 'bad_magic', 0, sub { set32($_[0], $meta, 0x12345678) });
hcase('c_version', 'bad_version', 0, sub { set32($_[0], $meta + 4, 99) });
hcase('c_meta', 'bad_metapage', 0, sub { set32($_[0], $meta + 12, 7) });
hcase('c_slots', 'slot_count', 0, sub { set32($_[0], $phdr + 12, $_[0]->{nslots} + 5000) });
hcase('c_page', 'bad_page', 0, sub { substr(${ $_[0]->{data} }, 2 * $bs, $bs) = "\0" x $bs });
hcase('c_range', 'neighbor_out_of_range', 0, sub {
	my $ix = shift; my $s = find_slot($ix, live_node($ix));
	set32($ix, nbr_off($ix, $s, 0), $ix->{nslots} + 1000);
});
hcase('c_freed', 'neighbor_freed', 0, sub {
	my $ix = shift; my $s = find_slot($ix, live_node($ix));
	my $f = find_slot($ix, sub { kind($ix, $_[0]) == 3 });
	set32($ix, nbr_off($ix, $s, 0), $f);
});
hcase('c_notnode', 'neighbor_not_node', 0, sub {
	my $ix = shift; my $s = find_slot($ix, live_node($ix));
	my $u = find_slot($ix, sub { kind($ix, $_[0]) == 2 });
	set32($ix, nbr_off($ix, $s, 0), $u);
});
hcase('c_level', 'level_mismatch', 0, sub {
	my $ix = shift;
	my $n = find_slot($ix, sub { kind($ix, $_[0]) == 1 && level($ix, $_[0]) >= 1 && u16($ix, upper_list_off($ix, upper($ix, $_[0]), 0)) >= 1 });
	my $x = find_slot($ix, sub { kind($ix, $_[0]) == 1 && level($ix, $_[0]) == 0 });
	set32($ix, upper_list_off($ix, upper($ix, $n), 0) + 4, $x);
});
hcase('c_entry', 'entry_point', 0, sub { set16($_[0], $algo + 4, u16($_[0], $algo + 4) + 1) });
hcase('c_dup', 'duplicate_neighbor', 0, sub {
	my $ix = shift; my $s = find_slot($ix, live_node($ix));
	set32($ix, nbr_off($ix, $s, 1), u32($ix, nbr_off($ix, $s, 0)));
});
hcase('c_self', 'self_neighbor', 0, sub {
	my $ix = shift; my $s = find_slot($ix, live_node($ix));
	set32($ix, nbr_off($ix, $s, 0), $s);
});
hcase('c_free', 'free_list', 0, sub {
	my $ix = shift; set32($ix, $algo + 8, find_slot($ix, live_node($ix)));
});
hcase('c_record', 'bad_record', 0, sub {
	my $ix = shift; set8($ix, rec_off($ix, find_slot($ix, live_node($ix)), 2), 9);
});
hcase('c_unindexed', 'heap_row_not_indexed', 1, sub {
	my $ix = shift; set8($ix, rec_off($ix, find_slot($ix, live_node($ix)), 2), 0);
});
hcase('c_missing', 'heap_tid_missing', 1, sub {
	my $ix = shift; my $s = find_slot($ix, live_node($ix));
	set8($ix, rec_off($ix, $s, 2), 2);
	substr(${ $ix->{data} }, tid_off($ix, $s, 1), 6) = pack('vvv', 0, 0, 999);
});
hcase('c_duptid', 'duplicate_heap_tid', 1, sub {
	my $ix = shift; my $s = find_slot($ix, live_node($ix));
	my $t = find_slot($ix, sub { $_[0] > $s && &{ live_node($ix) }($_[0]) });
	set8($ix, rec_off($ix, $s, 2), 2);
	substr(${ $ix->{data} }, tid_off($ix, $s, 1), 6) = substr(${ $ix->{data} }, tid_off($ix, $t, 0), 6);
});

hcase('i_count', 'list_count', 0, sub {
	my $ix = shift; my @c = chain($ix, 0);
	set16($ix, rec_off($ix, $c[0], 2), u32($ix, $algo + 16) + 1);
}, $ivf);
hcase('i_loop', 'chain_loop', 0, sub {
	my $ix = shift; my @c = chain($ix, 0);
	set32($ix, rec_off($ix, $c[-1], 8), $c[0]);
}, $ivf);
hcase('i_range', 'chain_out_of_range', 0, sub {
	my $ix = shift; my @c = chain($ix, 0);
	set32($ix, rec_off($ix, $c[-1], 8), $ix->{nslots} + 100);
}, $ivf);
hcase('i_wrong', 'wrong_list', 0, sub {
	my $ix = shift; my @c = chain($ix, 0);
	set32($ix, rec_off($ix, $c[-1], 4), 1);
	set32($ix, info_off($ix, 0, 1), $c[0]);
}, $ivf);
hcase('i_orphan', 'orphan_segment', 0, sub {
	my $ix = shift; my @c = chain($ix, 0);
	die "list 0 has one segment" if @c < 2;
	set32($ix, rec_off($ix, $c[-2], 8), 0xFFFFFFFF);
	set32($ix, info_off($ix, 0, 1), $c[0]);
}, $ivf);
hcase('i_insert', 'insert_segment', 0, sub {
	my $ix = shift; my @c = chain($ix, 1);
	set32($ix, info_off($ix, 0, 1), $c[0]);
}, $ivf);

my $mmap = "(v) WITH (m = 4, ef_construction = 16, storage = 'mmap')";
hcase('m_chunk', 'side_file', 0, undef, $mmap, { side => sub { substr(${ $_[0] }, 4096 + 1000, 1) ^= "\x55" } });
hcase('m_header', 'side_file', 0, undef, $mmap, { side => sub { substr(${ $_[0] }, 28, 1) ^= "\x01" } });
hcase('m_differ', 'side_file', 0, sub {
	my $ix = shift; my $s = find_slot($ix, live_node($ix));
	put($ix, rec_off($ix, $s, 96 + 8), 'f<', 4, 0.125);
}, $mmap);
hcase('m_algo', 'neighbor_out_of_range', 0, sub {
	my $ix = shift; my $s = find_slot($ix, live_node($ix));
	set32($ix, nbr_off($ix, $s, 0), $ix->{nslots} + 1000);
}, $mmap, { drop_side => 1 });

# Build every case's index; deleted rows vacuumed away leave free HNSW
# records (the mmap indexes are built after that, so their side files are
# in step with their relations).
for my $c (grep { $_->{with} ne $mmap } @cases)
{
	$node->safe_psql('postgres', "CREATE INDEX $c->{index} ON items USING zvec $c->{with}");
}
$node->safe_psql('postgres', 'DELETE FROM items WHERE id % 10 = 0; VACUUM items;');
for my $c (grep { $_->{with} eq $mmap } @cases)
{
	$node->safe_psql('postgres', "CREATE INDEX $c->{index} ON items USING zvec $c->{with}");
}
for my $c (@cases)
{
	is(kinds($c->{index}, 1), '', "$c->{index}: nothing to report before the damage");
	my $rel = $node->safe_psql('postgres', "SELECT pg_relation_filepath('$c->{index}')");
	$file{ $c->{index} } = $node->data_dir . "/$rel";
	(my $side = $file{ $c->{index} }) =~ s{/(\d+)$}{/pgsql_tmp_zvec_$1};
	$c->{side_path} = $side;
}

$node->stop;
for my $c (@cases)
{
	if ($c->{patch})
	{
		my $ix = ix_open($c->{index});
		$c->{patch}->($ix);
		ix_save($ix);
	}
	if ($c->{side})
	{
		my $d = slurp($c->{side_path});
		$c->{side}->(\$d);
		spew($c->{side_path}, $d);
	}
	unlink $c->{side_path} or die "$c->{side_path}: $!" if $c->{drop_side};
}
$node->start;

for my $c (@cases)
{
	is(kinds($c->{index}, $c->{heap}), $c->{expect},
		"$c->{index}: reports $c->{expect}" . ($c->{heap} ? ' with heapallindexed' : ''));
	is(kinds($c->{index}, 0), '', "$c->{index}: nothing without heapallindexed")
	  if $c->{heap};
}

# The details say what and where.
like($node->safe_psql('postgres', "SELECT location || ': ' || detail FROM zvec_verify('c_range')"),
	qr/^slot \d+, layer 0: Neighbour slot \d+ is beyond the last slot/, 'the row names the slot, the layer and the bad neighbour');

# --- permissions ------------------------------------------------------------

$node->safe_psql('postgres', q{
	CREATE ROLE regress_owner LOGIN;
	CREATE ROLE regress_other LOGIN;
	CREATE ROLE regress_monitor LOGIN IN ROLE pg_monitor;
	CREATE ROLE regress_nogrant LOGIN;
	CREATE TABLE owned (v vector(3));
	INSERT INTO owned SELECT ARRAY[random(), random(), random()]::vector FROM generate_series(1, 100);
	CREATE INDEX owned_idx ON owned USING zvec (v);
	ALTER TABLE owned OWNER TO regress_owner;
	GRANT EXECUTE ON FUNCTION zvec_verify(regclass, boolean) TO regress_owner, regress_other;
});
my ($ret, $out, $err);
($ret, $out, $err) = $node->psql('postgres', "SELECT count(*) FROM zvec_verify('owned_idx')",
	extra_params => [ '-U', 'regress_nogrant' ]);
like($err, qr/permission denied for function zvec_verify/, 'no EXECUTE: permission denied');
($ret, $out, $err) = $node->psql('postgres', "SELECT count(*) FROM zvec_verify('owned_idx')",
	extra_params => [ '-U', 'regress_other' ]);
like($err, qr/permission denied to verify index "owned_idx"/, 'EXECUTE but not the owner: permission denied');
($ret, $out, $err) = $node->psql('postgres', "SELECT count(*) FROM zvec_verify('owned_idx', true)",
	extra_params => [ '-U', 'regress_owner' ]);
is($out, '0', 'the owner verifies its index') or diag $err;
($ret, $out, $err) = $node->psql('postgres', "SELECT count(*) FROM zvec_verify('owned_idx')",
	extra_params => [ '-U', 'regress_monitor' ]);
is($out, '0', 'a pg_monitor member verifies any index') or diag $err;

$node->stop;
done_testing();
