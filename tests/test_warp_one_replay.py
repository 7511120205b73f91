"""``warp_step`` on the CUDA-graph path: the curriculum term's record replay also draws with Warp and folds.

What a CUDA env runs with ``curriculum.adaptive.warp_step=true`` (start or failure attribution, a command with masked
requests): at each reset one replay reads the ended episodes, records them and draws the reset envs' starts (one
Warp kernel, from the last fold's CDF), folds (two Warp kernels) and requests the starts; the fold event then folds
only on steps without a reset. Here the graph path's bodies run eagerly on Warp's CPU device (``use_graph_path``),
against the torch record replay given the same outcomes and starts.
"""

from __future__ import annotations

import pytest
import torch
from manager_env import run_alike, use_graph_path

from beyondmimic_adaptive.terms import AdaptiveSamplingCurriculum

pytest.importorskip("warp")

NUM_ENVS = 16
STATISTICS = ("failure_rate", "episode_counts", "failure_counts", "_pending", "_kernel_mass")


def adaptive_term(env) -> AdaptiveSamplingCurriculum:
    return env.curriculum_manager.cfg.adaptive.func


def graphed_env(make_env, overrides: list[str], warp: bool):
    env = make_env([*overrides, f"curriculum.adaptive.warp_step={str(warp).lower()}"], num_envs=NUM_ENVS)
    use_graph_path(adaptive_term(env))
    assert (adaptive_term(env)._fused is not None) == warp
    return env


@pytest.mark.parametrize("attribution", ["start", "failure"])
def test_same_outcomes_and_starts_give_the_torch_replays_statistics(make_env, attribution):
    """Both envs see the same terminations; the torch env takes the Warp env's draws (the only thing that differs),
    so both record the same episodes and start the same envs at the same frames every step."""
    overrides = [f"curriculum.adaptive.attribution={attribution}", "curriculum.adaptive.alpha=0.3"]
    overrides += ["curriculum.adaptive.warmup_steps=4", "curriculum.adaptive.K=3"]
    warp_env, torch_env = graphed_env(make_env, overrides, True), graphed_env(make_env, overrides, False)
    warp_term, torch_term = adaptive_term(warp_env), adaptive_term(torch_env)
    fused = warp_term._fused
    draws = torch_term.per_env.sample_from

    def warp_draws(head, total):  # the torch draw's outputs, rewritten with the Warp env's draws
        bins, motions, frames = draws(head, total)
        bins.copy_(fused.start_bins)
        motions.copy_(fused.start_motions)
        frames.copy_(fused.start_frames)
        return bins, motions, frames

    torch_term.per_env.sample_from = warp_draws  # type: ignore[method-assign]

    def same_starts() -> None:
        assert torch.equal(warp_term.start_bins, torch_term.start_bins)
        assert torch.equal(warp_env.command.time_steps, torch_env.command.time_steps)
        starts = warp_term.sampler.bin_index(warp_env.command.motion_ids, warp_env.command.robot_frame)
        assert torch.equal(starts, warp_term.start_bins)  # the robot stands where the replay drew

    run_alike((warp_env, torch_env), 5, same_starts)
    assert warp_term.sampler.episode_counts.sum() > 50
    for name in STATISTICS:  # counts are small integers, the rates the same element-wise maths
        warp_values, torch_values = getattr(warp_term.sampler, name), getattr(torch_term.sampler, name)
        if name == "_kernel_mass":  # fused multiply-adds and another summation order: float32 rounding
            torch.testing.assert_close(warp_values, torch_values, rtol=1e-6, atol=1e-7)
        else:
            assert torch.equal(warp_values, torch_values), name
    torch.testing.assert_close(warp_term.sampler.probabilities, torch_term.sampler.probabilities)


def test_each_env_step_folds_once_in_the_replay_or_else_at_the_fold_event(make_env, monkeypatch):
    env = graphed_env(make_env, ["curriculum.adaptive.manual_probabilities=[1,0,0,0,0,0,0,0]"], True)  # no clip end
    term = adaptive_term(env)
    folds = {"replay": 0, "event": 0}
    fused_fold, sampler_fold = term._fused.fold, term.sampler.fold

    def count(where, fold):
        def counted():
            folds[where] += 1
            fold()

        return counted

    monkeypatch.setattr(term._fused, "fold", count("replay", fused_fold))
    monkeypatch.setattr(term.sampler, "fold", count("event", sampler_fold))
    env.reset()  # the initial reset: a replay (it draws every env's start), nothing recorded
    assert folds == {"replay": 1, "event": 0}
    generator = torch.Generator().manual_seed(2)
    for step in range(12):
        quiet = step % 3 == 2
        env.fail_flag[:] = False if quiet else torch.rand(NUM_ENVS, generator=generator) < 0.4
        before = dict(folds)
        reset_ids = env.step()
        assert (len(reset_ids) == 0) == quiet
        replays = folds["replay"] - before["replay"]
        assert (replays, folds["event"] - before["event"]) == ((0, 1) if quiet else (1, 0)), step
        assert int(term.sampler._pending.sum()) == 0  # the step's episodes are in the statistics


def test_an_env_reset_between_steps_draws_for_its_envs_and_records_nothing(make_env):
    env = graphed_env(make_env, ["curriculum.adaptive.manual_probabilities=[0,0,0,1,0,0,0,0]"], True)
    term, command = adaptive_term(env), env.command
    env.reset()
    env.fail_flag[:4] = True
    env.step()
    totals = term.sampler.episode_counts.clone()
    assert totals.sum() == 4
    env.reset(torch.arange(4, 10))  # mid-episode for envs 4-9: no term fired for them
    assert torch.equal(term.sampler.episode_counts, totals) and int(term.sampler._pending.sum()) == 0
    assert bool((term.start_bins == 3).all())  # the one allowed bin, for the step's resets and the env.reset()'s
    assert torch.equal(term.sampler.bin_index(command.motion_ids, command.robot_frame), term.start_bins)
