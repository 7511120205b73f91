"""A user's own env (issue 17): own command over two motions, own failure and time-out terms.

Nothing here comes from the tracking task: the command, its name (``ref``), the terms and the
env config are this file's, enabled through :func:`apply_curriculum_config` as the README's
"Your own env" section shows. Every silent or late mistake of the issue must stop early, named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import MISSING
from pathlib import Path
from unittest.mock import MagicMock

import pytest
import torch
from isaaclab.managers import EventManager, RewardTermCfg, TerminationTermCfg
from isaaclab.utils import configclass
from manager_env import ManagerTestEnv, use_graph_path

from beyondmimic_adaptive.hydra_config import ConfigError, compose_config
from beyondmimic_adaptive.hydra_config.isaaclab_binding import apply_curriculum_config
from beyondmimic_adaptive.sampler import AdaptiveSamplerCfg, SamplerConfigError
from beyondmimic_adaptive.terms import (
    MotionStartCommandTerm,
    MotionStartCommandTermCfg,
    disable_adaptive_sampling,
    enable_adaptive_sampling,
    find_adaptive_curriculum,
    motion_finished,
)

FRAMES = (200, 100)  # two motions: 4 and 2 one-second bins at 50 Hz


class ClipCommand(MotionStartCommandTerm):
    """A user's command: two clips, a 'pose' standing for the robot state it writes."""

    cfg: ClipCommandCfg

    def __init__(self, cfg: ClipCommandCfg, env):
        self._frames = list(cfg.frames)  # motion_num_frames is read by super().__init__
        super().__init__(cfg, env)
        self.pose = torch.full((self.num_envs,), -1, dtype=torch.long, device=self.device)

    @property
    def command(self) -> torch.Tensor:
        return self.time_steps.unsqueeze(-1).float()

    @property
    def motion_fps(self) -> float:
        return self.cfg.fps

    @property
    def motion_num_frames(self) -> Sequence[int]:
        return self._frames

    def _write_start_state(self, env_ids) -> None:
        self.pose[env_ids] = self.time_steps[env_ids]


@configclass
class ClipCommandCfg(MotionStartCommandTermCfg):
    class_type: type = ClipCommand
    frames: list[int] = MISSING
    fps: float = 50.0


def fell(env) -> torch.Tensor:
    return env.fail_flag.clone()


def out_of_time(env) -> torch.Tensor:
    return env.timeout_flag.clone()


def no_reward(env) -> torch.Tensor:
    return env.episode_length_buf.float() * 0.0


def own_env_cfg(command_cls: type = ClipCommand, fps: float = 50.0, terminations: dict | None = None):
    """The user's env config: command ``ref``, terms ``fell`` (failure), ``out_of_time`` and ``clip_end``."""

    @configclass
    class CommandsCfg:
        ref = ClipCommandCfg(class_type=command_cls, frames=list(FRAMES), fps=fps)

    @configclass
    class TerminationsCfg:
        fell = TerminationTermCfg(func=fell, time_out=False)
        out_of_time = TerminationTermCfg(func=out_of_time, time_out=True)
        clip_end = TerminationTermCfg(func=motion_finished, time_out=True, params={"command_name": "ref"})

    @configclass
    class RewardsCfg:
        alive = RewardTermCfg(func=no_reward, weight=1.0)

    @configclass
    class OwnEnvCfg:
        decimation = 4
        commands = CommandsCfg()
        terminations = TerminationsCfg()
        rewards = RewardsCfg()
        events = None
        curriculum = None

    cfg = OwnEnvCfg()
    for name, term in (terminations or {}).items():
        setattr(cfg.terminations, name, term)
    return cfg


def use_yaml(cfg, *overrides: str) -> None:
    composed = compose_config("train", ["curriculum.adaptive.command_name=ref", *overrides])
    apply_curriculum_config(cfg, composed.curriculum)


def test_own_env_end_to_end_counts_in_the_right_bins():
    cfg = own_env_cfg()
    use_yaml(cfg)
    env = ManagerTestEnv(cfg, num_envs=8)
    env.reset()
    term = find_adaptive_curriculum(env, "adaptive")
    command = env.command_manager.get_term("ref")
    assert torch.equal(command.pose, command.time_steps)  # the requested starts were applied
    env.fail_flag[:] = True
    start_bins = term.sampler.bin_index(command.motion_ids, command.time_steps)
    env.step()
    assert torch.equal(term.sampler.failure_counts.sum(), torch.tensor(8.0, dtype=term.sampler.failure_counts.dtype))
    expected = torch.bincount(start_bins, minlength=term.sampler.num_bins).to(term.sampler.failure_counts.dtype)
    assert torch.equal(term.sampler.failure_counts, expected)


# ---------------------------------------------------------------- silent wrong statistics


class NoSuperResample(ClipCommand):
    """Keeps its own _resample_command, never calling super(): start requests are ignored."""

    def _resample_command(self, env_ids) -> None:
        self.motion_ids[env_ids] = 1
        self.time_steps[env_ids] = 0
        self._write_start_state(env_ids)


class OverwritingResample(ClipCommand):
    """Calls super() but then moves every start to the motion's first frame."""

    def _resample_command(self, env_ids) -> None:
        super()._resample_command(env_ids)
        self.time_steps[env_ids] = 0


@pytest.mark.parametrize("graph_path", [False, True], ids=["event_draws", "record_replay_draws"])
@pytest.mark.parametrize("command_cls", [NoSuperResample, OverwritingResample])
def test_ignored_start_requests_fail_on_the_first_reset(command_cls, graph_path):
    cfg = own_env_cfg(command_cls)
    use_yaml(cfg, "curriculum.adaptive.manual_probabilities=[0,0,1,0,0,0]")  # all starts in bin 2 (motion 0)
    env = ManagerTestEnv(cfg, num_envs=8)
    if graph_path:  # the starts drawn and requested in the curriculum term's record (CUDA), eagerly
        term = find_adaptive_curriculum(env, "adaptive")
        use_graph_path(term)
        assert term.draws_starts
    with pytest.raises(RuntimeError, match=r"ref.*did not start.*_resample_command.*super\(\)\._resample_command"):
        env.reset()


# ---------------------------------------------------------------- silent: time-outs and fps


def test_motion_end_not_a_time_out_is_rejected_at_apply():
    cfg = own_env_cfg(terminations={"clip_end": TerminationTermCfg(func=motion_finished, time_out=False)})
    with pytest.raises(ValueError, match=r"terminations: term 'clip_end'.*motion_finished.*time_out=True"):
        use_yaml(cfg)


def test_no_time_out_term_is_rejected_at_apply():
    cfg = own_env_cfg(terminations={"out_of_time": None, "clip_end": None})
    with pytest.raises(ValueError, match=r"no time-out termination term.*time_out=True"):
        use_yaml(cfg)


def test_no_time_out_term_is_rejected_at_env_build_when_wired_by_hand():
    cfg = own_env_cfg()
    use_yaml(cfg)
    cfg.terminations.out_of_time = None
    cfg.terminations.clip_end = None  # removed after the config check: the term checks again
    with pytest.raises(ValueError, match=r"no time-out termination term"):
        ManagerTestEnv(cfg, num_envs=4)


def test_motion_fps_other_than_the_control_rate_is_rejected():
    cfg = own_env_cfg(fps=30.0)
    use_yaml(cfg)
    with pytest.raises(ValueError, match=r"motion_fps=30.*step_dt=0\.02.*50"):
        ManagerTestEnv(cfg, num_envs=4)


# ---------------------------------------------------------------- late -> at apply time


def test_wrong_command_name_is_rejected_at_apply():
    cfg = own_env_cfg()
    with pytest.raises(ValueError, match=r"no command term named 'motion'.*\['ref'\].*command_name"):
        apply_curriculum_config(cfg, compose_config("train").curriculum)  # the YAML's default: motion


class NoContract:
    """A command class without set_start (not a MotionStartCommand)."""


class Incomplete(MotionStartCommandTerm):
    """Implements only _write_start_state: command, motion_fps and motion_num_frames missing."""

    def _write_start_state(self, env_ids) -> None:
        pass


def test_command_without_the_contract_is_rejected_at_apply():
    cfg = own_env_cfg(NoContract)
    with pytest.raises(TypeError, match=r"'ref'.*NoContract.*set_start"):
        use_yaml(cfg)


def test_subclass_missing_members_is_rejected_at_apply():
    cfg = own_env_cfg(Incomplete)
    with pytest.raises(TypeError, match=r"Incomplete.*command.*motion_fps.*motion_num_frames"):
        use_yaml(cfg)


def test_enable_validates_the_sampler_config_at_once():
    cfg = own_env_cfg()
    with pytest.raises(SamplerConfigError, match="gamma"):
        enable_adaptive_sampling(cfg, AdaptiveSamplerCfg(gamma=1.5), command_name="ref")
    assert cfg.curriculum is None and cfg.events is None  # nothing half-written


def test_a_second_adaptive_term_on_the_same_command_is_refused_naming_both():
    cfg = own_env_cfg()
    use_yaml(cfg)  # the entry "adaptive", as a task that enables adaptive sampling itself has it
    mine = "+curriculum.mine={type:adaptive_sampling,command_name:ref,gamma:0.5}"
    with pytest.raises(ConfigError, match=r"curriculum\.mine: .*term 'adaptive' already draws the starts of command"):
        apply_curriculum_config(cfg, compose_config("train", ["~curriculum", mine]).curriculum)
    assert getattr(cfg.curriculum, "mine", None) is None  # nothing half-written
    with pytest.raises(ValueError, match=r"Name this entry 'adaptive' to replace it"):
        enable_adaptive_sampling(cfg, AdaptiveSamplerCfg(), command_name="ref", name="mine")
    # disabling the first in the same config makes room, also where its entry comes after the new one
    off = "+curriculum.adaptive={type:adaptive_sampling,command_name:ref,enabled:false}"
    composed = compose_config("train", ["~curriculum", mine, off]).curriculum
    assert list(composed) == ["mine", "adaptive"]
    apply_curriculum_config(cfg, composed)
    assert getattr(cfg.curriculum, "adaptive", None) is None and cfg.curriculum.mine.sampler.gamma == 0.5


class LateFrames(ClipCommand):
    def __init__(self, cfg, env):
        MotionStartCommandTerm.__init__(self, cfg, env)  # before the frames are known
        self._frames = list(cfg.frames)


def test_motion_num_frames_after_super_init_is_named():
    cfg = own_env_cfg(LateFrames)
    disable_adaptive_sampling(cfg)
    with pytest.raises(AttributeError, match=r"motion_num_frames.*before super\(\)\.__init__"):
        ManagerTestEnv(cfg, num_envs=4)


# ---------------------------------------------------------------- crash and packaging


def test_disable_works_on_an_env_config_without_events():
    cfg = own_env_cfg()
    use_yaml(cfg, "curriculum.adaptive.enabled=false")
    env = ManagerTestEnv(cfg, num_envs=4)
    # ManagerBasedEnv builds the event manager before sim.reset() and resolves its terms when the
    # physics is ready; with events = None that failed inside Isaac Lab ('NoneType' has no '__dict__')
    env.sim = MagicMock()
    env.sim.is_playing.return_value = False
    events = EventManager(cfg.events, env)
    events._resolve_terms_callback(None)  # what the PHYSICS_READY callback runs
    env.sim.is_playing.return_value = True
    env.reset()
    assert "adaptive" not in env.curriculum_manager.active_terms


def test_a_users_own_hydra_config_composes_the_packaged_yaml(tmp_path: Path):
    (tmp_path / "my_train.yaml").write_text(
        "hydra:\n  searchpath:\n    - pkg://beyondmimic_adaptive.config\n"
        "defaults:\n  - curriculum: adaptive\n  - _self_\n"
        "curriculum:\n  adaptive:\n    command_name: ref\n"
    )
    curriculum = compose_config("my_train", ["curriculum.adaptive.gamma=0.8"], config_dir=tmp_path).curriculum
    cfg = own_env_cfg()
    apply_curriculum_config(cfg, curriculum)
    assert cfg.curriculum.adaptive.command_name == "ref" and cfg.curriculum.adaptive.sampler.gamma == 0.8
