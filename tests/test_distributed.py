"""Two processes (torch.distributed, gloo on the CPU) end every fold with identical statistics."""

from __future__ import annotations

import os
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg

FRAMES = [250, 120]
FOLDS = 20


def episodes(rank: int, fold: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Rank- and fold-specific random episodes (different sizes per rank, sometimes none)."""
    generator = torch.Generator().manual_seed(1000 * rank + fold)
    n = int(torch.randint(0, 12, (1,), generator=generator))
    bins = torch.randint(0, 8, (n,), generator=generator)
    return bins, torch.rand(n, generator=generator) < 0.4


def worker(rank: int, world: int, port: int, out: dict) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        sampler = AdaptiveSampler(AdaptiveSamplerCfg(alpha=0.3), FRAMES, fps=50)
        for fold in range(FOLDS):
            # ranks record different episodes, a different number of times, then fold together
            for _ in range(rank + 1):
                sampler.record(*episodes(rank, fold))
            sampler.fold()
        out[rank] = {k: v for k, v in sampler.state_dict().items() if isinstance(v, torch.Tensor)}
    finally:
        dist.destroy_process_group()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_ranks_keep_identical_statistics_equal_to_one_process_seeing_all():
    manager = mp.Manager()
    out = manager.dict()
    mp.spawn(worker, args=(2, free_port(), out), nprocs=2, join=True)
    rank0, rank1 = out[0], out[1]
    for key in rank0:
        assert torch.equal(rank0[key], rank1[key]), f"{key} differs between ranks"
    # the same global episodes folded by one process give the same statistics
    single = AdaptiveSampler(AdaptiveSamplerCfg(alpha=0.3), FRAMES, fps=50)
    for fold in range(FOLDS):
        for rank in range(2):
            for _ in range(rank + 1):
                single.record(*episodes(rank, fold))
        single.fold()
    torch.testing.assert_close(rank0["failure_rate"], single.failure_rate)
    torch.testing.assert_close(rank0["episode_counts"], single.episode_counts)
    assert rank0["episode_counts"].sum() > 0
