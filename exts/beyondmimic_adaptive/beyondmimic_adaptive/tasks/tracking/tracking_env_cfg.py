"""Robot-agnostic BeyondMimic tracking task (kit-less Isaac Lab 3.0, Newton physics).

The MDP of BeyondMimic (Liao et al. 2025, Sec. III; HybridRobotics/whole_body_tracking): the
observations, the tracking rewards with their weights and sigmas, the failure terms, 50 Hz control
and 10 s episodes, with adaptive start sampling on. Nothing here names a robot: a robot's folder
under ``config/`` fills in :class:`TrackingEnvCfg`'s ``MISSING`` fields (the articulation, the
tracked bodies, the anchor, the end effectors, the action scale and the default motion), the way
mjlab's tracking task is split (``mjlab.tasks.tracking.config.<robot>``).
"""

from __future__ import annotations

from dataclasses import MISSING

import isaaclab.envs.mdp as isaac_mdp
from isaaclab.assets import ArticulationCfg
from isaaclab.envs import ManagerBasedRLEnvCfg
from isaaclab.managers import ObservationGroupCfg as ObsGroup
from isaaclab.managers import ObservationTermCfg as ObsTerm
from isaaclab.managers import RewardTermCfg as RewTerm
from isaaclab.managers import SceneEntityCfg
from isaaclab.managers import TerminationTermCfg as DoneTerm
from isaaclab.scene import InteractiveSceneCfg
from isaaclab.terrains import TerrainImporterCfg
from isaaclab.utils import configclass
from isaaclab.utils.noise import UniformNoiseCfg as Unoise
from isaaclab_newton.physics import MJWarpSolverCfg, NewtonCfg

from ...assets import GROUND_USD
from ...sampler import AdaptiveSamplerCfg
from ...terms import enable_adaptive_sampling, motion_finished
from . import mdp


@configclass
class TrackingSceneCfg(InteractiveSceneCfg):
    """A ground plane and the robot (set by the robot's config)."""

    terrain = TerrainImporterCfg(
        prim_path="/World/ground", terrain_type="usd", usd_path=str(GROUND_USD), collision_group=-1, debug_vis=False
    )
    robot: ArticulationCfg = MISSING


@configclass
class CommandsCfg:
    """The reference motion and the reset noise around it: BeyondMimic's position, yaw and joint ranges; the G1 adds its
    roll and pitch and its start velocities (the humanoid keeps these smaller ones)."""

    motion = mdp.MotionCommandCfg(
        motion_files=MISSING,
        anchor_body_name=MISSING,
        body_names=MISSING,
        pose_range={"x": (-0.05, 0.05), "y": (-0.05, 0.05), "z": (-0.01, 0.01), "yaw": (-0.2, 0.2)},
        velocity_range={"x": (-0.3, 0.3), "y": (-0.3, 0.3), "z": (-0.1, 0.1), "yaw": (-0.3, 0.3)},
        joint_position_range=(-0.1, 0.1),
    )


@configclass
class ActionsCfg:
    """Joint position targets around the default pose; the robot's config sets the scale."""

    joint_pos = isaac_mdp.JointPositionActionCfg(
        asset_name="robot", joint_names=[".*"], scale=0.5, use_default_offset=True
    )


@configclass
class ObservationsCfg:
    @configclass
    class PolicyCfg(ObsGroup):
        """The actor's inputs; the noise (the paper's) applies when ``enable_corruption`` is set."""

        command = ObsTerm(func=isaac_mdp.generated_commands, params={"command_name": "motion"})
        motion_anchor_pos_b = ObsTerm(func=mdp.motion_anchor_pos_b, noise=Unoise(n_min=-0.25, n_max=0.25))
        motion_anchor_ori_b = ObsTerm(func=mdp.motion_anchor_ori_b, noise=Unoise(n_min=-0.05, n_max=0.05))
        base_lin_vel = ObsTerm(func=isaac_mdp.base_lin_vel, noise=Unoise(n_min=-0.5, n_max=0.5))
        base_ang_vel = ObsTerm(func=isaac_mdp.base_ang_vel, noise=Unoise(n_min=-0.2, n_max=0.2))
        joint_pos = ObsTerm(func=isaac_mdp.joint_pos_rel, noise=Unoise(n_min=-0.01, n_max=0.01))
        joint_vel = ObsTerm(func=isaac_mdp.joint_vel_rel, noise=Unoise(n_min=-0.5, n_max=0.5))
        actions = ObsTerm(func=isaac_mdp.last_action)

        def __post_init__(self):
            self.enable_corruption = False  # a robot's config turns the noise on (the G1 does)
            self.concatenate_terms = True

    @configclass
    class CriticCfg(PolicyCfg):
        body_pos = ObsTerm(func=mdp.robot_body_pos_b)
        body_ori = ObsTerm(func=mdp.robot_body_ori_b)

    policy: PolicyCfg = PolicyCfg()
    critic: CriticCfg = CriticCfg()


@configclass
class RewardsCfg:
    """BeyondMimic's rewards: weights and sigmas of the paper's code."""

    anchor_pos = RewTerm(func=mdp.anchor_position_error_exp, weight=0.5, params={"std": 0.3})
    anchor_ori = RewTerm(func=mdp.anchor_orientation_error_exp, weight=0.5, params={"std": 0.4})
    body_pos = RewTerm(func=mdp.body_position_error_exp, weight=1.0, params={"std": 0.3})
    body_ori = RewTerm(func=mdp.body_orientation_error_exp, weight=1.0, params={"std": 0.4})
    body_lin_vel = RewTerm(func=mdp.body_linear_velocity_error_exp, weight=1.0, params={"std": 1.0})
    body_ang_vel = RewTerm(func=mdp.body_angular_velocity_error_exp, weight=1.0, params={"std": 3.14})
    action_rate = RewTerm(func=isaac_mdp.action_rate_l2, weight=-0.1)
    joint_limit = RewTerm(func=isaac_mdp.joint_pos_limits, weight=-10.0, params={"asset_cfg": SceneEntityCfg("robot")})


@configclass
class TerminationsCfg:
    """Time-outs and the motion's end are successes; the three tracking failures are failures."""

    time_out = DoneTerm(func=isaac_mdp.time_out, time_out=True)
    motion_end = DoneTerm(func=motion_finished, time_out=True, params={"command_name": "motion"})
    anchor_height = DoneTerm(func=mdp.anchor_height_error, params={"threshold": 0.25})
    anchor_ori = DoneTerm(func=mdp.anchor_orientation_error, params={"threshold": 0.8})
    end_effector_height = DoneTerm(func=mdp.body_height_error, params={"threshold": 0.25, "body_names": MISSING})


@configclass
class TrackingEnvCfg(ManagerBasedRLEnvCfg):
    """50 Hz control (dt 0.005, decimation 4), 10 s episodes, adaptive start sampling on.

    A robot's config sets ``scene.robot``, ``commands.motion`` (files, anchor, bodies),
    ``terminations.end_effector_height.params["body_names"]`` and ``actions.joint_pos.scale``.
    """

    scene: TrackingSceneCfg = TrackingSceneCfg(num_envs=16, env_spacing=4.0)
    observations: ObservationsCfg = ObservationsCfg()
    actions: ActionsCfg = ActionsCfg()
    commands: CommandsCfg = CommandsCfg()
    rewards: RewardsCfg = RewardsCfg()
    terminations: TerminationsCfg = TerminationsCfg()
    events: object = None  # ManagerBasedEnvCfg's annotation; a robot's config sets its own events
    curriculum = None

    def __post_init__(self):
        self.decimation = 4
        self.episode_length_s = 10.0
        self.sim.dt = 0.005
        self.sim.render_interval = self.decimation
        self.sim.device = "cpu"
        self.sim.physics = NewtonCfg(
            solver_cfg=MJWarpSolverCfg(njmax=80, nconmax=25, cone="pyramidal", integrator="implicitfast", impratio=1),
            num_substeps=1,
            use_cuda_graph=False,
            debug_mode=False,
        )
        # defaults of AdaptiveSamplerCfg are the YAML's (tests/test_hydra_config.py keeps them equal)
        enable_adaptive_sampling(self, AdaptiveSamplerCfg())


def set_device(env_cfg: ManagerBasedRLEnvCfg, device: str) -> None:
    """Run on ``device`` ("cpu" or "cuda:N"); CUDA graphs only where they exist."""
    env_cfg.sim.device = device
    env_cfg.sim.physics.use_cuda_graph = device.startswith("cuda")
