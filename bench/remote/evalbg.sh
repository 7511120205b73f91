#!/usr/bin/env bash
# Evaluate checkpoints (paths under the study folder) in one detached process, 16 starts per bin, beside
# the trainings: reports go to $BM_STUDY_DIR/evals/TAG/<arm>/eval_model_<it>/, where pack_new.py finds them.
# One batch evaluates one clip ($BM_CLIP); give each batch its own TAG.
#
#   bash bench/remote/evalbg.sh TAG CHECKPOINT [CHECKPOINT ...]
set -u
cd "$(dirname "$0")/../.."; source bench/remote/env.sh
tag=$1; shift
mkdir -p "$S/evals/$tag"
checkpoints=(); for c in "$@"; do checkpoints+=("$S/$c"); done
out=$S/evals/$tag  # evaluate.py puts several checkpoints' reports in OUT/<arm>/eval_<stem>/, a single one in OUT itself
[ $# -eq 1 ] && out=$out/$(basename "$(dirname "$1")")/eval_$(basename "$1" .pt)
setsid nohup python scripts/evaluate.py --checkpoint "${checkpoints[@]}" --envs-per-bin 16 --device "$DEVICE" \
  --out "$out" --motion-files "$S/motions/$CLIP.npz" task=Tracking-G1-v0 \
  > "$S/evals/$tag.log" 2>&1 < /dev/null &
echo "evaluating ($tag): $*"
