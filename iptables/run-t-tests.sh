#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run libxt_pktstat.t against a real kernel and print TAP.
#
#   run-t-tests.sh IPTABLES_BINARY [T_FILE]
#
# IPTABLES_BINARY: iptables-legacy, iptables-nft, ip6tables-legacy, ... (its
# -save and -restore siblings are "$IPTABLES_BINARY-save"/"-restore", or
# PKTSTAT_T_SAVE / PKTSTAT_T_RESTORE).  Needs root and the xt_pktstat
# module; the caller sets XTABLES_LIBDIR so libxt_pktstat.so is found.
#
# For each .t line and chain: add the rule, check it was accepted or
# refused as expected, compare its -S text, delete it by that text (so the
# save output must parse back to the same rule) and wait for its /proc
# instance to go.  Each OK line is also sent once through save | restore.
# Then: automatic names in one restore and across processes, and nothing
# left behind.  Exit status 0 only if every test passed.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
	echo "usage: $0 IPTABLES_BINARY [T_FILE]" >&2
	exit 2
fi
ipt=$1
tfile=${2:-$(dirname "$0")/libxt_pktstat.t}
save=${PKTSTAT_T_SAVE:-$ipt-save}
restore=${PKTSTAT_T_RESTORE:-$ipt-restore}
proc=/proc/net/xt_pktstat
table=filter

n=0
failed=0
used_chains=()

# TAP line; further arguments become "# " diagnostics.
report() {
	local good=$1 desc=$2 line l
	shift 2
	n=$((n + 1))
	if [[ $good == 1 ]]; then
		echo "ok $n - $desc"
	else
		failed=$((failed + 1))
		echo "not ok $n - $desc"
	fi
	for line in "$@"; do
		[[ -n $line ]] || continue
		while IFS= read -r l; do echo "#   $l"; done <<<"$line"
	done
}

# Split $1 like a shell would for plain words, "double" and 'single'
# quotes (enough for .t lines; no eval, so a line cannot run commands).
# Result in the global array "words".
words=()
split_words() {
	local s=$1 w='' inw=0 c q i=0
	words=()
	while ((i < ${#s})); do
		c=${s:i:1}
		case $c in
		' ' | $'\t')
			if ((inw)); then
				words+=("$w")
				w=''
				inw=0
			fi
			;;
		\" | \')
			q=$c
			inw=1
			i=$((i + 1))
			while ((i < ${#s})) && [[ ${s:i:1} != "$q" ]]; do
				w+=${s:i:1}
				i=$((i + 1))
			done
			if ((i >= ${#s})); then
				echo "unterminated quote in: $s" >&2
				return 1
			fi
			;;
		*)
			w+=$c
			inw=1
			;;
		esac
		i=$((i + 1))
	done
	if ((inw)); then
		words+=("$w")
	fi
}

ipt_() { "$ipt" -w -t "$table" "$@"; }

# Rules of a chain as -S prints them.
rules_of() { ipt_ -S "$1" | grep '^-A ' || true; }

instances() {
	if [[ -d $proc ]]; then
		ls -1 "$proc"
	fi
}

# Instance names in a rule's text.
names_in() {
	local w prev=''
	split_words "$1"
	for w in "${words[@]}"; do
		if [[ $prev == --name ]]; then
			echo "$w"
		fi
		prev=$w
	done
}

# Rule deletion may free the instance after the command returned (nft
# releases rules from a work queue): wait up to 5 s for it to go.
wait_gone() {
	local name tries
	for name in "$@"; do
		tries=50
		while [[ -e $proc/$name ]] && ((tries > 0)); do
			sleep 0.1
			tries=$((tries - 1))
		done
		if [[ -e $proc/$name ]]; then
			echo "instance $name still in $proc after its rule was deleted"
			return 1
		fi
	done
}

# Delete a rule given its -S text ("-A CHAIN ..."); on failure fall back to
# deleting the chain's last rule so nothing is left behind.
delete_rule() {
	local text=$1 chain
	split_words "$text"
	chain=${words[1]}
	if ipt_ -D "${words[@]:1}" 2>&1; then
		return 0
	fi
	echo "could not delete by its own -S text: $text"
	ipt_ -D "$chain" "$(rules_of "$chain" | wc -l)" 2>&1 || true
	return 1
}

# Safety net (set -e aborts, bugs): remove every pktstat rule we added.
declare -A start_rules=()
cleanup() {
	local chain r
	for chain in "${used_chains[@]}"; do
		while IFS= read -r r; do
			[[ -n $r && $r == *"-m pktstat"* ]] || continue
			[[ -z ${start_rules[$r]+x} ]] || continue
			echo "# cleanup: removing $r"
			split_words "$r"
			ipt_ -D "${words[@]:1}" >/dev/null 2>&1 || true
		done < <(rules_of "$chain")
	done
}
trap cleanup EXIT

note_chain() {
	local chain=$1 c r
	for c in "${used_chains[@]}"; do
		[[ $c != "$chain" ]] || return 0
	done
	used_chains+=("$chain")
	while IFS= read -r r; do
		[[ -z $r ]] || start_rules[$r]=1
	done < <(rules_of "$chain")
}

# finish_rule DESC RULE [PROBLEM...]: delete the rule, wait for its instances
# to go, and report ok only if nothing went wrong on the way.
finish_rule() {
	local desc=$1 rule=$2 out
	shift 2
	local msgs=("$@")
	if ! out=$(delete_rule "$rule"); then
		msgs+=("$out")
	fi
	# shellcheck disable=SC2046 # names are [A-Za-z0-9_.-] only
	if ! out=$(wait_gone $(names_in "$rule")); then
		msgs+=("$out")
	fi
	if ((${#msgs[@]})); then
		report 0 "$desc" "${msgs[@]}"
	else
		report 1 "$desc"
	fi
}

# One .t line on one chain.
run_one() {
	local chain=$1 rule=$2 expected=$3 result=$4 desc out rc=0 before after
	local got want msgs=()
	desc="$chain: $rule ($result)"
	before=$(rules_of "$chain" | wc -l)
	split_words "$rule"
	out=$(ipt_ -A "$chain" "${words[@]}" 2>&1) || rc=$?
	after=$(rules_of "$chain" | wc -l)

	if [[ $result == FAIL ]]; then
		if ((rc == 0)); then
			report 0 "$desc" "accepted, but should be refused" \
				"$(delete_rule "$(rules_of "$chain" | tail -n 1)")"
		elif ((after != before)); then
			report 0 "$desc" "refused, but a rule was added"
		else
			# Show the message: it is part of the interface.
			report 1 "$desc" "$(grep -v -e '^Try ' -e '^Warning: ' \
				-e '^$' <<<"$out" | head -n 2 || true)"
		fi
		return 0
	fi

	if ((rc != 0)); then
		report 0 "$desc" "refused (status $rc): $out"
		return 0
	fi
	[[ $expected != "=" ]] || expected=$rule
	want="-A $chain $expected"
	got=$(rules_of "$chain" | tail -n 1)
	if [[ $got != "$want" ]]; then
		msgs+=("-S printed: $got" "expected:   $want")
	fi
	finish_rule "$desc" "$got" "${msgs[@]}"
}

# save | restore | save must give the same rules, byte for byte.
run_roundtrip() {
	local chain=$1 rule=$2 desc a b got msgs=()
	desc="$chain: save | restore keeps: $rule"
	split_words "$rule"
	if ! out=$(ipt_ -A "$chain" "${words[@]}" 2>&1); then
		report 0 "$desc" "refused: $out"
		return 0
	fi
	got=$(rules_of "$chain" | tail -n 1)
	a=$("$save" -t "$table" | grep '^-A ' || true)
	if ! out=$("$save" -t "$table" | "$restore" 2>&1); then
		msgs+=("restore failed: $out")
	fi
	b=$("$save" -t "$table" | grep '^-A ' || true)
	if [[ $a != "$b" ]]; then
		msgs+=("before: $a" "after:  $b")
	fi
	finish_rule "$desc" "$got" "${msgs[@]}"
}

# Automatic names: one restore gives 0, 1, skips an explicit 2, then 3;
# a later process sees them in /proc and picks 4.
run_autonames() {
	local chain=$1 got want out r msgs=() names
	note_chain "$chain"
	if ! out=$(printf '*%s\n%s\n%s\n%s\n%s\nCOMMIT\n' "$table" \
		"-A $chain -m pktstat" \
		"-A $chain -m pktstat --period 1ms" \
		"-A $chain -m pktstat --name 2" \
		"-A $chain -m pktstat --samples 2" | "$restore" --noflush 2>&1); then
		report 0 "$chain: restore of unnamed rules" "$out"
		return 0
	fi
	if ! out=$(ipt_ -A "$chain" -m pktstat 2>&1); then
		msgs+=("second process: $out")
	fi
	got=$(rules_of "$chain" | grep -- '-m pktstat' || true)
	want="-A $chain -m pktstat --period 100ms --samples 1024 --name 0
-A $chain -m pktstat --period 1ms --samples 1024 --name 1
-A $chain -m pktstat --period 100ms --samples 1024 --name 2
-A $chain -m pktstat --period 100ms --samples 2 --name 3
-A $chain -m pktstat --period 100ms --samples 1024 --name 4"
	if [[ $got != "$want" ]]; then
		msgs+=("-S printed:" "$got" "expected:" "$want")
	fi
	names=()
	while IFS= read -r r; do
		[[ -n $r ]] || continue
		if ! out=$(delete_rule "$r"); then
			msgs+=("$out")
		fi
		mapfile -t -O "${#names[@]}" names < <(names_in "$r")
	done <<<"$got"
	if ! out=$(wait_gone "${names[@]}"); then
		msgs+=("$out")
	fi
	if ((${#msgs[@]})); then
		report 0 "$chain: automatic names 0..4 (restore, then a new process)" "${msgs[@]}"
	else
		report 1 "$chain: automatic names 0..4 (restore, then a new process)"
	fi
}

command -v "$ipt" >/dev/null || { echo "Bail out! $ipt not found"; exit 1; }
echo "# $ipt, $tfile, XTABLES_LIBDIR=${XTABLES_LIBDIR-}"
start_instances=$(instances)
if [[ -n $start_instances ]]; then
	echo "# warning: instances exist already; automatic names will differ:"
	echo "# $start_instances"
fi

chains=()
have_roundtrip=1
command -v "$save" >/dev/null && command -v "$restore" >/dev/null ||
	have_roundtrip=0
while IFS= read -r line || [[ -n $line ]]; do
	case $line in
	'' | '#'*) continue ;;
	:*)
		IFS=, read -r -a chains <<<"${line#:}"
		for c in "${chains[@]}"; do note_chain "$c"; done
		continue
		;;
	esac
	if [[ $line != *";"*";"* ]]; then
		echo "Bail out! bad line in $tfile: $line"
		exit 1
	fi
	result=${line##*;}
	rest=${line%;*}
	expected=${rest##*;}
	rule=${rest%;*}
	if [[ $result != OK && $result != FAIL ]] || ((${#chains[@]} == 0)); then
		echo "Bail out! bad line in $tfile: $line"
		exit 1
	fi
	for c in "${chains[@]}"; do
		run_one "$c" "$rule" "$expected" "$result"
	done
	if [[ $result == OK ]]; then
		if ((have_roundtrip)); then
			run_roundtrip "${chains[0]}" "$rule"
		else
			n=$((n + 1))
			echo "ok $n - # SKIP $save or $restore not found"
		fi
	fi
done <"$tfile"

if ((have_roundtrip)); then
	run_autonames INPUT
fi

left=$(for c in "${used_chains[@]}"; do rules_of "$c"; done | grep -- '-m pktstat' || true)
for r in "${!start_rules[@]}"; do
	left=$(grep -vxF -- "$r" <<<"$left" || true)
done
if [[ -z $left && $(instances) == "$start_instances" ]]; then
	report 1 "no rules or instances left behind"
else
	report 0 "no rules or instances left behind" "rules: $left" \
		"instances now: $(instances | tr '\n' ' ')" \
		"at start: $(tr '\n' ' ' <<<"$start_instances")"
fi

echo "1..$n"
if ((failed)); then
	echo "# $failed of $n failed"
	exit 1
fi
