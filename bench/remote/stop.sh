#!/usr/bin/env bash
# Stop every training and evaluation of the study (SIGINT, then SIGKILL), then pack what is new into $OUT.
#
#   bash bench/remote/stop.sh
set -u
cd "$(dirname "$0")/../.."; source bench/remote/env.sh
pkill -INT -f "bench/ablation.py"; pkill -INT -f "beyondmimic_adaptive.runs train"; pkill -INT -f "scripts/evaluate.py"
sleep 5
pkill -KILL -f "beyondmimic_adaptive.runs train"; pkill -KILL -f "bench/ablation.py"; pkill -KILL -f "scripts/evaluate.py"
python bench/remote/pack_new.py "$S" "$OUT"
