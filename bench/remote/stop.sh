#!/usr/bin/env bash
# Stop every training and evaluation of the study (SIGINT, then SIGKILL; those whose command line names the
# study folder), then pack what is new into $OUT.
#
#   bash bench/remote/stop.sh
set -u
cd "$(dirname "$0")/../.."; source bench/remote/env.sh
for signal in INT KILL; do
  for name in "bench/ablation.py" "beyondmimic_adaptive.runs train" "scripts/evaluate.py"; do pkill -"$signal" -f "$(study_procs "$name")"; done
  [ "$signal" = INT ] && sleep 5
done
python bench/remote/pack_new.py "$S" "$OUT"
