"""Whole-body solve: the root from the CoM target, both legs by damped least-squares IK from the foot targets."""

from __future__ import annotations

import numpy as np
from tqdm import tqdm

from ..kinematics import center_of_mass, forward_kinematics
from ..quaternions import quat_conjugate, quat_from_rpy, quat_mul, quat_to_rotvec
from .plan import Neutral
from .robot import FOOT_BODIES, FPS, LEG_JOINTS, Robot, foot_lowest_z

STANCE_HALF_WIDTH = 0.09
"""m: lateral distance of each foot origin from the midline in the neutral stance."""
STAND_CROUCH = 0.02
"""m: neutral torso height below the straight-legged height (soft knees, ~0.45 rad)."""


def _leg_columns(robot: Robot) -> np.ndarray:
    """(2, 6) DOF indices of the left and right leg joints (:data:`LEG_JOINTS` order)."""
    return np.array([[robot.dof(name) for name in LEG_JOINTS[foot]] for foot in FOOT_BODIES])


def _foot_pose(robot: Robot, pos: np.ndarray, rot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T, 2, 3) positions and (T, 2, 4) orientations of the two foot bodies."""
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
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Find root position and leg angles so that feet hit their targets and the CoM its target.

    Fixed point on the root position (root += CoM error; the CoM moves ~0.8x the root, so the error
    shrinks ~5x per iteration), with a few IK steps per iteration and a full IK at the end. With
    ``start`` (the neutral stance), the targets are blended in from it over the first iterations
    (homotopy), which keeps every frame's IK on the natural branch. ``root_z`` sets the torso height
    where not ``z_from_com`` (the CoM z target elsewhere). Returns root_pos (T, 3), root_quat (T, 4, wxyz), q (T, J).

    Raises:
        RuntimeError: a foot pose error > 1e-6 or a CoM error > 1e-5 remains (a target out of reach).
    """
    ramp_iters = 8 if start is not None else 0
    q = np.tile(start.q, (len(com), 1)) if start is not None else upper_q.copy()
    root_pos = com + np.array([-0.02, 0.0, 0.43])
    root_pos[:, 2] = np.where(z_from_com, root_pos[:, 2], root_z)
    legs = _leg_columns(robot).reshape(-1)
    upper = np.setdiff1d(np.arange(robot.num_joints), legs)
    for it in tqdm(range(iterations), desc=desc, leave=False):
        a = min(1.0, (it + 1) / ramp_iters) if ramp_iters else 1.0
        com_k = com if start is None else start.com + a * (com - start.com)
        feet_k = feet_pos if start is None else start.feet_pos + a * (feet_pos - start.feet_pos)
        root_z_k = root_z if start is None else start.root_z + a * (root_z - start.root_z)
        root_pos[:, 2] = np.where(z_from_com, root_pos[:, 2], root_z_k)
        q[:, upper] = upper_q[:, upper] if start is None else start.q[upper] + a * (upper_q[:, upper] - start.q[upper])
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
    if err > 1e-6 or com_err.max() > 1e-5:
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
