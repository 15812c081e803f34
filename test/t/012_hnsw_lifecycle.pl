# test/t/012_hnsw_lifecycle.pl
#	DDL leaves a zvec HNSW index in a working state, and no mmap side file
#	outlives its index.  Run once with storage = 'bufferpool' and once
#	with storage = 'mmap', each in a fresh cluster.  After each statement
#	below:
#	  - the side files in the cluster (pgsql_tmp_zvec_* in every database
#	    directory, default and other tablespaces) are counted and matched
#	    to the relfilenodes of live mmap indexes: none may belong to
#	    anything else, an mmap index that has been queried has its file,
#	    and a bufferpool index never has one;
#	  - where the index still exists, an index scan (planned as such)
#	    returns exactly the exact nearest rows of a sequential scan, and a
#	    row inserted afterwards is found through the index.
#	  DROP INDEX; DROP TABLE; ROLLBACK of DROP INDEX (the index and its
#	  file stay); TRUNCATE; REINDEX INDEX; REINDEX TABLE CONCURRENTLY;
#	  VACUUM FULL; ALTER INDEX SET TABLESPACE (and back); ROLLBACK of
#	  CREATE INDEX; ROLLBACK TO SAVEPOINT of CREATE INDEX; CREATE INDEX in
#	  a transaction that fails; DROP DATABASE; an index on a temporary
#	  table (no side file, correct results through the buffer pool); DROP
#	  EXTENSION CASCADE.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZvecIndexTest qw(storages index_with side_files);

my $query_vec = '[1,2,3,40]';

for my $storage (storages())
{
	my $mm = $storage eq 'mmap';
	my $with = index_with($storage);
	my $node = PostgreSQL::Test::Cluster->new("lifecycle_$storage");
	$node->init;
	$node->start;
	my $tsdir = PostgreSQL::Test::Utils::tempdir();
	$node->safe_psql('postgres', "CREATE TABLESPACE ts LOCATION '$tsdir'");
	$node->safe_psql('postgres', 'CREATE DATABASE other');
	$node->safe_psql($_, 'CREATE EXTENSION zvec') for qw(postgres other);
	my $next_id = 100000;

	# "dboid/relfilenode" of every live mmap index in the cluster.
	my $live_mmap_indexes = sub {
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
	};

	# After a statement: no orphaned file; $expect files for mmap, none for bufferpool.
	my $check = sub {
		my ($what, $expect) = @_;
		$expect = 0 unless $mm;
		my %live = map { $_ => 1 } $live_mmap_indexes->();
		my @files = side_files($node);
		my @orphans = grep { !$live{$_} } @files;
		is(scalar(@orphans), 0, "$storage: $what: no side file without its index" . (@orphans ? " (@orphans)" : ''));
		is(scalar(@files), $expect, "$storage: $what: $expect side file(s) in the cluster");
	};

	# A table with vectors and an index on it, in database $db.
	my $make_indexed = sub {
		my ($db, $table) = @_;
		$node->safe_psql($db, qq{
			CREATE TABLE $table (id int, v vector(4));
			INSERT INTO $table SELECT i, ARRAY[i % 7, i % 11, i % 13, i]::float4[]::vector FROM generate_series(1, 500) i;
			CREATE INDEX ${table}_idx ON $table USING zvec (v) WITH ($with);
		});
	};

	# The index answers exactly as a sequential scan does, before and after
	# an insert it must find; an index scan of it makes an mmap image exist.
	my $works = sub {
		my ($what, $db, $table, $prefix) = @_;
		$prefix //= '';
		my $q = "SELECT string_agg(id::text, ',') FROM (SELECT id FROM $table ORDER BY v <-> '$query_vec' LIMIT 5) s";
		like($node->safe_psql($db, "$prefix SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM $table ORDER BY v <-> '$query_vec' LIMIT 5"),
			qr/Index Scan using ${table}_idx/, "$storage: $what: the query scans the index");
		my $via_index = $node->safe_psql($db, "$prefix SET enable_seqscan = off; $q");
		my $exact = $node->safe_psql($db, "$prefix SET enable_indexscan = off; $q");
		like($via_index, qr/^\d+(,\d+){4}$/, "$storage: $what: the index returns 5 rows");
		is($via_index, $exact, "$storage: $what: the index returns the exact nearest rows");
		my $id = $next_id++;
		my $v = "[200,200,200,$id]";
		is($node->safe_psql($db, "$prefix INSERT INTO $table VALUES ($id, '$v'); SET enable_seqscan = off; "
			  . "SELECT id FROM $table ORDER BY v <-> '$v' LIMIT 1"), $id,
			"$storage: $what: a row inserted afterwards is found through the index");
	};

	$check->('empty cluster', 0);

	$make_indexed->('postgres', 'a');
	$check->('CREATE INDEX', 1);
	$works->('CREATE INDEX', 'postgres', 'a');
	$node->safe_psql('postgres', 'DROP INDEX a_idx');
	$check->('DROP INDEX', 0);

	$node->safe_psql('postgres', "CREATE INDEX a_idx ON a USING zvec (v) WITH ($with)");
	$check->('CREATE INDEX again', 1);
	$works->('CREATE INDEX again', 'postgres', 'a');
	$node->safe_psql('postgres', 'DROP TABLE a');
	$check->('DROP TABLE', 0);

	$make_indexed->('postgres', 'b');
	$works->('a new index', 'postgres', 'b');
	$node->safe_psql('postgres', 'BEGIN; DROP INDEX b_idx; ROLLBACK;');
	$check->('ROLLBACK of DROP INDEX keeps the file', 1);
	$works->('ROLLBACK of DROP INDEX', 'postgres', 'b');

	$node->safe_psql('postgres', 'TRUNCATE b');
	$check->('TRUNCATE (the empty index built anew)', 1);
	is($node->safe_psql('postgres', "SET enable_seqscan = off; SELECT count(*) FROM (SELECT id FROM b ORDER BY v <-> '$query_vec' LIMIT 5) s"),
		'0', "$storage: TRUNCATE: the emptied index returns no row");
	$node->safe_psql('postgres', 'INSERT INTO b SELECT i, ARRAY[i % 7, i % 11, i % 13, i]::float4[]::vector FROM generate_series(1, 500) i');
	$works->('TRUNCATE and refill', 'postgres', 'b');

	$node->safe_psql('postgres', 'REINDEX INDEX b_idx');
	$check->('REINDEX INDEX', 1);
	$works->('REINDEX INDEX', 'postgres', 'b');
	$node->safe_psql('postgres', 'REINDEX TABLE CONCURRENTLY b');
	$check->('REINDEX TABLE CONCURRENTLY', 1);
	$works->('REINDEX TABLE CONCURRENTLY', 'postgres', 'b');
	$node->safe_psql('postgres', 'DELETE FROM b WHERE id % 3 = 0; VACUUM FULL b');
	$check->('VACUUM FULL', 1);
	$works->('VACUUM FULL', 'postgres', 'b');

	$node->safe_psql('postgres', 'ALTER INDEX b_idx SET TABLESPACE ts');
	$check->('ALTER INDEX SET TABLESPACE (before any query)', 0);
	$works->('ALTER INDEX SET TABLESPACE', 'postgres', 'b');
	$check->('ALTER INDEX SET TABLESPACE (after a query)', 1);
	is(scalar(grep { m{pgsql_tmp_zvec_} } glob("$tsdir/*/*/*")), $mm ? 1 : 0,
		"$storage: the tablespace holds " . ($mm ? 'the new side file' : 'no side file'));
	$node->safe_psql('postgres', 'ALTER INDEX b_idx SET TABLESPACE pg_default');
	$works->('ALTER INDEX SET TABLESPACE back', 'postgres', 'b');
	$check->('ALTER INDEX SET TABLESPACE back', 1);

	$node->safe_psql('postgres', 'CREATE TABLE c (id int, v vector(4))');
	$node->safe_psql('postgres', "BEGIN; INSERT INTO c SELECT i, ARRAY[i % 7, i % 11, i % 13, i]::float4[]::vector FROM generate_series(1, 100) i; "
		  . "CREATE INDEX c_idx ON c USING zvec (v) WITH ($with); ROLLBACK;");
	$check->('ROLLBACK of CREATE INDEX', 1);
	$node->safe_psql('postgres', 'INSERT INTO c SELECT i, ARRAY[i % 7, i % 11, i % 13, i]::float4[]::vector FROM generate_series(1, 100) i');
	$node->safe_psql('postgres', "BEGIN; SAVEPOINT s; CREATE INDEX c_idx ON c USING zvec (v) WITH ($with); "
		  . "ROLLBACK TO SAVEPOINT s; CREATE TABLE d (x int); COMMIT;");
	$check->('ROLLBACK TO SAVEPOINT of CREATE INDEX', 1);
	my ($out, $err) = ('', '');
	$node->psql('postgres', "BEGIN; CREATE INDEX c_idx ON c USING zvec (v) WITH ($with); SELECT 1/0; COMMIT;",
		stdout => \$out, stderr => \$err);
	$check->('CREATE INDEX in a transaction that fails', 1);
	is($node->safe_psql('postgres', "SELECT count(*) FROM pg_class WHERE relname = 'c_idx'"), '0',
		"$storage: no rolled-back index remains in the catalog");
	$node->safe_psql('postgres', "CREATE INDEX c_idx ON c USING zvec (v) WITH ($with)");
	$works->('CREATE INDEX after the rolled-back ones', 'postgres', 'c');
	$check->('CREATE INDEX after the rolled-back ones', 2);

	$make_indexed->('other', 'e');
	$works->('an index in another database', 'other', 'e');
	$check->('an index in another database', 3);
	$node->safe_psql('postgres', 'DROP DATABASE other');
	$check->('DROP DATABASE', 2);
	$works->('the other database dropped', 'postgres', 'b');

	my $temp = qq{
		CREATE TEMP TABLE tt (id int, v vector(4));
		INSERT INTO tt SELECT i, ARRAY[i % 7, i % 11, i % 13, i]::float4[]::vector FROM generate_series(1, 500) i;
		CREATE INDEX tt_idx ON tt USING zvec (v) WITH ($with);
	};
	$works->('an index on a temporary table', 'postgres', 'tt', $temp);
	$check->('an index on a temporary table has no side file', 2);

	$node->safe_psql('postgres', 'DROP EXTENSION zvec CASCADE');
	$check->('DROP EXTENSION zvec CASCADE', 0);
	is($node->safe_psql('postgres', "SELECT count(*) FROM pg_class WHERE relname IN ('b_idx', 'c_idx')"), '0',
		"$storage: DROP EXTENSION CASCADE dropped the indexes");

	$node->stop;
}

done_testing();
