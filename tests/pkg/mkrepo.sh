#!/usr/bin/env bash
# Turn a directory of .debs into a flat apt repository (Packages + Release),
# usable as: deb [trusted=yes] file:/path/to/dir ./
set -euo pipefail
dir=${1:?usage: mkrepo.sh DIR}
cd "$dir"
apt-ftparchive packages . >Packages
apt-ftparchive release . >Release
