"""The curriculum and event terms inside the REAL Isaac Lab managers, reset in Isaac Lab's order."""

from __future__ import annotations

import pytest
import torch
from manager_env import use_graph_path

from beyondmimic_adaptive.terms import AdaptiveSamplingCurriculum, find_adaptive_curriculum


def adaptive_term(env) -> AdaptiveSamplingCurriculum:
    return env.curriculum_manager.cfg.adaptive.func


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


PATHS = [(attribution, path) for path in ("cpu_path", "graph_path") for attribution in ("start", "failure", "hazard")]
"""Every attribution on both paths; the compiled graph body (slow to compile on the CPU) with the end-bin one."""


def _real_warp() -> bool:
    """Whether NVIDIA Warp itself imports (the Isaac Lab 2 lane stands it in: tests/isaaclab2/isaacsim_standins.py)."""
    try:
        import warp
    except ImportError:
        return False
    return isinstance(getattr(warp, "__version__", None), str)


NEEDS_WARP = pytest.mark.skipif(not _real_warp(), reason="needs NVIDIA Warp (warp_step)")
WARP_REPLAY = [pytest.param(a, "warp_replay", marks=NEEDS_WARP) for a in ("start", "failure")]
"""``warp_step`` on the graph path: the record replay also folds, with Warp kernels (no hazard: see the term)."""


@pytest.mark.parametrize(("attribution", "path"), [*PATHS, ("failure", "compiled_graph_path"), *WARP_REPLAY], ids=str)
def test_only_failure_terms_count_as_failures(make_env, attribution, path):
    # starts outside the last bins, so no episode reaches a motion's end on its own in 3 steps
    starts = "curriculum.adaptive.manual_probabilities=[1,1,1,1,0,1,1,0]"
    overrides = [f"curriculum.adaptive.attribution={attribution}", starts]
    if path == "compiled_graph_path":  # the body torch.compile'd (fullgraph) before the capture, as on CUDA
        overrides.append("curriculum.adaptive.compile=true")
    if path == "warp_replay":
        overrides.append("curriculum.adaptive.warp_step=true")
    # a log every env step (the default logs once per metrics_interval_steps, the mean per reset)
    env = make_env(overrides, num_envs=12, term_fields={"metrics_interval_steps": 1})
    term, command = adaptive_term(env), env.command
    if path != "cpu_path":  # what runs on CUDA (full-width rows, the term's record as one graph body), eagerly
        use_graph_path(term)
        assert term._record_graph is not None and term.draws_starts  # every attribution: one graph body
        assert (term._fused is not None) == (path == "warp_replay")
    env.reset()
    for _ in range(3):
        env.step()
    start_bins = term.start_bins.clone()
    end_bins = term.sampler.bin_index(command.motion_ids, command.time_steps)
    # envs 0-2 fall (failure), 3-5 time out, 6-8 reach the motion's end, 9-11 keep running
    command.time_steps[6:9] = torch.tensor([249, 119], dtype=torch.long)[command.motion_ids[6:9]]
    end_bins[6:9] = term.sampler.bin_index(command.motion_ids[6:9], command.time_steps[6:9])
    env.fail_flag[0:3] = True
    env.timeout_flag[3:6] = True
    reset_ids = env.step()
    assert reset_ids.tolist() == list(range(9))
    assert not term._finished.any()  # the reset mask is all False between calls: the next call marks only its ids
    counted = start_bins if attribution == "start" else end_bins
    expected_episodes = torch.zeros(term.sampler.num_bins, dtype=torch.float64)
    expected_failures = torch.zeros_like(expected_episodes)
    expected_episodes.index_add_(0, counted[:9], torch.ones(9, dtype=torch.float64))
    expected_failures.index_add_(0, counted[:3], torch.ones(3, dtype=torch.float64))
    assert torch.equal(term.sampler.episode_counts, expected_episodes)
    assert torch.equal(term.sampler.failure_counts, expected_failures)
    log = env.extras["log"]
    # float(): Isaac Lab 3.0 logs the tensors, 2.x their .item()
    assert float(log["Curriculum/adaptive/failures/fell"]) == 3
    assert float(log["Curriculum/adaptive/episodes"]) == 9
    assert term.failure_terms == ["fell"]
    # hazard: every env's current bin gets one step of exposure per env step (4 steps x 12 envs)
    assert term.sampler.exposure_counts.sum().item() == (48 if attribution == "hazard" else 0)
    if path == "compiled_graph_path":  # the counts above came from the compiled body
        assert hasattr(term._record_graph._graphed._step, "_torchdynamo_orig_callable")


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


WARP_CUDA = [pytest.param(a, True, marks=NEEDS_WARP) for a in ("start", "failure")]
"""With ``warp_step`` the replay also folds (the sampler's counts are totals after each step)."""


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA (the term's record as a graph replay)")
@pytest.mark.parametrize(("attribution", "warp"), [(a, False) for a in ("start", "failure", "hazard")] + WARP_CUDA)
def test_on_cuda_the_terms_record_is_one_graph_replay_that_counts_every_ended_episode(make_env, attribution, warp):
    from beyondmimic_adaptive.sampler.graphed import CudaGraphedStep

    num_envs = 64
    env = make_env(
        [f"curriculum.adaptive.attribution={attribution}", f"curriculum.adaptive.warp_step={str(warp).lower()}"],
        num_envs=num_envs,
        device="cuda",
        term_fields={"metrics_interval_steps": 1},
    )
    term, command = adaptive_term(env), env.command
    generator = torch.Generator().manual_seed(0)
    episodes = torch.zeros(term.sampler.num_bins, dtype=torch.float64)
    failures = torch.zeros_like(episodes)
    env.reset()
    for _ in range(12):
        fell = torch.rand(num_envs, generator=generator) < 0.3
        env.fail_flag.copy_(fell)
        env.timeout_flag.copy_((torch.rand(num_envs, generator=generator) < 0.1) & ~fell)
        # start attribution charges the bin an episode started in, the others the bin it ends in (the reset
        # comes before the command's update in ManagerBasedRLEnv.step: the frame it stands at now)
        charged = (
            term.start_bins
            if attribution == "start"
            else term.sampler.bin_index(command.motion_ids, command.time_steps)
        )
        charged = charged.to("cpu", copy=True)
        reset_ids = env.step().long().cpu()  # every reset of a step ended a running episode (a term fired)
        episodes.index_add_(0, charged[reset_ids], torch.ones(len(reset_ids), dtype=torch.float64))
        failed = reset_ids[fell[reset_ids]]
        failures.index_add_(0, charged[failed], torch.ones(len(failed), dtype=torch.float64))
        assert float(env.extras["log"]["Curriculum/adaptive/episodes"]) == len(reset_ids)
    assert episodes.sum() > 100 and failures.sum() > 50
    assert torch.equal(term.sampler.episode_counts.cpu(), episodes)
    assert torch.equal(term.sampler.failure_counts.cpu(), failures)
    graphed = term._record_graph._graphed
    assert isinstance(graphed, CudaGraphedStep) and graphed._graph is not None  # captured and replayed
    assert term._record_graph.recaptures == 0  # Isaac Lab's buffers stayed where the capture read them
    assert (term._fused is not None) == warp and int(term.sampler._pending.sum()) == 0  # folded every step
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:  # a mid-episode reset of 4 envs (no term fired: it ends no episode), with no host sync
        term(env, torch.arange(4, device="cuda", dtype=torch.int32))
    finally:
        torch.cuda.set_sync_debug_mode(0)
    assert torch.equal(term.sampler.episode_counts.cpu(), episodes)  # folded later; nothing recorded either
    assert int(term.sampler._pending.sum()) == 0


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
    assert int(term.sampler.probabilities.argmax()) == hard_bin
    assert (term.start_bins == hard_bin).float().mean() > 0.9


def test_log_values_reach_extras(make_env):
    env = make_env()
    log = env.reset()
    for key in [
        "entropy_normalized",
        "top1_prob",
        "top1_bin",
        "effective_bins",
        "mean_failure_rate",
        "failures/fell",
        "episodes",
    ]:
        assert f"Curriculum/adaptive/{key}" in log


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


def counts(term) -> tuple[float, float]:
    return term.sampler.episode_counts.sum().item(), term.sampler.failure_counts.sum().item()


def test_resets_without_a_termination_count_no_episode(make_env):
    # starts outside the last bins: nothing reaches a motion's end during the test
    every_step = {"metrics_interval_steps": 1}  # a log every env step
    env = make_env(["curriculum.adaptive.manual_probabilities=[1,1,1,1,0,1,1,0]"], num_envs=8, term_fields=every_step)
    env.reset()
    term = adaptive_term(env)
    for _ in range(3):
        env.step()
    # an eval loop or a wrapper resets some envs mid-episode (tensor, list, slice), then all of them
    env.reset(torch.tensor([0, 1], dtype=torch.int32))
    env.reset([2, 3])
    env.reset(slice(4, 6))
    env.reset()
    env.step()  # folds what the resets recorded
    assert counts(term) == (0.0, 0.0)
    for _ in range(2):
        env.step()
    # a visualizer's reset request marks every env "terminated" and resets it: no failure, no episode
    env.step(ui_reset=True)
    env.step()
    assert counts(term) == (0.0, 0.0)
    assert float(env.extras["log"]["Curriculum/adaptive/episodes"]) == 0
    # a real failure in the same step as a UI reset still counts, and only it
    env.step()
    env.fail_flag[5] = True
    env.step(ui_reset=True)
    env.step()
    assert counts(term) == (1.0, 1.0)
    # a reset right after a step-reset (episode length 0) does not count the same episode twice
    env.timeout_flag[6] = True
    env.step()
    env.reset(torch.tensor([6]))
    env.step()
    assert counts(term) == (2.0, 1.0)


def test_stale_term_values_of_a_past_episode_do_not_count_an_external_reset(make_env, monkeypatch):
    # Isaac Lab 2.3.0's get_term returns each env's values of its LAST episode end ("last episode dones"):
    # an env reset from outside mid-episode still shows the term that ended its previous episode
    env = make_env(["curriculum.adaptive.manual_probabilities=[1,1,1,1,0,1,1,0]"], num_envs=8)
    env.reset()
    term = adaptive_term(env)
    env.step()
    env.fail_flag[3] = True
    env.step()  # env 3 fails: one episode, one failure
    env.step()
    assert counts(term) == (1.0, 1.0)
    terminations = env.termination_manager
    stale = {name: torch.zeros(env.num_envs, dtype=torch.bool) for name in terminations.active_terms}
    stale["fell"][3] = True  # what 2.3.0 still reports for env 3, two steps later
    monkeypatch.setattr(terminations, "get_term", lambda name: stale[name])
    env.reset(torch.tensor([3]))  # an eval loop resets env 3 mid-episode: it ended no episode
    monkeypatch.undo()
    env.step()
    assert counts(term) == (1.0, 1.0)


def test_the_counts_are_logged_once_per_interval_as_their_mean_per_reset(make_env):
    # Isaac Lab clones every logged tensor at every reset (2.x reads each with .item()): log once per interval
    env = make_env(["curriculum.adaptive.manual_probabilities=[1,1,1,1,0,1,1,0]"], num_envs=8,
                   term_fields={"metrics_interval_steps": 3})  # fmt: skip
    assert "Curriculum/adaptive/episodes" in env.reset()  # step 0: the first log
    term = find_adaptive_curriculum(env, "adaptive")
    logged, folded = [], []
    for fallen in (2, 0, 4, 1, 1, 1):  # env steps 1..6: envs 0..fallen-1 fail
        env.fail_flag[:fallen] = True
        folded.append(term.sampler.metrics())  # what the folds so far give (a log comes before the step's fold)
        env.step()
        logged.append(env.extras["log"].get("Curriculum/adaptive/episodes"))
    assert [value is None for value in logged] == [True, True, False, True, True, False]
    # each log is the mean per reset since the last: steps 1-3 (2, 4 fell; no reset at step 2), then 4-6
    assert float(logged[2]) == 3.0 and float(logged[5]) == 1.0
    assert float(env.extras["log"]["Curriculum/adaptive/failures/fell"]) == 1.0
    assert "Curriculum/adaptive/top1_prob" in env.extras["log"]  # the distribution metrics on the same cadence
    # of the statistics folded up to the log: they were an interval behind (at step 3 the empty sampler's)
    for name, value in folded[5].items():  # Isaac Lab 2.x logs floats (it reads each tensor with .item())
        assert float(env.extras["log"][f"Curriculum/adaptive/{name}"]) == float(value), name
    assert float(folded[2]["seen_fraction"]) > 0 and float(folded[5]["mean_failure_rate"]) != float(
        folded[2]["mean_failure_rate"]
    )
