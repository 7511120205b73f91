"""The demo humanoid as Newton loads its USD: kinematic tree plus the collision geometry the checks need."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..kinematics import KinematicTree, forward_kinematics, kinematic_tree, load_newton_model
from ..quaternions import quat_rotate, xyzw_to_wxyz

FPS = 50
"""Frame rate of the demo motions (Hz)."""
GRAVITY = 9.81
"""m/s^2, for the jump's ballistic flight phase and its check."""
LIMIT_MARGIN = 0.05
"""rad kept from every joint limit."""
FOOT_BODIES = ("left_foot", "right_foot")
"""The two foot bodies (left, right): the order of every per-foot axis."""
LEG_JOINTS = {
    "left_foot": ("left_thigh:0", "left_thigh:1", "left_thigh:2", "left_knee", "left_foot:0", "left_foot:1"),
    "right_foot": ("right_thigh:0", "right_thigh:1", "right_thigh:2", "right_knee", "right_foot:0", "right_foot:1"),
}
"""Per foot body: the 6 leg DOFs the IK solves for."""


@dataclass
class Robot(KinematicTree):
    """The humanoid's kinematic tree plus the collision geometry the checks need (float64)."""

    foot_points: dict[str, np.ndarray] = field(default_factory=dict)
    """Per foot body: (K, 3) capsule segment end points in the body frame."""
    foot_radius: float = 0.0
    """m: radius of every foot capsule (all equal)."""
    other_shapes: list[tuple[int, np.ndarray, float]] = field(default_factory=list)
    """Collision spheres/capsules of the non-foot bodies: (body, (K, 3) centres/segment ends, radius)."""


def load_robot(usd_path: str) -> tuple[Robot, Any]:
    """Read the humanoid's tree, limits, masses and collision capsules from Newton's model of the USD."""
    model = load_newton_model(usd_path)
    robot = Robot(**vars(kinematic_tree(model)))
    robot.foot_points, robot.foot_radius = _foot_capsules(model, robot)
    robot.other_shapes = _other_shapes(model, robot)
    return robot, model


def _shape_arrays(model: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Newton's per-shape flags, geometry types, bodies, scales and body-frame transforms (float64)."""
    return (
        model.shape_flags.numpy(),
        model.shape_type.numpy(),
        model.shape_body.numpy(),
        model.shape_scale.numpy().astype(np.float64),
        model.shape_transform.numpy().astype(np.float64),
    )


def _other_shapes(model: Any, robot: Robot) -> list[tuple[int, np.ndarray, float]]:
    """Collision spheres and capsules of all bodies but the feet (to check they stay off the ground)."""
    import newton

    flags, kinds, bodies, scale, xform = _shape_arrays(model)
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


def _foot_capsules(model: Any, robot: Robot) -> tuple[dict[str, np.ndarray], float]:
    """Collision capsules of the feet as segment end points in the foot body frame (Newton: capsule along z)."""
    import newton

    flags, kinds, bodies, scale, xform = _shape_arrays(model)
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


def foot_points_world(robot: Robot, pos: np.ndarray, rot: np.ndarray, foot: str) -> np.ndarray:
    """(T, K, 3) world positions of a foot's capsule segment end points."""
    b = robot.body(foot)
    pts = robot.foot_points[foot]
    r = np.repeat(rot[:, b, None, :], len(pts), axis=1)
    return pos[:, b, None, :] + quat_rotate(r, np.broadcast_to(pts, (*r.shape[:2], 3)))


def foot_lowest_z(robot: Robot, pos: np.ndarray, rot: np.ndarray, foot: str) -> np.ndarray:
    """(T,) height of a foot's lowest surface point (capsules: lowest segment end minus radius)."""
    return foot_points_world(robot, pos, rot, foot)[..., 2].min(axis=1) - robot.foot_radius


def validate_fk_against_newton(robot: Robot, model: Any, samples: int = 6) -> float:
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
