"""Count the kernels one env step of adaptive sampling launches (runs anywhere, no GPU needed).

    python bench/launch_count.py [--envs 4096] [--bins 10000]

On the GPU the sampler's cost per env step is mostly kernel launches (docs/benchmarks.md §1): each
op inside a CUDA graph still costs a few microseconds, whatever its size. This script runs the
bodies of the three graphs the Isaac Lab terms replay per env step (record, fold, start sampling)
eagerly under a ``TorchDispatchMode`` and counts every ATen op that is not a view (views launch
nothing). The graphed record also copies its three inputs into persistent buffers, counted apart.
"""

from __future__ import annotations

import argparse
import collections

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.cli_types import positive_int
from beyondmimic_adaptive.sampler import PerEnvSampling

GRAPHED_RECORD_INPUT_COPIES = 3
"""bins, failed and finished copied into the record graph's input buffers."""


class OpCounter(TorchDispatchMode):
    """Counts the non-view ATen ops dispatched inside the ``with`` block, by name."""

    def __init__(self) -> None:
        super().__init__()
        self.ops: collections.Counter[str] = collections.Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if not func.is_view:
            self.ops[func.overloadpacket.__name__] += 1
        return func(*args, **(kwargs or {}))


def count_ops(step) -> collections.Counter[str]:
    step()  # once outside: lazy set-up is not part of a step
    with OpCounter() as counter:
        step()
    return counter.ops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", type=positive_int, default=4096)
    parser.add_argument("--bins", type=positive_int, default=10000)
    args = parser.parse_args()
    # eager on the CPU: the same ops the graphs capture on the GPU
    sampler = AdaptiveSampler(
        AdaptiveSamplerCfg(cuda_graph=False), motion_num_frames=[args.bins * 50], fps=50, fixed_shapes=True
    )
    per_env = PerEnvSampling(sampler, args.envs, fixed_shapes=True)
    bins = torch.randint(0, sampler.num_bins, (args.envs,))
    failed = torch.rand(args.envs) < 0.3
    finished = torch.rand(args.envs) < 0.01
    parts = {
        "record": count_ops(lambda: per_env.record(bins, failed, finished)),
        "fold": count_ops(sampler.fold),
        "sample (every env)": count_ops(per_env.sample),
    }
    parts["record"]["copy_ (graph inputs)"] = GRAPHED_RECORD_INPUT_COPIES
    print(f"kernels per env step, {args.envs} envs x {sampler.num_bins} bins (torch {torch.__version__})")
    for name, ops in parts.items():
        detail = ", ".join(f"{op} {n}" if n > 1 else op for op, n in sorted(ops.items()))
        print(f"  {name:<20} {sum(ops.values()):>3}   {detail}")
    print(f"  {'total':<20} {sum(sum(ops.values()) for ops in parts.values()):>3}")


if __name__ == "__main__":
    main()
