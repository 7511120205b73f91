"""Time-series helpers for motion data (numpy; quaternions in w, x, y, z order)."""

from __future__ import annotations

import numpy as np

from .quaternions import quat_conjugate, quat_mul, quat_to_rotvec, slerp


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
    """World-frame angular velocity (T, ..., 3) of orientations ``quats`` (T, ..., 4) sampled at ``fps``."""
    omega = np.zeros((*quats.shape[:-1], 3))
    if quats.shape[0] < 2:
        return omega
    dt = 1.0 / fps
    omega[1:-1] = quat_to_rotvec(quat_mul(quats[2:], quat_conjugate(quats[:-2]))) / (2.0 * dt)
    omega[0] = quat_to_rotvec(quat_mul(quats[1], quat_conjugate(quats[0]))) / dt
    omega[-1] = quat_to_rotvec(quat_mul(quats[-1], quat_conjugate(quats[-2]))) / dt
    return omega
