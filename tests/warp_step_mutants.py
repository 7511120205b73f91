"""Mutation check of tests/test_warp_step.py and tests/test_warp_draw_first.py: each mutant of
``sampler/warp_kernels.py`` (the fold) or ``sampler/warp_env_kernels.py`` (record, draw) must fail them.

Not a test itself (it rewrites the kernel file for each mutant and restores it): run from the repository root,
``PYTHONPATH=$PWD/exts/beyondmimic_adaptive python tests/warp_step_mutants.py``. It prints CAUGHT or SURVIVED
per mutant, with the first assertion that failed, and exits 1 if any survived.
"""

from __future__ import annotations

import pathlib
import sys

from mutation import run_mutants

SAMPLER = pathlib.Path("exts/beyondmimic_adaptive/beyondmimic_adaptive/sampler")
KERNELS = SAMPLER / "warp_kernels.py"
ENV_KERNELS = SAMPLER / "warp_env_kernels.py"
ENV_MUTANTS = {
    "draw scaled by wrong total",
    "frame from the bin draw",
    "exposure into failures column",
    "failures counted for every finished",
    "draw searchsorted strict",
    "fan-out probes strict",
    "fan-out round skips a bin",
    "fan-out upper bound one probe short",
}
"""The mutants of ``warp_env_kernels.py`` (record and draw); the others are of the fold's ``warp_kernels.py``."""

MUTANTS: dict[str, tuple[str, str]] = {
    "kernel direction (s - u)": ("offset=start + u)", "offset=start - u)"),
    "weights shifted with the rates": (
        "weight[u], shape=SCAN_TILE, offset=start)",
        "weight[u], shape=SCAN_TILE, offset=start + u)",
    ),
    "kernel ignores motion ends": ("w = wp.tile_load(weight[u]", "w = wp.tile_load(weight[0]"),
    "kernel K-1 terms": ("for u in range(weight.shape[0]):", "for u in range(weight.shape[0] - 1):"),
    "draw scaled by wrong total": ("x = u_bin * cdf[last]", "x = u_bin * cdf[last - 1]"),
    "frame from the bin draw": ("wp.int64(u_frame * float(length))", "wp.int64(u_bin * float(length))"),
    "lerp small branch wrong base": ("difference + wp.float64(start))", "difference + wp.float64(end))"),
    "exposure into failures column": ("int(rows.exposure_bins[env]), 2, 1.0)", "int(rows.exposure_bins[env]), 1, 1.0)"),
    "uniform mass test flipped": ("if total <= NO_FAILURE_MASS:", "if total > NO_FAILURE_MASS:"),
    "hazard prior without length": ("mean_exposure + prior * length", "mean_exposure + prior"),
    "pending not cleared": ("        pending[s, column] = 0.0\n", "        pending[s, column] = pending[s, column]\n"),
    "exposure-only bins not moved": (" or pending[s, 2] != 0.0:", ":"),
    "failures counted for every finished": ("        if rows.failed[env]:\n", "        if True:\n"),
    "no tile offsets": ("    offset = sums[0]\n", "    offset = float(0.0)\n"),
    "tile offset counts its own tile": ("if i < tile:", "if i <= tile:"),
    "total is the tile's offset": ("    total = sums[1]\n", "    total = sums[0]\n"),
    "halo bins not folded": (
        "range(lane, SCAN_TILE + weight.shape[0] - 1, wp.block_dim())",
        "range(lane, SCAN_TILE, wp.block_dim())",
    ),
    "masses from the unfolded rates": (
        "wp.tile_load(next_rate, shape=SCAN_TILE, offset=start + u)",
        "wp.tile_load(rate, shape=SCAN_TILE, offset=start + u)",
    ),
    "folded rates not committed": ("            rate[s] = next_rate[s]\n", "            rate[s] = rate[s]\n"),
    "hazard averages not committed": (
        "                smoothed[s, 1] = next_smoothed[s, 1]\n",
        "                smoothed[s, 1] = smoothed[s, 1]\n",
    ),
    "start prior ignored": ("batch = (failures + prior_mass) / (episodes + prior)", "batch = failures / episodes"),
    "draw searchsorted strict": ("if cdf[middle] <= x:", "if cdf[middle + 1] <= x:"),
    "fan-out probes strict": ("if cdf[low + k * step] <= x:", "if cdf[low + k * step] < x:"),
    "fan-out round skips a bin": ("low = low + below * step + 1", "low = low + below * step + 2"),
    "fan-out upper bound one probe short": ("high = low + (below + 1) * step", "high = low + below * step"),
    # the one-block fold (fold_one_block_kernel)
    "one block: kernel direction": ("offset=first + term)", "offset=first - term)"),
    "one block: kernel ignores motion ends": ("tile_load(weight[term]", "tile_load(weight[0]"),
    "one block: kernel K-1 terms": ("term in range(weight.shape[0])", "term in range(weight.shape[0] - 1)"),
    "one block: no running total": ("value=running, dtype", "value=float(0.0), dtype"),
    "one block: last bin not folded": (
        "range(lane, num_bins, wp.block_dim())",
        "range(lane, num_bins - 1, wp.block_dim())",
    ),
    "one block: uniform mass test flipped": ("if running <= NO_FAILURE_MASS:", "if running > NO_FAILURE_MASS:"),
}


_RECORD = "    _record_env(env, rows)\n"
_DRAW = "    _draw_env(env, cdf, use_rng, draws)\n"
DRAW_FIRST_MUTANTS: dict[str, tuple[str, str]] = {
    "record_draw: no record": (_RECORD + _DRAW, _DRAW),
    "record_draw: draw before record": (_RECORD + _DRAW, _DRAW + _RECORD),
    "record_draw: no draw": (_RECORD + _DRAW, _RECORD),
}
"""Mutants of ``record_draw_kernel``, each caught by tests/test_warp_draw_first.py."""


def main() -> int:
    fold_and_draw = {
        name: (ENV_KERNELS if name in ENV_MUTANTS else KERNELS, old, new) for name, (old, new) in MUTANTS.items()
    }
    draw_first = {name: (ENV_KERNELS, old, new) for name, (old, new) in DRAW_FIRST_MUTANTS.items()}
    survived = run_mutants(fold_and_draw, "tests/test_warp_step.py")
    return survived | run_mutants(draw_first, "tests/test_warp_draw_first.py")


if __name__ == "__main__":
    sys.exit(main())
