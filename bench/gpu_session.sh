#!/usr/bin/env bash
# The one prepared run for a lent GPU machine (device tool): render engine timings next to the
# paper's Table 3, and 500 test-time fine-tuning iterations per encoder. Results land in $OUT.
set -uo pipefail
export PYTHONUNBUFFERED=1
OUT=${OUT:-bench/results}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu_info.txt"
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)" | tee -a "$OUT/gpu_info.txt"
timeout 240 python3 bench/gpu_render.py --out "$OUT/gpu_render.json" 2>&1 | tee "$OUT/gpu_render.log"
timeout 300 python3 bench/gpu_finetune.py --cpu-iterations 2 --out "$OUT/gpu_finetune.json" 2>&1 | tee "$OUT/gpu_finetune.log"
