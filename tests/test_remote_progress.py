"""bench/remote/progress.sh: it refuses at once on a fresh machine and stops waiting when nothing runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bench" / "remote" / "progress.sh"


def run_progress(tmp_path: Path, study_dir: Path, wait_s: int, **env: str) -> subprocess.CompletedProcess:
    """progress.sh WAIT_S with the study in ``study_dir``; a 60 s limit fails a call that waits the full wait."""
    python_dir = str(Path(sys.executable).parent)
    environ = os.environ | {"BM_STUDY_DIR": str(study_dir), "OUT": str(tmp_path / "out"), **env}
    environ["PATH"] = python_dir + os.pathsep + environ["PATH"]
    (tmp_path / "out").mkdir(exist_ok=True)
    return subprocess.run(["bash", str(SCRIPT), str(wait_s)], env=environ, capture_output=True, text=True, timeout=60)


def test_a_fresh_machine_is_refused_without_waiting(tmp_path):
    result = run_progress(tmp_path, tmp_path / "no_study", 600)
    assert result.returncode == 3
    assert "is a fresh one" in result.stdout and "resume with start.sh" in result.stdout
    assert not list((tmp_path / "out").iterdir())


def test_a_missing_site_is_refused_without_waiting(tmp_path):
    (tmp_path / "study").mkdir()
    result = run_progress(tmp_path, tmp_path / "study", 600, BM_SITE=str(tmp_path / "no_site"))
    assert result.returncode == 3
    assert f"no site {tmp_path / 'no_site'}" in result.stdout


def test_nothing_running_ends_the_wait_and_packs(tmp_path):
    run = tmp_path / "study" / "table2_dance1" / "adaptive"
    run.mkdir(parents=True)
    torch.save({"actor_state_dict": {"w": torch.ones(2)}, "iter": 50}, run / "model_50.pt")
    (run.parent / "adaptive_train.log").write_text("Learning iteration 51/8000\n")
    result = run_progress(tmp_path, tmp_path / "study", 600)
    assert result.returncode == 0, result.stderr
    assert "no training or evaluation is running" in result.stdout
    assert "table2_dance1/adaptive_train.log: Learning iteration 51/8000" in result.stdout
    assert list((tmp_path / "out").glob("pack.tar.part-*"))
