"""One rank of a 2-process training on the CPU (gloo), for tests/test_distributed_training.py.

    RANK=r LOCAL_RANK=r WORLD_SIZE=2 python tests/distributed_train.py OUT_DIR MOTION.npz

Runs :func:`beyondmimic_adaptive.runs.train` three times, as ``torchrun`` ranks would: a new run
(rank r logs to ``OUT_DIR/rank<r>``, so anything rank 1 wrote would show there), a resume of rank
0's run on both ranks, and a run whose ranks are given different bins (expected to fail). Writes
what it saw to ``OUT_DIR/result_rank<r>.json``: each rank's first starts, its sampler digests, the
error of the mismatched run.

rsl-rl 5.5's multi-GPU mode is CUDA-only in three lines of ``OnPolicyRunner._configure_multi_gpu``:
the device must be ``cuda:<LOCAL_RANK>``, the backend is NCCL and it calls ``torch.cuda.set_device``.
Everything else it sets up (the ``multi_gpu`` config PPO reads, the parameter broadcast, the
gradient and KL all-reduces) is plain torch.distributed, which gloo runs on the CPU. So
:func:`use_gloo_on_cpu` runs rsl-rl's own method with just those three swapped: the check sees
``cuda:<LOCAL_RANK>`` during the call, the group is gloo (a fresh file store per run, 60 s timeout:
a rank left waiting fails instead of hanging) and ``set_device`` does nothing.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch
import torch.distributed as dist
from rsl_rl.runners import OnPolicyRunner

from beyondmimic_adaptive.runs import RunError, distributed, train, training
from beyondmimic_adaptive.sampler import read_sampler_state, state_digest


def use_gloo_on_cpu(store_dir: Path) -> None:
    """rsl-rl's multi-GPU set-up on the CPU with gloo (see the module docstring)."""
    distributed.RUNNER_BACKENDS["cpu"] = "gloo"
    configure = OnPolicyRunner._configure_multi_gpu
    groups = itertools.count()

    def configure_on_cpu(self: OnPolicyRunner) -> None:
        device, init, set_device = self.device, dist.init_process_group, torch.cuda.set_device

        def init_gloo(backend: str, **kwargs: Any) -> None:
            store = f"file://{store_dir}/group{next(groups)}"
            init("gloo", init_method=store, timeout=timedelta(seconds=60), **kwargs)

        self.device = f"cuda:{os.environ['LOCAL_RANK']}"
        dist.init_process_group, torch.cuda.set_device = init_gloo, lambda _device: None
        try:
            configure(self)
        finally:
            self.device, dist.init_process_group, torch.cuda.set_device = device, init, set_device

    OnPolicyRunner._configure_multi_gpu = configure_on_cpu  # type: ignore[method-assign]


def main() -> None:
    out, motion = Path(sys.argv[1]), sys.argv[2]
    rank = int(os.environ["RANK"])
    use_gloo_on_cpu(out)
    result: dict[str, Any] = {"starts": [], "digests": []}

    make_runner, check_same_statistics = training.make_runner, training.check_same_statistics

    def recording_make_runner(env: Any, *args: Any, **kwargs: Any) -> Any:
        made = make_runner(env, *args, **kwargs)  # the wrapper reset the env: the first starts are drawn
        command = env.command_manager.get_term("motion")
        result["starts"].append(list(zip(command.motion_ids.tolist(), command.time_steps.tolist(), strict=True)))
        return made

    def recording_check(*args: Any, **kwargs: Any) -> dict[str, str]:
        digests = check_same_statistics(*args, **kwargs)
        result["digests"].append(digests)
        return digests

    training.make_runner, training.check_same_statistics = recording_make_runner, recording_check
    common = ["num_envs=4", "save_interval=1", "image_interval=0", "history_interval_steps=10"]
    common.append(f"motion_files=[{motion}]")
    run = out / "rank0" / "run"
    state_steps = []

    result["run_dir"] = str(train([*common, "iterations=1", f"log_dir={out / f'rank{rank}'}", "run_name=run"]))
    if rank == 0:
        state_steps.append(read_sampler_state(run / "sampler" / "state.pt")["env_step"])
    # rank 0 wrote its last file before the collective digest check at the end of train: rank 1 resumes a whole run
    train([*common, "iterations=1", f"resume={run}"])
    if rank == 0:
        state = read_sampler_state(run / "sampler" / "state.pt")
        state_steps.append(state["env_step"])
        result["state_digest"] = state_digest(state)
    result["state_env_steps"] = state_steps
    bin_size = 1.0 if rank == 0 else 0.5
    try:
        mismatched = f"curriculum.adaptive.bin_size_s={bin_size}"
        train([*common, "iterations=1", f"log_dir={out / f'mismatch{rank}'}", "run_name=run", mismatched])
    except RunError as err:
        result["mismatch_error"] = str(err)
    (out / f"result_rank{rank}.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main()
