# shellcheck shell=bash
# pktstat-top on a tmux screen, for the views' test scripts. Sourcing it
# sources tap.bash, makes $t a scratch directory and $sock a private tmux
# socket, and traps EXIT to kill the script's background jobs, the tmux
# server and $t. Then:
#   need CMD...             not ok and exit 1 unless every CMD is installed
#   screen_start CMD        a detached 160-column session "top" running CMD
#   see REGEX               wait up to 10 s for a screen line to match
#   until_screen CMD...     wait up to 10 s for CMD to pass on a new capture
#   key KEY...              press keys
#   line_of REGEX           the screen line number of the first match
# A failed ok prints the screen.
# shellcheck source-path=SCRIPTDIR source=tap.bash disable=SC1091
. "$(dirname "${BASH_SOURCE[0]}")/tap.bash"
t=$(mktemp -d)
sock=pktstat-test-$$
cleanup() {
	local pid
	# Jobs already reaped by a wait are no longer listed.
	for pid in $(jobs -p); do
		kill "$pid" 2>/dev/null
	done
	tmux -L "$sock" kill-server 2>/dev/null
	rm -rf "$t"
}
trap cleanup EXIT
need() {
	local cmd
	for cmd; do
		command -v "$cmd" >/dev/null && continue
		TAP_ON_FAIL='' ok 1 "$cmd is not installed (ci/packages/views.list)"
		tap_done
		exit 1
	done
}
screen_start() {
	tmux -L "$sock" -f /dev/null new-session -d -s top -x 160 -y "${SCREEN_LINES:-24}" "$1"
}
screen() { tmux -L "$sock" capture-pane -p -t top >"$t/screen"; }
until_screen() {
	local i
	for ((i = 0; i < 100; i++)); do
		screen
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
see() { until_screen grep -Eq -- "$1" "$t/screen"; }
key() { tmux -L "$sock" send-keys -t top "$@"; }
line_of() { grep -En -- "$1" "$t/screen" | head -n1 | cut -d: -f1; }
show_screen() { sed 's/^/#   /' "$t/screen" 2>/dev/null; }
# shellcheck disable=SC2034 # read by tap.bash
TAP_ON_FAIL=show_screen
