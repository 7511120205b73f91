"""scripts/download_motions.py: the license is shown, offline fails fast with the way out, --from converts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from script_run import ScriptResult, run_script

ROOT = Path(__file__).resolve().parents[1]
DANCE1 = ROOT.parent / "shared" / "motions" / "lafan_g1" / "dance1_subject1.csv"


def download(*args: str) -> ScriptResult:
    return run_script("scripts/download_motions.py", *args)


def download_in_a_new_process(*args: str, **env: str) -> subprocess.CompletedProcess:
    """huggingface_hub reads HF_HUB_OFFLINE when it is imported: set it for a fresh interpreter."""
    command = [sys.executable, "scripts/download_motions.py", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, **env})


def test_offline_download_fails_fast_and_says_how_to_pass_local_files(tmp_path):
    result = download_in_a_new_process("--clips", "dance1_subject1", "--out", str(tmp_path / "out"), HF_HUB_OFFLINE="1")
    assert result.returncode == 2
    assert "CC BY-NC-ND 4.0" in result.stdout  # the license comes first
    assert "could not download g1/dance1_subject1.csv" in result.stderr
    assert "pass their folder with --from DIR" in result.stderr and "Traceback" not in result.stderr
    assert not list((tmp_path / "out").glob("*.npz"))


def test_from_a_folder_without_the_clip_names_what_it_holds(tmp_path):
    (tmp_path / "walk1_subject1.csv").write_text("0\n")
    result = download("--from", str(tmp_path), "--clips", "dance1_subject1", "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "dance1_subject1.csv does not exist" in result.stderr and "['walk1_subject1']" in result.stderr


@pytest.mark.skipif(not DANCE1.is_file(), reason=f"LAFAN1 test clip {DANCE1} not present")
def test_from_converts_local_csvs_to_50_fps(tmp_path):
    source = tmp_path / "g1"
    source.mkdir()
    rows = np.loadtxt(DANCE1, delimiter=",")[:61]  # 2 s at 30 fps
    np.savetxt(source / "dance1_subject1.csv", rows, delimiter=",")
    result = download("--from", str(source), "--clips", "dance1_subject1", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr[-3000:]
    data = np.load(tmp_path / "out" / "dance1_subject1.npz")
    assert data["fps"][0] == 50.0 and data["joint_pos"].shape == (101, 29)
    np.testing.assert_allclose(data["joint_pos"][[0, 5, 100]], rows[[0, 3, 60], 7:], atol=1e-5)
