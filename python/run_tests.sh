#!/bin/sh
# Runs the binding's tests with Debian's pytest (python3-pytest) against the library built by CMake.
# pytest exits 5 when it collected no test: a moved or renamed test file, which must fail the suite.
here=$(dirname "$0")
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" /usr/bin/python3 -m pytest -q -p no:cacheprovider "$here/tests" "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "run_tests.sh: pytest collected no tests in $here/tests" >&2
  exit 1
fi
exit "$rc"
