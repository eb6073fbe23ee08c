#!/usr/bin/env bash
# Debian packages for real: apt install in a bookworm root, DKMS builds, the
# root boots under qemu and counts, kernel and package upgrade, purge (TAP).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec tests/pkg/run.sh
