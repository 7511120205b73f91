"""Checks that turn silent wiring mistakes of adaptive sampling into early, named errors.

Each check runs as early as the information exists: on the env config
(:func:`~beyondmimic_adaptive.terms.enable_adaptive_sampling`, ``apply_curriculum_config``)
before the scene is built, again on the live managers when the curriculum term is built, and,
for what only a reset can show (the command applying the requested starts), at the first reset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..motion import MotionFileError
from .motion_command import MotionStartCommand, MotionStartCommandTerm
from .terminations import motion_finished

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

CONTRACT_MEMBERS = ("command", "motion_fps", "motion_num_frames", "_write_start_state")
"""What a :class:`MotionStartCommandTerm` subclass implements (``motion_num_frames`` before ``super().__init__``)."""


def config_items(container: Any) -> dict[str, Any]:
    """The non-None entries of a configclass container (or dict) of terms."""
    if container is None:
        return {}
    items = container.items() if isinstance(container, dict) else vars(container).items()
    return {name: value for name, value in items if value is not None and not name.startswith("_")}


def check_command_cfg(env_cfg: Any, command_name: str) -> type | None:
    """Check that ``env_cfg.commands`` has ``command_name`` and that its class offers the start contract.

    Returns the command class (None when the config names none, e.g. a class given as a string).
    """
    commands = getattr(env_cfg, "commands", None)
    if commands is None:
        return None
    available = sorted(config_items(commands))
    if command_name not in available:
        raise ValueError(
            f"adaptive sampling: no command term named {command_name!r} in env_cfg.commands (available: "
            f"{available}). Set command_name (YAML key curriculum.adaptive.command_name, or "
            "enable_adaptive_sampling(..., command_name=...)) to your motion command's name."
        )
    class_type = getattr(getattr(commands, command_name), "class_type", None)
    if not isinstance(class_type, type):
        return None
    where = f"command {command_name!r} ({class_type.__qualname__})"
    if issubclass(class_type, MotionStartCommandTerm):
        missing = sorted(getattr(class_type, "__abstractmethods__", ()))
        if missing:
            raise TypeError(
                f"adaptive sampling: {where} does not implement {missing}. A MotionStartCommandTerm subclass "
                f"implements {list(CONTRACT_MEMBERS)}; motion_num_frames must be readable before "
                "super().__init__(cfg, env), which reads it."
            )
    elif not callable(getattr(class_type, "set_start", None)):
        raise TypeError(
            f"adaptive sampling: {where} lacks set_start of the MotionStartCommand contract "
            "(motion_ids, time_steps, motion_num_frames, motion_fps, set_start); subclass "
            "beyondmimic_adaptive.terms.MotionStartCommandTerm or add them."
        )
    return class_type


def motion_end_funcs(command_class: type | None) -> tuple[Callable, ...]:
    """Termination functions that mark the motion's end: :func:`motion_finished` and the command's own."""
    return (motion_finished, *getattr(command_class, "motion_end_funcs", ()))


def check_time_outs(terms: Iterable[tuple[str, Any]], end_funcs: tuple[Callable, ...], where: str) -> None:
    """The motion's end must be a time-out (a success) and the env must have at least one time-out term.

    Without any time-out term every episode the curriculum counts ends by a failure term, so every
    bin's failure rate tends to 1 and the distribution says nothing: an error, not a warning.
    """
    terms = list(terms)
    for name, term in terms:
        if getattr(term, "func", None) in end_funcs and not term.time_out:
            raise ValueError(
                f"adaptive sampling: {where}: term {name!r} (func {term.func.__name__}) ends the episode at the "
                "motion's end but has time_out=False, so the sampler would count reaching the end as a failure. Set "
                "time_out=True on it."
            )
    if not any(getattr(term, "time_out", False) for _, term in terms):
        raise ValueError(
            f"adaptive sampling: {where} has no time-out termination term (time_out=True), so every episode "
            "the sampler counts would be a failure. Add the motion's end, TerminationTermCfg(func=motion_finished, "
            "params={'command_name': ...}, time_out=True), and/or an episode time-out "
            "(isaaclab.envs.mdp.time_out, time_out=True)."
        )


def check_motion_fps(command_name: str, motion_fps: float, step_dt: float) -> None:
    """One motion frame per env step: ``motion_fps`` must equal ``1 / step_dt`` (relative 1e-6)."""
    rate = 1.0 / step_dt
    if not abs(motion_fps - rate) <= 1e-6 * rate:
        raise ValueError(
            f"adaptive sampling: command {command_name!r} reports motion_fps={motion_fps:g}, but the env's "
            f"step_dt={step_dt:g} s (sim.dt x decimation) is {rate:g} Hz. The command advances one frame per "
            f"env step, so a bin of bin_size_s would pass in {motion_fps / rate:g} x bin_size_s. Resample the motions "
            "to the control rate, or make motion_fps report it."
        )


def checked_motion_command(env: ManagerBasedRLEnv, command_name: str) -> MotionStartCommand:
    """The command term ``command_name`` for a sampler that sets starts: the start contract, its motions'
    fps against the env's control rate, and the motion's end as a time-out among the live terminations."""
    command = resolve_motion_command(env, command_name)
    check_motion_fps(command_name, command.motion_fps, env.step_dt)
    terminations = env.termination_manager
    check_time_outs(
        [(n, terminations.get_term_cfg(n)) for n in terminations.active_terms],
        motion_end_funcs(type(command)),
        "env.termination_manager's terms",
    )
    return command


def resolve_motion_command(env: ManagerBasedRLEnv, command_name: str) -> MotionStartCommand:
    """The command term ``command_name``, checked against the start contract."""
    available = env.command_manager.active_terms
    if command_name not in available:
        raise ValueError(
            f"adaptive sampling: no command term named {command_name!r} (available: {available}). "
            f"Set command_name (YAML key curriculum.adaptive.command_name) to your motion command's name."
        )
    command = env.command_manager.get_term(command_name)
    missing = [
        name
        for name in ("motion_ids", "time_steps", "motion_num_frames", "motion_fps", "set_start")
        if not hasattr(command, name)
    ]
    if missing:
        raise TypeError(
            f"adaptive sampling: command {command_name!r} ({type(command).__name__}) lacks {missing} of the "
            "MotionStartCommand contract; subclass beyondmimic_adaptive.terms.MotionStartCommandTerm or add them."
        )
    return command


def check_motion_lengths(command: MotionStartCommand, bin_size_s: float) -> None:
    """Refuse a motion shorter than one sampler bin (its only bin would be partial), naming it and the fix."""
    frames_per_bin = bin_size_s * command.motion_fps
    names = getattr(command, "motion_files", None)
    for index, frames in enumerate(command.motion_num_frames):
        if frames < frames_per_bin:
            name = names[index] if names else f"motion {index}"
            raise MotionFileError(
                f"{name}: {frames} frames ({frames / command.motion_fps:g} s) is shorter than one sampler bin "
                f"({bin_size_s:g} s). Use a longer clip or lower curriculum.adaptive.bin_size_s."
            )


def check_positive_ints(cfg: Any, names: Iterable[str]) -> None:
    """Refuse a field of ``cfg`` in ``names`` that is not an int >= 1 (env steps), naming it.

    The curriculum term's fold uses its intervals on every env step: a 0 would fail there, mid-training.
    """
    for name in names:
        value = getattr(cfg, name)
        if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
            raise ValueError(f"{type(cfg).__name__}.{name}={value!r} is invalid: expected an int >= 1 (env steps).")
