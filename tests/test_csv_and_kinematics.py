"""Forward kinematics against newton.eval_fk, and the CSV converter round trip and bad inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from script_run import run_script

from beyondmimic_adaptive.assets import DEMO_SHORT_MOTION, HUMANOID_USD
from beyondmimic_adaptive.motion import MotionFileError, load_motion
from beyondmimic_adaptive.motion.csv_import import convert_csv
from beyondmimic_adaptive.motion.kinematics import forward_kinematics, kinematic_tree, load_newton_model


@pytest.fixture(scope="module")
def model():
    return load_newton_model(HUMANOID_USD)


@pytest.fixture(scope="module")
def tree(model):
    return kinematic_tree(model)


def test_forward_kinematics_matches_newton(model, tree):
    import newton
    import warp as wp

    rng = np.random.default_rng(0)
    joint_pos = rng.uniform(tree.lower, tree.upper, size=(3, tree.num_joints))
    root_pos = rng.normal(size=(3, 3))
    root_quat = rng.normal(size=(3, 4))
    root_quat /= np.linalg.norm(root_quat, axis=1, keepdims=True)
    pos, rot = forward_kinematics(tree, root_pos, root_quat, joint_pos)
    state = model.state()
    for frame in range(3):
        # Newton's joint_q: free joint (position, quaternion x, y, z, w), then the DoFs in order
        q = np.concatenate([root_pos[frame], root_quat[frame, [1, 2, 3, 0]], joint_pos[frame]]).astype(np.float32)
        newton.eval_fk(model, wp.array(q, dtype=wp.float32), model.joint_qd, state)
        body_q = state.body_q.numpy()
        np.testing.assert_allclose(pos[frame], body_q[:, :3], atol=1e-5)
        expected = body_q[:, [6, 3, 4, 5]]
        same = np.abs(np.sum(rot[frame] * expected, axis=1))  # q and -q are the same rotation
        np.testing.assert_allclose(same, 1.0, atol=1e-5)


def write_csv(path: Path, clip, stride: int = 1) -> None:
    root = np.concatenate([clip.body_pos_w[:, 0], clip.body_quat_w[:, 0][:, [1, 2, 3, 0]], clip.joint_pos], axis=1)
    np.savetxt(path, root[::stride], delimiter=",", fmt="%.8f")


def test_csv_round_trip_reproduces_the_motion(tmp_path, tree):
    clip = load_motion(DEMO_SHORT_MOTION)
    write_csv(tmp_path / "short.csv", clip)
    again = convert_csv(tmp_path / "short.csv", 50.0, tree)
    assert again.num_frames == clip.num_frames and again.joint_names == clip.joint_names
    np.testing.assert_allclose(again.body_pos_w, clip.body_pos_w, atol=1e-5)
    np.testing.assert_allclose(np.abs(np.sum(again.body_quat_w * clip.body_quat_w, -1)), 1.0, atol=1e-5)
    np.testing.assert_allclose(again.joint_vel, clip.joint_vel, atol=1e-3)
    np.testing.assert_allclose(again.body_ang_vel_w, clip.body_ang_vel_w, atol=1e-3)


def test_csv_at_25_fps_is_resampled_to_50(tmp_path, tree):
    clip = load_motion(DEMO_SHORT_MOTION)
    write_csv(tmp_path / "half.csv", clip, stride=2)
    again = convert_csv(tmp_path / "half.csv", 25.0, tree, fps_out=50.0)
    assert again.num_frames == clip.num_frames - 1  # 200 rows at 25 fps span 199 frames at 50 fps
    np.testing.assert_allclose(again.body_pos_w, clip.body_pos_w[: again.num_frames], atol=2e-3)


@pytest.mark.parametrize(
    "content,expected",
    [
        ("1,2,3\n4,5,6\n", "3 columns per row, expected 28"),
        (",".join(["0.5"] * 36) + "\n", "A CSV of another robot? Give its USD (scripts/csv_to_npz.py --usd"),
        ("a,b\n", "not a numeric CSV"),
        (",".join(["0"] * 28) + "\n", "1 row(s); a motion needs at least 2 frames"),
        ((",".join(["0"] * 6 + ["1"] + ["nan"] + ["0"] * 20) + "\n") * 2, "NaN/Inf at row 1, column 8"),
        ((",".join(["0"] * 28) + "\n") * 2, "row 1 has a zero root quaternion"),
        ("\n  \n", "the file is empty"),  # it said: 1 columns per row
    ],
)
def test_bad_csv_is_refused(tmp_path, tree, content, expected):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(MotionFileError) as err:
        convert_csv(path, 30.0, tree)
    assert expected in str(err.value)


def test_bad_fps_is_refused(tmp_path, tree):
    with pytest.raises(MotionFileError, match="input fps=0"):
        convert_csv(tmp_path / "x.csv", 0.0, tree)
    two_rows = tmp_path / "two.csv"
    two_rows.write_text((",".join(["0"] * 6 + ["1"] + ["0"] * 21) + "\n") * 2)
    with pytest.raises(MotionFileError, match=r"2 rows at 120 fps give 1 frame\(s\) at 50 fps; a motion needs"):
        convert_csv(two_rows, 120.0, tree)  # a 1-frame motion was written


def test_converter_script(tmp_path):
    clip = load_motion(DEMO_SHORT_MOTION)
    write_csv(tmp_path / "short.csv", clip, stride=5)
    out = tmp_path / "short.npz"
    args = ["--csv", str(tmp_path / "short.csv"), "--input-fps", "10"]
    result = run_script("scripts/csv_to_npz.py", *args, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert load_motion(out, control_fps=50).num_frames == 396
    bad = run_script("scripts/csv_to_npz.py", *args[:-1], "-5", "--out", str(out))
    assert bad.returncode == 2 and "input fps=-5.0 is invalid" in bad.stderr


def test_csv_joint_order_is_reordered_to_the_robots_and_a_wrong_order_is_refused():
    import numpy as np

    from beyondmimic_adaptive.motion import MotionFileError
    from beyondmimic_adaptive.motion.csv_import import _reorder_joint_columns

    rows = np.arange(2 * 10, dtype=np.float64).reshape(2, 10)  # 7 root columns + joints a, b, c
    reordered = _reorder_joint_columns(rows, ["a", "b", "c"], ["c", "a", "b"])
    np.testing.assert_array_equal(reordered[:, :7], rows[:, :7])
    np.testing.assert_array_equal(reordered[:, 7:], rows[:, [9, 7, 8]])
    with pytest.raises(MotionFileError, match=r"missing \['d'\], unknown \['c'\]"):
        _reorder_joint_columns(rows, ["a", "b", "c"], ["a", "b", "d"])


def test_a_cached_conversion_is_reused_until_the_input_or_the_converter_changes(tmp_path, monkeypatch):
    from beyondmimic_adaptive.motion import csv_import

    write_csv(tmp_path / "short.csv", load_motion(DEMO_SHORT_MOTION), stride=5)

    def convert() -> Path:
        return csv_import.cached_conversion(tmp_path / "short.csv", 10.0, HUMANOID_USD, cache_dir=tmp_path / "cache")

    first = convert()
    stamp = first.stat().st_mtime_ns
    assert convert() == first and first.stat().st_mtime_ns == stamp  # reused, not converted again
    monkeypatch.setattr(csv_import, "converter_digest", lambda: b"another converter")  # e.g. a fixed FK
    again = convert()
    assert again != first and load_motion(again).num_frames == load_motion(first).num_frames
