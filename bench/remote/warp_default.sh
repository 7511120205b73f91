#!/usr/bin/env bash
# The default warp_step (null: Warp where the curriculum term's one replay applies) on a GPU, each step under its own
# timeout, everything appended to $OUT/warp_default.txt as it goes (docs/benchmarks.md §1.12 and §2).
#
#   bash bench/remote/warp_default.sh cost|throughput|tests|train-start|train-report [SECONDS]   (default 420)
#
# train-start detaches two G1 trainings that share the GPU (BM_ITERATIONS, default 250; the task's own clip, seed 1):
# `warp_null` with the default config and `torch` with warp_step=false. train-report prints their progress and
# copies their logs and TensorBoard events to $OUT/warp_training/.
set -u
cd "$(dirname "$0")/../.."; source bench/remote/env.sh
what=$1; limit=${2:-420}
log=$OUT/warp_default.txt
runs=${BM_TRAIN_DIR:-/tmp/warp_training}
bm_header
g1=(--task Tracking-G1-v0 --device cuda:0)
case $what in
  cost) bm_step python bench/sampler_cost.py --device cuda --envs 4096 16384 --bins 100 10000 100000 \
      --attribution start hazard --repeats 3 --budget-s 0.2 --warp ;;
  throughput) bm_step python bench/env_throughput.py "${g1[@]}" --num-envs 4096 --rounds 360 --steps 5 --warmup 1 \
      --modes off adaptive --warp-step null --rows-out "$OUT/env_throughput_g1_default_r360.jsonl" ;;
  tests) bm_step python -m pytest -q -p no:cacheprovider tests/test_warp_auto.py tests/test_warp_step.py \
      tests/test_warp_draw_first.py tests/test_warp_one_replay.py tests/test_warp_metrics.py ;;
  train-start)
    mkdir -p "$runs"
    for arm in warp_null torch; do
      extra=(); [ "$arm" = torch ] && extra=(curriculum.adaptive.warp_step=false)
      setsid nohup python -m beyondmimic_adaptive.runs train task=Tracking-G1-v0 device=cuda:0 num_envs=4096 \
        seed=1 iterations="${BM_ITERATIONS:-250}" save_interval=50 curriculum=adaptive log_dir="$runs" \
        run_name="$arm" "${extra[@]}" > "$runs/$arm.log" 2>&1 < /dev/null &
    done
    echo "== $(date -u +%T) started warp_null and torch in $runs" | tee -a "$log" ;;
  train-report)
    for arm in warp_null torch; do
      echo "== $(date -u +%T) $arm: $(grep -c 'Learning iteration' "$runs/$arm.log" 2>/dev/null) iterations logged" \
        | tee -a "$log"
      tail -n 3 "$runs/$arm.log" | tee -a "$log"
    done
    mkdir -p "$OUT/warp_training"
    for arm in warp_null torch; do
      cp "$runs/$arm.log" "$OUT/warp_training/" 2>/dev/null
      find "$runs/$arm" -maxdepth 1 -name 'events.out.tfevents.*' -exec cp {} "$OUT/warp_training/$arm.tfevents" \;
    done ;;
  *) echo "unknown step $what (cost, throughput, tests, train-start, train-report)"; exit 2 ;;
esac
tail -n 40 "$log"
