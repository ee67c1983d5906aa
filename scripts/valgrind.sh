#!/usr/bin/env bash
# Every Check suite under Valgrind memcheck: no error and no leak (definite or indirect) allowed.
# Suites run two at a time (the slow ones first); each log is printed when it fails. Test cases
# tagged "heavy" (thousands of fits: minutes under Valgrind) are left to the ASan+UBSan run,
# whose LeakSanitizer checks the same paths for leaks, and to TSan for the threaded ones.
# usage: valgrind.sh BUILD_DIR [JOBS]
set -euo pipefail
build=${1:?usage: valgrind.sh BUILD_DIR [JOBS]}
jobs=${2:-2}
run_one() {
  local t=$1 name log
  name=$(basename "$t")
  log="$(dirname "$t")/../valgrind_$name.log"
  if CK_FORK=no CK_EXCLUDE_TAGS=heavy OPENBLAS_NUM_THREADS=1 valgrind -q --error-exitcode=9 --leak-check=full \
      --errors-for-leak-kinds=definite,indirect "$t" >"$log" 2>&1; then
    echo "-- valgrind $name: clean ($(tail -n1 "$log"))"
  else
    echo "-- valgrind $name: FAILED"; tail -n 40 "$log"; return 1
  fi
}
export -f run_one
# Largest binaries first is a fair proxy for the longest runs.
ls -S "$build"/tests/test_* | while read -r t; do [ -x "$t" ] && echo "$t"; done |
  xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {}
