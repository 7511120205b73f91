"""The segment library: each ``seg_*`` adds one move's deviations from the neutral stance to a :class:`Plan`.

Every deviation starts and ends with zero value and zero slope (min-jerk edges), so segments laid end
to end make a smooth plan. Signature: :data:`~.plan.SegmentFn`.
"""

from __future__ import annotations

import numpy as np

from .plan import Neutral, Plan
from .profiles import pulse, quintic, ramp, smooth_oscillation
from .robot import GRAVITY, Robot

KICK_REACH = 0.40
"""m the kicking foot moves forward from the chamber."""
KICK_RISE = 0.06
"""m the kicking foot rises from the chamber."""
DEEP_SQUAT_DEPTH = 0.36
"""m the torso drops in the deep squat."""


def _arm(
    plan: Plan,
    robot: Robot,
    idx: np.ndarray,
    side: str,
    a0: np.ndarray | float,
    a1: np.ndarray | float,
    elbow: np.ndarray | float,
) -> None:
    """Add shoulder (two DOFs) and elbow angle offsets to one arm (``side``: 'left' or 'right')."""
    plan.upper_q[idx, robot.dof(f"{side}_upper_arm:0")] += a0
    plan.upper_q[idx, robot.dof(f"{side}_upper_arm:1")] += a1
    plan.upper_q[idx, robot.dof(f"{side}_elbow")] += elbow


def _shift_com_to(plan: Plan, idx: np.ndarray, weight: np.ndarray, stance: int, neutral: Neutral) -> None:
    """Blend the CoM xy from neutral to over the ``stance`` foot (0 left, 1 right) by ``weight`` in [0, 1].

    The CoM also drops 3 cm (the legs incline, the stance knee bends a little more) and the torso rolls
    toward the stance side (pelvis hikes on the free side: less stance-hip adduction).
    """
    target_xy = neutral.support_center[stance]
    plan.com[idx, :2] += weight[:, None] * (target_xy - neutral.com[:2])[None]
    plan.root_z[idx] -= 0.03 * weight
    plan.root_rpy[idx, 0] += (-0.10 if stance == 0 else 0.10) * weight


# ---------------------------------------------------------------------------------------- easy
def seg_stand_quiet(plan: Plan, idx: np.ndarray, t: np.ndarray, dur: float, robot: Robot, neutral: Neutral) -> None:
    """Quiet standing with a small natural sway of the CoM (1 cm)."""
    plan.com[idx, 0] += 0.006 * smooth_oscillation(t, dur, 4.0, 1.0)
    plan.com[idx, 1] += 0.008 * smooth_oscillation(t, dur, 5.3, 1.0, phase=0.5)


def seg_arm_swing(plan: Plan, idx: np.ndarray, t: np.ndarray, dur: float, robot: Robot, neutral: Neutral) -> None:
    """Gentle alternating arm swings (0.35 rad, 2.5 s period)."""
    for side, ph in (("left", 0.0), ("right", np.pi)):
        s = smooth_oscillation(t, dur, 2.5, 1.0, phase=ph)
        _arm(plan, robot, idx, side, 0.0 * s, 0.35 * s, 0.2 * s)


def seg_arm_wave(plan: Plan, idx: np.ndarray, t: np.ndarray, dur: float, robot: Robot, neutral: Neutral) -> None:
    """Slow arm waves: arms raise and lower (0.6 rad), elbows bend, 3 s period, a slight torso twist."""
    env = pulse(t, 0.0, 1.2, dur - 1.2, dur)
    for side, ph in (("left", 0.0), ("right", np.pi / 2)):
        s = np.sin(2.0 * np.pi * t / 3.0 + ph)
        _arm(plan, robot, idx, side, env * (-0.55 + 0.35 * s), env * (0.25 * s), env * (0.5 + 0.35 * s))
    plan.upper_q[idx, robot.dof("lower_waist:0")] += 0.12 * smooth_oscillation(t, dur, 6.0, 1.5)


def seg_weight_shift(plan: Plan, idx: np.ndarray, t: np.ndarray, dur: float, robot: Robot, neutral: Neutral) -> None:
    """Shift the weight left and right (CoM 6 cm sideways, 4 s period), torso counter-roll."""
    s = smooth_oscillation(t, dur, 4.0, 1.0)
    plan.com[idx, 1] += 0.06 * s
    plan.root_z[idx] -= 0.015 * s**2
    plan.root_rpy[idx, 0] -= 0.05 * s
    _arm(plan, robot, idx, "left", 0.0, -0.15 * s, 0.0)
    _arm(plan, robot, idx, "right", 0.0, 0.15 * s, 0.0)


def seg_shallow_squats(plan: Plan, idx: np.ndarray, t: np.ndarray, dur: float, robot: Robot, neutral: Neutral) -> None:
    """Slow shallow squats (torso down 10 cm, 3 s each), arms forward, slight forward lean."""
    n = max(1, round((dur - 1.0) / 3.0))
    per = (dur - 1.0) / n
    depth = np.zeros_like(t)
    for k in range(n):
        t0 = 0.5 + k * per
        depth += pulse(t, t0, t0 + 0.45 * per, t0 + 0.55 * per, t0 + per)
    plan.root_z[idx] -= 0.10 * depth
    plan.root_rpy[idx, 1] += 0.15 * depth
    for side in ("left", "right"):
        _arm(plan, robot, idx, side, -0.5 * depth, 0.0, 0.4 * depth)


def _step(plan: Plan, idx: np.ndarray, t: np.ndarray, t0: float, per: float, swing: int, neutral: Neutral) -> None:
    """One quasi-static step in place: CoM over the stance foot, lift the swing foot 7 cm, set it down."""
    stance = 1 - swing
    w = pulse(t, t0, t0 + 0.30 * per, t0 + 0.70 * per, t0 + per)
    _shift_com_to(plan, idx, w, stance, neutral)
    lift = pulse(t, t0 + 0.32 * per, t0 + 0.50 * per, t0 + 0.50 * per, t0 + 0.68 * per)
    plan.feet_pos[idx, swing, 2] += 0.07 * lift
    plan.contact[idx[lift > 0.0], swing] = False


def seg_steps_in_place(plan: Plan, idx: np.ndarray, t: np.ndarray, dur: float, robot: Robot, neutral: Neutral) -> None:
    """Slow steps in place, alternating feet (2.5 s per step), arms swinging opposite."""
    n = max(2, round(dur / 2.5))
    per = dur / n
    for k in range(n):
        _step(plan, idx, t, k * per, per, swing=k % 2, neutral=neutral)
    s = smooth_oscillation(t, dur, 2.0 * per, 0.8)
    _arm(plan, robot, idx, "left", 0.0, 0.25 * s, 0.0)
    _arm(plan, robot, idx, "right", 0.0, -0.25 * s, 0.0)


def seg_wave_and_shift(plan: Plan, idx: np.ndarray, t: np.ndarray, dur: float, robot: Robot, neutral: Neutral) -> None:
    """Arm waves while shifting the weight."""
    seg_arm_wave(plan, idx, t, dur, robot, neutral)
    plan.com[idx, 1] += 0.05 * smooth_oscillation(t, dur, dur / 2.0 if dur < 8 else 4.0, 1.0)


# ---------------------------------------------------------------------------------------- hard
def seg_single_leg_balance(
    plan: Plan, idx: np.ndarray, t: np.ndarray, dur: float, robot: Robot, neutral: Neutral
) -> None:
    """Balance on the left leg with the right knee raised (foot 25 cm up), arms out; CoM over the stance foot."""
    shift = pulse(t, 0.0, 0.8, dur - 0.8, dur)
    _shift_com_to(plan, idx, shift, 0, neutral)
    lift = pulse(t, 0.85, 1.45, dur - 1.45, dur - 0.85)
    plan.feet_pos[idx, 1, 0] += 0.12 * lift
    plan.feet_pos[idx, 1, 2] += 0.25 * lift
    plan.feet_rpy[idx, 1, 1] += 0.25 * lift
    plan.feet_rpy[idx, 1, 0] += plan.root_rpy[idx, 0] * lift  # swing foot rolls with the pelvis
    plan.contact[idx[lift > 0.0], 1] = False
    for side in ("left", "right"):
        _arm(plan, robot, idx, side, -0.9 * shift, 0.3 * shift, 0.6 * shift)
    plan.root_rpy[idx, 1] += 0.05 * lift


def seg_fast_kick(plan: Plan, idx: np.ndarray, t: np.ndarray, dur: float, robot: Robot, neutral: Neutral) -> None:
    """Fast front kick with the right leg, standing on the left (knee extends in 0.2 s, ~10 rad/s)."""
    shift = pulse(t, 0.0, 0.7, dur - 0.7, dur)
    _shift_com_to(plan, idx, shift, 0, neutral)
    t_c0, t_c1 = 0.72, 1.07  # chamber: knee up
    t_k1, t_k2 = 1.27, 1.52  # kick out (0.2 s), back to the chamber (0.25 s)
    t_d1 = dur - 0.72  # foot down
    chamber = pulse(t, t_c0, t_c1, t_k2 + 0.02, t_d1)
    kick = pulse(t, t_c1, t_k1, t_k1, t_k2)
    plan.feet_pos[idx, 1, 0] += 0.14 * chamber + KICK_REACH * kick
    plan.feet_pos[idx, 1, 2] += 0.24 * chamber + KICK_RISE * kick
    plan.feet_rpy[idx, 1, 1] += 0.35 * chamber - 0.95 * kick
    plan.feet_rpy[idx, 1, 0] += plan.root_rpy[idx, 0] * chamber  # swing foot rolls with the pelvis
    plan.contact[idx[chamber + kick > 0.0], 1] = False
    plan.root_rpy[idx, 1] -= 0.12 * kick
    for side in ("left", "right"):
        _arm(plan, robot, idx, side, -0.3 * shift, 0.0, 0.4 * shift)


def seg_jump(plan: Plan, idx: np.ndarray, t: np.ndarray, dur: float, robot: Robot, neutral: Neutral) -> None:
    """Small vertical jump: crouch, push-off, 0.18 s flight with a ballistic CoM, soft landing, stand up.

    CoM height offset (C2): neutral -> crouch (-0.17 m) -> push-off quintic reaching the take-off
    height (-0.06 m) with v0 = g T/2 and acceleration -g -> parabola -> landing quintic from
    (-0.06 m, -v0, -g) down to -0.14 m -> back to neutral.
    """
    flight = 0.18
    v0 = GRAVITY * flight / 2.0
    z_crouch, z_to, z_land = -0.17, -0.06, -0.14
    t_c0, t_c1 = 0.0, 0.7  # crouch
    t_to = 1.05  # take-off (push from t_c1)
    t_ld = t_to + flight
    t_ab = t_ld + 0.35  # end of landing absorption
    dz = np.zeros_like(t)
    m = t < t_c1
    dz[m] = z_crouch * ramp(t[m], t_c0, t_c1)
    m = (t >= t_c1) & (t < t_to)
    dz[m] = quintic(t[m] - t_c1, t_to - t_c1, (z_crouch, 0.0, 0.0), (z_to, v0, -GRAVITY))
    m = (t >= t_to) & (t < t_ld)
    s = t[m] - t_to
    dz[m] = z_to + v0 * s - 0.5 * GRAVITY * s**2
    m = (t >= t_ld) & (t < t_ab)
    dz[m] = quintic(t[m] - t_ld, t_ab - t_ld, (z_to, -v0, -GRAVITY), (z_land, 0.0, 0.0))
    m = t >= t_ab
    dz[m] = z_land * (1.0 - ramp(t[m], t_ab + 0.1, dur - 0.1))
    plan.com[idx, 2] += dz
    plan.z_from_com[idx] = True
    crouch = -dz / -z_crouch
    plan.root_rpy[idx, 1] += 0.35 * np.clip(-dz / 0.17, 0.0, 1.0)
    # feet: leave the ground with zero velocity, lift 4 cm, land with zero velocity (C1)
    m = (t > t_to) & (t < t_ld)
    u = (t[m] - t_to) / flight
    for f in range(2):
        plan.feet_pos[idx[m], f, 2] += 0.04 * 16.0 * u**2 * (1.0 - u) ** 2
        plan.contact[idx[m], f] = False
    # arms reach forward in the crouch (hands clear of the thighs) and swing up in the push
    arms = np.clip(crouch, 0.0, 1.2)
    up = pulse(t, t_c1, t_to, t_ld, t_ab + 0.4)
    for side in ("left", "right"):
        _arm(plan, robot, idx, side, -0.5 * arms - 0.4 * up, 0.0, 0.5 * arms + 0.2 * up)


def seg_deep_squat(plan: Plan, idx: np.ndarray, t: np.ndarray, dur: float, robot: Robot, neutral: Neutral) -> None:
    """Deep squat: torso down DEEP_SQUAT_DEPTH in 1.5 s, hold, up; torso leans forward, arms reach forward."""
    d = pulse(t, 0.0, 0.43 * dur, 0.57 * dur, dur)
    plan.root_z[idx] -= DEEP_SQUAT_DEPTH * d
    plan.root_rpy[idx, 1] += 0.55 * d
    for side in ("left", "right"):
        _arm(plan, robot, idx, side, -1.0 * d, 0.0, 0.9 * d)
