#!/bin/sh
# `wsl report` in a real browser: headless Chromium parses and lays out the page; the test reads
# the DOM it built (--dump-dom) and, through a harness page that loads the report in an iframe,
# the rendered size of every chart and table, the bar lengths against the table's numbers, and
# that no script, markup from a name, or horizontal overflow made it into the page.
# Exit 77 (skipped) when no Chromium is installed.
# usage: report_browser_test.sh WSL OUT_DIR   (OUT_DIR keeps report.html and report.png)
set -u
WSL=$1
OUT=$2
BROWSER=
for b in ${WSL_CHROMIUM:-} chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then BROWSER=$b; break; fi
done
if [ -z "$BROWSER" ]; then
  echo "skip: no chromium (apt-get install chromium)"; exit 77
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"
fails=0
passes=0
ok() { passes=$((passes + 1)); }
fail() { echo "FAIL: $1"; fails=$((fails + 1)); }
# count FILE REGEX: occurrences of REGEX
count() { grep -o -- "$2" "$1" | wc -l; }
browser() { # run headless Chromium with a profile of its own; stderr kept apart
  timeout 120 "$BROWSER" --headless --disable-gpu --no-sandbox --no-first-run \
    --user-data-dir="$TMP/profile" "$@" 2>>"$TMP/browser.log"
}

# 6 sources over 3000 records; sources 4 and 5 copy source 0 (a clique to learn); gold on 9 in
# 10 records; names that must be escaped.
awk 'BEGIN { srand(5); for (i = 0; i < 3000; i++) { y = rand() < 0.4; line = "";
  for (j = 0; j < 4; j++) { v = -1; if (rand() < 0.5) v = (rand() < 0.6 + 0.1 * j) ? y : 1 - y;
    r[j] = v; line = line (j ? "," : "") v }
  print line "," r[0] "," r[0]; print (i % 10 == 9 ? -1 : y) > "'"$TMP/gold.csv"'" } }' > "$TMP/votes.csv"
printf '<script>alert(1)</script>\nA&B "q"\nkw_\342\200\224dash\n</svg><b>x\ncopy1\ncopy2\n' > "$TMP/names.txt"
m=6
k=2
"$WSL" fit "$TMP/votes.csv" -k $k -o "$TMP/model.json" --deps learn -q || { echo "FAIL: fit"; exit 1; }
"$WSL" report "$TMP/votes.csv" --model "$TMP/model.json" --gold "$TMP/gold.csv" \
  --names "$TMP/names.txt" --title 'Report <i>T</i>' -o "$OUT/report.html" -q ||
  { echo "FAIL: report"; exit 1; }

# 1. The DOM Chromium built from the file.
browser --dump-dom "file://$OUT/report.html" > "$TMP/dom.html"
if [ ! -s "$TMP/dom.html" ]; then
  echo "FAIL: $BROWSER printed no DOM"; sed 's/^/  | /' "$TMP/browser.log"; exit 1
fi
for id in overview-table quality lf-summary chart-coverage chart-precision chart-accuracy \
    chart-class-balance class-balance-table cliques clique-0 chart-dependencies dep-pairs \
    chart-calibration calibration-bins; do
  if grep -q "id=\"$id\"" "$TMP/dom.html"; then ok; else fail "no element #$id in the DOM"; fi
done
for j in $(seq 0 $((m - 1))); do
  if grep -q "<tr id=\"lf-row-$j\">" "$TMP/dom.html"; then ok; else fail "no table row lf-row-$j"; fi
done
for cls in "bar s-coverage" "bar s-precision" "bar s-learned" "bar s-empirical"; do
  n=$(count "$TMP/dom.html" "<rect class=\"$cls\"")
  if [ "$n" -eq $m ]; then ok; else fail "$n rects of class '$cls', not $m"; fi
done
n=$(count "$TMP/dom.html" '<rect class="bar s-\(prior\|pred\|gold\)"')
if [ "$n" -eq $((3 * k)) ]; then ok; else fail "$n class balance bars, not $((3 * k))"; fi
n=$(count "$TMP/dom.html" '<rect class="hm-\(cell\|diag\|clique\)"')
if [ "$n" -eq $((m * m)) ]; then ok; else fail "$n heat map cells, not $((m * m))"; fi
bins=$(sed -n '/id="calibration-bins"/,/<\/table>/p' "$TMP/dom.html" | grep -c '<tr><td>')
n=$(count "$TMP/dom.html" '<rect class="cal-bar"')
if [ "$bins" -ge 2 ] && [ "$n" -eq "$bins" ]; then ok; else fail "$n calibration bars for $bins bins"; fi
if grep -q '<script\|<b>\|<i>' "$TMP/dom.html"; then fail "a name or the title became markup"; else ok; fi
if grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$TMP/dom.html" &&
   grep -q '&lt;/svg&gt;&lt;b&gt;x' "$TMP/dom.html"; then ok; else fail "escaped names not shown as text"; fi

# 2. Layout, read by a page that loads the report in an iframe.
cat > "$TMP/harness.html" <<EOF
<!DOCTYPE html><html><body>
<iframe id="f" src="file://$OUT/report.html" style="width:1200px;height:2000px;border:0"></iframe>
<pre id="result">no result</pre>
<script>
document.getElementById('f').addEventListener('load', function () {
  var out = [];
  try {
    var d = document.getElementById('f').contentDocument;
    ['overview-table', 'lf-summary', 'chart-coverage', 'chart-precision', 'chart-accuracy',
     'chart-class-balance', 'chart-dependencies', 'dep-pairs', 'chart-calibration',
     'calibration-bins'].forEach(function (id) {
      var e = d.getElementById(id), r = e && e.getBoundingClientRect();
      out.push('size ' + id + ' ' + (r && r.width >= 100 && r.height >= 40 ? 'ok' : 'bad ' +
               (r ? r.width + 'x' + r.height : 'missing')));
    });
    /* each coverage and precision bar is as long as the table says (400 units = 1) */
    [['chart-coverage', 3], ['chart-precision', 8]].forEach(function (c) {
      var bars = d.querySelectorAll('#' + c[0] + ' rect.bar'), good = 0;
      for (var j = 0; j < bars.length; j++) {
        var v = parseFloat(d.getElementById('lf-row-' + j).cells[c[1]].textContent);
        if (Math.abs(bars[j].getBBox().width / 400 - v) < 0.001) good++;
      }
      out.push('bars ' + c[0] + ' ' + good + '/' + bars.length);
    });
    out.push('scripts ' + d.getElementsByTagName('script').length);
    out.push('title ' + d.title);
    out.push('overflow ' + (d.documentElement.scrollWidth - d.documentElement.clientWidth));
  } catch (err) { out.push('error ' + err); }
  document.getElementById('result').textContent = out.join('\n');
});
</script></body></html>
EOF
browser --allow-file-access-from-files --virtual-time-budget=10000 --dump-dom \
  "file://$TMP/harness.html" | sed -n '/<pre id="result">/,/<\/pre>/p' |
  sed 's/<pre id="result">//; s/<\/pre>//' > "$TMP/layout.txt"
sed 's/^/  layout: /' "$TMP/layout.txt"
n=$(grep -c '^size .* ok$' "$TMP/layout.txt")
if [ "$n" -eq 10 ]; then ok; else fail "$n of 10 charts and tables laid out with a size"; fi
if grep -q "^bars chart-coverage $m/$m\$" "$TMP/layout.txt" &&
   grep -q "^bars chart-precision $m/$m\$" "$TMP/layout.txt"; then ok; else
  fail "bar lengths differ from the table"; fi
if grep -q '^scripts 0$' "$TMP/layout.txt"; then ok; else fail "the page has a script"; fi
if grep -q '^title Report &lt;i&gt;T&lt;/i&gt;$' "$TMP/layout.txt"; then ok; else
  fail "the title is not the text given"; fi
if grep -q '^overflow 0' "$TMP/layout.txt"; then ok; else fail "the page overflows 1200 px"; fi

# 3. A screenshot (kept in OUT for people): a PNG of the window's size.
rm -f "$OUT/report.png"
browser --hide-scrollbars --window-size=1200,3000 --screenshot="$OUT/report.png" \
  "file://$OUT/report.html" >/dev/null
if [ -s "$OUT/report.png" ] &&
   [ "$(od -An -tx1 -j12 -N12 "$OUT/report.png" | tr -d ' \n')" = "49484452000004b000000bb8" ]; then
  ok; else fail "no 1200 x 3000 PNG screenshot"; fi

echo "report in $BROWSER: $passes passed, $fails failed"
if [ "$fails" -ne 0 ]; then echo "browser log:"; tail -n 20 "$TMP/browser.log"; fi
[ "$fails" -eq 0 ]
