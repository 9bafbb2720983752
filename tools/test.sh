#!/usr/bin/env bash
# Installs what is missing, builds isopipe and runs the whole test suite with ctest, failing if any registered test did not run.
# Usage: tools/test.sh [--sanitize address|thread] [extra ctest args...]
# Under CI=true a test whose prerequisite (ffmpeg, ffprobe, the media corpus, an
# encoder) is missing fails instead of being skipped, and a skipped test fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
san=""
if [ "${1:-}" = "--sanitize" ]; then san="$2"; shift 2; fi
bash tools/deps.sh
dir=build${san:+-$san}
# Configure output stays in the log: a test dropped at configure time shows there.
cmake -S . -B "$dir" -DISO_WERROR=ON -DISO_SANITIZE="$san" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$dir" -j"$(nproc)"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/tools/lsan.supp}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# TSan's shadow of freshly allocated frame buffers faults in one small page
# at a time, and a page fault is dear in a virtual machine: huge pages for
# the shadow spare most of them (what is checked stays the same).
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:no_huge_pages_for_shadow=0:suppressions=$PWD/tools/tsan.supp}"

# How many tests the filters select, before running them.
registered=$(ctest --test-dir "$dir" -N "$@" | sed -n 's/^Total Tests: *\([0-9]*\).*/\1/p')
echo "== $registered tests registered${san:+ ($san)}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
ctest --test-dir "$dir" --output-on-failure --no-tests=error -j2 "$@" 2>&1 | tee "$log" || rc=$?
# "N% tests passed, F tests failed out of T": T counts every test ctest ran.
ran=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)
skipped=$(grep -c '(Skipped)$' "$log" || true)
if [ -z "$ran" ] || [ "$ran" -lt "${registered:-0}" ] || [ "${registered:-0}" -eq 0 ]; then
  echo "test.sh: ${ran:-no} tests ran of ${registered:-0} registered" >&2
  rc=1
fi
if [ "$skipped" -gt 0 ]; then
  echo "test.sh: $skipped tests skipped (ctest lists them above)" >&2
  if [ "${CI:-}" = "true" ]; then
    echo "test.sh: CI=true: every test must run" >&2
    rc=1
  fi
fi
exit "$rc"
