"""Files shipped with the package: ground plane, robots, demo motions and a trained G1 policy. Everything is local
(no network)."""

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
G1_LONG_DANCE_CSV = MOTIONS_DIR / "g1" / "B_LongDance.csv"
"""G1 Moves ``B_LongDance`` (Mitch Chaiet, 2026; CC BY 4.0, see motions/g1/NOTICE): 119.4 s of upright
dancing retargeted to the G1, 60 fps rows of root position, root quaternion (x, y, z, w) and the 29 joint
angles in Unitree's order."""
G1_LONG_DANCE_FPS = 60.0
"""Frame rate of :data:`G1_LONG_DANCE_CSV`."""

POLICIES_DIR = ASSETS_DIR / "policies"
G1_LONG_DANCE_POLICY = POLICIES_DIR / "g1_longdance" / "model_999.pt"
"""A ``Tracking-G1-v0`` policy for :data:`G1_LONG_DANCE_CSV` (the task's default motion): 1000 PPO iterations
with adaptive sampling, 4096 envs on one GPU; its actor only (rsl-rl's ``actor_state_dict``; load it with
``load_cfg={"actor": True}``), next to the run's ``config.yaml`` (device cpu). Provenance, evaluation
and licenses: policies/g1_longdance/README.md."""


def g1_default_motion() -> Path:
    """``B_LongDance`` as a 50 fps motion file for the G1, converted on first use and cached."""
    from ..motion.csv_import import cached_conversion

    return cached_conversion(G1_LONG_DANCE_CSV, G1_LONG_DANCE_FPS, G1_USD)


def newton_humanoid_usd() -> Path:
    """The unmodified humanoid that the ``newton`` package ships (imported lazily: newton is heavy)."""
    import newton

    return Path(newton.__file__).resolve().parent / "examples" / "assets" / "humanoid.usda"
