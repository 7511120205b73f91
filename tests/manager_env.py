"""A small env that hosts the REAL Isaac Lab managers (no physics) and resets like Isaac Lab.

Isaac Lab's own manager tests use this pattern (a namespace env whose ``sim`` reports that it is
playing). Resets go through the real ``ManagerBasedRLEnv._reset_idx``, so the managers run in
Isaac Lab's order: curriculum, scene, reset events, then the managers' resets (command included).
The scene and the managers this plugin does not touch (observations, actions, rewards,
recorders) are inert stand-ins: there is no robot here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import MISSING
from unittest.mock import MagicMock

import pytest
import torch
from isaaclab.envs import ManagerBasedRLEnv
from isaaclab.managers import (
    CommandManager,
    CurriculumManager,
    EventManager,
    RewardManager,
    TerminationManager,
    TerminationTermCfg,
)
from isaaclab.utils import configclass

from beyondmimic_adaptive.sampler import PerEnvSampling
from beyondmimic_adaptive.terms import (
    AdaptiveSamplingCurriculum,
    MotionStartCommandTerm,
    MotionStartCommandTermCfg,
    motion_finished,
)


class RecordingMotionCommand(MotionStartCommandTerm):
    """Motion command without a robot: ``robot_frame`` stands for the robot state it writes."""

    cfg: RecordingMotionCommandCfg

    @property
    def motion_num_frames(self) -> Sequence[int]:
        return self.cfg.motion_num_frames

    @property
    def motion_fps(self) -> float:
        return self.cfg.fps

    def __init__(self, cfg: RecordingMotionCommandCfg, env):
        super().__init__(cfg, env)
        self.robot_motion = torch.full((self.num_envs,), -1, dtype=torch.long, device=self.device)
        self.robot_frame = torch.full((self.num_envs,), -1, dtype=torch.long, device=self.device)

    @property
    def command(self) -> torch.Tensor:
        return self.time_steps.unsqueeze(-1).float()

    def _write_start_state(self, env_ids) -> None:
        self.robot_motion[env_ids] = self.motion_ids[env_ids]
        self.robot_frame[env_ids] = self.time_steps[env_ids]


@configclass
class RecordingMotionCommandCfg(MotionStartCommandTermCfg):
    class_type: type = RecordingMotionCommand
    motion_num_frames: list[int] = MISSING
    fps: float = 50.0


def failure_flag(env) -> torch.Tensor:
    return env.fail_flag.clone()


def tip_flag(env) -> torch.Tensor:
    return env.tip_flag.clone()


def timeout_flag(env) -> torch.Tensor:
    return env.timeout_flag.clone()


@configclass
class TerminationsCfg:
    """Two failure terms (as the tracking tasks have several) and two time-outs."""

    fell = TerminationTermCfg(func=failure_flag, time_out=False)
    tipped = TerminationTermCfg(func=tip_flag, time_out=False)
    time_out = TerminationTermCfg(func=timeout_flag, time_out=True)
    motion_end = TerminationTermCfg(func=motion_finished, time_out=True, params={"command_name": "motion"})


class _Inert:
    """Scene / manager stand-in for parts that hold no state in these tests."""

    def reset(self, env_ids=None):
        return {}


class ManagerTestEnv:
    """Namespace env with real command, termination, event, reward and curriculum managers."""

    step_dt: float = 0.02
    """Control period [s] (50 Hz, as the commands' fps): sim.dt x decimation in a real env."""

    OUTCOMES = ("fail_flag", "tip_flag", "timeout_flag")
    """What the termination terms read (``fell``, ``tipped``, ``time_out``): set by a test, cleared after a step."""

    def __init__(self, env_cfg, num_envs: int = 8, device: str = "cpu"):
        self.cfg = env_cfg
        self.num_envs = num_envs
        self.device = device
        self.sim = MagicMock()
        self.sim.is_playing.return_value = True
        self.episode_length_buf = torch.zeros(num_envs, dtype=torch.long, device=device)
        self.common_step_counter = 0
        self._sim_step_counter = 0
        self.max_episode_length_s = 10.0
        self.extras = {}
        self._new_outcomes()
        self.scene = _Inert()
        self.observation_manager = self.action_manager = self.recorder_manager = _Inert()
        # Isaac Lab's load order: commands, ..., terminations, rewards, curriculum last
        self.command_manager = CommandManager(env_cfg.commands, self)
        self.event_manager = EventManager(env_cfg.events, self)
        self.termination_manager = TerminationManager(env_cfg.terminations, self)
        self.reward_manager = RewardManager(env_cfg.rewards, self)
        self.curriculum_manager = CurriculumManager(env_cfg.curriculum, self)

    @property
    def command(self) -> RecordingMotionCommand:
        return self.command_manager.get_term("motion")

    def reset(self, env_ids=slice(None)) -> dict:
        """Like ``ManagerBasedRLEnv.reset``: every env (``slice(None)``) unless ``env_ids`` says otherwise."""
        ManagerBasedRLEnv._reset_idx(self, env_ids)
        return self.extras["log"]

    def step(self, ui_reset: bool = False) -> torch.Tensor:
        """Like ``ManagerBasedRLEnv.step`` without physics; returns the reset env ids (int32).

        ``ui_reset`` plays a visualizer's reset request: as Isaac Lab 3.0 does, every env not reset
        by a termination is marked ``terminated`` and reset.
        """
        self._sim_step_counter += self.cfg.decimation
        self.episode_length_buf += 1
        self.common_step_counter += 1
        dones = self.termination_manager.compute()
        reset_ids = dones.nonzero(as_tuple=False).squeeze(-1).int()
        if len(reset_ids) > 0:
            ManagerBasedRLEnv._reset_idx(self, reset_ids)
        if ui_reset:
            not_yet_reset = torch.ones(self.num_envs, dtype=torch.bool, device=self.device)
            not_yet_reset[reset_ids.long()] = False
            manual_ids = not_yet_reset.nonzero(as_tuple=False).squeeze(-1).int()
            self.termination_manager.terminated.index_fill_(0, manual_ids.long(), True)
            ManagerBasedRLEnv._reset_idx(self, manual_ids)
        self.command_manager.compute(dt=0.02)
        if "interval" in self.event_manager.active_terms:
            self.event_manager.apply(mode="interval", dt=0.02)
        self._clear_outcomes()
        return reset_ids

    def _new_outcomes(self) -> None:
        for name in self.OUTCOMES:
            setattr(self, name, torch.zeros(self.num_envs, dtype=torch.bool, device=self.device))

    def _clear_outcomes(self) -> None:
        for name in self.OUTCOMES:
            getattr(self, name).zero_()


def run_alike(envs: Sequence[ManagerTestEnv], seed: int, after_step: Callable[[], None], steps: int = 40) -> None:
    """Reset the envs, then ``steps`` env steps of each with the same random outcomes, ``after_step`` after each:
    about 35 % of the envs end (none on every fifth step), half of those by a failure, the others by a time-out.
    Checks that some env failed and that some step had no reset."""
    generator = torch.Generator().manual_seed(seed)
    for env in envs:
        env.reset()
    saw_failures = saw_quiet_step = False
    num_envs = envs[0].num_envs
    for step in range(steps):
        ends = torch.rand(num_envs, generator=generator) < (0.0 if step % 5 == 4 else 0.35)
        fails = ends & (torch.rand(num_envs, generator=generator) < 0.5)
        saw_failures |= bool(fails.any())
        saw_quiet_step |= not bool(ends.any())
        for env in envs:
            env.fail_flag[:] = fails
            env.timeout_flag[:] = ends & ~fails
            env.step()
        after_step()
    assert saw_failures and saw_quiet_step


def use_graph_path(term) -> None:
    """Put an adaptive curriculum term on its CUDA-graph path (full-width rows, its record, and the starts' draw
    where the command takes masked requests, as one graph body; with ``warp_step`` the fold too), run eagerly:
    what a CUDA env runs."""
    term._one_replay_applies = term._one_replay_wiring(graphed=True)
    if term._one_replay_possible():  # warp_step: PerEnvSampling's graph path, not the Warp per-env one
        term.per_env = PerEnvSampling(term.sampler, term.start_bins.shape[0])
    term.per_env._use_graph, term.per_env._subset = True, False
    term._record_graph = term._graphed_record()


def adaptive_term(env) -> AdaptiveSamplingCurriculum:
    """The env's adaptive curriculum term (the one of the YAML's ``adaptive`` entry)."""
    return env.curriculum_manager.cfg.adaptive.func


def real_warp() -> bool:
    """Whether NVIDIA Warp itself imports (the Isaac Lab 2 lane stands it in: tests/isaaclab2/isaacsim_standins.py)."""
    try:
        import warp
    except ImportError:
        return False
    return isinstance(getattr(warp, "__version__", None), str)


NEEDS_WARP = pytest.mark.skipif(not real_warp(), reason="needs NVIDIA Warp (warp_step)")
