"""The curriculum term, the start and fold events and the Hydra binding on Isaac Lab 2.3.2's real managers.

Every test of tests/test_isaaclab_terms.py, tests/test_episode_counting.py and tests/test_env_ids.py runs here
again (imported below) with the env resetting and stepping as Isaac Lab 2.x does; the one that checks 3.0's int32
step ids has a 2.x twin. The last test builds the managers in 2.x's order around ``sim.reset()``: the event
manager's class terms are instantiated by Isaac Sim's PLAY callback, before the command and curriculum managers
exist.
"""

from __future__ import annotations

import isaacsim_standins
import torch
from isaaclab2_env import IsaacLab2LoadOrderEnv, isaaclab_major
from test_env_ids import *  # noqa: F403  (the same tests, on Isaac Lab 2.x)
from test_episode_counting import *  # noqa: F403
from test_isaaclab_terms import *  # noqa: F403

from beyondmimic_adaptive.terms import AdaptiveSamplingCurriculum, AdaptiveStartEvent

del test_event_start_overrides_command_resample  # noqa: F821  (3.0's int32 step ids; the 2.x twin follows)


def test_lane_runs_isaaclab_2():
    assert isaaclab_major() == 2


def test_event_start_overrides_command_resample_with_int64_ids(make_env):
    env = make_env(["curriculum.adaptive.manual_probabilities=[0,0,0,1,0,0,0,0]"], num_envs=32)
    env.reset()
    assert env.command.motion_ids.unique().tolist() == [0]
    assert bool(((env.command.time_steps >= 150) & (env.command.time_steps < 200)).all())
    env.fail_flag[:5] = True
    reset_ids = env.step()
    assert reset_ids.dtype == torch.int64 and reset_ids.tolist() == [0, 1, 2, 3, 4]
    starts = env.command.robot_frame[:5]
    assert bool(((starts >= 150) & (starts < 200)).all())
    assert torch.equal(env.command.time_steps[:5], starts + 1)


def test_event_terms_built_by_the_play_callback_look_up_lazily(make_env):
    # 2.x builds the event manager before sim.reset(); its PLAY callback instantiates the start and
    # fold events while the command and curriculum managers do not exist yet
    cfg = make_env(["curriculum.adaptive.manual_probabilities=[0,0,0,0,0,1,0,0]"]).cfg
    cfg.curriculum.adaptive.metrics_interval_steps = 1  # a log at every env step (by default once per interval)
    env = IsaacLab2LoadOrderEnv(cfg, play=isaacsim_standins.play, num_envs=16)
    start_event = env.event_manager._mode_term_cfgs["reset"][0].func
    assert isinstance(start_event, AdaptiveStartEvent)
    assert isinstance(env.curriculum_manager.cfg.adaptive.func, AdaptiveSamplingCurriculum)
    env.reset()
    assert env.command.motion_ids.unique().tolist() == [1]  # bin 5 is motion 1's first bin
    assert torch.equal(env.command.robot_frame, env.command.time_steps)
    env.fail_flag[:4] = True
    env.step()
    assert float(env.extras["log"]["Curriculum/adaptive/failures/fell"]) == 4
