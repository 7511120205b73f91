"""scripts/evaluate.py takes the task, the bin size and the motion command's name from the run's config.yaml.

Training (the library's :func:`~beyondmimic_adaptive.runs.train`) and the script run in the test process.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from script_run import exit_message, run_ok

from beyondmimic_adaptive.assets import DEMO_SHORT_MOTION
from beyondmimic_adaptive.runs import motion_files_override, train


def evaluate(checkpoint: Path, *extra: str) -> None:
    run_ok("scripts/evaluate.py", "--checkpoint", str(checkpoint), "--envs-per-bin", "1", *extra)


def evaluate_fails(checkpoint: Path) -> str:
    return exit_message("scripts/evaluate.py", "--checkpoint", str(checkpoint), "--envs-per-bin", "1")


def copy_run(run: Path, to: Path, replace: tuple[str, str]) -> Path:
    to.mkdir()
    shutil.copy(run / "model_0.pt", to / "model_0.pt")
    text = (run / "config.yaml").read_text()
    assert replace[0] in text
    (to / "config.yaml").write_text(text.replace(*replace))
    return to / "model_0.pt"


def test_evaluation_uses_the_runs_bins_command_and_task(tmp_path):
    overrides = ["num_envs=4", "iterations=1", motion_files_override([DEMO_SHORT_MOTION])]
    run = train([*overrides, f"log_dir={tmp_path}", "run_name=run", "curriculum.adaptive.bin_size_s=2.0"])
    assert run == tmp_path / "run"
    evaluate(run / "model_0.pt")
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
    evaluate(run / "model_0.pt", "--out", str(tmp_path / "four_seconds"), "curriculum.adaptive.bin_size_s=4.0")
    assert len(json.loads((tmp_path / "four_seconds" / "eval.json").read_text())["completion_per_bin"]) == 2

    other_command = copy_run(run, tmp_path / "ref", ("command_name: motion", "command_name: ref"))
    assert "has no motion command 'ref'" in evaluate_fails(other_command)
    other_task = copy_run(run, tmp_path / "task", ("task: Tracking-Humanoid-v0", "task: Tracking-Nowhere-v0"))
    assert "task 'Tracking-Nowhere-v0' of the run's config is not registered" in evaluate_fails(other_task)
