#!/usr/bin/env bash
# RPMs: goldens, rpmlint, a repo, and the DKMS scriptlets run in the bookworm
# root that 50-packages-deb.sh cached (TAP).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec tests/rpm/run.sh
