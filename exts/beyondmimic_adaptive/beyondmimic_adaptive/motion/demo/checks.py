"""``--check``: validate a written demo npz against the robot (format, FK, limits, ground, slip, balance, speed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..kinematics import center_of_mass
from ..quaternions import xyzw_to_wxyz
from .geometry import com_support_margins, lowest_other_point, runs, self_collision_clearance, stance_slip
from .robot import FOOT_BODIES, FPS, GRAVITY, LIMIT_MARGIN, Robot, foot_lowest_z

FLOAT_KEYS = ("joint_pos", "joint_vel", "body_pos_w", "body_quat_w", "body_lin_vel_w", "body_ang_vel_w")
"""Numeric arrays of the npz that must be float32."""


def check_motion(robot: Robot, model: Any, path: Path) -> list[str]:
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
    expect(all(d[k].dtype == np.float32 for k in FLOAT_KEYS), "float32 arrays")
    # FK consistency with Newton itself (root pose + joint_pos -> body poses)
    fk_err = newton_fk_error(model, pos, rot, q, stride=max(1, len(q) // 200))
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
    slip = stance_slip(robot, pos, contact)
    expect(slip < 0.01, f"stance foot slip (max per stance phase) {slip * 1000:.3f} mm (< 10 mm)")
    # CoM over the support polygon, per segment
    com = center_of_mass(robot, pos, rot)
    margins = com_support_margins(robot, pos, rot, com, contact)
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
        for a, b in runs(flight):
            acc = np.diff(com[a - 1 : b + 1, 2], 2) * fps**2
            expect(
                np.abs(acc + GRAVITY).max() < 0.5,
                f"flight {t[a]:.2f}-{t[b - 1]:.2f} s: CoM z acceleration {acc.min():.2f}..{acc.max():.2f} m/s^2 "
                f"(ballistic: -{GRAVITY})",
            )
    jumps = np.abs(np.diff(q, axis=0)).max()
    expect(jumps * fps <= 12.0, f"largest joint step between frames {jumps:.3f} rad (no jumps)")
    return failures


def newton_fk_error(model: Any, pos: np.ndarray, rot: np.ndarray, q: np.ndarray, stride: int) -> float:
    """Max |body pose difference| between the file and ``newton.eval_fk`` on every ``stride``-th frame."""
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
