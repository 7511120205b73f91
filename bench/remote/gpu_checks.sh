#!/usr/bin/env bash
# The sampler's GPU checks and benchmarks in one call (docs/benchmarks.md §1.4, §1.8–§1.11), each step under its
# own timeout, everything written to $OUT/gpu_checks.txt as it goes.
#
#   bash bench/remote/gpu_checks.sh [SECONDS_PER_STEP]      (default 150)
set -u
cd "$(dirname "$0")/../.."; source bench/remote/env.sh
limit=${1:-150}
log=$OUT/gpu_checks.txt
bm_header
bm_step python -m pytest -q tests/test_warp_step.py tests/test_warp_draw_first.py tests/test_graphed_device.py \
  tests/test_compiled_steps.py
bm_step python -m pytest -q tests/test_warp_terms.py    # the terms on the fused step: no host sync after capture
bm_step python bench/sampler_cost.py --device cuda --envs 1024 4096 16384 --bins 100 1000 10000 \
  --attribution start hazard --repeats 3 --budget-s 0.2 --warp
bm_step python bench/sampler_cost.py --device cuda --envs 4096 16384 --bins 100000 1000000 \
  --attribution start hazard --repeats 3 --budget-s 0.2    # issue 13 item 3: cost and memory at scale
bm_step python bench/sampler_profile.py --device cuda --envs 4096 16384 --bins 100 10000 --attribution start hazard --warp
bm_step python bench/sampler_profile.py --device cuda --envs 4096 16384 --bins 100 10000 --attribution start hazard --warp \
  --warp-draw-first --by-kernel 3    # the draw-first step (§1.11) and its three kernels' GPU time
bm_step python bench/sampler_profile.py --device cuda --envs 4096 16384 --bins 100 10000 --attribution start hazard --warp \
  --warp-one-block-max-bins 16384    # the opt-in one-block Warp fold against the default grid kernels (§1.9)
tail -n 60 "$log"
