"""scripts/evaluate.py takes the task, the bin size and the motion command's name from the run's config.yaml."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from beyondmimic_adaptive.assets import DEMO_SHORT_MOTION

ROOT = Path(__file__).resolve().parents[1]


def evaluate(checkpoint: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "scripts/evaluate.py", "--checkpoint", str(checkpoint), "--envs-per-bin", "1", *extra]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)


def copy_run(run: Path, to: Path, replace: tuple[str, str]) -> Path:
    to.mkdir()
    shutil.copy(run / "model_0.pt", to / "model_0.pt")
    text = (run / "config.yaml").read_text()
    assert replace[0] in text
    (to / "config.yaml").write_text(text.replace(*replace))
    return to / "model_0.pt"


def test_evaluation_uses_the_runs_bins_command_and_task(tmp_path):
    train = [
        sys.executable,
        "scripts/train.py",
        "--num-envs",
        "4",
        "--iterations",
        "1",
        "--motion-files",
        str(DEMO_SHORT_MOTION),
        "--log-dir",
        str(tmp_path),
        "--run-name",
        "run",
        "curriculum.adaptive.bin_size_s=2.0",
    ]
    result = subprocess.run(train, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    run = tmp_path / "run"
    result = evaluate(run / "model_0.pt")
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((run / "eval.json").read_text())
    assert len(report["completion_per_bin"]) == 4  # the 8 s clip in 2 s bins
    assert report["bin_size_s"] == 2.0 and report["task"] == "Tracking-Humanoid-v0"
    assert report["motion_files"] == [str(DEMO_SHORT_MOTION)]
    # how far each start got: at most to the clip's end (8 s clip = 400 frames; bin b starts at 2b s)
    assert report["num_frames"] == [400] and 0 <= report["median_furthest_frame"][0] <= 399
    played = report["median_seconds_played_per_bin"]
    assert len(played) == 4 and all(0.0 <= s <= 8.0 - 2.0 * b for b, s in enumerate(played))
    assert played[0] * 50 == pytest.approx(report["median_furthest_frame"][0])  # bin 0 start = the frame-0 start
    # a command-line override replaces the saved key
    result = evaluate(run / "model_0.pt", "--out", str(tmp_path / "four_seconds"), "curriculum.adaptive.bin_size_s=4.0")
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(json.loads((tmp_path / "four_seconds" / "eval.json").read_text())["completion_per_bin"]) == 2

    other_command = copy_run(run, tmp_path / "ref", ("command_name: motion", "command_name: ref"))
    result = evaluate(other_command)
    assert result.returncode != 0 and "has no motion command 'ref'" in result.stderr
    assert "Traceback" not in result.stderr
    other_task = copy_run(run, tmp_path / "task", ("task: Tracking-Humanoid-v0", "task: Tracking-Nowhere-v0"))
    result = evaluate(other_task)
    assert result.returncode != 0 and "task 'Tracking-Nowhere-v0' of the run's config is not registered" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
