"""Shared fixtures: env configs for the real Isaac Lab managers, built from the Hydra config."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest


@pytest.fixture
def make_env() -> Callable[..., object]:
    """Build a ManagerTestEnv from Hydra overrides (the same path the scripts use)."""
    from isaaclab.managers import RewardTermCfg
    from isaaclab.utils import configclass
    from manager_env import ManagerTestEnv, RecordingMotionCommandCfg, TerminationsCfg

    from beyondmimic_adaptive.hydra_config import compose_config
    from beyondmimic_adaptive.hydra_config.isaaclab_binding import apply_curriculum_config

    def zero_reward(env):
        return env.episode_length_buf.float() * 0.0

    def build(
        overrides: Sequence[str] = (),
        num_envs: int = 8,
        motion_num_frames: Sequence[int] = (250, 120),
        apply_yaml: bool = True,
        term_fields: dict[str, object] | None = None,
    ):
        @configclass
        class CommandsCfg:
            motion = RecordingMotionCommandCfg(motion_num_frames=list(motion_num_frames))

        @configclass
        class RewardsCfg:
            action_rate = RewardTermCfg(func=zero_reward, weight=-0.1)

        @configclass
        class EnvCfg:
            decimation = 4
            commands = CommandsCfg()
            terminations = TerminationsCfg()
            rewards = RewardsCfg()
            events = None
            curriculum = None

        cfg = EnvCfg()
        if apply_yaml:
            apply_curriculum_config(cfg, compose_config("train", list(overrides)).curriculum)
        for name, value in (term_fields or {}).items():  # term config fields the YAML does not expose
            setattr(cfg.curriculum.adaptive, name, value)
        return ManagerTestEnv(cfg, num_envs=num_envs)

    return build
