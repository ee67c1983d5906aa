#!/bin/sh
# Runs the README's walkthrough (walkthrough.sh) as written, from a directory laid out like a
# clone: build/ is the build tree, ../shared/data the benchmark data. Skipped (77) without it.
# usage: walkthrough_test.sh WALKTHROUGH.sh BUILD_DIR SHARED_DATA_DIR
set -u
script=$1 build=$2 shared=$3
[ -f "$shared/youtube/texts_train.jsonl" ] || { echo "skip: no $shared/youtube"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/repo" "$TMP/shared"
ln -s "$build" "$TMP/repo/build"
ln -s "$shared" "$TMP/shared/data"
(cd "$TMP/repo" && sh -eu "$script") > "$TMP/out" 2> "$TMP/err" || {
  echo "FAIL: the walkthrough stopped"; cat "$TMP/out" "$TMP/err"; exit 1; }
fails=0
check() { grep -q -- "$2" "$1" || { echo "FAIL: '$2' not in $(basename "$1")"; fails=1; }; }
check "$TMP/err" "1586 records x 11 LFs (k = 2)"
check "$TMP/out" "keyword_subscribe"
check "$TMP/out" "^acc 0\.8[5-9]"      # the label model on test
check "$TMP/out" "^acc 0\.9[3-9]"      # the end model on test
check "$TMP/repo/report.html" "phrase_check_out"
cat "$TMP/out" "$TMP/err"
exit $fails
