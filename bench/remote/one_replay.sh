#!/usr/bin/env bash
# The one-replay terms (warp_step on the CUDA-graph path, docs/benchmarks.md §2) on a GPU, each step under its own
# timeout, everything appended to $OUT/one_replay.txt as it goes.
#
#   bash bench/remote/one_replay.sh tests|glue|throughput|throughput-torch [SECONDS]      (default 420)
set -u
cd "$(dirname "$0")/../.."; source bench/remote/env.sh
what=$1; limit=${2:-420}
log=$OUT/one_replay.txt
bm_header
g1=(--task Tracking-G1-v0 --device cuda:0)
case $what in
  tests) bm_step python -m pytest -q -p no:cacheprovider tests/test_warp_one_replay.py tests/test_warp_draw_first.py \
      tests/test_warp_terms.py tests/test_isaaclab_terms.py tests/test_episode_counting.py -k "cuda or bound or one_replay or draw_first or replay" ;;
  glue) bm_step python bench/term_glue.py "${g1[@]}" --envs 4096 --steps 200 --warmup 20 --warp-step ;;
  throughput) bm_step python bench/env_throughput.py "${g1[@]}" --num-envs 4096 --rounds 360 --steps 5 --warmup 1 \
      --modes off adaptive --warp-step --rows-out "$OUT/env_throughput_g1_one_replay_r360.jsonl" ;;
  throughput-torch) bm_step python bench/env_throughput.py "${g1[@]}" --num-envs 4096 --rounds 360 --steps 5 \
      --warmup 1 --modes off adaptive --rows-out "$OUT/env_throughput_g1_torch_r360.jsonl" ;;
  *) echo "unknown step $what (tests, glue, throughput, throughput-torch)"; exit 2 ;;
esac
tail -n 40 "$log"
