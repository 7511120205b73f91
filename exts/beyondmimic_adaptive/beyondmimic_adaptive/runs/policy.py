"""Build a run's env and load one of its checkpoints, for playing or exporting the policy.

The run's ``config.yaml`` (next to the checkpoint) gives the task and the motion files; overrides
replace saved keys. The env is in play mode, as mjlab's ``play`` and the evaluation: no pushes, no
observation noise, no randomised joint defaults (so the exported defaults are nominal).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..hydra_config import RunNode
from .checkpoints import checked_checkpoint, load_actor
from .config import saved_run_config
from .runner import make_env, make_runner
from .task_cfg import apply_run_config, play_mode, task_cfgs


@dataclass
class LoadedPolicy:
    """An env (and its rsl-rl wrapper) with the policy of a checkpoint."""

    env: Any
    """The :class:`~isaaclab.envs.ManagerBasedRLEnv`."""
    wrapped: Any
    """Its :class:`~isaaclab_rl.rsl_rl.RslRlVecEnvWrapper`."""
    runner: Any
    """rsl-rl's OnPolicyRunner holding the loaded checkpoint (``None`` without one)."""
    policy: Any
    """Inference callable ``obs -> actions`` (zeros without a checkpoint)."""
    run: RunNode
    """The run's validated config keys."""


def load_policy_env(
    checkpoint: Path | None, overrides: Sequence[str], num_envs: int, keep_sampler: bool = True
) -> LoadedPolicy:
    """Env of the checkpoint's run (``num_envs`` envs, play mode) and the checkpoint's policy.

    With ``keep_sampler`` the adaptive sampler stays (restored from the run's ``sampler/state.pt`` when
    there is one, so its probabilities are the trained ones) and writes nothing. ``checkpoint=None``
    plays zero actions (the default pose's targets): for trying a task and the renderer without training.
    """
    import torch

    from ..sampler import SamplerStateError
    from ..terms import (
        AdaptiveCurriculumTermCfg,
        AdaptiveSamplingCurriculum,
        PublicCurriculumTermCfg,
        PublicSamplingCurriculum,
        adaptive_curriculum_terms,
        public_curriculum_terms,
    )

    run_dir = checkpoint.parent if checkpoint is not None else None
    config = saved_run_config(run_dir, overrides)
    if checkpoint is not None:
        checked_checkpoint(checkpoint)
    run = config.run
    env_cfg, agent_cfg = task_cfgs(run.task)
    agent_cfg = apply_run_config(env_cfg, agent_cfg, config, curriculum=keep_sampler)
    for term in vars(env_cfg.curriculum or {}).values():
        if isinstance(term, AdaptiveCurriculumTermCfg):
            term.history_dir, term.state_path = None, None  # playing writes nothing into the run
        if isinstance(term, PublicCurriculumTermCfg):
            term.state_path = None
    play_mode(env_cfg)
    env_cfg.scene.num_envs = num_envs
    env = make_env(env_cfg)
    try:
        state = run_dir / "sampler" / "state.pt" if run_dir is not None else None
        if keep_sampler and state is not None and state.is_file():
            terms: list[AdaptiveSamplingCurriculum | PublicSamplingCurriculum] = [*adaptive_curriculum_terms(env)]
            for term in [*terms, *public_curriculum_terms(env)]:
                try:
                    term.restore_state(str(state))
                except SamplerStateError as err:  # e.g. other motion_files: the policy plays them all the same
                    print(f"[policy] the run's sampler state does not fit, the sampler starts empty: {err}")
        wrapped, runner = make_runner(env, agent_cfg, run)
        if checkpoint is not None:
            load_actor(runner, checkpoint, run.device, run.task)
    except BaseException:
        env.close()  # one simulation at a time: a failed load leaves none behind
        raise
    if checkpoint is None:
        num_actions = env.action_manager.total_action_dim
        return LoadedPolicy(
            env, wrapped, None, lambda obs: torch.zeros(env.num_envs, num_actions, device=env.device), run
        )
    return LoadedPolicy(env, wrapped, runner, runner.get_inference_policy(device=run.device), run)
