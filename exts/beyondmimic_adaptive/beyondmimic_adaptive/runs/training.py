"""Train a motion-tracking policy with adaptive start sampling: the run config in, a run folder out.

:func:`train` is what ``scripts/train.py`` and ``bench/ablation.py`` run (the latter in its own
process, ``python -m beyondmimic_adaptive.runs train OVERRIDES``, so it can evaluate while training).
Resuming (``resume=<run dir>``) loads the newest complete checkpoint with the runner's own ``load``
and restores the sampler from ``sampler/state.pt`` before the env's first reset, so even the first
starts of the resumed run come from the trained statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .config import RunError, train_config
from .folder import RunFolder, attach_sampler_files, run_folder, write_run_configs
from .runner import check_logger, close_writer, make_env, make_runner, wandb_dir
from .task_cfg import apply_run_config, task_cfgs


def train(overrides: Sequence[str] = ()) -> Path:
    """Train with the packaged ``train.yaml`` and Hydra ``overrides``; returns the run folder.

    Nothing is written before the config, the task and the motions are known to be valid; every
    problem before training starts is a :class:`RunError` naming the key and the fix.
    """
    import torch

    from ..terms import adaptive_curriculum_terms
    from ..viz.train_logging import SamplerLogHook, attach_log_hooks

    config = train_config(overrides)
    run = config.run
    check_logger(run)
    env_cfg, agent_cfg = task_cfgs(run.task)
    folder = run_folder(run)
    if folder.resume_from is not None:
        for skipped in folder.skipped:
            why = "truncated (killed while saving)"
            print(f"[train] skipping {skipped.name}: {why}; resuming {folder.resume_from.name}")
    agent_cfg = apply_run_config(env_cfg, agent_cfg, config)
    attach_sampler_files(env_cfg, folder, run, agent_cfg.num_steps_per_env)
    torch.manual_seed(run.seed)
    env = make_env(env_cfg)
    try:
        adaptive_terms = adaptive_curriculum_terms(env)
        restored = _restore_samplers(adaptive_terms, folder)
        write_run_configs(folder, config, env_cfg, agent_cfg)
        for term in adaptive_terms:
            term.save_state()  # from the start: a run killed before its first periodic save still resumes
        with wandb_dir(folder.path):
            _, runner = make_runner(env, agent_cfg, run, folder.path)
            hooks = [SamplerLogHook(term, name, run.image_interval) for name, term in _named_adaptive_terms(env)]
            attach_log_hooks(runner, hooks)
            if folder.resume_from is not None:
                runner.load(str(folder.resume_from), map_location=run.device)
                for term, digest in restored:
                    print(
                        f"[train] resumed {folder.resume_from.name}; sampler state env_step={term.env_step}"
                        f" sha256={digest}"
                    )
            size = f"{run.num_envs} envs x {run.iterations} iterations"
            print(f"[train] {run.task} on {run.device}: {size} -> {folder.path}")
            runner.learn(num_learning_iterations=run.iterations)
            close_writer(runner)
        for term in adaptive_terms:
            term.flush_history()
            term.save_state()
    finally:
        env.close()
    _report_logging_cost(hooks, runner)
    print(f"[train] done: checkpoints, TensorBoard events and sampler history in {folder.path}")
    return folder.path


def _restore_samplers(adaptive_terms: list[Any], folder: RunFolder) -> list[tuple[Any, str]]:
    """On resume, each adaptive term's statistics from the run's state file: ``(term, sha256 of the state)``.

    Called before the first reset (the rsl-rl wrapper resets the env), so the resumed run's first starts
    are drawn from the restored statistics, not from an empty sampler.
    """
    from ..sampler import SamplerStateError

    if folder.resume_from is None:
        return []
    restored = []
    for term in adaptive_terms:
        try:
            restored.append((term, term.restore_state(term.cfg.state_path)))
        except SamplerStateError as err:
            raise RunError(f"cannot resume the sampler: {err}") from None
    return restored


def _named_adaptive_terms(env: Any) -> list[tuple[str, Any]]:
    """(curriculum entry name, live AdaptiveSamplingCurriculum) pairs."""
    from ..terms import find_adaptive_curriculum

    named = []
    for name in env.curriculum_manager.active_terms:
        try:
            named.append((name, find_adaptive_curriculum(env, name)))
        except TypeError:  # another kind of curriculum term
            continue
    return named


def _report_logging_cost(hooks: list[Any], runner: Any) -> None:
    """Print what the sampler logging cost next to the mean PPO iteration time."""
    iterations = max(1, len(hooks[0].hook_seconds)) if hooks else 1
    iteration_s = runner.logger.tot_time / iterations
    for hook in hooks:
        images = hook.image_seconds
        image_mean = sum(images) / len(images) if images else 0.0
        hook_mean = sum(hook.hook_seconds) / max(1, len(hook.hook_seconds))
        print(
            f"[train] sampler logging ({hook.name}): {hook_mean * 1e3:.1f} ms per iteration (histograms), "
            f"{len(images)} heatmap images at {image_mean * 1e3:.0f} ms each; PPO iteration {iteration_s:.2f} s"
        )
