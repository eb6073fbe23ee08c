#!/usr/bin/env bash
# make bench: instructions per packet of the accounting core under callgrind.
#
#   bench/core/run.sh OUTDIR [N1 N2]
#
# Prints and writes OUTDIR/core.csv: mode,instr_per_packet. Each mode runs
# at N1 and N2 packets; the difference of the two instruction totals divided
# by N2 - N1 removes the program's fixed cost. Deterministic.
set -euo pipefail

cd "$(dirname "$0")"
out=${1:?usage: bench/core/run.sh OUTDIR [N1 N2]}
n1=${2:-100000}
n2=${3:-200000}
mkdir -p "$out"
make -s core_bench

ir() {
	local f=$out/callgrind.$1.$2.out
	valgrind --tool=callgrind --callgrind-out-file="$f" ./core_bench "$1" "$2" >/dev/null 2>"$f.log" ||
		{ cat "$f.log" >&2; return 1; }
	awk '$1 == "summary:" { print $2 }' "$f"
}

echo "mode,instr_per_packet" >"$out/core.csv"
for mode in same same_clock cross full bare; do
	a=$(ir "$mode" "$n1")
	b=$(ir "$mode" "$n2")
	per=$(awk -v a="$a" -v b="$b" -v n1="$n1" -v n2="$n2" 'BEGIN { printf "%.2f", (b - a) / (n2 - n1) }')
	echo "$mode,$per" >>"$out/core.csv"
done
cat "$out/core.csv"
