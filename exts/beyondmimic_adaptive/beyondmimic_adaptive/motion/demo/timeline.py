"""The two demo clips as timelines of segments: a short easy one and a long one with four hard segments."""

from __future__ import annotations

import numpy as np

from .plan import Neutral, Plan, Segment
from .profiles import pulse
from .robot import Robot
from .segments import (
    seg_arm_swing,
    seg_arm_wave,
    seg_deep_squat,
    seg_fast_kick,
    seg_jump,
    seg_shallow_squats,
    seg_single_leg_balance,
    seg_stand_quiet,
    seg_steps_in_place,
    seg_wave_and_shift,
    seg_weight_shift,
)

EASY = False
"""``hard`` flag of an easy segment."""
HARD = True
"""``hard`` flag of a hard segment."""


def _short_clip(plan: Plan, idx: np.ndarray, t: np.ndarray, dur: float, robot: Robot, neutral: Neutral) -> None:
    """Gentle arm swings with one slow, shallow knee bend (torso down 5 cm, leaning slightly forward)."""
    seg_arm_swing(plan, idx, t, dur, robot, neutral)
    plan.root_z[idx] -= 0.05 * pulse(t, 2.0, 4.2, 4.6, 6.8)
    plan.root_rpy[idx, 1] += 0.06 * pulse(t, 2.0, 4.2, 4.6, 6.8)


def short_segments() -> list[Segment]:
    """~8 s, easy: quiet standing, gentle arm swings, one slow shallow knee bend."""
    return [("stand_arm_swing_knee_bend", 8.0, EASY, _short_clip)]


def long_segments() -> list[Segment]:
    """64 s: easy segments with four hard ones, each hard one >= 8 s of easy motion from the next."""
    return [
        ("stand_quiet", 4.0, EASY, seg_stand_quiet),
        ("arm_wave", 6.0, EASY, seg_arm_wave),
        ("weight_shift", 4.0, EASY, seg_weight_shift),
        ("single_leg_balance", 4.0, HARD, seg_single_leg_balance),
        ("shallow_squats", 4.0, EASY, seg_shallow_squats),
        ("steps_in_place", 5.0, EASY, seg_steps_in_place),
        ("fast_kick", 2.6, HARD, seg_fast_kick),
        ("arm_wave", 4.4, EASY, seg_arm_wave),
        ("weight_shift", 4.0, EASY, seg_weight_shift),
        ("jump", 2.6, HARD, seg_jump),
        ("steps_in_place", 5.0, EASY, seg_steps_in_place),
        ("arm_wave_weight_shift", 4.0, EASY, seg_wave_and_shift),
        ("deep_squat", 3.6, HARD, seg_deep_squat),
        ("shallow_squats", 4.0, EASY, seg_shallow_squats),
        ("arm_wave", 4.0, EASY, seg_arm_wave),
        ("stand_quiet", 2.8, EASY, seg_stand_quiet),
    ]


def demo_timelines() -> dict[str, list[Segment]]:
    """The shipped clips by file stem, in the order they are generated and checked."""
    return {"demo_short": short_segments(), "demo_long": long_segments()}
