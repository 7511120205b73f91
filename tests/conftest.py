"""Shared fixtures: env configs for the real Isaac Lab managers (from the Hydra config), one short training run."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

# One intra-op thread for torch (and OpenMP/BLAS) in the tests and the scripts they start: the tests' tensors
# are tiny (a few envs), and on a 2-core machine shared with a subprocess or another job, OpenMP's spinning
# threads slow a PPO iteration 2-4x (measured: 2.7 s with 1 thread, 5.4-12 s with 2). Set before torch is
# imported; OMP_NUM_THREADS=N in the environment overrides it.
os.environ.setdefault("OMP_NUM_THREADS", "1")


def pytest_configure(config: pytest.Config) -> None:
    import torch

    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))


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
        device: str = "cpu",
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
        for name, value in (term_fields or {}).items():  # fields the YAML does not expose, of the one sampler term
            setattr(getattr(cfg.curriculum, "adaptive", None) or cfg.curriculum.public, name, value)
        return ManagerTestEnv(cfg, num_envs=num_envs, device=device)

    return build


@dataclass
class TrainingRun:
    """A finished short scripts/train.py run and the starts its tracking command wrote to the robot."""

    run_dir: Path
    """The run folder: checkpoints, TensorBoard events, the offline W&B run, sampler history and state."""
    starts: list[tuple[int, int]]
    """Every (motion id, frame) the command applied to the simulated robot, in order (resets included)."""
    manual_probabilities: list[float]
    """The start distribution the run's sampler was given (curriculum.adaptive.manual_probabilities)."""
    num_envs: int
    iterations: int


@pytest.fixture(scope="session")
def training_run(tmp_path_factory) -> TrainingRun:
    """One short CPU training run, shared by the tests that read what it wrote (test_viz_export, test_train_starts).

    scripts/train.py with ``logger=wandb`` (offline), a heatmap every iteration, a manual start distribution
    over two bins and start attribution, run in this process. The command's ``_write_start_state`` is wrapped
    for the run to log every start it applies. A training run costs tens of seconds on 2 CPU cores: every
    test of what a run writes reads this one.
    """
    from script_run import run_script

    from beyondmimic_adaptive.assets import DEMO_SHORT_MOTION
    from beyondmimic_adaptive.tasks.tracking.mdp.commands import MotionCommand
    from beyondmimic_adaptive.terms.env_ids import normalize_env_ids

    log_dir = tmp_path_factory.mktemp("train")
    manual = [0.0, 0.0, 3.0, 0.0, 0.0, 1.0, 0.0, 0.0]  # the 8 s demo clip has 8 one-second bins
    num_envs, iterations = 8, 2
    starts: list[tuple[int, int]] = []
    write_start_state = MotionCommand._write_start_state

    def logging_write_start_state(self: MotionCommand, env_ids) -> None:
        ids = normalize_env_ids(env_ids, self.num_envs, self.device)
        starts.extend(zip(self.motion_ids[ids].tolist(), self.time_steps[ids].tolist(), strict=True))
        write_start_state(self, env_ids)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MotionCommand, "_write_start_state", logging_write_start_state)
        result = run_script(
            "scripts/train.py", "--num-envs", str(num_envs), "--iterations", str(iterations),
            "--motion-files", str(DEMO_SHORT_MOTION), "--log-dir", str(log_dir), "--run-name", "run",
            "logger=wandb", "image_interval=1", "curriculum.adaptive.attribution=start",
            "curriculum.adaptive.manual_probabilities=[" + ",".join(map(str, manual)) + "]",
            env={"WANDB_MODE": "offline", "WANDB_SILENT": "true"},
        )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return TrainingRun(log_dir / "run", starts, manual, num_envs, iterations)
