"""What the adaptive term counts as an episode and as a failure, in the REAL Isaac Lab managers, and what it logs.

Failure terms (``time_out=False``) fail an episode, time-outs and the motion's end complete it, resets nobody's
termination asked for (an eval loop, a visualizer) end none; on the CPU path, on the graph path run eagerly, and
on CUDA as one graph replay.
"""

from __future__ import annotations

import pytest
import torch
from host_sync import no_host_sync
from manager_env import NEEDS_WARP, adaptive_term, use_graph_path

from beyondmimic_adaptive.sampler import sampler as sampler_module
from beyondmimic_adaptive.terms import (
    AdaptiveFoldEvent,
    AdaptiveSamplingCurriculum,
    AdaptiveStartEvent,
    find_adaptive_curriculum,
)

PATHS = [(attribution, path) for path in ("cpu_path", "graph_path") for attribution in ("start", "failure", "hazard")]
"""Every attribution on both paths; the compiled graph body (slow to compile on the CPU) with the end-bin one."""


WARP_REPLAY = [pytest.param(a, "warp_replay", marks=NEEDS_WARP) for a in ("start", "failure")]
"""``warp_step`` on the graph path: the record replay also folds, with Warp kernels (no hazard: see the term)."""


def guard_term_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every call of the adaptive terms (curriculum, start event, fold event) fails on a host sync from now on."""
    for cls in (AdaptiveSamplingCurriculum, AdaptiveStartEvent, AdaptiveFoldEvent):

        def guarded(self, *args, __call=cls.__call__, **kwargs):
            with no_host_sync(monkeypatch):
                return __call(self, *args, **kwargs)

        monkeypatch.setattr(cls, "__call__", guarded)


@pytest.mark.parametrize(("attribution", "path"), [*PATHS, ("failure", "compiled_graph_path"), *WARP_REPLAY], ids=str)
def test_only_failure_terms_count_as_failures(make_env, monkeypatch, attribution, path):
    # starts outside the last bins, so no episode reaches a motion's end on its own in 3 steps
    starts = "curriculum.adaptive.manual_probabilities=[1,1,1,1,0,1,1,0]"
    overrides = [f"curriculum.adaptive.attribution={attribution}", starts]
    if path == "compiled_graph_path":  # the body torch.compile'd (fullgraph) before the capture, as on CUDA
        overrides.append("curriculum.adaptive.compile=true")
    if path == "warp_replay":
        overrides.append("curriculum.adaptive.warp_step=true")
    if path != "cpu_path":  # the sampler CUDA builds: every fold over all bins (not the CPU's changed-bins fold)
        monkeypatch.setattr(sampler_module, "default_fixed_shapes", lambda *args: True)
    # a log every env step (the default logs once per metrics_interval_steps, the mean per reset)
    env = make_env(overrides, num_envs=12, term_fields={"metrics_interval_steps": 1})
    term, command = adaptive_term(env), env.command
    if path != "cpu_path":  # what runs on CUDA (full-width rows, the term's record as one graph body), eagerly
        assert term.sampler.fixed_shapes
        use_graph_path(term)
        assert term._record_graph is not None and term.draws_starts  # every attribution: one graph body
        assert (term._fused is not None) == (path == "warp_replay")
    env.reset()
    if path in ("graph_path", "warp_replay"):  # what CUDA runs must not sync (the compiled body is traced instead)
        guard_term_calls(monkeypatch)
    exposure = torch.zeros(term.sampler.num_bins, dtype=torch.float64)

    def count_exposure() -> None:  # the fold event's: one step in the bin each env tracks next (the command advanced)
        exposure.index_add_(0, term.sampler.bin_index(command.motion_ids, command.time_steps), torch.ones(12).double())

    for _ in range(3):
        env.step()
        count_exposure()
    start_bins = term.start_bins.clone()
    end_bins = term.sampler.bin_index(command.motion_ids, command.time_steps)
    # envs 0-1 fall and 2 tips over (two failure terms), 3-5 time out, 6-8 reach the motion's end, 9-11 keep running
    command.time_steps[6:9] = torch.tensor([249, 119], dtype=torch.long)[command.motion_ids[6:9]]
    end_bins[6:9] = term.sampler.bin_index(command.motion_ids[6:9], command.time_steps[6:9])
    env.fail_flag[0:2] = True
    env.tip_flag[2] = True
    env.timeout_flag[3:6] = True
    reset_ids = env.step()
    count_exposure()
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
    # float(): Isaac Lab 3.0 logs the tensors, 2.x their .item(); each failure term under its own name
    assert term.failure_terms == ["fell", "tipped"]
    assert float(log["Curriculum/adaptive/failures/fell"]) == 2
    assert float(log["Curriculum/adaptive/failures/tipped"]) == 1
    assert float(log["Curriculum/adaptive/episodes"]) == 9
    # hazard: every env's bin gets one step of exposure per env step (4 steps x 12 envs), bin for bin
    assert torch.equal(term.sampler.exposure_counts, exposure if attribution == "hazard" else exposure * 0)
    assert exposure.sum() == 48 and exposure.count_nonzero() > 1
    if path == "compiled_graph_path":  # the counts above came from the compiled body
        assert hasattr(term._record_graph._graphed._step, "_torchdynamo_orig_callable")


def test_an_episode_ends_at_its_motions_last_frame_and_not_before(make_env):
    # motions of 250 and 120 frames; the other envs start outside the last bins and never get there
    env = make_env(["curriculum.adaptive.manual_probabilities=[1,1,1,1,0,1,1,0]"], num_envs=4)
    env.reset()
    term, command = adaptive_term(env), env.command
    command.motion_ids[:2] = torch.tensor([0, 1])
    command.time_steps[:2] = torch.tensor([247, 117])  # three frames before each motion's end
    for step in (1, 2):  # at frames n - 3 and n - 2: the termination reads the frame before the command advances
        assert env.step().tolist() == [], step
    assert command.time_steps[:2].tolist() == [249, 119]  # now at the last frames
    assert env.step().tolist() == [0, 1]  # the motion_end time-out: two episodes, no failure
    env.step()  # folds them
    assert counts(term) == (2.0, 0.0)


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


def test_the_first_reset_logs_the_empty_samplers_values(make_env):
    env = make_env()  # motions of 250 and 120 frames at 50 fps: 1 s bins of 50, ..., 50, 50, 50, 20 frames
    log = {key.removeprefix("Curriculum/adaptive/"): float(value) for key, value in env.reset().items()}
    # nothing seen yet: starts uniform over the 370 frames, so each bin weighs its frames
    p = torch.tensor([50.0] * 7 + [20.0], dtype=torch.float64) / 370
    entropy = float(-(p * p.log()).sum())
    assert log["top1_prob"] == pytest.approx(50 / 370) and log["top1_bin"] == 0
    assert log["entropy_normalized"] == pytest.approx(entropy / torch.log(torch.tensor(8.0)).item())
    assert log["effective_bins"] == pytest.approx(1 / float((p * p).sum()))  # inverse Simpson index
    assert log["prob_max_over_uniform"] == pytest.approx(8 * 50 / 370)
    for key in ("mean_failure_rate", "seen_fraction", "failures/fell", "failures/tipped", "episodes"):
        assert log[key] == 0.0, key


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
