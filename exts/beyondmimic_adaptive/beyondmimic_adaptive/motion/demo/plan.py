"""The plan: per-frame task-space targets (feet, CoM, torso, upper body) that segments add deviations to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .robot import FPS, Robot


@dataclass
class Neutral:
    """The neutral stance every segment starts from and returns to."""

    feet_pos: np.ndarray
    """(2, 3) foot body origins (left, right); level feet, capsules touching z = 0."""
    support_center: np.ndarray
    """(2, 2) xy centroid of each foot's capsule end points (where a stance CoM goes)."""
    com: np.ndarray
    """(3,) CoM of the neutral stance."""
    q: np.ndarray
    """(J,) neutral joint angles (arms relaxed; legs from the neutral solve)."""
    root_z: float
    """m: torso (root) height of the neutral stance."""


@dataclass
class Plan:
    """Per-frame targets (T frames at :data:`FPS`)."""

    t: np.ndarray
    """(T,) frame times (s)."""
    com: np.ndarray
    """(T, 3) CoM target (world); z is used only where ``z_from_com``."""
    root_z: np.ndarray
    """(T,) torso height target, used where not ``z_from_com``."""
    z_from_com: np.ndarray
    """(T,) bool: the torso height follows the CoM z target (jump) instead of ``root_z``."""
    root_rpy: np.ndarray
    """(T, 3) torso roll, pitch (+: lean forward), yaw."""
    upper_q: np.ndarray
    """(T, J) joint angles for all non-leg DOFs (leg columns are ignored: IK)."""
    feet_pos: np.ndarray
    """(T, 2, 3) foot body origin targets (left, right)."""
    feet_rpy: np.ndarray
    """(T, 2, 3) foot orientation targets (roll, pitch, yaw)."""
    contact: np.ndarray
    """(T, 2) bool: foot planned on the ground (left, right)."""
    segments: list[tuple[str, float, float, bool]] = field(default_factory=list)
    """(name, start_s, end_s, hard)."""

    @classmethod
    def neutral(cls, duration: float, neutral: Neutral) -> Plan:
        """A plan that holds the neutral stance for ``duration`` seconds."""
        t = np.arange(round(duration * FPS)) / FPS
        n = len(t)
        return cls(
            t=t,
            com=np.tile(neutral.com, (n, 1)),
            root_z=np.full(n, neutral.root_z),
            z_from_com=np.zeros(n, dtype=bool),
            root_rpy=np.zeros((n, 3)),
            upper_q=np.tile(neutral.q, (n, 1)),
            feet_pos=np.tile(neutral.feet_pos, (n, 1, 1)),
            feet_rpy=np.zeros((n, 2, 3)),
            contact=np.ones((n, 2), dtype=bool),
        )


SegmentFn = Callable[[Plan, np.ndarray, np.ndarray, float, Robot, Neutral], None]
"""Adds a segment's deviations: (plan, frame indices, local time, duration, robot, neutral)."""

Segment = tuple[str, float, bool, SegmentFn]
"""One timeline entry: (name, duration s, hard, the function that adds its deviations)."""


def apply_segments(plan: Plan, robot: Robot, neutral: Neutral, segments: list[Segment]) -> None:
    """Lay segments end to end from t = 0; each adds its deviations on its own frames."""
    start = 0.0
    for name, duration, hard, fn in segments:
        idx = np.flatnonzero((plan.t >= start - 1e-9) & (plan.t < start + duration - 1e-9))
        fn(plan, idx, plan.t[idx] - start, duration, robot, neutral)
        plan.segments.append((name, start, start + duration, hard))
        start += duration
    if abs(start - plan.t[-1] - 1.0 / FPS) > 1e-6:
        raise ValueError(f"segments last {start:.2f} s but the plan {plan.t[-1] + 1.0 / FPS:.2f} s")
