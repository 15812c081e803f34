# test/t/002_vector_input_fuzz.pl
#	Feeds more than 500 malformed or hostile texts to vector_in and checks
#	each outcome against an independent model of the input grammar, read
#	left to right as pgvector does:
#	  ws "[" ws number ws ("," ws number ws)* "]" ws
#	where a number is what strtof accepts; a syntax error is 22P02, a
#	number that overflows float4 is 22003, NaN or infinity is 22000, "[]"
#	is 22000 and a 16,001st element is 54000 -- whichever comes first.
#	Inputs: every prefix of valid vectors, huge and tiny exponents,
#	100,000-character numbers, deeply repeated brackets, NUL-free junk
#	(control characters, multi-byte UTF-8), and 400 seeded random mutations
#	(seed 20261121).  Accepted inputs must round-trip through their text
#	output.  The server must survive all of it.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Encode qw(encode_utf8);
use ZvecTest qw(copy_rows_sql);

my $FLT_ROUND_TO_INF = 3.4028235677973366e38;	# FLT_MAX + half an ulp
my $MAX_DIM = 16000;

# The model: expected outcome "ok:<dims>" or "err:<sqlstate>".
sub expected
{
	my ($s) = @_;
	my $ws = qr/[ \t\n\r\x0b\f]*/;
	my $num = qr/[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
	pos($s) = 0;
	$s =~ /\G$ws/gc;
	return 'err:22P02' unless $s =~ /\G\[/gc;
	$s =~ /\G$ws/gc;
	return 'err:22000' if $s =~ /\G\]/gc;
	my $dims = 0;
	while (1)
	{
		return 'err:54000' if $dims == $MAX_DIM;
		$s =~ /\G$ws/gc;
		if ($s =~ /\G(?:[+-]?(?:nan|inf(?:inity)?))/gci)
		{
			return 'err:22000';
		}
		return 'err:22P02' unless $s =~ /\G($num)/gc;
		my $tok = $1;
		# strtof consumes an exponent marker only when digits follow,
		# which $num already requires.
		return 'err:22003' if abs($tok) >= $FLT_ROUND_TO_INF;
		$dims++;
		$s =~ /\G$ws/gc;
		next if $s =~ /\G,/gc;
		last if $s =~ /\G\]/gc;
		return 'err:22P02';
	}
	$s =~ /\G$ws/gc;
	return 'err:22P02' if pos($s) != length($s);
	return "ok:$dims";
}

# Deterministic generator (Park-Miller minimal standard), seed 20261121.
my $state = 20261121;
sub rnd
{
	my ($n) = @_;
	$state = ($state * 48271) % 2147483647;
	return $state % $n;
}

my @inputs;
for my $valid ('[1.5,-2,3e-2,4]', ' [ 0.25 , 1e+3 ,-7 ] ', '[1]')
{
	push @inputs, substr($valid, 0, $_) for 0 .. length($valid);
}
push @inputs, '', ' ', "\t\n", '[]', '[ ]', '[,]', '[1,]', '[,1]', '[1 2]', '[1,,2]',
  '[1]x', '[1] ]', '[1]]', '1,2,3', '{1,2,3}', '(1,2)', '[1;2]', '[--1]', '[1e]', '[1e+]',
  '[.]', '[+]', '[-.e5]', '[1.2.3]', '[0x]', '[1,2,3', "[1,2]\x{1}";
push @inputs, '[1e39]', '[-1e39]', '[3.5e38]', '[1e999999999999]', '[1e-999999]',
  '[-1e-50]', '[1,2,1e308]', '[340282346638528859811704183484516925440]',
  '[340282356779733661637539395458142568448]';
push @inputs, '[nan]', '[NaN]', '[-nan]', '[inf]', '[-inf]', '[Infinity]', '[-INFINITY]',
  '[1,nan]', '[1, Inf ,2]';
push @inputs, '[' . ('9' x 100000) . ']', '[0.' . ('0' x 100000) . '1]',
  '[' . ('1' x 100000) . 'e-99990]', '[' . ('1' x 50000) . '.' . ('2' x 50000) . ']',
  '[' . ('1,' x 50000) . '1]', '[' . join(',', (1) x $MAX_DIM) . ']',
  '[' . join(',', (1) x ($MAX_DIM + 1)) . ']', '[' . (' ' x 100000) . '1]';
push @inputs, '[' x $_, ']' x $_, ('[' x $_) . '1' . (']' x $_) for (2, 3, 10, 100, 1000, 10000);

# NUL-free junk: control characters, punctuation and multi-byte UTF-8.
my @alphabet = ((map { chr } 1 .. 8, 11 .. 31, 33 .. 90, 92 .. 126),
	"\x{e9}", "\x{6f22}", "\x{1f600}", "\x{2028}", ' ');
for my $i (1 .. 60)
{
	my $len = 1 + rnd(200);
	push @inputs, join('', map { $alphabet[ rnd(scalar @alphabet) ] } 1 .. $len);
}

# Seeded mutations of valid vectors (insert / delete / replace), over an
# alphabet without letters, so the model's number grammar is exact.
my @mut = split //, '0123456789.,-+eE[] ';
for my $i (1 .. 400)
{
	my @c = split //, '[' . join(',', map { (rnd(2000) - 1000) / 8 } 0 .. rnd(6)) . ']';
	for (0 .. rnd(3))
	{
		my $p = rnd(scalar @c + 1);
		my $op = rnd(3);
		if ($op == 0) { splice(@c, $p, 0, $mut[ rnd(scalar @mut) ]); }
		elsif ($op == 1 && @c) { splice(@c, $p % scalar @c, 1); }
		elsif (@c) { $c[ $p % scalar @c ] = $mut[ rnd(scalar @mut) ]; }
	}
	push @inputs, join('', @c);
}
cmp_ok(scalar @inputs, '>=', 500, 'at least 500 hostile inputs');

my $node = PostgreSQL::Test::Cluster->new('fuzz');
$node->init;
$node->start;
my $pid_before = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');

# Escape for COPY text format.
sub copy_escape
{
	my ($s) = @_;
	$s =~ s/\\/\\\\/g;
	$s =~ s/\t/\\t/g;
	$s =~ s/\n/\\n/g;
	$s =~ s/\r/\\r/g;
	return $s;
}
my $i = 0;
my @rows = map { [ $i++, encode_utf8(copy_escape($_)) ] } @inputs;
$node->safe_psql('postgres', qq{
CREATE EXTENSION zvec;
CREATE TABLE fuzz (i int PRIMARY KEY, s text);
CREATE FUNCTION try_vector(s text) RETURNS text LANGUAGE plpgsql AS \$\$
DECLARE v vector;
BEGIN
	v := s::vector;
	IF v::text::vector <> v OR v::text <> v::text::vector::text THEN
		RETURN 'roundtrip-mismatch';
	END IF;
	RETURN 'ok:' || vector_dims(v);
EXCEPTION WHEN OTHERS THEN
	RETURN 'err:' || SQLSTATE;
END \$\$;
} . copy_rows_sql('fuzz', \@rows));

my %got = map { split /\|/, $_, 2 } split /\n/,
  $node->safe_psql('postgres', 'SELECT i, try_vector(s) FROM fuzz ORDER BY i');

my %by_outcome;
my $wrong = 0;
for my $n (0 .. $#inputs)
{
	my $want = expected($inputs[$n]);
	my $have = $got{$n} // 'missing';
	$by_outcome{$want}++;
	next if $have eq $want;
	$wrong++;
	my $shown = length($inputs[$n]) > 60 ? substr($inputs[$n], 0, 60) . '...' : $inputs[$n];
	diag(sprintf('input %d (%d chars) "%s": expected %s, got %s', $n, length($inputs[$n]), $shown, $want, $have));
}
is($wrong, 0, 'every input gets the expected outcome and SQLSTATE');
note(join(', ', map { "$_: $by_outcome{$_}" } sort keys %by_outcome));
cmp_ok(scalar(grep { /^err:/ } map { expected($_) } @inputs), '>=', 400, 'most inputs are errors');
for my $state (qw(22P02 22003 22000 54000))
{
	ok($by_outcome{"err:$state"}, "the inputs exercise SQLSTATE $state");
}

is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $pid_before,
	'the server never restarted');
ok(slurp_file($node->logfile) !~ /terminated by signal|server process .* was terminated/,
	'no backend crashed');
$node->stop;
done_testing();
