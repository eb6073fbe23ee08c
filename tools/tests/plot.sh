#!/usr/bin/env bash
# CLI tests of pktstat-plot: a known archive (current, rotated and gzip
# files, dateext names) gives a picture of the asked size whose plotted
# extremes sit where the data says (PNG pixels read by cairo, SVG path
# coordinates), and bad input a clear error and a non-zero exit. TAP.
# Usage: plot.sh PKTSTAT_PLOT PNGPROBE
set -uo pipefail
plot=$1
probe=$2
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
# shellcheck source-path=SCRIPTDIR source=tap.bash disable=SC1091
. "$(dirname "$0")/tap.bash"

P=1000000			# 1 ms windows
T0=1800000000000000000		# 2027-01-15 08:00:00 UTC
HDR=time_utc,end_ns,instance,instance_id,frames,bytes,total_frames,total_bytes,start_ns,period_ns,flags

# rows NAME FROM TO: windows FROM..TO of 5 frames of 228 bytes, except
# window 3500 (60 frames): format 2, deltas and totals as the collector
# writes them. Times in bash: 64-bit.
rows() {
	local i f tf=0 tb=0 end
	for ((i = 1; i <= $3; i++)); do
		f=5
		((i == 3500)) && f=60
		tf=$((tf + f)) tb=$((tb + f * 228))
		((i < $2)) && continue
		end=$((T0 + i * P))
		echo "x,$end,$1,7,$f,$((f * 228)),$tf,$tb,$((end - P)),$P,"
	done
}

mkdir "$t/log"
{ echo "$HDR"; rows web 1 3000; } | gzip >"$t/log/web.csv.2.gz"
{ echo "$HDR"; rows web 3001 6000; } >"$t/log/web.csv.1"
{ echo "$HDR"; rows web 6001 10000; } >"$t/log/web.csv"
{ echo "$HDR"; rows db 1 100; } >"$t/log/db.csv"
echo "not ours" >"$t/log/README"
# A format-1 file (no period_ns).
{
	echo "time_utc,end_ns,instance,instance_id,frames,bytes,total_frames,total_bytes"
	echo "x,$((T0 + P)),old,1,5,500,5,500"
	echo "x,$((T0 + 2 * P)),old,1,7,700,12,1200"
} >"$t/old.csv"

# layout FILE: the tool's own account (-v) as shell variables
layout() {
	sed -n 's/^pktstat-plot: area: \(.*\)/X0=\1/p; s/^pktstat-plot: ymax: \(.*\)/YMAX=\1/p;
		s/^pktstat-plot: range: \([0-9]*\) .* column: \([0-9.]*\) ns/R0=\1 COL=\2/p' "$1" |
		sed 's/^X0=\([0-9]*\) \([0-9]*\) \([0-9]*\) \([0-9]*\) \([0-9]*\) \([0-9]*\)/X0=\1 X1=\2 TOP0=\3 BOT0=\4 TOP1=\5 BOT1=\6/;
		     s/^YMAX=\([^ ]*\) \([^ ]*\)/YMAXF=\1 YMAXB=\2/'
}
# ypx VALUE YMAX TOP BOTTOM: the y a value is drawn at
ypx() { awk -v v="$1" -v m="$2" -v t="$3" -v b="$4" 'BEGIN { printf "%.3f", b - v / m * (b - t) }'; }
# near A B: |A - B| <= 1.5 (the 1.2 px line half covers the pixel above)
near() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(d <= 1.5 && d >= -1.5) }'; }

# --- 10 s of 1 ms windows in three files
"$plot" -v -n web -s 900x500 -o "$t/web.png" "$t/log" 2>"$t/err"
ok $? "dir with web.csv, web.csv.1, web.csv.2.gz: exit 0"
is "$("$probe" size "$t/web.png")" "900 500" "PNG of the asked size"
grep -q "read: 3 files, 10000 rows" "$t/err"; ok $? "read the 3 files of web, 10000 rows"
grep -q "series web: rows 10000, frames 50055, bytes 11412540," "$t/err"
ok $? "every frame and byte counted: 50055 frames, 11412540 bytes"
eval "$(layout "$t/err")"
# The burst window [T0 + 3499 ms, T0 + 3500 ms): the columns it overlaps
# (one, or two if a column boundary cuts it) and its height.
cb=$(awk -v s="$((T0 + 3499 * P - R0))" -v c="$COL" 'BEGIN { printf "%d", s / c }')
ce=$(awk -v s="$((T0 + 3500 * P - 1 - R0))" -v c="$COL" 'BEGIN { printf "%d", s / c }')
yb=$(ypx 60000 "$YMAXF" "$TOP0" "$BOT0")
y5=$(ypx 5000 "$YMAXF" "$TOP0" "$BOT0")
"$probe" tops "$t/web.png" "$X0" "$X1" "$TOP0" "$BOT0" >"$t/tops"
# burst_tops FILE: "x y" of the burst's columns; others FILE: the y of
# the rest but their neighbours (the mean line climbs to the burst's mean
# across them).
burst_tops() { awk -v a=$((X0 + cb)) -v b=$((X0 + ce)) '$1 >= a && $1 <= b' "$1"; }
others() {
	awk -v a=$((X0 + cb - 1)) -v b=$((X0 + ce + 1)) '($1 < a || $1 > b) && $2 != "-" { print $2 }' "$1" |
		sort -n | uniq
}
read -r hx _ < <(grep -v ' -$' "$t/tops" | sort -k2n | head -n1)
[[ $hx -ge $((X0 + cb)) && $hx -le $((X0 + ce)) ]]
ok $? "the highest packets/s pixel is in the burst's column $((X0 + cb))..$((X0 + ce)) ($hx)"
bad=$(burst_tops "$t/tops" | while read -r x y; do near "$y" "$yb" || echo "$x:$y"; done)
is "$bad" "" "the burst's columns reach 60000 packets/s (y $yb)"
lo=$(others "$t/tops" | head -n1) hi=$(others "$t/tops" | tail -n1)
near "$lo" "$y5" && near "$hi" "$y5"
ok $? "every other column at 5000 packets/s (y $lo..$hi, want $y5)"
"$probe" tops "$t/web.png" "$X0" "$X1" "$TOP1" "$BOT1" >"$t/tops1"
yb=$(ypx $((60 * 228 * 8 * 1000)) "$YMAXB" "$TOP1" "$BOT1")
bad=$(burst_tops "$t/tops1" | while read -r x y; do near "$y" "$yb" || echo "$x:$y"; done)
is "$bad" "" "bit/s panel: the same columns reach 109.44 Mbit/s (y $yb)"
lo=$(others "$t/tops1" | head -n1)
near "$lo" "$(ypx $((5 * 228 * 8 * 1000)) "$YMAXB" "$TOP1" "$BOT1")"
ok $? "bit/s panel: every other column at 9.12 Mbit/s"
last=$(awk '$2 != "-" { x = $1 } END { print x }' "$t/tops")
end_col=$(awk -v s="$((T0 + 10000 * P - R0))" -v c="$COL" 'BEGIN { printf "%d", (s - 1) / c }')
is "$last" "$((X0 + end_col))" "nothing drawn after the last window (column $end_col)"

# --- SVG: the band's coordinates
"$plot" -v -n web -s 900x500 -o "$t/web.svg" "$t/log" 2>"$t/err.svg"
ok $? "SVG: exit 0"
grep -q '<svg[^>]* width="900pt" height="500pt"' "$t/web.svg"; ok $? "SVG of the asked size"
eval "$(layout "$t/err.svg")"
# The bands are the paths drawn at opacity 0.35: "M x y L x y ..." rectangles.
python3 - "$t/web.svg" "$X0" "$TOP0" "$BOT0" >"$t/svgtops" <<'EOF'
import re, sys
svg, x0, top, bot = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
tops = {}
for style, d in re.findall(r'<path style="([^"]*)" d="([^"]*)"', open(svg).read()):
    if "fill-opacity:0.35" not in style:
        continue
    nums = [float(v) for v in re.findall(r'-?[0-9.]+', d)]
    for x, y in zip(nums[0::2], nums[1::2]):
        if x >= x0 and top <= y <= bot:
            c = int(x - x0)
            tops[c] = min(tops.get(c, 1e9), y)
best = min(tops, key=lambda c: (tops[c], c))
print(best, tops[best])
EOF
read -r sc sy <"$t/svgtops"
[[ $sc -ge $cb && $sc -le $ce ]]; ok $? "SVG: the highest band is in the burst's column ($sc)"
near "$sy" "$(ypx 60000 "$YMAXF" "$TOP0" "$BOT0")"; ok $? "SVG: at 60000 packets/s (y $sy)"

# --- a time range: 10 ms around the burst, fewer windows than pixels
"$plot" -v -n web -s 600x400 --from 2027-01-15T08:00:03.495Z --to 2027-01-15T08:00:03.505Z \
	-o "$t/zoom.png" "$t/log" 2>"$t/err.zoom"
ok $? "--from/--to in ISO UTC: exit 0"
eval "$(layout "$t/err.zoom")"
is "$R0" "$((T0 + 3495 * P))" "the plot starts at --from"
grep -q "read: 3 files, 10000 rows, 0 bad rows skipped, 9990 outside the range" "$t/err.zoom"
ok $? "rows outside the range are clipped (9990 of 10000)"
grep -q "series web: rows 10, frames 105, bytes 23940," "$t/err.zoom"
ok $? "the range holds the 10 windows ending in (3.495, 3.505]: 60 + 9 x 5 frames" ||
	grep series "$t/err.zoom" | sed 's/^/#   /'
"$probe" tops "$t/zoom.png" "$X0" "$X1" "$TOP0" "$BOT0" >"$t/tops"
yb=$(ypx 60000 "$YMAXF" "$TOP0" "$BOT0")
w=$((X1 - X0))
# The burst window is the 5th of 10 in the range: columns [4w/10, 5w/10).
inside=$(awk -v a=$((X0 + 4 * w / 10 + 1)) -v b=$((X0 + 5 * w / 10 - 1)) -v y="$yb" \
	'$1 >= a && $1 < b { n++; d = $2 - y; if (d > 1 || d < -1) bad++ } END { print n + 0, bad + 0 }' "$t/tops")
[[ ${inside% *} -gt 10 && ${inside#* } == 0 ]]
ok $? "the burst window fills its tenth of the width at 60000/s ($inside)"

# --- dateext names and instances chosen
mkdir "$t/dx"
cp "$t/log/web.csv" "$t/dx/web.csv"
cp "$t/log/web.csv.1" "$t/dx/web.csv-20270115"
cp "$t/log/web.csv.2.gz" "$t/dx/web.csv-20270114.gz"
cp "$t/old.csv" "$t/dx/web.csv.format1"
"$plot" -v -o "$t/dx.png" "$t/dx" 2>"$t/err.dx"
grep -q "read: 3 files, 10000 rows" "$t/err.dx"; ok $? "dateext names: web.csv-20270115, web.csv-20270114.gz"
grep -q "web.csv.format1 left out: format 1 rows, give --period" "$t/err.dx"
ok $? "a format-1 file the collector moved aside: left out, says why"
"$plot" -v -o "$t/two.png" "$t/log" 2>"$t/err.two"
grep -q "series web: rows 10000" "$t/err.two" && grep -q "series db: rows 100, frames 500," "$t/err.two"
ok $? "no --name: every instance of the dir (web and db)"
"$plot" -v -n db -o "$t/db.png" "$t/log/db.csv" 2>"$t/err.db"
grep -q "read: 1 files, 100 rows" "$t/err.db"; ok $? "a file named on the command line"
"$plot" -v -n db -o "$t/db.png" "$t/log/db.csv" "$t/log" "$t/log/../log/db.csv" 2>"$t/err.db"
grep -q "read: 1 files, 100 rows" "$t/err.db"; ok $? "a file named twice (and by its directory) is read once"

# --- merged rows: the mean is spread, no peak, marked
{
	echo "$HDR"
	echo "x,$((T0 + 1000 * P)),m,1,5,500,5,500,$((T0 + 999 * P)),$P,first"
	echo "x,$((T0 + 2000 * P)),m,1,10000,1000000,10005,1000500,$((T0 + 1000 * P)),$P,merged"
	echo "x,$((T0 + 3000 * P)),m,1,5,500,10010,1001000,$((T0 + 2000 * P)),$P,"
} >"$t/m.csv"
"$plot" -v -s 600x400 -o "$t/m.png" "$t/m.csv" 2>"$t/err.m"
ok $? "merged rows: exit 0"
eval "$(layout "$t/err.m")"
grep -q "series m: rows 3, frames 10010, bytes 1001000, peak 5000 packets/s" "$t/err.m"
ok $? "merged: counted, but its 10000 frames are not a 10M/s window"
xm=$(awk -v s="$((T0 + 1500 * P - R0))" -v c="$COL" -v x="$X0" 'BEGIN { printf "%d", x + s / c }')
read -r r g b < <("$probe" pixel "$t/m.png" "$xm" $((BOT0 - 2)))
((r > 200 && g < 60 && b < 60)); ok $? "merged span marked red at the bottom ($r $g $b)"

# --- format 1 (no period_ns): only with --period
"$plot" -o "$t/old.png" "$t/old.csv" 2>"$t/err.old"
rc=$?
[[ $rc == 1 ]] && grep -q "old.csv:1: no period_ns column (format 1): give --period" "$t/err.old"
ok $? "format 1 without --period: exit 1, says so"
"$plot" -v --period 1ms -o "$t/old.png" "$t/old.csv" 2>"$t/err.old"
grep -q "series old: rows 2, frames 12, bytes 1200, peak 7000 packets/s" "$t/err.old"
ok $? "format 1 with --period 1ms: drawn"

# --- bad input: clear errors, non-zero exits, no picture left behind
expect() {	# expect RC PATTERN DESCRIPTION -- ARGS...
	local rc=$1 pat=$2 desc=$3 got
	shift 4
	rm -f "$t/out.png"
	"$plot" "$@" 2>"$t/e"
	got=$?
	[[ $got == "$rc" ]] && grep -q -- "$pat" "$t/e" && [[ ! -e $t/out.png ]]
	ok $? "$desc: exit $rc, '$pat'"
	[[ $got == "$rc" ]] || echo "#   exit $got: $(head -c 300 "$t/e")"
}
expect 1 "$t/nope.csv: No such file or directory" "missing file" -- -o "$t/out.png" "$t/nope.csv"
expect 1 "no rows of web between 2030-01-01 00:00:00.000 and the end" "empty range" -- \
	-n web --from 2030-01-01 -o "$t/out.png" "$t/log"
expect 1 "$t/log: no CSV files of nosuch" "no files of that instance" -- -n nosuch -o "$t/out.png" "$t/log"
cp "$t/log/web.csv" "$t/bad.csv"
sed -i '2000s/.*/2027-01-15,garbage,,/' "$t/bad.csv"
expect 1 "$t/bad.csv:2000: too few fields: \"2027-01-15,garbage,,\"" "garbage row" -- \
	-o "$t/out.png" "$t/bad.csv"
"$plot" -v --skip-bad -o "$t/skip.png" "$t/bad.csv" 2>"$t/e" &&
	grep -q "1 bad rows skipped" "$t/e" && grep -q "series web: rows 3999," "$t/e"
ok $? "--skip-bad: drawn without the bad row, says how many"
printf 'hello,world\n' >"$t/notcsv.csv"
expect 1 "notcsv.csv:1: no CSV header" "a file that is not ours" -- -o "$t/out.png" "$t/notcsv.csv"
head -c 20000 "$t/log/web.csv.2.gz" >"$t/trunc.csv.gz"
expect 1 "$t/trunc.csv.gz: unexpected end of file" "a truncated gzip file" -- -o "$t/out.png" "$t/trunc.csv.gz"
expect 2 "must end in .png or .svg" "output of another type" -- -o "$t/out.jpg" "$t/log"
expect 2 "no output" "no -o" -- "$t/log"
expect 2 "bad time 'yesterday'" "a bad time" -- --from yesterday -o "$t/out.png" "$t/log"
expect 2 "bad size '10x10'" "a size too small" -- -s 10x10 -o "$t/out.png" "$t/log"
expect 1 "$t/nodir/x.png: No such file or directory" "an output directory that does not exist" -- \
	-o "$t/nodir/x.png" "$t/log"
expect 2 "--to must be after --from" "--to before --from" -- --from 2027-01-02 --to 2027-01-01 -o "$t/out.png" "$t/log"

v=$(make -s --no-print-directory -C "$(dirname "$0")/../.." print-version 2>/dev/null)
is "$("$plot" --version)" "pktstat-plot $v" "--version"
"$plot" --help | grep -q -- "--from TIME"; ok $? "--help"

tap_done
