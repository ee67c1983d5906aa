#!/usr/bin/env bash
# Source coverage of the fuzz corpora: builds the replay binaries with clang's source-based
# coverage, replays each target's committed seeds, past findings and working corpus (from
# scripts/fuzz.sh, if any), and prints line and region coverage of the files that target
# exercises, per function. usage: fuzz-coverage.sh [TARGET...]   env: WSL_FUZZ_BUILD (default build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=build-fuzzcov
work=${WSL_FUZZ_BUILD:-build-fuzz}/corpus-work
cc=${CC_FUZZ:-$(command -v clang-14 || command -v clang)}
cxx=${CXX_FUZZ:-$(command -v clang++-14 || command -v clang++)}
prof=$(command -v llvm-profdata-14 || command -v llvm-profdata)
cov=$(command -v llvm-cov-14 || command -v llvm-cov)
flags="-fprofile-instr-generate -fcoverage-mapping"
cmake -S . -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" -DWSL_BUILD_TESTS=ON \
  -DWSL_BUILD_EXAMPLES=OFF -DWSL_BUILD_BENCH=OFF -DWSL_BUILD_CLI=OFF >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.c; do t=$(basename "$f" .c); targets+=("${t#fuzz_}"); done
fi
exes=()
for t in "${targets[@]}"; do exes+=("fuzz_${t}_replay"); done
cmake --build "$build" -j"$(nproc)" --target "${exes[@]}" >/dev/null
# The source files each target is about.
files_of() {
  case $1 in
    csv) echo src/io/csv.c src/io/reader.c src/io/text.c src/io/sink.c ;;
    triples) echo src/io/triples.c src/io/reader.c src/io/text.c ;;
    wrench) echo src/io/wrench.c src/io/sink.c ;;
    npy) echo src/io/npy.c src/io/sink.c ;;
    gold) echo src/io/gold.c src/io/reader.c src/io/text.c ;;
    probs) echo src/io/probs.c src/io/reader.c src/io/text.c ;;
    model_json) echo src/model/serialize.c ;;
    dict) echo src/labeling/dict.c ;;
    source_priors) echo src/cli/source_priors.c ;;
    end_model_json) echo src/endmodel/serialize.c ;;
    records_jsonl) echo src/io/records.c src/io/reader.c ;;
    names | deps) echo src/cli/sources_file.c ;;
    record_stream) echo src/io/record_stream.c src/io/record_csv.c ;;
    plugin) echo src/plugin/plugin.c ;;
    pattern_table) echo src/io/patterns_file.c src/votes/patterns.c ;;
    *) echo "" ;;
  esac
}
for t in "${targets[@]}"; do
  raw="$root/$build/$t.profraw" data="$root/$build/$t.profdata"
  rm -f "$raw"
  LLVM_PROFILE_FILE="$raw" "$build/tests/fuzz/fuzz_${t}_replay" tests/fuzz/corpus/"$t" \
    tests/fuzz/regressions/"$t" "$work/$t" >/dev/null
  "$prof" merge -sparse "$raw" -o "$data"
  echo "-- coverage of fuzz target $t ($(find tests/fuzz/corpus/"$t" tests/fuzz/regressions/"$t" \
    "$work/$t" -type f 2>/dev/null | wc -l) inputs)"
  # Per function: lines and branches covered (writers and wrappers in the same files are not
  # the target's business: their tests are the Check suites).
  # shellcheck disable=SC2046
  "$cov" report "$build/tests/fuzz/fuzz_${t}_replay" -instr-profile="$data" --show-functions \
      $(files_of "$t") |
    awk '$1 == "Name" || /^-+$/ || /^File / || NF < 10 {next}
         {printf "   %-28s lines %4s/%-4s %7s   branches %4s/%-4s %7s\n", $1, $5 - $6, $5, $7, $8 - $9, $8, $10}'
done
