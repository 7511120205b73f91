"""The tracking task in a REAL kit-less Isaac Lab env (Newton physics on the CPU, a few envs)."""

from __future__ import annotations

import pytest
import torch

from beyondmimic_adaptive.assets import DEMO_SHORT_MOTION

NUM_ENVS = 6


@pytest.fixture(scope="module")
def env():
    from isaaclab.envs import ManagerBasedRLEnv

    from beyondmimic_adaptive.tasks.tracking.config.humanoid import TrackingHumanoidEnvCfg

    cfg = TrackingHumanoidEnvCfg()
    cfg.scene.num_envs = NUM_ENVS
    cfg.commands.motion.motion_files = [str(DEMO_SHORT_MOTION)]
    # no reset noise: the robot must start exactly on the reference
    cfg.commands.motion.pose_range = {}
    cfg.commands.motion.velocity_range = {}
    cfg.commands.motion.joint_position_range = (0.0, 0.0)
    environment = ManagerBasedRLEnv(cfg=cfg)
    yield environment
    environment.close()


def adaptive(env):
    from beyondmimic_adaptive.terms import find_adaptive_curriculum

    return find_adaptive_curriculum(env, "adaptive")


def assert_robot_on_reference(env, env_ids):
    command = env.command_manager.get_term("motion")
    robot = env.scene["robot"]
    reference = command.library.frame(command.motion_ids, command.time_steps)
    root_pos = reference.body_pos_w[:, 0] + env.scene.env_origins
    torch.testing.assert_close(robot.data.root_pos_w.torch[env_ids], root_pos[env_ids], atol=1e-4, rtol=0)
    torch.testing.assert_close(robot.data.joint_pos.torch[env_ids], reference.joint_pos[env_ids], atol=1e-4, rtol=0)
    # every tracked body where the reference puts it (the motion is forward kinematics of this robot)
    body_pos = reference.body_pos_w + env.scene.env_origins[:, None]
    torch.testing.assert_close(robot.data.body_pos_w.torch[env_ids], body_pos[env_ids], atol=2e-3, rtol=0)


def test_reset_starts_exactly_where_the_sampler_says(env):
    term = adaptive(env)
    term.sampler.set_manual_probabilities([0, 0, 0, 1, 0, 0, 0, 0])  # bin 3 only: 3.0 s .. 4.0 s
    env.reset()
    command = env.command_manager.get_term("motion")
    assert torch.equal(term.sampler.bin_index(command.motion_ids, command.time_steps), term.start_bins)
    assert bool(((command.time_steps >= 150) & (command.time_steps < 200)).all())
    assert_robot_on_reference(env, slice(None))
    term.sampler.set_manual_probabilities(None)


def test_the_live_term_reads_the_tasks_failure_and_success_terms(env):
    term = adaptive(env)
    assert term.failure_terms == ["anchor_height", "anchor_ori", "end_effector_height"]
    assert term.success_terms == ["time_out", "motion_end"]


def test_env_steps_and_failures_count_only_failure_terms(env):
    term = adaptive(env)
    episodes_before = term.sampler.episode_counts.sum().item()
    failures_before = term.sampler.failure_counts.sum().item()
    action = torch.zeros(NUM_ENVS, env.action_manager.total_action_dim)
    failed = succeeded = 0
    for _ in range(60):
        _, _, terminated, truncated, _ = env.step(action)
        failed += int(terminated.sum())
        succeeded += int((truncated & ~terminated).sum())
        if bool((terminated | truncated).any()):
            # a step-reset (int32 ids): the new episodes started on the reference too
            reset = (terminated | truncated).nonzero().squeeze(-1)
            command = env.command_manager.get_term("motion")
            assert torch.equal(
                term.sampler.bin_index(command.motion_ids[reset], command.time_steps[reset] - 1), term.start_bins[reset]
            )
    assert failed + succeeded > 0
    assert term.sampler.failure_counts.sum().item() - failures_before == failed
    assert term.sampler.episode_counts.sum().item() - episodes_before == failed + succeeded


def replay_action(env) -> torch.Tensor:
    """Joint targets = the reference's joints (JointPositionAction: default 0 + 0.5 x action)."""
    return env.command_manager.get_term("motion").reference.joint_pos / 0.5


def test_time_outs_are_successes(env):
    term = adaptive(env)
    env.cfg.episode_length_s = 0.09  # ceil(0.09 / 0.02) = 5 steps: time-out before anything can fail
    # no start in the last bin: an episode reaching the motion's end early would restart mid-test
    term.sampler.set_manual_probabilities([1, 1, 1, 1, 1, 1, 1, 0])
    try:
        env.reset()
        term.fold_statistics()  # fold what the reset recorded (the previous test's running episodes)
        failures_before = term.sampler.failure_counts.sum().item()
        episodes_before = term.sampler.episode_counts.sum().item()
        for _ in range(5):
            _, _, terminated, truncated, _ = env.step(replay_action(env))
        assert bool(truncated.all()) and not bool(terminated.any())
        assert term.sampler.episode_counts.sum().item() - episodes_before == NUM_ENVS
        assert term.sampler.failure_counts.sum().item() == failures_before
    finally:
        env.cfg.episode_length_s = 10.0
        term.sampler.set_manual_probabilities(None)


@pytest.mark.parametrize(
    "env_ids",
    [
        slice(0, 2),
        slice(1, None, 2),
        slice(-2, None),
        [0, 3],
        torch.tensor([1, 4], dtype=torch.int32),
        torch.tensor([5]),
    ],
    ids=repr,
)
def test_every_env_ids_form_resets_exactly_those_envs(env, env_ids):
    term = adaptive(env)
    command = env.command_manager.get_term("motion")
    term.sampler.set_manual_probabilities([1, 0, 0, 0, 0, 0, 0, 0])
    try:
        env.reset()
        term.sampler.set_manual_probabilities([0, 0, 0, 0, 0, 1, 0, 0])  # bin 5: frames 250..299
        env.reset(env_ids=env_ids)
        selected = torch.zeros(NUM_ENVS, dtype=torch.bool)
        selected[env_ids.long() if isinstance(env_ids, torch.Tensor) else env_ids] = True
        assert torch.equal((command.time_steps >= 250) & (command.time_steps < 300), selected)
        assert bool((command.time_steps[~selected] < 50).all())  # the others kept their episodes
        assert_robot_on_reference(env, slice(None))
    finally:
        term.sampler.set_manual_probabilities(None)


def test_resets_without_a_termination_count_no_episode(env):
    term = adaptive(env)
    term.sampler.set_manual_probabilities([1, 1, 1, 1, 1, 1, 1, 0])
    try:
        env.reset()
        term.fold_statistics()  # what the reset recorded: the previous test's running episodes
        before = (term.sampler.episode_counts.sum().item(), term.sampler.failure_counts.sum().item())
        for _ in range(3):
            env.step(replay_action(env))
        env.reset(env_ids=torch.tensor([0, 2]))  # an eval loop's mid-episode reset
        env.reset()
        term.fold_statistics()
        assert (term.sampler.episode_counts.sum().item(), term.sampler.failure_counts.sum().item()) == before
        env.step(replay_action(env))
        env.sim.request_reset()  # a visualizer's reset button: Isaac Lab marks every env terminated
        _, _, terminated, _, _ = env.step(replay_action(env))
        assert bool(terminated.all())
        terms = env.termination_manager
        fired = torch.stack([terms.get_term(name) for name in terms.active_terms], dim=1).any(dim=1)
        failed = torch.stack([terms.get_term(name) for name in term.failure_terms], dim=1).any(dim=1)
        after = (term.sampler.episode_counts.sum().item(), term.sampler.failure_counts.sum().item())
        assert after == (before[0] + fired.sum().item(), before[1] + failed.sum().item())
    finally:
        term.sampler.set_manual_probabilities(None)
