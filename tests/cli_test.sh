#!/bin/sh
# End-to-end tests of the wsl command: outputs and exit codes, including the error paths.
# usage: cli_test.sh WSL TEST_DATA_DIR SHARED_DATA_DIR [TEST_PLUGIN_DIR]
set -u
WSL=$1
DATA=$2
SHARED=$3
PLUGINS=${4:-}
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
  elif grep -q "Sanitizer" "$TMP/err"; then
    # ASan exits 1 like a usage error: look at what it printed too.
    echo "FAIL: $what: sanitizer report"; sed 's/^/  | /' "$TMP/err"; fails=$((fails + 1))
  else
    passes=$((passes + 1))
  fi
}
# contains FILE TEXT DESCRIPTION
contains() {
  if grep -q -- "$2" "$1"; then passes=$((passes + 1)); else
    echo "FAIL: $3: '$2' not in output"; sed 's/^/  | /' "$1"; fails=$((fails + 1)); fi
}

expect 0 "help" -- "$WSL" --help
contains "$TMP/out" "exit status" "help lists exit codes"
contains "$TMP/out" "convert" "help lists commands"
expect 0 "version" -- "$WSL" --version
contains "$TMP/out" "wsl 0\." "version string"
expect 1 "no command" -- "$WSL"
expect 1 "unknown command" -- "$WSL" frobnicate
contains "$TMP/err" "unknown command 'frobnicate'" "unknown command named"
# Every subcommand `wsl --help` lists has --help with an example (the list is read from the
# tool, so a new subcommand is checked without touching this file).
"$WSL" --help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}' \
  > "$TMP/commands"
if [ "$(wc -l < "$TMP/commands")" -ge 9 ]; then passes=$((passes + 1)); else
  echo "FAIL: wsl --help lists $(wc -l < "$TMP/commands") commands"; fails=$((fails + 1)); fi
contains "$TMP/commands" "^report$" "help lists report"
for c in $(cat "$TMP/commands"); do
  expect 0 "$c --help" -- "$WSL" $c --help
  contains "$TMP/out" "^example" "$c --help has an example"
  contains "$TMP/out" "usage: wsl $c" "$c --help has a usage line"
  contains "$TMP/out" "--json" "$c takes --json"
done

expect 0 "--help after other arguments" -- "$WSL" info "$DATA/cli_small.csv" --help
contains "$TMP/out" "usage: wsl info" "help anywhere prints the command's usage"

# info
expect 0 "info csv" -- "$WSL" info "$DATA/cli_small.csv"
contains "$TMP/out" "records   4" "info n"
contains "$TMP/out" "sources   3" "info m"
contains "$TMP/out" "classes   2" "info inferred k"
expect 0 "info json" -- "$WSL" info "$DATA/cli_small.csv" --json -k 3
contains "$TMP/out" '"k": 3' "info json k"
contains "$TMP/out" '"coverage": 0.750000' "info json coverage"
expect 0 "info triples" -- "$WSL" info "$DATA/cli_triples.csv" --format triples
contains "$TMP/out" "records   4" "triples n"
expect 1 "info unknown option" -- "$WSL" info "$DATA/cli_small.csv" --bogus
contains "$TMP/err" "unknown option '--bogus'" "unknown option named"
expect 1 "info bad format name" -- "$WSL" info "$DATA/cli_small.csv" --format xml
expect 1 "info bad k" -- "$WSL" info "$DATA/cli_small.csv" -k zero
expect 1 "info missing value" -- "$WSL" info "$DATA/cli_small.csv" -k
expect 3 "info missing file" -- "$WSL" info "$TMP/nope.csv"
contains "$TMP/err" "nope.csv" "missing file named"
expect 2 "info malformed" -- "$WSL" info "$DATA/cli_bad.csv"
contains "$TMP/err" "cli_bad.csv:2" "malformed file names line"
expect 2 "info vote >= k" -- "$WSL" info "$DATA/cli_small.csv" -k 1
expect 1 "info unknown extension" -- "$WSL" info "$DATA/cli_gold.txt"
expect 2 "info malformed triples" -- "$WSL" info "$DATA/cli_bad_triples.csv" --format triples
contains "$TMP/err" "cli_bad_triples.csv:3" "malformed triples names line"
expect 2 "info truncated npy" -- "$WSL" info "$DATA/cli_bad.npy"
cp "$DATA/cli_small.csv" "$TMP/we\"ird.csv"
expect 0 "info json escapes the path" -- "$WSL" info "$TMP/we\"ird.csv" --json
contains "$TMP/out" 'we\\"ird.csv"' "info json path escaped"

# convert round trips
expect 0 "csv -> npy" -- "$WSL" convert "$DATA/cli_small.csv" "$TMP/a.npy"
expect 0 "npy -> csv" -- "$WSL" convert "$TMP/a.npy" "$TMP/a.csv"
if cmp -s "$DATA/cli_small.csv" "$TMP/a.csv"; then passes=$((passes + 1)); else
  echo "FAIL: csv -> npy -> csv differs"; fails=$((fails + 1)); fi
expect 0 "triples -> wrench" -- "$WSL" convert "$DATA/cli_triples.csv" "$TMP/t.json" --format triples
expect 0 "wrench -> csv with gold" -- "$WSL" convert "$TMP/t.json" "$TMP/t.csv" --gold-out "$TMP/t_gold.csv"
if cmp -s "$DATA/cli_small.csv" "$TMP/t.csv"; then passes=$((passes + 1)); else
  echo "FAIL: triples -> wrench -> csv differs"; fails=$((fails + 1)); fi
expect 0 "csv -> triples (--to)" -- "$WSL" convert "$DATA/cli_small.csv" "$TMP/tr.txt" --to triples
cp "$DATA/cli_small.csv" "$TMP/in.csv"
expect 1 "convert refuses to overwrite its input" -- "$WSL" convert "$TMP/in.csv" "$TMP/in.csv"
ln -s "$TMP/in.csv" "$TMP/link.csv"
expect 1 "convert refuses a link to its input" -- "$WSL" convert "$TMP/in.csv" "$TMP/link.csv"
if cmp -s "$DATA/cli_small.csv" "$TMP/in.csv"; then passes=$((passes + 1)); else
  echo "FAIL: input changed"; fails=$((fails + 1)); fi
expect 3 "convert into a missing directory" -- "$WSL" convert "$DATA/cli_small.csv" "$TMP/no/dir/x.csv"
echo "keep" > "$TMP/prev.csv"
expect 2 "convert malformed input" -- "$WSL" convert "$DATA/cli_bad.csv" "$TMP/prev.csv"
contains "$TMP/prev.csv" "keep" "failed convert leaves the previous output"
expect 1 "convert --gold-out from csv" -- "$WSL" convert "$DATA/cli_small.csv" "$TMP/x.csv" --gold-out "$TMP/g.csv"
expect 3 "convert missing input" -- "$WSL" convert "$TMP/nope.csv" "$TMP/x.csv"
expect 1 "convert unknown output extension" -- "$WSL" convert "$DATA/cli_small.csv" "$TMP/x.txt"
contains "$TMP/err" "give --to" "convert says how to name the format"
expect 1 "convert bad --to" -- "$WSL" convert "$DATA/cli_small.csv" "$TMP/x.csv" --to xml
# gold labels into WRENCH and back out
expect 0 "csv + gold -> wrench" -- "$WSL" convert "$DATA/cli_small.csv" "$TMP/g.json" --gold "$DATA/cli_gold.csv"
contains "$TMP/g.json" '"label": 1, "weak_labels": \[1, 1, -1\]' "wrench output carries the gold label"
expect 0 "wrench -> csv + gold" -- "$WSL" convert "$TMP/g.json" "$TMP/g.csv" --gold-out "$TMP/g_gold.csv"
if cmp -s "$DATA/cli_gold.csv" "$TMP/g_gold.csv" && cmp -s "$DATA/cli_small.csv" "$TMP/g.csv"; then
  passes=$((passes + 1)); else echo "FAIL: gold -> wrench -> gold differs"; fails=$((fails + 1)); fi
expect 1 "convert --gold to csv" -- "$WSL" convert "$DATA/cli_small.csv" "$TMP/x.csv" --gold "$DATA/cli_gold.csv"
expect 2 "convert --gold length mismatch" -- "$WSL" convert "$DATA/cli_small.csv" "$TMP/x.json" --gold "$DATA/cli_gold.txt"
cp "$DATA/cli_gold.csv" "$TMP/gold_in.csv"
expect 1 "convert refuses to overwrite --gold" -- "$WSL" convert "$DATA/cli_small.csv" "$TMP/gold_in.csv" --to wrench --gold "$TMP/gold_in.csv"
expect 1 "convert OUT == --gold-out" -- "$WSL" convert "$TMP/g.json" "$TMP/same.csv" --gold-out "$TMP/same.csv"

# demo
expect 0 "demo" -- "$WSL" demo --n 3000 --m 6 -k 3 --seed 4
contains "$TMP/out" "empirical acc" "demo shows empirical accuracies"
contains "$TMP/out" "records have no vote" "demo reports uncovered records"
contains "$TMP/out" "majority vote  *0\.[0-9]" "demo scores majority vote"
contains "$TMP/out" "label model  *0\.[0-9]" "demo scores the label model"
cp "$TMP/out" "$TMP/demo1"
expect 0 "demo again" -- "$WSL" demo --n 3000 --m 6 -k 3 --seed 4
if cmp -s "$TMP/out" "$TMP/demo1"; then passes=$((passes + 1)); else
  echo "FAIL: demo with the same seed printed different output"; fails=$((fails + 1)); fi
expect 0 "demo defaults" -- "$WSL" demo
contains "$TMP/out" "20000 records, 10 sources, 2 classes (seed 1)" "demo defaults"
expect 1 "demo bad n" -- "$WSL" demo --n -5
expect 1 "demo k too small" -- "$WSL" demo -k 1
expect 1 "demo positional argument" -- "$WSL" demo extra
expect 1 "demo missing value" -- "$WSL" demo --seed
contains "$TMP/err" "'--seed' needs a value" "missing value named"

# fit / predict / eval
expect 0 "fit" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m.json"
contains "$TMP/m.json" '"wsl.label_model"' "model format"
expect 1 "fit without -k" -- "$WSL" fit "$DATA/cli_small.csv" -o "$TMP/m2.json"
expect 1 "fit bad tables" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m2.json" --tables weird
expect 1 "fit bad prior" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m2.json" --prior 0.5
expect 1 "fit prior not summing to 1" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m2.json" --prior 0.5,0.6
expect 0 "fit json + options" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m3.json" --json --prior uniform --tables full --abstain random --pseudo-count 2 --max-iter 50
contains "$TMP/out" '"iterations"' "fit --json"
contains "$TMP/out" '"abstain": "random"' "fit --json names the abstain handling"
expect 0 "fit votes-only" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m4.json" --abstain votes-only --json
contains "$TMP/out" '"abstain": "votes-only"' "fit --abstain votes-only"
contains "$TMP/m4.json" '"votes_only"' "votes-only saved in the model"
expect 0 "fit auto" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m4.json" --abstain auto
printf '{"1": [[0.5, 0.4, 0.1], [0.5, 0.1, 0.4]]}' > "$TMP/sp.json"
expect 0 "fit source priors" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m5.json" --source-priors "$TMP/sp.json" --source-prior-strength 50
printf '{"1": [[0.5, 0.4, 0.2], [0.5, 0.1, 0.4]]}' > "$TMP/sp_bad.json"
expect 2 "fit source priors not summing to 1" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m5.json" --source-priors "$TMP/sp_bad.json"
contains "$TMP/err" 'source "1" row 0 sums to' "bad source prior row named"
printf '{"7": [[0.5, 0.4, 0.1], [0.5, 0.1, 0.4]]}' > "$TMP/sp_bad.json"
expect 2 "fit source priors unknown source" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m5.json" --source-priors "$TMP/sp_bad.json"
contains "$TMP/err" '"7" is not a source index in 0..2' "bad source index named"
printf '{"0": [[0.5, 0.5]]}' > "$TMP/sp_bad.json"
expect 2 "fit source priors wrong shape" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m5.json" --source-priors "$TMP/sp_bad.json"
printf '[1,2' > "$TMP/sp_bad.json"
expect 2 "fit source priors not JSON" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m5.json" --source-priors "$TMP/sp_bad.json"
expect 3 "fit source priors missing" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m5.json" --source-priors "$TMP/none.json"
expect 1 "fit bad source prior strength" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m5.json" --source-priors "$TMP/sp.json" --source-prior-strength -1
expect 0 "fit one-coin" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m6.json" --tables one-coin --json
contains "$TMP/out" '"tables": "one-coin"' "fit --json names the tables"
contains "$TMP/m6.json" '"one_coin"' "one-coin saved in the model"
contains "$TMP/m6.json" '"vote_rate"' "one-coin model keeps its voting rates"
expect 0 "predict one-coin" -- "$WSL" predict "$TMP/m6.json" "$DATA/cli_small.csv" -o "$TMP/p6.csv"
if [ "$(wc -l < "$TMP/p6.csv")" -eq 4 ] && [ "$(head -n1 "$TMP/p6.csv" | tr ',' '\n' | wc -l)" -eq 2 ]; then
  passes=$((passes + 1)); else echo "FAIL: predict one-coin shape"; fails=$((fails + 1)); fi
expect 0 "report one-coin" -- "$WSL" report "$DATA/cli_small.csv" --model "$TMP/m6.json" -o "$TMP/r6.html"
expect 1 "fit one-coin with informative abstains" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m2.json" --tables one-coin --abstain informative
contains "$TMP/err" "wsl fit: --abstain informative is not allowed with --tables one-coin" "one-coin refusal in the command's words"
if grep -q "WSL_\|opts->" "$TMP/err"; then
  echo "FAIL: fit option errors name C fields or constants"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
expect 1 "fit one-coin with learned dependencies" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m2.json" --tables one-coin --deps learn
contains "$TMP/err" "dependencies (--deps learn, or --deps FILE) need joint tables: not allowed with --tables one-coin" "one-coin refuses --deps learn"
expect 1 "fit prior of 0" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m2.json" --prior 0,1
contains "$TMP/err" "wsl fit: --prior value for class 0 must be in (0, 1) (got 0)" "prior error in the command's words"
mkdir -p "$TMP/WSL_TABLES_FULL"
expect 3 "fit gold path with a constant's name" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m2.json" --gold "$TMP/WSL_TABLES_FULL/opts->gold"
contains "$TMP/err" "WSL_TABLES_FULL/opts->gold" "paths are not rewritten"
expect 1 "fit bad abstain" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/m2.json" --abstain sometimes
contains "$TMP/err" "unknown value 'sometimes'" "bad abstain named"
expect 0 "predict csv" -- "$WSL" predict "$TMP/m.json" "$DATA/cli_small.csv" -o "$TMP/p.csv" --labels-out "$TMP/l.csv" --tie lowest
if [ "$(wc -l < "$TMP/p.csv")" -eq 4 ] && [ "$(head -n1 "$TMP/p.csv" | tr ',' '\n' | wc -l)" -eq 2 ]; then
  passes=$((passes + 1)); else echo "FAIL: predict csv shape"; fails=$((fails + 1)); fi
expect 0 "predict npy" -- "$WSL" predict "$TMP/m.json" "$DATA/cli_small.csv" -o "$TMP/p.npy"
expect 0 "eval csv" -- "$WSL" eval "$TMP/p.csv" "$DATA/cli_gold.csv"
contains "$TMP/out" "acc " "eval prints accuracy"
expect 0 "eval npy f1" -- "$WSL" eval "$TMP/p.npy" "$DATA/cli_gold.csv" --metric f1 --json
contains "$TMP/out" '"metric": "f1"' "eval json"
expect 1 "eval bad metric" -- "$WSL" eval "$TMP/p.csv" "$DATA/cli_gold.csv" --metric auc
expect 2 "eval row mismatch" -- "$WSL" eval "$TMP/p.csv" "$DATA/cli_small.csv"
expect 1 "predict without -o" -- "$WSL" predict "$TMP/m.json" "$DATA/cli_small.csv"
expect 1 "predict onto its input" -- "$WSL" predict "$TMP/m.json" "$TMP/in.csv" -o "$TMP/in.csv"
expect 2 "predict with a corrupt model" -- "$WSL" predict "$DATA/cli_small.csv" "$DATA/cli_small.csv" -o "$TMP/q.csv" --format csv
printf '0,1,0,1\n' > "$TMP/wide.csv"
expect 2 "predict with a different m" -- "$WSL" predict "$TMP/m.json" "$TMP/wide.csv" -o "$TMP/q.csv"
contains "$TMP/err" "fitted with 3" "m mismatch message"
expect 3 "predict missing model" -- "$WSL" predict "$TMP/none.json" "$DATA/cli_small.csv" -o "$TMP/q.csv"

# analyze
printf 'kw_a\nkw_b\nlength\n' > "$TMP/names.txt"
expect 0 "analyze" -- "$WSL" analyze "$DATA/cli_small.csv" --gold "$DATA/cli_gold.csv" --names "$TMP/names.txt"
contains "$TMP/out" "kw_b" "analyze uses names"
contains "$TMP/out" "precision" "analyze precision column"
contains "$TMP/out" "coverage 0.7500" "analyze totals"
expect 0 "analyze json" -- "$WSL" analyze "$DATA/cli_small.csv" --gold "$DATA/cli_gold.csv" --json
contains "$TMP/out" '{"lfs": \[{"name": "lf0", "polarity": \[0, 1\], "coverage": 0.750000, "overlaps": 0.750000, "conflicts": 0.250000, "correct": 3, "incorrect": 0, "precision": 1.000000}' "analyze json keys in column order"
expect 0 "analyze with a model" -- "$WSL" analyze "$DATA/cli_small.csv" --model "$TMP/m.json" --json
contains "$TMP/out" '"learned_accuracy"' "analyze learned accuracy"
# dependencies: sources 3, 4, 5 copy source 0 (a deterministic awk generator)
awk 'BEGIN { srand(7); for (i = 0; i < 3000; i++) { y = rand() < 0.5; line = "";
  for (j = 0; j < 3; j++) { v = -1; if (rand() < 0.4) v = (rand() < 0.6 + 0.1 * j) ? y : 1 - y;
    r[j] = v; line = line (j ? "," : "") v }
  print line "," r[0] "," r[0] "," r[0] } }' > "$TMP/copies.csv"
printf 'base\nkw_b\nkw_c\ncopy1\ncopy2\ncopy3\n' > "$TMP/copies_names.txt"
printf '# the copies of base\nbase, copy1,copy2 , 5\n' > "$TMP/deps.txt"
expect 0 "fit declared deps by name and index" -- "$WSL" fit "$TMP/copies.csv" -k 2 -o "$TMP/dm.json" --deps "$TMP/deps.txt" --names "$TMP/copies_names.txt"
contains "$TMP/dm.json" '"cliques"' "declared clique saved"
expect 0 "analyze dependencies" -- "$WSL" analyze "$TMP/copies.csv" --model "$TMP/dm.json" --names "$TMP/copies_names.txt"
contains "$TMP/out" "{base, copy1, copy2, copy3}" "analyze lists the clique"
contains "$TMP/out" "pairs co-voting beyond the model" "analyze pair table"
expect 0 "analyze dependencies json" -- "$WSL" analyze "$TMP/copies.csv" --model "$TMP/dm.json" --json
contains "$TMP/out" '"dependencies": {"cliques": \[\["lf0", "lf3", "lf4", "lf5"\]\], "pairs": \[{"i": ' "analyze json dependencies"
expect 0 "fit learned deps" -- "$WSL" fit "$TMP/copies.csv" -k 2 -o "$TMP/lm.json" --deps learn
expect 0 "analyze learned clique" -- "$WSL" analyze "$TMP/copies.csv" --model "$TMP/lm.json"
contains "$TMP/out" "{lf0, lf3, lf4, lf5}" "learned clique is the copies"
printf 'base,nobody\n' > "$TMP/deps_bad.txt"
expect 2 "fit deps unknown name" -- "$WSL" fit "$TMP/copies.csv" -k 2 -o "$TMP/x.json" --deps "$TMP/deps_bad.txt" --names "$TMP/copies_names.txt"
contains "$TMP/err" "deps_bad.txt:1: 'nobody' is not a source" "unknown source named with its line"
printf '0\n' > "$TMP/deps_bad.txt"
expect 2 "fit deps group of one" -- "$WSL" fit "$TMP/copies.csv" -k 2 -o "$TMP/x.json" --deps "$TMP/deps_bad.txt"
contains "$TMP/err" "at least two sources" "group of one refused"
printf '0,1\n1,2\n' > "$TMP/deps_bad.txt"
expect 2 "fit deps overlapping groups" -- "$WSL" fit "$TMP/copies.csv" -k 2 -o "$TMP/x.json" --deps "$TMP/deps_bad.txt"
contains "$TMP/err" "deps_bad.txt:2: source '1' is already in a group" "overlapping groups refused"
expect 3 "fit deps missing file" -- "$WSL" fit "$TMP/copies.csv" -k 2 -o "$TMP/x.json" --deps "$TMP/none.txt"
printf 'only_one\n' > "$TMP/names1.txt"
expect 2 "analyze names count mismatch" -- "$WSL" analyze "$DATA/cli_small.csv" --names "$TMP/names1.txt"
expect 2 "analyze gold length mismatch" -- "$WSL" analyze "$DATA/cli_small.csv" --gold "$DATA/cli_gold.txt" --format csv
expect 3 "analyze missing names file" -- "$WSL" analyze "$DATA/cli_small.csv" --names "$TMP/none.txt"
# A name of 2,000 bytes was read as two lines (one name too many)
long=$(awk 'BEGIN { for (i = 0; i < 200; i++) printf "long_name_"; }')
printf 'kw_a\r\n%s\r\nlength\r\n' "$long" > "$TMP/names_long.txt"
expect 0 "analyze with a 2,000-byte name" -- "$WSL" analyze "$DATA/cli_small.csv" --names "$TMP/names_long.txt"
contains "$TMP/out" "${long}" "the long name is whole"
expect 0 "report with a 2,000-byte name" -- "$WSL" report "$DATA/cli_small.csv" --model "$TMP/m.json" --names "$TMP/names_long.txt" -o "$TMP/long.html"
contains "$TMP/long.html" "${long}" "the report shows the long name"
printf 'kw_a\nkw\000b\nlength\n' > "$TMP/names_nul.txt"
expect 2 "analyze names with a NUL byte" -- "$WSL" analyze "$DATA/cli_small.csv" --names "$TMP/names_nul.txt"
contains "$TMP/err" "names_nul.txt:2: NUL byte in a name" "NUL byte refused with its line"
printf '# %s\n0, 1,2\n' "$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long$long" > "$TMP/deps_long.txt"
expect 0 "fit deps with a 68 KB comment line" -- "$WSL" fit "$TMP/copies.csv" -k 2 -o "$TMP/x.json" --deps "$TMP/deps_long.txt"

# mv
expect 0 "mv" -- "$WSL" mv "$DATA/cli_small.csv" -o "$TMP/mv.csv" --labels-out "$TMP/mvl.csv" --tie lowest
contains "$TMP/mv.csv" "^0.5,0.5$" "mv uncovered row gets the uniform prior"
contains "$TMP/mvl.csv" "^1$" "mv labels"
printf '1\n1\n2\n' > "$TMP/w.txt"
expect 0 "mv weighted npy" -- "$WSL" mv "$DATA/cli_small.csv" -o "$TMP/mv.npy" --weights "$TMP/w.txt"
printf '1\n1\n' > "$TMP/w2.txt"
expect 2 "mv weights count" -- "$WSL" mv "$DATA/cli_small.csv" -o "$TMP/mv2.csv" --weights "$TMP/w2.txt"
printf '1\n-1\n1\n' > "$TMP/w3.txt"
expect 1 "mv negative weight" -- "$WSL" mv "$DATA/cli_small.csv" -o "$TMP/mv2.csv" --weights "$TMP/w3.txt"
expect 1 "mv bad tie" -- "$WSL" mv "$DATA/cli_small.csv" -o "$TMP/mv2.csv" --tie coin
expect 1 "mv onto its input" -- "$WSL" mv "$TMP/in.csv" -o "$TMP/in.csv"

# train / classify: the end model on texts
T="$DATA/cli_texts.jsonl"
expect 0 "train" -- "$WSL" train --probs "$DATA/cli_texts_probs.csv" --records "$T" --text-field text -o "$TMP/end.json"
contains "$TMP/out" "records      6 (trained on 6, 0 uncovered left out)" "train summary"
contains "$TMP/end.json" '"wsl.end_model"' "end model format"
contains "$TMP/end.json" '"featurizer"' "end model keeps its featurizer"
contains "$TMP/err" "without --votes every record is trained on" "train says uncovered rows are kept without --votes"
expect 0 "train --votes leaves uncovered rows out" -- "$WSL" train --probs "$DATA/cli_texts_probs.csv" --records "$T" --votes "$DATA/cli_texts_votes.csv" -o "$TMP/end2.json" --json
contains "$TMP/out" '"trained_on": 5, "uncovered_left_out": 1' "train --votes json"
expect 0 "train --keep-uncovered" -- "$WSL" train --probs "$DATA/cli_texts_probs.csv" --records "$T" --votes "$DATA/cli_texts_votes.csv" --keep-uncovered -o "$TMP/end3.json" --json
contains "$TMP/out" '"trained_on": 6, "uncovered_left_out": 0' "train --keep-uncovered json"
printf '1\n2\n0\n1\n1\n0\n' > "$TMP/w.csv"
expect 0 "train with options" -- "$WSL" train --probs "$DATA/cli_texts_probs.csv" --records "$T" -o "$TMP/end4.json" --weights "$TMP/w.csv" --valid "$T" --metric acc --patience 2 --l2 0.01 --max-iter 50 --tol 1e-6 --hash-bits 10 --ngrams 3 --tfidf --sublinear-tf --case-sensitive --json
contains "$TMP/out" '"features": 1024' "train --hash-bits"
contains "$TMP/out" '"trained_on": 4' "train --weights (zero weights left out)"
contains "$TMP/out" '"valid_score": ' "train --valid reports the score"
contains "$TMP/end4.json" '"tfidf":	true' "train --tfidf saved"
expect 0 "classify csv" -- "$WSL" classify "$TMP/end.json" "$T" --text-field text -o "$TMP/ec.csv" --labels-out "$TMP/el.csv" --tie lowest
if [ "$(wc -l < "$TMP/ec.csv")" -eq 6 ] && [ "$(head -n1 "$TMP/ec.csv" | tr ',' '\n' | wc -l)" -eq 2 ]; then
  passes=$((passes + 1)); else echo "FAIL: classify csv shape"; fails=$((fails + 1)); fi
contains "$TMP/el.csv" "^1$" "classify labels"
expect 0 "classify npy" -- "$WSL" classify "$TMP/end.json" "$T" -o "$TMP/ec.npy"
expect 0 "eval classify output" -- "$WSL" eval "$TMP/ec.npy" "$DATA/cli_texts_gold.csv" --metric f1
contains "$TMP/out" "5 records with gold, 1 without" "eval of classify output counts the gold rows"
expect 1 "train without --probs" -- "$WSL" train --records "$T" -o "$TMP/x.json"
expect 1 "train unknown metric" -- "$WSL" train --probs "$DATA/cli_texts_probs.csv" --records "$T" -o "$TMP/x.json" --valid "$T" --metric auc
expect 1 "train --metric without --valid" -- "$WSL" train --probs "$DATA/cli_texts_probs.csv" --records "$T" -o "$TMP/x.json" --metric acc
expect 1 "train bad --hash-bits" -- "$WSL" train --probs "$DATA/cli_texts_probs.csv" --records "$T" -o "$TMP/x.json" --hash-bits 30
expect 1 "train bad --l2" -- "$WSL" train --probs "$DATA/cli_texts_probs.csv" --records "$T" -o "$TMP/x.json" --l2 -1
expect 1 "train onto its input" -- "$WSL" train --probs "$DATA/cli_texts_probs.csv" --records "$TMP/in.csv" -o "$TMP/in.csv"
expect 2 "train rows differ" -- "$WSL" train --probs "$DATA/cli_small.csv" --records "$T" -o "$TMP/x.json"
contains "$TMP/err" "has 6 records" "train names the row counts"
expect 2 "train malformed records" -- "$WSL" train --probs "$DATA/cli_texts_probs.csv" --records "$DATA/cli_texts_bad.jsonl" -o "$TMP/x.json"
contains "$TMP/err" "cli_texts_bad.jsonl:3:" "malformed records name the line"
expect 2 "train missing text field" -- "$WSL" train --probs "$DATA/cli_texts_probs.csv" --records "$T" --text-field body -o "$TMP/x.json"
contains "$TMP/err" "cli_texts.jsonl:1: \"body\" is absent" "missing field named with its line"
expect 2 "train votes row mismatch" -- "$WSL" train --probs "$DATA/cli_texts_probs.csv" --records "$T" --votes "$DATA/cli_small.csv" -o "$TMP/x.json"
expect 2 "train weights count" -- "$WSL" train --probs "$DATA/cli_texts_probs.csv" --records "$T" --weights "$DATA/cli_texts_probs.csv" -o "$TMP/x.json"
printf '{"text": "a", "label": 7}\n' > "$TMP/badlabel.jsonl"
expect 2 "train validation label out of range" -- "$WSL" train --probs "$DATA/cli_texts_probs.csv" --records "$T" --valid "$TMP/badlabel.jsonl" -o "$TMP/x.json"
contains "$TMP/err" "badlabel.jsonl:1" "bad validation label names the line"
expect 3 "train missing records" -- "$WSL" train --probs "$DATA/cli_texts_probs.csv" --records "$TMP/none.jsonl" -o "$TMP/x.json"
expect 3 "train into a missing directory" -- "$WSL" train --probs "$DATA/cli_texts_probs.csv" --records "$T" -o "$TMP/no/dir/x.json"
expect 1 "classify without -o" -- "$WSL" classify "$TMP/end.json" "$T"
expect 1 "classify unknown output extension" -- "$WSL" classify "$TMP/end.json" "$T" -o "$TMP/ec.txt"
expect 1 "classify bad tie" -- "$WSL" classify "$TMP/end.json" "$T" -o "$TMP/ec.csv" --tie coin
cp "$T" "$TMP/t_in.jsonl"
expect 1 "classify onto its input" -- "$WSL" classify "$TMP/end.json" "$TMP/t_in.jsonl" -o "$TMP/t_in.jsonl"
expect 2 "classify with a label model" -- "$WSL" classify "$TMP/m.json" "$T" -o "$TMP/ec.csv"
contains "$TMP/err" "wsl.end_model" "classify names the expected format"
expect 2 "classify malformed records" -- "$WSL" classify "$TMP/end.json" "$DATA/cli_texts_bad.jsonl" -o "$TMP/ec.csv"
expect 3 "classify missing model" -- "$WSL" classify "$TMP/none.json" "$T" -o "$TMP/ec.csv"
# --json: every subcommand that summarizes can print its summary as one JSON object
json_ok() { # FILE DESCRIPTION
  if command -v python3 >/dev/null 2>&1; then
    if python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$1" 2>"$TMP/json_err"; then
      passes=$((passes + 1)); else
      echo "FAIL: $2: not JSON"; sed 's/^/  | /' "$1" "$TMP/json_err"; fails=$((fails + 1)); fi
  else
    contains "$1" '^{.*}$' "$2 (no python3: shape only)"
  fi
}
expect 0 "info --json" -- "$WSL" info "$DATA/cli_small.csv" --json
json_ok "$TMP/out" "info --json"
expect 0 "convert --json" -- "$WSL" convert "$DATA/cli_small.csv" "$TMP/j.json" --gold "$DATA/cli_gold.csv" --json
json_ok "$TMP/out" "convert --json"
contains "$TMP/out" '"output_format": "wrench", "n": 4, "m": 3, "k": 2' "convert --json shape"
if [ -s "$TMP/err" ]; then echo "FAIL: convert --json wrote to stderr"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
expect 0 "demo --json" -- "$WSL" demo --n 2000 --m 5 --seed 3 --json
json_ok "$TMP/out" "demo --json"
contains "$TMP/out" '"label_model": {"all": 0\.[0-9]*' "demo --json accuracy"
cp "$DATA/cli_small.csv" "$TMP/we\"ird.csv"
expect 0 "fit --json with a quote in the path" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/we\"ird.json" --json
json_ok "$TMP/out" "fit --json escapes the model path"
expect 0 "predict --json" -- "$WSL" predict "$TMP/m.json" "$TMP/we\"ird.csv" -o "$TMP/pj.csv" --labels-out "$TMP/pjl.csv" --json
json_ok "$TMP/out" "predict --json"
contains "$TMP/out" '"n": 4, "k": 2, "covered": 3, "uncovered": 1' "predict --json counts"
if [ -s "$TMP/err" ]; then echo "FAIL: predict --json wrote to stderr"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
expect 0 "eval --json" -- "$WSL" eval "$TMP/pj.csv" "$DATA/cli_gold.csv" --json
json_ok "$TMP/out" "eval --json"
expect 0 "analyze --json with gold and a model" -- "$WSL" analyze "$TMP/copies.csv" --model "$TMP/dm.json" --names "$TMP/copies_names.txt" --json
json_ok "$TMP/out" "analyze --json"
expect 0 "mv --json" -- "$WSL" mv "$DATA/cli_small.csv" -o "$TMP/mvj.csv" --json
json_ok "$TMP/out" "mv --json"
contains "$TMP/out" '"uncovered": 1' "mv --json counts"

# --quiet: nothing on stderr but errors
for c in "fit $DATA/cli_small.csv -k 2 -o $TMP/q.json" "predict $TMP/m.json $DATA/cli_small.csv -o $TMP/q.csv" \
    "mv $DATA/cli_small.csv -o $TMP/q2.csv" "convert $DATA/cli_small.csv $TMP/q.npy"; do
  expect 0 "$c -q" -- "$WSL" $c -q
  if [ -s "$TMP/err" ]; then echo "FAIL: $c -q wrote to stderr"; sed 's/^/  | /' "$TMP/err"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
done

# Progress: a line on a terminal (script(1) gives the command one), nothing when stderr is a
# file (the expect runs above) or with -q. The fit counts EM iterations, predict rows.
awk 'BEGIN { srand(11); for (i = 0; i < 20000; i++) { y = rand() < 0.5; line = "";
  for (j = 0; j < 8; j++) { v = -1; if (rand() < 0.4) v = (rand() < 0.6 + 0.04 * j) ? y : 1 - y;
    line = line (j ? "," : "") v }
  print line; print y > "'"$TMP/prog_gold.csv"'" } }' > "$TMP/prog.csv"
expect 0 "fit without a terminal" -- "$WSL" fit "$TMP/prog.csv" -k 2 -o "$TMP/prog.json"
if grep -q "ETA" "$TMP/err" || tr -d '\n' < "$TMP/err" | grep -q "$(printf '\r')"; then
  echo "FAIL: progress drawn on a redirected stderr"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
expect 0 "predict without a terminal" -- "$WSL" predict "$TMP/prog.json" "$TMP/prog.csv" -o "$TMP/prog_p.csv"
if grep -q "ETA" "$TMP/err"; then echo "FAIL: predict progress on a redirected stderr"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
# threads split the rows (16,384 at least each): the same bytes for any number
cat "$TMP/prog.csv" "$TMP/prog.csv" "$TMP/prog.csv" > "$TMP/prog3.csv"
expect 0 "predict -j 1" -- "$WSL" predict "$TMP/prog.json" "$TMP/prog3.csv" -o "$TMP/prog3_1.csv"
expect 0 "predict -j 3" -- "$WSL" predict "$TMP/prog.json" "$TMP/prog3.csv" -o "$TMP/prog3_3.csv" -j 3
expect 0 "predict --threads 2" -- "$WSL" predict "$TMP/prog.json" "$TMP/prog3.csv" -o "$TMP/prog3_2.csv" --threads 2
if cmp -s "$TMP/prog3_1.csv" "$TMP/prog3_3.csv" && cmp -s "$TMP/prog3_1.csv" "$TMP/prog3_2.csv"; then
  passes=$((passes + 1)); else echo "FAIL: predict on threads wrote other probabilities"; fails=$((fails + 1)); fi
expect 1 "predict -j 0" -- "$WSL" predict "$TMP/prog.json" "$TMP/prog3.csv" -o "$TMP/q.csv" -j 0
contains "$TMP/err" "--threads" "predict -j 0 names the option"
# fit --probs-out: the same model and the same probabilities as fit then predict
expect 0 "fit --probs-out" -- "$WSL" fit "$TMP/prog.csv" -k 2 -o "$TMP/prog_fp.json" --probs-out "$TMP/prog_fp.csv" --json
contains "$TMP/out" '"probs_out": ".*prog_fp.csv"' "fit --json names the probabilities"
if cmp -s "$TMP/prog.json" "$TMP/prog_fp.json" && cmp -s "$TMP/prog_p.csv" "$TMP/prog_fp.csv"; then
  passes=$((passes + 1)); else echo "FAIL: fit --probs-out differs from fit + predict"; fails=$((fails + 1)); fi
expect 0 "fit --probs-out npy, one-coin" -- "$WSL" fit "$DATA/cli_small.csv" -k 2 -o "$TMP/fp2.json" --probs-out "$TMP/fp2.npy" --tables one-coin
expect 0 "predict npy for --probs-out" -- "$WSL" predict "$TMP/fp2.json" "$DATA/cli_small.csv" -o "$TMP/fp2p.npy"
if cmp -s "$TMP/fp2.npy" "$TMP/fp2p.npy"; then passes=$((passes + 1)); else
  echo "FAIL: fit --probs-out (one-coin, npy) differs from predict"; fails=$((fails + 1)); fi
expect 1 "fit --probs-out onto the model" -- "$WSL" fit "$TMP/prog.csv" -k 2 -o "$TMP/same.json" --probs-out "$TMP/same.json"
contains "$TMP/err" "must name different files" "fit --probs-out onto -o named"
expect 1 "fit --probs-out onto the votes" -- "$WSL" fit "$TMP/prog.csv" -k 2 -o "$TMP/x.json" --probs-out "$TMP/prog.csv"
expect 1 "fit --probs-out with a bad extension" -- "$WSL" fit "$TMP/prog.csv" -k 2 -o "$TMP/x.json" --probs-out "$TMP/x.txt"
contains "$TMP/err" "written as .csv or .npy" "fit --probs-out names the formats"
# fit --labels-out: the hard labels predict --labels-out writes, ties by --tie
expect 0 "predict labels for fit --labels-out" -- "$WSL" predict "$TMP/prog.json" "$TMP/prog.csv" -o "$TMP/prog_pl.csv" --labels-out "$TMP/prog_l.csv" --tie hash
expect 0 "fit --labels-out" -- "$WSL" fit "$TMP/prog.csv" -k 2 -o "$TMP/prog_fl.json" --labels-out "$TMP/prog_fl.csv" --tie hash --json
contains "$TMP/out" '"labels_out": ".*prog_fl.csv"' "fit --json names the labels"
if cmp -s "$TMP/prog_l.csv" "$TMP/prog_fl.csv"; then passes=$((passes + 1)); else
  echo "FAIL: fit --labels-out differs from predict --labels-out"; fails=$((fails + 1)); fi
expect 1 "fit --tie without --labels-out" -- "$WSL" fit "$TMP/prog.csv" -k 2 -o "$TMP/x.json" --tie hash
contains "$TMP/err" "--labels-out" "fit --tie alone names --labels-out"
expect 1 "fit --labels-out bad tie" -- "$WSL" fit "$TMP/prog.csv" -k 2 -o "$TMP/x.json" --labels-out "$TMP/x.csv" --tie sometimes
expect 1 "fit --labels-out onto --probs-out" -- "$WSL" fit "$TMP/prog.csv" -k 2 -o "$TMP/x.json" --probs-out "$TMP/same.csv" --labels-out "$TMP/same.csv"
expect 1 "fit --labels-out onto the votes" -- "$WSL" fit "$TMP/prog.csv" -k 2 -o "$TMP/x.json" --labels-out "$TMP/prog.csv"
if command -v script >/dev/null 2>&1; then
  on_tty() { # OUT COMMAND...: run under a pseudo-terminal, transcript (stdout + stderr) in OUT
    out=$1; shift
    printf '"%s" ' "$@" > "$TMP/tty_cmd"
    script -qec "sh '$TMP/tty_cmd'" /dev/null > "$out" 2>&1 < /dev/null
  }
  on_tty "$TMP/tty_fit" "$WSL" fit "$TMP/prog.csv" -k 2 -o "$TMP/prog_tty.json"
  contains "$TMP/tty_fit" "wsl fit: EM .* it/s, ETA [0-9-]*:[0-9-]*, start [1-3]/3" "fit draws progress on a terminal"
  contains "$TMP/tty_fit" "wsl fit: 20000 records x 8 sources" "fit still prints its summary on a terminal"
  if cmp -s "$TMP/prog.json" "$TMP/prog_tty.json"; then passes=$((passes + 1)); else
    echo "FAIL: the fit on a terminal saved another model"; fails=$((fails + 1)); fi
  on_tty "$TMP/tty_fit_q" "$WSL" fit "$TMP/prog.csv" -k 2 -o "$TMP/prog_tty.json" -q
  if grep -q "it/s\|wsl fit" "$TMP/tty_fit_q"; then echo "FAIL: fit -q drew progress on a terminal"; sed 's/^/  | /' "$TMP/tty_fit_q"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
  on_tty "$TMP/tty_fit_v" "$WSL" fit "$TMP/prog.csv" -k 2 -o "$TMP/prog_tty.json" -v
  if grep -q "it/s" "$TMP/tty_fit_v"; then echo "FAIL: fit -v drew progress between its log lines"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
  on_tty "$TMP/tty_pred" "$WSL" predict "$TMP/prog.json" "$TMP/prog.csv" -o "$TMP/prog_p_tty.csv"
  contains "$TMP/tty_pred" "wsl predict: predicting .*rows, .* rows/s, ETA" "predict draws progress on a terminal"
  # on a terminal predict scores 8192 rows per call (3 calls here), else all in one call
  if cmp -s "$TMP/prog_p.csv" "$TMP/prog_p_tty.csv"; then passes=$((passes + 1)); else
    echo "FAIL: predict on a terminal (in chunks) wrote other probabilities"; fails=$((fails + 1)); fi
  # 60,000 rows: with -j 2 two calls of 32,768 and 27,232 rows, the first split over two threads
  on_tty "$TMP/tty_pred3" "$WSL" predict "$TMP/prog.json" "$TMP/prog3.csv" -o "$TMP/prog3_tty.csv" -j 2
  if cmp -s "$TMP/prog3_1.csv" "$TMP/prog3_tty.csv"; then passes=$((passes + 1)); else
    echo "FAIL: predict -j 2 on a terminal (in chunks) wrote other probabilities"; fails=$((fails + 1)); fi
  on_tty "$TMP/tty_report" "$WSL" report "$TMP/prog.csv" --model "$TMP/prog.json" -o "$TMP/prog.html"
  contains "$TMP/tty_report" "wsl report: computing the summary, predictions and dependencies \.\.\." "report shows its steps on a terminal"
  on_tty "$TMP/tty_err" "$WSL" predict "$TMP/prog.json" "$TMP/none.csv" -o "$TMP/x.csv"
  contains "$TMP/tty_err" "$(printf '\033')\[K""wsl predict: .*none.csv" "an error erases the progress line first"
else
  echo "note: no script(1): progress on a terminal not tested"
fi
# rows are scored independently: a slice across a chunk boundary predicted alone is the same
sed -n '8000,8400p' "$TMP/prog.csv" > "$TMP/prog_mid.csv"
expect 0 "predict a slice" -- "$WSL" predict "$TMP/prog.json" "$TMP/prog_mid.csv" -o "$TMP/prog_mid_p.csv"
sed -n '8000,8400p' "$TMP/prog_p.csv" > "$TMP/prog_mid_whole.csv"
if cmp -s "$TMP/prog_mid_p.csv" "$TMP/prog_mid_whole.csv"; then passes=$((passes + 1)); else
  echo "FAIL: predicting in chunks changed the rows across a chunk boundary"; fails=$((fails + 1)); fi

# report: one HTML file (the browser test, report_browser_test.sh, renders it)
printf '<script>alert(1)</script>\nA&B "q"\nkw_\342\200\224dash\nbad\303<b>\ncopy1\ncopy2\n' > "$TMP/rep_names.txt"
awk 'BEGIN { srand(5); for (i = 0; i < 3000; i++) { y = rand() < 0.4; line = "";
  for (j = 0; j < 4; j++) { v = -1; if (rand() < 0.5) v = (rand() < 0.6 + 0.1 * j) ? y : 1 - y;
    r[j] = v; line = line (j ? "," : "") v }
  print line "," r[0] "," r[0]; print (i % 10 == 9 ? -1 : y) > "'"$TMP/rep_gold.csv"'" } }' > "$TMP/rep.csv"
expect 0 "fit for the report" -- "$WSL" fit "$TMP/rep.csv" -k 2 -o "$TMP/rep.json" --deps learn
expect 0 "report with gold and names" -- "$WSL" report "$TMP/rep.csv" --model "$TMP/rep.json" --gold "$TMP/rep_gold.csv" --names "$TMP/rep_names.txt" -o "$TMP/rep.html" --title 'T<i>'
contains "$TMP/err" "wsl report: 3000 records x 6 sources, 2 classes, with gold -> " "report summary line"
for id in overview-table quality lf-summary chart-coverage chart-precision chart-accuracy \
    chart-class-balance class-balance-table cliques chart-dependencies dep-pairs chart-calibration \
    calibration-bins; do
  contains "$TMP/rep.html" "id=\"$id\"" "report has #$id"
done
n_rows=$(grep -o 'id="lf-row-[0-9]*"' "$TMP/rep.html" | sort -u | wc -l)
if [ "$n_rows" -eq 6 ]; then passes=$((passes + 1)); else echo "FAIL: report has $n_rows LF rows, not 6"; fails=$((fails + 1)); fi
contains "$TMP/rep.html" '<li id="clique-0">&lt;script&gt;alert(1)&lt;/script&gt;, copy1, copy2</li>' "report lists the learned clique of the copies"
contains "$TMP/rep.html" '&lt;script&gt;alert(1)&lt;/script&gt;' "report escapes <script> in a name"
contains "$TMP/rep.html" 'A&amp;B &quot;q&quot;' "report escapes & and quotes"
contains "$TMP/rep.html" "kw_$(printf '\342\200\224')dash" "report keeps valid UTF-8"
contains "$TMP/rep.html" 'bad&#xfffd;&lt;b&gt;' "report replaces a cut UTF-8 sequence, escapes what follows"
contains "$TMP/rep.html" '<title>T&lt;i&gt;</title>' "report escapes the title"
if grep -q '<script\|<b>\|<i>' "$TMP/rep.html"; then echo "FAIL: unescaped markup from a name"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
# nothing outside the page: links only to its own anchors
if grep -qi 'src=\|href="[^#]\|url(\|@import\|https\?:' "$TMP/rep.html"; then
  echo "FAIL: the report refers to something outside itself"; grep -oi '.\{20\}\(src=\|href=\|url(\|@import\|https\?:\).\{20\}' "$TMP/rep.html"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
contains "$TMP/rep.html" '<td><a href="#clique-0">0</a></td></tr>' "report links an LF to its clique"
contains "$TMP/rep.html" "default-src 'none'" "report forbids fetching anything (CSP)"
expect 0 "report json, no gold" -- "$WSL" report "$TMP/rep.csv" --model "$TMP/rep.json" -o "$TMP/rep_nogold.html" --json
json_ok "$TMP/out" "report --json"
contains "$TMP/out" '"n_gold": null, "accuracy": null' "report --json without gold"
contains "$TMP/rep_nogold.html" "Precision needs gold labels" "report without gold says what is missing"
if grep -q 'id="chart-calibration"\|id="chart-precision"' "$TMP/rep_nogold.html"; then
  echo "FAIL: report without gold drew gold charts"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
expect 0 "report json with gold" -- "$WSL" report "$TMP/rep.csv" --model "$TMP/rep.json" --gold "$TMP/rep_gold.csv" -o "$TMP/rep2.html" --json -q
json_ok "$TMP/out" "report --json with gold"
contains "$TMP/out" '"n_gold": 2700, "accuracy": 0\.[0-9]*, "majority_vote_accuracy": 0\.[0-9]*, "ece": 0\.[0-9]*, "cliques": 1' "report --json with gold numbers"
# one source, three classes, no gold label known: nothing to score, still valid JSON and HTML
printf '0\n1\n-1\n0\n2\n' > "$TMP/one.csv"
printf -- '-1\n-1\n-1\n-1\n-1\n' > "$TMP/one_gold.csv"
expect 0 "fit one source" -- "$WSL" fit "$TMP/one.csv" -k 3 -o "$TMP/one.json"
expect 0 "report one source, no gold known" -- "$WSL" report "$TMP/one.csv" --model "$TMP/one.json" --gold "$TMP/one_gold.csv" -o "$TMP/one.html" --json
json_ok "$TMP/out" "report --json with no gold label known"
contains "$TMP/out" '"n_gold": 0, "accuracy": null, "majority_vote_accuracy": null, "ece": null' "report --json nulls when nothing is scored"
contains "$TMP/one.html" '^</html>$' "report one source complete"
for in in "$TMP/rep.csv" "$TMP/rep.json" "$TMP/rep_gold.csv" "$TMP/rep_names.txt"; do
  cp "$in" "$TMP/before"
  expect 1 "report refuses to overwrite $(basename "$in")" -- "$WSL" report "$TMP/rep.csv" --model "$TMP/rep.json" --gold "$TMP/rep_gold.csv" --names "$TMP/rep_names.txt" -o "$in"
  contains "$TMP/err" "refusing to overwrite the input" "report names the refusal"
  if cmp -s "$in" "$TMP/before"; then passes=$((passes + 1)); else echo "FAIL: report changed its input $in"; fails=$((fails + 1)); fi
done
ln -s "$TMP/rep.csv" "$TMP/rep_link.html"
expect 1 "report refuses a link to its input" -- "$WSL" report "$TMP/rep.csv" --model "$TMP/rep.json" -o "$TMP/rep_link.html"
expect 1 "report without --model" -- "$WSL" report "$TMP/rep.csv" -o "$TMP/x.html"
expect 1 "report without -o" -- "$WSL" report "$TMP/rep.csv" --model "$TMP/rep.json"
expect 3 "report missing model" -- "$WSL" report "$TMP/rep.csv" --model "$TMP/none.json" -o "$TMP/x.html"
expect 2 "report with a model of other sources" -- "$WSL" report "$DATA/cli_small.csv" --model "$TMP/rep.json" -o "$TMP/x.html"
contains "$TMP/err" "fitted with 6" "report names the source counts"
expect 2 "report gold length mismatch" -- "$WSL" report "$TMP/rep.csv" --model "$TMP/rep.json" --gold "$DATA/cli_gold.csv" -o "$TMP/x.html"
expect 2 "report names count mismatch" -- "$WSL" report "$TMP/rep.csv" --model "$TMP/rep.json" --names "$TMP/names.txt" -o "$TMP/x.html"
echo "keep" > "$TMP/prev.html"
expect 2 "report on malformed votes" -- "$WSL" report "$DATA/cli_bad.csv" --model "$TMP/m.json" -o "$TMP/prev.html"
contains "$TMP/prev.html" "^keep$" "failed report leaves the previous file"
expect 3 "report into a missing directory" -- "$WSL" report "$TMP/rep.csv" --model "$TMP/rep.json" -o "$TMP/no/dir/r.html"
if ls -a "$TMP" | grep -q '^\.rep.*html\.\|^\.prev\.html\.'; then echo "FAIL: report left a temporary file"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
# an existing report is replaced whole, through a link, keeping its mode
chmod 640 "$TMP/prev.html"
ln -s "$TMP/prev.html" "$TMP/prev_link.html"
expect 0 "report through a link" -- "$WSL" report "$TMP/rep.csv" --model "$TMP/rep.json" -o "$TMP/prev_link.html" -q
contains "$TMP/prev.html" '^</html>$' "report replaced the link's target"
if [ -L "$TMP/prev_link.html" ] && [ "$(stat -c %a "$TMP/prev.html")" = 640 ]; then passes=$((passes + 1)); else
  echo "FAIL: report did not keep the link and the mode"; fails=$((fails + 1)); fi
if [ -w /dev/full ]; then
  expect 3 "report onto a full disk" -- "$WSL" report "$TMP/rep.csv" --model "$TMP/rep.json" -o /dev/full
fi
# many sources: no heat map, the pairs ranked in a table
awk 'BEGIN { srand(9); for (i = 0; i < 400; i++) { y = rand() < 0.5; line = "";
  for (j = 0; j < 70; j++) { v = -1; if (rand() < 0.2) v = (rand() < 0.7) ? y : 1 - y;
    line = line (j ? "," : "") v } print line } }' > "$TMP/wide70.csv"
expect 0 "fit 70 sources" -- "$WSL" fit "$TMP/wide70.csv" -k 2 -o "$TMP/wide70.json"
expect 0 "report 70 sources" -- "$WSL" report "$TMP/wide70.csv" --model "$TMP/wide70.json" -o "$TMP/wide70.html"
contains "$TMP/wide70.html" "No heat map for 70 sources" "report skips the heat map for many sources"
contains "$TMP/wide70.html" 'id="dep-pair-24"' "report ranks the top 25 pairs"
contains "$TMP/wide70.html" "2390 more pairs" "report counts the pairs not listed"

# apply: LFs from a plugin over JSON Lines and CSV records (tests/plugins/)
if [ -n "$PLUGINS" ] && [ -f "$PLUGINS/plugin_good.so" ]; then
  P="$PLUGINS/plugin_good.so"
  printf '{"text": "a good day", "n": 3}\n\n{"text": "bad", "n": -1}\n{"text": "a rather long text, neither"}\n' > "$TMP/r.jsonl"
  printf 'n,text\n3,a good day\n-1,bad\n,"a rather long text, neither"\n' > "$TMP/r.csv"
  expect 0 "apply jsonl" -- "$WSL" apply --lfs "$P" "$TMP/r.jsonl" -o "$TMP/ra.csv"
  printf '1,-1,-1,1\n-1,0,-1,0\n-1,-1,2,-1\n' > "$TMP/ra_want.csv"
  if cmp -s "$TMP/ra.csv" "$TMP/ra_want.csv"; then passes=$((passes + 1)); else
    echo "FAIL: apply votes"; cat "$TMP/ra.csv"; fails=$((fails + 1)); fi
  contains "$TMP/err" "3 records x 4 LFs (k = 3)" "apply summary"
  expect 0 "apply csv" -- "$WSL" apply --lfs "$P" "$TMP/r.csv" -o "$TMP/rc.csv" -q
  if cmp -s "$TMP/rc.csv" "$TMP/ra_want.csv" && [ ! -s "$TMP/err" ]; then passes=$((passes + 1)); else
    echo "FAIL: apply csv votes / quiet"; fails=$((fails + 1)); fi
  cp "$TMP/r.csv" "$TMP/r.txt"
  expect 0 "apply --format csv" -- "$WSL" apply --lfs "$P" "$TMP/r.txt" --format csv -o "$TMP/rt.npy" --json --names-out "$TMP/rnames.txt"
  contains "$TMP/out" '"format": "csv"' "apply json format"
  contains "$TMP/out" '"class_names": \["negative", "positive", "long"\]' "apply json classes"
  contains "$TMP/out" '{"name": "word_good", "coverage": 0.333333, "faults": 0}' "apply json per-LF coverage"
  contains "$TMP/rnames.txt" "^sign_of_n$" "apply --names-out"
  expect 0 "info on applied npy" -- "$WSL" info "$TMP/rt.npy"
  contains "$TMP/out" "sources   4" "applied npy has the LF columns"
  # -j: the same votes on more records
  awk 'BEGIN { for (i = 0; i < 3000; i++) printf "{\"text\": \"%s %d%s\", \"n\": %d}\n",
    (i % 3 ? "good" : "bad"), i, (i % 5 ? "" : " and a long tail of words"), i % 7 - 3 }' > "$TMP/many.jsonl"
  expect 0 "apply -j 1" -- "$WSL" apply --lfs "$P" "$TMP/many.jsonl" -o "$TMP/m1.csv"
  expect 0 "apply -j 3" -- "$WSL" apply --lfs "$P" "$TMP/many.jsonl" -o "$TMP/m3.csv" -j 3 --json
  contains "$TMP/out" '"threads": 3' "apply json threads"
  if cmp -s "$TMP/m1.csv" "$TMP/m3.csv" && [ "$(wc -l < "$TMP/m3.csv")" -eq 3000 ]; then
    passes=$((passes + 1)); else echo "FAIL: apply -j 3 differs from -j 1"; fails=$((fails + 1)); fi
  # the shortest plugin (WSL_PLUGIN), a relative name without a slash
  printf '{"text": "yes"}\n{"text": "no"}\n{"text": "maybe"}\n' > "$TMP/yn.jsonl"
  cp "$PLUGINS/plugin_minimal.so" "$TMP/minimal.so"
  (cd "$TMP" && "$WSL" apply --lfs minimal.so yn.jsonl -o yn.csv -q) && [ "$(cat "$TMP/yn.csv" | tr '\n' ' ')" = "1,-1 -1,0 -1,-1 " ] &&
    passes=$((passes + 1)) || { echo "FAIL: apply minimal plugin"; fails=$((fails + 1)); }
  # malformed records: line numbers, --skip-bad
  printf '{"text": "good"}\n{"text": \n[1]\n{"n": 2}\n{"text": "bad"}\n' > "$TMP/bad.jsonl"
  expect 2 "apply malformed jsonl" -- "$WSL" apply --lfs "$P" "$TMP/bad.jsonl" -o "$TMP/b.csv"
  contains "$TMP/err" "bad.jsonl:2:" "apply names the malformed line"
  [ ! -e "$TMP/b.csv" ] && passes=$((passes + 1)) || { echo "FAIL: apply left an output"; fails=$((fails + 1)); }
  expect 0 "apply --skip-bad" -- "$WSL" apply --lfs "$P" "$TMP/bad.jsonl" -o "$TMP/b.csv" --skip-bad
  contains "$TMP/err" "skipped: .*bad.jsonl:3:1: expected a JSON object" "skip-bad names each line"
  contains "$TMP/err" "bad.jsonl:4: the record has no field \"text\"" "skip-bad names the missing field"
  contains "$TMP/err" "2 records x 4 LFs (k = 2\|2 records x 4 LFs (k = 3), .* 3 skipped" "skip-bad counts"
  expect 0 "apply --skip-bad --json" -- "$WSL" apply --lfs "$P" "$TMP/bad.jsonl" -o "$TMP/b.csv" --skip-bad --json
  contains "$TMP/out" '"n": 2, "m": 4, "k": 3, "threads": 1, "skipped": 3' "skip-bad json"
  printf 'n,text\n1,good\n2\n3,"x"y\n4,bad\n' > "$TMP/bad.csv"
  expect 2 "apply malformed csv" -- "$WSL" apply --lfs "$P" "$TMP/bad.csv" -o "$TMP/bc.csv"
  contains "$TMP/err" "bad.csv:3: 1 field, the header has 2" "apply names the ragged csv line"
  expect 0 "apply csv --skip-bad" -- "$WSL" apply --lfs "$P" "$TMP/bad.csv" -o "$TMP/bc.csv" --skip-bad --json
  contains "$TMP/out" '"n": 2, .*"skipped": 2' "csv skip-bad counts"
  printf 'id,body\n1,x\n' > "$TMP/nocol.csv"
  expect 2 "apply csv without the needed column" -- "$WSL" apply --lfs "$P" "$TMP/nocol.csv" -o "$TMP/x.csv" --skip-bad
  contains "$TMP/err" "the header has no column \"text\"" "apply names the missing column"
  # an LF failing on a record: its line; --fault-tolerant counts it
  printf '{"text": "ok"}\n\n{"text": "this will fail"}\n' > "$TMP/fail.jsonl"
  expect 2 "apply LF error" -- "$WSL" apply --lfs "$P" "$TMP/fail.jsonl" -o "$TMP/f.csv"
  contains "$TMP/err" 'LF "long_text" signalled an error .*; the record is on line 3 in ' "apply names the LF and the line"
  expect 0 "apply --fault-tolerant" -- "$WSL" apply --lfs "$P" "$TMP/fail.jsonl" -o "$TMP/f.csv" --fault-tolerant --json
  contains "$TMP/out" '"faults": 1' "fault-tolerant counts the fault"
  contains "$TMP/out" '{"name": "long_text", "coverage": 0.000000, "faults": 1}' "fault counted per LF"
  # plugins that are not right
  expect 3 "apply missing plugin" -- "$WSL" apply --lfs "$TMP/nope.so" "$TMP/r.jsonl" -o "$TMP/x.csv"
  contains "$TMP/err" "cannot load .*nope.so" "apply names the plugin"
  expect 3 "apply plugin not a shared object" -- "$WSL" apply --lfs "$TMP/r.jsonl" "$TMP/r.csv" -o "$TMP/x.csv"
  expect 2 "apply no table" -- "$WSL" apply --lfs "$PLUGINS/plugin_nosymbol.so" "$TMP/r.jsonl" -o "$TMP/x.csv"
  contains "$TMP/err" "exports no wsl_plugin_table" "apply: missing symbol"
  expect 2 "apply ABI mismatch" -- "$WSL" apply --lfs "$PLUGINS/plugin_abi.so" "$TMP/r.jsonl" -o "$TMP/x.csv"
  contains "$TMP/err" "plugin ABI 2; this libwsl .* reads ABI 1" "apply: version mismatch"
  expect 2 "apply contradicting table" -- "$WSL" apply --lfs "$PLUGINS/plugin_dupe.so" "$TMP/r.jsonl" -o "$TMP/x.csv"
  contains "$TMP/err" 'lfs\[0\] and lfs\[2\] are both named "same"' "apply: duplicate LF names"
  expect 2 "apply failing init" -- "$WSL" apply --lfs "$PLUGINS/plugin_initfail.so" "$TMP/r.jsonl" -o "$TMP/x.csv"
  contains "$TMP/err" "init failed (returned 3): cannot open the keyword list" "apply: init message"
  # usage errors, I/O errors, safe outputs
  expect 1 "apply without --lfs" -- "$WSL" apply "$TMP/r.jsonl" -o "$TMP/x.csv"
  contains "$TMP/err" "--lfs PLUGIN.so is required" "apply names --lfs"
  expect 1 "apply without -o" -- "$WSL" apply --lfs "$P" "$TMP/r.jsonl"
  expect 1 "apply bad -j" -- "$WSL" apply --lfs "$P" "$TMP/r.jsonl" -o "$TMP/x.csv" -j 0
  expect 1 "apply bad --format" -- "$WSL" apply --lfs "$P" "$TMP/r.jsonl" -o "$TMP/x.csv" --format xml
  expect 1 "apply two record files" -- "$WSL" apply --lfs "$P" "$TMP/r.jsonl" "$TMP/r.csv" -o "$TMP/x.csv"
  expect 1 "apply over its records" -- "$WSL" apply --lfs "$P" "$TMP/r.csv" -o "$TMP/r.csv"
  contains "$TMP/err" "refusing to overwrite the input" "apply refuses to overwrite records"
  expect 1 "apply over its plugin" -- "$WSL" apply --lfs "$TMP/minimal.so" "$TMP/yn.jsonl" -o "$TMP/x.csv" --names-out "$TMP/minimal.so"
  expect 3 "apply missing records" -- "$WSL" apply --lfs "$P" "$TMP/nope.jsonl" -o "$TMP/x.csv"
  expect 3 "apply into a missing directory" -- "$WSL" apply --lfs "$P" "$TMP/r.jsonl" -o "$TMP/no/dir/x.csv"
  cp "$TMP/ra_want.csv" "$TMP/keep.csv"
  expect 2 "apply failing over a previous output" -- "$WSL" apply --lfs "$P" "$TMP/bad.jsonl" -o "$TMP/keep.csv"
  cmp -s "$TMP/keep.csv" "$TMP/ra_want.csv" && passes=$((passes + 1)) || { echo "FAIL: a failed apply changed its output"; fails=$((fails + 1)); }
  if [ -w /dev/full ]; then
    expect 3 "apply onto a full disk" -- "$WSL" apply --lfs "$P" "$TMP/r.jsonl" -o /dev/full
  fi
  if command -v script >/dev/null 2>&1; then
    on_tty "$TMP/tty_apply" "$WSL" apply --lfs "$P" "$TMP/many.jsonl" -o "$TMP/m_tty.csv"
    contains "$TMP/tty_apply" "wsl apply: applying 4 LFs .*% .*records, .*records/s" "apply draws progress on a terminal"
    on_tty "$TMP/tty_apply_q" "$WSL" apply --lfs "$P" "$TMP/many.jsonl" -o "$TMP/m_tty.csv" -q
    if grep -q "records/s\|wsl apply" "$TMP/tty_apply_q"; then echo "FAIL: apply -q drew on a terminal"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
    cmp -s "$TMP/m_tty.csv" "$TMP/m1.csv" && passes=$((passes + 1)) || { echo "FAIL: apply on a terminal wrote other votes"; fails=$((fails + 1)); }
  fi
  if grep -q "records/s" "$TMP/err"; then echo "FAIL: apply progress on a redirected stderr"; fails=$((fails + 1)); else passes=$((passes + 1)); fi
  # both outputs or neither: a --names-out that cannot be written leaves the votes file alone
  cp "$TMP/ra_want.csv" "$TMP/keep2.csv"
  printf '{"text": "good"}\n' > "$TMP/one.jsonl"
  expect 3 "apply names into a missing directory" -- "$WSL" apply --lfs "$P" "$TMP/one.jsonl" -o "$TMP/keep2.csv" --names-out "$TMP/no/dir/n.txt"
  cmp -s "$TMP/keep2.csv" "$TMP/ra_want.csv" && passes=$((passes + 1)) || { echo "FAIL: apply replaced the votes though --names-out failed"; fails=$((fails + 1)); }
  expect 1 "apply -o and --names-out one file" -- "$WSL" apply --lfs "$P" "$TMP/one.jsonl" -o "$TMP/same.csv" --names-out "$TMP/./same.csv"
  expect 1 "apply --lfs empty" -- "$WSL" apply --lfs "" "$TMP/one.jsonl" -o "$TMP/x.csv"
  contains "$TMP/err" "--lfs PLUGIN.so is required" "apply names an empty --lfs"
  # a bad CSV record spanning lines is skipped whole
  printf 'text,n\n"a"x,"good\nbad",2\nrec3,3\n' > "$TMP/span.csv"
  expect 0 "apply skips a spanning bad record" -- "$WSL" apply --lfs "$P" "$TMP/span.csv" -o "$TMP/span_votes.csv" --skip-bad --json
  contains "$TMP/out" '"n": 1, .*"skipped": 1' "one record kept, one skipped"
  # records from a pipe: no size known, same votes
  expect 0 "apply from a pipe" -- sh -c "cat '$TMP/r.jsonl' | '$WSL' apply --lfs '$P' /dev/stdin -o '$TMP/pipe.csv'"
  cmp -s "$TMP/pipe.csv" "$TMP/ra_want.csv" && passes=$((passes + 1)) || { echo "FAIL: apply from a pipe"; fails=$((fails + 1)); }
fi

# the label model on a real matrix, end to end
if [ -f "$SHARED/youtube/L_train.csv" ]; then
  expect 0 "fit youtube" -- "$WSL" fit "$SHARED/youtube/L_train.csv" -k 2 -o "$TMP/y.json"
  expect 0 "predict youtube" -- "$WSL" predict "$TMP/y.json" "$SHARED/youtube/L_test.csv" -o "$TMP/y.npy"
  expect 0 "eval youtube" -- "$WSL" eval "$TMP/y.npy" "$SHARED/youtube/y_test.csv"
  contains "$TMP/out" "acc 0\.[89]" "youtube accuracy above 0.8"
  # the end model on the youtube texts: it labels the comments no LF covers too
  expect 0 "predict youtube train" -- "$WSL" predict "$TMP/y.json" "$SHARED/youtube/L_train.csv" -o "$TMP/ytr.csv"
  expect 0 "train youtube" -- "$WSL" train --probs "$TMP/ytr.csv" --records "$SHARED/youtube/texts_train.jsonl" --text-field text --votes "$SHARED/youtube/L_train.csv" -o "$TMP/yend.json"
  expect 0 "classify youtube" -- "$WSL" classify "$TMP/yend.json" "$SHARED/youtube/texts_test.jsonl" --text-field text -o "$TMP/yend.npy"
  expect 0 "eval youtube end model" -- "$WSL" eval "$TMP/yend.npy" "$SHARED/youtube/y_test.csv"
  contains "$TMP/out" "acc 0\.9" "youtube end model accuracy above 0.9"
fi

echo "cli: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
