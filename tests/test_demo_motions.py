"""The demo-motion generator (beyondmimic_adaptive.motion.demo): its physical checks and its reproducibility."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from script_run import run_script

from beyondmimic_adaptive.assets import DEMO_SHORT_MOTION, HUMANOID_USD, MOTIONS_DIR
from beyondmimic_adaptive.motion.demo import check_motion, load_robot
from beyondmimic_adaptive.motion.demo.geometry import stance_slip, support_margin
from beyondmimic_adaptive.motion.demo.solve import make_neutral
from beyondmimic_adaptive.motion.demo.timeline import short_segments
from beyondmimic_adaptive.motion.demo.writer import build_motion


@pytest.fixture(scope="module")
def robot_and_model():
    return load_robot(str(HUMANOID_USD))


def _plant_slip(path: Path, out: Path, robot, drift: float) -> None:
    """Copy ``path`` to ``out`` with the left foot body sliding ``drift`` m in x over frames 100-200 (in stance)."""
    with np.load(path) as f:
        data = {k: f[k] for k in f.files}
    foot = robot.body("left_foot")
    assert data["foot_contact"][100:, 0].all(), "the planted slip must fall in a stance phase"
    ramp = np.clip((np.arange(len(data["body_pos_w"])) - 100) / 100.0, 0.0, 1.0)
    data["body_pos_w"][:, foot, 0] += (drift * ramp).astype(np.float32)
    np.savez_compressed(out, **data)


def test_stance_slip_measures_a_planted_slip(tmp_path, robot_and_model):
    robot, _ = robot_and_model
    _plant_slip(DEMO_SHORT_MOTION, tmp_path / "slip.npz", robot, drift=0.015)
    with np.load(DEMO_SHORT_MOTION) as clean, np.load(tmp_path / "slip.npz") as slipped:
        assert stance_slip(robot, clean["body_pos_w"].astype(np.float64), clean["foot_contact"]) < 1e-4
        slip = stance_slip(robot, slipped["body_pos_w"].astype(np.float64), slipped["foot_contact"])
    assert slip == pytest.approx(0.015, abs=1e-5)
    # the same drift in swing (no contact) is no slip
    with np.load(tmp_path / "slip.npz") as slipped:
        assert stance_slip(robot, slipped["body_pos_w"], np.zeros_like(slipped["foot_contact"])) == 0.0


def test_check_motion_passes_the_shipped_clip_and_fails_a_slipping_one(tmp_path, robot_and_model, capsys):
    robot, model = robot_and_model
    assert check_motion(robot, model, DEMO_SHORT_MOTION) == []
    _plant_slip(DEMO_SHORT_MOTION, tmp_path / "slip.npz", robot, drift=0.015)
    failures = check_motion(robot, model, tmp_path / "slip.npz")
    assert any("stance foot slip" in f and "15.000 mm" in f for f in failures), failures
    assert "[FAIL] stance foot slip" in capsys.readouterr().out


def test_support_margin_is_signed_distance_to_the_hull():
    square = np.array([[0.0, 0.0], [0.2, 0.0], [0.2, 0.1], [0.0, 0.1], [0.1, 0.05]])  # an interior point too
    assert support_margin(np.array([0.1, 0.05]), square) == pytest.approx(0.05)
    assert support_margin(np.array([0.19, 0.05]), square) == pytest.approx(0.01)
    assert support_margin(np.array([0.25, 0.05]), square) == pytest.approx(-0.05)


def test_short_clip_regenerates_the_shipped_file(robot_and_model):
    robot, _ = robot_and_model
    data = build_motion(robot, make_neutral(robot), short_segments(), "demo_short")
    with np.load(DEMO_SHORT_MOTION) as shipped:
        assert sorted(shipped.files) == sorted(data)
        for key in shipped.files:
            assert shipped[key].dtype == data[key].dtype and shipped[key].shape == data[key].shape, key
            if shipped[key].dtype.kind == "f":  # BLAS/CPU rounding differs across machines near 0 (~1e-12)
                np.testing.assert_allclose(data[key], shipped[key], rtol=0, atol=1e-6, err_msg=key)
            else:
                np.testing.assert_array_equal(data[key], shipped[key], err_msg=key)


def test_cli_check_reports_a_slip_with_exit_status_1(tmp_path, robot_and_model):
    robot, _ = robot_and_model
    shutil.copy(MOTIONS_DIR / "demo_long.npz", tmp_path / "demo_long.npz")
    _plant_slip(DEMO_SHORT_MOTION, tmp_path / "demo_short.npz", robot, drift=0.015)
    result = run_script("scripts/generate_demo_motions.py", "--check", "--out-dir", str(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "CHECK FAILED" in result.stdout and "demo_short.npz: stance foot slip" in result.stdout
    assert "demo_long.npz: " not in result.stdout.split("CHECK FAILED")[1]
