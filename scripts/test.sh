#!/usr/bin/env bash
# The whole test suite: warnings-as-errors build + ctest (with the fuzz corpora replayed, and
# libwsl_dist and wsl-mpi under `mpirun --allow-run-as-root --oversubscribe` on 1 to 4 ranks
# against one process: tests/mpi.cmake), every Check suite under Valgrind, the same build under
# ASan+UBSan (the MPI tests too, without leak checks: Open MPI leaks its own memory at
# MPI_Finalize), the threaded code under ThreadSanitizer, a short fuzz pass of every parser
# (clang, libFuzzer), and a program built against the installed library (CMake package and
# pkg-config, shared and static).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)
bash scripts/install-deps.sh --test

echo "== build (warnings are errors) and test"
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSL_WERROR=ON -DWSL_WITH_MPI=ON >/dev/null
cmake --build build-test -j"$jobs"
(cd build-test && ctest --output-on-failure -j"$jobs")

echo "== every Check suite under Valgrind memcheck"
bash scripts/valgrind.sh build-test "$jobs"

echo "== build and test under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DWSL_WERROR=ON -DWSL_ENABLE_SANITIZERS=ON \
  -DWSL_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j"$jobs")

echo "== threaded applier and concurrent predict under ThreadSanitizer"
bash scripts/tsan.sh build-tsan

echo "== every fuzz target for 30 s (clang, libFuzzer + ASan + UBSan; tests/fuzz/README.md)"
WSL_FUZZ_JOBS=$jobs bash scripts/fuzz.sh 30

echo "== install, then build a program against the installed library"
bash scripts/check-install.sh "$root"
echo "== all tests passed"
