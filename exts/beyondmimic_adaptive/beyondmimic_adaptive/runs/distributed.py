"""Training on several processes (``torchrun``) with rsl-rl's multi-GPU mode.

``torchrun --nproc_per_node N scripts/train.py ...`` starts N processes (ranks) with ``WORLD_SIZE``,
``RANK`` and ``LOCAL_RANK`` set. Each rank simulates its own ``num_envs`` envs; rsl-rl's
``OnPolicyRunner`` joins them in a process group when ``WORLD_SIZE > 1`` (NCCL), broadcasts rank 0's
policy before learning and averages the gradients of every update, and only rank 0's logger writes
TensorBoard events and checkpoints. This module adds what a training run needs on top, following
Isaac Lab's rsl-rl train script (``--distributed``: device ``cuda:<local rank>``, seed + rank):

- :func:`world_from_env`: this process's rank, local rank and world size, checked;
- :func:`rank_run`: the run keys of this rank: device ``cuda:<LOCAL_RANK>``, seed ``seed + RANK``
  (different episode starts and noise on every rank; equal seeds would make every rank repeat rank 0);
- :attr:`World.is_writer`: rank 0 alone writes the run folder (configs, sampler history and state);
- :func:`check_same_layout`: before the first all-reduce, every rank's adaptive samplers must have
  the same bins and settings, else the all-reduced per-bin counts would not line up;
- :func:`check_same_statistics`: after training, every rank's sampler state has the same digest
  (the all-reduce in ``AdaptiveSampler.fold`` keeps them equal after every fold).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .config import RunConfig, RunError

RUNNER_BACKENDS: dict[str, str] = {"cuda": "nccl"}
"""Device types the rsl-rl runner trains on in several processes, with the backend it initialises.
rsl-rl 5.5's ``OnPolicyRunner._configure_multi_gpu`` requires device ``cuda:<LOCAL_RANK>`` and
initialises NCCL: it refuses ``cpu`` ("Device 'cpu' does not match expected device for local rank")."""


@dataclass(frozen=True)
class World:
    """This process's place among the processes of one training run (``torchrun``'s env vars)."""

    rank: int = 0
    """Global rank (``RANK``): 0 .. size - 1."""
    local_rank: int = 0
    """Rank on this host (``LOCAL_RANK``): the CUDA device index of this rank."""
    size: int = 1
    """Number of processes (``WORLD_SIZE``); 1 without torchrun."""

    @property
    def distributed(self) -> bool:
        """Whether several processes train together."""
        return self.size > 1

    @property
    def is_writer(self) -> bool:
        """Whether this rank writes the run folder (rank 0 only)."""
        return self.rank == 0


def world_from_env(environ: Mapping[str, str] | None = None) -> World:
    """The :class:`World` of ``WORLD_SIZE``, ``RANK`` and ``LOCAL_RANK`` (torchrun sets them); one process without."""
    env = os.environ if environ is None else environ

    def read(name: str, default: int) -> int:
        value = env.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise RunError(f"{name}={value!r} is not an integer; launch with torchrun, which sets it.") from None

    size = read("WORLD_SIZE", 1)
    if size < 1:
        raise RunError(f"WORLD_SIZE={size} is invalid: expected an int >= 1 (torchrun --nproc_per_node N).")
    if size > 1 and ("RANK" not in env or "LOCAL_RANK" not in env):
        raise RunError(
            f"WORLD_SIZE={size} without RANK and LOCAL_RANK: launch with torchrun, which sets all three,"
            " or unset WORLD_SIZE to train in one process."
        )
    rank, local_rank = read("RANK", 0), read("LOCAL_RANK", 0)
    for name, value in (("RANK", rank), ("LOCAL_RANK", local_rank)):
        if not 0 <= value < size:
            raise RunError(f"{name}={value} is invalid with WORLD_SIZE={size}: expected 0 .. {size - 1}.")
    return World(rank, local_rank, size)


def rank_device(device: str, world: World) -> str:
    """The device of this rank: ``device`` in one process; ``cuda:<LOCAL_RANK>`` under torchrun (the index
    of ``device`` is ignored there, as in Isaac Lab's train script); a clear error where rsl-rl refuses."""
    if not world.distributed:
        return device
    kind = device.split(":", 1)[0]
    if kind not in RUNNER_BACKENDS:
        raise RunError(
            f"device={device} with {world.size} processes (WORLD_SIZE={world.size}): rsl-rl's multi-GPU mode"
            " (OnPolicyRunner._configure_multi_gpu) accepts only device cuda:<LOCAL_RANK> and initialises"
            " NCCL. Give device=cuda (each rank then uses cuda:<LOCAL_RANK>), or train on the CPU in one"
            " process (without torchrun)."
        )
    if kind != "cuda":
        return device
    import torch

    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if world.local_rank >= count:
        raise RunError(
            f"LOCAL_RANK={world.local_rank} needs CUDA device {world.local_rank}, but this host has {count};"
            + (
                f" launch torchrun with --nproc_per_node <= {count} (one process per GPU)."
                if count
                else " train on the CPU in one process (without torchrun), or run torchrun on a host with GPUs."
            )
        )
    return f"cuda:{world.local_rank}"


def rank_seed(seed: int, world: World) -> int:
    """The seed of this rank: ``seed + RANK`` (each rank draws its own starts and noise)."""
    return seed + world.rank


def rank_run(config: RunConfig, world: World) -> RunConfig:
    """``config`` with this rank's device and seed in its run keys (the composed ``cfg``, which rank 0
    saves as ``config.yaml``, keeps the given ones)."""
    if not world.distributed:
        return config
    if not config.run.run_name and config.run.resume is None:
        raise RunError(
            f"under torchrun ({world.size} processes) give run_name=<name> (--run-name) or resume=<run dir>:"
            " without one every rank would name the run folder after its own clock."
        )
    run = dataclasses.replace(
        config.run, device=rank_device(config.run.device, world), seed=rank_seed(config.run.seed, world)
    )
    return RunConfig(config.cfg, run)


@contextlib.contextmanager
def process_group_scope() -> Iterator[None]:
    """Destroy the default process group on exit if it was created inside (by rsl-rl's runner)."""
    import torch.distributed as dist

    existed = dist.is_available() and dist.is_initialized()
    try:
        yield
    finally:
        if not existed and dist.is_available() and dist.is_initialized():
            dist.destroy_process_group()


def sampler_layout(term: Any) -> dict[str, object]:
    """What must agree across ranks for one adaptive term: its bins (motion lengths, fps, bin size) and
    every sampler setting (attribution, alpha, ...: the fold of the all-reduced counts uses them)."""
    sampler = term.sampler
    return {**sampler.layout.describe(), **dataclasses.asdict(sampler.cfg)}


def _gather(world: World, mine: object) -> list[Any]:
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        raise RuntimeError(
            f"WORLD_SIZE={world.size} but no torch.distributed process group: the rsl-rl runner creates it"
            " (OnPolicyRunner._configure_multi_gpu); build the runner before the cross-rank checks."
        )
    gathered: list[Any] = [None] * world.size
    dist.all_gather_object(gathered, mine)
    return gathered


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def layout_differences(per_rank: Sequence[Mapping[str, Mapping[str, object]]]) -> list[str]:
    """How each rank's ``{term name: sampler_layout}`` differs from rank 0's (empty: all agree).

    A term whose ``sync_distributed`` is off on every rank is not compared (nothing is all-reduced)."""
    reference = per_rank[0]
    problems: list[str] = []
    for rank, layouts in enumerate(per_rank[1:], start=1):
        if list(layouts) != list(reference):
            problems.append(f"rank {rank} has adaptive terms {list(layouts)}, rank 0 {list(reference)}")
            continue
        for name, layout in layouts.items():
            if not any(ranks.get(name, {}).get("sync_distributed", True) for ranks in per_rank):
                continue
            for key, value in layout.items():
                if value != reference[name].get(key):
                    ref = _short(reference[name].get(key))
                    problems.append(f"rank {rank} has {name}.{key}={_short(value)} (rank 0: {ref})")
    return problems


def check_same_layout(named_terms: Sequence[tuple[str, Any]], world: World) -> None:
    """Every rank's adaptive samplers have rank 0's bins and settings; else a :class:`RunError` on every rank.

    Call it once the process group exists and before the first env step (the first all-reduce): with
    other bins the all-reduce would add unrelated counts (or, with other sizes, fail or hang)."""
    if not world.distributed:
        return
    problems = layout_differences(_gather(world, {name: sampler_layout(term) for name, term in named_terms}))
    if problems:
        raise RunError(
            "the ranks' adaptive samplers differ, so their all-reduced per-bin counts would not line up: "
            + "; ".join(problems)
            + ". Launch every rank with the same command line (motion_files, curriculum settings) and the"
            " same motion files on every host."
        )


def check_same_statistics(named_terms: Sequence[tuple[str, Any]], world: World) -> dict[str, str]:
    """This rank's sampler state digest per term, after checking that every rank holds the same one.

    The fold all-reduces the counts and every rank folds alike, so the states are identical; a
    difference is a bug (a RuntimeError naming the ranks). Terms with ``sync_distributed`` off are
    not compared."""
    from ..sampler import state_digest

    mine = {name: state_digest(term.sampler.state_dict()) for name, term in named_terms}
    if not world.distributed:
        return mine
    gathered = _gather(world, mine)
    differing = [
        f"{name}: " + ", ".join(f"rank {rank} {digests.get(name)}" for rank, digests in enumerate(gathered))
        for name, term in named_terms
        if term.sampler.cfg.sync_distributed and len({digests.get(name) for digests in gathered}) > 1
    ]
    if differing:
        raise RuntimeError(
            "after training the ranks' sampler statistics differ although the fold all-reduces them ("
            + "; ".join(differing)
            + "): every rank must fold equally often with the same settings. Please report this with the"
            " command line."
        )
    return mine
