"""The CPU fold: update only the bins that were recorded since the last fold.

On the GPU the fold is one CUDA-graph replay, so it covers every bin with fixed shapes: what costs
there is the count of kernels, not their size. On the CPU there is no graph to replay and every op
pays for every element it touches. A fold of 41 episodes then spent its time on the K × B kernel
window: at 10k bins 50k elements gathered, multiplied and summed per env step, and above about
32k elements torch splits such ops over threads, which on a loaded machine waits for the slowest
thread (milliseconds where one thread takes 60 µs; docs/benchmarks.md §1).

Only the bins with pending counts change their statistics, and only the kernel masses whose window
reads one of them change (bin s reads s, ..., s + K - 1). :class:`ChangedBins` keeps the bins
recorded since the last fold, and recomputes kernel masses so that the result for a bin does not
depend on which other bins are computed with it: the window is a view of the rates padded with K - 1
zeros (no gather table, no clamping at the last bin), multiplied by its weights, and the K products
added in double precision in the order u = 0, 1, ... and rounded once. So the masses of a partial
update are bit for bit those of a full one. The cumulative sum over all bins is still recomputed
(the uniform floor's weight depends on the total mass, so every entry of the CDF moves anyway).

Every op issued per step costs about a microsecond on the CPU whatever its size, so the fold keeps
their count low: recorded bins are folded with their duplicates (each copy gathers, computes and
writes back the same values) rather than made distinct first, and no view is made per step where
one made once will do. Recording and folding on the CPU has data-dependent sizes (``nonzero``,
lists of recorded bins): fine there, where nothing is captured and no device waits on the host.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from .native_fold import NativeFold

SPARSE_WORK_RATIO = 4
"""Fold only the recorded bins while (recorded bins) × this ratio < B, and recompute only the kernel
masses that read a changed rate while (changed bins) × K × this ratio < B; else all of them (the same
work in fewer ops)."""

PARTIAL_FIXED_BINS = 60_000
PARTIAL_BINS_PER_RATE = 250
"""With the C loops (``native_fold.py``), a partial kernel update costs about what their update of every
bin costs for this many bins, plus this many per changed rate (one thread, K = 5: 13 µs + 58 ns per
rate, against 0.22 ns per bin): below about 60k bins the C loops always recompute every kernel mass."""

SERIAL_ELEMENTS = 16384
"""Largest element-wise op the CPU path issues where it can choose. Above 32k elements (above about 2k
for transcendental ones such as ``expm1``) torch splits an op over threads; on a loaded machine the
split op then waits for the slowest thread, measured at 0.05-8 ms for an op that takes 3-20 µs on
one thread (docs/benchmarks.md §1). Larger work is issued in chunks of at most this size."""

SERIAL_TRANSCENDENTAL = 2048
"""The same limit for ``expm1`` (torch splits it from about 2k elements on)."""

ONE_THREAD_ELEMENTS = 1 << 18
"""Chunk size when torch runs one thread (``torch.set_num_threads(1)``): nothing can be split then,
so chunks only bound the temporaries (1 MB of float32), and fewer chunks are fewer ops."""


def chunk_size(serial: int) -> int:
    """``serial`` (elements per op that stay on one thread), or :data:`ONE_THREAD_ELEMENTS` if torch
    runs one thread. Results do not depend on it: the chunked ops are element-wise or per line, and
    every chunk size is a multiple of the CPU's vector width."""
    return serial if torch.get_num_threads() > 1 else ONE_THREAD_ELEMENTS


def chunked_addcmul_(out: torch.Tensor, tensor: torch.Tensor, scale: torch.Tensor) -> None:
    """``out += tensor * scale`` (1-D, ``scale`` of one element) in chunks that stay on one thread."""
    per_chunk = chunk_size(SERIAL_ELEMENTS)
    if out.shape[0] <= per_chunk:
        out.addcmul_(tensor, scale)  # one chunk: no slices (each view is an op, about a microsecond)
        return
    for start in range(0, out.shape[0], per_chunk):
        end = start + per_chunk
        out[start:end].addcmul_(tensor[start:end], scale)


def chunked_expm1(values: torch.Tensor) -> torch.Tensor:
    """``torch.expm1`` of a 1-D tensor, in chunks that stay on one thread (same values)."""
    per_chunk = chunk_size(SERIAL_TRANSCENDENTAL)
    if values.shape[0] <= per_chunk:
        return torch.expm1(values)
    out = torch.empty_like(values)
    for start in range(0, values.shape[0], per_chunk):
        end = start + per_chunk
        torch.expm1(values[start:end], out=out[start:end])
    return out


class ChangedBins:
    """Bins recorded since the last fold, and the kernel masses computed for the CPU.

    Args:
        kernel_weight: (K, B) weight of rate s + u in the kernel mass of bin s: (1 - λ) γ^u, 0 where
            s + u is past the end of s's motion.
        padded_rates: (B + K - 1,) the rates, then K - 1 zeros: ``padded_rates[s:s + K]`` is the window
            of bin s without clamping at the last bin (the zeros meet zero weights).
    """

    def __init__(self, kernel_weight: torch.Tensor, padded_rates: torch.Tensor):
        num_steps, num_bins = kernel_weight.shape
        if padded_rates.shape != (num_bins + num_steps - 1,):
            raise ValueError(f"padded_rates: expected shape ({num_bins + num_steps - 1},), got {padded_rates.shape}.")
        self._num_bins = num_bins
        self._weight = kernel_weight
        self._windows = padded_rates.unfold(0, num_steps, 1)
        """(B, K) view: row s is rates[s:s + K] (no copy)."""
        self._weight_steps = kernel_weight.unbind(0)
        self._rate_steps = tuple(padded_rates[step : step + num_bins] for step in range(num_steps))
        """Per window step u: the weights of every bin and the rates they read (views made once)."""
        self._sums = torch.empty(0, dtype=torch.float64, device=kernel_weight.device)
        """Scratch of the full update's double-precision sums (at most one chunk)."""
        self._steps = torch.arange(num_steps, device=kernel_weight.device)[:, None]
        self._recorded: list[torch.Tensor] = []
        self._count = 0
        self._everything = False
        self.native: NativeFold | None = None
        """The C loops bound to the same tensors (``native_fold.py``), if they compiled: the kernel mass
        of every bin and the cumulative sum then take one pass."""

    def note(self, bins: torch.Tensor) -> None:
        """Remember (n,) long bins that received counts (duplicates allowed)."""
        if self._everything:
            return
        self._recorded.append(bins)
        self._count += bins.shape[0]
        if self._count >= 4 * self._num_bins:
            self.fold_all_next()  # many records without a fold: folding all bins is cheaper than the list

    def fold_all_next(self) -> None:
        """Counts may sit in any bin (a loaded state, an all-reduce): the next fold covers all bins."""
        self._everything = True
        self._recorded, self._count = [], 0

    def take(self, everything: bool = False) -> torch.Tensor | None:
        """The (n,) bins to fold, duplicates included (in no particular order), or None to fold all;
        resets the record. The fold is written so that a bin listed twice gets the same update as once
        (gather, compute, write back): dropping duplicates took more ops than it saved.

        Args:
            everything: fold all bins regardless (e.g. after an all-reduce of the pending counts).
        """
        recorded, count, everything = self._recorded, self._count, everything or self._everything
        self._recorded, self._count, self._everything = [], 0, False
        if everything or count * SPARSE_WORK_RATIO >= self._num_bins:
            return None
        if not recorded:
            return torch.zeros(0, dtype=torch.long, device=self._steps.device)
        return recorded[0] if len(recorded) == 1 else torch.cat(recorded)

    def kernel_mass_and_cdf(self, out: torch.Tensor, cdf: torch.Tensor, changed_rates: torch.Tensor | None) -> None:
        """:meth:`kernel_mass` of ``changed_rates`` into ``out``, then ``cdf = cumsum(out)`` (the values of
        torch's CPU ``cumsum``); in the C loops where they compiled (``out`` and ``cdf`` are then the
        sampler's kernel mass and CDF, which they are bound to)."""
        native = self.native
        if native is not None and (changed_rates is None or self._partial_costs_more(changed_rates.shape[0])):
            native.kernel_mass_and_cdf()
            return
        self.kernel_mass(out, changed_rates)
        if native is not None:
            native.cdf_of_mass()
        else:
            torch.cumsum(out, 0, out=cdf)

    def _partial_costs_more(self, changed: int) -> bool:
        """Whether a partial kernel update of ``changed`` rates costs more than the C loops' full one."""
        return PARTIAL_FIXED_BINS + PARTIAL_BINS_PER_RATE * changed >= self._num_bins

    def kernel_mass(self, out: torch.Tensor, changed_rates: torch.Tensor | None = None) -> None:
        """Write ``out[s] = Σ_u weight[u, s] rates[s + u]`` for every s whose window reads a bin in
        ``changed_rates`` (all s if None; duplicates allowed).

        Every entry is the same arithmetic whichever entries are computed with it, so a partial update
        gives bit for bit what a full one gives: the K float32 products are added in double precision
        in the order u = 0, 1, ... and the sum rounded to float32 once. The partial update does this as
        a cumulative sum along each gathered window (torch's CPU ``cumsum`` of float32 accumulates in
        double, one line at a time); the full one as K element-wise steps over all bins.
        """
        num_bins = self._num_bins
        num_steps = len(self._weight_steps)
        if changed_rates is not None and changed_rates.shape[0] * num_steps * SPARSE_WORK_RATIO >= num_bins:
            changed_rates = None  # most windows changed: recompute all
        if changed_rates is None:
            self._full_kernel_mass(out)
            return
        # bins s = r - u read rate r; a window clipped at 0 recomputes to the same value, so duplicates
        # and extra bins are harmless. In chunks: (K * chunk, K) tables.
        per_chunk = max(1, chunk_size(SERIAL_ELEMENTS) // num_steps**2)
        chunks = (changed_rates,) if changed_rates.shape[0] <= per_chunk else changed_rates.split(per_chunk)
        for changed in chunks:
            readers = (changed - self._steps).clamp_min_(0).view(-1)
            # the weights gathered as columns of the contiguous (K, B) table (rows of its transpose are
            # strided: gathering those is a hundred times slower), multiplied in as a transposed view
            weights = self._weight.index_select(1, readers).t()
            products = self._windows.index_select(0, readers).mul_(weights)
            out.index_copy_(0, readers, products.cumsum_(1)[:, -1])

    def _full_kernel_mass(self, out: torch.Tensor) -> None:
        """Every bin's kernel mass: the partial update's double-precision sums, one window step at a
        time over contiguous bins (in chunks, so no op is split over threads)."""
        per_chunk = chunk_size(SERIAL_ELEMENTS)
        if self._sums.shape[0] < min(per_chunk, self._num_bins):
            self._sums = torch.empty(min(per_chunk, self._num_bins), dtype=torch.float64, device=out.device)
        for start in range(0, self._num_bins, per_chunk):
            end = min(start + per_chunk, self._num_bins)
            whole = start == 0 and end == self._num_bins  # one chunk: the views made once, no slicing
            sums = self._sums if whole and self._sums.shape[0] == end else self._sums[: end - start]
            for step, (weight, rates) in enumerate(zip(self._weight_steps, self._rate_steps, strict=True)):
                if not whole:
                    weight, rates = weight[start:end], rates[start:end]
                if step == 0:
                    sums.copy_(weight * rates)
                else:
                    sums += weight * rates
            if whole:
                out.copy_(sums)
            else:
                out[start:end] = sums
