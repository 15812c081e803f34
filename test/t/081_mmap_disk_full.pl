# test/t/081_mmap_disk_full.pl
#	A full disk while an mmap side file is written, simulated with a
#	file-size limit (RLIMIT_FSIZE) on one backend: the test lowers that
#	backend's soft limit with prlimit(1), run through COPY ... TO PROGRAM
#	from the backend itself.  PostgreSQL ignores SIGXFSZ, so a write past
#	the limit fails with EFBIG as a write to a full disk fails with
#	ENOSPC (a write cut short at the limit is reported as ENOSPC).  The cluster has 1 MB WAL segments, so WAL writes stay below
#	the limits used (1.5 MB and 0 bytes: the first write fails).  For an
#	HNSW and an IVF (lists = 20) index with storage = 'mmap' on 10,000
#	random 128-dimension vectors (setseed(0.25); side files of several MB):
#	  - CREATE INDEX under the 1.5 MB limit fails with a clean ERROR (no
#	    crash), leaves no index in the catalog and no side file (nor its
#	    .tmp) behind, and succeeds once the limit is lifted;
#	  - with the side file removed, a backend under each limit rebuilds
#	    it on its first scan, cannot write it, and warns ("could not
#	    write zvec side file") once; the query still returns exactly what
#	    the index returned with its image (IVF at probes = lists: exactly
#	    the sequential scan's rows), by reading the relation through the
#	    buffer pool; no side file and no partial .tmp remain; the backend
#	    survives;
#	  - in the same backend, once its limit is lifted, the index keeps
#	    answering correctly (it retries writing the image only after a
#	    minute, which this test does not wait for);
#	  - a backend without the limit rebuilds the image: the file exists,
#	    a scan then touches few shared buffers (it reads the image), and
#	    the results are unchanged; zvec_verify(index, true) returns no row;
#	  - the server log shows no crash and no PANIC.
#	Skipped where prlimit(1) is missing or the file-size limit is below
#	256 MB.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use ZvecTest qw(vec_text);
use ZvecIndexTest qw(top_k flat side_file buffers_touched);

my $prlimit = `command -v prlimit 2>/dev/null`;
chomp $prlimit;
plan skip_all => 'prlimit(1) not found' unless $prlimit;
my $soft = `prlimit --pid $$ --fsize --raw --noheadings -o SOFT 2>/dev/null`;
chomp $soft;
plan skip_all => "file-size limit too low to start from ($soft)"
  unless $soft eq 'unlimited' || ($soft =~ /^\d+$/ && $soft >= 256 * 1024 * 1024);

my $dim = 128;
my $k = 10;
my $lists = 20;
my $limit = 1536 * 1024;

my $node = PostgreSQL::Test::Cluster->new('disk_full');
$node->init(extra => ['--wal-segsize=1']);
$node->append_conf('postgresql.conf', "shared_buffers = 64MB\nautovacuum = off\n");
$node->start;
$node->safe_psql('postgres', qq{
	CREATE EXTENSION zvec;
	SELECT setseed(0.25);
	CREATE TABLE items (id int PRIMARY KEY, v vector($dim));
	INSERT INTO items SELECT i, (SELECT array_agg(round(random() * 100)) FROM generate_series(1, $dim) WHERE i > 0)::vector
		FROM generate_series(1, 10000) i;
	VACUUM ANALYZE items;
});
srand(81);
my @queries = map { [ map { int(rand(100)) } 1 .. $dim ] } 1 .. 8;

# SQL that sets this backend's soft file-size limit (bytes or unlimited).
sub set_limit_sql
{
	my ($bytes) = @_;
	return "COPY (SELECT 1) TO PROGRAM 'prlimit --pid \$PPID --fsize=$bytes:';\n";
}

# Side files of the cluster, .tmp ones included, as file names.
sub files_left
{
	my @f = map { s{.*/}{}r } glob($node->data_dir . '/base/*/pgsql_tmp_zvec_*');
	return join(' ', sort @f);
}

# Run SQL in one session; return (exit code, stdout, stderr).
sub session
{
	my ($sql) = @_;
	my ($out, $err) = ('', '');
	my $rc = $node->psql('postgres', $sql, stdout => \$out, stderr => \$err);
	return ($rc, $out, $err);
}

for my $alg ('hnsw', 'ivf')
{
	my $opts = "storage = 'mmap'" . ($alg eq 'ivf' ? ", algorithm = 'ivf', lists = $lists" : '');
	my $settings = 'SET enable_seqscan = off; ' . ($alg eq 'ivf' ? "SET zvec.probes = $lists;" : 'SET zvec.ef_search = 100;');
	my $create = "CREATE INDEX items_idx ON items USING zvec (v) WITH ($opts);";

	# a build that runs out of space
	my $log_offset = -s $node->logfile;
	my ($rc, $out, $err) = session(set_limit_sql($limit) . $create);
	isnt($rc, 0, "$alg: CREATE INDEX under a $limit-byte file-size limit fails");
	like($err, qr/ERROR:  could not (extend|write)[^\n]*File too large/, "$alg: ... with an ERROR naming the full file");
	is($node->safe_psql('postgres', "SELECT count(*) FROM pg_class WHERE relname = 'items_idx'"), '0',
		"$alg: no index is left in the catalog");
	is(files_left(), '', "$alg: no side file (nor .tmp) is left behind");
	ok(!$node->log_contains(qr/terminated by signal|PANIC/, $log_offset), "$alg: the failed build crashed nothing");

	$node->safe_psql('postgres', $create);
	my $path = side_file($node, 'items_idx');
	ok(-f $path, "$alg: once space returns the build succeeds and writes its side file");
	my $baseline = flat(top_k($node, \@queries, column => 'v', k => $k, settings => $settings));
	if ($alg eq 'ivf')
	{
		is($baseline, flat(top_k($node, \@queries, column => 'v', k => $k, settings => 'SET enable_indexscan = off;')),
			"$alg: with its image, probes = lists returns the exact rows");
	}

	for my $bytes (0, $limit)
	{
		my $what = "$alg, side file removed, backend limited to $bytes bytes";
		unlink $path if -e $path;
		$log_offset = -s $node->logfile;
		my $sql = set_limit_sql($bytes) . "$settings\n";
		my $v = "'" . vec_text($queries[0]) . "'";
		$sql .= "SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY v <-> $v LIMIT $k) s;\n";
		($rc, $out, $err) = session($sql);
		is($rc, 0, "$what: the query succeeds");
		like($err, qr/WARNING:  could not write zvec side file[^\n]*(File too large|No space left on device)/,
			"$what: writing the image fails with a warning");
		my @warnings = $err =~ /WARNING/g;
		is(scalar(@warnings), 1, "$what: the warning is given once");
		my ($want) = $baseline =~ /(?:^|;)0=([^;]*)/;
		is($out, join(',', map { (split /:/)[0] } split /,/, $want), "$what: the rows are those the image gave");
		is(files_left(), '', "$what: neither the side file nor a partial .tmp is left");
		ok(!$node->log_contains(qr/terminated by signal|PANIC/, $log_offset), "$what: no backend crashed");

		# the same backend, the limit lifted: every query still right
		my $all = top_k($node, \@queries, column => 'v', k => $k,
			settings => set_limit_sql($bytes) . $settings
			  . "DO \$\$BEGIN PERFORM id FROM items ORDER BY v <-> $v LIMIT 1; END\$\$;\n"
			  . set_limit_sql($soft));
		is(flat($all), $baseline, "$what: after the limit is lifted the same backend answers every query as before");
	}

	ok(!-e $path, "$alg: no image yet");
	my $b = buffers_touched($node, "SELECT id FROM items ORDER BY v <-> '" . vec_text($queries[1]) . "' LIMIT $k");
	ok(-f $path, "$alg: a backend with room rebuilds the side file");
	cmp_ok($b, '<', 40, "$alg: and reads it ($b shared buffers touched)");
	is(flat(top_k($node, \@queries, column => 'v', k => $k, settings => $settings)), $baseline,
		"$alg: results from the rebuilt image are unchanged");
	is($node->safe_psql('postgres', "SELECT count(*) FROM zvec_verify('items_idx', true)"), '0',
		"$alg: zvec_verify finds no problem");
	$node->safe_psql('postgres', 'DROP INDEX items_idx');
}

ok(!$node->log_contains(qr/terminated by signal|PANIC|TRAP:/), 'the server log shows no crash');
$node->stop;

done_testing();
