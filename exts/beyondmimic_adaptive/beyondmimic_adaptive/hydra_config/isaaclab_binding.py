"""Bind the parsed config to Isaac Lab: curriculum and event terms, and a training run's env and agent configs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from isaaclab.managers import CurriculumTermCfg
from isaaclab.utils.string import string_to_callable
from omegaconf import DictConfig

from ..terms.curriculum import AdaptiveCurriculumTermCfg
from ..terms.wiring import CurriculumCfg, check_adaptive_wiring, disable_adaptive_sampling, enable_adaptive_sampling
from .schema import AdaptiveCurriculumNode, ConfigError, CurriculumNode, RunNode, parse_curriculum


def apply_curriculum_config(env_cfg: Any, curriculum: DictConfig | dict[str, CurriculumNode] | None) -> None:
    """Add (or replace) the curriculum entries on ``env_cfg``; task-defined terms stay.

    ``curriculum`` is a composed ``curriculum`` group (parsed here) or :attr:`RunNode.curriculum`
    (parsed already). An enabled adaptive entry becomes an :class:`AdaptiveCurriculumTermCfg` whose
    ``sampler`` is the entry itself (an :class:`AdaptiveSamplerCfg`), plus its reset and fold events;
    a disabled one removes them, so the command starts uniformly. Every enabled adaptive entry is
    checked against ``env_cfg`` (command name, start contract, time-out terms:
    :func:`~beyondmimic_adaptive.terms.wiring.check_adaptive_wiring`) before anything is written.
    """
    nodes = parse_curriculum(curriculum)
    for node in nodes.values():
        if isinstance(node, AdaptiveCurriculumNode) and node.enabled:
            check_adaptive_wiring(env_cfg, node, node.command_name)
    for name, node in nodes.items():
        if isinstance(node, AdaptiveCurriculumNode):
            if node.enabled:
                enable_adaptive_sampling(env_cfg, node, command_name=node.command_name, name=name)
            else:
                disable_adaptive_sampling(env_cfg, name=name)
            continue
        try:
            func = string_to_callable(node.func)
        except (ValueError, AttributeError, ImportError) as err:
            raise ConfigError(
                f"curriculum.{name}.func={node.func!r} cannot be imported ({err}); use 'package.module:name'."
            ) from None
        if env_cfg.curriculum is None:
            env_cfg.curriculum = CurriculumCfg()
        setattr(env_cfg.curriculum, name, CurriculumTermCfg(func=func, params=dict(node.params)))


def apply_run_config(env_cfg: Any, agent_cfg: Any, run: RunNode, run_dir: str | Path) -> None:
    """Write a training run's config (:func:`~.compose.load_run_config`) onto the task's env and agent configs.

    The env gets ``num_envs``, ``seed``, ``device`` and ``motion_files``, the curriculum entries
    (:func:`apply_curriculum_config`), and every adaptive curriculum term (the YAML's and the
    task's own) the run's history and state files under ``run_dir/sampler/`` at the run's cadence;
    the agent (rsl-rl runner cfg) gets ``seed``, ``device``, ``iterations`` and ``save_interval``.
    """
    from ..tasks.tracking import set_device  # imported here: it loads the task modules

    run_dir = Path(run_dir)
    env_cfg.scene.num_envs = run.num_envs
    env_cfg.seed = run.seed
    set_device(env_cfg, run.device)
    if run.motion_files is not None:
        env_cfg.commands.motion.motion_files = [str(Path(p).resolve()) for p in run.motion_files]
    apply_curriculum_config(env_cfg, run.curriculum)
    for term in vars(env_cfg.curriculum or {}).values():
        if isinstance(term, AdaptiveCurriculumTermCfg):
            term.history_dir = str(run_dir / "sampler")
            term.history_interval_steps = run.history_interval_steps
            # the sampler state is saved with each checkpoint's cadence, next to the checkpoints
            term.state_path = str(run_dir / "sampler" / "state.pt")
            term.state_save_interval_steps = run.save_interval * agent_cfg.num_steps_per_env
    agent_cfg.seed = run.seed
    agent_cfg.device = run.device
    agent_cfg.max_iterations = run.iterations
    agent_cfg.save_interval = run.save_interval
