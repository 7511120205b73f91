"""Switch a WBT env config to adaptive start sampling, configured by this plugin's Hydra config."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.initialize import get_gh_backup, restore_gh_from_backup
from isaaclab.managers import TerminationTermCfg
from omegaconf import DictConfig

from ..hydra_config import compose_config
from ..hydra_config.isaaclab_binding import apply_curriculum_config
from ..hydra_config.schema import ADAPTIVE_TYPE, PUBLIC_TYPE
from ..terms.terminations import motion_finished
from .command import adaptive_motion_command_class

MOTION_END_TERM = "motion_end"
"""Name of the success termination added for the motion's end."""


def use_adaptive_sampling(
    env_cfg: Any,
    overrides: Sequence[str] = (),
    command_name: str = "motion",
    config_dir: str | Path | None = None,
) -> DictConfig:
    """Make a WBT env config sample its starts adaptively; returns the composed ``curriculum`` group.

    - ``commands.<command_name>`` becomes :class:`AdaptiveMotionCommand` (its class, with the start
      contract mixed in);
    - ``terminations.motion_end``: the motion's end, a success (``time_out=True``), in place of WBT's
      in-place re-sample;
    - the curriculum term, its reset event and its fold event from the packaged ``train.yaml``'s curriculum
      group with Hydra ``overrides`` (e.g. ``curriculum.adaptive.gamma=0.8``, ``curriculum=uniform``).
      Composing leaves a running Hydra app (WBT's ``hydra_task_config``) as it was.
    """
    commands = getattr(env_cfg, "commands", None)
    command_cfg = getattr(commands, command_name, None)
    if command_cfg is None:
        names = sorted(k for k, v in vars(commands).items() if v is not None) if commands is not None else []
        raise ValueError(
            f"use_adaptive_sampling: the env config has no command {command_name!r} (commands: {names}). "
            "Pass command_name= the name of WBT's motion command."
        )
    if isinstance(overrides, str):
        raise TypeError(f"use_adaptive_sampling: overrides must be a list of Hydra overrides, not {overrides!r}.")
    for key in overrides:
        if not key.startswith(("curriculum", "+curriculum", "~curriculum")):
            raise ValueError(
                f"use_adaptive_sampling: override {key!r} is not in the curriculum group; only curriculum.* keys "
                "(e.g. curriculum.adaptive.gamma=0.8) or curriculum=<name> configure adaptive sampling."
            )
    backup = get_gh_backup()
    try:  # first: a config error leaves the env config as it was
        curriculum = compose_config("train", list(overrides), config_dir).curriculum
    finally:
        restore_gh_from_backup(backup)
    # the command name is this function's argument, not a YAML key the user has to repeat
    for node in curriculum.values():
        if node.get("type") in (ADAPTIVE_TYPE, PUBLIC_TYPE):
            node.command_name = command_name
    command_cfg.class_type = adaptive_motion_command_class(command_cfg.class_type)
    setattr(
        env_cfg.terminations,
        MOTION_END_TERM,
        TerminationTermCfg(func=motion_finished, time_out=True, params={"command_name": command_name}),
    )
    apply_curriculum_config(env_cfg, curriculum)
    return curriculum
