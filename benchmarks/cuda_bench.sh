#!/usr/bin/env bash
# The GPU benchmark in one command: DMLoss, DMCallback and the baselines against F.cross_entropy on CUDA, fp32 and bf16
# (loss alone over the B x C grid with host synchronisations counted, ResNet-44 and CNN training steps at batch 128
# with peak memory, ResNet-44 scaling, torch.compile), written into benchmarks/cuda/.
# Sized to finish in under 5 minutes on one recent GPU; `timeout` stops it at LIMIT seconds (default 290), and the
# results are written after every part, so a slower GPU still leaves what it measured (meta.json says "complete").
# Usage, from anywhere:  bash benchmarks/cuda_bench.sh            (extra flags go to the benchmark command, e.g. --seed 1)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}" OMP_WAIT_POLICY=PASSIVE
python -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device visible to torch: this script is for a GPU machine')"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
status=0
timeout "${LIMIT:-290}" python -m benchmarks.run --device cuda --compile --out benchmarks/cuda "$@" || status=$?
[ "$status" -eq 124 ] && echo "stopped after ${LIMIT:-290} s: benchmarks/cuda/ holds the parts that finished (see meta.json)"
exit "$status"
