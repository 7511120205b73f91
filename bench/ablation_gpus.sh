#!/usr/bin/env bash
# The learning ablation with the arms side by side, one GPU each (adaptive on GPU 0, uniform on
# GPU 1; ABLATION_GPUS="0 0" shares one GPU), then the plots. Arguments after the first three go
# to bench/ablation.py (e.g. --motion-files a.npz, which must come last).
#
#   bash bench/ablation_gpus.sh outputs/ablation 3000 250
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: bash bench/ablation_gpus.sh OUT MAX_ITERATIONS EVAL_EVERY [more bench/ablation.py flags]" >&2
  exit 2
fi
out=$1 max_iterations=$2 eval_every=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
read -r -a gpus <<<"${ABLATION_GPUS:-0 1}"
pids=()
for arm_gpu in "adaptive:${gpus[0]}" "uniform:${gpus[1]:-${gpus[0]}}"; do
  arm=${arm_gpu%:*}
  # one visible GPU per process: Isaac Lab, Warp and torch all see it as cuda:0
  CUDA_VISIBLE_DEVICES=${arm_gpu#*:} python3 "$here/ablation.py" --out "$out" --device cuda:0 --arms "$arm" \
    --max-iterations "$max_iterations" --eval-every "$eval_every" "$@" >"$out/$arm.log" 2>&1 &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
python3 "$here/ablation.py" --out "$out" --plot-only
exit $status
