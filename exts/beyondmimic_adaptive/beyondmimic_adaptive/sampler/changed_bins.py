"""The CPU fold: update only the bins that were recorded since the last fold.

On the GPU the fold is one CUDA-graph replay, so it covers every bin with fixed shapes: what costs
there is the count of kernels, not their size. On the CPU there is no graph to replay and every op
pays for every element it touches. A fold of 41 episodes then spent its time on the K × B kernel
window: at 10k bins 50k elements gathered, multiplied and summed per env step, and above about
32k elements torch splits such ops over threads, which on a loaded machine waits for the slowest
thread (milliseconds where one thread takes 60 µs; docs/benchmarks.md §1).

Only the bins with pending counts change their statistics, and only the kernel masses whose window
reads one of them change (bin s reads s, ..., s + K - 1). :class:`ChangedBins` keeps the bins
recorded since the last fold, and recomputes kernel masses by element-wise ops whose result for a
bin does not depend on which other bins are computed with it (a gather, a product, then K - 1
additions in the order u = 0, 1, ...), so the masses of a partial update are bit for bit those of
a full one. The cumulative sum over all bins is still recomputed (the uniform floor's weight
depends on the total mass, so every entry of the CDF moves anyway).

Recording and folding on the CPU has data-dependent sizes (``bins[mask]``, ``unique``): fine there,
where nothing is captured and no device waits on the host.
"""

from __future__ import annotations

import torch

SPARSE_WORK_RATIO = 4
"""Fold only the recorded bins while (recorded bins) × this ratio < B, and recompute only the kernel
masses that read a changed rate while (changed bins) × K × this ratio < B; else all of them (the same
work in fewer ops)."""

ROWS_CHUNK = 2048
"""Bins folded per chunk on the CPU (their (n, 3) tables and ``expm1`` stay on one thread)."""

SERIAL_ELEMENTS = 16384
"""Largest element-wise op the CPU path issues where it can choose. Above 32k elements (above about 2k
for transcendental ones such as ``expm1``) torch splits an op over threads; on a loaded machine the
split op then waits for the slowest thread, measured at 0.05-8 ms for an op that takes 3-20 µs on
one thread (docs/benchmarks.md §1). Larger work is issued in chunks of at most this size."""

SERIAL_TRANSCENDENTAL = 2048
"""The same limit for ``expm1`` (torch splits it from about 2k elements on)."""


def chunked_addcmul_(out: torch.Tensor, tensor: torch.Tensor, scale: torch.Tensor) -> None:
    """``out += tensor * scale`` (1-D, ``scale`` of one element) in chunks that stay on one thread."""
    for start in range(0, out.shape[0], SERIAL_ELEMENTS):
        end = start + SERIAL_ELEMENTS
        out[start:end].addcmul_(tensor[start:end], scale)


def chunked_expm1(values: torch.Tensor) -> torch.Tensor:
    """``torch.expm1`` of a 1-D tensor, in chunks that stay on one thread (same values)."""
    if values.shape[0] <= SERIAL_TRANSCENDENTAL:
        return torch.expm1(values)
    out = torch.empty_like(values)
    for start in range(0, values.shape[0], SERIAL_TRANSCENDENTAL):
        end = start + SERIAL_TRANSCENDENTAL
        torch.expm1(values[start:end], out=out[start:end])
    return out


class ChangedBins:
    """Bins recorded since the last fold, and the kernel masses computed for the CPU.

    Args:
        kernel_weight: (K, B) weight of rate s + u in the kernel mass of bin s: (1 - λ) γ^u, 0 where
            s + u is past the end of s's motion.
    """

    def __init__(self, kernel_weight: torch.Tensor):
        self._kernel_weight = kernel_weight
        self._steps = torch.arange(kernel_weight.shape[0], device=kernel_weight.device)[:, None]
        self._owner = torch.zeros(kernel_weight.shape[1], dtype=torch.int32, device=kernel_weight.device)
        """(B,) scratch: which recorded entry claimed each bin (to drop duplicates without sorting)."""
        self._recorded: list[torch.Tensor] = []
        self._count = 0
        self._everything = False

    def note(self, bins: torch.Tensor) -> None:
        """Remember (n,) long bins that received counts (duplicates allowed)."""
        if self._everything:
            return
        self._recorded.append(bins)
        self._count += bins.numel()
        if self._count >= 4 * self._kernel_weight.shape[1]:
            self.fold_all_next()  # many records without a fold: folding all bins is cheaper than the list

    def fold_all_next(self) -> None:
        """Counts may sit in any bin (a loaded state, an all-reduce): the next fold covers all bins."""
        self._everything = True
        self._recorded, self._count = [], 0

    def take(self, everything: bool = False) -> torch.Tensor | None:
        """The (n,) distinct bins to fold (in no particular order), or None to fold all; resets the record.

        Args:
            everything: fold all bins regardless (e.g. after an all-reduce of the pending counts).
        """
        recorded, count, everything = self._recorded, self._count, everything or self._everything
        self._recorded, self._count, self._everything = [], 0, False
        if everything or count * SPARSE_WORK_RATIO >= self._kernel_weight.shape[1]:
            return None
        if not recorded:
            return torch.zeros(0, dtype=torch.long, device=self._steps.device)
        bins = recorded[0] if len(recorded) == 1 else torch.cat(recorded)
        # each bin keeps the one entry whose claim landed last: no sort (torch.unique of 4k entries
        # takes 0.3 ms and more on a loaded CPU)
        entry = torch.arange(bins.shape[0], dtype=torch.int32, device=bins.device)
        self._owner.index_copy_(0, bins, entry)
        kept = (self._owner.index_select(0, bins) == entry).nonzero().squeeze(1)
        return bins.index_select(0, kept)  # bins[mask] is several times slower on the CPU

    def kernel_mass(self, rates: torch.Tensor, out: torch.Tensor, changed_rates: torch.Tensor | None = None) -> None:
        """Write ``out[s] = Σ_u weight[u, s] rates[s + u]`` (added in the order u = 0, 1, ...), for every
        s whose window reads a bin in ``changed_rates`` (all s if None).

        Every product and every sum is its own element-wise op, so an entry's value does not depend
        on which others are computed with it (a fused multiply-add or a reduction could round
        differently at different positions).
        """
        weight = self._kernel_weight
        num_steps, num_bins = weight.shape
        if changed_rates is not None and changed_rates.numel() * num_steps * SPARSE_WORK_RATIO >= num_bins:
            changed_rates = None  # most windows changed: recompute all
        if changed_rates is None:
            # the window of s is rates[s:s + K]: shifted views, no gather; past the last bin the weight
            # is 0 and nothing is added. In chunks of bins, so no op is split over threads.
            for start in range(0, num_bins, SERIAL_ELEMENTS):
                end = min(start + SERIAL_ELEMENTS, num_bins)
                torch.mul(weight[0, start:end], rates[start:end], out=out[start:end])
                for step in range(1, min(num_steps, num_bins - start)):
                    stop = min(end, num_bins - step)
                    out[start:stop] += weight[step, start:stop] * rates[start + step : stop + step]
            return
        # bins s = r - u read rate r; a window clipped at 0 or at the last bin recomputes to the same
        # value, so duplicates and extra bins are harmless. In chunks: (K, K * chunk) tables.
        for changed in changed_rates.split(max(1, SERIAL_ELEMENTS // num_steps**2)):
            readers = (changed[None, :] - self._steps).clamp_min_(0).flatten()
            window = (readers[None, :] + self._steps).clamp_max_(num_bins - 1)
            products = rates.index_select(0, window.flatten()).view(num_steps, -1)
            products.mul_(weight.index_select(1, readers))
            mass = products[0]
            for step in range(1, num_steps):
                mass.add_(products[step])
            out.index_copy_(0, readers, mass)
