#!/bin/sh
# wsl-mpi against wsl under mpirun: the model and the probabilities byte for byte those of one
# process, on 1 to 4 ranks (uneven shards; more ranks than rows; a file per rank; CSV and NPY),
# on synthetic votes and on ../shared/data/youtube when present; every error stops every rank
# with the same exit status and the failing rank's message, without hanging.
# usage: mpi_test.sh WSL WSL_MPI MPIRUN SHARED_DATA_DIR
set -u
WSL=$1
WSLMPI=$2
MPIRUN=$3
SHARED=$4
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
passes=0

# expect CODE DESCRIPTION -- COMMAND...: run, compare the exit code, keep stdout/stderr in $TMP.
expect() {
  want=$1; what=$2; shift 3
  "$@" >"$TMP/out" 2>"$TMP/err"
  got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL: $what: exit $got, expected $want"; sed 's/^/  | /' "$TMP/err"; fails=$((fails + 1))
  else
    passes=$((passes + 1))
  fi
}
# contains FILE TEXT DESCRIPTION
contains() {
  if grep -q -- "$2" "$1"; then passes=$((passes + 1)); else
    echo "FAIL: $3: '$2' not in output"; sed 's/^/  | /' "$1"; fails=$((fails + 1)); fi
}
# same A B DESCRIPTION: byte for byte
same() {
  if cmp -s "$1" "$2"; then passes=$((passes + 1)); else
    echo "FAIL: $3: $1 and $2 differ"; fails=$((fails + 1)); fi
}
# mpi NP ARGS...: wsl-mpi on NP ranks; a hang is a failure (timeout exits 124)
mpi() {
  np=$1; shift
  timeout 120 "$MPIRUN" --allow-run-as-root --oversubscribe -np "$np" "$WSLMPI" "$@"
}

expect 0 "help" -- "$WSLMPI" --help
contains "$TMP/out" "exit status" "help lists exit codes"
expect 0 "fit help" -- "$WSLMPI" fit --help
contains "$TMP/out" "mpirun -np 4 wsl-mpi fit" "fit help has an example"
expect 1 "unknown command" -- mpi 2 frobnicate

# Synthetic votes: 4000 records, 8 sources, 3 classes, sources of different accuracy and
# coverage (a fixed linear congruential generator: the same file everywhere).
awk 'BEGIN {
  s = 12345
  for (i = 0; i < 4000; i++) {
    s = (s * 1103515245 + 12345) % 2147483648; y = s % 3; line = ""
    for (j = 0; j < 8; j++) {
      s = (s * 1103515245 + 12345) % 2147483648; u = s / 2147483648
      s = (s * 1103515245 + 12345) % 2147483648; w = s / 2147483648
      v = -1
      if (u < 0.3 + 0.08 * j) v = (w < 0.55 + 0.05 * j) ? y : (y + 1 + (j % 2)) % 3
      line = line (j ? "," : "") v
    }
    print line
  }
}' > "$TMP/L.csv"
expect 0 "csv -> npy" -- "$WSL" convert "$TMP/L.csv" "$TMP/L.npy"
expect 0 "reference fit" -- "$WSL" fit "$TMP/L.csv" -k 3 -o "$TMP/ref.json" -q
expect 0 "reference predict" -- "$WSL" predict "$TMP/ref.json" "$TMP/L.csv" -o "$TMP/ref.csv" \
  --labels-out "$TMP/ref_labels.csv" --tie hash -q
expect 0 "reference predict npy" -- "$WSL" predict "$TMP/ref.json" "$TMP/L.csv" -o "$TMP/ref.npy" -q
for np in 1 2 3 4; do
  expect 0 "fit on $np ranks" -- mpi $np fit "$TMP/L.csv" -k 3 -o "$TMP/m$np.json"
  contains "$TMP/err" "4000 records on $np ranks" "fit summary on $np ranks"
  same "$TMP/ref.json" "$TMP/m$np.json" "model fitted on $np ranks"
  expect 0 "fit npy on $np ranks" -- mpi $np fit "$TMP/L.npy" -k 3 -o "$TMP/n$np.json" -q
  same "$TMP/ref.json" "$TMP/n$np.json" "model fitted from .npy on $np ranks"
  expect 0 "predict on $np ranks" -- mpi $np predict "$TMP/m$np.json" "$TMP/L.csv" \
    -o "$TMP/p$np.csv" --labels-out "$TMP/l$np.csv" --tie hash
  same "$TMP/ref.csv" "$TMP/p$np.csv" "probabilities on $np ranks"
  same "$TMP/ref_labels.csv" "$TMP/l$np.csv" "labels on $np ranks"
  expect 0 "predict npy on $np ranks" -- mpi $np predict "$TMP/m$np.json" "$TMP/L.npy" \
    -o "$TMP/p$np.npy" -q
  same "$TMP/ref.npy" "$TMP/p$np.npy" "npy probabilities on $np ranks"
done
expect 0 "fit --json" -- mpi 2 fit "$TMP/L.csv" -k 3 -o "$TMP/j.json" --json
contains "$TMP/out" '"ranks": 2, "n": 4000, "m": 8' "fit --json"
[ -s "$TMP/err" ] && { echo "FAIL: fit --json wrote to stderr"; fails=$((fails + 1)); }

# The one-coin engine merges and fits the same way.
expect 0 "reference one-coin fit" -- "$WSL" fit "$TMP/L.csv" -k 3 -o "$TMP/oc_ref.json" --tables one-coin -q
expect 0 "one-coin fit on 3 ranks" -- mpi 3 fit "$TMP/L.csv" -k 3 -o "$TMP/oc3.json" --tables one-coin -q
same "$TMP/oc_ref.json" "$TMP/oc3.json" "one-coin model fitted on 3 ranks"
expect 0 "reference one-coin predict" -- "$WSL" predict "$TMP/oc_ref.json" "$TMP/L.csv" -o "$TMP/oc_ref.csv" -q
expect 0 "one-coin predict on 3 ranks" -- mpi 3 predict "$TMP/oc3.json" "$TMP/L.csv" -o "$TMP/oc3.csv" -q
same "$TMP/oc_ref.csv" "$TMP/oc3.csv" "one-coin probabilities on 3 ranks"

# A file per rank: three uneven files, their rows one after the other are L.csv's.
head -n 700 "$TMP/L.csv" > "$TMP/S_0.csv"
sed -n '701,2900p' "$TMP/L.csv" > "$TMP/S_1.csv"
sed -n '2901,4000p' "$TMP/L.csv" > "$TMP/S_2.csv"
expect 0 "fit --shards" -- mpi 3 fit --shards "$TMP/S_%d.csv" -k 3 -o "$TMP/s.json"
same "$TMP/ref.json" "$TMP/s.json" "model from a file per rank"
expect 0 "predict --shards" -- mpi 3 predict "$TMP/s.json" --shards "$TMP/S_%d.csv" -o "$TMP/s.csv"
same "$TMP/ref.csv" "$TMP/s.csv" "probabilities from a file per rank"

# More ranks than rows: empty shards.
printf '0,1,-1\n1,1,0\n' > "$TMP/tiny.csv"
expect 0 "reference fit, 2 rows" -- "$WSL" fit "$TMP/tiny.csv" -k 2 -o "$TMP/tiny_ref.json" -q
expect 0 "reference predict, 2 rows" -- "$WSL" predict "$TMP/tiny_ref.json" "$TMP/tiny.csv" \
  -o "$TMP/tiny_ref.csv" -q
expect 0 "fit, 2 rows on 4 ranks" -- mpi 4 fit "$TMP/tiny.csv" -k 2 -o "$TMP/tiny.json" -q
same "$TMP/tiny_ref.json" "$TMP/tiny.json" "model with empty shards"
expect 0 "predict, 2 rows on 4 ranks" -- mpi 4 predict "$TMP/tiny.json" "$TMP/tiny.csv" \
  -o "$TMP/tiny.csv.out.csv" -q
same "$TMP/tiny_ref.csv" "$TMP/tiny.csv.out.csv" "probabilities with empty shards"

# The real votes of youtube, when the shared data is there.
Y=$SHARED/youtube
if [ -f "$Y/L_train.csv" ] && [ -f "$Y/L_test.csv" ]; then
  expect 0 "youtube reference fit" -- "$WSL" fit "$Y/L_train.csv" -k 2 -o "$TMP/y_ref.json" -q
  expect 0 "youtube reference predict" -- "$WSL" predict "$TMP/y_ref.json" "$Y/L_test.csv" \
    -o "$TMP/y_ref.csv" -q
  for np in 3 4; do
    expect 0 "youtube fit on $np ranks" -- mpi $np fit "$Y/L_train.csv" -k 2 -o "$TMP/y$np.json" -q
    same "$TMP/y_ref.json" "$TMP/y$np.json" "youtube model on $np ranks"
    expect 0 "youtube predict on $np ranks" -- mpi $np predict "$TMP/y$np.json" "$Y/L_test.csv" \
      -o "$TMP/y$np.csv" -q
    same "$TMP/y_ref.csv" "$TMP/y$np.csv" "youtube probabilities on $np ranks"
  done
else
  echo "note: $Y/L_train.csv not found: youtube skipped"
fi

# Errors: every rank stops, with the same status and the failing rank's message.
expect 3 "a missing file on one rank" -- mpi 4 fit --shards "$TMP/S_%d.csv" -k 3 -o "$TMP/e.json"
contains "$TMP/err" "rank 3: .*S_3.csv" "the missing file's rank and path"
[ -e "$TMP/e.json" ] && { echo "FAIL: a failed fit wrote its model"; fails=$((fails + 1)); }
expect 3 "a missing file on every rank" -- mpi 2 predict "$TMP/m2.json" "$TMP/none.csv" -o "$TMP/e.csv"
contains "$TMP/err" "none.csv" "the missing file"
cp "$TMP/L.csv" "$TMP/bad.csv"
echo "0,1,2,x,0,0,0,0" >> "$TMP/bad.csv"
expect 2 "a malformed line in the last shard" -- mpi 3 fit "$TMP/bad.csv" -k 3 -o "$TMP/e.json"
contains "$TMP/err" "rank 2: .*bad.csv:4001:" "the malformed line, numbered as in the file"
echo "0,1" > "$TMP/S_3.csv"
expect 2 "ranks whose votes differ in shape" -- mpi 4 fit --shards "$TMP/S_%d.csv" -k 3 -o "$TMP/e.json"
contains "$TMP/err" "differ in shape: 2 to 8 sources" "the shapes"
expect 2 "a vote outside -k" -- mpi 2 fit "$TMP/L.csv" -k 2 -o "$TMP/e.json"
expect 1 "-k missing" -- mpi 2 fit "$TMP/L.csv" -o "$TMP/e.json"
contains "$TMP/err" "-k K and -o MODEL.json are required" "usage message"
expect 1 "VOTES and --shards" -- mpi 2 fit "$TMP/L.csv" --shards "$TMP/S_%d.csv" -k 3 -o "$TMP/e.json"
expect 1 "a bad --shards pattern" -- mpi 2 fit --shards "$TMP/S_%s.csv" -k 3 -o "$TMP/e.json"
expect 1 "--gold is not here" -- mpi 2 fit "$TMP/L.csv" -k 3 -o "$TMP/e.json" --gold "$TMP/x.csv"
expect 1 "overwriting the input" -- mpi 2 fit "$TMP/L.csv" -k 3 -o "$TMP/L.csv"
# an output that cannot be written: exit 3, nothing left behind, a previous file kept
mkdir "$TMP/ro" && cp "$TMP/ref.csv" "$TMP/ro/p.csv"
expect 3 "an unwritable output" -- mpi 2 predict "$TMP/m2.json" "$TMP/L.csv" -o "$TMP/none/p.csv"
contains "$TMP/err" "rank 0: " "the writing rank"
expect 2 "a model for other votes" -- mpi 2 predict "$TMP/tiny.json" "$TMP/L.csv" -o "$TMP/ro/p.csv"
same "$TMP/ref.csv" "$TMP/ro/p.csv" "the previous output is untouched"
[ "$(ls "$TMP/ro")" = "p.csv" ] || { echo "FAIL: temporary files left: $(ls "$TMP/ro")"; fails=$((fails + 1)); }

echo "mpi: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
