"""The env and the stock rsl-rl ``OnPolicyRunner`` of a run (imports Isaac Lab and rsl-rl)."""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..hydra_config import RunNode
from .config import RunError

os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")  # rsl-rl imports GitPython; no git binary is fine


def make_env(env_cfg: Any) -> Any:
    """The :class:`~isaaclab.envs.ManagerBasedRLEnv` of ``env_cfg``; a motion that does not fit, or a sampler
    setting that does not fit the motions' bins, is a RunError."""
    from isaaclab.envs import ManagerBasedRLEnv

    from ..motion import MotionFileError
    from ..sampler import SamplerConfigError

    try:
        return ManagerBasedRLEnv(cfg=env_cfg)
    except MotionFileError as err:
        raise RunError(f"motion file error: {err}") from None
    except SamplerConfigError as err:  # what needs the motions' bins (manual_probabilities' length)
        raise RunError(f"config error: {err}") from None


def check_logger(run: RunNode) -> None:
    """Fail before any work when ``logger=wandb`` lacks the wandb package, or W&B credentials where it logs online
    (wandb's own error came only after the env was built, leaving a half-written run folder)."""
    if run.logger != "wandb":
        return
    if importlib.util.find_spec("wandb") is None:
        raise RunError(
            "logger=wandb needs the wandb package (pip install -r requirements/isaaclab-kitless.txt);"
            " or use logger=tensorboard."
        )
    if os.environ.get("WANDB_MODE", "").lower() in ("offline", "disabled", "dryrun"):
        return
    import wandb

    if not wandb.login(prompt=False):  # reads WANDB_API_KEY or ~/.netrc; no prompt, no network
        raise RunError(
            "logger=wandb: no W&B credentials (WANDB_API_KEY or `wandb login`); set WANDB_MODE=offline to keep the "
            "run local (`wandb sync` later), or use logger=tensorboard."
        )


def runner_cfg(agent_cfg: Any, run: RunNode) -> dict[str, Any]:
    """rsl-rl's train cfg dict, with the W&B writer in rsl-rl's dict form when ``logger=wandb``."""
    cfg = agent_cfg.to_dict()
    if run.logger == "wandb":
        cfg["logger"] = {
            "class_name": "rsl_rl.utils.wandb_log_writer:WandbLogWriter",
            "project_name": run.wandb_project,
        }
        cfg["wandb_project"] = run.wandb_project
    return cfg


def make_runner(env: Any, agent_cfg: Any, run: RunNode, log_dir: Path | None = None) -> tuple[Any, Any]:
    """``(RslRlVecEnvWrapper, OnPolicyRunner)`` over ``env``; ``log_dir=None`` writes nothing (inference).

    Wrapping resets the env: anything that must shape the first starts (a restored sampler) goes first.
    """
    from isaaclab_rl.rsl_rl import RslRlVecEnvWrapper
    from rsl_rl.runners import OnPolicyRunner

    wrapped = RslRlVecEnvWrapper(env, clip_actions=agent_cfg.clip_actions)
    cfg = runner_cfg(agent_cfg, run) if log_dir is not None else agent_cfg.to_dict()
    runner = OnPolicyRunner(wrapped, cfg, log_dir=None if log_dir is None else str(log_dir), device=run.device)
    return wrapped, runner


@contextlib.contextmanager
def wandb_dir(run_dir: Path) -> Iterator[None]:
    """wandb writes its run files (offline runs too) under ``$WANDB_DIR``: the run folder, unless the user set it."""
    if os.environ.get("WANDB_DIR"):
        yield
        return
    os.environ["WANDB_DIR"] = str(run_dir)
    try:
        yield
    finally:
        os.environ.pop("WANDB_DIR", None)


def close_writer(runner: Any) -> None:
    """Flush and close the runner's TensorBoard writer (rsl-rl stops only its W&B/Neptune writers)."""
    writer = runner.logger.writer
    if writer is not None and hasattr(writer, "close"):
        writer.close()
