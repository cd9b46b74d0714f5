#!/usr/bin/env bash
# Prepares .tbcheck/ (git-ignored) for the stock-TensorBoard check of what TbBridge writes, which runs on
# the device machine (../shared/tools/README.md): tb_verify.py and event files of every kind the logger
# writes (scalars, NaN/±Inf, add_scalars groups, histograms with and without NaN, raw histograms, text,
# hparams), the same writer's records as the service stores them, and, with --torchsharp, a TorchSharp
# sample run (monitor tags, activation histograms). tb_verify.py's Python loader also runs on the build
# machines from TensorBoard's source (not part of this repository); its Rust data server only there.
#
# Usage: eng/tensorboard-check.sh [--torchsharp]
# Then, with the device tool:
#   run(command="python3 .tbcheck/tb_verify.py .tbcheck/logs $OUT/tb.json", carry=[".tbcheck"])
# and compare tb.json with what the tests assert (tests/TbBridge.Client.Tests/EveryKindTests.cs).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$repo/.tbcheck
rm -rf "$out"
mkdir -p "$out/logs"
cp "$repo/../shared/tools/tb_verify.py" "$out/"

TBBRIDGE_TBCHECK_OUT="$out/logs/client-kinds" dotnet test "$repo/tests/TbBridge.Client.Tests" \
    --filter 'FullyQualifiedName~EveryKindTests' --nologo -v quiet
# The same writer's local file and the service's copy of it (parity-local/, parity-service/).
TBBRIDGE_TBCHECK_OUT="$out/logs" dotnet test "$repo/tests/TbBridge.Server.Tests" \
    --filter 'FullyQualifiedName~WriterParityTests' --nologo -v quiet

if [[ ${1:-} == --torchsharp ]]; then
    "$repo/eng/in-trixie.sh" dotnet run --project "$repo/samples/TorchSharpTraining" -- \
        --steps 60 --logdir "$out/logs/torchsharp-healthy"
fi

echo "ready: $(find "$out/logs" -name 'events.out.tfevents.*' | wc -l) event files under .tbcheck/logs"
