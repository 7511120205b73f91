"""The manager test env with Isaac Lab 2.x's env_ids forms (``ManagerBasedRLEnv`` 2.1-2.3).

Isaac Lab 2.x passes int64 tensors everywhere: ``reset()`` resets ``torch.arange(num_envs)``
and ``step()`` resets ``reset_buf.nonzero().squeeze(-1)``; its ``CommandTerm._resample`` takes
``len(env_ids)``, so a slice (Isaac Lab 3.0's ``reset()`` form) would not even reach a command.
The step order is 2.x's: terminations, resets (``_reset_idx``), the command update, interval events.
"""

from __future__ import annotations

import types

import torch
from isaaclab.envs import ManagerBasedRLEnv
from isaaclab.managers import CommandManager, CurriculumManager, EventManager, RewardManager, TerminationManager
from manager_env import ManagerTestEnv, _Inert


def isaaclab_major() -> int:
    """Major version of the Isaac Lab on the path (2.x reports its extension version, 0.x, as 2)."""
    import isaaclab

    major = int(isaaclab.__version__.split(".")[0])
    return major if major >= 3 else 2


class IsaacLab2Env(ManagerTestEnv):
    """:class:`ManagerTestEnv` resetting and stepping with Isaac Lab 2.x's int64 env ids."""

    def reset(self, env_ids=None) -> dict:
        """2.x's ``reset(env_ids=None)``: every env as int64 ids; given ids as int64 (2.x's managers index
        with them and take their ``len``, so a slice is passed as the ids it selects)."""
        every = torch.arange(self.num_envs, dtype=torch.int64, device=self.device)
        if env_ids is None:
            env_ids = every
        elif isinstance(env_ids, slice):
            env_ids = every[env_ids]
        else:
            env_ids = torch.as_tensor(env_ids, dtype=torch.int64, device=self.device)
        ManagerBasedRLEnv._reset_idx(self, env_ids)
        return self.extras["log"]

    def step(self, ui_reset: bool = False) -> torch.Tensor:
        """2.x's step order with int64 ids; ``ui_reset`` plays an external reset of every other env that
        marks it ``terminated`` (2.x has no visualizer reset; an app that resets envs this way looks the same)."""
        self._sim_step_counter += self.cfg.decimation
        self.episode_length_buf += 1
        self.common_step_counter += 1
        reset_buf = self.termination_manager.compute()
        reset_ids = reset_buf.nonzero(as_tuple=False).squeeze(-1)
        if len(reset_ids) > 0:
            ManagerBasedRLEnv._reset_idx(self, reset_ids)
        if ui_reset:
            manual_ids = (~reset_buf).nonzero(as_tuple=False).squeeze(-1)
            self.termination_manager.terminated.index_fill_(0, manual_ids, True)
            ManagerBasedRLEnv._reset_idx(self, manual_ids)
        self.command_manager.compute(dt=0.02)
        if "interval" in self.event_manager.available_modes:
            self.event_manager.apply(mode="interval", dt=0.02)
        self._clear_outcomes()
        return reset_ids


def as_isaaclab2(env: ManagerTestEnv) -> IsaacLab2Env:
    """The same env (managers untouched), resetting and stepping with 2.x's env ids from now on."""
    env.__class__ = IsaacLab2Env
    return env


class IsaacLab2LoadOrderEnv(IsaacLab2Env):
    """Built in ``ManagerBasedRLEnv.__init__``'s 2.x order around ``sim.reset()``.

    2.x creates the event manager, then plays the simulation (``sim.reset()``), whose PLAY callback
    instantiates the event manager's class terms, and only then loads the command, termination,
    reward and curriculum managers. ``play`` fires that callback (the stand-in timeline's).
    """

    def __init__(self, env_cfg, play, num_envs: int = 8, device: str = "cpu"):
        self.cfg, self.num_envs, self.device = env_cfg, num_envs, device
        self.playing = False
        self.sim = types.SimpleNamespace(is_playing=lambda: self.playing)
        self.episode_length_buf = torch.zeros(num_envs, dtype=torch.long, device=device)
        self.common_step_counter = self._sim_step_counter = 0
        self.max_episode_length_s, self.extras = 10.0, {}
        self._new_outcomes()
        self.scene = self.observation_manager = self.action_manager = self.recorder_manager = _Inert()
        self.event_manager = EventManager(env_cfg.events, self)
        self.playing = True
        play()
        self.command_manager = CommandManager(env_cfg.commands, self)
        self.termination_manager = TerminationManager(env_cfg.terminations, self)
        self.reward_manager = RewardManager(env_cfg.rewards, self)
        self.curriculum_manager = CurriculumManager(env_cfg.curriculum, self)
