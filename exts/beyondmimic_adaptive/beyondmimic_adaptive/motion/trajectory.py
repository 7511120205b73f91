"""Time-series helpers for motion data (numpy, quaternions in w, x, y, z order)."""

from __future__ import annotations

import numpy as np


def normalize_quat(q: np.ndarray) -> np.ndarray:
    """Unit quaternions with a non-negative w (one of the two equal rotations)."""
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    return np.where(q[..., :1] < 0, -q, q)


def quat_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product a ⊗ b (wxyz)."""
    aw, ax, ay, az = np.moveaxis(a, -1, 0)
    bw, bx, by, bz = np.moveaxis(b, -1, 0)
    return np.stack(
        [
            aw * bw - ax * bx - ay * by - az * bz,
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
        ],
        axis=-1,
    )


def quat_conjugate(q: np.ndarray) -> np.ndarray:
    return q * np.array([1.0, -1.0, -1.0, -1.0], dtype=q.dtype)


def slerp(q0: np.ndarray, q1: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Spherical interpolation between unit quaternions, elementwise over leading axes."""
    dot = np.sum(q0 * q1, axis=-1, keepdims=True)
    q1 = np.where(dot < 0, -q1, q1)  # the short way round
    dot = np.abs(dot).clip(max=1.0)
    theta = np.arccos(dot)
    sin_theta = np.sin(theta)
    t = t[..., None]
    near = sin_theta < 1e-6  # almost equal: linear interpolation is exact enough
    w0 = np.where(near, 1.0 - t, np.sin((1.0 - t) * theta) / np.where(near, 1.0, sin_theta))
    w1 = np.where(near, t, np.sin(t * theta) / np.where(near, 1.0, sin_theta))
    return normalize_quat(w0 * q0 + w1 * q1)


def resample_times(num_frames: int, fps_in: float, fps_out: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For output frames at ``fps_out`` over the input's duration: (index0, index1, blend) into the input."""
    duration = (num_frames - 1) / fps_in
    times = np.arange(int(np.floor(duration * fps_out + 1e-9)) + 1) / fps_out
    position = times * fps_in
    index0 = np.minimum(np.floor(position).astype(np.int64), num_frames - 1)
    index1 = np.minimum(index0 + 1, num_frames - 1)
    return index0, index1, position - index0


def resample_linear(values: np.ndarray, index0: np.ndarray, index1: np.ndarray, blend: np.ndarray) -> np.ndarray:
    """Linear interpolation along axis 0 at the positions from :func:`resample_times`."""
    shape = (-1,) + (1,) * (values.ndim - 1)
    return values[index0] * (1.0 - blend.reshape(shape)) + values[index1] * blend.reshape(shape)


def resample_quat(quats: np.ndarray, index0: np.ndarray, index1: np.ndarray, blend: np.ndarray) -> np.ndarray:
    """Slerp along axis 0 at the positions from :func:`resample_times`."""
    q0, q1 = quats[index0], quats[index1]
    t = np.broadcast_to(blend.reshape((-1,) + (1,) * (quats.ndim - 2)), q0.shape[:-1])
    return slerp(q0, q1, t)


def time_derivative(values: np.ndarray, fps: float) -> np.ndarray:
    """d/dt along axis 0 (central differences inside, one-sided at the ends)."""
    if values.shape[0] < 2:
        return np.zeros_like(values)
    return np.gradient(values, 1.0 / fps, axis=0)


def angular_velocity_world(quats: np.ndarray, fps: float) -> np.ndarray:
    """World-frame angular velocity (rad/s) of orientations ``quats`` (T, ..., 4) sampled at ``fps``."""
    if quats.shape[0] < 2:
        return np.zeros((*quats.shape[:-1], 3), dtype=quats.dtype)
    nxt = np.concatenate([quats[1:], quats[-1:]])
    prv = np.concatenate([quats[:1], quats[:-1]])
    steps = np.full(quats.shape[0], 2.0)
    steps[0] = steps[-1] = 1.0
    delta = quat_mul(nxt, quat_conjugate(prv))  # world-frame rotation from prv to nxt
    delta = np.where(delta[..., :1] < 0, -delta, delta)
    vec = delta[..., 1:]
    sin_half = np.linalg.norm(vec, axis=-1, keepdims=True)
    angle = 2.0 * np.arctan2(sin_half, delta[..., :1])
    axis = vec / np.where(sin_half < 1e-12, 1.0, sin_half)
    dt = (steps / fps).reshape((-1,) + (1,) * (quats.ndim - 1))
    return axis * angle / dt
