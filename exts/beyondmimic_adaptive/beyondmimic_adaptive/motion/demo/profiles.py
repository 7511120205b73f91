"""Time profiles the segments are built from: min-jerk steps and pulses, faded oscillations, quintic joins."""

from __future__ import annotations

import numpy as np


def min_jerk(u: np.ndarray) -> np.ndarray:
    """Min-jerk blend 0 -> 1 on u in [0, 1] (zero velocity and acceleration at both ends)."""
    u = np.clip(u, 0.0, 1.0)
    return u**3 * (10.0 - 15.0 * u + 6.0 * u**2)


def ramp(t: np.ndarray, t0: float, t1: float) -> np.ndarray:
    """Min-jerk step from 0 (t <= t0) to 1 (t >= t1)."""
    return min_jerk((t - t0) / (t1 - t0))


def pulse(t: np.ndarray, t0: float, t1: float, t2: float, t3: float) -> np.ndarray:
    """0 -> 1 over [t0, t1], hold, 1 -> 0 over [t2, t3] (min-jerk edges)."""
    return ramp(t, t0, t1) - ramp(t, t2, t3)


def smooth_oscillation(t: np.ndarray, duration: float, period: float, fade: float, phase: float = 0.0) -> np.ndarray:
    """``sin`` of the given period, faded in/out over ``fade`` seconds (value and slope 0 at both ends)."""
    return pulse(t, 0.0, fade, duration - fade, duration) * np.sin(2.0 * np.pi * t / period + phase)


def quintic(
    t: np.ndarray, duration: float, start: tuple[float, float, float], end: tuple[float, float, float]
) -> np.ndarray:
    """Quintic Hermite on [0, duration] through (position, velocity, acceleration) at both ends."""
    p0, v0, a0 = start
    p1, v1, a1 = end
    T = duration
    c0, c1, c2 = p0, v0, a0 / 2.0
    h = p1 - (c0 + c1 * T + c2 * T**2)
    dv = v1 - (c1 + 2.0 * c2 * T)
    da = a1 - 2.0 * c2
    c3 = (10.0 * h - 4.0 * dv * T + 0.5 * da * T**2) / T**3
    c4 = (-15.0 * h + 7.0 * dv * T - da * T**2) / T**4
    c5 = (6.0 * h - 3.0 * dv * T + 0.5 * da * T**2) / T**5
    s = np.clip(t, 0.0, T)
    return c0 + c1 * s + c2 * s**2 + c3 * s**3 + c4 * s**4 + c5 * s**5
