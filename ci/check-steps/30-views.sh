#!/usr/bin/env bash
# pktstat-top and pktstat-plot: unit tests, plot pictures checked pixel by
# pixel, top in tmux against live-view fixtures and a fake /proc (TAP).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec make -s -C tools views-test
