"""The committed Unitree G1 USD (scripts/make_g1_usd.py), read with pxr: no simulator needed.

Expected values were read off MuJoCo (3.12) loading mjlab 1.6.0's ``unitree_g1/xmls/g1.xml``: body and
joint order of the MJCF (depth first, which Isaac Lab's Newton articulation keeps; the motion CSV columns
follow the joint order) and the total mass, ``body_subtreemass`` of the pelvis.
"""

from __future__ import annotations

import pytest

from beyondmimic_adaptive.assets import G1_USD

pxr = pytest.importorskip("pxr")
from pxr import Usd, UsdGeom, UsdPhysics, UsdShade  # noqa: E402

MJCF_JOINT_NAMES = [
    "left_hip_pitch_joint", "left_hip_roll_joint", "left_hip_yaw_joint", "left_knee_joint",
    "left_ankle_pitch_joint", "left_ankle_roll_joint",
    "right_hip_pitch_joint", "right_hip_roll_joint", "right_hip_yaw_joint", "right_knee_joint",
    "right_ankle_pitch_joint", "right_ankle_roll_joint",
    "waist_yaw_joint", "waist_roll_joint", "waist_pitch_joint",
    "left_shoulder_pitch_joint", "left_shoulder_roll_joint", "left_shoulder_yaw_joint", "left_elbow_joint",
    "left_wrist_roll_joint", "left_wrist_pitch_joint", "left_wrist_yaw_joint",
    "right_shoulder_pitch_joint", "right_shoulder_roll_joint", "right_shoulder_yaw_joint", "right_elbow_joint",
    "right_wrist_roll_joint", "right_wrist_pitch_joint", "right_wrist_yaw_joint",
]  # fmt: skip
MJCF_BODY_NAMES = ["pelvis"] + [name.replace("_joint", "_link") for name in MJCF_JOINT_NAMES[:12]] + [
    "waist_yaw_link", "waist_roll_link", "torso_link",
] + [name.replace("_joint", "_link") for name in MJCF_JOINT_NAMES[15:]]  # fmt: skip
MJCF_TOTAL_MASS = 33.341142
"""kg: MuJoCo's body_subtreemass of the pelvis (the visual geoms have density 0 and add nothing)."""


@pytest.fixture(scope="module")
def stage() -> Usd.Stage:
    stage = Usd.Stage.Open(str(G1_USD))
    assert stage is not None, f"cannot open {G1_USD}"
    return stage


def test_joints_are_29_revolute_in_mjcf_order(stage):
    joints = [p for p in stage.Traverse() if p.IsA(UsdPhysics.Joint)]
    assert all(p.IsA(UsdPhysics.RevoluteJoint) for p in joints), [p.GetTypeName() for p in joints]
    assert len(joints) == 29
    # the converter writes each joint after its child link (post-order); Newton orders joints by their child
    # body, whose depth-first order is the MJCF's (test_bodies_mass_and_root), so sort by child body
    bodies = [str(p.GetPath()) for p in stage.Traverse() if p.HasAPI(UsdPhysics.RigidBodyAPI)]
    child = {p.GetName(): str(UsdPhysics.Joint(p).GetBody1Rel().GetTargets()[0]) for p in joints}
    assert sorted(child, key=lambda name: bodies.index(child[name])) == MJCF_JOINT_NAMES
    hip = UsdPhysics.RevoluteJoint(next(p for p in joints if p.GetName() == "left_hip_pitch_joint"))
    # MJCF range -2.5307 .. 2.8798 rad, in degrees in USD
    assert hip.GetLowerLimitAttr().Get() == pytest.approx(-145.0, abs=0.01)
    assert hip.GetUpperLimitAttr().Get() == pytest.approx(165.0, abs=0.01)


def test_bodies_mass_and_root(stage):
    bodies = [p for p in stage.Traverse() if p.HasAPI(UsdPhysics.RigidBodyAPI)]
    assert [p.GetName() for p in bodies] == MJCF_BODY_NAMES
    masses = [UsdPhysics.MassAPI(p).GetMassAttr().Get() for p in bodies]
    assert all(m > 0 for m in masses)
    assert sum(masses) == pytest.approx(MJCF_TOTAL_MASS, abs=1e-3)
    roots = [p.GetName() for p in stage.Traverse() if p.HasAPI(UsdPhysics.ArticulationRootAPI)]
    assert roots == ["pelvis"]
    # the pelvis' MJCF offset (0 0 0.793) is gone: the simulator's initial state alone places the root
    pelvis = bodies[0]
    world = UsdGeom.Xformable(pelvis).ComputeLocalToWorldTransform(Usd.TimeCode.Default())
    assert tuple(world.ExtractTranslation()) == (0.0, 0.0, 0.0)


def test_collision_only_no_meshes(stage):
    prims = list(stage.Traverse())
    assert not [p.GetPath() for p in prims if p.IsA(UsdGeom.Mesh)]
    gprims = [p for p in prims if p.IsA(UsdGeom.Gprim)]
    assert {p.GetTypeName() for p in gprims} == {"Capsule", "Sphere"}
    # no visual-only shapes: every shape collides, except the MJCF's sites (imu, feet, palms: guide spheres)
    sites = [p.GetName() for p in gprims if not p.HasAPI(UsdPhysics.CollisionAPI)]
    assert sorted(sites) == ["imu_in_pelvis", "imu_in_torso", "left_foot", "left_palm", "right_foot", "right_palm"]
    assert all(UsdGeom.Imageable(p).GetPurposeAttr().Get() == "guide" for p in gprims if p.GetName() in sites)
    assert len(gprims) - len(sites) == 33  # the MJCF's collision geoms
    assert not any("visual" in str(p.GetPath()).lower() for p in prims)
    assert not stage.GetRootLayer().GetExternalReferences()  # self-contained: no mesh files, no sublayers


def test_the_ground_never_sets_a_contacts_friction_over_the_robots_randomised_one():
    """Newton's MuJoCo solver takes the larger friction of a contact's two shapes: a ground of 1.0 (Newton's default,
    before) lifted every randomised friction below 1.0 to 1.0, so the paper's low-friction half never happened."""
    from beyondmimic_adaptive.assets import GROUND_USD
    from beyondmimic_adaptive.tasks.tracking.config.g1 import TrackingG1EnvCfg

    stage = Usd.Stage.Open(str(GROUND_USD))
    plane = stage.GetPrimAtPath("/ground/CollisionPlane")
    material = UsdShade.MaterialBindingAPI(plane).GetDirectBinding(materialPurpose="physics").GetMaterial()
    ground = UsdPhysics.MaterialAPI(material.GetPrim())
    friction = (ground.GetStaticFrictionAttr().Get(), ground.GetDynamicFrictionAttr().Get())
    randomised = TrackingG1EnvCfg().events.physics_material.params["static_friction_range"]
    assert randomised == (0.3, 1.6)  # BeyondMimic's range
    assert max(friction) <= randomised[0], friction
