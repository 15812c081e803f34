# test/t/070_security_files.pl
#	Where zvec writes files, and who may read them.  In a cluster made
#	with group access (initdb -g, so the relation files are 0640), mmap
#	indexes in the default tablespace and in a user tablespace, built by
#	an ordinary role:
#	  - every side file (pgsql_tmp_zvec_*) has mode 0600, whatever the
#	    data directory allows the group, and belongs to the server's user;
#	  - each lies in the directory of its own index's relation file (under
#	    the data directory, or the tablespace it links to), and there is
#	    one per mmap index, none for a bufferpool index;
#	  - after REINDEX the new relfilenode has a new file and the old one is
#	    gone; after DROP INDEX no file is left, so the tablespace drops.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use Cwd ();
use File::Basename qw(dirname);
use File::Find;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('security_files');
$node->init(extra => ['--allow-group-access']);
$node->start;
my $pgdata = $node->data_dir;
my $tsdir = PostgreSQL::Test::Utils::tempdir();

$node->safe_psql('postgres', qq{
	CREATE EXTENSION zvec;
	CREATE ROLE regress_owner LOGIN;
	CREATE TABLESPACE zvec_ts OWNER regress_owner LOCATION '$tsdir';
	GRANT CREATE ON SCHEMA public TO regress_owner;
});
$node->safe_psql('postgres', q{
	SET ROLE regress_owner;
	CREATE TABLE items (id int, v vector(8));
	INSERT INTO items SELECT i, ARRAY(SELECT sin(i * j) FROM generate_series(1, 8) j)::vector
	FROM generate_series(1, 2000) i;
	CREATE INDEX items_mmap ON items USING zvec (v) WITH (storage = mmap);
	CREATE INDEX items_mmap_ts ON items USING zvec (v vector_cosine_ops)
		WITH (storage = mmap) TABLESPACE zvec_ts;
	CREATE INDEX items_buf ON items USING zvec (v vector_ip_ops);
});

# Every side file under the data directory and the tablespace, by path.
sub side_files
{
	my %found;
	find(
		{
			wanted => sub { $found{$File::Find::name} = 1 if /^pgsql_tmp_zvec_/; },
			follow => 1,
			follow_skip => 2
		},
		$pgdata, $tsdir);
	return sort keys %found;
}

# The directory holding an index's relation file, as the server sees it.
sub index_dir
{
	my ($index) = @_;
	my $rel = $node->safe_psql('postgres', "SELECT pg_relation_filepath('$index')");
	return Cwd::realpath(dirname("$pgdata/$rel"));
}

my @files = side_files();
is(scalar @files, 2, 'one side file per mmap index, none for the bufferpool index');
for my $f (@files)
{
	my @st = stat($f);
	is($st[2] & 07777, 0600, "side file $f has mode 0600");
	is($st[4], $<, "side file $f belongs to the server's user");
}
my $relmode = (stat("$pgdata/" . $node->safe_psql('postgres', "SELECT pg_relation_filepath('items')")))[2] & 07777;
is($relmode, 0640, 'the relation files allow the group (so 0600 is zvec\'s own choice)');

my %dirs = map { Cwd::realpath(dirname($_)) => 1 } @files;
ok($dirs{ index_dir('items_mmap') }, 'the default-tablespace index has its file next to its relation file');
ok($dirs{ index_dir('items_mmap_ts') }, 'the tablespace index has its file next to its relation file');
like(index_dir('items_mmap_ts'), qr/^\Q@{[Cwd::realpath($tsdir)]}\E/, 'which is inside the tablespace');
like(index_dir('items_mmap'), qr/^\Q@{[Cwd::realpath($pgdata)]}\E/, 'and the other inside the data directory');

# REINDEX: a new relfilenode, a new file; the old one goes at commit.
my $before = join(',', side_files());
$node->safe_psql('postgres', 'REINDEX INDEX items_mmap');
my @after = side_files();
is(scalar @after, 2, 'after REINDEX there are still exactly two side files');
isnt(join(',', @after), $before, 'and the reindexed one has a new name');
is((stat($_))[2] & 07777, 0600, "after REINDEX $_ has mode 0600") for @after;

# DROP: nothing left, and the tablespace can then be dropped.
$node->safe_psql('postgres', 'DROP INDEX items_mmap, items_mmap_ts');
my @left = side_files();
is(scalar @left, 0, 'no side file outlives its index');
$node->safe_psql('postgres', 'DROP TABLE items; DROP TABLESPACE zvec_ts');
pass('the tablespace is empty and dropped');

$node->stop;
done_testing();
