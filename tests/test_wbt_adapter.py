"""The WBT drop-in: AdaptiveMotionCommand over a stand-in of WBT's MotionCommand, in the real managers.

Runs in both lanes (Isaac Lab 3.0 and, through scripts/test_isaaclab2.sh, Isaac Lab 2.3.2); the env
resets and steps with Isaac Lab 2.x's int64 env ids, the only ones WBT's command accepts.
"""

from __future__ import annotations

import sys

import pytest
import torch
from isaaclab.managers import RewardTermCfg
from isaaclab.utils import configclass
from isaaclab2_env import IsaacLab2Env
from manager_env import use_graph_path
from wbt_standin import WbtLikeMotionCommand, WbtLikeMotionCommandCfg, WbtLikeTerminationsCfg

from beyondmimic_adaptive.hydra_config import ConfigError
from beyondmimic_adaptive.terms import AdaptiveSamplingCurriculum
from beyondmimic_adaptive.wbt import adaptive_motion_command_class, use_adaptive_sampling

FRAMES = 120  # 3 bins of 1 s at 50 fps: frames 0-49, 50-99, 100-119


def zero_reward(env):
    return env.episode_length_buf.float() * 0.0


def wbt_env_cfg():
    @configclass
    class CommandsCfg:
        motion = WbtLikeMotionCommandCfg(time_step_total=FRAMES)

    @configclass
    class RewardsCfg:
        alive = RewardTermCfg(func=zero_reward, weight=1.0)

    @configclass
    class EnvCfg:
        decimation = 4
        commands = CommandsCfg()
        terminations = WbtLikeTerminationsCfg()
        rewards = RewardsCfg()
        events = None
        curriculum = None

    return EnvCfg()


def make_wbt_env(overrides=(), num_envs: int = 16, adaptive: bool = True) -> IsaacLab2Env:
    cfg = wbt_env_cfg()
    if adaptive:
        use_adaptive_sampling(cfg, overrides)
    return IsaacLab2Env(cfg, num_envs=num_envs)


def adaptive_term(env) -> AdaptiveSamplingCurriculum:
    return env.curriculum_manager.cfg.adaptive.func


def test_plain_wbt_command_resamples_in_place_at_the_end():
    # what the adapter exists for: WBT's own command continues a finished motion from a new start
    env = make_wbt_env(adaptive=False, num_envs=4)
    env.reset()
    env.command.time_steps[:] = FRAMES - 1
    env.step()
    assert env.command.end_resamples.tolist() == [1, 1, 1, 1]


def test_config_switch():
    cfg = wbt_env_cfg()
    curriculum = use_adaptive_sampling(cfg, ["curriculum.adaptive.gamma=0.8"])
    assert issubclass(cfg.commands.motion.class_type, WbtLikeMotionCommand)
    assert cfg.terminations.motion_end.time_out is True
    assert cfg.curriculum.adaptive.sampler.gamma == 0.8 and curriculum.adaptive.gamma == 0.8
    assert {"adaptive_start", "adaptive_fold"} <= set(vars(cfg.events))
    class_type = cfg.commands.motion.class_type
    use_adaptive_sampling(cfg)  # a second call does not wrap the command twice
    assert cfg.commands.motion.class_type is class_type


@pytest.mark.parametrize("graph_path", [False, True], ids=["event_draws", "record_replay_draws"])
def test_requested_starts_are_where_the_episodes_start(graph_path):
    env = make_wbt_env(["curriculum.adaptive.manual_probabilities=[0,1,0]"], num_envs=32)
    command, term = env.command, adaptive_term(env)
    if graph_path:  # the starts drawn and requested (masked) in the curriculum term's record, as on CUDA
        use_graph_path(term)
        assert term.draws_starts
    env.reset()
    assert bool(((command.time_steps >= 50) & (command.time_steps < 100)).all())
    assert torch.equal(command.robot_frame, command.time_steps)  # WBT's own state write, at the start
    assert torch.equal(term.sampler.bin_index(command.motion_ids, command.time_steps), term.start_bins)
    assert command.motion_ids.shape == (32,) and command.motion_ids.dtype == torch.long
    env.fail_flag[:6] = True
    env.step()
    starts = command.robot_frame[:6]
    assert bool(((starts >= 50) & (starts < 100)).all())
    assert torch.equal(command.time_steps[:6], starts + 1)


@pytest.mark.parametrize("frame", [FRAMES - 1, FRAMES - 2])
def test_starts_on_the_last_frames_cannot_resample_in_place(frame):
    env = make_wbt_env(["curriculum.adaptive.enabled=false"], num_envs=4)  # no start event: this request stands
    env.reset()
    command = env.command
    command.set_start(torch.arange(2), torch.zeros(2, dtype=torch.long), torch.full((2,), frame))
    env.fail_flag[:2] = True
    env.step()  # reset (start written), then WBT's update advances one frame
    assert command.robot_frame[:2].tolist() == [FRAMES - 2] * 2  # clamped to the second-to-last frame
    assert command.time_steps[:2].tolist() == [FRAMES - 1] * 2
    for _ in range(3):
        env.step()
    assert command.end_resamples.sum() == 0


def test_motion_end_is_a_success_and_attributed_to_the_start():
    env = make_wbt_env(["curriculum.adaptive.manual_probabilities=[0,0,1]"], num_envs=8)
    env.reset()
    command, term = env.command, adaptive_term(env)
    assert bool((command.time_steps >= 100).all())
    for _ in range(FRAMES - 100 + 1):
        env.step()
    assert command.end_resamples.sum() == 0
    assert term.sampler.episode_counts[2] >= 8 and term.sampler.episode_counts[:2].sum() == 0
    assert term.sampler.failure_counts.sum() == 0
    assert term.failure_terms == ["fell"]


def test_failures_shift_starts_towards_the_hard_bin():
    torch.manual_seed(0)
    env = make_wbt_env(["curriculum.adaptive.lambda_uniform=0.0", "curriculum.adaptive.K=1"], num_envs=32)
    env.reset()
    term = adaptive_term(env)
    for _ in range(30):
        env.fail_flag[:] = term.start_bins == 1
        env.timeout_flag[:] = ~env.fail_flag
        env.step()
    assert int(term.sampler.probabilities.argmax()) == 1
    assert env.command.end_resamples.sum() == 0


def test_wbt_command_without_hooks_is_refused():
    class NotWbt(WbtLikeMotionCommand):
        _adaptive_sampling = None

    with pytest.raises(TypeError, match=r"lacks \['_adaptive_sampling'\].*MotionCommand"):
        adaptive_motion_command_class(NotWbt)


def test_unknown_command_and_foreign_overrides_are_refused():
    with pytest.raises(ValueError, match=r"no command 'ref' \(commands: \['motion'\]\).*command_name="):
        use_adaptive_sampling(wbt_env_cfg(), command_name="ref")
    with pytest.raises(ValueError, match=r"override 'num_envs=4' is not in the curriculum group"):
        use_adaptive_sampling(wbt_env_cfg(), ["num_envs=4"])


def test_the_command_name_reaches_the_public_sampler_too():
    cfg = wbt_env_cfg()
    cfg.commands.ref, cfg.commands.motion = cfg.commands.motion, None  # WBT's command under another name
    use_adaptive_sampling(cfg, ["curriculum=public"], command_name="ref")
    assert cfg.curriculum.public.command_name == "ref"  # it said: no command term named 'motion'


def test_a_bad_override_leaves_the_env_config_as_it_was():
    cfg = wbt_env_cfg()
    with pytest.raises(ConfigError, match=r"curriculum\.adaptive\.gamma"):
        use_adaptive_sampling(cfg, ["curriculum.adaptive.gamma=abc"])
    assert cfg.commands.motion.class_type is WbtLikeMotionCommand and cfg.curriculum is None
    assert getattr(cfg.terminations, "motion_end", None) is None
    with pytest.raises(TypeError, match=r"overrides must be a list of Hydra overrides, not 'curriculum=uniform'"):
        use_adaptive_sampling(cfg, "curriculum=uniform")  # type: ignore[arg-type]


def test_running_hydra_app_is_left_as_it_was(tmp_path):
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    (tmp_path / "app.yaml").write_text("x: 1\n")
    with initialize_config_dir(config_dir=str(tmp_path), version_base="1.3"):  # WBT's train.py runs in one
        use_adaptive_sampling(wbt_env_cfg())
        assert GlobalHydra.instance().is_initialized()
        assert compose("app").x == 1


def test_wbt_is_imported_only_for_the_default_class(monkeypatch):
    monkeypatch.setitem(sys.modules, "whole_body_tracking", None)  # not installed
    use_adaptive_sampling(wbt_env_cfg())  # the config's own command class is the base
    with pytest.raises(ImportError, match=r"needs whole_body_tracking.*pip install -e source/whole_body_tracking"):
        adaptive_motion_command_class()


def test_last_frame_is_held_without_the_motion_end_term():
    cfg = wbt_env_cfg()
    use_adaptive_sampling(cfg, ["curriculum.adaptive.manual_probabilities=[0,0,1]"])
    cfg.terminations.motion_end = None  # a task that dropped it: the reference stays on the last frame
    env = IsaacLab2Env(cfg, num_envs=4)
    env.reset()
    for _ in range(FRAMES - 100 + 2):
        env.step()
    assert env.command.time_steps.tolist() == [FRAMES - 1] * 4
    assert env.command.end_resamples.sum() == 0
