"""``--warp-one-block-max-bins`` for the sampler benchmarks (``sampler_cost.py``, ``sampler_profile.py``): the Warp
fold's bound between its one-block kernel and its two grid kernels (docs/benchmarks.md §1.9), so one GPU call can
time both paths."""

from __future__ import annotations

import argparse


def _bin_bound(text: str) -> int:
    try:
        bound = int(text)
    except ValueError:
        bound = -1
    if bound < 0:
        raise argparse.ArgumentTypeError(f"expected an int >= 0 (0: always the grid kernels), got {text!r}")
    return bound


def add_one_block_bound(parser: argparse.ArgumentParser) -> None:
    """``--warp-one-block-max-bins``: the Warp fold's bound between its two paths (``warp_fold.ONE_BLOCK_MAX_BINS``,
    0 by default: always the grid kernels; docs/benchmarks.md §1.9 measured the one-block fold slower)."""
    parser.add_argument(
        "--warp-one-block-max-bins",
        type=_bin_bound,
        default=None,
        metavar="BINS",
        help="with --warp: fold in one kernel of one block up to BINS bins, above in two grid kernels (default 0)",
    )


def set_one_block_bound(args: argparse.Namespace) -> None:
    """Apply ``--warp-one-block-max-bins`` to the Warp samplers built from now on."""
    if args.warp_one_block_max_bins is None:
        return
    from beyondmimic_adaptive.sampler import warp_fold

    warp_fold.ONE_BLOCK_MAX_BINS = args.warp_one_block_max_bins
    print(f"Warp fold: one block up to {args.warp_one_block_max_bins} bins, two grid kernels above")
