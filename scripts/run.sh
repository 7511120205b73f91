#!/usr/bin/env bash
# One entry point for a fresh machine: creates/refreshes .venv (Python 3.12), then runs a job.
#   bash scripts/run.sh main [args]   the main job (see README.md)
#   bash scripts/run.sh test [args]   the test suite (what CI runs); without args also the Isaac Lab 2.x lane
#   bash scripts/run.sh python ...    any command inside the venv
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${BM_VENV:-$ROOT/.venv}

find_python312() {
  local candidates=()
  [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
  candidates+=(python3.12)
  if command -v pyenv >/dev/null 2>&1; then
    local root; root=$(pyenv root)
    # highest installed 3.12.x first
    while IFS= read -r p; do candidates+=("$p"); done < <(ls -d "$root"/versions/3.12*/bin/python3.12 2>/dev/null | sort -rV)
  fi
  while IFS= read -r p; do candidates+=("$p"); done < <(ls -d "$HOME"/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.12 /usr/local/bin/python3.12 2>/dev/null | sort -rV)
  for c in "${candidates[@]}"; do
    if "$c" -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1; then
      echo "$c"; return 0
    fi
  done
  echo "run.sh: no working Python 3.12 found (tried: ${candidates[*]}). Install it (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12." >&2
  return 1
}

ensure_venv() {
  local stamp="$VENV/.bm-stamp" want
  want=$(cat "$ROOT"/requirements/*.txt "$ROOT/setup.py" | sha256sum | cut -d' ' -f1)
  if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] \
     && "$VENV/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
    return 0
  fi
  local py; py=$(find_python312)
  echo "run.sh: preparing $VENV with $py (first time: several minutes, torch is large)" >&2
  if ! "$VENV/bin/python" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
    rm -rf "$VENV"; "$py" -m venv "$VENV"
  fi
  local pip=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
  "${pip[@]}" install --upgrade pip setuptools wheel
  "${pip[@]}" install -r "$ROOT/requirements/isaaclab-kitless.txt" -r "$ROOT/requirements/dev.txt"
  # isaaclab's own dependency list drags in Isaac Sim tooling a kit-less run never imports
  "${pip[@]}" install --no-deps isaaclab==3.0.0
  "${pip[@]}" install --no-deps -e "$ROOT"
  echo "$want" > "$stamp"
}

cmd=${1:-}; shift || true
case "$cmd" in
  main) ensure_venv; cd "$ROOT"; exec "$VENV/bin/python" "$ROOT/scripts/main_job.py" "$@" ;;
  test)
    # the main suite (Isaac Lab 3.0), then, on a full run, the Isaac Lab 2.x lane (scripts/test_isaaclab2.sh)
    ensure_venv; cd "$ROOT"; rc=0
    "$VENV/bin/python" -m pytest tests "$@" || rc=$?
    if [ $# -eq 0 ] && [ "${BM_SKIP_ISAACLAB2:-0}" != 1 ]; then bash "$ROOT/scripts/test_isaaclab2.sh" || rc=$?; fi
    exit $rc ;;
  python) ensure_venv; exec "$VENV/bin/python" "$@" ;;
  *) echo "usage: bash scripts/run.sh {main|test|python} [args...]" >&2; exit 2 ;;
esac
