#!/usr/bin/env bash
# Every benchmark of bench/ (issue 6), or the ones named, each beside its peers in the same run:
#
#   sudo bench/run.sh                          all of them (about 25 minutes; the nft -f peer of
#                                              `programming` alone takes ~3 minutes)
#   sudo bench/run.sh mpps scaling             only these
#   sudo bench/run.sh --quick                  short windows, small sizes: a smoke run (minutes)
#
# Benchmarks: maglev packet_cost mpps programming scaling. Each prints its table; the run writes
# bench/results/<name>.txt (the output), <name>.csv and <name>.png (a plot), and rewrites the
# benchmark's "latest run" block in bench/RESULTS.md with the command, machine and commit.
# Installs what is missing (scripts/install-deps.sh) and builds first. Root: BPF, namespaces.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
need_root "bench/run.sh"

all=(maglev packet_cost mpps programming scaling)
quick=0
chosen=()
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    maglev | packet_cost | mpps | programming | scaling) chosen+=("$arg") ;;
    *) echo "bench/run.sh: unknown benchmark or flag '$arg' (known: ${all[*]} --quick)" >&2; exit 2 ;;
  esac
done
((${#chosen[@]})) || chosen=("${all[@]}")

"$repo/scripts/install-deps.sh"
targets=()
for name in "${chosen[@]}"; do
  case "$name" in
    maglev) targets+=(maglev_bench) ;;
    packet_cost) targets+=(packet_cost) ;;
    mpps) targets+=(mpps_bench) ;;
    programming) targets+=(programming_latency) ;;
    scaling) targets+=(scaling_bench) ;;
  esac
done
configure_and_build "$build_dir" -DSLUICE_BUILD_BENCH=ON -- "${targets[@]}"

results="$repo/bench/results"
mkdir -p "$results"
commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
  commit="$commit (with uncommitted changes)"
fi
cpu="$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
machine="$(nproc) × ${cpu:-unknown CPU}, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), Linux $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg) at start"

# The command of each benchmark (paths relative to the repository, as RESULTS.md shows them).
command_of() {
  local name="$1" csv="bench/results/$1.csv"
  if ((quick)); then
    case "$name" in
      maglev) echo "build/bench/maglev_bench --benchmark_filter=Build --benchmark_min_time=0.05 --benchmark_out=$csv --benchmark_out_format=csv && build/bench/maglev_bench --benchmark_filter=Disruption --benchmark_out=${csv%.csv}_disruption.csv --benchmark_out_format=csv" ;;
      packet_cost) echo "build/bench/packet_cost --rounds 3 --fresh 2000 --repeat 20000 --csv $csv" ;;
      mpps) echo "build/bench/mpps/mpps_bench --seconds 0.3 --rounds 1 --services 100 --csv $csv" ;;
      programming) echo "build/bench/programming_latency --services 1000 --endpoints 10 --rounds 50 --csv $csv" ;;
      scaling) echo "build/bench/scaling/scaling_bench --services 1,1000 --connects 300 --seconds 1 --csv $csv" ;;
    esac
  else
    case "$name" in
      maglev) echo "build/bench/maglev_bench --benchmark_filter=Build --benchmark_repetitions=5 --benchmark_report_aggregates_only=true --benchmark_out=$csv --benchmark_out_format=csv && build/bench/maglev_bench --benchmark_filter=Disruption --benchmark_out=${csv%.csv}_disruption.csv --benchmark_out_format=csv" ;;
      packet_cost) echo "build/bench/packet_cost --rounds 7 --fresh 10000 --repeat 200000 --csv $csv" ;;
      mpps) echo "build/bench/mpps/mpps_bench --seconds 1 --rounds 5 --services 1000 --csv $csv" ;;
      programming) echo "build/bench/programming_latency --services 10000 --endpoints 10 --rounds 200 --csv $csv" ;;
      scaling) echo "build/bench/scaling/scaling_bench --services 1,1000,10000,30000 --csv $csv" ;;
    esac
  fi
}

# Rewrites the block between "<!-- latest:NAME begin -->" and "<!-- latest:NAME end -->" in
# RESULTS.md with the file given.
replace_block() {
  local name="$1" body="$2" md="$repo/bench/RESULTS.md"
  if ! grep -q "<!-- latest:$name begin -->" "$md"; then
    echo "bench/run.sh: RESULTS.md has no latest:$name block; figures are in $results" >&2
    return
  fi
  awk -v name="$name" -v body="$body" '
    $0 == "<!-- latest:" name " begin -->" { print; while ((getline line < body) > 0) print line; skip = 1; next }
    $0 == "<!-- latest:" name " end -->" { skip = 0 }
    !skip { print }' "$md" > "$md.tmp"
  mv "$md.tmp" "$md"
}

failed=0
for name in "${chosen[@]}"; do
  cmd="$(command_of "$name")"
  echo
  echo "==> $name: $cmd"
  start=$(date +%s)
  set +e
  (cd "$repo" && bash -c "${cmd//build\//$build_dir/}") 2>&1 | tee "$results/$name.txt"
  status=${PIPESTATUS[0]}
  set -e
  seconds=$(($(date +%s) - start))
  # Exit status 1 means "ran, some bar missed"; anything else is a failure to measure.
  case $status in
    0) verdict="every bar it checks met" ;;
    1) verdict="ran; some bar missed (see the table)" ;;
    *) verdict="FAILED (exit $status)"; failed=1 ;;
  esac
  plot=""
  if [[ $status -le 1 && -s "$results/$name.csv" ]]; then
    if "$repo/bench/plots/plot.sh" "$name" "$results/$name.csv" "$results/$name.png"; then
      plot="![$name](results/$name.png)"
    else
      echo "bench/run.sh: plotting $name failed" >&2
    fi
  fi
  body="$(mktemp)"
  {
    echo "Latest run (\`bench/run.sh$( ((quick)) && echo ' --quick')\`, $(date -u '+%Y-%m-%d %H:%M UTC'), ${seconds} s): $verdict."
    echo
    echo "- Command: \`sudo $cmd\`"
    echo "- Machine: $machine"
    echo "- Commit: $commit"
    echo
    [[ -n "$plot" ]] && { echo "$plot"; echo; }
    echo '```'
    grep -v '^\[.*\] \[\(info\|warning\)\]' "$results/$name.txt" | tail -n 60
    echo '```'
  } > "$body"
  replace_block "$name" "$body"
  rm -f "$body"
done
echo
echo "bench/run.sh: results in $results; RESULTS.md updated"
exit $failed
