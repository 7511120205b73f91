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

from .config import RunConfig, RunError, override_key, training_config
from .distributed import (
    World,
    check_same_layout,
    check_same_statistics,
    process_group_scope,
    rank_run,
    world_from_env,
)
from .folder import RunFolder, attach_sampler_files, run_folder, write_run_configs
from .runner import check_logger, close_writer, make_env, make_runner, wandb_dir
from .task_cfg import apply_run_config, override_paths, refuse_run_owned_paths, task_cfgs


def training_setup(overrides: Sequence[str] = (), world: World | None = None) -> tuple[RunConfig, Any, Any, RunFolder]:
    """What :func:`train` checks and builds before the env: the run config (this rank's), the logger, the task's
    env and agent cfgs with the run keys and overrides written in, the run folder (not created) and the sampler
    terms pointed at it. Writes nothing; every problem is a :class:`RunError` (``scripts/main_job.py`` calls it
    before its first step, so a wrong override does not wait for the minutes before training)."""
    world = world if world is not None else world_from_env()
    config = rank_run(training_config(overrides), world)
    # a new run's whole config; a resume's command line (its saved config trained as it is)
    new_keys = override_paths(config.run) if config.run.resume is None else [override_key(o) for o in overrides]
    refuse_run_owned_paths(new_keys)
    check_logger(config.run)
    env_cfg, agent_cfg = task_cfgs(config.run.task)
    folder = run_folder(config.run)
    agent_cfg = apply_run_config(env_cfg, agent_cfg, config)
    attach_sampler_files(env_cfg, folder, config.run, agent_cfg.num_steps_per_env, writer=world.is_writer)
    return config, env_cfg, agent_cfg, folder


def train(overrides: Sequence[str] = ()) -> Path:
    """Train with the packaged ``train.yaml`` and Hydra ``overrides``; returns the run folder.

    ``resume=<run>`` continues that run with its saved config, the other ``overrides`` on top
    (:func:`~beyondmimic_adaptive.runs.config.training_config`).

    Nothing is written before the config, the task and the motions are known to be valid; every
    problem before training starts is a :class:`RunError` naming the key and the fix.

    Under ``torchrun`` (``WORLD_SIZE > 1``, :mod:`.distributed`) each rank runs this with its own device
    (``cuda:<LOCAL_RANK>``) and seed (``seed + RANK``); rsl-rl's runner joins the ranks, their adaptive
    samplers must agree on bins and settings before the first step, rank 0 alone writes the run
    folder, and after training every rank holds the same sampler statistics.
    """
    import torch

    from ..viz.train_logging import SamplerLogHook, attach_log_hooks

    world = world_from_env()
    config, env_cfg, agent_cfg, folder = training_setup(overrides, world)
    run = config.run
    if folder.resume_from is not None and world.is_writer:
        for skipped in folder.skipped:
            why = "truncated (killed while saving)"
            print(f"[train] skipping {skipped.name}: {why}; resuming {folder.resume_from.name}")
    torch.manual_seed(run.seed)
    with process_group_scope():
        env = make_env(env_cfg)
        try:
            named_terms = _named_adaptive_terms(env)
            # curriculum=public: state saved and resumed, history (no live image)
            public_terms = _named_public_terms(env)
            restored = _restore_samplers([*named_terms, *public_terms], folder)
            with wandb_dir(folder.path):
                _, runner = make_runner(env, agent_cfg, run, folder.path)  # under torchrun: joins the ranks
                check_same_layout(named_terms, world)  # before the first step's all-reduce
                if folder.resume_from is not None:
                    runner.load(str(folder.resume_from), map_location=run.device)
                    for term, digest in restored:
                        print(
                            f"[train] resumed {folder.resume_from.name}; sampler state env_step={term.env_step}"
                            f" sha256={digest}"
                        )
                if world.is_writer:
                    write_run_configs(folder, config, env_cfg, agent_cfg)
                for _, term in [*named_terms, *public_terms]:
                    term.save_state()  # from the start: a run killed before its first periodic save still resumes
                hooks = [SamplerLogHook(term, name, run.image_interval) for name, term in named_terms]
                for name, term in named_terms:
                    print(f"[train] sampler {name}: {term.sampler_path}")
                attach_log_hooks(runner, hooks)
                ranks = f" (rank {world.rank} of {world.size})" if world.distributed else ""
                size = f"{run.num_envs} envs x {run.iterations} iterations"
                to = f"-> {folder.path}" if world.is_writer else "(rank 0 writes the run folder)"
                print(f"[train] {run.task} on {run.device}{ranks}: {size} {to}")
                runner.learn(num_learning_iterations=run.iterations)
                close_writer(runner)
            for _, term in [*named_terms, *public_terms]:
                term.flush_history()
                term.save_state()
            for name, digest in check_same_statistics(named_terms, world).items():
                print(f"[train] sampler {name}{ranks}: state sha256={digest}")
        finally:
            env.close()
    if world.is_writer:
        _report_logging_cost(hooks, runner)
        print(f"[train] done: checkpoints, TensorBoard events and sampler history in {folder.path}")
    return folder.path


def _restore_samplers(named_terms: list[tuple[str, Any]], folder: RunFolder) -> list[tuple[Any, str]]:
    """On resume, each adaptive term's statistics from the run's state file: ``(term, sha256 of the state)``.

    Called before the first reset (the rsl-rl wrapper resets the env), so the resumed run's first starts
    are drawn from the restored statistics, not from an empty sampler. Every rank of a multi-process
    run reads the same file (rank 0 wrote it; the statistics were equal on every rank).
    """
    from ..sampler import SamplerStateError

    if folder.resume_from is None:
        return []
    restored = []
    for _, term in named_terms:
        try:
            restored.append((term, term.restore_state(str(folder.sampler_state))))
        except SamplerStateError as err:
            raise RunError(f"cannot resume the sampler: {err}") from None
    return restored


def _named_adaptive_terms(env: Any) -> list[tuple[str, Any]]:
    """(curriculum entry name, live AdaptiveSamplingCurriculum) pairs."""
    from ..terms import find_adaptive_curriculum

    return _named_terms(env, find_adaptive_curriculum)


def _named_public_terms(env: Any) -> list[tuple[str, Any]]:
    """(curriculum entry name, live PublicSamplingCurriculum) pairs: the public arm (``curriculum=public``)."""
    from ..terms import find_public_curriculum

    return _named_terms(env, find_public_curriculum)


def _named_terms(env: Any, find: Any) -> list[tuple[str, Any]]:
    """(entry name, term) for every curriculum entry that ``find(env, name)`` accepts (it raises TypeError else)."""
    named = []
    for name in env.curriculum_manager.active_terms:
        try:
            named.append((name, find(env, name)))
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
