#!/bin/sh
# wsl fit / predict in one process against wsl-mpi on NP ranks, on one synthetic votes file:
# median of RUNS wall-clock times each, and a check that the outputs are the same bytes.
# usage: bench/dist.sh BUILD_DIR VOTES.csv K [NP] [RUNS]
# (make VOTES.csv with BUILD_DIR/bench/synth_votes; see bench/README.md)
set -eu
build=$1
votes=$2
k=$3
np=${4:-2}
runs=${5:-3}
wsl=$build/src/cli/wsl
wslmpi=$build/src/cli_mpi/wsl-mpi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wsl-dist-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export OPENBLAS_NUM_THREADS=1
# median SECONDS...: the middle value
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
# t COMMAND...: wall-clock seconds of one run
t() {
  s=$(date +%s.%N); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN {printf "%.2f", e - s}'
}
mpi="mpirun --allow-run-as-root --oversubscribe -np $np"
f1=""; fp=""; p1=""; pp=""
for r in $(seq "$runs"); do
  f1="$f1 $(t "$wsl" fit "$votes" -k "$k" -o "$tmp/m1.json" -q)"
  fp="$fp $(t $mpi "$wslmpi" fit "$votes" -k "$k" -o "$tmp/mp.json" -q)"
  p1="$p1 $(t "$wsl" predict "$tmp/m1.json" "$votes" -o "$tmp/p1.csv" -q)"
  pp="$pp $(t $mpi "$wslmpi" predict "$tmp/mp.json" "$votes" -o "$tmp/pp.csv" -q)"
done
cmp -s "$tmp/m1.json" "$tmp/mp.json" && cmp -s "$tmp/p1.csv" "$tmp/pp.csv" && same=yes || same=NO
echo "| command | 1 process (s) | $np ranks (s) | runs (1 process) | runs ($np ranks) | same bytes |"
echo "|---|---:|---:|---|---|---|"
echo "| fit | $(median $f1) | $(median $fp) |$f1 |$fp | $same |"
echo "| predict | $(median $p1) | $(median $pp) |$p1 |$pp | $same |"
