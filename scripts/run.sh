#!/usr/bin/env bash
# Sluice's main job on the embedded default: installs what is missing, builds, and starts a
# small lab cluster (network namespaces on this machine) with backends, shows traffic reaching
# them, and waits for Ctrl-C, which tears everything down. Run as root.
#
#   sudo scripts/run.sh           run until Ctrl-C
#   sudo scripts/run.sh --once    probe once and exit
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root "scripts/run.sh"

"$repo/scripts/install-deps.sh"
configure_and_build "$build_dir" -- sluice-demo sluice-echo sluice-agent sluice
exec "$build_dir/tests/demo/sluice-demo" "$@"
