"""bench/ablation.py on the CPU: one tiny chunk per arm, results appended, a rerun continues (does nothing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from beyondmimic_adaptive.assets import DEMO_SHORT_MOTION

ROOT = Path(__file__).resolve().parents[1]


def run_ablation(out, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "bench/ablation.py", "--out", str(out), "--device", "cpu", "--num-envs", "4"]
    command += ["--eval-every", "2", "--envs-per-bin", "1", *extra, "--motion-files", str(DEMO_SHORT_MOTION)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_ablation_evaluates_every_checkpoint_of_each_arm_and_resumes(tmp_path):
    run_ablation(tmp_path, "--max-iterations", "4", "--arms", "adaptive", "uniform")
    rows = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    # checkpoints model_2 and the final model_3 (model_0 is the untrained policy: not evaluated)
    assert sorted((r["arm"], r["iterations"]) for r in rows) == [
        ("adaptive", 2),
        ("adaptive", 3),
        ("uniform", 2),
        ("uniform", 3),
    ]
    assert all(len(r["completion_per_bin"]) == 8 and r["train_wall_s"] > 0 for r in rows)

    # a larger budget continues the arm from its latest checkpoint; evaluated ones are not redone
    result = run_ablation(tmp_path, "--max-iterations", "6", "--arms", "adaptive", "--plot")
    rows = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert sorted(r["iterations"] for r in rows if r["arm"] == "adaptive") == [2, 3, 4, 5]
    assert "resumed model_3.pt" in (tmp_path / "adaptive_train.log").read_text()
    assert "adaptive" in result.stdout
    assert (tmp_path / "ablation.png").stat().st_size > 0
    assert (tmp_path / "completion_heatmaps.png").stat().st_size > 0
