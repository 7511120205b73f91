"""bench/failure_bodies.py on the humanoid: each row is what the termination terms judged at the episode's end.

A policy trained for one iteration falls within seconds; its rows must agree with the terms that fired (a term
fired exactly when its body is over the threshold), the signed errors must be robot minus reference, and the
reference heights must be the motion file's at the row's frame (flat ground: the env origins sit at z = 0).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from script_run import exit_message, run_ok

from beyondmimic_adaptive.assets import DEMO_SHORT_MOTION
from beyondmimic_adaptive.motion import load_motion
from beyondmimic_adaptive.runs import motion_files_override, train
from beyondmimic_adaptive.tasks.tracking.config.humanoid.robot import ANCHOR_BODY, BODY_NAMES, END_EFFECTORS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from failure_bodies import failure_rows

THRESHOLD = 0.25
"""The humanoid task's anchor and end-effector height thresholds (tracking_env_cfg.TerminationsCfg)."""


@pytest.fixture(scope="module")
def args(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The script's arguments for a humanoid policy trained for one iteration on the short demo (2 s bins)."""
    log_dir = tmp_path_factory.mktemp("runs")
    overrides = ["num_envs=4", "iterations=1", motion_files_override([DEMO_SHORT_MOTION])]
    run = train([*overrides, f"log_dir={log_dir}", "run_name=run", "curriculum.adaptive.bin_size_s=2.0"])
    return ["--checkpoint", str(run / "model_0.pt"), "--device", "cpu"]  # the task: the run's own


def test_rows_are_the_terms_view_of_the_last_step(args, tmp_path):
    out = tmp_path / "failures.json"
    stdout = run_ok("bench/failure_bodies.py", *args, "--start-bins", "0", "2", "--envs-per-bin", "2",
                    "--out", str(out)).stdout  # fmt: skip
    report = json.loads(out.read_text())
    assert report["end_effectors"] == END_EFFECTORS and report["anchor_body"] == ANCHOR_BODY
    assert report["thresholds"] == {"end_effector_height": THRESHOLD, "anchor_height": THRESHOLD}
    rows = report["rows"]
    assert [r["start_bin"] for r in rows] == [0, 0, 2, 2]
    clip = load_motion(DEMO_SHORT_MOTION, body_names=BODY_NAMES)
    ee = [BODY_NAMES.index(n) for n in END_EFFECTORS]
    for row in rows:
        frame = row["end_frame"]
        assert 100 * row["start_bin"] <= frame < clip.num_frames and row["end_bin"] == frame // 100  # 2 s bins
        assert row["terms"], "every episode ends by some term"
        ee_dz = np.array(list(row["ee_dz"].values()))
        robot, reference = (np.array(list(row[f"ee_{k}_z"].values())) for k in ("robot", "reference"))
        np.testing.assert_allclose(ee_dz, robot - reference, atol=1e-5)  # signed: robot minus reference
        anchor = row["anchor_z"]
        assert row["anchor_dz"] == pytest.approx(anchor["robot"] - anchor["reference"], abs=1e-5)
        np.testing.assert_allclose(reference, clip.body_pos_w[frame, ee, 2], atol=1e-4)  # the reference's heights
        assert anchor["reference"] == pytest.approx(clip.body_pos_w[frame, BODY_NAMES.index(ANCHOR_BODY), 2], abs=1e-4)
        assert (robot > -0.05).all() and anchor["robot"] > 0.0  # the robot's bodies are above the floor
        # a term fired exactly when its body is over the threshold at this step: the state the terms judged
        assert ("end_effector_height" in row["terms"]) == bool((np.abs(ee_dz) > THRESHOLD).any())
        assert ("anchor_height" in row["terms"]) == (abs(row["anchor_dz"]) > THRESHOLD)
        x, y = clip.body_quat_w[frame, BODY_NAMES.index(ANCHOR_BODY), 1:3]  # the file's quaternions: (w, x, y, z)
        assert row["ref_anchor_up_z"] == pytest.approx(1.0 - 2.0 * (x * x + y * y), abs=1e-4)  # R[2, 2]
    assert any("end_effector_height" in r["terms"] for r in rows)  # a one-iteration policy fails by its limbs
    assert report["failure_terms"] == ["anchor_height", "anchor_ori", "end_effector_height"]
    for start in (0, 2):  # the summary counts the bodies over the threshold per start bin, in the failed envs
        failed = [r for r in rows if r["start_bin"] == start and set(r["terms"]) & set(report["failure_terms"])]
        line = next(line for line in stdout.splitlines() if line.startswith(f"bin {start}: {len(failed)}/2 envs"))
        for name in END_EFFECTORS:
            crossed = sum(abs(r["ee_dz"][name]) > THRESHOLD for r in failed)
            assert (f"{name} x{crossed}" in line) == bool(crossed), line


def test_start_bins_outside_motion_zero_are_refused(args):
    message = exit_message("bench/failure_bodies.py", *args, "--start-bins", "4", "--envs-per-bin", "1")
    assert "motion 0 has bins 0..3" in message


def test_heights_are_those_the_terms_judged_before_the_reset(args):
    """An observer inside the anchor_height term records the robot's heights at every step: each row's are those of
    its last step (the reset that follows writes a new start into the same buffers)."""
    import torch

    from beyondmimic_adaptive.runs import load_policy_env

    loaded = load_policy_env(Path(args[1]), [], num_envs=4, keep_sampler=False)
    command = loaded.env.command_manager.get_term("motion")
    ee = [BODY_NAMES.index(n) for n in END_EFFECTORS]
    term_cfg = loaded.env.termination_manager.get_term_cfg("anchor_height")
    judged, seen = term_cfg.func, []

    def observed(env, **params) -> torch.Tensor:
        seen.append((command.time_steps.clone(), command.robot_anchor_pos_w[:, 2].clone(),
                     command.robot_body_pos_w[:, ee, 2].clone()))  # fmt: skip
        return judged(env, **params)

    term_cfg.func = observed
    try:
        rows = failure_rows(loaded, [0, 2], 2, 2.0)["rows"]
    finally:
        loaded.env.close()
    for i, row in enumerate(rows):
        frames, anchor, limbs = seen[row["end_frame"] - 100 * row["start_bin"]]  # step k is judged on frame start + k
        assert int(frames[i]) == row["end_frame"]
        assert row["anchor_z"]["robot"] == pytest.approx(float(anchor[i]), abs=1e-6)
        assert list(row["ee_robot_z"].values()) == pytest.approx(limbs[i].tolist(), abs=1e-6)
