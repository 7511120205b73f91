"""BeyondMimic motion command: the reference for each env, and the episode start it applies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import MISSING, field
from typing import TYPE_CHECKING

import torch
from isaaclab.assets import Articulation
from isaaclab.utils import configclass
from isaaclab.utils.math import quat_apply, quat_from_euler_xyz, quat_inv, quat_mul, sample_uniform, yaw_quat

from ....motion import MotionFileError, MotionLibrary, load_motion
from ....terms import MotionStartCommandTerm, MotionStartCommandTermCfg
from ....terms.env_ids import EnvIds, env_ids_or_none, normalize_env_ids

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv


class MotionCommand(MotionStartCommandTerm):
    """Tracks one or many motion files; its command is the reference joint position and velocity.

    Reference quantities are exposed per env for observations, rewards and terminations:
    ``anchor_pos_w``/``anchor_quat_w`` (reference anchor in the simulation frame) and
    :meth:`body_pose_relative_w` (reference bodies moved so that the reference anchor sits on the
    robot's anchor, yaw-aligned, as in BeyondMimic). Quaternions are (x, y, z, w),
    Isaac Lab 3.0's convention; motion files store (w, x, y, z) and are converted on load.
    """

    cfg: MotionCommandCfg

    def __init__(self, cfg: MotionCommandCfg, env: ManagerBasedRLEnv):
        self.robot: Articulation = env.scene[cfg.asset_name]
        self.body_names = list(cfg.body_names) if cfg.body_names else list(self.robot.body_names)
        control_fps = 1.0 / env.step_dt
        if not cfg.motion_files:
            raise MotionFileError("MotionCommandCfg.motion_files is empty: give at least one motion .npz file.")
        joint_names = list(self.robot.joint_names)
        clips = [
            load_motion(path, joint_names=joint_names, body_names=self.body_names, control_fps=control_fps)
            for path in cfg.motion_files
        ]
        if cfg.anchor_body_name not in self.body_names:
            raise ValueError(
                f"MotionCommandCfg.anchor_body_name={cfg.anchor_body_name!r} is not among the tracked bodies "
                f"{self.body_names}."
            )
        self.motion_files = [str(p) for p in cfg.motion_files]
        self.library = MotionLibrary(clips, device=env.device)
        super().__init__(cfg, env)
        self.robot_body_ids = torch.tensor(
            self.robot.find_bodies(self.body_names, preserve_order=True)[0], dtype=torch.long, device=self.device
        )
        self.anchor_index = self.body_names.index(cfg.anchor_body_name)
        self.robot_anchor_id = self.robot.find_bodies(cfg.anchor_body_name)[0][0]
        root_body = self.robot.body_names[0]
        if root_body not in self.body_names:
            raise ValueError(f"MotionCommandCfg.body_names must include the robot's root body {root_body!r}.")
        self.root_index = self.body_names.index(root_body)
        self._pose_noise = _UniformRanges(cfg.pose_range, self.device, "pose_range")
        self._velocity_noise = _UniformRanges(cfg.velocity_range, self.device, "velocity_range")
        self._reference = self.library.frame(self.motion_ids, self.time_steps)

    # ------------------------------------------------------------ MotionStartCommand
    @property
    def motion_num_frames(self) -> Sequence[int]:
        return self.library.num_frames

    @property
    def motion_fps(self) -> float:
        return self.library.fps

    # ------------------------------------------------------------ reference quantities
    @property
    def command(self) -> torch.Tensor:
        return torch.cat([self._reference.joint_pos, self._reference.joint_vel], dim=-1)

    @property
    def reference(self):
        """The current reference frame per env (:class:`~beyondmimic_adaptive.motion.ReferenceFrame`)."""
        return self._reference

    @property
    def anchor_pos_w(self) -> torch.Tensor:
        return self._reference.body_pos_w[:, self.anchor_index] + self._env.scene.env_origins

    @property
    def anchor_quat_w(self) -> torch.Tensor:
        return self._reference.body_quat_w[:, self.anchor_index]

    @property
    def robot_anchor_pos_w(self) -> torch.Tensor:
        return self.robot.data.body_pos_w.torch[:, self.robot_anchor_id]

    @property
    def robot_anchor_quat_w(self) -> torch.Tensor:
        return self.robot.data.body_quat_w.torch[:, self.robot_anchor_id]

    @property
    def robot_body_pos_w(self) -> torch.Tensor:
        return self.robot.data.body_pos_w.torch[:, self.robot_body_ids]

    @property
    def robot_body_quat_w(self) -> torch.Tensor:
        return self.robot.data.body_quat_w.torch[:, self.robot_body_ids]

    @property
    def robot_body_lin_vel_w(self) -> torch.Tensor:
        # the link frame's velocity, like the reference's (body_lin_vel_w is the centre of mass's)
        return self.robot.data.body_link_lin_vel_w.torch[:, self.robot_body_ids]

    @property
    def robot_body_ang_vel_w(self) -> torch.Tensor:
        return self.robot.data.body_link_ang_vel_w.torch[:, self.robot_body_ids]

    def body_pose_relative_w(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Reference body poses moved onto the robot's anchor (xy and yaw), keeping reference heights."""
        num_bodies = len(self.body_names)
        anchor_pos = self.anchor_pos_w[:, None].expand(-1, num_bodies, -1)
        anchor_quat = self.anchor_quat_w[:, None].expand(-1, num_bodies, -1)
        robot_anchor_pos = self.robot_anchor_pos_w[:, None].expand(-1, num_bodies, -1)
        robot_anchor_quat = self.robot_anchor_quat_w[:, None].expand(-1, num_bodies, -1)
        delta_pos = robot_anchor_pos.clone()
        delta_pos[..., 2] = anchor_pos[..., 2]
        delta_quat = yaw_quat(quat_mul(robot_anchor_quat, quat_inv(anchor_quat)))
        body_pos = self._reference.body_pos_w + self._env.scene.env_origins[:, None]
        return (
            delta_pos + quat_apply(delta_quat, body_pos - anchor_pos),
            quat_mul(delta_quat, self._reference.body_quat_w),
        )

    # ------------------------------------------------------------ CommandTerm hooks
    def _update_command(self) -> None:
        super()._update_command()
        self._reference = self.library.frame(self.motion_ids, self.time_steps)

    def _write_start_state(self, env_ids: EnvIds) -> None:
        """Robot := reference at (motion, time step) plus the configured noise, written to the sim."""
        env_ids = normalize_env_ids(env_ids, self.num_envs, self.device)  # a no-op for the base's ids
        ref = self.library.frame(self.motion_ids[env_ids], self.time_steps[env_ids])
        self._reference.assign(env_ids, ref)  # only the new episodes' rows changed
        n = ref.joint_pos.shape[0]
        root_pos = ref.body_pos_w[:, self.root_index] + self._env.scene.env_origins[env_ids]
        root_quat = ref.body_quat_w[:, self.root_index]
        pose_noise = self._pose_noise.sample(n)
        root_pos = root_pos + pose_noise[:, :3]
        root_quat = quat_mul(quat_from_euler_xyz(pose_noise[:, 3], pose_noise[:, 4], pose_noise[:, 5]), root_quat)
        velocity = torch.cat([ref.body_lin_vel_w[:, self.root_index], ref.body_ang_vel_w[:, self.root_index]], dim=-1)
        velocity = velocity + self._velocity_noise.sample(n)
        joint_pos = ref.joint_pos + sample_uniform(*self.cfg.joint_position_range, ref.joint_pos.shape, self.device)
        limits = self.robot.data.soft_joint_pos_limits.torch[env_ids]
        joint_pos = torch.clamp(joint_pos, limits[..., 0], limits[..., 1])
        ids = env_ids_or_none(env_ids)
        self.robot.write_root_pose_to_sim_index(root_pose=torch.cat([root_pos, root_quat], dim=-1), env_ids=ids)
        self.robot.write_root_link_velocity_to_sim_index(root_velocity=velocity, env_ids=ids)
        self.robot.write_joint_position_to_sim_index(position=joint_pos, env_ids=ids)
        self.robot.write_joint_velocity_to_sim_index(velocity=ref.joint_vel, env_ids=ids)


_POSE_KEYS = ("x", "y", "z", "roll", "pitch", "yaw")


class _UniformRanges:
    """Uniform samples for the keys x, y, z, roll, pitch, yaw (missing keys: 0), bounds kept on the device."""

    def __init__(self, ranges: dict[str, tuple[float, float]], device: str, what: str):
        unknown = set(ranges) - set(_POSE_KEYS)
        if unknown:
            raise ValueError(f"MotionCommandCfg.{what} has unknown keys {sorted(unknown)}; valid keys: {_POSE_KEYS}.")
        self._low = torch.tensor([ranges.get(k, (0.0, 0.0))[0] for k in _POSE_KEYS], device=device)
        self._span = torch.tensor([ranges.get(k, (0.0, 0.0))[1] for k in _POSE_KEYS], device=device) - self._low

    def sample(self, n: int) -> torch.Tensor:
        """(n, 6) samples."""
        return self._low + torch.rand(n, 6, device=self._low.device) * self._span


@configclass
class MotionCommandCfg(MotionStartCommandTermCfg):
    """Configuration of :class:`MotionCommand`."""

    class_type: type = MotionCommand
    asset_name: str = "robot"
    """Scene name of the robot articulation."""
    motion_files: list[str] = MISSING  # type: ignore[assignment]  # configclass's required-field marker
    """BeyondMimic .npz motion files; one sampler timeline each, laid end to end."""
    anchor_body_name: str = MISSING  # type: ignore[assignment]
    """Body whose pose anchors the tracking (BeyondMimic: the torso)."""
    body_names: list[str] = MISSING  # type: ignore[assignment]
    """Bodies to track, in order; must include the robot's root body."""
    pose_range: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Reset noise on the root pose: keys x, y, z [m], roll, pitch, yaw [rad]."""
    velocity_range: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Reset noise on the root velocity: keys x, y, z [m/s], roll, pitch, yaw [rad/s]."""
    joint_position_range: tuple[float, float] = (-0.1, 0.1)
    """Reset noise on joint positions [rad] (clamped to the soft limits)."""
