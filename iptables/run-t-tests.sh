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
# left behind.  Exit status 0 only if every test passed.  The OK lines go
# in batches (see "batches" below; PKTSTAT_T_BATCH=0: line by line).
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

# --- batches ----------------------------------------------------------------
# Every exec costs tens of milliseconds under TCG, so by default the OK lines
# go in batches: one restore adds a batch, one save shows every rule's text
# (-S and save print rules with the same code), one save | restore | save
# round trip, one restore deletes every rule by its saved text, then one
# wait for the instances. A batch never holds two rules whose instance names
# (as expected, automatic ones included) collide, except the same line on
# several chains when it names its instances itself (one shared instance).
# Each line still gets its own TAP line, and a batch that fails as a whole is
# run again line by line, so a failure always names its line. FAIL lines run
# one -A each; the "nothing was added" check counts a chain's rules once
# after all of them (and on a difference runs them again one by one).
# PKTSTAT_T_BATCH=0: the line-by-line runner for everything.

# A line goes in a batch when restore reads its words as -A does: no quote,
# no blank, no empty word.
batchable() {
	local w
	split_words "$1"
	for w in "${words[@]}"; do
		[[ $w =~ ^[A-Za-z0-9_.:/,=+-]+$ ]] || return 1
	done
}

# run_fails CHAIN LINE_INDEX...: the FAIL lines on one chain.
run_fails() {
	local chain=$1 i rc out before after desc
	shift
	local refused=() msg=()
	before=$(rules_of "$chain" | wc -l)
	for i in "$@"; do
		desc="$chain: ${l_rule[i]} (FAIL)"
		split_words "${l_rule[i]}"
		rc=0
		out=$(ipt_ -A "$chain" "${words[@]}" 2>&1) || rc=$?
		if ((rc == 0)); then
			report 0 "$desc" "accepted, but should be refused" \
				"$(delete_rule "$(rules_of "$chain" | tail -n 1)")"
			continue
		fi
		refused+=("$i")
		# Show the message: it is part of the interface.
		msg[i]=$(grep -v -e '^Try ' -e '^Warning: ' -e '^$' <<<"$out" | head -n 2 || true)
	done
	after=$(rules_of "$chain" | wc -l)
	if ((after == before)); then
		for i in "${refused[@]}"; do
			report 1 "$chain: ${l_rule[i]} (FAIL)" "${msg[i]}"
		done
	else
		echo "# $chain: $before rules before the refused lines, $after after: again one by one"
		for i in "${refused[@]}"; do
			run_one "$chain" "${l_rule[i]}" "${l_exp[i]}" FAIL
		done
	fi
}

# Instance names a line's rule gets, automatic ones included: those of its
# expected -S text.
line_names() {
	local e=${l_exp[$1]}
	[[ $e != "=" ]] || e=${l_rule[$1]}
	names_in "$e"
}

# run_batch ROUNDTRIP_LINES ENTRY...: ENTRY is "CHAIN LINE_INDEX"; the save |
# restore result is reported for each line of ROUNDTRIP_LINES ("i,j,...").
run_batch() {
	local e chain i j input out saved a b want k
	local -a rt_lines=() entries=() got=() gots=() msgs=() rtmsg=() stay=()
	local -A count=()
	IFS=, read -r -a rt_lines <<<"$1"
	shift
	entries=("$@")
	input="*$table"$'\n'
	for e in "${entries[@]}"; do
		read -r chain i <<<"$e"
		split_words "${l_rule[i]}"
		input+="-A $chain ${words[*]}"$'\n'
		count[$chain]=$((${count[$chain]:-0} + 1))
	done
	input+=COMMIT$'\n'
	if ! out=$("$restore" --noflush <<<"$input" 2>&1); then
		echo "# batch refused as a whole ($out): again one by one"
		for e in "${entries[@]}"; do
			read -r chain i <<<"$e"
			run_one "$chain" "${l_rule[i]}" "${l_exp[i]}" OK
		done
		for i in "${rt_lines[@]}"; do
			run_roundtrip "${chains[0]}" "${l_rule[i]}"
		done
		return 0
	fi

	# Each chain's last rules are this batch's, in order.
	saved=$("$save" -t "$table")
	for chain in "${!count[@]}"; do
		mapfile -t got < <(grep -- "^-A $chain " <<<"$saved" | tail -n "${count[$chain]}")
		j=0
		for k in "${!entries[@]}"; do
			[[ ${entries[k]%% *} == "$chain" ]] || continue
			gots[k]=${got[j]:-}
			j=$((j + 1))
		done
	done
	for k in "${!entries[@]}"; do
		read -r chain i <<<"${entries[k]}"
		want=${l_exp[i]}
		[[ $want != "=" ]] || want=${l_rule[i]}
		want="-A $chain $want"
		msgs[k]=
		if [[ ${gots[k]} != "$want" ]]; then
			msgs[k]="-S printed: ${gots[k]}"$'\n'"expected:   $want"
		fi
	done

	# save | restore | save: the same rules, byte for byte.
	a=$(grep '^-A ' <<<"$saved" || true)
	if ! out=$("$save" -t "$table" | "$restore" 2>&1); then
		rtmsg+=("restore failed: $out")
	fi
	b=$("$save" -t "$table" | grep '^-A ' || true)
	if [[ $a != "$b" ]]; then
		rtmsg+=("before: $a" "after:  $b")
	fi

	# Delete every rule by its saved text; if that fails, one by one to
	# find the rule whose text does not parse back.
	input="*$table"$'\n'
	for k in "${!entries[@]}"; do
		[[ -z ${gots[k]} ]] || input+="-D ${gots[k]#-A }"$'\n'
	done
	input+=COMMIT$'\n'
	if ! out=$("$restore" --noflush <<<"$input" 2>&1); then
		for k in "${!entries[@]}"; do
			[[ -n ${gots[k]} ]] || continue
			if ! out=$(delete_rule "${gots[k]}"); then
				msgs[k]+=${msgs[k]:+$'\n'}$out
			fi
		done
	fi
	# shellcheck disable=SC2046 # names are [A-Za-z0-9_.-] only
	wait_gone $(for k in "${!entries[@]}"; do names_in "${gots[k]}"; done) >/dev/null || true
	for k in "${!entries[@]}"; do
		read -r chain i <<<"${entries[k]}"
		stay=()
		for e in $(names_in "${gots[k]}"); do
			[[ ! -e $proc/$e ]] || stay+=("$e")
		done
		if ((${#stay[@]})); then
			msgs[k]+=${msgs[k]:+$'\n'}"instance(s) ${stay[*]} still in $proc after the rules were deleted"
		fi
		if [[ -n ${msgs[k]} ]]; then
			report 0 "$chain: ${l_rule[i]} (OK)" "${msgs[k]}"
		else
			report 1 "$chain: ${l_rule[i]} (OK)"
		fi
	done
	for i in "${rt_lines[@]}"; do
		if ((${#rtmsg[@]})); then
			report 0 "${chains[0]}: save | restore keeps: ${l_rule[i]}" "${rtmsg[@]}"
		else
			report 1 "${chains[0]}: save | restore keeps: ${l_rule[i]}"
		fi
	done
}

# run_oks LINE_INDEX...: the OK lines of one block on each of its chains, in
# as few batches as their instance names allow.
run_oks() {
	local i c k given name fits nb=0
	local -A used=() auto=() rt=()
	local -a bat=() solo=() names=() entries=()
	for i in "$@"; do
		if ! batchable "${l_rule[i]}"; then
			solo+=("$i")
			continue
		fi
		mapfile -t names < <(line_names "$i")
		# More names than the rule gives: some are automatic.
		given=$(names_in "${l_rule[i]}" | wc -l)
		((${#names[@]} == given)) || auto[$i]=1
		for c in "${chains[@]}"; do
			for ((k = 0; ; k++)); do
				((k < nb)) || { bat[k]=; nb=$((k + 1)); }
				fits=1
				for name in "${names[@]}"; do
					if [[ -n ${used[$k/$name]:-} ]] &&
						[[ ${used[$k/$name]} != "$i" || -n ${auto[$i]:-} ]]; then
						fits=0
						break
					fi
				done
				((fits)) && break
			done
			for name in "${names[@]}"; do used[$k/$name]=$i; done
			bat[k]+="$c $i"$'\n'
			[[ $c != "${chains[0]}" ]] || rt[$k]+="${rt[$k]:+,}$i"
		done
	done
	for ((k = 0; k < nb; k++)); do
		mapfile -t entries < <(printf '%s' "${bat[k]}")
		run_batch "${rt[$k]:-}" "${entries[@]}"
	done
	for i in "${solo[@]}"; do
		for c in "${chains[@]}"; do
			run_one "$c" "${l_rule[i]}" "${l_exp[i]}" OK
		done
		run_roundtrip "${chains[0]}" "${l_rule[i]}"
	done
}

command -v "$ipt" >/dev/null || { echo "Bail out! $ipt not found"; exit 1; }
echo "# $ipt, $tfile, XTABLES_LIBDIR=${XTABLES_LIBDIR-}"
start_instances=$(instances)
if [[ -n $start_instances ]]; then
	echo "# warning: instances exist already; automatic names will differ:"
	echo "# $start_instances"
fi

have_roundtrip=1
command -v "$save" >/dev/null && command -v "$restore" >/dev/null ||
	have_roundtrip=0
batch=${PKTSTAT_T_BATCH:-1}
# Batches need save and restore.
((have_roundtrip)) || batch=0

# The table: blocks of lines, each block with its chains.
blk_chains=()
l_blk=() l_rule=() l_exp=() l_res=()
while IFS= read -r line || [[ -n $line ]]; do
	case $line in
	'' | '#'*) continue ;;
	:*)
		blk_chains+=("${line#:}")
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
	if [[ $result != OK && $result != FAIL ]] || ((${#blk_chains[@]} == 0)); then
		echo "Bail out! bad line in $tfile: $line"
		exit 1
	fi
	l_blk+=($((${#blk_chains[@]} - 1)))
	l_res+=("$result")
	l_exp+=("${rest##*;}")
	l_rule+=("${rest%;*}")
done <"$tfile"

for b in "${!blk_chains[@]}"; do
	IFS=, read -r -a chains <<<"${blk_chains[b]}"
	oks=() fails=()
	for i in "${!l_rule[@]}"; do
		((l_blk[i] == b)) || continue
		if [[ ${l_res[i]} == OK ]]; then oks+=("$i"); else fails+=("$i"); fi
	done
	if ((batch)); then
		for c in "${chains[@]}"; do
			((${#fails[@]} == 0)) || run_fails "$c" "${fails[@]}"
		done
		((${#oks[@]} == 0)) || run_oks "${oks[@]}"
		continue
	fi
	for i in "${!l_rule[@]}"; do
		((l_blk[i] == b)) || continue
		for c in "${chains[@]}"; do
			run_one "$c" "${l_rule[i]}" "${l_exp[i]}" "${l_res[i]}"
		done
		[[ ${l_res[i]} == OK ]] || continue
		if ((have_roundtrip)); then
			run_roundtrip "${chains[0]}" "${l_rule[i]}"
		else
			n=$((n + 1))
			echo "ok $n - # SKIP $save or $restore not found"
		fi
	done
done

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
