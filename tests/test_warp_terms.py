"""The Isaac Lab terms on the Warp-fused step (``curriculum.adaptive.warp_step=true``), in the real managers.

With ``warp_step`` the curriculum term stages its rows in :class:`WarpFusedStep`'s inputs, the fold event
replays the step (record, exposure, fold, a start drawn for every env) and the start event gathers the
reset envs' draws (``sampler/warp_per_env.py``). On Warp's CPU device, against the default torch path:

- the same episode outcomes and starts give the same statistics (counts and rates bit for bit, as
  ``test_warp_step.py`` finds for the sampler; kernel masses and probabilities within float32 rounding);
- starts lie inside the clips, follow the distribution (warm-up's end included) and are not reused;
- save and restore round-trip; ``max_prob_ratio`` is refused with its message when the config is parsed.
"""

from __future__ import annotations

import pytest
import torch
from manager_env import run_alike

from beyondmimic_adaptive.hydra_config import ConfigError
from beyondmimic_adaptive.sampler import state_digest
from beyondmimic_adaptive.terms import AdaptiveSamplingCurriculum

pytest.importorskip("warp")
from beyondmimic_adaptive.sampler.warp_per_env import WarpPerEnvSampling

WARP = ["curriculum.adaptive.warp_step=true"]
ONE_BIN = ["curriculum.adaptive.lambda_uniform=0.0", "curriculum.adaptive.K=1", "curriculum.adaptive.alpha=1.0"]
"""Starts follow the rates alone: once a bin failed, every adaptive start is in it."""
NUM_ENVS = 16
STATISTICS = ("failure_rate", "episode_counts", "failure_counts", "exposure_counts", "_hazard_counts", "_pending")


def adaptive_term(env) -> AdaptiveSamplingCurriculum:
    return env.curriculum_manager.cfg.adaptive.func


def test_the_term_runs_on_the_fused_step(make_env):
    assert isinstance(adaptive_term(make_env(WARP, num_envs=4)).per_env, WarpPerEnvSampling)
    assert not isinstance(adaptive_term(make_env(num_envs=4)).per_env, WarpPerEnvSampling)


@pytest.mark.parametrize("attribution", ["start", "failure", "hazard"])
def test_same_outcomes_and_starts_give_the_default_paths_statistics(make_env, attribution):
    """Both envs see the same terminations; the default env takes the Warp env's starts (its draws are
    the only thing that differs), so both record the same rows every step."""
    overrides = [f"curriculum.adaptive.attribution={attribution}", "curriculum.adaptive.alpha=0.3"]
    overrides += ["curriculum.adaptive.warmup_steps=4", "curriculum.adaptive.K=3"]
    fused_env, torch_env = make_env([*overrides, *WARP], num_envs=NUM_ENVS), make_env(overrides, num_envs=NUM_ENVS)
    fused, default = adaptive_term(fused_env), adaptive_term(torch_env)
    drawn: list[tuple[torch.Tensor, ...]] = []
    fused_starts = fused.per_env.starts

    def keep_starts(rows):
        starts = fused_starts(rows)
        drawn.append(tuple(t.clone() for t in starts))
        return starts

    fused.per_env.starts = keep_starts  # type: ignore[method-assign]
    default.per_env.starts = lambda rows: drawn.pop()  # type: ignore[method-assign]

    def same_starts() -> None:
        assert not drawn
        assert torch.equal(fused.start_bins, default.start_bins)
        assert torch.equal(fused_env.command.time_steps, torch_env.command.time_steps)

    run_alike((fused_env, torch_env), 3, same_starts)
    for name in STATISTICS:  # counts are small integers; the rates the same element-wise maths
        fused_values, default_values = getattr(fused.sampler, name), getattr(default.sampler, name)
        if name == "failure_rate" and attribution == "hazard":  # expm1 through float64 vs torch's float32: an ulp
            ulp = torch.finfo(torch.float32).eps * default_values.abs()
            assert bool(((fused_values - default_values).abs() <= 2 * ulp).all()), name
        else:
            assert torch.equal(fused_values, default_values), name
    assert bool((fused.sampler.failure_counts > 0).any())
    torch.testing.assert_close(fused.sampler.probabilities, default.sampler.probabilities, rtol=1e-5, atol=1e-7)
    assert fused.sampler.env_step == default.sampler.env_step == 40


def test_starts_lie_inside_the_clips_and_match_their_bins(make_env):
    torch.manual_seed(0)
    frames = (250, 120)
    env = make_env([*WARP, "curriculum.adaptive.warmup_steps=0"], num_envs=64, motion_num_frames=frames)
    term = adaptive_term(env)
    env.reset()
    motions_seen = set()
    for step in range(30):
        env.fail_flag[:] = torch.rand(64) < 0.3
        reset_ids = env.step().long()
        if step == 0:  # one step after the initial reset: the failed envs restart
            assert len(reset_ids) > 0
        command = env.command
        started = command.robot_frame[reset_ids]
        motions = command.robot_motion[reset_ids]
        limits = torch.tensor(frames)[motions]
        assert bool(((started >= 0) & (started < limits)).all())
        assert torch.equal(term.sampler.bin_index(motions, started), term.start_bins[reset_ids])
        motions_seen |= set(motions.tolist())
    assert motions_seen == {0, 1}


def test_the_warmups_end_switches_the_draws_at_the_same_step(make_env):
    """Draws made at a warm-up fold are not used once the warm-up has ended: the same step as the torch path."""
    torch.manual_seed(0)
    warmup, hard_bin = 6, 2
    env = make_env([*WARP, *ONE_BIN, f"curriculum.adaptive.warmup_steps={warmup}"], num_envs=64)
    env.reset()
    term = adaptive_term(env)
    for step in range(1, 2 * warmup):
        env.fail_flag[:] = term.start_bins == hard_bin
        env.timeout_flag[:] = ~env.fail_flag
        env.step()
        assert term.sampler.in_warmup == (step < warmup)
        if step < warmup:
            assert len(term.start_bins.unique()) >= 4, term.start_bins.unique()
        else:
            assert bool((term.start_bins == hard_bin).all()), term.start_bins.unique()


def test_a_second_reset_before_the_fold_gets_new_draws(make_env):
    torch.manual_seed(0)
    env = make_env(WARP, num_envs=64)
    term = adaptive_term(env)
    env.reset()
    env.step()  # no resets; the fold draws a start for every env
    env.reset()  # uses those draws
    first = env.command.robot_frame.clone()
    env.reset()  # no fold in between (an eval loop's reset): the draws were used, so it draws afresh
    assert bool((env.command.robot_frame != first).any())
    assert torch.equal(term.sampler.bin_index(env.command.robot_motion, env.command.robot_frame), term.start_bins)


@pytest.mark.parametrize("switch", [[0, 0, 0, 0, 0, 0, 0, 1], None])
def test_a_new_manual_override_between_fold_and_reset_gets_new_draws(make_env, switch):
    """An override rewrites the same CDF tensor in place: the fold's draws from the previous one were used."""
    env = make_env([*WARP, "curriculum.adaptive.manual_probabilities=[1,0,0,0,0,0,0,0]"], num_envs=8)
    term = adaptive_term(env)
    env.reset()
    env.step()  # the fold draws every env's next start from the first override: bin 0
    term.sampler.set_manual_probabilities(switch)  # another override, or back to adaptive (uniform: no statistics)
    env.fail_flag[:] = True
    env.step()  # every env restarts
    if switch is not None:
        assert bool((term.start_bins == 7).all()), term.start_bins
    else:
        assert bool((term.start_bins != 0).any()), term.start_bins


def test_a_second_exposure_before_a_fold_is_refused():
    from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg

    cfg = AdaptiveSamplerCfg(attribution="hazard", warp_step=True)
    per_env = WarpPerEnvSampling(AdaptiveSampler(cfg, [30], fps=10), 4, seed=0)
    per_env.record_exposure(torch.tensor([0, 0, 1, 1]))
    with pytest.raises(RuntimeError, match=r"record_exposure: called twice before a fold.*fold\(\) between"):
        per_env.record_exposure(torch.tensor([2, 2, 2, 2]))  # it replaced the first row (PerEnvSampling adds both)
    per_env.fold()
    assert per_env.sampler.exposure_counts.tolist() == [2.0, 2.0, 0.0]
    per_env.record_exposure(torch.tensor([2, 2, 2, 2]))  # a fold in between: allowed


def test_two_records_before_a_fold_count_both(make_env):
    """A reset between steps (staged rows waiting) keeps the staged rows: they go in with the torch record."""
    env = make_env(WARP, num_envs=8)
    term = adaptive_term(env)
    env.reset()
    env.fail_flag[:3] = True
    env.step()  # 3 failures, folded
    env.episode_length_buf[:] = 5
    env.termination_manager.compute()
    env.fail_flag[3:5] = True
    dones = env.termination_manager.compute()
    env.reset(dones.nonzero().squeeze(-1).int())  # staged: 2 failures
    env.fail_flag[:] = False
    env.fail_flag[5] = True
    env.step()  # a second record before this step's fold
    assert int(term.sampler.failure_counts.sum()) == 3 + 2 + 1


def test_save_and_restore_round_trip(make_env, tmp_path):
    path = tmp_path / "state.pt"
    overrides = [*WARP, *ONE_BIN, "curriculum.adaptive.attribution=hazard", "curriculum.adaptive.warmup_steps=0"]
    source = make_env(overrides, num_envs=16)
    source.reset()
    term = adaptive_term(source)
    for _ in range(4):
        source.fail_flag[:] = term.start_bins == 2
        source.timeout_flag[:] = ~source.fail_flag
        source.step()
    term.save_state(str(path))
    resumed = make_env(overrides, num_envs=16)
    restored = adaptive_term(resumed)
    resumed.reset()
    for _ in range(3):  # the resumed env runs a while before the restore: its fold drew from its own statistics
        resumed.timeout_flag[:] = True
        resumed.step()
    digest = restored.restore_state(str(path))
    assert digest == state_digest(term.sampler.state_dict())
    for name in STATISTICS:
        assert torch.equal(getattr(restored.sampler, name), getattr(term.sampler, name)), name
    resumed.reset()  # the next starts come from the restored rates (every one in the failed bin)
    assert bool((restored.start_bins == 2).all()), restored.start_bins.unique()


def test_max_prob_ratio_is_refused_with_its_fix(make_env):
    with pytest.raises(ConfigError, match=r"warp_step=True is invalid: .*max_prob_ratio to null or warp_step to false"):
        make_env([*WARP, "curriculum.adaptive.max_prob_ratio=2.0"], num_envs=4)


def test_the_kitless_humanoid_task_trains_its_sampler_on_the_fused_step():
    """The real tracking task (Newton physics on the CPU, zero actions: the robots fall): every episode counted
    once, failures only from failure terms, each reset env started in the bin the fused step drew."""
    from isaaclab.envs import ManagerBasedRLEnv

    from beyondmimic_adaptive.assets import DEMO_SHORT_MOTION
    from beyondmimic_adaptive.tasks.tracking.config.humanoid import TrackingHumanoidEnvCfg
    from beyondmimic_adaptive.terms import find_adaptive_curriculum

    torch.manual_seed(0)
    cfg = TrackingHumanoidEnvCfg()
    cfg.scene.num_envs = 4
    cfg.commands.motion.motion_files = [str(DEMO_SHORT_MOTION)]
    cfg.curriculum.adaptive.sampler.warp_step = True
    env = ManagerBasedRLEnv(cfg=cfg)
    try:
        term = find_adaptive_curriculum(env, "adaptive")
        assert isinstance(term.per_env, WarpPerEnvSampling)
        env.reset()
        action = torch.zeros(env.num_envs, env.action_manager.total_action_dim)
        command = env.command_manager.get_term("motion")
        failed = ended = 0
        for _ in range(60):
            _, _, terminated, truncated, _ = env.step(action)
            failed += int(terminated.sum())
            ended += int((terminated | truncated).sum())
            reset = (terminated | truncated).nonzero().squeeze(-1)
            # the command advanced one frame after the reset
            started = command.time_steps[reset] - 1
            assert torch.equal(term.sampler.bin_index(command.motion_ids[reset], started), term.start_bins[reset])
        assert failed > 0
        assert int(term.sampler.failure_counts.sum()) == failed
        assert int(term.sampler.episode_counts.sum()) == ended
        assert term.sampler.env_step == env.common_step_counter == 60
    finally:
        env.close()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA (the graph replay and its host syncs)")
@pytest.mark.parametrize("attribution", ["start", "hazard"])
def test_on_cuda_the_terms_calls_replay_one_graph_without_syncs(attribution):
    """The term's calls on CUDA under ``set_sync_debug_mode("error")`` after the graphs' capture: the same
    statistics as the torch sampler fed the same rows (counts bit for bit, probabilities to float32)."""
    from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg

    num_envs, frames = 512, [120, 57, 300]
    cfg = AdaptiveSamplerCfg(attribution=attribution, alpha=0.3, warmup_steps=0)  # type: ignore[arg-type]
    reference = AdaptiveSampler(cfg, frames, fps=10, device="cuda", fixed_shapes=True)
    warp_cfg = AdaptiveSamplerCfg(**{**vars(cfg), "warp_step": True})
    per_env = WarpPerEnvSampling(AdaptiveSampler(warp_cfg, frames, fps=10, device="cuda"), num_envs, seed=1)
    generator = torch.Generator().manual_seed(0)
    steps = []
    for _ in range(30):
        finished = torch.rand(num_envs, generator=generator) < 0.2
        steps.append(
            [
                torch.randint(0, reference.num_bins, (num_envs,), generator=generator).cuda(),
                (torch.rand(num_envs, generator=generator) < 0.4).cuda(),
                finished.cuda(),
                torch.randint(0, reference.num_bins, (num_envs,), generator=generator).cuda(),
                finished.nonzero().squeeze(1).cuda(),
            ]
        )
    torch.cuda.synchronize()
    for index, (bins, failed, finished, current, ids) in enumerate(steps):
        if index >= 10:  # the graphs are captured by now
            torch.cuda.set_sync_debug_mode("error")
        try:
            per_env.record(bins, failed, finished, rows=ids)
            reference.record(bins, failed, mask=finished)
            if attribution == "hazard":
                per_env.record_exposure(current)
                reference.record_exposure(current)
            per_env.fold()
            reference.fold()
            start_bins, motions, start_frames = per_env.starts(ids)
        finally:
            torch.cuda.set_sync_debug_mode(0)
    warp = per_env.sampler
    assert torch.equal(warp.bin_index(motions, start_frames), start_bins)  # the last step's starts
    for name in ("episode_counts", "failure_counts", "exposure_counts", "_pending"):
        assert torch.equal(getattr(warp, name), getattr(reference, name)), name
    torch.testing.assert_close(warp.failure_rate, reference.failure_rate, rtol=1e-6, atol=1e-7)
    torch.testing.assert_close(warp.probabilities, reference.probabilities, rtol=1e-5, atol=1e-7)
