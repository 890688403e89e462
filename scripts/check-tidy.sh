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
run-clang-tidy-16 -quiet -p "$dir" -j "$(nproc)" \
  -extra-arg=-std=c++2b -extra-arg=-include -extra-arg="$repo/cmake/clang-tidy-prelude.h" \
  "$pattern" > "$dir/clang-tidy.log" 2>&1 || {
  grep -E "(warning|error):" "$dir/clang-tidy.log" | sort -u | head -50
  echo "tidy: findings above (full log: $dir/clang-tidy.log)" >&2
  exit 1
}
echo "tidy: clean"
