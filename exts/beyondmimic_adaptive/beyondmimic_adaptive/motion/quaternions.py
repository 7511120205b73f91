"""Quaternion helpers for motion data: numpy, (w, x, y, z) order, vectorised over leading axes."""

from __future__ import annotations

import numpy as np


def quat_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product ``a ⊗ b``."""
    aw, ax, ay, az = np.moveaxis(a, -1, 0)
    bw, bx, by, bz = np.moveaxis(b, -1, 0)
    return np.stack(
        (
            aw * bw - ax * bx - ay * by - az * bz,
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
        ),
        axis=-1,
    )


def quat_conjugate(q: np.ndarray) -> np.ndarray:
    """Conjugate (the inverse of a unit quaternion)."""
    return q * np.array([1.0, -1.0, -1.0, -1.0], dtype=q.dtype)


def quat_rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors ``v`` by unit quaternions ``q``."""
    w, u = q[..., :1], q[..., 1:]
    t = 2.0 * np.cross(u, v)
    return v + w * t + np.cross(u, t)


def quat_from_axis_angle(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotation by ``angle`` about the unit vector ``axis``."""
    half = 0.5 * np.asarray(angle, dtype=np.float64)[..., None]
    return np.concatenate((np.cos(half), np.sin(half) * axis), axis=-1)


def quat_from_rpy(rpy: np.ndarray) -> np.ndarray:
    """``Rz(yaw) Ry(pitch) Rx(roll)`` for ``rpy[..., (roll, pitch, yaw)]``."""
    qx = quat_from_axis_angle(np.array([1.0, 0.0, 0.0]), rpy[..., 0])
    qy = quat_from_axis_angle(np.array([0.0, 1.0, 0.0]), rpy[..., 1])
    qz = quat_from_axis_angle(np.array([0.0, 0.0, 1.0]), rpy[..., 2])
    return quat_mul(qz, quat_mul(qy, qx))


def quat_to_rotvec(q: np.ndarray) -> np.ndarray:
    """Rotation vector (axis x angle, angle in [0, π]) of unit quaternions."""
    q = np.where(q[..., :1] < 0.0, -q, q)
    v = q[..., 1:]
    s = np.linalg.norm(v, axis=-1, keepdims=True)
    angle = 2.0 * np.arctan2(s, q[..., :1])
    return v * np.where(s > 1e-12, angle / np.maximum(s, 1e-12), 2.0)


def xyzw_to_wxyz(q: np.ndarray) -> np.ndarray:
    """Reorder (x, y, z, w) quaternions (Newton, Warp, Isaac Lab 3.0, LAFAN1 CSV) to (w, x, y, z)."""
    return np.concatenate((q[..., 3:4], q[..., :3]), axis=-1)


def normalize_quat(q: np.ndarray) -> np.ndarray:
    """Unit quaternions with a non-negative w (one of the two equal rotations)."""
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    return np.where(q[..., :1] < 0, -q, q)


def slerp(q0: np.ndarray, q1: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Spherical interpolation between unit quaternions, elementwise over leading axes."""
    dot = np.sum(q0 * q1, axis=-1, keepdims=True)
    q1 = np.where(dot < 0, -q1, q1)  # the short way round
    theta = np.arccos(np.abs(dot).clip(max=1.0))
    sin_theta = np.sin(theta)
    t = t[..., None]
    near = sin_theta < 1e-6  # almost equal: linear interpolation is exact enough
    safe = np.where(near, 1.0, sin_theta)
    w0 = np.where(near, 1.0 - t, np.sin((1.0 - t) * theta) / safe)
    w1 = np.where(near, t, np.sin(t * theta) / safe)
    return normalize_quat(w0 * q0 + w1 * q1)
