"""bench/remote/warp_default.sh: the two trainings train-start detaches (the default warp_step and the torch path),
and a refused step name."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from test_remote_scripts import ROOT, recorded_lines, recording_python


def run_warp_default(tmp_path: Path, path: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = os.environ | {"OUT": str(tmp_path / "out"), "BM_TRAIN_DIR": str(tmp_path / "runs"), "PATH": path, **env}
    command = ["bash", str(ROOT / "bench" / "remote" / "warp_default.sh"), *args]
    return subprocess.run(command, env=environ, capture_output=True, text=True, timeout=30)


def test_train_start_detaches_the_default_and_the_torch_arm(tmp_path):
    result = run_warp_default(tmp_path, recording_python(tmp_path), "train-start", BM_ITERATIONS="40")
    assert result.returncode == 0, result.stderr
    lines = recorded_lines(tmp_path / "args.txt", lambda lines: len(lines) >= 2)
    assert len(lines) == 2, lines
    by_arm = {next(w for w in line.split() if w.startswith("run_name=")): line for line in lines}
    assert set(by_arm) == {"run_name=warp_null", "run_name=torch"}
    for line in lines:
        assert line.startswith("-m beyondmimic_adaptive.runs train task=Tracking-G1-v0 device=cuda:0 num_envs=4096")
        assert "iterations=40" in line and "seed=1" in line and f"log_dir={tmp_path / 'runs'}" in line
    assert "warp_step" not in by_arm["run_name=warp_null"]  # the config's default: null
    assert by_arm["run_name=torch"].endswith("curriculum.adaptive.warp_step=false")
    assert "started warp_null and torch" in (tmp_path / "out" / "warp_default.txt").read_text()


def test_an_unknown_step_is_refused_with_the_step_names(tmp_path):
    result = run_warp_default(tmp_path, recording_python(tmp_path), "costs")
    assert result.returncode == 2
    assert "unknown step costs (cost, throughput, tests, train-start, train-report)" in result.stdout
    assert not (tmp_path / "args.txt").exists()
