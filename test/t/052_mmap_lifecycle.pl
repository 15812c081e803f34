# test/t/052_mmap_lifecycle.pl
#	No side file outlives its index.  After each statement below, the side
#	files in the cluster (pgsql_tmp_zvec_* in every database directory,
#	default and other tablespaces) are counted and matched to the
#	relfilenodes of live mmap indexes: no file may belong to anything
#	else, and an index that has been queried has its file.
#	  DROP INDEX; DROP TABLE; TRUNCATE; REINDEX INDEX; REINDEX TABLE
#	  CONCURRENTLY; VACUUM FULL; ALTER INDEX SET TABLESPACE; DROP
#	  DATABASE; ROLLBACK of CREATE INDEX; ROLLBACK TO SAVEPOINT of CREATE
#	  INDEX; ROLLBACK of DROP INDEX (the file must stay); DROP EXTENSION
#	  CASCADE; an mmap index on a temporary table (no side file, correct
#	  results through the buffer pool).
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use File::Find;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('mmap_lifecycle');
$node->init;
$node->start;
my $tsdir = PostgreSQL::Test::Utils::tempdir();
$node->safe_psql('postgres', "CREATE TABLESPACE ts LOCATION '$tsdir'");
$node->safe_psql('postgres', 'CREATE DATABASE other');
$node->safe_psql($_, 'CREATE EXTENSION zvec') for qw(postgres other);

# Side files in the cluster, as "dboid/relfilenode" strings.
sub side_files
{
	my @found;
	my @dirs = ($node->data_dir . '/base', $node->data_dir . '/pg_tblspc/');
	find(
		{
			wanted => sub {
				push @found, "$1/$2" if $File::Find::name =~ m{/(\d+)/pgsql_tmp_zvec_(\d+)(\.tmp)?$};
			},
			follow => 1
		},
		@dirs);
	return sort @found;
}

# "dboid/relfilenode" of every live mmap index in the cluster.
sub live_mmap_indexes
{
	my @live;
	for my $db (qw(postgres other))
	{
		next unless $node->safe_psql('postgres', "SELECT count(*) FROM pg_database WHERE datname = '$db'");
		push @live, split /\n/, $node->safe_psql($db, q{
			SELECT (SELECT oid FROM pg_database WHERE datname = current_database()) || '/' || pg_relation_filenode(c.oid)
			FROM pg_class c JOIN pg_am a ON a.oid = c.relam
			WHERE a.amname = 'zvec' AND c.reloptions @> '{storage=mmap}' AND c.relpersistence <> 't'});
	}
	return @live;
}

# Check after a statement: no orphaned file; $expect files in all.
sub check
{
	my ($what, $expect) = @_;
	my %live = map { $_ => 1 } live_mmap_indexes();
	my @files = side_files();
	my @orphans = grep { !$live{$_} } @files;
	is(scalar(@orphans), 0, "$what: no side file without its index" . (@orphans ? " (@orphans)" : ''));
	is(scalar(@files), $expect, "$what: $expect side file(s) in the cluster");
}

# A table with vectors and an mmap index on it, in database $db.
sub make_indexed
{
	my ($db, $table) = @_;
	$node->safe_psql($db, qq{
		CREATE TABLE $table (id int, v vector(4));
		INSERT INTO $table SELECT i, ARRAY[i % 7, i % 11, i % 13, i]::float4[]::vector FROM generate_series(1, 500) i;
		CREATE INDEX ${table}_mm ON $table USING zvec (v) WITH (storage = 'mmap');
	});
}

# Query an index so that its image exists; returns the ids found.
sub query
{
	my ($db, $table) = @_;
	return $node->safe_psql($db,
		"SET enable_seqscan = off; SELECT string_agg(id::text, ',') FROM (SELECT id FROM $table ORDER BY v <-> '[1,2,3,40]' LIMIT 5) s");
}

check('empty cluster', 0);

make_indexed('postgres', 'a');
check('CREATE INDEX', 1);
$node->safe_psql('postgres', 'DROP INDEX a_mm');
check('DROP INDEX', 0);

$node->safe_psql('postgres', "CREATE INDEX a_mm ON a USING zvec (v) WITH (storage = 'mmap')");
check('CREATE INDEX again', 1);
$node->safe_psql('postgres', 'DROP TABLE a');
check('DROP TABLE', 0);

make_indexed('postgres', 'b');
my $before = query('postgres', 'b');
$node->safe_psql('postgres', 'BEGIN; DROP INDEX b_mm; ROLLBACK;');
check('ROLLBACK of DROP INDEX keeps the file', 1);
is(query('postgres', 'b'), $before, 'the index still answers after the rolled-back DROP');

$node->safe_psql('postgres', 'TRUNCATE b');
check('TRUNCATE (the empty index built anew)', 1);
$node->safe_psql('postgres', 'INSERT INTO b SELECT i, ARRAY[i % 7, i % 11, i % 13, i]::float4[]::vector FROM generate_series(1, 500) i');
is(query('postgres', 'b'), $before, 'the truncated and refilled index answers as before');

$node->safe_psql('postgres', 'REINDEX INDEX b_mm');
check('REINDEX INDEX', 1);
$node->safe_psql('postgres', 'REINDEX TABLE CONCURRENTLY b');
check('REINDEX TABLE CONCURRENTLY', 1);
$node->safe_psql('postgres', 'VACUUM FULL b');
check('VACUUM FULL', 1);
is(query('postgres', 'b'), $before, 'the rebuilt index answers as before');

$node->safe_psql('postgres', 'ALTER INDEX b_mm SET TABLESPACE ts');
check('ALTER INDEX SET TABLESPACE (before any query)', 0);
is(query('postgres', 'b'), $before, 'the moved index answers as before');
check('ALTER INDEX SET TABLESPACE (after a query)', 1);
ok((grep { m{pgsql_tmp_zvec_} } glob("$tsdir/*/*/*")), 'the new side file is in the tablespace');
$node->safe_psql('postgres', 'ALTER INDEX b_mm SET TABLESPACE pg_default');
query('postgres', 'b');
check('ALTER INDEX SET TABLESPACE back', 1);

$node->safe_psql('postgres', 'CREATE TABLE c (id int, v vector(4))');
$node->safe_psql('postgres', "BEGIN; INSERT INTO c SELECT i, ARRAY[i, 1, 2, 3]::float4[]::vector FROM generate_series(1, 100) i; CREATE INDEX c_mm ON c USING zvec (v) WITH (storage = 'mmap'); ROLLBACK;");
check('ROLLBACK of CREATE INDEX', 1);
$node->safe_psql('postgres', "INSERT INTO c SELECT i, ARRAY[i, 1, 2, 3]::float4[]::vector FROM generate_series(1, 100) i");
$node->safe_psql('postgres', "BEGIN; SAVEPOINT s; CREATE INDEX c_mm ON c USING zvec (v) WITH (storage = 'mmap'); ROLLBACK TO SAVEPOINT s; CREATE TABLE d (x int); COMMIT;");
check('ROLLBACK TO SAVEPOINT of CREATE INDEX', 1);
my ($ok, $out, $err) = ('', '', '');
$node->psql('postgres', "BEGIN; CREATE INDEX c_mm ON c USING zvec (v) WITH (storage = 'mmap'); SELECT 1/0; COMMIT;",
	stdout => \$out, stderr => \$err);
check('CREATE INDEX in a transaction that fails', 1);

make_indexed('other', 'e');
query('other', 'e');
check('an index in another database', 2);
$node->safe_psql('postgres', 'DROP DATABASE other');
check('DROP DATABASE', 1);

$node->safe_psql('postgres', q{
	CREATE TEMP TABLE tt (id int, v vector(4));
	INSERT INTO tt SELECT i, ARRAY[i % 7, i % 11, i % 13, i]::float4[]::vector FROM generate_series(1, 500) i;
	CREATE INDEX tt_mm ON tt USING zvec (v) WITH (storage = 'mmap');
});
check('an mmap index on a temporary table has no side file', 1);
is($node->safe_psql('postgres', q{
	CREATE TEMP TABLE tt (id int, v vector(4));
	INSERT INTO tt SELECT i, ARRAY[i % 7, i % 11, i % 13, i]::float4[]::vector FROM generate_series(1, 500) i;
	CREATE INDEX tt_mm ON tt USING zvec (v) WITH (storage = 'mmap');
	SET enable_seqscan = off;
	SELECT string_agg(id::text, ',') FROM (SELECT id FROM tt ORDER BY v <-> '[1,2,3,40]' LIMIT 5) s;
}), $before, 'an mmap index on a temporary table answers through the buffer pool');

$node->safe_psql('postgres', 'DROP EXTENSION zvec CASCADE');
check('DROP EXTENSION zvec CASCADE', 0);

$node->stop;
done_testing();
