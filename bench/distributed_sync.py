"""Multi-process statistics sync: every rank must end each fold with identical sampler statistics.

    torchrun --nproc_per_node 2 bench/distributed_sync.py --backend nccl    # one GPU per rank
    torchrun --nproc_per_node 2 bench/distributed_sync.py --backend gloo    # CPU

Ranks record different random episodes (different batch sizes, different numbers of record calls,
sometimes none) and fold together; after the run the state digests of all ranks are compared, and
rank 0 checks they equal a single process that folds every rank's episodes. On CUDA the record +
fold loop runs under ``torch.cuda.set_sync_debug_mode("error")``: the all-reduce is the only
collective and nothing synchronises the host. Prints one line per rank and RESULT.
"""

from __future__ import annotations

import argparse
import os
import time

import torch
import torch.distributed as dist

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.cli_types import positive_int
from beyondmimic_adaptive.sampler import state_digest

FRAMES = [9000, 6017]  # 301 bins


def episodes(rank: int, fold: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(100_000 * rank + fold)
    n = int(torch.randint(0, 64, (1,), generator=generator))
    bins = torch.randint(0, 301, (n,), generator=generator)
    return bins.to(device), (torch.rand(n, generator=generator) < 0.3).to(device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="nccl", choices=["nccl", "gloo"])
    parser.add_argument("--folds", type=positive_int, default=500)
    args = parser.parse_args()
    if args.backend == "nccl" and not torch.cuda.is_available():
        raise SystemExit("distributed_sync.py: --backend nccl needs CUDA devices; use --backend gloo on the CPU.")
    dist.init_process_group(args.backend)
    rank, world = dist.get_rank(), dist.get_world_size()
    if args.backend == "nccl":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", rank)))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    sampler = AdaptiveSampler(AdaptiveSamplerCfg(alpha=0.2), FRAMES, fps=50, device=device)
    batches = [[episodes(rank, fold, device) for _ in range(rank + 1)] for fold in range(args.folds)]
    dist.barrier()
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.set_sync_debug_mode("error")
    start = time.perf_counter()
    for fold_batches in batches:
        for bins, failed in fold_batches:
            sampler.record(bins, failed)
        sampler.fold()
    if device.type == "cuda":
        torch.cuda.set_sync_debug_mode("default")
        torch.cuda.synchronize()
    per_fold_us = (time.perf_counter() - start) / args.folds * 1e6
    digest = state_digest(sampler.state_dict())
    digests: list[str | None] = [None] * world
    dist.all_gather_object(digests, digest)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"rank {rank}/{world} on {name}: {per_fold_us:.1f} us per record+fold; state sha256 {digest}", flush=True)
    if rank == 0:
        # a plain single-process sampler (no all-reduce) fed every rank's episodes
        single = AdaptiveSampler(AdaptiveSamplerCfg(alpha=0.2, sync_distributed=False), FRAMES, fps=50, device=device)
        for fold in range(args.folds):
            for r in range(world):
                for _ in range(r + 1):
                    single.record(*episodes(r, fold, device))
            single.fold()
        same_as_single = torch.allclose(single.failure_rate, sampler.failure_rate, atol=1e-6) and torch.equal(
            single.episode_counts, sampler.episode_counts
        )
        identical = len(set(digests)) == 1
        print(f"RESULT: ranks identical={identical}; equal to one process folding all episodes={same_as_single}")
        if not (identical and same_as_single):
            raise SystemExit(1)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
