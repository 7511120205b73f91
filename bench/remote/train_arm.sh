#!/usr/bin/env bash
# One arm of a study, as start.sh detaches it: train the arm to MAX_ITERATIONS (bench/ablation.py --train-only,
# a checkpoint every 50 iterations), then evaluate its last checkpoint (rsl-rl's model_<MAX-1>.pt) from every
# start bin with evalbg.sh under the tag f_<study>_<arm>, so that a finished arm's evaluation starts without
# waiting for the next call. A training that stops early (stop.sh, a crash) leaves no such checkpoint and is not
# evaluated. BM_EVAL_FINAL=0 trains only.
#
#   bash bench/remote/train_arm.sh ARM MAX_ITERATIONS
set -u
cd "$(dirname "$0")/../.."; source bench/remote/env.sh
root=$PWD arm=$1 max_iterations=$2
python bench/ablation.py --out "$S/$STUDY" --task Tracking-G1-v0 --arms "$arm" --device "$DEVICE" \
  --num-envs "${BM_NUM_ENVS:-4096}" --eval-every 50 --max-iterations "$max_iterations" --seed 1 --train-only \
  ${BM_VARIANT:+--variant "$BM_VARIANT"} --motion-files "$S/motions/$CLIP.npz"
[ "$EVAL_FINAL" = 1 ] || exit 0
final=$STUDY/$arm/model_$((max_iterations - 1)).pt
if [ -f "$S/$final" ]; then
  # by absolute path: a later call may have copied the repository afresh to the same place since the start
  bash "$root/bench/remote/evalbg.sh" "f_${STUDY}_$arm" "$final"
else
  echo "train_arm.sh: $final was not written (the training stopped before its last iteration): not evaluated"
fi
