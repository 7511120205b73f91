"""A stand-in for WBT's MotionCommand (HybridRobotics/whole_body_tracking, tasks/tracking/mdp/commands.py).

It behaves as WBT's command does where the start contract meets it, without a robot:

- ``_resample_command(env_ids)`` returns on no envs, else draws ``time_steps`` in ``_adaptive_sampling``
  (WBT: a bin by its failure counts, then a point inside it; here uniform bins) and writes the robot
  state at ``time_steps`` (``robot_frame`` stands for it);
- ``_update_command`` advances ``time_steps`` by one and re-samples in place, with no reset, every env
  at or past ``time_step_total`` (``end_resamples`` counts these per env);
- one motion, ``motion.time_step_total`` frames, ``motion.fps`` the npz's array.
"""

from __future__ import annotations

import types
from dataclasses import MISSING

import numpy as np
import torch
from isaaclab.managers import CommandTerm, CommandTermCfg, TerminationTermCfg
from isaaclab.utils import configclass
from manager_env import failure_flag, timeout_flag


class WbtLikeMotionCommand(CommandTerm):
    cfg: WbtLikeMotionCommandCfg

    def __init__(self, cfg: WbtLikeMotionCommandCfg, env):
        super().__init__(cfg, env)
        self.motion = types.SimpleNamespace(time_step_total=cfg.time_step_total, fps=np.array([cfg.fps]))
        self.time_steps = torch.zeros(self.num_envs, dtype=torch.long, device=self.device)
        self.bin_count = int(cfg.time_step_total // cfg.fps) + 1
        self.robot_frame = torch.full((self.num_envs,), -1, dtype=torch.long, device=self.device)
        self.end_resamples = torch.zeros(self.num_envs, dtype=torch.long, device=self.device)

    @property
    def command(self) -> torch.Tensor:
        return self.time_steps.unsqueeze(-1).float()

    def _adaptive_sampling(self, env_ids):
        bins = torch.randint(0, self.bin_count, (len(env_ids),), device=self.device)
        point = torch.rand(len(env_ids), device=self.device)
        self.time_steps[env_ids] = ((bins + point) / self.bin_count * (self.motion.time_step_total - 1)).long()

    def _resample_command(self, env_ids):
        if len(env_ids) == 0:
            return
        self._adaptive_sampling(env_ids)
        self.robot_frame[env_ids] = self.time_steps[env_ids]

    def _update_command(self):
        self.time_steps += 1
        env_ids = torch.where(self.time_steps >= self.motion.time_step_total)[0]
        self.end_resamples[env_ids] += 1
        self._resample_command(env_ids)

    def _update_metrics(self):
        pass


@configclass
class WbtLikeMotionCommandCfg(CommandTermCfg):
    class_type: type = WbtLikeMotionCommand
    resampling_time_range: tuple[float, float] = (1.0e9, 1.0e9)
    time_step_total: int = MISSING
    fps: float = 50.0


@configclass
class WbtLikeTerminationsCfg:
    """WBT's env: failure terms and the episode time-out, no motion-end term."""

    fell = TerminationTermCfg(func=failure_flag, time_out=False)
    time_out = TerminationTermCfg(func=timeout_flag, time_out=True)
