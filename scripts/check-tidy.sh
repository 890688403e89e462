#!/usr/bin/env bash
# clang-tidy (checks in .clang-tidy) over every first-party C++ source in the compile database
# of the given build directory. Fails on any finding.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dir="${1:-$build_dir}"
[[ -f "$dir/compile_commands.json" ]] || { echo "tidy: no $dir/compile_commands.json; build first" >&2; exit 1; }
# Production and benchmark sources (tests are gtest-heavy and slow to analyse; the compiler
# with -Werror and the sanitizer build watch them). Generated sources are not ours.
pattern="^$repo/(base|controlplane|discovery|nodeport|ingress|ebpf|dataplane|bench)/.*\\.cc\$"
# Findings count only in our own files: the analyzer also reports paths that end inside generated
# BPF skeletons (build tree), which are not ours to fix.
run-clang-tidy-16 -quiet -p "$dir" -j "$(nproc)" \
  -extra-arg=-std=c++2b -extra-arg=-include -extra-arg="$repo/cmake/clang-tidy-prelude.h" \
  "$pattern" > "$dir/clang-tidy.log" 2>&1 || true
dir_abs="$(cd "$dir" && pwd)"
findings="$(grep -E "^$repo/.*(warning|error):" "$dir/clang-tidy.log" | grep -v "^$dir_abs/" | sort -u || true)"
crashes="$(grep -E "terminated by signal|Stack dump" "$dir/clang-tidy.log" || true)"
if [[ -n "$findings" || -n "$crashes" ]]; then
  printf '%s\n%s\n' "$findings" "$crashes" | head -50
  echo "tidy: findings above (full log: $dir/clang-tidy.log)" >&2
  exit 1
fi
echo "tidy: clean"
