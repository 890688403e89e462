#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds (warnings as errors), checks format and
# clang-tidy, runs the unit tests under ASan+UBSan, then every test — unit and privileged
# (netns, BPF) — in the normal build. Run as root; CI runs exactly this (.ci/run).
#
#   sudo scripts/test.sh            everything
#   sudo scripts/test.sh -R Maglev  extra arguments go to the final ctest run
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root "scripts/test.sh"

step() { printf '\n==> %s\n' "$*"; }

step "dependencies"
"$repo/scripts/install-deps.sh"

step "build ($build_dir)"
configure_and_build "$build_dir" -DSLUICE_WERROR=ON

step "build with ASan+UBSan ($asan_dir)"
configure_and_build "$asan_dir" -DSLUICE_WERROR=ON -DSLUICE_SANITIZE=ON -DSLUICE_BUILD_BENCH=OFF

step "format"
"$repo/scripts/check-format.sh"

step "clang-tidy"
"$repo/scripts/check-tidy.sh" "$build_dir"

step "unit tests under ASan+UBSan"
ctest --test-dir "$asan_dir" -L unit --output-on-failure -j "$(nproc)"

step "all tests (unit + privileged)"
# As root, a privileged test that cannot get what it needs fails instead of skipping.
export SLUICE_REQUIRE_PRIVILEGED=1
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" "$@"
