"""Training runs as library functions; the scripts are thin command lines over them.

- :mod:`.config`: the run config (packaged ``train.yaml`` + Hydra overrides, or a run's saved ``config.yaml``);
- :mod:`.task_cfg`: run config -> the task's env cfg and rsl-rl agent cfg (:func:`apply_run_config`);
- :mod:`.folder`: a run's folder (new or resumed) and what the run writes into it;
- :mod:`.runner`: the env and the stock rsl-rl ``OnPolicyRunner``;
- :mod:`.checkpoints`: rsl-rl's ``model_<it>.pt`` files, a save cut off by a kill never picked;
- :mod:`.training`, :mod:`.evaluation`, :mod:`.policy`: train, evaluate checkpoints
  (several at once, in one env), load one to play or export;
- :mod:`.first_frame`: play a checkpoint from the clip's first frame in a few envs (the main job's CPU check).

Importing this package does not import Isaac Lab (the functions do, when called): a command line
can check its config and fail fast first.
"""

from .checkpoints import (
    checked_checkpoint,
    checkpoint_iteration,
    checkpoints_by_iteration,
    is_complete,
    latest_complete,
)
from .config import (
    RunConfig,
    RunError,
    motion_files_override,
    paths_and_overrides,
    saved_run_config,
    train_config,
    training_config,
    values_and_overrides,
)
from .evaluation import evaluate_checkpoint, evaluate_checkpoints, report_dirs
from .policy import LoadedPolicy, load_policy_env
from .training import train

__all__ = [
    "LoadedPolicy",
    "RunConfig",
    "RunError",
    "checked_checkpoint",
    "checkpoint_iteration",
    "checkpoints_by_iteration",
    "evaluate_checkpoint",
    "evaluate_checkpoints",
    "is_complete",
    "latest_complete",
    "load_policy_env",
    "motion_files_override",
    "paths_and_overrides",
    "report_dirs",
    "saved_run_config",
    "train",
    "train_config",
    "training_config",
    "values_and_overrides",
]
