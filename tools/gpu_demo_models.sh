#!/usr/bin/env bash
# The demo models' per-category training on one NVIDIA GPU, in one run of at most ~10 minutes:
# renders the data with every CPU core, trains each category's generator in bf16 with a large
# batch, and writes under $OUT one tar per category (the package without its CLIP, which training
# leaves as it was, plus the run's loss history and last sample grid; each well under 16 MiB) and
# the log. The full checkpoints (about 125 MB each: D, optimisers, CLIP) stay in $WORK; with
# KEEP_CHECKPOINTS=1 they are also cut into 15 MiB parts under $OUT/checkpoints.
#
#   OUT=/tmp/out tools/gpu_demo_models.sh                  # both builds per category (needs CUDA)
#   OUT=/tmp/out BUILDS=128 tools/gpu_demo_models.sh       # only the growth to 128 px
#   OUT=/tmp/out TINY=1 tools/gpu_demo_models.sh           # a few steps at tiny size, on the CPU too
#   OUT=/tmp/out TINY=1 DEVICE=cuda tools/gpu_demo_models.sh   # the same as a smoke test on the GPU
#   OUT=/tmp/out LAYOUT_W=5 tools/gpu_demo_models.sh       # with mode seeking on where parts sit
#                                                          # (Stage.ms_layout_w; landscape's last CPU round)
#   OUT=/tmp/out CATEGORIES=food BUILDS=recon LAYOUT_W=5 PIX_ATTR_W=4 \
#     OVERSAMPLE='{"ingredients": {"egg": 2, "shrimp": 2}}' tools/gpu_demo_models.sh
#                                                          # food's last CPU rounds: chosen scenes drawn
#                                                          # more often (data.oversample)
#
# Builds, per category, each from the package in models/ (or the one the build before wrote):
#   recon  configs/demo-recon.toml: a reconstruction round at 64 px (with the encoder warm-up
#          and the feature term of demo-sharpen.toml)
#   128    configs/demo-128.toml: G grows a block and learns to draw at 128 px; keeps the
#          package's restoring SR net
# Every SNAPSHOT steps (200) the run keeps its EMA; the middle one of a run is exported as a
# package too and brought back as demo-<category>-<build>-ema_<step>.tar (generator and card),
# to measure against the end of the run when it may have gone past its best.
# Each (category, build) gets an equal share of MINUTES; a stop file ends a run cleanly
# (checkpoint, then export) when its share is spent. A build that fails is logged and the next
# one goes on.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=${OUT:?set OUT to the folder that receives the packages}
WORK=${WORK:-var/training/gpu}
MINUTES=${MINUTES:-9}
BUILDS=${BUILDS:-recon 128}
LAYOUT_W=${LAYOUT_W:-0}
PIX_ATTR_W=${PIX_ATTR_W:-2}
OVERSAMPLE=${OVERSAMPLE:-}
CATEGORIES=${CATEGORIES:-landscape food anime}
mkdir -p "$OUT/models" "$WORK"
cp -r models/demo-landscape models/demo-food models/demo-anime "$OUT/models/"  # the CLIP is demo-landscape's

THREADS=$(nproc)
if [ -n "${TINY:-}" ]; then
  DEVICE=${DEVICE:-cpu} BATCH=4 STEPS=3 PER_CAT=32 WARM=2 SNAPSHOT=1
else
  DEVICE=cuda BATCH=${BATCH:-128} STEPS=100000 PER_CAT=${PER_CAT:-12000} WARM=${WARM:-200} SNAPSHOT=${SNAPSHOT:-200}
fi
n_runs=$(($(wc -w <<<"$CATEGORIES") * $(wc -w <<<"$BUILDS")))
SHARE=${SHARE:-$((MINUTES * 60 / n_runs))}
echo "[gpu] device $DEVICE, $THREADS CPU threads, batch $BATCH, warm-ups $WARM steps, $n_runs runs of $SHARE s each"

args() {  # args <build> <category>: the build's settings in ARGS, shared by the run and the snapshot export
  local cat=$2
  ARGS=(--config "generation/training/configs/demo-$1.toml" \
    --set "synthetic.categories=[\"$cat\"]" --set "synthetic.per_category=$PER_CAT" --set "synthetic.workers=$THREADS" \
    --set "gan.init_package=demo-$cat" --set "sr.package=demo-$cat" \
    --set "gan.pixd_warmup=$WARM" --set "gan.d_warmup=$WARM" --set "gan.e_warmup=$WARM" \
    --set "gan.stages=[{\"name\":\"gpu-$1\",\"steps\":$STEPS,\"batch_size\":$BATCH,\"sim_w\":4.0,\"ms_w\":6.0,\"pix_w\":1.0,\"pix_attr_w\":$PIX_ATTR_W,\"rec_w\":10.0,\"kl_w\":0.01,\"rec_feat_w\":2.0,\"ms_layout_w\":$LAYOUT_W}]" \
    --set "run.device=$DEVICE" --set "run.num_threads=$THREADS" --set "run.amp=true" \
    --set "run.checkpoint_every=500" --set "run.sample_every=500" --set "run.snapshot_every=$SNAPSHOT" \
    --set "run.out_dir=$WORK/$1-$2")
  if [ -n "$OVERSAMPLE" ]; then
    ARGS+=(--set "data.oversample=$OVERSAMPLE")
  fi
}

run() {  # run <build> <category>
  local cat=$2 stop="$WORK/stop-$1-$2"
  rm -f "$stop"
  (sleep "$SHARE" && touch "$stop") &
  local timer=$! t0=$SECONDS
  args "$1" "$cat"
  $PY -m generation.training build-demo-models "${ARGS[@]}" --no-eval --stop-file "$stop" \
    --set "models_dir=$OUT/models"
  local rc=$?
  kill "$timer" 2>/dev/null
  echo "[gpu] $1 $cat: exit $rc after $((SECONDS - t0)) s"
  return $rc
}

snapshot() {  # snapshot <build> <category>: the run's middle EMA snapshot exported as a package (its generator and card in a tar of their own)
  local snaps=("$WORK/$1-$2"/gan/ema_*.pt)
  [ -f "${snaps[0]}" ] || return 0
  local mid=${snaps[$(((${#snaps[@]} - 1) / 2))]} dest="$WORK/snapshot-models"
  rm -rf "$dest" && cp -r models "$dest" && cp -r "$OUT/models/demo-$2" "$dest/"
  args "$1" "$2"
  $PY -m generation.training export "${ARGS[@]}" --snapshot "$mid" --set "models_dir=$dest" \
    && tar -cf "$OUT/demo-$2-$1-$(basename "$mid" .pt).tar" -C "$dest" "demo-$2/generator.safetensors" "demo-$2/model.json" \
    && echo "[gpu] $1 $2: exported $(basename "$mid") of ${#snaps[@]} snapshots"
}

pack() {  # pack <category>: the package without its CLIP, the histories and last sample grids
  local cat=$1 list=()
  for b in $BUILDS; do
    [ -f "$WORK/$b-$cat/gan/history.jsonl" ] && list+=("$WORK/$b-$cat/gan/history.jsonl")
    local grid
    grid=$(ls "$WORK/$b-$cat/gan/samples/"*.png 2>/dev/null | tail -1)
    [ -n "$grid" ] && list+=("$grid")
  done
  tar -cf "$OUT/demo-$cat.tar" "${list[@]}" --exclude=clip.safetensors -C "$OUT/models" "demo-$cat"
  cmp -s "models/demo-$cat/clip.safetensors" "$OUT/models/demo-$cat/clip.safetensors" \
    && echo "[gpu] demo-$cat: CLIP unchanged" || echo "[gpu] demo-$cat: CLIP CHANGED (not in the tar)"
}

for c in $CATEGORIES; do
  for b in $BUILDS; do
    run "$b" "$c" || break
    snapshot "$b" "$c"
  done
  pack "$c"
done

if [ -n "${KEEP_CHECKPOINTS:-}" ]; then
  for ckpt in "$WORK"/*/gan/checkpoint.pt; do
    dest="$OUT/checkpoints/$(basename "$(dirname "$(dirname "$ckpt")")")"
    mkdir -p "$dest"
    split -b 15M -d "$ckpt" "$dest/part-"
  done
fi
rm -rf "$OUT/models"
ls -l "$OUT"
