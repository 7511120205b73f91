"""scripts/train.py end to end on the CPU: 2 PPO iterations with adaptive and with uniform starts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from beyondmimic_adaptive.assets import DEMO_SHORT_MOTION
from beyondmimic_adaptive.sampler import load_history

ROOT = Path(__file__).resolve().parents[1]


def train(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "scripts/train.py",
        "--num-envs",
        "4",
        "--iterations",
        "2",
        "--motion-files",
        str(DEMO_SHORT_MOTION),
        "--log-dir",
        str(tmp_path),
        "--run-name",
        "run",
        "history_interval_steps=10",
        *args,
    ]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)


@pytest.mark.parametrize("curriculum", ["adaptive", "uniform"])
def test_training_runs_and_logs_the_curriculum(tmp_path, curriculum):
    result = train(tmp_path, f"curriculum={curriculum}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    run = tmp_path / "run"
    assert (run / "model_1.pt").is_file()
    events = EventAccumulator(str(run)).Reload()
    tags = [tag for tag in events.Tags()["scalars"] if tag.startswith("Curriculum/adaptive/")]
    for key in ("entropy_normalized", "top1_prob", "effective_bins", "mean_failure_rate", "episodes"):
        assert f"Curriculum/adaptive/{key}" in tags
    assert all(np.isfinite(s.value) for s in events.Scalars("Curriculum/adaptive/entropy_normalized"))
    history = load_history(run / "sampler")
    assert history["probabilities"].shape[1] == 8  # the 8 s clip has 8 bins
    np.testing.assert_allclose(history["probabilities"].sum(1), 1.0, atol=1e-5)
    if curriculum == "uniform":
        np.testing.assert_allclose(history["probabilities"], 1 / 8, atol=1e-6)
    assert f"lambda_uniform: {1.0 if curriculum == 'uniform' else 0.1}" in (run / "config.yaml").read_text()
    if curriculum == "adaptive":
        check_evaluation_and_heatmap(run)


def check_evaluation_and_heatmap(run: Path) -> None:
    """evaluate.py and plot_sampler_history.py on the run (one env per bin of the 8 s clip)."""
    command = [sys.executable, "scripts/evaluate.py", "--checkpoint", str(run / "model_1.pt"), "--envs-per-bin", "1"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((run / "eval.json").read_text())
    assert len(report["completion_per_bin"]) == 8 and len(report["full_clip_completion"]) == 1
    assert all(0.0 <= c <= 1.0 for c in report["completion_per_bin"])
    assert all(e > 0.0 for e in report["body_pos_error_per_bin"])
    assert (run / "eval.png").stat().st_size > 0
    result = subprocess.run(
        [sys.executable, "scripts/plot_sampler_history.py", str(run)], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0 and (run / "sampler_heatmap.png").stat().st_size > 0


def test_bad_cli_values_fail_clearly(tmp_path):
    result = train(tmp_path, "curriculum.adaptive.K=0")
    assert result.returncode != 0
    assert "K=0 is invalid: expected an integer >= 1" in result.stderr and "Traceback" not in result.stderr
    bad = tmp_path / "bad.npz"
    np.savez(bad, fps=np.array([30.0]))
    command = [sys.executable, "scripts/train.py", "--motion-files", str(bad), "--log-dir", str(tmp_path)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode != 0
    assert "motion file error" in result.stderr and "missing key(s)" in result.stderr


def test_clip_shorter_than_one_bin_and_empty_motion_list_write_nothing(tmp_path):
    from beyondmimic_adaptive.motion import load_motion
    from beyondmimic_adaptive.motion.clip import FLOAT_KEYS

    clip = load_motion(DEMO_SHORT_MOTION)
    for key in FLOAT_KEYS:
        setattr(clip, key, getattr(clip, key)[:30])  # 0.6 s: shorter than one 1 s bin
    short = tmp_path / "short.npz"
    clip.save(short)
    base = [sys.executable, "scripts/train.py", "--log-dir", str(tmp_path / "runs"), "--run-name", "r"]
    result = subprocess.run(
        [*base, "--motion-files", str(short)], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert result.returncode != 0
    assert f"{short}: 30 frames (0.6 s) is shorter than one sampler bin (1 s)" in result.stderr
    assert "Traceback" not in result.stderr
    result = subprocess.run([*base, "motion_files=[]"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode != 0 and "motion_files is empty" in result.stderr
    assert not (tmp_path / "runs").exists()  # nothing written half-way
