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
"""Fold only the changed bins while (changed bins) × K × this ratio < B; else all of them (fewer ops)."""


class ChangedBins:
    """Bins recorded since the last fold, and the kernel masses computed for the CPU.

    Args:
        kernel_weight: (K, B) weight of rate s + u in the kernel mass of bin s: (1 - λ) γ^u, 0 where
            s + u is past the end of s's motion.
    """

    def __init__(self, kernel_weight: torch.Tensor):
        self._kernel_weight = kernel_weight
        self._steps = torch.arange(kernel_weight.shape[0], device=kernel_weight.device)[:, None]
        self._recorded: list[torch.Tensor] = []
        self._count = 0
        self._everything = False

    def note(self, bins: torch.Tensor) -> None:
        """Remember (n,) long bins that received counts (duplicates allowed)."""
        if self._everything:
            return
        self._recorded.append(bins)
        self._count += bins.numel()
        if self._count * self._steps.shape[0] * SPARSE_WORK_RATIO >= self._kernel_weight.shape[1]:
            self.fold_all_next()  # as many as the full fold's work: stop collecting

    def fold_all_next(self) -> None:
        """Counts may sit in any bin (a loaded state, an all-reduce): the next fold covers all bins."""
        self._everything = True
        self._recorded, self._count = [], 0

    def take(self, everything: bool = False) -> torch.Tensor | None:
        """The (n,) sorted distinct bins to fold, or None to fold all; resets the record.

        Args:
            everything: fold all bins regardless (e.g. after an all-reduce of the pending counts).
        """
        recorded, everything = self._recorded, everything or self._everything
        self._recorded, self._count, self._everything = [], 0, False
        if everything:
            return None
        if not recorded:
            return torch.zeros(0, dtype=torch.long, device=self._steps.device)
        rows = torch.unique(recorded[0] if len(recorded) == 1 else torch.cat(recorded))
        if rows.numel() * self._steps.shape[0] * SPARSE_WORK_RATIO >= self._kernel_weight.shape[1]:
            return None
        return rows

    def kernel_mass(self, rates: torch.Tensor, out: torch.Tensor, changed_rates: torch.Tensor | None = None) -> None:
        """Write ``out[s] = Σ_u weight[u, s] rates[s + u]`` (added in the order u = 0, 1, ...), for every
        s whose window reads a bin in ``changed_rates`` (all s if None).

        Every product and every sum is its own element-wise op, so an entry's value does not depend
        on which others are computed with it (a fused multiply-add or a reduction could round
        differently at different positions).
        """
        weight = self._kernel_weight
        num_steps, num_bins = weight.shape
        if changed_rates is None:
            # the window of s is rates[s:s + K]: shifted views, no gather (a K x B table would be split
            # over threads on the CPU); past the last bin the weight is 0 and nothing is added
            torch.mul(weight[0], rates, out=out)
            for step in range(1, min(num_steps, num_bins)):
                out[: num_bins - step] += weight[step, : num_bins - step] * rates[step:]
            return
        # bins s = r - u read rate r; a window clipped at 0 or at the last bin recomputes to the same
        # value, so duplicates and extra bins are harmless
        readers = (changed_rates[None, :] - self._steps).clamp_min_(0).flatten()
        window = (readers[None, :] + self._steps).clamp_max_(num_bins - 1)
        products = rates.index_select(0, window.flatten()).view(num_steps, -1).mul_(weight.index_select(1, readers))
        mass = products[0]
        for step in range(1, num_steps):
            mass.add_(products[step])
        out.index_copy_(0, readers, mass)
