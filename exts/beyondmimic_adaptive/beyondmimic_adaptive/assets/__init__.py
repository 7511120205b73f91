"""Files shipped with the package: ground plane, robots and demo motions. Everything is local (no network)."""

from __future__ import annotations

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent
GROUND_USD = ASSETS_DIR / "ground.usda"
"""A 200 m x 200 m collision plane at z = 0 (Isaac Lab's stock ground is fetched from the cloud)."""
HUMANOID_USD = ASSETS_DIR / "humanoid.usda"
"""newton's MuJoCo humanoid without its per-body collision groups (scripts/make_humanoid_usd.py)."""
G1_USD = ASSETS_DIR / "g1" / "g1.usda"
"""Unitree G1 (29 DoF), collision-only: mjlab 1.6.0's copy of MuJoCo Menagerie's unitree_g1 (BSD-3-Clause,
Unitree Robotics; g1/NOTICE) without the pelvis offset and the visual meshes (scripts/make_g1_usd.py).
30 bodies, 29 revolute joints in the MJCF's order, 33.34 kg; capsule and sphere collision shapes."""
MOTIONS_DIR = ASSETS_DIR / "motions"
DEMO_LONG_MOTION = MOTIONS_DIR / "demo_long.npz"
"""Long demo clip for the Newton humanoid: easy parts with a few hard segments (scripts/generate_demo_motions.py)."""
DEMO_SHORT_MOTION = MOTIONS_DIR / "demo_short.npz"
"""Short, easy clip for fast tests."""


def newton_humanoid_usd() -> Path:
    """The unmodified humanoid that the ``newton`` package ships (imported lazily: newton is heavy)."""
    import newton

    return Path(newton.__file__).resolve().parent / "examples" / "assets" / "humanoid.usda"
