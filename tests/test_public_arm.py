"""The public BeyondMimic sampler as the third arm (``curriculum=public``): its core, its YAML, the live terms."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from beyondmimic_adaptive.hydra_config import ConfigError, PublicCurriculumNode, compose_config, parse_curriculum
from beyondmimic_adaptive.sampler import (
    MotionInputError,
    PublicBeyondMimicSampler,
    PublicSamplerCfg,
    SamplerStateError,
    public_bin_count,
)

ROOT = Path(__file__).resolve().parents[1]


def core(frames=(500,), **cfg) -> PublicBeyondMimicSampler:
    return PublicBeyondMimicSampler.for_motions(PublicSamplerCfg(**cfg), frames, 50.0, "cpu")


def test_defaults_are_the_public_motion_command_cfg():
    # HybridRobotics/whole_body_tracking MotionCommandCfg: adaptive_kernel_size=1, adaptive_lambda=0.8,
    # adaptive_uniform_ratio=0.1, adaptive_alpha=0.001; bins of 1 / step_dt frames
    cfg = PublicSamplerCfg()
    assert (cfg.kernel_size, cfg.kernel_decay, cfg.uniform_ratio, cfg.alpha, cfg.bin_size_s) == (1, 0.8, 0.1, 0.001, 1)
    assert public_bin_count(500, 50.0) == 11 and public_bin_count(499, 50.0) == 10  # int(T // 50) + 1


def test_failures_go_to_the_bin_where_they_failed():
    s = core()
    assert s.num_bins == 11
    frames = torch.tensor([10, 230, 240, 460])  # bins 0, 5, 5, 10 (frame * 11 // 500)
    s.record_failures(frames, torch.tensor([False, True, True, True]))
    s.step()
    expected = torch.zeros(11)
    expected[5], expected[10] = 2 * 0.001, 0.001
    torch.testing.assert_close(s.failed_count, expected)
    s.step()  # no failures this step: the EMA decays every env step
    torch.testing.assert_close(s.failed_count, expected * 0.999)


def test_uniform_term_is_added_to_raw_counts_not_a_floor():
    s = core(alpha=1.0)
    s.record_failures(torch.full((40,), 230), torch.ones(40, dtype=torch.bool))
    s.step()
    p = s.probabilities()
    # bin 5: 40 + 0.1/11 of 40 + 0.1; the other bins keep (0.1/11) / 40.1 each: far below 0.1/11
    assert p[5].item() == pytest.approx((40 + 0.1 / 11) / 40.1)
    assert p[0].item() == pytest.approx((0.1 / 11) / 40.1) and p[0].item() < 0.1 / 11 / 10


def drawn_bins(frames: torch.Tensor, num_bins: int = 11, num_frames: int = 500) -> torch.Tensor:
    """The bin a start was drawn from: the public code spreads bin b over [b, b + 1) / B * (T - 1) (and truncates:
    a frame at a boundary can come from either bin; this gives it the earlier one, for shares of many draws)."""
    return (frames * num_bins) // (num_frames - 1)


def could_come_from_bin(frames: torch.Tensor, bin_: int, num_bins: int, num_frames: int) -> bool:
    """Whether every frame is one a draw from ``bin_`` can give: floor((bin_ + u) / B * (T - 1)), u in [0, 1)."""
    first = (bin_ * (num_frames - 1)) // num_bins
    last = -(-((bin_ + 1) * (num_frames - 1)) // num_bins) - 1  # the ceiling of the bin's end, minus one
    return bool(((frames >= first) & (frames <= last)).all())


def test_distribution_concentrates_on_a_bin_that_keeps_failing():
    torch.manual_seed(0)
    s = core()
    uniform_share = (drawn_bins(s.sample(20_000)) == 7).double().mean().item()
    assert uniform_share == pytest.approx(1 / 11, abs=0.01)
    for _ in range(3000):  # one failure in bin 7 every env step
        s.record_failures(torch.tensor([360]), torch.tensor([True]))
        s.step()
    p = s.probabilities()
    assert int(p.argmax()) == 7 and p[7].item() > 0.9
    share = (drawn_bins(s.sample(20_000)) == 7).double().mean().item()
    assert share == pytest.approx(p[7].item(), abs=0.02)  # the floor moves ~1% of bin 7 to bin 6


def test_a_start_drawn_in_a_bin_can_be_charged_to_the_bin_before():
    """A defect kept: starts span (T - 1) frames, failure bins T frames, so bin b's first frames count as b - 1."""
    s = core()
    start = int(((torch.tensor(7) + 0.0) / 11 * 499).long())  # the first frame bin 7 can start at
    assert start == 317 and int(s.bin_of(torch.tensor(start))) == 6


def test_kernel_spreads_failures_to_earlier_bins():
    """The public kernel [1, decay, decay**2] correlates with the next bins: bin s gets decay**u of bin s + u.

    (bench/public_sampler.py flipped it, giving bin s - 2 the full weight: wrong for kernel_size > 1.)"""
    s = core(kernel_size=3, kernel_decay=0.5, alpha=1.0)
    s.record_failures(torch.tensor([360]), torch.ones(1, dtype=torch.bool))
    s.step()
    p = s.probabilities()
    assert p[8] < p[5] < p[6] < p[7]
    base = p[0]  # a bin with no failure near it: the uniform term alone
    torch.testing.assert_close((p[5:8] - base) / (p[7] - base), torch.tensor([0.25, 0.5, 1.0]))


def test_the_bench_class_is_the_package_class():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from public_sampler import PublicBeyondMimicSampler as BenchSampler
    finally:
        sys.path.remove(str(ROOT / "bench"))
    assert BenchSampler is PublicBeyondMimicSampler
    s = BenchSampler(500, 11, "cpu", num_envs=4)  # the API bench/sampler_cost.py calls
    s.time_steps.copy_(torch.tensor([10, 230, 240, 460]))
    s.adaptive_sampling(torch.tensor([1, 2]), torch.tensor([True, True, True, False]))  # envs 1, 2 failed
    s.step()
    assert s.failed_count[5].item() == pytest.approx(2 * 0.001) and s.failed_count.sum().item() == pytest.approx(0.002)


def test_several_motions_share_one_concatenated_timeline():
    s = core(frames=(250, 120))
    assert s.num_bins == public_bin_count(370, 50.0) == 8
    timeline = s.timeline_frames(torch.tensor([0, 1, 1]), torch.tensor([249, 0, 119]))
    assert timeline.tolist() == [249, 250, 369]
    motions, frames = s.split_frames(timeline)
    assert motions.tolist() == [0, 1, 1] and frames.tolist() == [249, 0, 119]


def test_state_round_trips_and_a_foreign_state_changes_nothing():
    s = core()
    s.record_failures(torch.tensor([360]), torch.ones(1, dtype=torch.bool))
    s.step()
    s.env_step = 7
    fresh = core()
    fresh.load_state_dict(s.state_dict())
    assert torch.equal(fresh.failed_count, s.failed_count) and fresh.env_step == 7
    other = core(frames=(600,))
    negative = {**core(frames=(600,)).state_dict(), "failed_count": torch.tensor([-1.0, 0.0])}
    for bad, message in (
        ({"format": "beyondmimic_adaptive.sampler/2"}, "not a public sampler state"),
        (s.state_dict(), "was made for"),
        (negative, "'failed_count' must be a finite, non-negative float tensor"),  # it loaded, then sample() failed
    ):
        with pytest.raises(SamplerStateError, match=message):
            other.load_state_dict(bad)
        assert other.failed_count.sum() == 0 and other.env_step == 0


@pytest.mark.parametrize(
    ("frames", "fps", "expected"),
    [
        ((100,), 0.0, "fps=0.0 is invalid: expected a finite number > 0"),
        ((100,), -5.0, "fps=-5.0 is invalid"),
        ((10.7,), 50.0, r"motion_num_frames\[0\]=10.7 is invalid: every motion needs an integer frame count"),
        ((100, 0), 50.0, r"motion_num_frames\[1\]=0 is invalid"),
        ((100,), 0.5, "a bin must hold at least one frame"),
    ],
)
def test_a_bad_timeline_is_refused_like_the_adaptive_samplers(frames, fps, expected):
    with pytest.raises(MotionInputError, match=expected):
        PublicBeyondMimicSampler.for_motions(PublicSamplerCfg(), frames, fps, "cpu")


def test_yaml_composes_onto_its_schema():
    node = parse_curriculum(compose_config("train", ["curriculum=public"]).curriculum)
    assert list(node) == ["public"] and isinstance(node["public"], PublicCurriculumNode)
    assert node["public"] == PublicCurriculumNode()
    cfg = compose_config("train", ["curriculum=public", "curriculum.public.kernel_size=3"])
    assert parse_curriculum(cfg.curriculum)["public"].kernel_size == 3


@pytest.mark.parametrize(
    "override,expected",
    [
        ("curriculum.public.alpah=0.1", "invalid config at curriculum.public.alpah: Key 'alpah' not in"),
        ("curriculum.public.kernel_size=abc", "curriculum.public.kernel_size: Value 'abc'"),
        ("curriculum.public.alpha=0", "alpha=0.0 is invalid: expected in (0, 1]"),
        ("curriculum.public.uniform_ratio=0", "uniform_ratio=0.0 is invalid: expected a finite number > 0"),
        ("curriculum.public.kernel_size=0", "(YAML key curriculum.public.kernel_size)"),
        ("curriculum.public.kernel_decay=1.5", "kernel_decay=1.5 is invalid: expected in (0, 1]"),
        ("curriculum.public.bin_size_s=-1", "bin_size_s=-1.0 is invalid: expected > 0 seconds"),
        ("curriculum.public.command_name=", "curriculum.public.command_name='' is invalid: name a command"),
    ],
)
def test_bad_values_are_rejected_with_the_key(override, expected):
    with pytest.raises(ConfigError) as err:
        parse_curriculum(compose_config("train", ["curriculum=public", override]).curriculum)
    assert expected in str(err.value)


def test_the_ablation_has_a_public_arm():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from ablation import ARMS
    finally:
        sys.path.remove(str(ROOT / "bench"))
    assert ARMS["public"] == ["curriculum=public"]


# --- the live terms: real Isaac Lab managers (tests/manager_env.py), then the real kit-less humanoid task ---


def test_public_replaces_the_adaptive_term_and_refuses_both(make_env):
    env = make_env(["curriculum=public"], num_envs=4)
    assert "public" in env.curriculum_manager.active_terms and "adaptive" not in env.curriculum_manager.active_terms
    with pytest.raises(ConfigError, match=re.escape("would each draw the episode starts")):
        make_env(["curriculum=[adaptive,public]"], num_envs=4)


def test_failed_episodes_pull_the_starts_to_their_bin(make_env, tmp_path):
    from beyondmimic_adaptive.terms import find_public_curriculum

    # alpha 1: the last step's failures are the whole count; a floor of 1e-4 / B: a draw outside the failing bin
    # has odds of about 1e-5 (at the default 0.1 / B, 16 draws all land in it only 9 times in 10)
    overrides = ["curriculum=public", "curriculum.public.alpha=1.0", "curriculum.public.uniform_ratio=1e-4"]
    env = make_env(overrides, num_envs=16, motion_num_frames=(250, 120))
    env.reset()
    term = find_public_curriculum(env, "public")
    command = env.command
    assert torch.equal(command.motion_ids, command.robot_motion)  # the command started where the event asked
    assert torch.equal(command.time_steps, command.robot_frame)
    # every env fails in motion 1, frame 60: timeline 310, bin 310 * 8 // 370 = 6. Pinned at every step: a start
    # drawn at a bin's last frame stands in the next bin one step later, and would fail there
    for _ in range(4):
        command.motion_ids.fill_(1)
        command.time_steps.fill_(60)
        env.fail_flag[:] = True
        env.step()  # from the second step on, the resets draw from the concentrated distribution
    assert int(term.sampler.probabilities().argmax()) == 6 and term.sampler.probabilities()[6] > 0.99
    starts = term.sampler.timeline_frames(command.robot_motion, command.robot_frame)  # what the command started
    assert could_come_from_bin(starts, 6, 8, 370), starts
    torch.testing.assert_close(command.time_steps, command.robot_frame + 1)  # one step on since
    # a restore into a new env: the first log (the initial reset's) shows the restored distribution, not uniform
    term.save_state(str(tmp_path / "state.pt"))
    resumed = make_env(overrides, num_envs=16, motion_num_frames=(250, 120))
    find_public_curriculum(resumed, "public").restore_state(str(tmp_path / "state.pt"))
    logged = resumed.reset()
    assert float(logged["Curriculum/public/sampling_top1_prob"]) > 0.99, logged


def test_the_public_arm_counts_failures_and_not_time_outs(make_env):
    from beyondmimic_adaptive.terms import find_public_curriculum

    env = make_env(["curriculum=public", "curriculum.public.alpha=1.0"], num_envs=16, motion_num_frames=(250, 120))
    env.reset()
    term, command = find_public_curriculum(env, "public"), env.command
    # envs 0-7 fail in motion 1 at frame 60 (timeline 310: bin 6), envs 8-15 time out in motion 0 at frame 10 (bin 0)
    command.motion_ids[:8], command.time_steps[:8] = 1, 60
    command.motion_ids[8:], command.time_steps[8:] = 0, 10
    env.fail_flag[:8] = True
    env.timeout_flag[8:] = True
    assert env.step().tolist() == list(range(16))
    expected = torch.zeros(term.sampler.num_bins)
    expected[6] = 8.0  # alpha 1: the count of this step's failures, and none for the 8 time-outs in bin 0
    assert torch.equal(term.sampler.failed_count, expected)


def test_the_public_terms_lookups_and_wiring_name_what_is_wrong(make_env):
    from beyondmimic_adaptive import AdaptiveSamplerCfg
    from beyondmimic_adaptive.terms import enable_public_sampling, find_public_curriculum

    env = make_env(num_envs=4)  # the adaptive arm: no public term
    with pytest.raises(ValueError, match=r"no curriculum term named 'public' \(active: \['adaptive'\]\)"):
        find_public_curriculum(env, "public")
    with pytest.raises(TypeError, match="curriculum term 'adaptive' is AdaptiveSamplingCurriculum, expected Public"):
        find_public_curriculum(env, "adaptive")
    with pytest.raises(TypeError, match="sampler must be a PublicSamplerCfg, got AdaptiveSamplerCfg"):
        enable_public_sampling(env.cfg, AdaptiveSamplerCfg())
    assert not hasattr(env.cfg.curriculum, "public")  # nothing written


def test_kitless_humanoid_runs_with_the_public_arm():
    from isaaclab.envs import ManagerBasedRLEnv

    from beyondmimic_adaptive.assets import DEMO_SHORT_MOTION
    from beyondmimic_adaptive.hydra_config.isaaclab_binding import apply_curriculum_config
    from beyondmimic_adaptive.tasks.tracking.config.humanoid import TrackingHumanoidEnvCfg
    from beyondmimic_adaptive.terms import find_public_curriculum

    cfg = TrackingHumanoidEnvCfg()
    cfg.scene.num_envs = 4
    cfg.commands.motion.motion_files = [str(DEMO_SHORT_MOTION)]
    apply_curriculum_config(cfg, compose_config("train", ["curriculum=public"]).curriculum)
    env = ManagerBasedRLEnv(cfg=cfg)
    try:
        term = find_public_curriculum(env, "public")
        assert "adaptive" not in env.curriculum_manager.active_terms
        bins = term.sampler.num_bins
        term.sampler.failed_count = torch.zeros(bins, device=env.device)
        term.sampler.failed_count[3] = 1000.0  # as if bin 3 kept failing
        env.reset()
        command = env.command_manager.get_term("motion")
        assert could_come_from_bin(command.time_steps, 3, bins, term.sampler.num_frames), command.time_steps
        actions = torch.zeros(env.num_envs, env.action_manager.total_action_dim, device=env.device)
        for _ in range(3):
            env.step(actions)
        env.termination_manager.terminated[:] = True  # the next reset counts every env as failed
        term.sampler.failed_count.zero_()
        env.reset()
        env.step(actions)  # the fold runs on the step
        assert float(term.sampler.failed_count.sum()) == pytest.approx(0.004, rel=1e-5)  # 4 failures x alpha
    finally:
        env.close()


def test_a_public_run_saves_its_counts_resumes_them_and_refuses_another_curriculum(tmp_path):
    from beyondmimic_adaptive.assets import DEMO_SHORT_MOTION
    from beyondmimic_adaptive.runs import RunError, motion_files_override, train
    from beyondmimic_adaptive.sampler import PUBLIC_STATE_FORMAT

    common = ["num_envs=4", "save_interval=1", "curriculum=public", motion_files_override([DEMO_SHORT_MOTION])]
    run = train([*common, "iterations=1", f"log_dir={tmp_path}", "run_name=public", "history_interval_steps=10"])
    state = torch.load(run / "sampler" / "state.pt", weights_only=True)
    assert state["format"] == PUBLIC_STATE_FORMAT and state["env_step"] == 24  # one iteration of 24 steps
    check_public_history(run, steps=[1, 11, 21])
    resumed = train([f"resume={run}"])  # the saved config: public, 4 envs, 1 iteration, history every 10 steps
    assert torch.load(resumed / "sampler" / "state.pt", weights_only=True)["env_step"] == 48
    kept = OmegaConf.load(resumed / "config_resume_model_0.yaml")
    assert kept.num_envs == 4 and list(kept.curriculum) == ["public"] and kept.resume == str(run)
    check_public_history(resumed, steps=[1, 11, 21, 25, 35, 45])  # the resumed process records from its first fold
    adaptive = [o.replace("curriculum=public", "curriculum=adaptive") for o in common]
    with pytest.raises(RunError, match="not an adaptive sampler state"):
        train([*adaptive, "iterations=1", f"resume={run}"])


def check_public_history(run: Path, steps: list[int]) -> None:
    """The public arm's sampler/history_*.npz: its EMA failure counts (not a rate), drawn with their own label."""
    from beyondmimic_adaptive.sampler import load_history
    from beyondmimic_adaptive.viz import draw_sampler_heatmap

    history = load_history(run / "sampler")
    assert history["statistic"] == "failed_count" and "failure_rate" not in history
    assert history["env_step"].tolist() == steps
    np.testing.assert_allclose(history["probabilities"].sum(1), 1.0, atol=1e-5)
    assert history["failed_count"].shape == history["probabilities"].shape
    fig = draw_sampler_heatmap(history["env_step"], history["probabilities"], history["failed_count"],
                               statistic=history["statistic"])  # fmt: skip
    assert fig.axes[1].get_title() == "EMA failure count per env step"
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from plot_sampler_history import main as plot_main
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    plot_main([str(run)])
    assert (run / "sampler_heatmap.png").stat().st_size > 0
