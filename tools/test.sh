#!/usr/bin/env bash
# Installs what is missing, builds isopipe and runs the whole test suite with ctest.
# Usage: tools/test.sh [--sanitize address|thread] [extra ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
san=""
if [ "${1:-}" = "--sanitize" ]; then san="$2"; shift 2; fi
bash tools/deps.sh
dir=build${san:+-$san}
cmake -S . -B "$dir" -DISO_WERROR=ON -DISO_SANITIZE="$san" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$dir" -j"$(nproc)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tools/tsan.supp}"
ctest --test-dir "$dir" --output-on-failure -j2 "$@"
