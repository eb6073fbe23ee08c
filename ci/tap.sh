#!/usr/bin/env bash
# TAP helpers shared by ci/vm-test.sh and ci/check.sh.
#
#   ci/tap.sh sum FILE...     per-file counts, then "N passed, N failed[, N skipped]";
#                             exit 1 on any failure or if no test ran at all
#   ci/tap.sh plan FILE       print "planned P ran R"; exit 1 unless a plan
#                             exists and R == P (a crashed or cut-off run)
#
# Counting: "ok" is a pass unless it carries "# SKIP"; "not ok" is a failure
# unless it carries "# TODO" (then it is counted as skipped). Indented lines
# (subtests) and comments are ignored.
set -euo pipefail

count() {
	awk '
	BEGIN { p = 0; f = 0; s = 0; plan = -1; ran = 0 }
	/^1\.\.[0-9]+/ { split($0, a, /\.\.|[ \t]/); plan = a[2] + 0; next }
	/^not ok/ { ran++; if (tolower($0) ~ /# *todo/) s++; else f++; next }
	/^ok/ { ran++; if (tolower($0) ~ /# *skip/) s++; else p++; next }
	END { print p, f, s, plan, ran }' "$1"
}

cmd_sum() {
	local f p fl s plan ran tp=0 tf=0 ts=0 tot
	for f in "$@"; do
		if [[ ! -f $f ]]; then
			printf '%-60s missing\n' "$f"
			tf=$((tf + 1))
			continue
		fi
		read -r p fl s plan ran < <(count "$f")
		printf '%-60s %4d passed %4d failed %4d skipped\n' "${f#"$PWD"/}" "$p" "$fl" "$s"
		tp=$((tp + p)) tf=$((tf + fl)) ts=$((ts + s))
	done
	tot="$tp passed, $tf failed"
	((ts == 0)) || tot+=", $ts skipped"
	echo "$tot"
	if ((tp + tf == 0)); then
		echo "ci/tap.sh: no test ran" >&2
		return 1
	fi
	((tf == 0))
}

cmd_plan() {
	local p fl s plan ran
	read -r p fl s plan ran < <(count "$1")
	if ((plan < 0)); then
		echo "no plan, ran $ran"
		return 1
	fi
	echo "planned $plan ran $ran"
	((plan == ran))
}

case "${1:-}" in
sum)
	shift
	cmd_sum "$@"
	;;
plan)
	cmd_plan "${2:?usage: ci/tap.sh plan FILE}"
	;;
*)
	echo "usage: ci/tap.sh sum FILE... | plan FILE" >&2
	exit 2
	;;
esac
