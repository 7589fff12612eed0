#!/usr/bin/env bash
# The demo models' per-category training on one NVIDIA GPU, in one run of at most ~10 minutes:
# renders the data with every CPU core, trains each category's generator in bf16 with a large
# batch (configs/demo-recon.toml, then configs/demo-128.toml), and writes the packages and the
# last checkpoints under $OUT (checkpoints cut into parts of at most 15 MiB; `cat part-* >
# checkpoint.pt` joins them).
#
#   OUT=/tmp/out tools/gpu_demo_models.sh            # the real run (needs CUDA)
#   OUT=/tmp/out TINY=1 tools/gpu_demo_models.sh     # a few steps at tiny size, on the CPU too
#
# It starts from the packages in models/ (the chain of `make demo-models` up to demo-words.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=${OUT:?set OUT to the folder that receives the packages and checkpoints}
WORK=${WORK:-var/training/gpu}
MINUTES=${MINUTES:-9}  # the whole run, split between the categories and the two builds
mkdir -p "$OUT/models" "$WORK"
cp -r models/demo-landscape models/demo-food models/demo-anime "$OUT/models/"

THREADS=$(nproc)
if [ -n "${TINY:-}" ]; then
  DEVICE=cpu BATCH=4 STEPS=3 PER_CAT=32 WARM=2 SR_STEPS=3
else
  DEVICE=cuda BATCH=128 STEPS=100000 PER_CAT=20000 WARM=200 SR_STEPS=3000
fi
# Each (category, build) gets an equal share of the time; the stop file ends a run cleanly
# (checkpoint, then export) when its share is spent.
SHARE=$((MINUTES * 60 / 6))

run() {  # run <config> <category> <out_dir> <init package>
  local stop="$WORK/stop-$2-$(basename "$1" .toml)"
  rm -f "$stop"
  (sleep "$SHARE" && touch "$stop") &
  local timer=$!
  $PY -m generation.training build-demo-models --config "generation/training/configs/$1" --no-eval \
    --stop-file "$stop" \
    --set "synthetic.categories=[\"$2\"]" --set "synthetic.per_category=$PER_CAT" --set "synthetic.workers=$THREADS" \
    --set "gan.init_package=$4" --set "sr.package=${5:-}" --set "sr.steps=$SR_STEPS" \
    --set "gan.pixd_warmup=$WARM" --set "gan.d_warmup=$WARM" \
    --set "gan.stages=[{\"name\": \"gpu\", \"steps\": $STEPS, \"batch_size\": $BATCH, \"sim_w\": 4.0, \"ms_w\": 6.0, \"pix_w\": 1.0, \"pix_attr_w\": 2.0, \"rec_w\": 10.0, \"kl_w\": 0.01}]" \
    --set "run.device=$DEVICE" --set "run.num_threads=$THREADS" --set "run.amp=true" \
    --set "run.out_dir=$3" --set "models_dir=$OUT/models"
  kill "$timer" 2>/dev/null || true
}

for c in landscape food anime; do
  run demo-recon.toml "$c" "$WORK/recon-$c" "demo-$c"
  run demo-128.toml "$c" "$WORK/128-$c" "demo-$c" "demo-$c"
done

for ckpt in "$WORK"/*/gan/checkpoint.pt; do
  dest="$OUT/checkpoints/$(basename "$(dirname "$(dirname "$ckpt")")")"
  mkdir -p "$dest"
  split -b 15M -d "$ckpt" "$dest/part-"
done
ls -lR "$OUT"
