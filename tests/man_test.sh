#!/bin/sh
# The manual pages wsl.1 and wsl-mpi.1.
#   man_test.sh complete WSL WSL.1   every subcommand `wsl --help` lists has a section (.SS) that
#                                    names every option its --help shows; every exit status of
#                                    `wsl --help` is documented
#   man_test.sh render WSL.1         groff renders it without a warning (exit 77 without groff)
set -u
mode=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
passes=0
fail() { echo "FAIL: $1"; fails=$((fails + 1)); }

case $mode in
complete)
  WSL=$2
  PAGE=$3
  # the page as plain text: \- is -, font changes dropped
  sed 's/\\-/-/g; s/\\f[BIRP]//g; s/\\e/\\/g' "$PAGE" > "$TMP/page"
  "$WSL" --help > "$TMP/help"
  awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}' "$TMP/help" \
    > "$TMP/commands"
  [ -s "$TMP/commands" ] || fail "no commands in wsl --help"
  for c in $(cat "$TMP/commands"); do
    # the section of c: from ".SS c" to the next .SS or .SH
    awk -v c="$c" '$0 == ".SS " c {on = 1; next} on && /^\.S[SH] / {on = 0} on' "$TMP/page" \
      > "$TMP/section"
    if [ ! -s "$TMP/section" ]; then fail "no section .SS $c"; continue; fi
    passes=$((passes + 1))
    "$WSL" "$c" --help > "$TMP/usage"
    for o in $( (grep -o -- '--[a-z][a-z-]*[a-z]' "$TMP/usage"; grep -o -- '\(^\| \|\[\)-[a-zA-Z]\($\|[ ,]\)' "$TMP/usage" |
                 tr -d ' ,[') | sort -u); do
      if grep -q -- "$o\\([^a-z-]\\|\$\\)" "$TMP/section"; then passes=$((passes + 1)); else
        fail "wsl $c --help shows $o, the man page's section $c does not"; fi
    done
  done
  awk '/^exit status:/ {on = 1; next} on && /^  [0-9]/ {print $1}' "$TMP/help" > "$TMP/codes"
  [ "$(wc -l < "$TMP/codes")" -ge 4 ] || fail "wsl --help lists $(wc -l < "$TMP/codes") exit codes"
  awk '$0 == ".SH EXIT STATUS" {on = 1; next} on && /^\.SH / {on = 0} on' "$TMP/page" > "$TMP/exit"
  for code in $(cat "$TMP/codes"); do
    if grep -q "^\.B $code\$" "$TMP/exit"; then passes=$((passes + 1)); else
      fail "exit status $code not in EXIT STATUS"; fi
  done
  for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS FILES "EXIT STATUS" EXAMPLES; do
    if grep -q "^\.SH $s\$" "$TMP/page"; then passes=$((passes + 1)); else fail "no section $s"; fi
  done
  ;;
render)
  PAGE=$2
  if ! command -v groff >/dev/null 2>&1; then echo "skip: no groff"; exit 77; fi
  # -ww: every warning; -z: no output; warnings (and errors) go to stderr
  LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$PAGE" 2> "$TMP/warnings"
  if [ -s "$TMP/warnings" ]; then fail "groff warns:"; sed 's/^/  | /' "$TMP/warnings"; else
    passes=$((passes + 1)); fi
  LC_ALL=C.UTF-8 groff -man -Tutf8 -ww "$PAGE" 2>/dev/null | col -bx 2>/dev/null > "$TMP/text" ||
    LC_ALL=C.UTF-8 groff -man -Tascii -P-c -ww "$PAGE" > "$TMP/text" 2>/dev/null
  case $(basename "$PAGE") in
  wsl-mpi.1) expect="wsl-mpi - the label model|EXIT STATUS|mpirun  *--hostfile  *hosts" ;;
  *) expect="wsl - weak-supervision labeling|EXIT STATUS|wsl  *report  *VOTES  *--model  *MODEL.json" ;;
  esac
  IFS='|'
  set -- $expect
  unset IFS
  for s in "$@"; do
    if grep -q -- "$s" "$TMP/text"; then passes=$((passes + 1)); else
      fail "the rendered page lacks '$s'"; sed 's/^/  | /' "$TMP/text" | head -20; fi
  done
  if command -v man >/dev/null 2>&1; then
    if MANWIDTH=80 MANPAGER=cat man --warnings -l "$PAGE" > "$TMP/man" 2> "$TMP/man_err" &&
       [ ! -s "$TMP/man_err" ] && grep -q "EXIT STATUS" "$TMP/man"; then
      passes=$((passes + 1)); else fail "man -l:"; sed 's/^/  | /' "$TMP/man_err"; fi
  fi
  ;;
*) echo "usage: man_test.sh complete WSL WSL.1 | render WSL.1"; exit 2 ;;
esac
echo "man $mode: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
