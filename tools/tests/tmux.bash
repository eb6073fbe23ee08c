# shellcheck shell=bash
# pktstat-top on a tmux screen, for the views' test scripts (sourced after
# tap.bash, with $t a scratch directory and $sock a private tmux socket):
#   screen_start CMD        a detached 160-column session "top" running CMD
#   see REGEX               wait up to 10 s for a screen line to match
#   key KEY...              press keys
#   line_of REGEX           the screen line number of the first match
# A failed ok prints the screen.
# shellcheck disable=SC2154 # t and sock: set by the sourcing script
screen_start() {
	tmux -L "$sock" -f /dev/null new-session -d -s top -x 160 -y "${SCREEN_LINES:-24}" "$1"
}
# shellcheck disable=SC2154
screen() { tmux -L "$sock" capture-pane -p -t top >"$t/screen"; }
see() {
	local i
	for ((i = 0; i < 100; i++)); do
		screen
		grep -Eq -- "$1" "$t/screen" && return 0
		sleep 0.1
	done
	return 1
}
key() { tmux -L "$sock" send-keys -t top "$@"; }
line_of() { grep -En -- "$1" "$t/screen" | head -n1 | cut -d: -f1; }
show_screen() { sed 's/^/#   /' "$t/screen" 2>/dev/null; }
# shellcheck disable=SC2034 # read by tap.bash
TAP_ON_FAIL=show_screen
