"""The curriculum and event terms inside the REAL Isaac Lab managers, reset in Isaac Lab's order: where episodes
start, the record graph's inputs, the wiring and its errors (what counts as an episode: test_episode_counting.py)."""

from __future__ import annotations

import pytest
import torch
from manager_env import NEEDS_WARP, adaptive_term, use_graph_path


def test_initial_reset_starts_where_the_sampler_says(make_env):
    env = make_env(num_envs=64)
    env.reset()  # slice(None), as ManagerBasedRLEnv.reset passes it
    term, command = adaptive_term(env), env.command
    # the command's start and the robot state it wrote are the event's draw, bin for bin
    assert torch.equal(term.sampler.bin_index(command.motion_ids, command.time_steps), term.start_bins)
    assert torch.equal(command.robot_frame, command.time_steps)
    assert torch.equal(command.robot_motion, command.motion_ids)
    # nothing ran yet: the initial reset records no episode (fold first: a reset only records)
    term.fold_statistics()
    assert term.sampler.episode_counts.sum() == 0


def test_event_start_overrides_command_resample(make_env):
    # one allowed bin: if the command's own (uniform) resample won, starts would spread over 8 bins
    env = make_env(["curriculum.adaptive.manual_probabilities=[0,0,0,1,0,0,0,0]"], num_envs=32)
    env.reset()
    assert env.command.motion_ids.unique().tolist() == [0]
    assert bool(((env.command.time_steps >= 150) & (env.command.time_steps < 200)).all())
    env.fail_flag[:5] = True
    reset_ids = env.step()  # int32 ids, as ManagerBasedRLEnv.step passes them
    assert reset_ids.dtype == torch.int32 and reset_ids.tolist() == [0, 1, 2, 3, 4]
    # after the step the reference advanced one frame (the target after the next physics step)
    starts = env.command.robot_frame[:5]
    assert bool(((starts >= 150) & (starts < 200)).all())
    assert torch.equal(env.command.time_steps[:5], starts + 1)


def test_the_record_graph_watches_the_termination_buffer_with_no_view_per_term(make_env, monkeypatch):
    env = make_env(["curriculum.adaptive.manual_probabilities=[1,0,0,0,0,0,0,0]"], num_envs=8)  # no clip end in 3 steps
    term, terminations = adaptive_term(env), env.termination_manager
    use_graph_path(term)
    env.reset()
    assert term.ends._one_term_buffer  # Isaac Lab keeps every term's value in one (num_envs, terms) buffer
    views = []
    get_term = terminations.get_term
    monkeypatch.setattr(terminations, "get_term", lambda name: views.append(name) or get_term(name))
    term._external_buffers()
    assert views == []  # the check reads the buffer's address: no view per call
    for _ in range(2):
        env.fail_flag[:2] = True
        env.step()
    assert term._record_graph.recaptures == 0
    terminations._term_dones = terminations._term_dones.clone()  # a manager that replaces its buffer
    env.fail_flag[:3] = True
    env.step()
    assert term._record_graph.recaptures == 1  # captured anew on the new buffer
    # 2 + 2 + 3 falls (a graph that still read the old buffer would miss the last 3)
    assert term.sampler.episode_counts.sum() + term.sampler._pending[:, 0].sum() == 7


@pytest.mark.parametrize("attribution", ["start", "failure", "hazard"])
def test_the_record_graph_watches_the_commands_frames_where_it_reads_them(make_env, attribution):
    env = make_env([f"curriculum.adaptive.attribution={attribution}"], num_envs=8)
    term, command = adaptive_term(env), env.command
    use_graph_path(term)
    env.reset()
    frames = command.time_steps.data_ptr()
    for _ in range(3):
        env.fail_flag[:2] = True
        env.step()
    # the command advances its frames in place: the capture that reads them lasts
    assert command.time_steps.data_ptr() == frames and term._record_graph.recaptures == 0
    command.time_steps = command.time_steps.clone()  # a command that replaces the tensor instead
    env.fail_flag[:2] = True
    env.step()
    # failure and hazard charge the bin an episode ended in (the command's frames): captured anew on the new memory
    assert term._record_graph.recaptures == (0 if attribution == "start" else 1)


@pytest.mark.parametrize("warp", [False, pytest.param(True, marks=NEEDS_WARP)], ids=["torch", "warp_replay"])
def test_on_the_graph_path_the_record_replay_draws_the_starts_and_the_event_only_confirms(make_env, monkeypatch, warp):
    # bin 3 only, after a warm-up of 2 env steps (uniform over frames): two sampling CDFs, one capture each
    overrides = ["curriculum.adaptive.manual_probabilities=null", "curriculum.adaptive.warmup_steps=2"]
    env = make_env([*overrides, f"curriculum.adaptive.warp_step={str(warp).lower()}"], num_envs=32)
    term, command = adaptive_term(env), env.command
    use_graph_path(term)
    assert term.draws_starts and (term._fused is not None) == warp

    def refuse(*args, **kwargs):
        raise AssertionError("the start event drew or requested again")

    monkeypatch.setattr(term, "sample_starts", refuse)
    monkeypatch.setattr(command, "set_start", refuse)
    env.reset()
    # the robot state the command wrote is at the bins the record replay charged to start_bins, env for env
    assert torch.equal(term.sampler.bin_index(command.motion_ids, command.robot_frame), term.start_bins)
    assert command.robot_frame.min() >= 0 and not command._start_requested.any()  # every request applied
    generator = torch.Generator().manual_seed(1)
    for step in range(6):
        if step == 3:  # after the warm-up: starts from a one-bin distribution from now on
            term.sampler.set_manual_probabilities([0, 0, 0, 1, 0, 0, 0, 0])
        frames_before = command.robot_frame.clone()
        bins_before = term.start_bins.clone()
        env.fail_flag.copy_(torch.rand(32, generator=generator) < 0.3)
        reset_ids = env.step().long()
        kept = torch.ones(32, dtype=torch.bool)
        kept[reset_ids] = False
        assert len(reset_ids) > 0
        assert torch.equal(command.robot_frame[kept], frames_before[kept])  # no new start outside the reset
        assert torch.equal(term.start_bins[kept], bins_before[kept])
        assert torch.equal(term.sampler.bin_index(command.motion_ids, command.robot_frame), term.start_bins)
        if step >= 3:
            assert bool((term.start_bins[reset_ids] == 3).all())
    assert term._record_graph.captures == 3 and term._record_graph.recaptures == 0  # warm-up, adaptive, manual


def test_masked_start_requests_leave_the_other_envs_pending_requests_alone(make_env):
    env = make_env(num_envs=8)
    env.reset()
    command = env.command
    command.set_start(torch.tensor([1, 2]), torch.tensor([1, 0]), torch.tensor([10, 20]))  # pending, not applied yet
    mask = torch.zeros(8, dtype=torch.bool)
    mask[[5, 6]] = True
    command.request_starts_where(mask, torch.ones(8, dtype=torch.long), torch.full((8,), 7))
    assert command._start_requested.nonzero().view(-1).tolist() == [1, 2, 5, 6]
    command._resample_command(torch.tensor([1, 2, 5, 6]))
    assert command.motion_ids[[1, 2, 5, 6]].tolist() == [1, 0, 1, 1]
    assert command.time_steps[[1, 2, 5, 6]].tolist() == [10, 20, 7, 7]


def test_failures_shift_starts_towards_the_hard_bin(make_env):
    torch.manual_seed(0)
    env = make_env(["curriculum.adaptive.lambda_uniform=0.0", "curriculum.adaptive.K=1"], num_envs=64)
    env.reset()
    term = adaptive_term(env)
    hard_bin = 2
    for _ in range(30):
        env.fail_flag[:] = term.start_bins == hard_bin
        env.timeout_flag[:] = ~env.fail_flag
        env.step()
    # no uniform floor, a one-bin kernel, and failures in one bin only: every start is there
    assert int(term.sampler.probabilities.argmax()) == hard_bin
    assert bool((term.start_bins == hard_bin).all())


def test_disabled_adaptive_means_uniform_command_starts(make_env):
    env = make_env(["curriculum.adaptive.enabled=false"], num_envs=400)
    assert env.curriculum_manager.active_terms == []
    assert "adaptive_start" not in env.event_manager.active_terms.get("reset", [])
    torch.manual_seed(0)
    env.reset()
    assert torch.equal(env.command.robot_frame, env.command.time_steps)
    # uniform over all 370 frames: both motions used, in proportion to their length
    share_motion_1 = env.command.motion_ids.float().mean().item()
    assert abs(share_motion_1 - 120 / 370) < 0.08


def test_composes_with_another_curriculum_term(make_env):
    env = make_env(["curriculum=[adaptive,action_rate_ramp]", "curriculum.action_rate_ramp.params.num_steps=2"])
    assert env.curriculum_manager.active_terms == ["adaptive", "action_rate_ramp"]
    log = env.reset()
    assert "Curriculum/action_rate_ramp" in log and "Curriculum/adaptive/top1_prob" in log
    for _ in range(3):
        env.fail_flag[0] = True  # curriculum terms run only when some env resets
        env.step()
    assert env.reward_manager.get_term_cfg("action_rate").weight == -0.5


def test_missing_event_is_reported(make_env):
    env = make_env()
    env.event_manager._mode_term_cfgs["reset"].clear()  # a task that dropped the start event
    env.event_manager._mode_term_names["reset"].clear()
    env.reset()
    env.fail_flag[0] = True
    with pytest.raises(RuntimeError, match="without the AdaptiveStartEvent"):
        env.step()


def test_missing_fold_event_is_reported(make_env):
    env = make_env()
    env.event_manager._mode_term_cfgs["interval"].clear()  # a task that dropped the fold event
    env.event_manager._mode_term_names["interval"].clear()
    env.reset()
    with pytest.raises(RuntimeError, match="AdaptiveFoldEvent interval event is missing"):
        for _ in range(3):
            env.fail_flag[0] = True
            env.step()


def test_wrong_command_name_is_reported(make_env):
    with pytest.raises(ValueError, match=r"no command term named 'ref'.*curriculum\.adaptive\.command_name"):
        make_env(["curriculum.adaptive.command_name=ref"])


@pytest.mark.parametrize("name,value", [("metrics_interval_steps", 0), ("state_save_interval_steps", 2.5)])
def test_bad_term_intervals_are_refused_at_construction(make_env, name, value):
    with pytest.raises(
        ValueError, match=rf"AdaptiveCurriculumTermCfg.{name}={value!r} is invalid: expected an int >= 1"
    ):
        make_env(term_fields={name: value})
