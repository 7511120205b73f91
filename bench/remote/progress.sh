#!/usr/bin/env bash
# Wait up to SECONDS (less when none of the study's trainings and evaluations is left running: env.sh's
# study_procs), report each training's last iteration and the evaluations, and pack what is new into $OUT.
#
#   bash bench/remote/progress.sh SECONDS
#
# Exits 3 at once, without waiting, when this machine has no study folder (or no BM_SITE): the machine was
# released since start.sh and this call got a fresh one; waiting would only spend device time. Provision the
# machine again and resume with start.sh from the last packed checkpoints. Exits 4 at once when python cannot
# import the package (the site start.sh ran with is reused from $S/bm_site; BM_SITE overrides it).
set -u
cd "$(dirname "$0")/../.."; source bench/remote/env.sh
if [ ! -d "$S" ] || { [ -n "${BM_SITE:-}" ] && [ ! -d "$BM_SITE" ]; }; then
  echo "progress.sh: no study folder $S${BM_SITE:+ or no site $BM_SITE} on this machine: it is a fresh one (the last" \
    "was released). Provision it again and resume with start.sh from the last packed checkpoints."
  exit 3
fi
if ! err=$(python -c "import beyondmimic_adaptive.runs" 2>&1); then  # pack_new.py needs it: fail now, not after the wait
  echo "progress.sh: python cannot import beyondmimic_adaptive.runs ($(printf '%s\n' "$err" | tail -1)): set BM_SITE to the folder" \
    "the wheel set was assembled into (start.sh records it in $S/bm_site) and call again."
  exit 4
fi
running() { pgrep -f "$(study_procs "bench/ablation.py|scripts/evaluate.py|beyondmimic_adaptive.runs train")" > /dev/null; }
end=$((SECONDS + $1))
while [ "$SECONDS" -lt "$end" ] && running; do sleep 5; done
running || echo "progress.sh: no training or evaluation is running"
date -u +%T
for log in "$S"/table2_*/*_train.log; do
  [ -f "$log" ] || continue
  echo "$(basename "$(dirname "$log")")/$(basename "$log"): $(grep -a 'Learning iteration' "$log" | tail -1 | tr -s ' ')$(grep -a 'Iteration time' "$log" | tail -1 | tr -s ' ')"
  grep -a -E "Error|Traceback" "$log" | tail -3
done
for log in "$S"/ablation_*.log "$S"/evals/*.log; do [ -s "$log" ] && { echo "== $log"; tail -c 400 "$log"; echo; }; done
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader 2>/dev/null
python bench/remote/pack_new.py "$S" "$OUT" > "$S/pack.log" 2>&1; head -1 "$S/pack.log"
