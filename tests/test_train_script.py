"""scripts/train.py end to end on the CPU: 2 PPO iterations with adaptive and with uniform starts.

The script runs in the test process (tests/script_run.py); tests/test_resume.py and
tests/test_viz_export.py run it as a process of its own.
"""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from script_run import exit_message, run_ok
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from beyondmimic_adaptive.assets import DEMO_SHORT_MOTION
from beyondmimic_adaptive.sampler import load_history

ROOT = Path(__file__).resolve().parents[1]


def train_args(tmp_path: Path, *args: str) -> list[str]:
    return [
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


@pytest.mark.parametrize("curriculum", ["adaptive", "uniform"])
def test_training_runs_and_logs_the_curriculum(tmp_path, curriculum):
    run_ok("scripts/train.py", *train_args(tmp_path, f"curriculum={curriculum}"))
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
    run_ok("scripts/evaluate.py", "--checkpoint", str(run / "model_1.pt"), "--envs-per-bin", "1")
    report = json.loads((run / "eval.json").read_text())
    assert len(report["completion_per_bin"]) == 8 and len(report["full_clip_completion"]) == 1
    assert all(0.0 <= c <= 1.0 for c in report["completion_per_bin"])
    assert all(e > 0.0 for e in report["body_pos_error_per_bin"])
    assert (run / "eval.png").stat().st_size > 0
    run_ok("scripts/plot_sampler_history.py", str(run))
    assert (run / "sampler_heatmap.png").stat().st_size > 0


def test_bad_cli_values_fail_clearly(tmp_path):
    # as a process of its own: the message is what the user sees on stderr, with no traceback
    command = [sys.executable, "scripts/train.py", *train_args(tmp_path, "curriculum.adaptive.K=0")]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode != 0
    assert "K=0 is invalid: expected an integer >= 1" in result.stderr and "Traceback" not in result.stderr
    bad = tmp_path / "bad.npz"
    np.savez(bad, fps=np.array([30.0]))
    message = exit_message("scripts/train.py", "--motion-files", str(bad), "--log-dir", str(tmp_path))
    assert "train.py: motion file error" in message and "missing key(s)" in message


def test_flags_become_overrides_of_the_train_config():
    from beyondmimic_adaptive.runs import train_config

    parse_args = runpy.run_path(str(Path(__file__).resolve().parents[1] / "scripts/train.py"))["parse_args"]
    overrides = parse_args(
        ["iterations=5", "--num-envs", "8", "--seed", "3", "--run-name", "x", "--motion-files", "a.npz"]
    )
    assert overrides == [
        "num_envs=8",
        "seed=3",
        "run_name=x",
        f"motion_files=[{Path('a.npz').resolve()}]",
        "iterations=5",
    ]
    run = train_config(overrides).run
    assert (run.num_envs, run.seed, run.run_name, run.iterations) == (8, 3, "x", 5)
    assert run.motion_files == [str(Path("a.npz").resolve())]


def test_overrides_may_come_between_and_after_the_flags():
    parse_args = runpy.run_path(str(Path(__file__).resolve().parents[1] / "scripts/train.py"))["parse_args"]
    # `task=... --num-envs 8 log_dir=...` used to stop with "unrecognized arguments: log_dir=..."
    assert parse_args(["task=T", "--num-envs", "8", "log_dir=/y"]) == ["num_envs=8", "task=T", "log_dir=/y"]
    assert parse_args(["--motion-files", "a.npz", "--", "seed=4"])[-1] == "seed=4"  # -- ends the file list


def test_an_override_after_the_motion_files_stays_an_override():
    parse_args = runpy.run_path(str(Path(__file__).resolve().parents[1] / "scripts/train.py"))["parse_args"]
    # --motion-files takes every word up to the next flag: a key=value naming no file is an override
    overrides = parse_args(["--motion-files", "a.npz", "log_dir=runs", "--seed", "2"])
    assert overrides == ["seed=2", f"motion_files=[{Path('a.npz').resolve()}]", "log_dir=runs"]


def test_clip_shorter_than_one_bin_and_empty_motion_list_write_nothing(tmp_path):
    from beyondmimic_adaptive.motion import load_motion
    from beyondmimic_adaptive.motion.clip import FLOAT_KEYS

    clip = load_motion(DEMO_SHORT_MOTION)
    for key in FLOAT_KEYS:
        setattr(clip, key, getattr(clip, key)[:30])  # 0.6 s: shorter than one 1 s bin
    short = tmp_path / "short.npz"
    clip.save(short)
    base = ["scripts/train.py", "--log-dir", str(tmp_path / "runs"), "--run-name", "r"]
    message = exit_message(*base, "--motion-files", str(short))
    assert f"{short}: 30 frames (0.6 s) is shorter than one sampler bin (1 s)" in message
    assert "motion_files is empty" in exit_message(*base, "motion_files=[]")
    assert not (tmp_path / "runs").exists()  # nothing written half-way
