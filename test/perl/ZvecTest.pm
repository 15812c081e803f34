# test/perl/ZvecTest.pm
#	Helpers shared by zvec's TAP tests: where the data sets live, TEXMEX
#	readers, vector text, COPY loading and recall arithmetic.
#
# Copyright (c) 2026, the zvec developers
package ZvecTest;

use strict;
use warnings;
use Exporter 'import';
use File::Basename qw(dirname);
use Cwd qw(abs_path);

our @EXPORT_OK = qw(data_dir read_fvecs read_ivecs vec_text copy_rows_sql
  load_fvecs_table l2sq);

# Directory holding siftsmall/: $ZVEC_DATA_DIR, else ../shared/data beside
# the checkout.
sub data_dir
{
	return $ENV{ZVEC_DATA_DIR} if $ENV{ZVEC_DATA_DIR};
	my $top = abs_path(dirname(__FILE__) . '/../..');
	return "$top/../shared/data";
}

# Read up to $limit records of int32 count + values; $fmt is 'f' or 'l'.
sub _read_vecs
{
	my ($file, $fmt, $limit) = @_;
	open(my $fh, '<:raw', $file) or die "could not open \"$file\": $!";
	my @rows;
	while (!defined $limit || @rows < $limit)
	{
		my $n = read($fh, my $head, 4);
		last if !$n;
		my $d = unpack('l<', $head);
		read($fh, my $body, 4 * $d) == 4 * $d or die "truncated $file";
		push @rows, [ unpack("$fmt<$d", $body) ];
	}
	close $fh;
	return \@rows;
}

# Vectors of a .fvecs file, as array refs of floats.
sub read_fvecs { return _read_vecs($_[0], 'f', $_[1]); }

# Id lists of a .ivecs file.
sub read_ivecs { return _read_vecs($_[0], 'l', $_[1]); }

# The vector text form of an array ref; %.9g keeps every float4 exact.
sub vec_text
{
	return '[' . join(',', map { sprintf('%.9g', $_) } @{ $_[0] }) . ']';
}

# SQL that COPYs rows (array refs of already-formatted column values)
# into $table through psql's inline COPY data.
sub copy_rows_sql
{
	my ($table, $rows) = @_;
	my $sql = "COPY $table FROM STDIN;\n";
	$sql .= join("\t", @$_) . "\n" for @$rows;
	return $sql . "\\.\n";
}

# Create $table (id bigint primary key, embedding vector(dim)) and load the
# vectors with ids 0..n-1.
sub load_fvecs_table
{
	my ($node, $db, $table, $vecs) = @_;
	my $dim = scalar @{ $vecs->[0] };
	my $i = 0;
	my @rows = map { [ $i++, vec_text($_) ] } @$vecs;
	$node->safe_psql($db,
		"CREATE TABLE $table (id bigint PRIMARY KEY, embedding vector($dim));\n"
		  . copy_rows_sql($table, \@rows));
	return;
}

# Squared L2 distance in double precision.
sub l2sq
{
	my ($a, $b) = @_;
	my $s = 0;
	for my $i (0 .. $#$a)
	{
		my $d = $a->[$i] - $b->[$i];
		$s += $d * $d;
	}
	return $s;
}

1;
