"""Convert BeyondMimic/LAFAN1-style retargeted CSV to the npz motion format.

One row per frame, no header: root position (3), root quaternion (x, y, z, w) (4), then the
robot's joint angles in the robot's joint order (J). Rows are resampled to the control rate
(linear for positions and angles, slerp for the root orientation), body poses come from forward
kinematics of the robot, and velocities from finite differences.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .clip import MotionClip, MotionFileError
from .kinematics import KinematicTree, forward_kinematics
from .quaternions import normalize_quat, xyzw_to_wxyz
from .trajectory import (
    angular_velocity_world,
    resample_linear,
    resample_quat,
    resample_times,
    time_derivative,
)

ROOT_COLUMNS = 7


def read_motion_csv(path: str | Path, num_joints: int) -> np.ndarray:
    """(T, 7 + J) float64 rows of a retargeted CSV, validated."""
    path = Path(path)
    if not path.is_file():
        raise MotionFileError(f"CSV file {path} does not exist.")
    if not path.read_text().strip():
        raise MotionFileError(f"{path}: the file is empty; expected rows of numbers separated by commas.")
    try:
        rows = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
    except ValueError as err:
        raise MotionFileError(
            f"{path}: not a numeric CSV ({err}). Expected rows of numbers separated by commas, no header."
        ) from None
    expected = ROOT_COLUMNS + num_joints
    if rows.shape[1] != expected:
        raise MotionFileError(
            f"{path}: {rows.shape[1]} columns per row, expected {expected} = root position (3) + root quaternion "
            f"x, y, z, w (4) + {num_joints} joint angles in the robot's joint order. A CSV of another robot? Give"
            " its USD (scripts/csv_to_npz.py --usd; the G1's: assets/g1/g1.usda)."
        )
    if rows.shape[0] < 2:
        raise MotionFileError(f"{path}: {rows.shape[0]} row(s); a motion needs at least 2 frames.")
    if not np.isfinite(rows).all():
        row, col = np.argwhere(~np.isfinite(rows))[0]
        raise MotionFileError(f"{path}: NaN/Inf at row {row + 1}, column {col + 1}.")
    norms = np.linalg.norm(rows[:, 3:7], axis=1)
    if norms.min() < 1e-6:
        raise MotionFileError(f"{path}: row {int(norms.argmin()) + 1} has a zero root quaternion (columns 4-7).")
    return rows


def convert_csv(
    path: str | Path,
    fps_in: float,
    tree: KinematicTree,
    fps_out: float = 50.0,
    chunk_frames: int = 1024,
    csv_joint_names: Sequence[str] | None = None,
) -> MotionClip:
    """Read ``path`` (rows at ``fps_in``) and return the motion at ``fps_out`` for ``tree``'s robot.

    ``csv_joint_names`` is the joint order of the CSV's columns (e.g. Unitree's G1 order); None means
    the robot's own order (``tree.joint_names``). Columns are reordered to the robot's order.
    """
    for name, fps in (("input fps", fps_in), ("output fps", fps_out)):
        if not (np.isfinite(fps) and fps > 0):
            raise MotionFileError(f"{name}={fps} is invalid: expected a number > 0 (frames per second).")
    rows = read_motion_csv(path, tree.num_joints)
    if csv_joint_names is not None:
        rows = _reorder_joint_columns(rows, list(csv_joint_names), list(tree.joint_names))
    index0, index1, blend = resample_times(rows.shape[0], fps_in, fps_out)
    if len(index0) < 2:
        raise MotionFileError(
            f"{path}: {rows.shape[0]} rows at {fps_in:g} fps give {len(index0)} frame(s) at {fps_out:g} fps; a motion "
            "needs at least 2 (a longer CSV, or check --input-fps)."
        )
    root_pos = resample_linear(rows[:, :3], index0, index1, blend)
    root_quat = resample_quat(normalize_quat(xyzw_to_wxyz(rows[:, 3:7])), index0, index1, blend)
    joint_pos = resample_linear(rows[:, ROOT_COLUMNS:], index0, index1, blend)
    frames = joint_pos.shape[0]
    body_pos = np.zeros((frames, tree.num_bodies, 3))
    body_quat = np.zeros((frames, tree.num_bodies, 4))
    for start in tqdm(range(0, frames, chunk_frames), desc=f"FK {Path(path).name}", unit="chunk"):
        stop = min(start + chunk_frames, frames)
        body_pos[start:stop], body_quat[start:stop] = forward_kinematics(
            tree, root_pos[start:stop], root_quat[start:stop], joint_pos[start:stop]
        )
    body_quat = normalize_quat(body_quat)
    return MotionClip(
        fps=float(fps_out),
        joint_pos=joint_pos.astype(np.float32),
        joint_vel=time_derivative(joint_pos, fps_out).astype(np.float32),
        body_pos_w=body_pos.astype(np.float32),
        body_quat_w=body_quat.astype(np.float32),
        body_lin_vel_w=time_derivative(body_pos, fps_out).astype(np.float32),
        body_ang_vel_w=angular_velocity_world(body_quat, fps_out).astype(np.float32),
        joint_names=list(tree.joint_names),
        body_names=list(tree.body_names),
    )


def _reorder_joint_columns(rows: np.ndarray, csv_names: list[str], robot_names: list[str]) -> np.ndarray:
    """Rows with their joint columns moved from the CSV's joint order to the robot's."""
    if sorted(csv_names) != sorted(robot_names):
        missing = sorted(set(robot_names) - set(csv_names))
        extra = sorted(set(csv_names) - set(robot_names))
        raise MotionFileError(
            f"the CSV joint order does not name the robot's joints: missing {missing}, unknown {extra}. Give the "
            "joint names of the CSV's columns in order (one per robot joint)."
        )
    order = [csv_names.index(name) for name in robot_names]
    return np.concatenate([rows[:, :ROOT_COLUMNS], rows[:, ROOT_COLUMNS:][:, order]], axis=1)


def cached_conversion(
    csv_path: str | Path,
    fps_in: float,
    usd_path: str | Path,
    csv_joint_names: Sequence[str] | None = None,
    fps_out: float = 50.0,
    cache_dir: str | Path | None = None,
) -> Path:
    """The npz of ``csv_path`` for the robot of ``usd_path``, converted once and kept in a cache.

    The file name carries a hash of the CSV, the USD, the settings and the converter's own code
    (:func:`converter_digest`), so an edited input or a changed converter makes a new file. ``cache_dir``
    defaults to :func:`beyondmimic_adaptive.cache.cache_dir`.
    """
    import hashlib
    import os

    from ..cache import cache_dir as package_cache_dir
    from .kinematics import kinematic_tree, load_newton_model

    csv_path, usd_path = Path(csv_path), Path(usd_path)
    if not csv_path.is_file():
        raise MotionFileError(f"CSV file {csv_path} does not exist.")
    digest = hashlib.sha256(csv_path.read_bytes() + Path(usd_path).read_bytes())
    digest.update(repr((fps_in, fps_out, list(csv_joint_names or []))).encode())
    digest.update(converter_digest())
    root = Path(cache_dir) if cache_dir is not None else package_cache_dir()
    target = root / "motions" / f"{csv_path.stem}-{digest.hexdigest()[:12]}.npz"
    if not target.is_file():
        tree = kinematic_tree(load_newton_model(usd_path))
        clip = convert_csv(csv_path, fps_in, tree, fps_out=fps_out, csv_joint_names=csv_joint_names)
        partial = target.with_name(f".{target.stem}.{os.getpid()}.npz")  # np.savez keeps a .npz suffix
        clip.save(partial)
        partial.replace(target)  # atomic: concurrent processes never read a half-written file
    return target


CONVERTER_MODULES = ("csv_import.py", "kinematics.py", "trajectory.py", "quaternions.py", "clip.py")
"""The modules whose code decides a converted file's contents (resampling, forward kinematics, the format)."""


def converter_digest() -> bytes:
    """SHA-256 of :data:`CONVERTER_MODULES`' source: a cached conversion made by other code is not reused."""
    import hashlib

    digest = hashlib.sha256()
    for name in CONVERTER_MODULES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.digest()
