#!/usr/bin/env bash
# Fails when a tracked C++ file is not formatted by .clang-format (BPF C keeps kernel style).
# scripts/check-format.sh --fix rewrites them instead.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$repo"
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cc' '*.h' \
  | grep -v '\.bpf\.' | grep -v '^ebpf/bpf/' | grep -v -E '^(ebpf/include/sluice/ebpf/(abi|flow_hash)|dataplane/include/sluice/dataplane/flow_hash)\.h$' || true)
((${#files[@]})) || { echo "format: no files"; exit 0; }
if [[ "${1:-}" == "--fix" ]]; then
  clang-format-16 -i "${files[@]}"
  echo "format: rewrote ${#files[@]} files"
else
  clang-format-16 --dry-run -Werror "${files[@]}"
  echo "format: ${#files[@]} files clean"
fi
