"""The terms over a run's life, in the real Isaac Lab managers: warm-up, save and restore, uniform starts."""

from __future__ import annotations

import torch
from manager_env import adaptive_term

from beyondmimic_adaptive.sampler import read_sampler_state, state_digest
from beyondmimic_adaptive.terms import AdaptiveSamplingCurriculum

ONE_BIN = ["curriculum.adaptive.lambda_uniform=0.0", "curriculum.adaptive.K=1", "curriculum.adaptive.alpha=1.0"]
"""Starts follow the rates alone: once a bin failed, every adaptive start is in it."""


def sampler_tensors(term: AdaptiveSamplingCurriculum) -> dict[str, torch.Tensor]:
    """Every tensor the live sampler keeps (statistics, pending counts and derived buffers)."""
    return {name: value for name, value in vars(term.sampler).items() if isinstance(value, torch.Tensor)}


def fail_in_bin(env, term: AdaptiveSamplingCurriculum, hard_bin: int) -> None:
    """Every env ends its episode this step: failing if it started in ``hard_bin``, timing out otherwise."""
    env.fail_flag[:] = term.start_bins == hard_bin
    env.timeout_flag[:] = ~env.fail_flag
    env.step()


def test_warmup_ends_through_the_terms(make_env):
    torch.manual_seed(0)
    warmup, hard_bin = 6, 2
    env = make_env([*ONE_BIN, f"curriculum.adaptive.warmup_steps={warmup}"], num_envs=64)
    env.reset()
    term = adaptive_term(env)
    for step in range(1, 2 * warmup):
        fail_in_bin(env, term, hard_bin)
        # the terms hand the env step to the sampler: it drives the warm-up
        assert term.sampler.env_step == env.common_step_counter == step
        assert term.sampler.in_warmup == (step < warmup)
        if step < warmup:  # bin 2 failed every time, but starts stay uniform over frames
            assert len(term.start_bins.unique()) >= 4, term.start_bins.unique()
        else:
            assert bool((term.start_bins == hard_bin).all()), term.start_bins.unique()
    reset_ids = env.step()  # a step without resets: the fold keeps the env step current (saves record it)
    assert len(reset_ids) == 0 and term.sampler.env_step == env.common_step_counter == 2 * warmup


def test_a_restored_env_step_counts_towards_the_warmup(make_env, tmp_path):
    path = tmp_path / "state.pt"
    source = make_env(ONE_BIN, num_envs=16)
    source.reset()
    term = adaptive_term(source)
    for _ in range(3):
        fail_in_bin(source, term, 2)
    term.sampler.env_step = 1000  # a long run's state
    term.save_state(str(path))
    resumed = make_env([*ONE_BIN, "curriculum.adaptive.warmup_steps=500"], num_envs=16)
    adaptive_term(resumed).restore_state(str(path))
    resumed.reset()  # the first starts of the resumed run: past the warm-up, from the restored rates
    assert adaptive_term(resumed).env_step == 1000
    assert not adaptive_term(resumed).sampler.in_warmup
    assert bool((adaptive_term(resumed).start_bins == 2).all())


def test_save_and_restore_through_the_terms_is_exact_with_pending_counts(make_env, tmp_path):
    """Every tensor of the live sampler comes back, the pending (not yet folded) counts included."""
    torch.manual_seed(1)
    overrides = ["curriculum.adaptive.attribution=hazard", "curriculum.adaptive.alpha=0.3"]
    env = make_env(overrides, num_envs=16)
    env.reset()
    term = adaptive_term(env)
    for step in range(8):
        env.fail_flag[:] = torch.rand(16) < 0.3
        env.timeout_flag[step % 16] = True
        env.step()
    # episodes and exposure recorded after the last fold: saved as pending
    term.sampler.record(torch.tensor([0, 3, 3, 6]), torch.tensor([True, False, True, True]))
    term.sampler.record_exposure(torch.tensor([1, 1, 5]))
    saved = sampler_tensors(term)
    for name in ("failure_counts", "exposure_counts", "_pending", "_hazard_counts", "failure_rate"):
        assert bool((saved[name] != 0).any()), f"the test needs non-zero {name}"
    assert bool((term.sampler._pending[:, 1] > 0).any())  # pending failures, not only episodes
    path = tmp_path / "state.pt"
    term.save_state(str(path))

    resumed = make_env(overrides, num_envs=16)
    restored = adaptive_term(resumed)
    digest = restored.restore_state(str(path))
    assert digest == state_digest(term.sampler.state_dict())
    assert restored.env_step == term.env_step == 8
    loaded = sampler_tensors(restored)
    assert loaded.keys() == saved.keys()
    for name, value in saved.items():
        assert torch.equal(loaded[name], value), f"{name} differs after the restore"
    # the first log after the restore shows the restored statistics, not those of the empty sampler it replaced
    logged = restored._log(resumed)
    assert logged is not None and float(logged["seen_fraction"]) > 0 and float(logged["mean_failure_rate"]) > 0
    for name, value in restored.sampler.metrics().items():
        assert torch.equal(logged[name], value), f"logged {name} is not the restored sampler's"
    # the same next fold on both (the envs' commands differ, so fold the sampler alone): the pending
    # counts were restored as pending, not dropped or folded twice
    term.sampler.fold()
    restored.sampler.fold()
    for name, value in sampler_tensors(term).items():
        assert torch.equal(sampler_tensors(restored)[name], value), f"{name} differs after the next fold"


def test_restore_reports_the_digest_of_the_loaded_sampler_not_of_the_file(make_env, tmp_path):
    # a version-1 file is upgraded on load: the file and the loaded sampler have different digests
    env = make_env(num_envs=8)
    env.reset()
    term = adaptive_term(env)
    env.fail_flag[:3] = True
    env.step()
    state = term.sampler.state_dict()
    old = {k: v for k, v in state.items() if k not in ("attribution", "exposure_counts", "hazard_counts")}
    old = {**old, "format": "beyondmimic_adaptive.sampler/1", "pending": state["pending"][:, :2].clone()}
    path = tmp_path / "v1.pt"
    torch.save(old, path)
    restored = adaptive_term(make_env(num_envs=8))
    digest = restored.restore_state(str(path))
    assert digest == state_digest(restored.sampler.state_dict())
    assert digest != state_digest(read_sampler_state(path))
    assert torch.equal(restored.sampler.failure_counts, term.sampler.failure_counts)


def test_the_initial_reset_records_no_episode(make_env):
    env = make_env(num_envs=64)
    env.reset()
    term = adaptive_term(env)
    term.fold_statistics()  # fold whatever the reset recorded: nothing ran, so nothing
    assert term.sampler.episode_counts.sum() == 0 and term.sampler.failure_counts.sum() == 0


def test_uniform_command_starts_cover_each_motions_frames_and_no_other(make_env):
    """Without adaptive sampling the command starts uniformly over every frame of every motion."""
    frames = (3, 2, 4)  # tiny motions: every (motion, frame) pair, and each motion's end, shows up
    env = make_env(["curriculum.adaptive.enabled=false"], num_envs=4500, motion_num_frames=frames)
    torch.manual_seed(2)
    env.reset()
    command = env.command
    limits = torch.tensor(frames)[command.motion_ids]
    assert bool((command.time_steps >= 0).all()) and bool((command.time_steps < limits).all())
    pairs = torch.tensor([0, 3, 5])[command.motion_ids] + command.time_steps  # global frame 0..8
    share = torch.bincount(pairs, minlength=9).double() / 4500
    assert share.shape == (9,)
    torch.testing.assert_close(share, torch.full((9,), 1 / 9, dtype=torch.float64), atol=0.025, rtol=0)
    # the same draw, straight from the command: 20 000 starts, still inside their motions
    motion, time = command._uniform_starts(20_000)
    assert bool((time >= 0).all()) and bool((time < torch.tensor(frames)[motion]).all())
    assert sorted(set(zip(motion.tolist(), time.tolist(), strict=True))) == [
        (m, t) for m, n in enumerate(frames) for t in range(n)
    ]
