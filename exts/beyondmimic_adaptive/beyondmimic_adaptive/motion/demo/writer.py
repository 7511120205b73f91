"""Plan, solve and differentiate one timeline into the BeyondMimic npz arrays; print its segment table."""

from __future__ import annotations

import numpy as np

from ..kinematics import forward_kinematics
from ..trajectory import angular_velocity_world, time_derivative
from .plan import Neutral, Plan, Segment, apply_segments
from .robot import FOOT_BODIES, FPS, Robot
from .solve import solve_whole_body


def build_motion(robot: Robot, neutral: Neutral, segments: list[Segment], name: str) -> dict[str, np.ndarray]:
    """Plan, solve and differentiate one motion; returns the npz arrays (float32 where numeric).

    ``joint_vel`` and body linear velocities are central finite differences; body angular velocities
    come from consecutive quaternions (world frame).
    """
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
