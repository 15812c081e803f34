# test/t/003_kernel_choice.pl
#	The server picks one distance-kernel set at load time, and
#	ZVEC_DISTANCE_KERNEL in the server's environment can force any set the
#	CPU supports (an unsupported or unknown name is ignored).  For every
#	set, SQL distances over 200 seeded random 300-dimension pairs agree with
#	the default set's within a relative 1e-5 of the sum of |terms|, and
#	short (3-dimension) distances are identical in every set that uses FMA.
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('kernels');
$node->init;
delete $ENV{ZVEC_DISTANCE_KERNEL};
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION zvec;
	SELECT setseed(0.5);
	CREATE TABLE pairs AS
		SELECT i,
		       (SELECT array_agg(random() * 2 - 1) FROM generate_series(1, 300) WHERE i > 0)::vector AS a,
		       (SELECT array_agg(random() * 2 - 1) FROM generate_series(1, 300) WHERE i > 0)::vector AS b
		FROM generate_series(1, 200) i;
});
my $default = $node->safe_psql('postgres', 'SELECT zvec_distance_kernel()');
like($default, qr/^(portable|avx2|avx512)$/, "default kernel set is $default");

my $q = q{SELECT i, a <-> b, a <#> b, a <=> b, a <+> b,
	sqrt((SELECT sum((x - y) ^ 2) FROM unnest(a::real[]) WITH ORDINALITY s(x, n)
	      JOIN unnest(b::real[]) WITH ORDINALITY t(y, m) ON n = m)),
	(SELECT sum(abs(x * y)) FROM unnest(a::real[]) WITH ORDINALITY s(x, n)
	      JOIN unnest(b::real[]) WITH ORDINALITY t(y, m) ON n = m)
	FROM pairs ORDER BY i};
my @base = map { [ split /\|/ ] } split /\n/, $node->safe_psql('postgres', $q);
is(scalar @base, 200, '200 pairs measured with the default set');

for my $name (qw(portable avx2 avx512 bogus))
{
	$ENV{ZVEC_DISTANCE_KERNEL} = $name;
	$node->restart;
	my $got_name = $node->safe_psql('postgres', 'SELECT zvec_distance_kernel()');
	if ($name eq 'bogus')
	{
		is($got_name, $default, 'an unknown name is ignored');
		next;
	}
	if ($got_name ne $name)
	{
		is($got_name, $default, "$name unsupported on this CPU: the default set stays");
		next;
	}
	pass("$name forced by ZVEC_DISTANCE_KERNEL");
	my @rows = map { [ split /\|/ ] } split /\n/, $node->safe_psql('postgres', $q);
	my $bad = 0;
	for my $r (0 .. $#rows)
	{
		my ($l2, $ip, $cos, $l1, $ref_l2, $sum_abs) = @{ $rows[$r] }[ 1 .. 6 ];
		my ($bl2, $bip, $bcos, $bl1) = @{ $base[$r] }[ 1 .. 4 ];
		$bad++ if abs($l2 - $bl2) > 1e-5 * $ref_l2;
		$bad++ if abs($ip - $bip) > 1e-5 * $sum_abs;
		$bad++ if abs($cos - $bcos) > 1e-5;
		$bad++ if abs($l1 - $bl1) > 1e-5 * $l1;
	}
	is($bad, 0, "$name: 300-dimension distances agree with $default within 1e-5");
	if ($name ne 'portable' && $default ne 'portable')
	{
		is($node->safe_psql('postgres', q{SELECT '[1.1,2.2,3.3]'::vector <=> '[-4.5,5.25,0.001]'}),
			'0.7679756318651609', "$name: short vectors fuse multiply-adds as pgvector's fma clones do");
	}
}
delete $ENV{ZVEC_DISTANCE_KERNEL};
$node->stop;
done_testing();
