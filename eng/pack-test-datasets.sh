#!/usr/bin/env bash
# Makes tests/Fixtures/datasets.tar.br, the datasets the tests read (tests/Shared/TestDatasets.cs unpacks it), from a
# datasets folder (default: ../shared/datasets beside the checkout): its README.md, pytorch-runs/, keras-runs/ and
# reference-records/. A reproducible tar (sorted names, no owners, one mtime) compressed with Brotli at its highest
# setting: 89 MB into about 2.8 MB (gzip -9 gives 5.4 MB). Needs tar and brotli (Debian: apt-get install brotli).
# Usage: eng/pack-test-datasets.sh [datasets-folder]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source=${1:-$repo/../shared/datasets}
out=$repo/tests/Fixtures/datasets.tar.br
for part in README.md pytorch-runs keras-runs reference-records; do
    [ -e "$source/$part" ] || { echo "$source/$part not found" >&2; exit 1; }
done
tar -C "$source" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --mode='u+rwX,go+rX,go-w' --format=gnu \
    -cf - README.md pytorch-runs keras-runs reference-records \
    | brotli -q 11 -w 24 -c > "$out.tmp"
mv "$out.tmp" "$out"
ls -l "$out"
