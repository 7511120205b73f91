#!/usr/bin/env bash
# The Isaac Lab 2.x lane: our Isaac Lab terms against the REAL Isaac Lab 2.3.2 manager and env-reset code,
# on the CPU, without Isaac Sim (its modules are stood in: tests/isaaclab2/isaacsim_standins.py).
#   bash scripts/test_isaaclab2.sh [pytest args]
# Builds .venv-il2 once (Python 3.11, numpy < 2, a CPU torch; several seconds to a minute), downloads
# isaaclab==2.3.2 with --no-deps and unpacks it there, checks that the package byte-compiles on Python
# 3.10 where one is found, then runs tests/isaaclab2 and the WBT adapter tests.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${BM_IL2_VENV:-$ROOT/.venv-il2}
ISAACLAB_VERSION=2.3.2
LAB_DIR=$VENV/isaaclab-$ISAACLAB_VERSION
PKG=$ROOT/exts/beyondmimic_adaptive/beyondmimic_adaptive

find_python() {  # $1 = 3.10 or 3.11
  local c candidates=()
  [ "$1" = 3.11 ] && [ -n "${PYTHON_IL2:-}" ] && candidates+=("$PYTHON_IL2")
  candidates+=("python$1")
  while IFS= read -r c; do candidates+=("$c"); done < <(ls -d "$HOME"/.pyenv/versions/"$1".*/bin/python"$1" 2>/dev/null | sort -rV)
  for c in "${candidates[@]}"; do
    if "$c" -c "import sys; assert '%d.%d' % sys.version_info[:2] == '$1'" >/dev/null 2>&1; then
      echo "$c"; return 0
    fi
  done
  return 1
}

ensure_venv() {
  local stamp="$VENV/.bm-stamp" want py
  want=$(cat "$ROOT/requirements/isaaclab2-lane.txt" "$ROOT/setup.py" "$0" | sha256sum | cut -d' ' -f1)
  if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && [ -d "$LAB_DIR/isaaclab" ]; then
    return 0
  fi
  py=$(find_python 3.11) || {
    echo "test_isaaclab2.sh: no Python 3.11 found (isaaclab $ISAACLAB_VERSION needs it). Install it (pyenv install 3.11) or set PYTHON_IL2." >&2
    return 1
  }
  echo "test_isaaclab2.sh: preparing $VENV with $py" >&2
  rm -rf "$VENV"
  "$py" -m venv "$VENV"
  local pip=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
  # a CPU build of torch keeps this lane small; PyPI's Linux torch brings several GB of CUDA libraries
  local torch_spec="torch>=2.5" wheel dir
  for dir in ${PIP_FIND_LINKS:-$(pip config get global.find-links 2>/dev/null || true)}; do
    wheel=$(ls "$dir"/torch-*+cpu-cp311-cp311-*.whl 2>/dev/null | sort -V | tail -1 || true)
    [ -n "$wheel" ] && torch_spec=$wheel
  done
  "${pip[@]}" install "$torch_spec" -r "$ROOT/requirements/isaaclab2-lane.txt"
  # the package's own install on 3.11 + numpy < 2 (python_requires, install_requires)
  "${pip[@]}" install -e "$ROOT"
  local tmp; tmp=$(mktemp -d)
  "${pip[@]}" download --no-deps -d "$tmp" "isaaclab==$ISAACLAB_VERSION"
  mkdir -p "$LAB_DIR"
  "$VENV/bin/python" - "$tmp" "$LAB_DIR" <<'PY'
import glob, sys, zipfile
wheel, = glob.glob(f"{sys.argv[1]}/isaaclab-*.whl")
prefix = "isaaclab/source/isaaclab/"  # the core package and its config/extension.toml; the wheel's top-level
with zipfile.ZipFile(wheel) as z:    # isaaclab/__init__.py would boot Isaac Sim, so it is left out
    for name in z.namelist():
        if name.startswith(prefix) and not name.startswith(prefix + "test/"):
            z.extract(name, f"{sys.argv[2]}/_wheel")
PY
  mv "$LAB_DIR/_wheel/isaaclab/source/isaaclab/isaaclab" "$LAB_DIR/isaaclab"
  mv "$LAB_DIR/_wheel/isaaclab/source/isaaclab/config" "$LAB_DIR/config"
  rm -rf "$LAB_DIR/_wheel" "$tmp"
  echo "$want" > "$stamp"
}

ensure_venv
cd "$ROOT"
if py310=$(find_python 3.10); then
  # the 2.1/2.2 releases run Python 3.10: the modules the terms import must at least compile there
  "$py310" -m compileall -q "$PKG/sampler" "$PKG/terms" "$PKG/hydra_config" "$PKG/motion" "$PKG/wbt" >/dev/null \
    || { echo "test_isaaclab2.sh: the package does not compile on Python 3.10" >&2; exit 1; }
  find "$PKG" -name '*.cpython-310.pyc' -delete
fi
export PYTHONPATH="$ROOT/tests/isaaclab2:$ROOT/tests:$LAB_DIR:$ROOT/exts/beyondmimic_adaptive${PYTHONPATH:+:$PYTHONPATH}"
exec "$VENV/bin/python" -m pytest -p isaacsim_standins -p no:cacheprovider \
  tests/isaaclab2 tests/test_wbt_adapter.py "$@"
