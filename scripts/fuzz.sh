#!/usr/bin/env bash
# Build the libFuzzer targets of tests/fuzz with clang and run each for SECONDS, one after the
# other (or WSL_FUZZ_JOBS at a time), each a single niced process (-jobs=1 -workers=1). New inputs go to a working corpus in
# the build directory; the committed seeds (tests/fuzz/corpus/<name>/) are only read. A crash,
# leak, timeout or oversized allocation fails the run and leaves the input in
# BUILD/artifacts/<name>/. Prints executions and coverage per target.
# usage: fuzz.sh SECONDS [TARGET...]     (targets: csv, gold, npy, ... ; default all)
# env:   WSL_FUZZ_BUILD (default build-fuzz), CC_FUZZ (default clang-14 or clang),
#        WSL_FUZZ_JOBS (targets run at a time, default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
secs=${1:?usage: fuzz.sh SECONDS [TARGET...]}
shift
build=${WSL_FUZZ_BUILD:-build-fuzz}
cc=${CC_FUZZ:-$(command -v clang-14 || command -v clang)}

cmake -S . -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DWSL_WERROR=ON -DWSL_BUILD_FUZZERS=ON -DWSL_BUILD_TESTS=OFF -DWSL_BUILD_EXAMPLES=OFF \
  -DWSL_BUILD_BENCH=OFF -DWSL_BUILD_CLI=OFF >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.c; do t=$(basename "$f" .c); targets+=("${t#fuzz_}"); done
fi
exes=()
for t in "${targets[@]}"; do exes+=("fuzz_$t"); done
cmake --build "$build" -j"$(nproc)" --target "${exes[@]}" >/dev/null

# One target: its line of figures, and its log and artifacts when it fails.
run_target() {
  local t=$1 work art logs log result execs cov ft corp
  work="$root/$build/corpus-work/$t" art="$root/$build/artifacts/$t/" logs="$root/$build/logs/$t"
  mkdir -p "$work" "$art" "$logs"
  rm -f "$logs"/fuzz-*.log
  # Inputs are parsed whole: nothing they hold justifies a 256 MB allocation.
  if (cd "$logs" && nice -n 10 "$root/$build/tests/fuzz/fuzz_$t" -jobs=1 -workers=1 \
        -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=256 \
        -print_final_stats=1 -artifact_prefix="$art" "$work" "$root/tests/fuzz/corpus/$t" \
        >/dev/null 2>&1); then
    result=ok
  else
    result=FAILED
  fi
  log="$logs/fuzz-0.log"
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1 | grep -o '[0-9]*' || true)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n1 | grep -o '[0-9]*' || true)
  corp=$(find "$work" -type f | wc -l)
  {
    echo "-- fuzz $t: $result, ${secs}s, ${execs:-?} executions, cov ${cov:-?} edges, ft ${ft:-?}, working corpus $corp inputs"
    if [ "$result" != ok ]; then
      tail -n 60 "$log"
      ls -l "$art"
    fi
  } > "$logs/summary"
  [ "$result" = ok ]
}
export -f run_target
export root build secs
# WSL_FUZZ_JOBS targets at a time (default 1); each is one process.
status=0
printf '%s\n' "${targets[@]}" | xargs -P "${WSL_FUZZ_JOBS:-1}" -I{} bash -c 'run_target "$1"' _ {} || status=1
for t in "${targets[@]}"; do cat "$root/$build/logs/$t/summary"; done
exit $status
