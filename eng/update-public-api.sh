#!/usr/bin/env bash
# Adds every public symbol the PublicAPI analyzer reports as undeclared (RS0016) to the project's
# PublicAPI.Unshipped.txt, so a public change is one reviewed diff. Usage: eng/update-public-api.sh src/TbBridge.X
set -euo pipefail
project_dir=${1:?usage: $0 src/TbBridge.X}
out=$(dotnet build "$project_dir" --no-incremental 2>&1 || true)
grep -oP "error RS0016: Symbol '\K.*(?=' is not part of the declared public API)" <<<"$out" | sort -u > /tmp/rs0016.$$ || true
if [ -s /tmp/rs0016.$$ ]; then
  unshipped="$project_dir/PublicAPI.Unshipped.txt"
  { cat "$unshipped"; cat /tmp/rs0016.$$; } | grep -v '^#nullable enable$' | sort -u > /tmp/api.$$
  { echo '#nullable enable'; cat /tmp/api.$$; } > "$unshipped"
  echo "added $(wc -l < /tmp/rs0016.$$) symbols to $unshipped"
fi
rm -f /tmp/rs0016.$$ /tmp/api.$$
