"""Run config -> the task's env cfg and rsl-rl agent cfg (imports Isaac Lab).

:func:`task_cfgs` builds the registered task's two configs; :func:`apply_run_config` is the one
place where the keys of a run config (``num_envs``, ``seed``, ``device``, ``motion_files``, the
``curriculum`` group, ``iterations``, ``save_interval``, the ``env.`` and ``agent.`` overrides) are written
into them. Training, evaluation, playing and exporting all go through it and then add what only they need.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .cfg_overrides import apply_cfg_overrides, flatten
from .config import RunConfig, RunError


def task_cfgs(task: str) -> tuple[Any, Any]:
    """Fresh ``(env_cfg, agent_cfg)`` of the registered gymnasium ``task`` (its entry points' configs).

    ``task`` is a registered id, or ``<module>:<id>`` (gymnasium's ``make`` form): the module is imported first, so
    a task your own package registers works from the scripts, and a run saved with it is evaluated the same way.
    """
    import importlib

    import gymnasium as gym
    from isaaclab.utils.string import string_to_callable

    from .. import tasks  # noqa: F401 (registers every task)

    module, _, task_id = task.rpartition(":")
    if module:
        try:
            importlib.import_module(module)
        except ImportError as err:
            raise RunError(
                f"task {task!r}: module {module!r} does not import ({err}); install it or put it on PYTHONPATH."
            ) from None
    try:
        spec = gym.spec(task_id)
    except gym.error.Error as err:
        raise RunError(
            f"task {task!r} of the run's config is not registered ({err}); give task=<a registered id>"
            " (Tracking-Humanoid-v0, Tracking-G1-v0) or task=<your module>:<id> (the module registers it)."
        ) from None
    env_cfg = string_to_callable(spec.kwargs["env_cfg_entry_point"])()
    agent_cfg = string_to_callable(spec.kwargs["rsl_rl_cfg_entry_point"])()
    return env_cfg, agent_cfg


def motion_command_cfg(env_cfg: Any, task: str, command_name: str = "motion") -> Any:
    """The env cfg's motion command term ``command_name`` (a term with ``motion_files``)."""
    command = getattr(env_cfg.commands, command_name, None)
    if command is None or not hasattr(command, "motion_files"):
        raise RunError(
            f"task {task!r} has no motion command {command_name!r} (curriculum command_name of the"
            " run's config); give the name of its motion command term."
        )
    return command


def apply_run_config(
    env_cfg: Any, agent_cfg: Any, config: RunConfig, *, curriculum: bool = True, command_name: str = "motion"
) -> Any:
    """Write the run keys of ``config`` into ``env_cfg`` and ``agent_cfg``; returns the agent cfg (rsl-rl's
    version-adapted copy).

    ``curriculum=True`` adds the run's ``curriculum`` entries (the adaptive sampler among them);
    ``False`` removes adaptive sampling, for envs whose starts are set from outside (evaluation). The run's
    ``env`` and ``agent`` overrides come last, so they win over every key above.
    """
    from isaaclab_rl.rsl_rl import check_rsl_rl_version, handle_deprecated_rsl_rl_cfg

    from ..hydra_config.isaaclab_binding import apply_curriculum_config
    from ..tasks.tracking import set_device
    from ..terms import disable_adaptive_sampling

    run = config.run
    check_device_available(run.device)
    env_cfg.scene.num_envs = run.num_envs
    env_cfg.seed = run.seed
    set_device(env_cfg, run.device)
    if run.motion_files is not None:
        motion = motion_command_cfg(env_cfg, run.task, command_name)
        motion.motion_files = [str(Path(p).resolve()) for p in run.motion_files]
    if curriculum:
        try:  # ValueError: the wiring's checks (a command name, the time-out terms, a second adaptive term)
            apply_curriculum_config(env_cfg, config.cfg.get("curriculum"))
        except ValueError as err:
            raise RunError(f"config error: {err}") from None
    else:
        disable_adaptive_sampling(env_cfg)
    apply_cfg_overrides(env_cfg, run.env, "env")
    if run.env:
        _check_sampler_terms(env_cfg)
    agent_cfg.seed = run.seed
    agent_cfg.device = run.device
    agent_cfg.max_iterations = run.iterations
    agent_cfg.save_interval = run.save_interval
    apply_cfg_overrides(agent_cfg, run.agent, "agent")
    return handle_deprecated_rsl_rl_cfg(agent_cfg, check_rsl_rl_version())


RUN_OWNED_PATHS = {
    "env": {"scene.num_envs": "num_envs", "seed": "seed", "sim.device": "device"},
    "agent": {"seed": "seed", "device": "device", "max_iterations": "iterations", "save_interval": "save_interval"},
}
"""``env.`` / ``agent.`` paths that :func:`apply_run_config` writes from a run key (``motion_files`` too, at the
motion command's path): an override there would be overwritten, or would contradict the saved run config."""


def refuse_run_owned_paths(keys: Iterable[str], command_name: str = "motion") -> None:
    """A :class:`RunError` for an ``env.`` / ``agent.`` override key (``env.scene.num_envs``) of a path in
    :data:`RUN_OWNED_PATHS`, naming the run key to set instead. For what a training run is given
    (``runs.training.training_setup``): a saved run that holds one was trained with it (the override won), and is
    evaluated, played and resumed as it was."""
    owned = {f"{root}.{path}": key for root, paths in RUN_OWNED_PATHS.items() for path, key in paths.items()}
    owned[f"env.commands.{command_name}.motion_files"] = "motion_files"
    for path in keys:
        key = owned.get(path)
        if key is not None:
            raise RunError(
                f"override {path}: the run sets it from its key {key}; give {key}=... instead (the scripts"
                " have flags for num_envs, device and motion_files)."
            )


def override_paths(run: Any) -> list[str]:
    """The keys of a run's ``env.`` and ``agent.`` overrides, one per leaf: ``env.scene.num_envs``."""
    return [f"{root}.{path}" for root, tree in (("env", run.env), ("agent", run.agent)) for path in flatten(tree)]


def check_device_available(device: str) -> None:
    """A ``cuda`` device this machine has; a :class:`RunError` with the fix otherwise (a run saved on a GPU and
    evaluated where there is none names ``cuda:0`` in its config)."""
    import torch

    if not device.startswith("cuda"):
        return
    suffix = device.partition(":")[2]
    index = int(suffix) if suffix.isdigit() else 0
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if index >= count:
        raise RunError(
            f"device={device}, but this machine has {count} CUDA device(s){'' if count else ' (no driver or GPU)'};"
            " give device=cpu (the scripts: --device cpu)" + (f" or cuda:0 ... cuda:{count - 1}." if count else ".")
        )


def _check_sampler_terms(env_cfg: Any) -> None:
    """The sampler terms once more after ``env.`` overrides (the YAML's were checked when parsed and wired), so a
    wrong value stops the run before the env is built: their settings; what they need of the command and the
    terminations (``env.terminations.motion_end.time_out=false`` would count every completed clip as a failure);
    each term with its start and fold events and each such event with its term (``env.curriculum.adaptive=null``
    left the events, which failed at the first reset)."""
    from ..sampler import SamplerConfigError
    from ..terms import (
        AdaptiveCurriculumTermCfg,
        AdaptiveFoldEvent,
        AdaptiveStartEvent,
        PublicCurriculumTermCfg,
        PublicFoldEvent,
        PublicStartEvent,
    )
    from ..terms.wiring import check_command_and_time_outs, fold_event_name, start_event_name

    curriculum, events = getattr(env_cfg, "curriculum", None), getattr(env_cfg, "events", None)
    terms = {n: t for n, t in (vars(curriculum).items() if curriculum is not None else ()) if t is not None}
    wired = {n: e for n, e in (vars(events).items() if events is not None else ()) if e is not None}
    fix = "switch a sampler off with curriculum.<name>.enabled=false (it removes the term and its events together)"
    for name, term in terms.items():
        if not isinstance(term, (AdaptiveCurriculumTermCfg, PublicCurriculumTermCfg)):
            continue
        try:
            term.sampler.validate()
        except SamplerConfigError as err:
            raise RunError(f"override env.curriculum.{name}.sampler: {err}") from None
        try:
            check_command_and_time_outs(env_cfg, term.command_name)
        except ValueError as err:
            raise RunError(f"an env. override breaks curriculum term {name!r}: {err}") from None
        for event_name in (start_event_name(name), fold_event_name(name)):
            if event_name not in wired:
                raise RunError(f"curriculum term {name!r} lost its event env.events.{event_name}; {fix}.")
    sampler_events = (AdaptiveStartEvent, AdaptiveFoldEvent, PublicStartEvent, PublicFoldEvent)
    for event_name, event in wired.items():
        if getattr(event, "func", None) not in sampler_events:
            continue
        owner = event.params.get("curriculum_name", "adaptive")
        if owner not in terms:
            raise RunError(f"env.events.{event_name} serves curriculum term {owner!r}, which is gone; {fix}.")


def play_mode(env_cfg: Any) -> None:
    """Judge or show the policy on the motion alone (mjlab's play mode): no pushes, no observation
    noise, nominal joint defaults. The task's reset noise stays."""
    for event in ("push_robot", "joint_default_pos"):
        if getattr(env_cfg.events, event, None) is not None:
            setattr(env_cfg.events, event, None)
    env_cfg.observations.policy.enable_corruption = False
