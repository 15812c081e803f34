#!/usr/bin/env perl
# bench/report.pl
#	Turn the JSON lines of a bench/run into a markdown report, a CSV file
#	and one recall-vs-QPS plot per data set (gnuplot, when installed).
#	Usage: report.pl RESULTS.jsonl OUTPUT_STEM
#	writes OUTPUT_STEM.md, OUTPUT_STEM.csv, OUTPUT_STEM-<dataset>.png
#
# Copyright (c) 2026, the zvec developers
use strict;
use warnings;
use JSON::PP;
use File::Basename qw(basename);

my ($jsonl, $stem) = @ARGV;
die "usage: $0 RESULTS.jsonl OUTPUT_STEM\n" unless defined $stem;

# The recall at which QPS is compared (the issue's targets).
my $RECALL_TARGET = 0.95;

open(my $in, '<', $jsonl) or die "could not open \"$jsonl\": $!\n";
my @rows = map { decode_json($_) } grep { /\S/ } <$in>;
close($in);

# Search points measured several times (--repeat) become one row each:
# the repeat with the highest QPS, with its latencies (load from outside
# the benchmark only ever slows a run down, so the fastest repeat is the
# least disturbed one), and the mean recall; a seq-scan plan in any repeat
# marks the point.
{
	my (%groups, @order, @merged);
	for my $r (@rows)
	{
		if ($r->{mode} ne 'query')
		{
			push @merged, $r;
			next;
		}
		my $key = join('|', map { $r->{$_} // '' } qw(dataset config phase clients value));
		push @merged, $key unless $groups{$key};
		push @{ $groups{$key} }, $r;
	}
	@rows = map {
		my $g = ref $_ ? undef : $groups{$_};
		if (!$g)
		{
			$_;
		}
		else
		{
			my ($best) = sort { $b->{qps} <=> $a->{qps} } @$g;
			my %m = %$best;
			my $s = 0;
			$s += $_->{recall} for @$g;
			$m{recall} = $s / @$g;
			$m{repeats} = scalar @$g;
			my ($bad) = grep { defined $_->{plan} && $_->{plan} !~ /Index Scan/ } @$g;
			$m{plan} = $bad->{plan} if $bad;
			\%m;
		}
	} @merged;
}

my ($run) = grep { $_->{mode} eq 'run' } @rows;
die "$jsonl: no run header\n" unless $run;
my @datasets = grep { $_->{mode} eq 'dataset' } @rows;

# ---- CSV: every measurement, one row each -----------------------------------

my @csv_cols = qw(dataset config engine mode phase setting value clients recall qps
  p50_ms p99_ms mean_ms seconds rows rows_per_s hwm_kb workers workers_hwm_kb
  relation_bytes total_bytes repeats plan);
open(my $csv, '>', "$stem.csv") or die "could not create \"$stem.csv\": $!\n";
print $csv join(',', @csv_cols), "\n";
for my $r (grep { $_->{mode} !~ /^(run|dataset|floor)$/ } @rows)
{
	print $csv join(',', map { csv_field($r->{$_}) } @csv_cols), "\n";
}
close($csv);

# ---- helpers ------------------------------------------------------------------

# A CSV field: empty when undefined, quoted when it holds a comma or quote.
sub csv_field
{
	my ($v) = @_;
	return '' unless defined $v;
	return $v unless $v =~ /[,"\n]/;
	$v =~ s/"/""/g;
	return "\"$v\"";
}

# The rows of a data set matching every key => value given.
sub select_rows
{
	my ($ds, %want) = @_;
	return grep {
		my $r = $_;
		($r->{dataset} // '') eq $ds
		  && !grep { ($r->{$_} // '') ne $want{$_} } keys %want
	} @rows;
}

# The single row of a data set matching the keys, or undef.
sub one_row
{
	my @r = select_rows(@_);
	return $r[-1];
}

# Format a number with the given decimals, or a dash when undefined.
sub fmt
{
	my ($v, $dec) = @_;
	return '–' unless defined $v && $v ne '';
	return sprintf("%.${dec}f", $v);
}

# QPS at recall $target, interpolated linearly between the two sweep
# settings around it; undef when the sweep never reaches it.
sub qps_at_recall
{
	my ($target, @pts) = @_;
	@pts = sort { $a->{value} <=> $b->{value} } @pts;
	return undef unless @pts;
	return $pts[0]{qps} if $pts[0]{recall} >= $target;
	for my $i (1 .. $#pts)
	{
		my ($p, $q) = ($pts[$i - 1], $pts[$i]);
		next unless $q->{recall} >= $target;
		return $q->{qps} if $q->{recall} == $p->{recall};
		my $t = ($target - $p->{recall}) / ($q->{recall} - $p->{recall});
		$t = 0 if $t < 0;
		return $p->{qps} + $t * ($q->{qps} - $p->{qps});
	}
	return undef;
}

# The recall at which two sweeps are compared: the target, or the lowest
# recall either sweep measured when that is higher (a sweep whose cheapest
# setting already passes the target says nothing about QPS below it).
sub comparison_recall
{
	my ($x, $y) = @_;
	my $r = $RECALL_TARGET;
	for my $pts ($x, $y)
	{
		next unless @$pts;
		my ($low) = sort { $a <=> $b } map { $_->{recall} } @$pts;
		$r = $low if $low > $r;
	}
	return $r;
}

# True when a search measurement ran on its index (the prepared
# statement's plan after the warm-up was an index scan).  Runs where the
# planner chose a sequential scan are shown but left out of plots and ratios.
sub used_index
{
	my ($r) = @_;
	return 1 if $r->{config} =~ /seqscan/ || !defined $r->{plan};
	return $r->{plan} =~ /Index Scan/;
}

# The search measurements of a configuration that ran on its index.
sub index_points
{
	return grep { used_index($_) } select_rows(@_, mode => 'query');
}

# The pgvector configuration a zvec configuration is compared with.
sub counterpart
{
	my ($config) = @_;
	return 'pgvector-hnsw' if $config =~ /^zvec-hnsw/;
	return 'pgvector-ivfflat' if $config =~ /^zvec-ivf/;
	return undef;
}

# "x.xx" ratio of a to b, or a dash.
sub ratio
{
	my ($x, $y) = @_;
	return undef unless defined $x && defined $y && $y > 0;
	return $x / $y;
}

# ---- markdown -------------------------------------------------------------------

my $md = '';
my $machine = "$run->{cpu}, $run->{cores} cores, $run->{memory_gb} GB";
$md .= "# zvec benchmark $run->{stem}\n\n";
$md .= "- Machine: $machine\n";
$md .= "- PostgreSQL $run->{postgres}; zvec $run->{zvec} (commit $run->{zvec_commit}); "
  . ($run->{pgvector} ? "pgvector $run->{pgvector}" : "pgvector not installed: zvec alone") . "\n";
$md .= "- Server settings: `$run->{settings}`\n";
$md .= "- HNSW m = $run->{m}, ef_construction = $run->{ef_construction}; "
  . "search: prepared statement, k = 10, $run->{min_time} s per point after a warm-up pass"
  . (($run->{repeat} // 1) > 1 ? ", the fastest of $run->{repeat} interleaved repeats" : '') . "; "
  . "concurrent runs with $run->{clients} clients\n";
my ($floor) = grep { $_->{mode} eq 'floor' } @rows;
$md .= sprintf("- Per-query floor: a prepared `SELECT 1` runs at %.0f QPS (%.3f ms) from one client\n",
	$floor->{qps}, 1000 / $floor->{qps}) if $floor && $floor->{qps} > 0;
$md .= "- Started $run->{started}\n\n";

my %plots;
for my $d (@datasets)
{
	my $ds = $d->{dataset};
	my @configs = map { (split /\|/)[0] } grep { /\S/ } split /;\s*/, $d->{configs};
	my $nclients = $run->{clients};

	$md .= "## $ds\n\n$d->{description}. 90% of the rows are loaded with binary COPY before "
	  . "the build; the last 10% are then inserted one row per statement.\n\n";

	# Build and maintenance.
	$md .= "| index | build (s) | build, max_parallel_maintenance_workers = $run->{parallel_workers} (s) | size (MB) | build peak RSS (MB) | insert (rows/s) | vacuum (s) |\n";
	$md .= "|---|---:|---:|---:|---:|---:|---:|\n";
	my %m;
	for my $c (@configs)
	{
		my $bs = one_row($ds, config => $c, phase => 'build_serial', mode => 'exec');
		my $bp = one_row($ds, config => $c, phase => 'build_parallel', mode => 'exec');
		my $sz = one_row($ds, config => $c, phase => 'build_serial', mode => 'size');
		my $ins = one_row($ds, config => $c, phase => 'insert');
		my $vac = one_row($ds, config => $c, phase => 'vacuum');
		$m{$c} = {
			build => $bs ? $bs->{seconds} : undef,
			pbuild => $bp ? $bp->{seconds} : undef,
			size => $sz ? $sz->{total_bytes} : undef,
			hwm => $bs ? $bs->{hwm_kb} : undef,
			insert => $ins ? $ins->{rows_per_s} : undef,
			vacuum => $vac ? $vac->{seconds} : undef,
		};
		my $size = $sz ? fmt($sz->{total_bytes} / 1048576, 1)
		  . ($sz->{total_bytes} != $sz->{relation_bytes} ? sprintf(' (relation %.1f)', $sz->{relation_bytes} / 1048576) : '')
		  : '–';
		$md .= sprintf("| %s | %s | %s | %s | %s | %s | %s |\n", $c,
			fmt($m{$c}{build}, 2), fmt($m{$c}{pbuild}, 2), $size,
			$bs ? fmt($bs->{hwm_kb} / 1024, 0) : '–',
			fmt($m{$c}{insert}, 0), fmt($m{$c}{vacuum}, 3));
	}
	$md .= "\n";

	# Search sweeps.
	$md .= "| index | setting | recall@10 | QPS | p50 (ms) | p99 (ms) | QPS, $nclients clients | p50 (ms) | p99 (ms) | recall@10 after vacuum |\n";
	$md .= "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
	for my $c (@configs)
	{
		my @single = sort { $a->{value} <=> $b->{value} }
		  select_rows($ds, config => $c, phase => 'query', clients => 1);
		for my $s (@single)
		{
			my $multi = one_row($ds, config => $c, phase => 'query', clients => $nclients, value => $s->{value});
			$multi = undef if $nclients == 1;
			my $after = one_row($ds, config => $c, phase => 'after_vacuum', value => $s->{value});
			my $setting = $s->{setting} eq '-' ? 'exact scan' : "$s->{setting} = $s->{value}";
			$setting .= ' (planner chose a seq scan)' unless used_index($s);
			$md .= sprintf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
				$c, $setting,
				fmt($s->{recall}, 3), fmt($s->{qps}, 0), fmt($s->{p50_ms}, 3), fmt($s->{p99_ms}, 3),
				$multi ? fmt($multi->{qps}, 0) : '–', $multi ? fmt($multi->{p50_ms}, 3) : '–',
				$multi ? fmt($multi->{p99_ms}, 3) : '–', $after ? fmt($after->{recall}, 3) : '–');
		}
	}
	$md .= "\n";

	# Ratios against pgvector, with the issue's targets.
	my @pairs = grep { my $p = counterpart($_); grep { $_ eq $p } @configs } grep { /^zvec-/ } @configs;
	if (@pairs)
	{
		$md .= "zvec / pgvector.  QPS is compared at equal recall\@10, interpolated linearly along each sweep: "
		  . "at $RECALL_TARGET, or at the lowest recall a sweep measured when that is higher "
		  . "(its cheapest setting already passes $RECALL_TARGET).  Recall after vacuum: the mean difference "
		  . "over the settings both ran.  Points answered by a sequential scan are left out.\n\n";
		$md .= "| zvec index | vs | build | build, workers | size | QPS at recall 0.95 | the same, $nclients clients | insert rate | vacuum time | recall after vacuum (zvec − pgvector) |\n";
		$md .= "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
		for my $c (@pairs)
		{
			my $p = counterpart($c);
			my $qps_target = $c =~ /mmap/ ? 3 : $c =~ /ivf/ ? 1.5 : 2;
			my @q;
			for my $clients (1, $nclients)
			{
				my @zp = index_points($ds, config => $c, phase => 'query', clients => $clients);
				my @pp = index_points($ds, config => $p, phase => 'query', clients => $clients);
				my $at = comparison_recall(\@zp, \@pp);
				my $qz = qps_at_recall($at, @zp);
				my $qp = qps_at_recall($at, @pp);
				my $r = ratio($qz, $qp);
				my $both = sprintf('at recall %.3f: zvec %s, pgvector %s', $at,
					defined $qz ? fmt($qz, 0) : 'not reached', defined $qp ? fmt($qp, 0) : 'not reached');
				push @q, defined $r
				  ? sprintf('%.2f (%s%s)', $r, $clients == 1 ? sprintf('target >= %s: %s; ', $qps_target, $r >= $qps_target ? 'met' : 'missed') : '', $both)
				  : "– ($both)";
			}
			$q[1] = '–' if $nclients == 1;
			my @after_diff;
			for my $za (select_rows($ds, config => $c, phase => 'after_vacuum', mode => 'query'))
			{
				my $pa = one_row($ds, config => $p, phase => 'after_vacuum', value => $za->{value});
				push @after_diff, $za->{recall} - $pa->{recall} if $pa;
			}
			my $diff = @after_diff ? eval { my $s = 0; $s += $_ for @after_diff; $s / @after_diff } : undef;
			my $target = sub {
				my ($r, $op, $t) = @_;
				return '–' unless defined $r;
				my $ok = $op eq '<=' ? $r <= $t : $r >= $t;
				return sprintf('%.2f (target %s %s: %s)', $r, $op, $t, $ok ? 'met' : 'missed');
			};
			$md .= sprintf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
				$c, $p,
				$target->(ratio($m{$c}{build}, $m{$p}{build}), '<=', $c =~ /ivf/ ? 0.5 : 0.5),
				$target->(ratio($m{$c}{pbuild}, $m{$p}{pbuild}), '<=', 0.5),
				$target->(ratio($m{$c}{size}, $m{$p}{size}), '<=', 1.0),
				$q[0], $q[1],
				$target->(ratio($m{$c}{insert}, $m{$p}{insert}), '>=', 2),
				$target->(ratio($m{$c}{vacuum}, $m{$p}{vacuum}), '<=', 0.5),
				defined $diff ? sprintf('%+.3f', $diff) : '–');
		}
		$md .= "\n";
	}

	# The plot.
	my $png = "$stem-$ds.png";
	if (plot($ds, \@configs, $nclients, $png, "$d->{rows} x $d->{dim}"))
	{
		$md .= "![recall\@10 vs QPS on $ds](" . basename($png) . ")\n\n";
		$plots{$ds} = $png;
	}
}

open(my $out, '>', "$stem.md") or die "could not create \"$stem.md\": $!\n";
print $out $md;
close($out);

# Draw recall@10 against QPS, one curve per configuration and client
# count; returns true when a PNG was written.
sub plot
{
	my ($ds, $configs, $nclients, $png, $title) = @_;
	my (@series, $data);

	return 0 unless system('command -v gnuplot >/dev/null 2>&1') == 0;
	$data = '';
	for my $c (@$configs)
	{
		for my $clients ($nclients > 1 ? (1, $nclients) : (1))
		{
			my @pts = sort { $a->{value} <=> $b->{value} }
			  index_points($ds, config => $c, phase => 'query', clients => $clients);
			next unless @pts;
			my $name = sprintf('$d%d', scalar @series);
			$data .= "$name << EOD\n" . join('', map { "$_->{recall} $_->{qps}\n" } @pts) . "EOD\n";
			push @series, { config => $c, clients => $clients, name => $name };
		}
	}
	return 0 unless @series;
	my %color;
	my @palette = ('#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b');
	my @plots;
	for my $s (@series)
	{
		$color{$s->{config}} = $palette[scalar(keys %color) % @palette]
		  unless exists $color{$s->{config}};
		push @plots, sprintf("%s using 1:2 with linespoints lw 2 pt 7 dt %d lc rgb '%s' title '%s, %d client%s'",
			$s->{name}, $s->{clients} == 1 ? 1 : 2, $color{$s->{config}},
			$s->{config}, $s->{clients}, $s->{clients} == 1 ? '' : 's');
	}
	(my $m = $machine) =~ s/["\\]//g;
	my $script = $data
	  . "set terminal pngcairo size 1000,650 font 'sans,10'\n"
	  . "set output '$png'\n"
	  . "set title \"$ds ($title): recall\@10 against queries per second, k = 10\\n"
	  . "$m; single client solid, $nclients clients dashed\" noenhanced\n"
	  . "set xlabel 'recall\@10' noenhanced\nset ylabel 'queries per second (log scale)'\n"
	  . "set logscale y\nset grid\nset key left bottom noenhanced\n"
	  . "plot " . join(", \\\n  ", @plots) . "\n";
	open(my $gp, '|-', 'gnuplot') or return 0;
	print $gp $script;
	close($gp) or return 0;
	return -s $png ? 1 : 0;
}
