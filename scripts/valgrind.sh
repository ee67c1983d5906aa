#!/usr/bin/env bash
# Every Check suite under Valgrind memcheck: no error and no leak (definite or indirect) allowed.
# usage: valgrind.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: valgrind.sh BUILD_DIR}
status=0
for t in "$build"/tests/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  if CK_FORK=no OPENBLAS_NUM_THREADS=1 valgrind -q --error-exitcode=9 --leak-check=full \
      --errors-for-leak-kinds=definite,indirect "$t" >"$build/valgrind_$name.log" 2>&1; then
    echo "-- valgrind $name: clean ($(tail -n1 "$build/valgrind_$name.log"))"
  else
    echo "-- valgrind $name: FAILED"; tail -n 40 "$build/valgrind_$name.log"; status=1
  fi
done
exit $status
