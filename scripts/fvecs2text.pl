#!/usr/bin/env perl
# scripts/fvecs2text.pl
#	Print a TEXMEX .fvecs file as COPY text rows "id<TAB>[x,y,...]",
#	ids 0-based in file order (the numbering of groundtruth.ivecs).
#	Usage: fvecs2text.pl FILE [LIMIT]
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;

my ($file, $limit) = @ARGV;
die "usage: $0 FILE [LIMIT]\n" unless defined $file;
open(my $fh, '<:raw', $file) or die "could not open \"$file\": $!\n";
my $id = 0;
while (!defined $limit || $id < $limit)
{
	my $n = read($fh, my $head, 4);
	last if !$n;
	die "truncated header in $file\n" if $n != 4;
	my $dim = unpack('l<', $head);
	die "bad dimension $dim in $file\n" if $dim < 1 || $dim > 16000;
	read($fh, my $body, 4 * $dim) == 4 * $dim or die "truncated vector in $file\n";
	# %.9g keeps every float4 exact
	print $id++, "\t[", join(',', map { sprintf('%.9g', $_) } unpack("f<$dim", $body)), "]\n";
}
