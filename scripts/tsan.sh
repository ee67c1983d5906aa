#!/usr/bin/env bash
# ThreadSanitizer over the threaded code: every applier test (test_lf: threads, streams, faults,
# progress and cancel), 8 threads predicting from one fitted label model at once
# and a fit on 1, 2 and 7 threads (test_label_model, case "threads"), the thread-local error
# slot (test_core), LF plugins applied to record streams on 3 threads (test_plugin, case
# "open") and two record streams parsed on two threads at once (test_record_stream).
# Any report fails the run (halt_on_error). usage: tsan.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-tsan}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSL_WERROR=ON -DWSL_ENABLE_TSAN=ON \
  -DWSL_BUILD_BENCH=OFF -DWSL_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target test_lf test_label_model test_core test_plugin \
  test_record_stream >/dev/null
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1"
export CK_FORK=no OPENBLAS_NUM_THREADS=1
run() {
  local name=$1 log="$build/tsan_$1${2:+_$2}.log"
  if env ${2:+CK_RUN_CASE=$2} "$build/tests/$name" >"$log" 2>&1; then
    echo "-- tsan $name${2:+ ($2)}: clean ($(tail -n1 "$log"))"
  else
    echo "-- tsan $name${2:+ ($2)}: FAILED"; tail -n 60 "$log"; return 1
  fi
}
run test_lf
run test_label_model threads
run test_core
run test_plugin open
run test_record_stream threads
