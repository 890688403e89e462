#!/usr/bin/env bash
# bench/plots/plot.sh NAME CSV PNG — draws one benchmark's CSV (as bench/run.sh writes it) into a
# PNG with gnuplot (Debian gnuplot-nox). Columns are found by their header names.
set -euo pipefail
name="$1" csv="$2" png="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# column CSV NAME...: prints the named columns (tab-separated) of every data row; quoted fields
# may not contain commas.
columns() {
  local file="$1"; shift
  awk -F',' -v want="$*" '
    BEGIN { n = split(want, names, " ") }
    !header && /^name,|^[a-z_]+,/ { for (i = 1; i <= NF; i++) { gsub(/"/, "", $i); idx[$i] = i }; header = 1; next }
    header { line = ""; for (k = 1; k <= n; k++) { v = $(idx[names[k]]); gsub(/"/, "", v); line = line (k > 1 ? "\t" : "") v }; print line }' "$file"
}

common="set terminal pngcairo size 1100,520 font 'DejaVu Sans,10'
set output '$png'
set grid ytics; set key outside right top; set border 3; set tics nomirror"

# draw SCRIPT: runs a gnuplot script after the common settings.
draw() {
  printf '%s\n%s\n' "$common" "$1" > "$work/plot.gp"
  gnuplot "$work/plot.gp"
}

case "$name" in
  packet_cost)
    columns "$csv" case ratio bar ns_per_packet > "$work/d"
    draw "
      set datafile separator tab
      set title 'Per-packet cost (BPF\\_PROG\\_RUN): ratio to the floor of the same kind, lower is better'
      set style data histograms; set style fill solid 0.8 border -1; set boxwidth 0.7
      set xtics rotate by -30 left font ',8'; set ylabel 'ns per packet / floor'
      set bmargin 9; set yrange [0:*]; set key left top inside
      plot '$work/d' using 2:xtic(1) title 'Sluice or floor' lc rgb '#3b7dd8', \
           1.5 with lines dt 2 lc rgb '#2a9d3a' title 'bar: established ≤ 1.5×', \
           2.5 with lines dt 2 lc rgb '#d9822b' title 'bar: new connection ≤ 2.5×'"
    ;;
  mpps)
    # Long (config, traffic, mpps) → one row per traffic, a column per configuration.
    columns "$csv" traffic config mpps |
      awk -F'\t' '{ v[$1 "|" $2] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
        END { for (i = 1; i <= n; i++) { t = order[i]; printf "%s\t%s\t%s\t%s\t%s\n", t,
                (v[t "|ceiling"] == "" ? "NaN" : v[t "|ceiling"]), (v[t "|sluice"] == "" ? "NaN" : v[t "|sluice"]),
                (v[t "|iptables"] == "" ? "NaN" : v[t "|iptables"]), (v[t "|nftables"] == "" ? "NaN" : v[t "|nftables"]) } }' \
      > "$work/d"
    draw "
      set datafile separator tab
      set title 'Packets per second through veth, 64-byte frames (higher is better; log scale)'
      set style data histograms; set style histogram clustered gap 1; set style fill solid 0.85 border -1
      set logscale y; set ylabel 'Mpps delivered'; set yrange [0.01:*]
      plot '$work/d' using 2:xtic(1) title 'ceiling (XDP MAC swap)' lc rgb '#9a9a9a', \
           '' using 3 title 'Sluice' lc rgb '#3b7dd8', \
           '' using 4 title 'iptables (kube-proxy)' lc rgb '#d9822b', \
           '' using 5 title 'nftables (kube-proxy)' lc rgb '#8c5bb5'"
    ;;
  programming)
    columns "$csv" measure value unit > "$work/all"
    awk -F'\t' '$1 == "full sync" { print "Sluice\t" $2 } $1 ~ /\(peer\)$/ { sub(/ \(peer\)/, "", $1); print $1 "\t" $2 }' "$work/all" > "$work/d"
    awk -F'\t' '$1 ~ /^one endpoint|^one service/ { print $1 "\t" $2 }' "$work/all" > "$work/e"
    draw "
      set datafile separator tab
      set multiplot layout 1,2 title 'Programming the same services (lower is better)'
      set style data histograms; set style fill solid 0.85 border -1; set boxwidth 0.6
      set title 'Full sync from empty (log scale)'; set logscale y; set ylabel 'seconds'
      plot '$work/d' using 2:xtic(1) notitle lc rgb '#3b7dd8'
      set title 'Sluice: one change reaches the data plane (log scale)'; set ylabel 'ms'; set yrange [0.01:30]
      set xtics rotate by -20 left; set key left top inside
      plot '$work/e' using 2:xtic(1) notitle lc rgb '#2a9d3a', 10 with lines dt 2 lc rgb '#d9822b' title 'bar: one endpoint p99 ≤ 10 ms'
      unset multiplot"
    ;;
  maglev)
    # Google Benchmark's CSV: name like BM_MaglevBuild/M:65537/N:1000[_median].
    # The disruption runs are in <csv>_disruption.csv (their counters differ from the builds').
    { columns "$csv" name real_time moved_% must_move_%
      columns "${csv%.csv}_disruption.csv" name real_time moved_% must_move_%; } |
      awk -F'\t' '$1 ~ /_(mean|stddev|cv)$/ { next }
        { n = $1; sub(/_median$/, "", n); split(n, p, "/"); m = p[2]; sub(/M:/, "", m); k = p[3]; sub(/N:/, "", k)
          if (p[1] == "BM_MaglevBuild") print m "\t" k "\t" $2 > "'"$work"'/build"
          else if (p[1] == "BM_MaglevBuildWeighted") print m "\t" k "\t" $2 > "'"$work"'/weighted"
          else if (p[1] == "BM_MaglevDisruption") { r = p[4]; sub(/removed%:/, "", r); print "N=" k ", " r "% leave\t" $4 "\t" $3 > "'"$work"'/moved" } }'
    printf '65537\t1.8\n' > "$work/paper"  # the Maglev paper's figure (NSDI 2016, §5.3)
    for f in build weighted; do
      for n in 100 1000; do awk -F'\t' -v n=$n '$2 == n' "$work/$f" | sort -n > "$work/$f.$n"; done
    done
    draw "
      set datafile separator tab
      set multiplot layout 1,2 title 'Maglev tables'
      set title 'Build time (lower is better)'; set logscale xy; set xlabel 'table size M'; set ylabel 'ms'
      set key left top inside
      plot '$work/build.100' using 1:3 with linespoints title 'N = 100' lc rgb '#3b7dd8', \
           '$work/build.1000' using 1:3 with linespoints title 'N = 1000' lc rgb '#1d4f91', \
           '$work/weighted.100' using 1:3 with linespoints title 'N = 100, weights 1–4' lc rgb '#d9822b' dt 2, \
           '$work/weighted.1000' using 1:3 with linespoints title 'N = 1000, weights 1–4' lc rgb '#a0521a' dt 2, \
           '$work/paper' using 1:2 with points pt 7 ps 1.5 lc rgb 'black' title 'Maglev paper: M = 65537, N = 1000'
      unset logscale; unset xlabel; set title 'Entries moved when backends leave (M = 65537)'
      set style data histograms; set style histogram clustered gap 1; set style fill solid 0.85 border -1
      set ylabel '% of entries'; set yrange [0:*]; set xtics rotate by -20 left font ',8'; set key left top inside
      plot '$work/moved' using 2:xtic(1) title 'must move (their share)' lc rgb '#9a9a9a', '' using 3 title 'moved' lc rgb '#3b7dd8'
      unset multiplot"
    ;;
  scaling)
    columns "$csv" services config p99_us p50_us conn_per_s > "$work/all"
    for c in sluice iptables nftables; do awk -F'\t' -v c=$c '$2 == c' "$work/all" | sort -n > "$work/$c"; done
    draw "
      set datafile separator tab
      set multiplot layout 1,2 title 'Service-count scaling, 4 endpoints each'
      set logscale x; set xlabel 'services'; set key left top inside
      set title 'First-packet connect latency p99 (lower is better)'; set ylabel 'µs'; set yrange [0:*]
      plot '$work/sluice' using 1:3 with linespoints title 'Sluice' lc rgb '#3b7dd8', \
           '$work/iptables' using 1:3 with linespoints title 'iptables' lc rgb '#d9822b', \
           '$work/nftables' using 1:3 with linespoints title 'nftables' lc rgb '#8c5bb5'
      set title 'New connections per second (higher is better)'; set ylabel 'connections/s'
      plot '$work/sluice' using 1:5 with linespoints title 'Sluice' lc rgb '#3b7dd8', \
           '$work/iptables' using 1:5 with linespoints title 'iptables' lc rgb '#d9822b', \
           '$work/nftables' using 1:5 with linespoints title 'nftables' lc rgb '#8c5bb5'
      unset multiplot"
    ;;
  *) echo "plot.sh: no plot for '$name'" >&2; exit 2 ;;
esac
