#!/usr/bin/env bash
# Trains the sample once per (model, fault, schedule) and prints, per run, what the watchdog said: the measurement
# behind docs/detection.md's "Real TorchSharp runs of three architectures".
#
# Usage (Debian 13 / Ubuntu 24.04+, or inside eng/in-trixie.sh on Debian 12):
#   samples/TorchSharpTraining/run-matrix.sh [OUTDIR] [--healthy-only] [--seed N] [--steps N]
# Event files go to OUTDIR/logs/<run> (default OUTDIR: /tmp/tbbridge-matrix); one line per run on stdout:
#   <model> <fault|healthy> <schedule> <exit code> <warning and critical kinds, step@kind>
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=/tmp/tbbridge-matrix
healthy_only=false
seed=2
steps=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --healthy-only) healthy_only=true ;;
        --seed) seed=$2; shift ;;
        --steps) steps=(--steps "$2"); shift ;;
        *) out=$1 ;;
    esac
    shift
done

dotnet build "$repo/samples/TorchSharpTraining" -c Release -o "$out/bin" --nologo -v quiet >&2
faults=(lr-too-high nan-batch log-zero-loss dead-relu vanishing-sigmoid exploding-init unnormalized-inputs heavy-dropout overfit loss-spike)
$healthy_only && faults=()
schedules=(constant warmup-cosine step)
$healthy_only && schedules=(constant cosine step warmup-cosine)

for model in mlp cnn gru; do
    for fault in "" "${faults[@]}"; do
        for schedule in "${schedules[@]}"; do
            name=$model-${fault:-healthy}-$schedule
            args=(--model "$model" --schedule "$schedule" --seed "$seed" --logdir "$out/logs/$name" "${steps[@]}")
            [[ -n $fault ]] && args+=(--fault "$fault")
            rc=0
            dotnet "$out/bin/TorchSharpTraining.dll" "${args[@]}" > "$out/$name.txt" 2>&1 || rc=$?
            said=$(sed -nE 's/^\[watchdog\] step ([0-9]+): ([a-z_]+) \((warning|critical)\).*/\2@\1/p' "$out/$name.txt" | paste -sd' ' -)
            echo "$model ${fault:-healthy} $schedule $rc ${said:--}"
        done
    done
done
