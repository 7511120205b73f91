#!/usr/bin/env bash
# Start (or resume) a Table II study on a remote GPU machine reached through short calls, each of which
# gets a fresh copy of this repository: the study lives in $BM_STUDY_DIR and the trainings run detached.
#
#   bash bench/remote/start.sh CSV_DIR "ARMS" MAX_ITERATIONS [CHECKPOINT ...]
#
# Converts $BM_CLIP from CSV_DIR (scripts/download_motions.py --from), copies runs/$BM_STUDY (the
# checkpoints of earlier stretches; none: a new study) into the study folder, counts what is there as
# already sent (pack_new.py), starts one train_arm.sh per arm (bench/ablation.py --train-only, a checkpoint every
# 50 iterations, then the protocol's evaluation of the arm's last checkpoint if it gets there; BM_EVAL_FINAL=0
# leaves that out), and evaluates the CHECKPOINTs given (paths under the study folder) alongside (ARMS "" evaluates
# only).
# BM_VARIANT adds a --variant arm; BM_DEVICE (default cuda:0) and BM_NUM_ENVS (default 4096) are for a smoke test.
# Call it once per clip (BM_CLIP=dance2_subject1 BM_STUDY=table2_dance2 ...) to train several side by side.
# Then: progress.sh to report and pack what is new, stop.sh to end.
set -u
cd "$(dirname "$0")/../.."; source bench/remote/env.sh
csv_dir=$1 arms=$2 max_iterations=$3; shift 3
case $max_iterations in ''|*[!0-9]*|0) echo "start.sh: MAX_ITERATIONS is '$max_iterations': give the iteration budget as" \
  "a positive whole number (e.g. 8000)."; exit 2 ;; esac
case $EVAL_FINAL in 0|1) ;; *) echo "start.sh: BM_EVAL_FINAL is '$EVAL_FINAL': set it to 1 (evaluate each arm's" \
  "last checkpoint once trained, the default) or 0 (train only)."; exit 2 ;; esac
mkdir -p "$S"
[ -n "${BM_SITE:-}" ] && echo "$BM_SITE" > "$S/bm_site"  # env.sh: progress.sh and the rest import from it
python scripts/download_motions.py --clips "$CLIP" --from "$csv_dir" --out "$S/motions" > "$S/convert.log" 2>&1 \
  || { echo "start.sh: converting $CLIP failed:"; tail "$S/convert.log"; exit 1; }
if [ ! -d "$S/$STUDY" ]; then
  if [ -d "runs/$STUDY" ]; then cp -r "runs/$STUDY" "$S/"; else mkdir -p "$S/$STUDY"; fi  # else: a new study
  python bench/remote/pack_new.py "$S" "$S/discard" --studies "$STUDY" > /dev/null  # what is here counts as sent
fi
for arm in $arms; do  # train_arm.sh: the training, then the evaluation of its last checkpoint
  setsid nohup bash bench/remote/train_arm.sh "$arm" "$max_iterations" \
    > "$S/ablation_${STUDY}_$arm.log" 2>&1 < /dev/null &  # one log per clip and arm
done
[ $# -gt 0 ] && bash bench/remote/evalbg.sh "e_$STUDY" "$@"  # a tag per study: one clip's batch per call
echo "started $arms at $(date -u +%T)"
