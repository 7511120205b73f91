# Sourced by the scripts here (from the repository root). BM_SITE: an extra site folder to import from (e.g. an
# offline wheel set unpacked there; start.sh's is kept for the later calls); BM_STUDY_DIR: where the study lives
# on the remote machine (outside the repository copy, so it outlives the next call); BM_STUDY: the run folders'
# parent name; BM_CLIP: the LAFAN1 clip the study trains on.
S=${BM_STUDY_DIR:-/tmp/study}
# start.sh records the site it ran with (S/bm_site): the later calls (progress, evalbg, stop) import from it too.
if [ -z "${BM_SITE:-}" ] && [ -f "$S/bm_site" ]; then BM_SITE=$(cat "$S/bm_site"); fi
export PYTHONPATH=${BM_SITE:+$BM_SITE:}$PWD/exts/beyondmimic_adaptive GIT_PYTHON_REFRESH=quiet
STUDY=${BM_STUDY:-table2_dance1}
CLIP=${BM_CLIP:-dance1_subject1}
DEVICE=${BM_DEVICE:-cuda:0}
EVAL_FINAL=${BM_EVAL_FINAL:-1}  # 1: each arm evaluates its last checkpoint once trained (train_arm.sh); 0: train only
# The study's own processes: their command lines name the study folder (--out, log_dir=, resume=). Other
# trainings or evaluations on the machine (another study, a local check) are neither waited for nor stopped.
study_procs() { echo "($1).*$S/"; }
# bm_step CMD...: CMD under `timeout $limit`, its output appended to $log between its start time and its exit status.
bm_step() {
  echo "== $(date -u +%T) $*" | tee -a "$log"
  timeout "$limit" "$@" >> "$log" 2>&1
  echo "== exit $?" | tee -a "$log"
}
# bm_header: the GPU, its driver and the commit, appended to $log (its folder made first).
bm_header() {
  mkdir -p "$(dirname "$log")"
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader >> "$log" 2>&1
  git log --oneline -1 >> "$log" 2>&1
}
