"""Motion file validation: every bad file kind is refused with a message naming file, key and fix."""

from __future__ import annotations

import re

import numpy as np
import pytest

from beyondmimic_adaptive.motion import MotionFileError, load_motion

JOINTS = ["hip", "knee", "ankle"]
BODIES = ["pelvis", "thigh", "shin", "foot"]


def valid_arrays(frames: int = 60) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    quat = rng.normal(size=(frames, len(BODIES), 4))
    return {
        "fps": np.array([50.0]),
        "joint_pos": rng.normal(size=(frames, len(JOINTS))).astype(np.float32),
        "joint_vel": rng.normal(size=(frames, len(JOINTS))).astype(np.float32),
        "body_pos_w": rng.normal(size=(frames, len(BODIES), 3)).astype(np.float32),
        "body_quat_w": (quat / np.linalg.norm(quat, axis=-1, keepdims=True)).astype(np.float32),
        "body_lin_vel_w": rng.normal(size=(frames, len(BODIES), 3)).astype(np.float32),
        "body_ang_vel_w": rng.normal(size=(frames, len(BODIES), 3)).astype(np.float32),
        "joint_names": np.array(JOINTS),
        "body_names": np.array(BODIES),
    }


def write(tmp_path, arrays, name="motion.npz"):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def test_valid_file_loads_and_reorders_by_name(tmp_path):
    arrays = valid_arrays()
    path = write(tmp_path, arrays)
    clip = load_motion(path, joint_names=["knee", "hip", "ankle"], body_names=["foot", "pelvis"], control_fps=50)
    np.testing.assert_array_equal(clip.joint_pos[:, 0], arrays["joint_pos"][:, 1])
    np.testing.assert_array_equal(clip.body_pos_w[:, 0], arrays["body_pos_w"][:, 3])
    assert clip.num_frames == 60 and clip.body_names == ["foot", "pelvis"]


def test_save_load_round_trip(tmp_path):
    clip = load_motion(write(tmp_path, valid_arrays()))
    clip.save(tmp_path / "again.npz")
    again = load_motion(tmp_path / "again.npz")
    np.testing.assert_array_equal(again.body_quat_w, clip.body_quat_w)
    assert again.joint_names == JOINTS and again.fps == 50.0


def drop(key):
    return lambda a: {k: v for k, v in a.items() if k != key}


def rename(old, new):
    return lambda a: {(new if k == old else k): v for k, v in a.items()}


def replace(key, value):
    return lambda a: {**a, key: value(a[key]) if callable(value) else value}


@pytest.mark.parametrize(
    "mutate,kwargs,expected",
    [
        (drop("joint_vel"), {}, "missing key(s) ['joint_vel']"),
        (rename("body_quat_w", "body_quat"), {}, "'body_quat' looks like a misnamed 'body_quat_w'"),
        (replace("joint_pos", lambda v: v[:, :2]), {}, "key 'joint_vel' has shape (60, 3); expected (T, J) with J=2"),
        (replace("body_pos_w", lambda v: v[..., :2]), {}, "key 'body_pos_w' has shape (60, 4, 2); expected (T, B, 3)"),
        (replace("body_quat_w", lambda v: v[0]), {}, "key 'body_quat_w' has shape (4, 4); expected (T, B, 4)"),
        (replace("joint_pos", lambda v: v.astype(np.int32)), {}, "key 'joint_pos' has dtype int32"),
        (replace("body_lin_vel_w", lambda v: np.where(np.arange(60)[:, None, None] == 7, np.nan, v)), {}, "NaN/Inf"),
        (replace("fps", np.array([30.0])), {"control_fps": 50}, "fps=30 but the env runs at 50"),
        (replace("fps", np.array([50.0, 50.0])), {}, "key 'fps' must be one number"),
        (replace("fps", np.array([-5.0])), {}, "key 'fps'=-5.0 must be a finite number > 0"),
        (lambda a: a, {"min_frames": 100}, "60 frames is shorter than the minimum of 100"),
        (replace("body_quat_w", lambda v: v * 2), {}, "expected unit quaternions"),
        (lambda a: a, {"joint_names": ["hip", "knee", "toe"]}, "the robot's joint(s) ['toe'] are not in the file"),
        (lambda a: a, {"joint_names": ["hip", "knee"]}, "the file has joints ['ankle'] that the robot does not have"),
        (lambda a: a, {"body_names": ["pelvis", "hand"]}, "the robot's body(s) ['hand'] are not in the file"),
        (drop("joint_names"), {"joint_names": ["a", "b"]}, "3 joints in the file, without 'joint_names'"),
        # the first 2 of 4 unnamed bodies were taken as the wanted 2: the wrong links, silently
        (drop("body_names"), {"body_names": ["pelvis", "foot"]}, "4 bodies in the file, without 'body_names', but the"),
        (replace("joint_names", np.array(["hip"])), {}, "key 'joint_names' lists 1 names but the arrays have 3"),
    ],
)
def test_bad_motion_files(tmp_path, mutate, kwargs, expected):
    path = write(tmp_path, mutate(valid_arrays()))
    with pytest.raises(MotionFileError) as err:
        load_motion(path, **kwargs)
    assert expected in str(err.value) and str(path) in str(err.value)


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(MotionFileError, match=re.escape("does not exist")):
        load_motion(tmp_path / "nope.npz")
    with pytest.raises(MotionFileError, match=re.escape(f"is a folder; give the motion files in it (e.g. {tmp_path}/")):
        load_motion(tmp_path)  # e.g. --motion-files data/lafan_g1: it said "does not exist"
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"not a zip file at all")
    with pytest.raises(MotionFileError, match=re.escape("cannot read motion file")):
        load_motion(corrupt)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, **{**valid_arrays(), "extra": np.array([{"a": 1}], dtype=object)})
    with pytest.raises(MotionFileError, match=re.escape("cannot read motion file")):
        load_motion(pickled)


def test_a_csv_given_as_a_motion_names_the_converter(tmp_path):
    csv = tmp_path / "dance1_subject1.csv"
    csv.write_text("0.0,0.0,0.8\n")
    with pytest.raises(MotionFileError, match=re.escape("is a CSV; the tasks read .npz motions. Convert it with")):
        load_motion(csv)


def test_a_saved_clip_is_written_at_exactly_the_path_given(tmp_path):
    # numpy's savez appends .npz to a name without it, so cut_motion.py / csv_to_npz.py printed a file that was not
    clip = load_motion(write(tmp_path, valid_arrays()))
    clip.save(tmp_path / "jump")
    assert (tmp_path / "jump").is_file() and not (tmp_path / "jump.npz").exists()
    assert load_motion(tmp_path / "jump").num_frames == clip.num_frames
