"""Geometry behind ``--check``: ground and self-collision clearance, stance slip, CoM over the support polygon."""

from __future__ import annotations

import numpy as np

from ..quaternions import quat_rotate
from .robot import FOOT_BODIES, Robot, foot_points_world


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
    world = []
    for b, pts, radius in collision_shapes(robot):
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


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index ranges where ``mask`` is True."""
    edges = np.diff(np.concatenate(([0], mask.astype(int), [0])))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def stance_slip(robot: Robot, pos: np.ndarray, contact: np.ndarray) -> float:
    """Largest horizontal drift (m) of a foot body from where its stance phase began, over all stance phases.

    ``pos``: (T, B, 3) body positions; ``contact``: (T, 2) bool per :data:`FOOT_BODIES` foot.
    """
    slip = 0.0
    for f, foot in enumerate(FOOT_BODIES):
        xy = pos[:, robot.body(foot), :2]
        for a, b in runs(contact[:, f]):
            slip = max(slip, float(np.linalg.norm(xy[a:b] - xy[a], axis=1).max()))
    return slip


def com_support_margins(
    robot: Robot, pos: np.ndarray, rot: np.ndarray, com: np.ndarray, contact: np.ndarray
) -> np.ndarray:
    """(T,) :func:`support_margin` of the CoM xy to the hull of the feet in contact (NaN where none is)."""
    margins = np.full(len(pos), np.nan)
    for i in np.flatnonzero(contact.any(axis=1)):
        pts = np.concatenate(
            [
                foot_points_world(robot, pos[i : i + 1], rot[i : i + 1], foot)[0, :, :2]
                for f, foot in enumerate(FOOT_BODIES)
                if contact[i, f]
            ]
        )
        margins[i] = support_margin(com[i, :2], pts)
    return margins
