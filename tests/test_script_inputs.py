"""Wrong inputs to evaluate.py and plot_sampler_history.py fail with a message, not a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_evaluate_refuses_missing_checkpoint_and_bad_envs_per_bin(tmp_path):
    result = run("scripts/evaluate.py", "--checkpoint", str(tmp_path / "model_9.pt"))
    assert result.returncode != 0 and f"checkpoint {tmp_path / 'model_9.pt'} does not exist" in result.stderr
    checkpoint = tmp_path / "model_0.pt"
    checkpoint.write_bytes(b"")
    result = run("scripts/evaluate.py", "--checkpoint", str(checkpoint), "--envs-per-bin", "0")
    assert result.returncode != 0 and "--envs-per-bin=0 must be >= 1" in result.stderr
    result = run("scripts/evaluate.py", "--checkpoint", str(checkpoint), "device=gpu")
    assert result.returncode != 0 and "device='gpu' is invalid" in result.stderr
    assert "Traceback" not in result.stderr


def test_plot_refuses_a_run_without_history(tmp_path):
    result = run("scripts/plot_sampler_history.py", str(tmp_path))
    assert result.returncode != 0 and "no sampler history" in result.stderr and "Traceback" not in result.stderr
