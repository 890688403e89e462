# Shared by the scripts: paths, root check, the build step. Source it; do not run it.
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${SLUICE_BUILD_DIR:-$repo/build}"
asan_dir="${SLUICE_ASAN_BUILD_DIR:-$repo/build-asan}"

need_root() {
  if [[ $EUID -ne 0 ]]; then
    echo "$1 needs root (network namespaces, BPF, apt): run it with sudo" >&2
    exit 1
  fi
}

# configure_and_build <dir> [cmake -D options...] [-- <targets>]
configure_and_build() {
  local dir="$1"; shift
  local options=() targets=()
  while (($#)); do
    if [[ "$1" == "--" ]]; then shift; targets=("$@"); break; fi
    options+=("$1"); shift
  done
  cmake -S "$repo" -B "$dir" -G Ninja -Wno-dev "${options[@]}" >/dev/null
  local target_args=()
  for t in "${targets[@]}"; do target_args+=(--target "$t"); done
  cmake --build "$dir" "${target_args[@]}"
}
