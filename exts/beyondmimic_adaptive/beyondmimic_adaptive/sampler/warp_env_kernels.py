# mypy: ignore-errors
# (Warp kernel DSL: its annotations wp.array(dtype=...) are checked by Warp at codegen, not mypy)
"""Warp kernels of the fused step's per-env work (``warp_step.py``): record the finished episodes, draw starts.

Imported only by :class:`~.warp_step.WarpFusedStep` (Warp is optional for the sampler core); the fold's kernels are
in ``warp_kernels.py``. One thread per env in each kernel:

- :func:`record_kernel`: ``PerEnvSampling.record`` + ``record_exposure``; the counts are small integers in float32,
  so the order of the atomic adds cannot change them.
- :func:`draw_kernel`: for the envs that need a start, the inverse-CDF bin (the count of head entries <= u T, as
  ``torch.searchsorted(right=True)``) and the frame ``start + min(floor(u' n_s), n_s - 1)``
  (``BinLayout.uniform_time_in_bin``).
- :func:`record_draw_kernel`: the record, then the draw from the CDF of the fold before
  (``WarpFusedStep.step(draw_first=True)``: three kernels per env step instead of four).

The arrays each part reads and writes travel as one struct (:class:`EpisodeRows`, :class:`StartDraws`), filled once
by the step: a kernel's launch passes the struct by value, so a CUDA graph keeps the arrays of its capture.
"""

# Warp needs float(0.0) / int(0): a variable that a loop or a branch reassigns must start as a dynamic value,
# not a literal constant (ruff's UP018 / RUF046 would rewrite them as literals).
# ruff: noqa: UP018, RUF046
from __future__ import annotations

import warp as wp

wp.set_module_options({"enable_backward": False})

SEARCH_FANOUT_MIN = wp.constant(16)
"""The draw's search probes 7 entries at once while its range holds at least this many (then halves it)."""


@wp.struct
class EpisodeRows:
    """One env step's rows to record, and the pending counts they go into."""

    bins: wp.array(dtype=wp.int64)
    """The bin each finished episode is attributed to."""
    failed: wp.array(dtype=wp.bool)
    finished: wp.array(dtype=wp.bool)
    exposure_bins: wp.array(dtype=wp.int64)
    """Each env's bin during the step (``attribution: hazard``)."""
    alive: wp.array(dtype=wp.bool)
    with_exposure: int
    """1: count the exposure (``hazard``), 0: not."""
    pending: wp.array2d(dtype=wp.float32)
    """(B, 3) pending episodes, failures, exposure."""


@wp.struct
class StartDraws:
    """The per-env draw's inputs (which envs, their RNG states or given uniforms, the bin tables) and outputs."""

    needs_start: wp.array(dtype=wp.bool)
    rng_state: wp.array(dtype=wp.uint32)
    bin_uniform: wp.array(dtype=wp.float32)
    frame_uniform: wp.array(dtype=wp.float32)
    bin_motion: wp.array(dtype=wp.int64)
    bin_start: wp.array(dtype=wp.int64)
    bin_length: wp.array(dtype=wp.int64)
    out_bins: wp.array(dtype=wp.int64)
    out_motions: wp.array(dtype=wp.int64)
    out_frames: wp.array(dtype=wp.int64)


@wp.func
def _record_env(env: int, rows: EpisodeRows):
    """Env ``env``'s finished episode (and its exposure) into the pending counts."""
    if rows.finished[env]:
        b = int(rows.bins[env])
        wp.atomic_add(rows.pending, b, 0, 1.0)
        if rows.failed[env]:
            wp.atomic_add(rows.pending, b, 1, 1.0)
    if rows.with_exposure != 0 and rows.alive[env]:
        wp.atomic_add(rows.pending, int(rows.exposure_bins[env]), 2, 1.0)


@wp.func
def _draw_env(env: int, cdf: wp.array(dtype=wp.float32), use_rng: int, draws: StartDraws):
    """Env ``env``'s start, if it needs one. ``use_rng``: draw with the env's own Warp RNG state (advanced in
    place: deterministic, no shared counter), else read the given uniforms (tests compare with the torch path)."""
    if not draws.needs_start[env]:
        return
    u_bin = float(0.0)
    u_frame = float(0.0)
    if use_rng != 0:
        state = draws.rng_state[env]
        u_bin = wp.randf(state)
        u_frame = wp.randf(state)
        draws.rng_state[env] = state
    else:
        u_bin = draws.bin_uniform[env]
        u_frame = draws.frame_uniform[env]
    last = cdf.shape[0] - 1
    x = u_bin * cdf[last]
    # searchsorted(cdf[:-1], x, right=True): the count of head entries <= x (at most B - 1), the first index in
    # [low, high] whose entry exceeds x. Rounds of 7 probes first: their loads are independent, so a round costs one
    # memory latency and shrinks the range 8-fold (a binary step halves it for the same latency).
    low = int(0)
    high = last
    while high - low >= SEARCH_FANOUT_MIN:
        step = (high - low) // 8
        below = int(0)  # probes at or below x (the CDF grows: they come first)
        for k in range(1, 8):
            if cdf[low + k * step] <= x:
                below = k
        if below < 7:
            high = low + (below + 1) * step
        if below > 0:
            low = low + below * step + 1
    while low < high:
        middle = (low + high) // 2
        if cdf[middle] <= x:
            low = middle + 1
        else:
            high = middle
    length = draws.bin_length[low]
    offset = wp.min(wp.int64(u_frame * float(length)), length - wp.int64(1))
    draws.out_bins[env] = wp.int64(low)
    draws.out_motions[env] = draws.bin_motion[low]
    draws.out_frames[env] = draws.bin_start[low] + offset


@wp.kernel
def record_kernel(rows: EpisodeRows):
    _record_env(wp.tid(), rows)


@wp.kernel
def draw_kernel(cdf: wp.array(dtype=wp.float32), use_rng: int, draws: StartDraws):
    _draw_env(wp.tid(), cdf, use_rng, draws)


@wp.kernel
def record_draw_kernel(rows: EpisodeRows, cdf: wp.array(dtype=wp.float32), use_rng: int, draws: StartDraws):
    """:func:`_record_env`, then :func:`_draw_env` from the CDF as the last fold left it. The record reads
    ``rows.bins[env]`` before the draw writes ``draws.out_bins[env]`` (the same thread), so the two may be one
    buffer: an env's next episode is then attributed to the start bin drawn here."""
    env = wp.tid()
    _record_env(env, rows)
    _draw_env(env, cdf, use_rng, draws)


@wp.kernel
def seed_kernel(seed: int, rng_state: wp.array(dtype=wp.uint32)):
    env = wp.tid()
    rng_state[env] = wp.rand_init(seed, env)
