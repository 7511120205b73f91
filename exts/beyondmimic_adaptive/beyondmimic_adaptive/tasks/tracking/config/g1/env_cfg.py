"""``Tracking-G1-v0``: BeyondMimic's G1 task (Liao et al. 2025; HybridRobotics/whole_body_tracking).

The robot-agnostic MDP of :mod:`..tracking_env_cfg` on the Unitree G1 with the paper's anchor
(``torso_link``), tracked bodies, end effectors, actuator model and action scale, its domain
randomisation (friction of every body, pushes, joint default offsets, torso centre of mass) and MuJoCo-Warp
limits that hold for LAFAN1 motion (``njmax`` 250, ``nconmax`` 35, as mjlab's G1 tracking task).
Default motion: G1 Moves ``B_LongDance`` (CC BY 4.0), which ships with the package.
"""

from __future__ import annotations

import isaaclab.envs.mdp as isaac_mdp
from isaaclab.managers import EventTermCfg, SceneEntityCfg
from isaaclab.utils import configclass

from .....assets import g1_default_motion
from ... import mdp
from ...rl_cfg import TrackingPPORunnerCfg
from ...tracking_env_cfg import TrackingEnvCfg
from .robot import ANCHOR_BODY, BODY_NAMES, END_EFFECTORS, action_scale, g1_cfg

PUSH_VELOCITY = {
    "x": (-0.5, 0.5),
    "y": (-0.5, 0.5),
    "z": (-0.2, 0.2),
    "roll": (-0.52, 0.52),
    "pitch": (-0.52, 0.52),
    "yaw": (-0.78, 0.78),
}
"""Range of the root velocity changes of a push [m/s, rad/s] (the paper's code)."""


@configclass
class G1EventsCfg:
    """The paper's domain randomisation (adaptive sampling adds its own events next to these)."""

    physics_material = EventTermCfg(
        func=isaac_mdp.randomize_rigid_body_material,
        mode="startup",
        params={
            "asset_cfg": SceneEntityCfg("robot", body_names=".*"),
            "static_friction_range": (0.3, 1.6),
            "dynamic_friction_range": (0.3, 1.2),
            "restitution_range": (0.0, 0.5),
            "num_buckets": 64,
        },
    )
    joint_default_pos = EventTermCfg(
        func=mdp.randomize_joint_default_pos, mode="startup", params={"offset_range": (-0.01, 0.01)}
    )
    base_com = EventTermCfg(
        func=isaac_mdp.randomize_rigid_body_com,
        mode="startup",
        params={
            "asset_cfg": SceneEntityCfg("robot", body_names="torso_link"),
            "com_range": {"x": (-0.025, 0.025), "y": (-0.05, 0.05), "z": (-0.05, 0.05)},
        },
    )
    push_robot = EventTermCfg(
        func=isaac_mdp.push_by_setting_velocity,
        mode="interval",
        interval_range_s=(1.0, 3.0),
        params={"velocity_range": PUSH_VELOCITY},
    )
    solver_capacity = EventTermCfg(
        func=mdp.solver_capacity_watch, mode="interval", interval_range_s=(0.0, 0.0), is_global_time=True
    )


@configclass
class TrackingG1EnvCfg(TrackingEnvCfg):
    """The G1 (30 bodies, 29 joints) tracking ``B_LongDance`` with adaptive start sampling."""

    events: G1EventsCfg = G1EventsCfg()

    def __post_init__(self):
        super().__post_init__()
        self.scene.robot = g1_cfg()
        self.scene.env_spacing = 2.5
        self.commands.motion.motion_files = [str(g1_default_motion())]
        self.commands.motion.anchor_body_name = ANCHOR_BODY
        self.commands.motion.body_names = list(BODY_NAMES)
        self.commands.motion.pose_range.update({"roll": (-0.1, 0.1), "pitch": (-0.1, 0.1)})
        self.commands.motion.velocity_range = dict(PUSH_VELOCITY)
        self.actions.joint_pos.scale = action_scale()
        self.terminations.end_effector_height.params["body_names"] = list(END_EFFECTORS)
        self.sim.physics.solver_cfg.njmax = 250
        self.sim.physics.solver_cfg.nconmax = 35
        self.observations.policy.enable_corruption = True


@configclass
class TrackingG1PPORunnerCfg(TrackingPPORunnerCfg):
    experiment_name = "tracking_g1"
