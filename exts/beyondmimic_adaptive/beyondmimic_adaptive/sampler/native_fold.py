"""The CPU fold's passes over the bins as C loops (``native.py``), bound to one sampler's tensors.

Used by the CPU's changed-bins fold (``AdaptiveSampler(fixed_shapes=False)``) where the loops
compiled; the results are those of the torch ops bit for bit. What runs here:

- ``hazard`` attribution: the update of the rows (or of every bin) in two passes around torch's
  ``expm1`` (the one op kept in torch, whose vectorised ``expm1`` a C loop would not reproduce bit for
  bit). The first pass smooths F̄ and Ē, moves the pending counts into the totals and writes the
  exponent; the second writes the rates. Each reads a bin's row of the (B, 3) and (B, 2) tables in
  place, where torch gathered and scattered each column (a random gather of 16k rows cost about
  24 µs, ten of them per fold at 16384 envs × 100k bins).
- every attribution: the kernel mass of every bin and the cumulative sum in one pass, the totals
  update of a fold of every bin, and the cumulative sum after a partial kernel update.
"""

from __future__ import annotations

import ctypes

import torch

from . import native
from .changed_bins import SERIAL_ELEMENTS, SERIAL_TRANSCENDENTAL, ChangedBins, chunk_size


class NativeFold:
    """C loops over a sampler's persistent CPU tensors (pointers taken once: the tensors are updated in
    place and never reallocated).

    Args:
        lib: the loaded library (:func:`native.library`).
        pending: (B, 3) float32 pending episodes, failures, exposure.
        totals: (B, 3) float64 totals.
        smoothed: (B, 2) float32 hazard moving averages F̄, Ē.
        bin_length: (B,) float32 n_s; neg_length: (B,) float32 -n_s (the fold tables' own).
        padded_rates: (B + K - 1,) float32 rates then K - 1 zeros; kernel_weight: (K, B) float32.
        kernel_mass: (B,) float32; cdf: (B,) float32 unnormalised CDF.
    """

    def __init__(
        self,
        lib: ctypes.CDLL,
        pending: torch.Tensor,
        totals: torch.Tensor,
        smoothed: torch.Tensor,
        bin_length: torch.Tensor,
        neg_length: torch.Tensor,
        padded_rates: torch.Tensor,
        kernel_weight: torch.Tensor,
        kernel_mass: torch.Tensor,
        cdf: torch.Tensor,
    ):
        tables = dict(pending=pending, smoothed=smoothed, bin_length=bin_length, neg_length=neg_length)
        tables.update(padded_rates=padded_rates, kernel_weight=kernel_weight, kernel_mass=kernel_mass, cdf=cdf)
        for name, tensor in tables.items():
            native.check_buffer(name, tensor, torch.float32)
        native.check_buffer("totals", totals, torch.float64)
        self._lib = lib
        self._num_steps, self._num_bins = kernel_weight.shape
        self._tensors = (*tables.values(), totals)  # held, so the pointers stay valid
        self._pending = pending.data_ptr()
        self._totals = totals.data_ptr()
        self._smoothed = smoothed.data_ptr()
        self._bin_length = bin_length.data_ptr()
        self._neg_length = neg_length.data_ptr()
        self._rates = padded_rates.data_ptr()
        self._weight = kernel_weight.data_ptr()
        self._mass = kernel_mass.data_ptr()
        self._cdf = cdf.data_ptr()
        self._exponent = torch.empty(self._num_bins)
        """(B,) scratch: the exponent -h n of the bins of a pass (then its expm1, in place)."""
        self._visited = torch.empty(self._num_bins, dtype=torch.uint8)
        """(B,) scratch: whether the bins of a pass have exposure (Ē > 0)."""

    def flush_totals(self) -> None:
        """``totals += pending`` (in double precision), then ``pending = 0``, over every bin."""
        self._lib.bm_add_and_clear(self._totals, self._pending, 3 * self._num_bins)

    def kernel_mass_and_cdf(self) -> None:
        """Every bin's kernel mass and the cumulative sum of the masses into the CDF."""
        lib, num_bins = self._lib, self._num_bins
        lib.bm_kernel_mass_cumsum(self._weight, self._rates, self._num_steps, num_bins, self._mass, self._cdf)

    def cdf_of_mass(self) -> None:
        """The cumulative sum of the kernel masses into the CDF (``torch.cumsum``'s values)."""
        self._lib.bm_cumsum(self._mass, self._num_bins, self._cdf)

    def fold_hazard(self, rows: torch.Tensor | None, alpha: float, prior: float, prior_mean: float) -> None:
        """The hazard update of the (n,) long bins ``rows`` (duplicates allowed; None: every bin): F̄, Ē,
        the rates, the totals, and the pending counts of those bins cleared (``rates.py``'s fold).

        The loop does not check the bins' range: they are the bins recorded since the last fold, each of
        which went through the bounds check of the record's ``index_add_`` into the pending counts."""
        count = self._num_bins if rows is None else rows.shape[0]
        if rows is not None and (rows.dtype is not torch.int64 or not rows.is_contiguous()):
            rows = rows.to(torch.int64).contiguous()  # the loop reads them as int64 (host-side checks, no sync)
        rows_pointer = None if rows is None else rows.data_ptr()
        exponent = self._exponent if count == self._num_bins else self._exponent[:count]
        visited = self._visited.data_ptr()
        self._lib.bm_hazard_pass(
            rows_pointer,
            count,
            self._pending,
            self._totals,
            self._smoothed,
            self._bin_length,
            self._neg_length,
            alpha,
            prior,
            prior * prior_mean,
            exponent.data_ptr(),
            visited,
        )
        # torch's expm1, in place, in the chunks the torch fold uses (no op split over threads)
        per_chunk = chunk_size(SERIAL_TRANSCENDENTAL)
        if count <= per_chunk:
            torch.expm1(exponent, out=exponent)
        else:
            for chunk in exponent.split(per_chunk):
                torch.expm1(chunk, out=chunk)
        self._lib.bm_hazard_rates(rows_pointer, count, exponent.data_ptr(), visited, self._rates)


def native_fold(changed: ChangedBins | None, *tensors: torch.Tensor) -> NativeFold | None:
    """A :class:`NativeFold` of ``tensors`` (its arguments after ``lib``, in its order), also handed to the
    sampler's ``changed`` bins for the kernel mass; None without a changed-bins fold (CUDA, fixed shapes) or
    where the C loops are unavailable (no C compiler, ``BEYONDMIMIC_NATIVE=0``: :func:`native.library` warns
    once)."""
    lib = native.library() if changed is not None and tensors[0].device.type == "cpu" else None
    if changed is None or lib is None:
        return None
    changed.native = NativeFold(lib, *tensors)
    return changed.native


def default_fixed_shapes(device: torch.device, attribution: str, num_steps: int, num_bins: int) -> bool:
    """``AdaptiveSampler(fixed_shapes=None)``: fold every bin with fixed shapes on CUDA (graph replays) and on
    the CPU for small libraries (K × B <= ``SERIAL_ELEMENTS``, where those few small ops are the cheaper
    fold), except for ``attribution: hazard`` with the C loops, whose fold of the changed bins was 1.4-1.8x
    faster than the fixed shapes at 100-3000 bins (docs/benchmarks.md §1.7)."""
    if device.type != "cpu":
        return True
    if num_steps * num_bins > SERIAL_ELEMENTS:
        return False
    return not (attribution == "hazard" and native.library() is not None)
