#!/usr/bin/env bash
# Wait SECONDS, report each training's last iteration and the evaluations, and pack what is new into $OUT.
#
#   bash bench/remote/progress.sh SECONDS
set -u
cd "$(dirname "$0")/../.."; source bench/remote/env.sh
sleep "$1"
date -u +%T
for log in "$S"/table2_*/*_train.log; do
  [ -f "$log" ] || continue
  echo "$(basename "$(dirname "$log")")/$(basename "$log"): $(grep -a 'Learning iteration' "$log" | tail -1 | tr -s ' ')$(grep -a 'Iteration time' "$log" | tail -1 | tr -s ' ')"
  grep -a -E "Error|Traceback" "$log" | tail -3
done
for log in "$S"/ablation_*.log "$S"/evals/*.log; do [ -s "$log" ] && { echo "== $log"; tail -c 400 "$log"; echo; }; done
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader 2>/dev/null
python bench/remote/pack_new.py "$S" "$OUT" | head -1
