#!/usr/bin/env bash
# Everything a GPU machine should show, in one go and in under 8 minutes (each part has a time
# limit): the step bench on every backend that loads (WebGPU on Dawn, CUDA through tfjs-node-gpu,
# and wasm at 128 px for scale), a 300-step quality run on dubai-aerial on the first GPU backend
# that starts, and the share of step time spent waiting for data. Prints figures; asserts nothing.
# Run from the repository root with node_modules installed: bash bench/gpu-check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
section() { echo; echo "== $1 ($(( $(date +%s) - started )) s)"; }

section "machine"
node --version
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "nvidia-smi: not here"
/usr/bin/python3 -c "import torch; print('PyTorch', torch.__version__, 'CUDA' if torch.cuda.is_available() else 'CPU only')" 2>/dev/null || echo "PyTorch: not here"

section "WebGPU step (Dawn)"
timeout 150 node --import tsx bench/engine-step.ts --backend webgpu --sizes 128,256,512 --steps 10 || echo "(WebGPU step bench ended with $?)"

section "CUDA step (tfjs-node-gpu)"
timeout 120 node --import tsx bench/engine-step.ts --backend tfjs-node-gpu --sizes 128,256,512 --steps 10 || echo "(tfjs-node-gpu step bench ended with $?)"

section "quality: 300 steps on dubai-aerial, automatic backend"
timeout 210 node --import tsx bench/quality.ts --seeds 1 --steps 300 --no-torch --backend auto || echo "(quality run ended with $?)"

section "wasm step at 128 px, for scale"
SEGBENCH_SKIP_TORCH=1 timeout 60 node --import tsx bench/engine-step.ts --steps 3 --size 128 || echo "(wasm step bench ended with $?)"

section "done"
