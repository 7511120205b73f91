"""Generate two physically plausible demo motions for Newton's MuJoCo humanoid (BeyondMimic npz format).

The robot is ``newton/examples/assets/humanoid.usda`` as Newton loads it (the same importer Isaac Lab's
Newton backend uses), so body names, joint (DOF) names, their order, joint limits, masses and foot
geometry all come from that USD:

* bodies (16): Newton's articulation link order (``ArticulationView.link_names``);
* joints (21): the actuated DOFs (``ArticulationView.joint_dof_names`` without free/fixed joints),
  multi-DOF USD joints are named ``<joint>:<k>`` (e.g. ``right_thigh:0``).

How a motion is made (kinematics only, but built to be followable by a policy in simulation):

1. A *plan* per frame (50 Hz): world targets for both feet (pose + contact flag), the centre of mass
   (CoM), the torso orientation and the upper-body joint angles. Every segment is a deviation from one
   neutral stance that starts and ends with zero value and zero slope (min-jerk blends), so the
   concatenation of segments is smooth (C2 in the plan; C1 is the requirement).
2. Per frame, the torso (root) position is found so that the whole-body CoM (mass-weighted link CoMs
   via FK) equals the plan's CoM, and both legs are solved by damped least-squares IK so each foot
   body reaches its planned pose exactly. A foot planned on the ground is level with its capsules'
   lowest point at z = 0 and keeps a fixed xy during stance: no penetration, no slip.
3. CoM targets: over the middle of both feet (double support) or over the stance foot's capsule
   centroid before any foot leaves the ground (quasi-static balance). In the jump's flight phase the
   CoM follows the ballistic parabola (g = 9.81 m/s^2) in z and stays fixed in xy; push-off and
   landing are quintic (C2) joins of that parabola.
4. ``joint_vel`` and body linear velocities are central finite differences; body angular velocities
   come from consecutive quaternions (world frame).

Usage::

    python scripts/generate_demo_motions.py                 # writes the package's assets/motions/demo_{long,short}.npz
    python scripts/generate_demo_motions.py --check         # validates the written files (and prints)
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from beyondmimic_adaptive.assets import HUMANOID_USD, MOTIONS_DIR
from beyondmimic_adaptive.motion.kinematics import (
    KinematicTree,
    center_of_mass,
    forward_kinematics,
    kinematic_tree,
    load_newton_model,
)
from beyondmimic_adaptive.motion.quaternions import (
    quat_conjugate,
    quat_from_rpy,
    quat_mul,
    quat_rotate,
    quat_to_rotvec,
    xyzw_to_wxyz,
)
from beyondmimic_adaptive.motion.trajectory import angular_velocity_world, time_derivative

FPS = 50
GRAVITY = 9.81
LIMIT_MARGIN = 0.05
"""rad kept from every joint limit."""
FOOT_BODIES = ("left_foot", "right_foot")
LEG_JOINTS = {
    "left_foot": ("left_thigh:0", "left_thigh:1", "left_thigh:2", "left_knee", "left_foot:0", "left_foot:1"),
    "right_foot": ("right_thigh:0", "right_thigh:1", "right_thigh:2", "right_knee", "right_foot:0", "right_foot:1"),
}
STANCE_HALF_WIDTH = 0.09
"""m: lateral distance of each foot origin from the midline in the neutral stance."""
STAND_CROUCH = 0.02
"""m: neutral torso height below the straight-legged height (soft knees, ~0.45 rad)."""


# ================================================================================================
# quaternion helpers (w, x, y, z), vectorised over leading axes
# ================================================================================================
# ================================================================================================
# the robot, as Newton loads the USD
# ================================================================================================
@dataclass
class Robot(KinematicTree):
    """The humanoid's kinematic tree plus the collision geometry the checks need (float64)."""

    foot_points: dict[str, np.ndarray] = field(default_factory=dict)
    """Per foot body: (K, 3) capsule segment end points in the body frame."""
    foot_radius: float = 0.0
    other_shapes: list[tuple[int, np.ndarray, float]] = field(default_factory=list)
    """Collision spheres/capsules of the non-foot bodies: (body, (K, 3) centres/segment ends, radius)."""


def load_robot(usd_path: str) -> tuple[Robot, object]:
    """Read the humanoid's tree, limits, masses and collision capsules from Newton's model of the USD."""
    model = load_newton_model(usd_path)
    robot = Robot(**vars(kinematic_tree(model)))
    robot.foot_points, robot.foot_radius = _foot_capsules(model, robot)
    robot.other_shapes = _other_shapes(model, robot)
    return robot, model


def _other_shapes(model, robot: Robot) -> list[tuple[int, np.ndarray, float]]:
    """Collision spheres and capsules of all bodies but the feet (to check they stay off the ground)."""
    import newton

    flags = model.shape_flags.numpy()
    kinds = model.shape_type.numpy()
    bodies = model.shape_body.numpy()
    scale = model.shape_scale.numpy().astype(np.float64)
    xform = model.shape_transform.numpy().astype(np.float64)
    feet = {robot.body(f) for f in FOOT_BODIES}
    shapes = []
    for s in np.flatnonzero((flags & int(newton.ShapeFlags.COLLIDE_SHAPES)) != 0):
        if bodies[s] < 0 or bodies[s] in feet:
            continue
        q = xyzw_to_wxyz(xform[s, 3:])
        if int(kinds[s]) == int(newton.GeoType.SPHERE):
            pts = xform[s, None, :3]
        elif int(kinds[s]) == int(newton.GeoType.CAPSULE):
            pts = np.array([xform[s, :3] + quat_rotate(q, np.array([0.0, 0.0, h * scale[s, 1]])) for h in (-1.0, 1.0)])
        else:
            continue
        shapes.append((int(bodies[s]), pts, float(scale[s, 0])))
    return shapes


def collision_shapes(robot: Robot) -> list[tuple[int, np.ndarray, float]]:
    """All collision spheres/capsules as (body, (K, 3) centre or segment ends in the body frame, radius)."""
    feet = [
        (robot.body(f), robot.foot_points[f][2 * k : 2 * k + 2], robot.foot_radius)
        for f in FOOT_BODIES
        for k in range(len(robot.foot_points[f]) // 2)
    ]
    return robot.other_shapes + feet


def _segment_distance(p0: np.ndarray, p1: np.ndarray, q0: np.ndarray, q1: np.ndarray) -> np.ndarray:
    """(T,) distance between segments p0-p1 and q0-q1 (points allowed), clamped closest points."""
    d1, d2, r = p1 - p0, q1 - q0, p0 - q0
    a = np.einsum("tk,tk->t", d1, d1)
    e = np.einsum("tk,tk->t", d2, d2)
    f = np.einsum("tk,tk->t", d2, r)
    c = np.einsum("tk,tk->t", d1, r)
    b = np.einsum("tk,tk->t", d1, d2)
    denom = a * e - b * b
    s = np.where(denom > 1e-12, np.clip((b * f - c * e) / np.maximum(denom, 1e-12), 0.0, 1.0), 0.0)
    s = np.where(a > 1e-12, s, 0.0)
    t = np.where(e > 1e-12, (b * s + f) / np.maximum(e, 1e-12), 0.0)
    t_cl = np.clip(t, 0.0, 1.0)
    s = np.where((t != t_cl) & (a > 1e-12), np.clip((b * t_cl - c) / np.maximum(a, 1e-12), 0.0, 1.0), s)
    return np.linalg.norm(p0 + d1 * s[:, None] - (q0 + d2 * t_cl[:, None]), axis=1)


def self_collision_clearance(robot: Robot, pos: np.ndarray, rot: np.ndarray) -> tuple[float, str, int]:
    """Smallest surface distance between collision shapes of bodies not connected by a joint.

    Returns (distance m, 'bodyA/bodyB', frame). MuJoCo's default filter (and the package's USD, which
    has no collision groups) lets every such pair collide.
    """
    connected = {(int(p), int(c)) for p, c in zip(robot.joint_parent, robot.joint_child, strict=True) if p >= 0}
    shapes = collision_shapes(robot)
    world = []
    for b, pts, radius in shapes:
        r = np.repeat(rot[:, b, None, :], len(pts), axis=1)
        w = pos[:, b, None, :] + quat_rotate(r, np.broadcast_to(pts, (*r.shape[:2], 3)))
        world.append((b, w[:, 0], w[:, -1], radius))
    best = (np.inf, "", -1)
    for i, (bi, a0, a1, ri) in enumerate(world):
        for bj, c0, c1, rj in world[i + 1 :]:
            if bi == bj or (bi, bj) in connected or (bj, bi) in connected:
                continue
            dist = _segment_distance(a0, a1, c0, c1) - ri - rj
            k = int(np.argmin(dist))
            if dist[k] < best[0]:
                best = (float(dist[k]), f"{robot.body_names[bi]}/{robot.body_names[bj]}", k)
    return best


def lowest_other_point(robot: Robot, pos: np.ndarray, rot: np.ndarray) -> np.ndarray:
    """(T,) lowest surface point of all non-foot collision shapes."""
    low = np.full(pos.shape[0], np.inf)
    for b, pts, radius in robot.other_shapes:
        r = np.repeat(rot[:, b, None, :], len(pts), axis=1)
        z = (pos[:, b, None, :] + quat_rotate(r, np.broadcast_to(pts, (*r.shape[:2], 3))))[..., 2]
        low = np.minimum(low, z.min(axis=1) - radius)
    return low


def _foot_capsules(model, robot: Robot) -> tuple[dict[str, np.ndarray], float]:
    """Collision capsules of the feet as segment end points in the foot body frame (Newton: capsule along z)."""
    import newton

    flags = model.shape_flags.numpy()
    kinds = model.shape_type.numpy()
    bodies = model.shape_body.numpy()
    scale = model.shape_scale.numpy().astype(np.float64)
    xform = model.shape_transform.numpy().astype(np.float64)
    points: dict[str, np.ndarray] = {}
    radii = set()
    for foot in FOOT_BODIES:
        b = robot.body(foot)
        ends = []
        for s in np.flatnonzero((bodies == b) & ((flags & int(newton.ShapeFlags.COLLIDE_SHAPES)) != 0)):
            if int(kinds[s]) != int(newton.GeoType.CAPSULE):
                raise RuntimeError(f"foot shape {model.shape_label[s]} is not a capsule")
            radius, half = scale[s, 0], scale[s, 1]
            q = xyzw_to_wxyz(xform[s, 3:])
            for sign in (-1.0, 1.0):
                ends.append(xform[s, :3] + quat_rotate(q, np.array([0.0, 0.0, sign * half])))
            radii.add(round(float(radius), 6))
        points[foot] = np.array(ends)
    if len(radii) != 1:
        raise RuntimeError(f"feet have capsules of different radii {radii}")
    return points, radii.pop()


# ================================================================================================
# kinematics
# ================================================================================================
def foot_points_world(robot: Robot, pos: np.ndarray, rot: np.ndarray, foot: str) -> np.ndarray:
    """(T, K, 3) world positions of a foot's capsule segment end points."""
    b = robot.body(foot)
    pts = robot.foot_points[foot]
    r = np.repeat(rot[:, b, None, :], len(pts), axis=1)
    return pos[:, b, None, :] + quat_rotate(r, np.broadcast_to(pts, (*r.shape[:2], 3)))


def foot_lowest_z(robot: Robot, pos: np.ndarray, rot: np.ndarray, foot: str) -> np.ndarray:
    """(T,) height of a foot's lowest surface point (capsules: lowest segment end minus radius)."""
    return foot_points_world(robot, pos, rot, foot)[..., 2].min(axis=1) - robot.foot_radius


def validate_fk_against_newton(robot: Robot, model, samples: int = 6) -> float:
    """Max position/orientation discrepancy of :func:`forward_kinematics` vs ``newton.eval_fk``."""
    import newton
    import warp as wp

    rng = np.random.default_rng(0)
    state = model.state()
    worst = 0.0
    for _ in range(samples):
        root_pos = rng.normal(size=3) * 0.3
        root_quat = rng.normal(size=4)
        root_quat /= np.linalg.norm(root_quat)
        q = rng.uniform(robot.lower, robot.upper)
        joint_q = np.concatenate((root_pos, root_quat[1:], root_quat[:1], q)).astype(np.float32)
        newton.eval_fk(
            model,
            wp.array(joint_q, dtype=wp.float32, device="cpu"),
            wp.zeros(model.joint_dof_count, dtype=wp.float32, device="cpu"),
            state,
        )
        body_q = state.body_q.numpy().astype(np.float64)
        pos, rot = forward_kinematics(robot, root_pos[None], root_quat[None], q[None])
        dq = np.abs(np.abs(np.sum(rot[0] * xyzw_to_wxyz(body_q[:, 3:]), axis=-1)) - 1.0).max()
        worst = max(worst, float(np.abs(pos[0] - body_q[:, :3]).max()), float(dq))
    return worst


# ================================================================================================
# time profiles
# ================================================================================================
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


# ================================================================================================
# the plan: per-frame task-space targets
# ================================================================================================
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


@dataclass
class Plan:
    """Per-frame targets (T frames at :data:`FPS`)."""

    t: np.ndarray
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


SegmentFn = Callable[["Plan", np.ndarray, np.ndarray, float, "Robot", Neutral], None]
"""Adds a segment's deviations: (plan, frame indices, local time, duration, robot, neutral)."""


def apply_segments(
    plan: Plan, robot: Robot, neutral: Neutral, segments: list[tuple[str, float, bool, SegmentFn]]
) -> None:
    """Lay segments end to end from t = 0; each adds its deviations on its own frames."""
    start = 0.0
    for name, duration, hard, fn in segments:
        idx = np.flatnonzero((plan.t >= start - 1e-9) & (plan.t < start + duration - 1e-9))
        fn(plan, idx, plan.t[idx] - start, duration, robot, neutral)
        plan.segments.append((name, start, start + duration, hard))
        start += duration
    if abs(start - plan.t[-1] - 1.0 / FPS) > 1e-6:
        raise ValueError(f"segments last {start:.2f} s but the plan {plan.t[-1] + 1.0 / FPS:.2f} s")


def _arm(
    plan: Plan, robot: Robot, idx: np.ndarray, side: str, a0: np.ndarray, a1: np.ndarray, elbow: np.ndarray
) -> None:
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


def seg_knee_bend(plan: Plan, idx: np.ndarray, t: np.ndarray, dur: float, robot: Robot, neutral: Neutral) -> None:
    """One slow, shallow knee bend (torso down 5 cm) with gentle arm swings."""
    plan.root_z[idx] -= 0.05 * pulse(t, 0.5, 0.5 + 0.42 * (dur - 1.0), 0.5 + 0.58 * (dur - 1.0), dur - 0.5)
    seg_arm_swing(plan, idx, t, dur, robot, neutral)


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
    for side, sign in (("left", 1.0), ("right", 1.0)):
        _arm(plan, robot, idx, side, -0.9 * shift * sign, 0.3 * shift, 0.6 * shift)
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


KICK_REACH = 0.40
"""m the kicking foot moves forward from the chamber."""
KICK_RISE = 0.06
"""m the kicking foot rises from the chamber."""
DEEP_SQUAT_DEPTH = 0.36
"""m the torso drops in the deep squat."""


# ================================================================================================
# whole-body solve: root from the CoM target, legs from the foot targets
# ================================================================================================
def _leg_columns(robot: Robot) -> np.ndarray:
    return np.array([[robot.dof(name) for name in LEG_JOINTS[foot]] for foot in FOOT_BODIES])


def _foot_pose(robot: Robot, pos: np.ndarray, rot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    bodies = [robot.body(foot) for foot in FOOT_BODIES]
    return pos[:, bodies], rot[:, bodies]


def leg_ik(
    robot: Robot,
    root_pos: np.ndarray,
    root_quat: np.ndarray,
    q: np.ndarray,
    feet_pos: np.ndarray,
    feet_quat: np.ndarray,
    steps: int,
    tol: float = 1e-9,
) -> tuple[np.ndarray, float]:
    """Damped least-squares IK of both legs (6 DOFs each) to 6-D foot pose targets, all frames at once.

    Returns the updated joint angles and the largest remaining pose error (m or rad).
    """
    cols = _leg_columns(robot)
    knee = np.array([list(LEG_JOINTS[f]).index(f.split("_")[0] + "_knee") for f in FOOT_BODIES])
    eps = 1e-6
    err_max = np.inf
    for _ in range(steps):
        pos, rot = forward_kinematics(robot, root_pos, root_quat, q)
        fp, fr = _foot_pose(robot, pos, rot)
        err = np.concatenate((feet_pos - fp, quat_to_rotvec(quat_mul(feet_quat, quat_conjugate(fr)))), axis=-1)
        err_max = float(np.abs(err).max())
        if err_max < tol:
            break
        jac = np.zeros((*err.shape, 6))
        for k in range(6):
            qk = q.copy()
            qk[:, cols[:, k]] += eps
            pk, rk = _foot_pose(robot, *forward_kinematics(robot, root_pos, root_quat, qk))
            jac[..., :3, k] = (pk - fp) / eps
            jac[..., 3:, k] = quat_to_rotvec(quat_mul(rk, quat_conjugate(fr))) / eps
        jjt = jac @ np.swapaxes(jac, -1, -2) + 1e-8 * np.eye(6)
        dq = (np.swapaxes(jac, -1, -2) @ np.linalg.solve(jjt, err[..., None]))[..., 0]
        dq = np.clip(dq, -0.3, 0.3)
        for f in range(2):
            q[:, cols[f]] = np.clip(q[:, cols[f]] + dq[:, f], robot.lower[cols[f]], robot.upper[cols[f]])
            q[:, cols[f, knee[f]]] = np.minimum(q[:, cols[f, knee[f]]], -1e-3)  # stay on the bent-knee branch
    return q, err_max


def solve_whole_body(
    robot: Robot,
    com: np.ndarray,
    root_rpy: np.ndarray,
    upper_q: np.ndarray,
    feet_pos: np.ndarray,
    feet_rpy: np.ndarray,
    root_z: np.ndarray,
    z_from_com: np.ndarray,
    start: Neutral | None = None,
    iterations: int = 20,
    desc: str = "solve",
    strict: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Find root position and leg angles so that feet hit their targets and the CoM its target.

    Fixed point on the root position (root += CoM error; the CoM moves ~0.8x the root, so the error
    shrinks ~5x per iteration), with a few IK steps per iteration and a full IK at the end. With
    ``start`` (the neutral stance), the targets are blended in from it over the first iterations
    (homotopy), which keeps every frame's IK on the natural branch. ``root_z`` sets the torso height
    where not ``z_from_com`` (the CoM z target elsewhere). Returns root_pos (T, 3), root_quat (T, 4, wxyz), q (T, J).
    """
    ramp_iters = 8 if start is not None else 0
    q = np.tile(start.q, (len(com), 1)) if start is not None else upper_q.copy()
    root_pos = com + np.array([-0.02, 0.0, 0.43])
    root_pos[:, 2] = np.where(z_from_com, root_pos[:, 2], root_z)
    legs = _leg_columns(robot).reshape(-1)
    upper = np.setdiff1d(np.arange(robot.num_joints), legs)
    for it in tqdm(range(iterations), desc=desc, leave=False):
        a = min(1.0, (it + 1) / ramp_iters) if ramp_iters else 1.0
        base = start if start is not None else None
        com_k = com if base is None else base.com + a * (com - base.com)
        feet_k = feet_pos if base is None else base.feet_pos + a * (feet_pos - base.feet_pos)
        root_z_k = root_z if base is None else base.root_z + a * (root_z - base.root_z)
        root_pos[:, 2] = np.where(z_from_com, root_pos[:, 2], root_z_k)
        q[:, upper] = upper_q[:, upper] if base is None else base.q[upper] + a * (upper_q[:, upper] - base.q[upper])
        root_quat = quat_from_rpy(a * root_rpy)
        feet_quat = quat_from_rpy(a * feet_rpy)
        q, _ = leg_ik(robot, root_pos, root_quat, q, feet_k, feet_quat, steps=4)
        pos, rot = forward_kinematics(robot, root_pos, root_quat, q)
        delta = com_k - center_of_mass(robot, pos, rot)
        delta[:, 2] *= z_from_com
        root_pos += delta
    root_quat = quat_from_rpy(root_rpy)
    q, err = leg_ik(robot, root_pos, root_quat, q, feet_pos, quat_from_rpy(feet_rpy), steps=30)
    pos, rot = forward_kinematics(robot, root_pos, root_quat, q)
    com_err = np.abs(com - center_of_mass(robot, pos, rot))
    com_err[:, 2] *= z_from_com
    if strict and (err > 1e-6 or com_err.max() > 1e-5):
        bad = int(np.argmax(np.abs(com_err).max(axis=1)))
        raise RuntimeError(
            f"{desc}: not solved (foot pose error {err:.2e}, CoM error {com_err.max():.2e} at t={bad / FPS:.2f} s): "
            "a target is out of reach or needs a joint beyond its limit"
        )
    return root_pos, root_quat, q


def make_neutral(robot: Robot) -> Neutral:
    """Neutral stance: level feet 20 cm apart, CoM over their middle, knees softly bent, arms relaxed."""
    z0 = robot.foot_radius - min(float(p[:, 2].min()) for p in robot.foot_points.values())
    feet = np.array([[0.0, STANCE_HALF_WIDTH, z0], [0.0, -STANCE_HALF_WIDTH, z0]])
    support = np.array([feet[i, :2] + robot.foot_points[f][:, :2].mean(axis=0) for i, f in enumerate(FOOT_BODIES)])
    q = np.zeros(robot.num_joints)
    for side in ("left", "right"):
        q[robot.dof(f"{side}_upper_arm:0")] = 0.6
        q[robot.dof(f"{side}_upper_arm:1")] = -0.5
        q[robot.dof(f"{side}_elbow")] = -1.0
    for foot in FOOT_BODIES:
        q[robot.dof(foot.split("_")[0] + "_knee")] = -0.4
    # straight-legged torso height, then lower it a little for soft knees
    pos, rot = forward_kinematics(
        robot, np.zeros((1, 3)), np.array([[1.0, 0.0, 0.0, 0.0]]), np.zeros((1, robot.num_joints))
    )
    h_straight = -float(foot_lowest_z(robot, pos, rot, "left_foot")[0])
    root_z = h_straight - STAND_CROUCH
    com_xy = np.append(support.mean(axis=0), 0.0)[None]
    root_pos, root_quat, q_sol = solve_whole_body(
        robot,
        com_xy,
        np.zeros((1, 3)),
        q[None],
        feet[None],
        np.zeros((1, 2, 3)),
        np.array([root_z]),
        np.zeros(1, bool),
        desc="neutral",
    )
    pos, rot = forward_kinematics(robot, root_pos, root_quat, q_sol)
    com = center_of_mass(robot, pos, rot)[0]
    return Neutral(feet_pos=feet, support_center=support, com=com, q=q_sol[0], root_z=float(root_pos[0, 2]))


# ================================================================================================
# the two motions
# ================================================================================================
EASY = False
HARD = True


def short_segments() -> list[tuple[str, float, bool, SegmentFn]]:
    """~8 s, easy: quiet standing, gentle arm swings, one slow shallow knee bend."""
    return [("stand_arm_swing_knee_bend", 8.0, EASY, _short_clip)]


def _short_clip(plan: Plan, idx: np.ndarray, t: np.ndarray, dur: float, robot: Robot, neutral: Neutral) -> None:
    seg_arm_swing(plan, idx, t, dur, robot, neutral)
    plan.root_z[idx] -= 0.05 * pulse(t, 2.0, 4.2, 4.6, 6.8)
    plan.root_rpy[idx, 1] += 0.06 * pulse(t, 2.0, 4.2, 4.6, 6.8)


def long_segments() -> list[tuple[str, float, bool, SegmentFn]]:
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


# ================================================================================================
# derivatives and the npz
# ================================================================================================
def build_motion(
    robot: Robot, neutral: Neutral, segments: list[tuple[str, float, bool, SegmentFn]], name: str
) -> dict[str, np.ndarray]:
    """Plan, solve and differentiate one motion; returns the npz arrays (float32 where numeric)."""
    duration = sum(seg[1] for seg in segments)
    plan = Plan.neutral(duration, neutral)
    apply_segments(plan, robot, neutral, segments)
    root_pos, root_quat, q = solve_whole_body(
        robot,
        plan.com,
        plan.root_rpy,
        plan.upper_q,
        plan.feet_pos,
        plan.feet_rpy,
        plan.root_z,
        plan.z_from_com,
        start=neutral,
        desc=name,
    )
    pos, rot = forward_kinematics(robot, root_pos, root_quat, q)
    rot = np.where(rot[..., :1] < 0.0, -rot, rot)  # canonical w >= 0 (continuous here: no body turns > 180 deg)
    return {
        "fps": np.array([FPS], dtype=np.float32),
        "joint_pos": q.astype(np.float32),
        "joint_vel": time_derivative(q, FPS).astype(np.float32),
        "body_pos_w": pos.astype(np.float32),
        "body_quat_w": rot.astype(np.float32),
        "body_lin_vel_w": time_derivative(pos, FPS).astype(np.float32),
        "body_ang_vel_w": angular_velocity_world(rot, FPS).astype(np.float32),
        "joint_names": np.array(robot.joint_names, dtype=np.str_),
        "body_names": np.array(robot.body_names, dtype=np.str_),
        "segment_names": np.array([s[0] for s in plan.segments], dtype=np.str_),
        "segment_start_s": np.array([s[1] for s in plan.segments], dtype=np.float32),
        "segment_end_s": np.array([s[2] for s in plan.segments], dtype=np.float32),
        "segment_hard": np.array([s[3] for s in plan.segments], dtype=bool),
        "foot_contact": plan.contact.copy(),
        "foot_contact_bodies": np.array(FOOT_BODIES, dtype=np.str_),
    }


def print_segments(data: dict[str, np.ndarray]) -> None:
    """Print the segment table of a motion."""
    print(f"  {'segment':<26s} {'start_s':>8s} {'end_s':>8s}  difficulty")
    for name, s0, s1, hard in zip(
        data["segment_names"], data["segment_start_s"], data["segment_end_s"], data["segment_hard"], strict=True
    ):
        print(f"  {name!s:<26s} {s0:8.2f} {s1:8.2f}  {'HARD' if hard else 'easy'}")


# ================================================================================================
# checks
# ================================================================================================
def _cross2(a: np.ndarray, b: np.ndarray) -> float:
    """z of the cross product of two 2-D vectors."""
    return float(a[0] * b[1] - a[1] * b[0])


def _convex_hull(points: np.ndarray) -> np.ndarray:
    """Counter-clockwise convex hull of 2-D points (monotone chain)."""
    pts = sorted(map(tuple, points))

    def half(seq: list[tuple[float, float]]) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for p in seq:
            while len(out) >= 2 and _cross2(np.subtract(out[-1], out[-2]), np.subtract(p, out[-2])) <= 0:
                out.pop()
            out.append(p)
        return out

    lower, upper = half(pts), half(pts[::-1])
    return np.array(lower[:-1] + upper[:-1])


def support_margin(point: np.ndarray, support: np.ndarray) -> float:
    """Signed distance (m) of a 2-D point inside (+) / outside (-) the convex hull of ``support`` points."""
    hull = _convex_hull(support)
    d = np.inf
    for a, b in zip(hull, np.roll(hull, -1, axis=0), strict=True):
        edge = b - a
        normal = np.array([edge[1], -edge[0]]) / np.linalg.norm(edge)  # outward for a CCW hull
        d = min(d, float(np.dot(a - point, normal)))
    return d


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index ranges where ``mask`` is True."""
    edges = np.diff(np.concatenate(([0], mask.astype(int), [0])))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def check_motion(robot: Robot, model, path: Path, verbose: bool = True) -> list[str]:
    """Validate one npz; returns the failed assertions (empty: all good) and prints the numbers."""
    failures: list[str] = []
    with np.load(path, allow_pickle=False) as f:
        d = {k: f[k] for k in f.files}
    fps = float(d["fps"][0])
    q = d["joint_pos"].astype(np.float64)
    qd = d["joint_vel"].astype(np.float64)
    pos = d["body_pos_w"].astype(np.float64)
    rot = d["body_quat_w"].astype(np.float64)
    contact = d["foot_contact"].astype(bool)
    t = np.arange(len(q)) / fps
    print(f"\n== {path}  ({path.stat().st_size / 1e6:.3f} MB, {len(q)} frames, {len(q) / fps:.2f} s at {fps:g} fps)")

    def expect(ok: bool, text: str) -> None:
        print(f"  [{'ok' if ok else 'FAIL'}] {text}")
        if not ok:
            failures.append(f"{path.name}: {text}")

    expect(fps == FPS, f"fps = {fps:g}")
    expect(list(d["joint_names"]) == robot.joint_names, "joint_names == robot DOF order (Newton)")
    expect(list(d["body_names"]) == robot.body_names, "body_names == robot body order (Newton)")
    expect(
        all(
            d[k].dtype == np.float32
            for k in ("joint_pos", "joint_vel", "body_pos_w", "body_quat_w", "body_lin_vel_w", "body_ang_vel_w")
        ),
        "float32 arrays",
    )
    # FK consistency with Newton itself (root pose + joint_pos -> body poses)
    fk_err = _newton_fk_error(model, pos, rot, q, stride=max(1, len(q) // 200))
    expect(fk_err < 1e-4, f"body poses == newton.eval_fk(root pose, joint_pos): max err {fk_err:.2e}")
    # joint limits
    slack = np.minimum(q - robot.lower, robot.upper - q)
    j = int(np.argmin(slack.min(axis=0)))
    expect(
        slack.min() >= LIMIT_MARGIN - 1e-3,
        f"joint limits: min distance to a limit {slack.min():.3f} rad ({robot.joint_names[j]}), margin {LIMIT_MARGIN}",
    )
    # foot heights
    low = np.stack([foot_lowest_z(robot, pos, rot, foot) for foot in FOOT_BODIES], axis=1)
    expect(low.min() >= -0.005, f"lowest foot point over all frames {low.min() * 1000:+.2f} mm (>= -5 mm)")
    support_low = np.where(contact, low, np.inf).min(axis=1)
    stance_frames = contact.any(axis=1)
    expect(
        np.abs(support_low[stance_frames]).max() < 1e-3,
        f"supporting foot touches z=0: |lowest point| <= {np.abs(support_low[stance_frames]).max() * 1000:.3f} mm",
    )
    flight = ~stance_frames
    if flight.any():
        expect(
            low[flight].min() > 0.0,
            f"flight frames: {flight.sum()} ({flight.sum() / fps:.2f} s), "
            f"min foot clearance {low[flight].min() * 1000:.1f} mm",
        )
    other = lowest_other_point(robot, pos, rot)
    expect(
        other.min() > 0.02,
        f"other bodies off the ground: lowest non-foot collision point {other.min():.3f} m "
        f"(t={np.argmin(other) / fps:.2f} s)",
    )
    gap, pair, frame = self_collision_clearance(robot, pos, rot)
    expect(
        gap > 0.0,
        f"no self-collision (pairs not joined by a joint): min clearance {gap * 1000:.1f} mm "
        f"({pair}, t={frame / fps:.2f} s)",
    )
    # swing feet above the ground
    swing = ~contact
    if swing.any():
        expect(low[swing].min() >= -1e-4, f"swing feet: min height {low[swing].min() * 1000:+.2f} mm")
    # slip per stance phase
    slip = 0.0
    for f, foot in enumerate(FOOT_BODIES):
        xy = pos[:, robot.body(foot), :2]
        for a, b in _runs(contact[:, f]):
            slip = max(slip, float(np.linalg.norm(xy[a:b] - xy[a], axis=1).max()))
    expect(slip < 0.01, f"stance foot slip (max per stance phase) {slip * 1000:.3f} mm (< 10 mm)")
    # CoM over the support polygon, per segment
    com = center_of_mass(robot, pos, rot)
    margins = np.full(len(q), np.nan)
    for i in np.flatnonzero(stance_frames):
        pts = np.concatenate(
            [
                foot_points_world(robot, pos[i : i + 1], rot[i : i + 1], foot)[0, :, :2]
                for f, foot in enumerate(FOOT_BODIES)
                if contact[i, f]
            ]
        )
        margins[i] = support_margin(com[i, :2], pts)
    speed = np.abs(qd)
    print(
        f"  {'segment':<26s} {'t0':>6s} {'t1':>6s} {'max|qd|':>8s} {'(joint)':<18s} {'CoM margin':>10s} {'1-foot':>7s}"
    )
    for name, s0, s1, _hard in zip(
        d["segment_names"], d["segment_start_s"], d["segment_end_s"], d["segment_hard"], strict=True
    ):
        m = (t >= s0 - 1e-6) & (t < s1 - 1e-6)
        vmax = speed[m].max()
        jn = robot.joint_names[int(np.argmax(speed[m].max(axis=0)))]
        cm = np.nanmin(margins[m])
        single = m & (contact.sum(axis=1) == 1)
        limit = 12.0 if "kick" in str(name) else 8.0
        print(
            f"  {name!s:<26s} {s0:6.2f} {s1:6.2f} {vmax:8.2f} {jn:<18s} {cm * 1000:8.1f}mm {single.sum() / fps:6.2f}s"
        )
        if vmax > limit:
            failures.append(f"{path.name}: {name}: joint speed {vmax:.2f} > {limit} rad/s")
        if cm < 0.0:
            failures.append(f"{path.name}: {name}: CoM outside the support polygon by {-cm * 1000:.1f} mm")
    expect(
        np.nanmin(margins) >= 0.0,
        f"CoM xy inside the support polygon (capsule axes' hull) in every stance "
        f"frame: min margin {np.nanmin(margins) * 1000:.1f} mm",
    )
    is_balance = np.array(["balance" in str(n) for n in d["segment_names"]])
    if is_balance.any():
        k = int(np.flatnonzero(is_balance)[0])
        m = (t >= d["segment_start_s"][k]) & (t < d["segment_end_s"][k]) & (contact.sum(axis=1) == 1)
        expect(
            m.any() and np.nanmin(margins[m]) > 0.0,
            f"single-leg balance: {m.sum() / fps:.2f} s on one foot, CoM margin to the stance foot's polygon "
            f">= {np.nanmin(margins[m]) * 1000:.1f} mm",
        )
    expect(
        speed.max() <= 12.0,
        f"max joint speed {speed.max():.2f} rad/s ({robot.joint_names[int(np.argmax(speed.max(axis=0)))]})",
    )
    if flight.any():
        for a, b in _runs(flight):
            acc = np.diff(com[a - 1 : b + 1, 2], 2) * fps**2
            expect(
                np.abs(acc + GRAVITY).max() < 0.5,
                f"flight {t[a]:.2f}-{t[b - 1]:.2f} s: CoM z acceleration {acc.min():.2f}..{acc.max():.2f} m/s^2 "
                f"(ballistic: -{GRAVITY})",
            )
    jumps = np.abs(np.diff(q, axis=0)).max()
    expect(jumps * fps <= 12.0, f"largest joint step between frames {jumps:.3f} rad (no jumps)")
    return failures


def _newton_fk_error(model, pos: np.ndarray, rot: np.ndarray, q: np.ndarray, stride: int) -> float:
    """Max |body position difference| between the file and ``newton.eval_fk`` on every ``stride``-th frame."""
    import newton
    import warp as wp

    state = model.state()
    qd = wp.zeros(model.joint_dof_count, dtype=wp.float32, device="cpu")
    worst = 0.0
    for i in range(0, len(q), stride):
        root = np.concatenate((pos[i, 0], rot[i, 0, 1:], rot[i, 0, :1]))
        joint_q = wp.array(np.concatenate((root, q[i])).astype(np.float32), dtype=wp.float32, device="cpu")
        newton.eval_fk(model, joint_q, qd, state)
        body_q = state.body_q.numpy()
        dq = np.abs(np.abs(np.sum(rot[i] * xyzw_to_wxyz(body_q[:, 3:]), axis=-1)) - 1.0).max()
        worst = max(worst, float(np.abs(body_q[:, :3] - pos[i]).max()), float(dq))
    return worst


# ================================================================================================
# main
# ================================================================================================
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line."""
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--out-dir", default=str(MOTIONS_DIR), help="where demo_long.npz and demo_short.npz go")
    p.add_argument("--usd", default=None, help="humanoid USD (default: the package's assets/humanoid.usda)")
    p.add_argument("--check", action="store_true", help="only validate the npz files in --out-dir")
    return p.parse_args(argv)


def print_robot(robot: Robot, fk_error: float) -> None:
    """Print the robot's names/order, limits and the FK validation."""
    print(
        f"robot: {robot.num_bodies} bodies, {robot.num_joints} DOFs, mass {robot.body_mass.sum():.2f} kg; "
        f"numpy FK vs newton.eval_fk: max err {fk_error:.1e}"
    )
    print("  bodies:", ", ".join(robot.body_names))
    print(
        "  joints:",
        ", ".join(
            f"{n}[{np.degrees(lo):.0f},{np.degrees(hi):.0f}]"
            for n, lo, hi in zip(robot.joint_names, robot.lower, robot.upper, strict=True)
        ),
    )
    print(f"  feet: {len(robot.foot_points['left_foot']) // 2} capsules each, radius {robot.foot_radius} m")


def main(argv: list[str] | None = None) -> int:
    """Generate (default) or check (``--check``) the demo motions."""
    args = parse_args(argv)
    out = Path(args.out_dir)
    robot, model = load_robot(args.usd or str(HUMANOID_USD))
    fk_error = validate_fk_against_newton(robot, model)
    print_robot(robot, fk_error)
    if fk_error > 1e-4:
        print("numpy FK does not match newton.eval_fk", file=sys.stderr)
        return 1
    files = {"demo_short": short_segments(), "demo_long": long_segments()}
    if not args.check:
        neutral = make_neutral(robot)
        print(
            f"neutral stance: torso z {neutral.root_z:.4f} m, CoM {np.round(neutral.com, 4)}, "
            f"knees {neutral.q[robot.dof('left_knee')]:.3f} rad"
        )
        out.mkdir(parents=True, exist_ok=True)
        for name, segments in tqdm(files.items(), desc="motions"):
            data = build_motion(robot, neutral, segments, name)
            np.savez_compressed(out / f"{name}.npz", **data)
            print(
                f"\n{name}: {len(data['joint_pos'])} frames ({len(data['joint_pos']) / FPS:.1f} s) -> {out / name}.npz"
            )
            print_segments(data)
    failures: list[str] = []
    for name in files:
        failures += check_motion(robot, model, out / f"{name}.npz")
    total = sum((out / f"{name}.npz").stat().st_size for name in files)
    print(
        f"\nfiles: {', '.join(f'{n}.npz {(out / f"{n}.npz").stat().st_size / 1e6:.3f} MB' for n in files)}; "
        f"total {total / 1e6:.3f} MB"
    )
    if total > 2.5e6:
        failures.append(f"total size {total / 1e6:.2f} MB > 2.5 MB")
    print("CHECK", "PASSED" if not failures else "FAILED:\n  " + "\n  ".join(failures))
    return 0 if not failures else 1


if __name__ == "__main__":
    os.environ.setdefault("WARP_QUIET", "1")
    sys.exit(main())
