#!/bin/sh
# examples/dist/dist_fit_predict.c on 3 ranks writes the probabilities wsl fit + wsl predict
# write in one process, byte for byte (youtube's votes when ../shared/data has them, else
# synthetic ones).
# usage: dist_test.sh MPIRUN DIST_FIT_PREDICT WSL SHARED_DATA_DIR
set -eu
MPIRUN=$1
EXAMPLE=$2
WSL=$3
SHARED=$4
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
votes=$SHARED/youtube/L_train.csv
if [ ! -f "$votes" ]; then
  votes=$TMP/L.csv
  awk 'BEGIN { for (i = 0; i < 500; i++) print (i % 3 ? 1 : -1) "," (i % 5 ? 0 : 1) "," (i % 7 ? -1 : 1) }' > "$votes"
fi
"$WSL" fit "$votes" -k 2 -o "$TMP/model.json" -q
"$WSL" predict "$TMP/model.json" "$votes" -o "$TMP/ref.csv" -q
timeout 100 "$MPIRUN" --allow-run-as-root --oversubscribe -np 3 "$EXAMPLE" "$votes" 2 "$TMP/probs.csv"
cmp "$TMP/ref.csv" "$TMP/probs.csv"
echo "dist_fit_predict on 3 ranks: the probabilities of one process ($(wc -l < "$TMP/probs.csv") rows)"
