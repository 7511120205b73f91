"""Headless stick-figure video frames: the robot's tracked bodies and the reference motion as a ghost.

Why this renderer: it needs no OpenGL. On the CPU-only CI machine neither of the
GL renderers works: MuJoCo's ``Renderer`` fails to create an EGL context (Mesa without a render
node) and OSMesa is not installed, and Newton's ``ViewerGL`` (headless mode) also needs EGL; the G1's
MJCF is not shipped either (only its collision USD). The figure is drawn from the body positions
(Isaac Lab's ``body_pos_w`` and the reference's), the skeleton's edges from the robot's kinematic
tree, so it is the same picture for any robot, on the CPU in CI and after GPU training (the drawing
is host-side, ~10-30 ms a frame, independent of the simulation device).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
from matplotlib.figure import Figure

ROBOT_COLOR = "tab:blue"
GHOST_COLOR = "tab:orange"


def tracked_edges(parents: dict[str, str | None], body_names: list[str]) -> list[tuple[int, int]]:
    """Edges between tracked bodies: each to its nearest tracked ancestor in the kinematic tree.

    ``parents`` maps every body of the robot to its parent body (``None`` for the root).
    """
    index = {name: i for i, name in enumerate(body_names)}
    edges = []
    for name in body_names:
        if name not in parents:
            raise ValueError(f"tracked body {name!r} is not in the robot's kinematic tree ({sorted(parents)}).")
        parent = parents[name]
        while parent is not None and parent not in index:
            parent = parents[parent]
        if parent is not None:
            edges.append((index[parent], index[name]))
    return edges


def usd_body_parents(usd_path: str | Path) -> dict[str, str | None]:
    """Body -> parent body of a robot USD, as Newton imports it (Isaac Lab's body names)."""
    from ..motion.kinematics import kinematic_tree, load_newton_model

    tree = kinematic_tree(load_newton_model(usd_path))
    parents: dict[str, str | None] = dict.fromkeys(tree.body_names)
    for parent, child in zip(tree.joint_parent, tree.joint_child, strict=True):
        if child >= 0:
            parents[tree.body_names[child]] = tree.body_names[parent] if parent >= 0 else None
    return parents


class StickFigureRenderer:
    """Draws frames of (B, 3) robot and reference body positions; the camera follows the robot's first body."""

    def __init__(
        self, edges: list[tuple[int, int]], width: int = 640, height: int = 480, dpi: int = 80, half_extent: float = 1.2
    ):
        if width % 16 or height % 16 or width < 16 or height < 16:
            raise ValueError(f"width={width} and height={height} must be positive multiples of 16 (H.264 macroblocks).")
        self.edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
        self.half_extent = half_extent
        self.figure = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.canvas = FigureCanvasAgg(self.figure)
        self.ax = self.figure.add_subplot(projection="3d")
        self.ax.view_init(elev=15, azim=-60)
        (self.ghost,) = self.ax.plot([], [], [], "-o", color=GHOST_COLOR, alpha=0.45, lw=3, ms=3, label="reference")
        (self.robot,) = self.ax.plot([], [], [], "-o", color=ROBOT_COLOR, lw=2, ms=3, label="robot")
        (self.ground,) = self.ax.plot([], [], [], "-", color="0.6", lw=1)
        self.ax.legend(loc="upper right")
        self.text = self.figure.text(0.02, 0.96, "", va="top", family="monospace", fontsize=10)

    def _segments(self, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # one polyline for all edges, NaN-separated: two artists per frame instead of one per bone
        seg = np.full((len(self.edges), 3, 3), np.nan)
        seg[:, 0] = pos[self.edges[:, 0]]
        seg[:, 1] = pos[self.edges[:, 1]]
        flat = seg.reshape(-1, 3)
        return flat[:, 0], flat[:, 1], flat[:, 2]

    def render(self, robot: np.ndarray, reference: np.ndarray, text: str = "") -> np.ndarray:
        """(H, W, 3) uint8 frame of ``robot`` and ``reference`` (B, 3) body positions in metres."""
        self.robot.set_data_3d(*self._segments(robot))
        self.ghost.set_data_3d(*self._segments(reference))
        cx, cy = robot[0, 0], robot[0, 1]
        e = self.half_extent
        self.ax.set(xlim=(cx - e, cx + e), ylim=(cy - e, cy + e), zlim=(0.0, 2 * e))
        square = np.array([[-e, -e], [e, -e], [e, e], [-e, e], [-e, -e]]) + np.array([cx, cy])
        self.ground.set_data_3d(square[:, 0], square[:, 1], np.zeros(5))
        self.text.set_text(text)
        self.canvas.draw()
        return np.asarray(self.canvas.buffer_rgba())[..., :3].copy()
