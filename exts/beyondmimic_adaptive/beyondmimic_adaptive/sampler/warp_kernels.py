# mypy: ignore-errors
# (Warp kernel DSL: its annotations wp.array(dtype=...) and tile calls are checked by Warp at codegen, not mypy)
"""Warp kernels of the sampler's fold (``warp_fold.py``): two grid kernels, or one of one block opted into.

Imported only by :class:`~.warp_fold.WarpFold` (Warp is optional for the sampler core); the per-env kernels (record,
draw) are in ``warp_env_kernels.py``. Each kernel is the maths of the torch path, written per element:

- :func:`rates_mass_scan_kernel` (one block per tile of :data:`SCAN_TILE` bins): the folded rates
  (``rates.fold_every_bin`` for ``start``/``failure``: the moving average of F/N with the prior;
  ``hazard.fold_hazard``: the count averages and 1 - exp(-h n_s)) of the tile and the K - 1 bins after it, into
  scratch arrays; then k'_s = Σ_u (1 - λ) γ^u r̄_{s+u} with the sampler's (K, B) weight table (0 past the bin's
  motion, so the sum stops at the motion's end), its scan within the tile, and the tile's sum;
- :func:`cdf_offsets_kernel` (one block per tile): the tile's statistics committed (rates, averages, the pending
  counts into the totals, cleared), the tile's offset (the sum of the tile sums before it) and the total T' in one
  block-wide sum, the uniform mass
  m = [T' <= 1e-12] + λ/(1 - λ) T', and the CDF cumsum(k') + m cumsum(w).
- :func:`fold_one_block_kernel` (one block, for libraries up to ``warp_fold.ONE_BLOCK_MAX_BINS`` bins, 0 by
  default: opt-in, slower on an H200, docs/benchmarks.md §1.9): the fold as three passes of one block over the
  bins (rates, masses and scan, uniform part), with a barrier between them; the scan runs over tiles of
  :data:`FOLD_TILE` bins, each starting from the running total of those before.
"""

# Warp needs float(0.0): a variable that a loop or a branch reassigns must start as a dynamic value, not a literal
# constant (ruff's UP018 would rewrite it as a literal).
# ruff: noqa: UP018
from __future__ import annotations

import warp as wp

wp.set_module_options({"enable_backward": False})

SCAN_TILE = wp.constant(256)
"""Bins per tile (one block each) of the kernel masses and the CDF scan; on CUDA also the threads per block."""

FOLD_TILE = wp.constant(4096)
"""Bins per step of :func:`fold_one_block_kernel`'s loops over the library (4 per thread on CUDA)."""

FOLD_BLOCK = wp.constant(1024)
"""Threads of :func:`fold_one_block_kernel`'s one block on CUDA (the CPU runs a tile with one thread)."""

NO_FAILURE_MASS = wp.constant(1e-12)
"""``sampler.NEGLIGIBLE_FAILURE_MASS``: at or below this kernel mass the distribution is frame-uniform."""


@wp.func
def _lerp(start: float, end: float, weight: float) -> float:
    # torch's lerp as its CPU vector loop and its CUDA kernel (contracted) compute it: one fused multiply-add,
    # fma(w, end - start, start) for w < 0.5, else fma(w - 1, end - start, end). Warp has no fma: the product
    # of two float32 is exact in float64, so the float64 sum rounded to float32 is the fma (but for ties
    # of the double rounding)
    difference = wp.float64(end - start)
    if weight < 0.5:
        return wp.float32(wp.float64(weight) * difference + wp.float64(start))
    return wp.float32(wp.float64(weight - 1.0) * difference + wp.float64(end))


@wp.func
def _expm1(x: float) -> float:
    # float64 exp(x) - 1 rounds to the float32 expm1 for |x| >= 1e-5; below, two terms of its series
    x64 = wp.float64(x)
    if wp.abs(x) < 1.0e-5:
        return wp.float32(x64 + wp.float64(0.5) * x64 * x64)
    return wp.float32(wp.exp(x64) - wp.float64(1.0))


@wp.func
def _fold_rate(
    s: int,
    pending: wp.array2d(dtype=wp.float32),
    rate: wp.array(dtype=wp.float32),
    smoothed: wp.array2d(dtype=wp.float32),
    bin_length: wp.array(dtype=wp.float32),
    hazard: int,
    alpha: float,
    prior: float,
    prior_mass: float,
    rate_out: wp.array(dtype=wp.float32),
    smoothed_out: wp.array2d(dtype=wp.float32),
):
    """Bin ``s``'s rate (and the hazard's averages) after the fold, from its pending counts, into ``rate_out``
    and ``smoothed_out``: the inputs themselves (in place), or other arrays (the inputs then stay as they were)."""
    episodes = pending[s, 0]
    failures = pending[s, 1]
    exposure = pending[s, 2]
    new_rate = rate[s]
    if hazard != 0:
        mean_failures = smoothed[s, 0]
        mean_exposure = smoothed[s, 1]
        if failures + exposure > 0.0:
            mean_failures = _lerp(mean_failures, failures, alpha)
            mean_exposure = _lerp(mean_exposure, exposure, alpha)
        smoothed_out[s, 0] = mean_failures
        smoothed_out[s, 1] = mean_exposure
        if mean_exposure > 0.0:
            length = bin_length[s]
            if prior > 0.0:
                mean_failures = mean_failures + prior_mass
                mean_exposure = mean_exposure + prior * length
            new_rate = -_expm1((mean_failures / mean_exposure) * (-length))
    elif episodes > 0.0:
        batch = failures / episodes
        if prior > 0.0:
            batch = (failures + prior_mass) / (episodes + prior)
        new_rate = _lerp(new_rate, batch, alpha)
    rate_out[s] = new_rate


@wp.func
def _move_pending(s: int, pending: wp.array2d(dtype=wp.float32), totals: wp.array2d(dtype=wp.float64)):
    """Bin ``s``'s pending counts go to the totals and are cleared. A bin with none pending is only read: at 100k
    bins and more almost every bin (a step records a few dozen at 4096 envs), whose float64 totals the fold then
    neither reads nor writes."""
    if pending[s, 0] != 0.0 or pending[s, 1] != 0.0 or pending[s, 2] != 0.0:
        for column in range(3):
            totals[s, column] = totals[s, column] + wp.float64(pending[s, column])
            pending[s, column] = 0.0


@wp.func
def _block_barrier():
    # Warp has no __syncthreads of its own: a one-element broadcast is a cooperative tile op that holds every
    # thread of the block until all arrive, so the global writes before it are visible to the block after it
    wp.tile_from_thread(shape=1, value=0, thread_idx=0)


@wp.kernel
def rates_mass_scan_kernel(
    pending: wp.array2d(dtype=wp.float32),
    rate: wp.array(dtype=wp.float32),
    smoothed: wp.array2d(dtype=wp.float32),
    bin_length: wp.array(dtype=wp.float32),
    hazard: int,
    alpha: float,
    prior: float,
    prior_mass: float,
    next_rate: wp.array(dtype=wp.float32),
    next_smoothed: wp.array2d(dtype=wp.float32),
    weight: wp.array2d(dtype=wp.float32),
    kernel_mass: wp.array(dtype=wp.float32),
    cdf: wp.array(dtype=wp.float32),
    tile_sums: wp.array(dtype=wp.float32),
):
    """One block per tile of bins: the folded rates of the tile and of the K - 1 bins after it into ``next_rate``
    (the statistics are only read: the next tile's block folds those K - 1 bins too, to the same values), then the
    tile's kernel masses, their scan within the tile (into ``cdf``) and the tile's sum (the scan's last entry).
    ``prior_mass``: prior * prior_mean, rounded once on the host as torch rounds the Python product."""
    tile, lane = wp.tid()
    start = tile * SCAN_TILE
    num_bins = rate.shape[0]
    for j in range(lane, SCAN_TILE + weight.shape[0] - 1, wp.block_dim()):
        s = start + j
        if s < num_bins:
            _fold_rate(
                s, pending, rate, smoothed, bin_length, hazard, alpha, prior, prior_mass, next_rate, next_smoothed
            )
    _block_barrier()
    mass = wp.tile_zeros(shape=SCAN_TILE, dtype=wp.float32)
    for u in range(weight.shape[0]):
        # past the library's end both loads pad with zeros; past a motion's end the weight row holds 0
        w = wp.tile_load(weight[u], shape=SCAN_TILE, offset=start)
        mass = mass + w * wp.tile_load(next_rate, shape=SCAN_TILE, offset=start + u)
    wp.tile_store(kernel_mass, mass, offset=start)
    scanned = wp.tile_scan_inclusive(mass)
    wp.tile_store(cdf, scanned, offset=start)
    tile_sums[tile] = scanned[SCAN_TILE - 1]


@wp.kernel
def cdf_offsets_kernel(
    tile_sums: wp.array(dtype=wp.float32),
    uniform_cdf: wp.array(dtype=wp.float32),
    uniform_share: float,
    uniform_mass: wp.array(dtype=wp.float32),
    cdf: wp.array(dtype=wp.float32),
    next_rate: wp.array(dtype=wp.float32),
    next_smoothed: wp.array2d(dtype=wp.float32),
    hazard: int,
    pending: wp.array2d(dtype=wp.float32),
    totals: wp.array2d(dtype=wp.float64),
    rate: wp.array(dtype=wp.float32),
    smoothed: wp.array2d(dtype=wp.float32),
):
    """One block per tile of bins: the tile's folded statistics are committed (rates and the hazard's averages from
    :func:`rates_mass_scan_kernel`, the pending counts into the totals); every block sums the tile sums before its
    own (its offset) and all of them (the total T', the same in every block), then its tile of the CDF becomes
    scan + offset + m cumsum(w). Both come from one block-wide sum of (offset, total) pairs, not from a scan of the
    tile sums: a scan in every block cost 8.3–8.7 µs per fold at 100k bins on an H200 (391 tiles, two chunks of
    the scan; docs/benchmarks.md §1.11), against 3.7–4.3 µs up to 10k bins; with these sums and the idle bins
    only read (:func:`_move_pending`), 4.6–5.4 µs (§1.12)."""
    tile, lane = wp.tid()
    for j in range(lane, SCAN_TILE, wp.block_dim()):
        s = tile * SCAN_TILE + j
        if s < rate.shape[0]:
            rate[s] = next_rate[s]
            if hazard != 0:
                smoothed[s, 0] = next_smoothed[s, 0]
                smoothed[s, 1] = next_smoothed[s, 1]
            _move_pending(s, pending, totals)
    # the offset (the sum of the tile sums before this tile) and the total T' as one block sum of per-thread
    # partials: each thread adds every block_dim-th tile sum, the same for every block, so every block gets the
    # same T' bit for bit; one load per thread per SCAN_TILE tiles (2 at 100k bins) instead of a scan of them all
    before_part = float(0.0)
    total_part = float(0.0)
    for i in range(lane, tile_sums.shape[0], wp.block_dim()):
        tile_sum = tile_sums[i]
        total_part = total_part + tile_sum
        if i < tile:
            before_part = before_part + tile_sum
    sums = wp.tile_sum(wp.tile(wp.vec2(before_part, total_part), preserve_type=True))[0]
    offset = sums[0]
    total = sums[1]
    mass = uniform_share * total
    if total <= NO_FAILURE_MASS:
        mass = mass + 1.0
    if tile == 0:
        uniform_mass[0] = mass
    start = tile * SCAN_TILE
    local = wp.tile_load(cdf, shape=SCAN_TILE, offset=start)
    ramp = wp.tile_load(uniform_cdf, shape=SCAN_TILE, offset=start)
    shifted = local + wp.tile_full(shape=SCAN_TILE, value=offset, dtype=wp.float32)
    wp.tile_store(cdf, shifted + ramp * wp.tile_full(shape=SCAN_TILE, value=mass, dtype=wp.float32), offset=start)


@wp.kernel(launch_bounds=FOLD_BLOCK)
def fold_one_block_kernel(
    pending: wp.array2d(dtype=wp.float32),
    totals: wp.array2d(dtype=wp.float64),
    rate: wp.array(dtype=wp.float32),
    smoothed: wp.array2d(dtype=wp.float32),
    bin_length: wp.array(dtype=wp.float32),
    hazard: int,
    alpha: float,
    prior: float,
    prior_mass: float,
    weight: wp.array2d(dtype=wp.float32),
    kernel_mass: wp.array(dtype=wp.float32),
    uniform_cdf: wp.array(dtype=wp.float32),
    uniform_share: float,
    uniform_mass: wp.array(dtype=wp.float32),
    cdf: wp.array(dtype=wp.float32),
):
    """The whole fold in one block (launched as one): the three kernels above as three passes over the bins,
    with a barrier between them; the scan runs tile after tile of :data:`FOLD_TILE` bins with a running total."""
    _block, lane = wp.tid()
    num_bins = rate.shape[0]
    for s in range(lane, num_bins, wp.block_dim()):  # 1. rates and totals, one bin per thread at a time
        _fold_rate(s, pending, rate, smoothed, bin_length, hazard, alpha, prior, prior_mass, rate, smoothed)
        _move_pending(s, pending, totals)
    _block_barrier()
    running = float(0.0)
    for first in range(0, num_bins, FOLD_TILE):  # 2. kernel masses, and their scan carried over the tiles
        masses = wp.tile_zeros(shape=FOLD_TILE, dtype=wp.float32)
        for term in range(weight.shape[0]):
            weights = wp.tile_load(weight[term], shape=FOLD_TILE, offset=first)
            masses = masses + weights * wp.tile_load(rate, shape=FOLD_TILE, offset=first + term)
        wp.tile_store(kernel_mass, masses, offset=first)
        carried = wp.tile_scan_inclusive(masses) + wp.tile_full(shape=FOLD_TILE, value=running, dtype=wp.float32)
        wp.tile_store(cdf, carried, offset=first)
        running = carried[FOLD_TILE - 1]  # past the library's end the masses are 0: the total so far
    _block_barrier()
    total_mass = uniform_share * running  # 3. the uniform mass m, and the CDF's uniform part m cumsum(w)
    if running <= NO_FAILURE_MASS:
        total_mass = total_mass + 1.0
    if lane == 0:
        uniform_mass[0] = total_mass
    for first in range(0, num_bins, FOLD_TILE):
        ramp = wp.tile_load(uniform_cdf, shape=FOLD_TILE, offset=first)
        scanned = wp.tile_load(cdf, shape=FOLD_TILE, offset=first)
        uniform = ramp * wp.tile_full(shape=FOLD_TILE, value=total_mass, dtype=wp.float32)
        wp.tile_store(cdf, scanned + uniform, offset=first)
