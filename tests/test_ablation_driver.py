"""bench/ablation.py on the CPU: one tiny chunk per arm, results appended, a rerun continues (does nothing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from beyondmimic_adaptive.assets import DEMO_SHORT_MOTION

ROOT = Path(__file__).resolve().parents[1]


def test_ablation_driver_records_each_arm_and_resumes(tmp_path):
    command = [sys.executable, "bench/ablation.py", "--out", str(tmp_path), "--device", "cpu", "--num-envs", "4"]
    command += ["--chunk", "1", "--max-iterations", "1", "--envs-per-bin", "1", "--arms", "adaptive", "uniform"]
    command += ["--motion-files", str(DEMO_SHORT_MOTION)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert [(r["arm"], r["iterations"]) for r in rows] == [("adaptive", 1), ("uniform", 1)]
    assert all(len(r["completion_per_bin"]) == 8 and r["train_wall_s"] > 0 for r in rows)
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert again.returncode == 0 and len((tmp_path / "results.jsonl").read_text().splitlines()) == 2
