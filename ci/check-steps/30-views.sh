#!/usr/bin/env bash
# pktstat-top and pktstat-plot: unit tests, plot pictures checked pixel by
# pixel, top in tmux against live-view fixtures and a fake /proc, and with
# the real collector, node_exporter and promtool (TAP). Builds in a
# directory of its own: it runs beside the VM steps.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec make -s -C tools views-test B="$PWD/build/views-test"
