"""The ``hazard`` attribution: failures in a bin per env step spent there, as a per-bin probability.

``start`` (the paper) and ``failure`` (the public BeyondMimic code) divide failures by *episodes*
counted in a bin. A bin that many episodes pass through but few end in, or a short visit at the end
of a long easy stretch, are then hard to compare. The hazard divides the failures that happened in
bin s (the bin where the episode ended by a failure) by the *exposure* of s: the env steps spent in
s, recorded once per env step for every env (one fixed-shape scatter-add). ``h_s = F_s / E_s`` is
a per-step hazard, "how likely is the policy to fall here, given that it got here", and does not
depend on how long the bin is or how many episodes start before it.

To live on the same [0, 1] scale as the other two statistics (the kernel, the floor and the logged
rates are shared), it is turned into the probability of failing somewhere while traversing the
bin's n_s frames: ``q_s = 1 - exp(-h_s n_s)``. This is the constant-hazard (Poisson) form; to
first order it equals ``1 - (1 - h_s)^n_s``, and unlike that form it stays in [0, 1) for any
``h_s >= 0``: a fold can record a failure in a bin whose exposure fell in earlier folds (an env
that crosses into a bin and fails on the same step), so a per-fold ``F/E`` can exceed 1.

Smoothing. The other modes average per-update rates, ``r̄ <- r̄ + α (F/N - r̄)``. Here the fold runs
every env step, so one update holds a step's exposure (a few env steps per bin) and almost never a
failure, and failures land in other folds than the exposure that led to them. An average of
per-fold ratios then weighs a fold with 1 step of exposure like one with 1000, and drops a
failure recorded in a fold where its bin had no exposure (F/0). So the two *counts* are averaged
instead, ``F̄ <- F̄ + α (F - F̄)`` and ``Ē <- Ē + α (E - Ē)`` on the bins that got exposure or a
failure in the update, and ``h = F̄ / Ē``: an exposure-weighted (maximum-likelihood) estimate of a
constant hazard over the last ~1/α updates of the bin. It is scale-free (the envs' count cancels),
and a bin never visited keeps rate 0.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def fold_hazard(
    pending_counts: torch.Tensor,
    smoothed: torch.Tensor,
    failure_rate: torch.Tensor,
    bin_length: torch.Tensor,
    alpha: float,
    prior: float,
    prior_mean: float,
    expm1: Callable[[torch.Tensor], torch.Tensor] = torch.expm1,
    neg_length: torch.Tensor | None = None,
) -> None:
    """One update of the hazard statistics of every bin, in place (fixed shapes, no host sync).

    Args:
        pending_counts: (B, 2) failures and exposure (env steps) recorded since the last fold (the
            last two columns of the sampler's pending counts).
        smoothed: (B, 2) moving averages F̄ and Ē of the per-update failures and exposure.
        failure_rate: (B,) written with q = 1 - exp(-h n_s) where the bin has exposure.
        bin_length: (B,) n_s, frames per bin.
        alpha: smoothing factor of the moving averages.
        prior: pseudo-traversals a of the prior: h = (F̄ + a μ) / (Ē + a n_s) (0 = off).
        prior_mean: μ, the prior's failures per traversal.
        expm1: the ``expm1`` to use (the CPU passes one that keeps large tensors on one thread).
        neg_length: (B,) -n_s, kept by the caller to save an op per fold (None: computed here).
    """
    if neg_length is None:
        neg_length = -bin_length
    # written in place (out=): every copy saved is a kernel launch saved
    _smooth_in_place(pending_counts, smoothed, alpha)
    _rate_of(smoothed, failure_rate, bin_length, neg_length, prior, prior_mean, expm1, out=failure_rate)


def fold_hazard_columns(
    counts: tuple[torch.Tensor, torch.Tensor],
    rows: torch.Tensor,
    smoothed: tuple[torch.Tensor, torch.Tensor],
    failure_rate: torch.Tensor,
    bin_length: torch.Tensor,
    neg_length: torch.Tensor,
    alpha: float,
    prior: float,
    prior_mean: float,
) -> None:
    """:func:`fold_hazard` of the (n,) bins ``rows`` only (the CPU fold), one column at a time.

    The same element-wise maths as :func:`fold_hazard`, so bit for bit the values the update of all
    bins gives (the others would get back the values they hold). It gathers little: the caller
    gathers the pending rows once for the totals and the hazard, F̄ and Ē are read and written as
    two 1-D columns (torch's CPU gather and copy of rows of a (B, 2) table cost about twice as much
    per bin at 16k rows), ``bin_length`` is read only with a prior, and results are written with
    ``scatter_`` (about half the cost of ``index_copy_``). A bin listed twice gets the same values
    twice.

    Args:
        counts: (n,) pending failures and (n,) pending exposure of ``rows``.
        rows: (n,) long bin ids holding every pending count.
        smoothed: the columns F̄ and Ē of the (B, 2) moving averages, as (B,) views.
        failure_rate, bin_length, neg_length, alpha, prior, prior_mean: as in :func:`fold_hazard`.
    """
    failures, exposure = counts
    old_failures, old_exposure = (column.index_select(0, rows) for column in smoothed)
    got = (failures + exposure) > 0
    new_failures = torch.where(got, torch.lerp(old_failures, failures, alpha), old_failures)
    new_exposure = torch.where(got, torch.lerp(old_exposure, exposure, alpha), old_exposure)
    smoothed[0].scatter_(0, rows, new_failures)
    smoothed[1].scatter_(0, rows, new_exposure)
    visited = new_exposure > 0
    if prior > 0:
        new_failures = new_failures + prior * prior_mean
        new_exposure = new_exposure + prior * bin_length.index_select(0, rows)
    hazard = new_failures.div_(new_exposure)  # NaN or inf where never visited: not selected
    decayed = torch.expm1(hazard.mul_(neg_length.index_select(0, rows))).neg_()
    failure_rate.scatter_(0, rows, torch.where(visited, decayed, failure_rate.index_select(0, rows)))


def _smooth_in_place(counts: torch.Tensor, smoothed: torch.Tensor, alpha: float) -> None:
    """F̄ <- F̄ + α (F - F̄) and Ē <- Ē + α (E - Ē), in place, on the bins that got counts."""
    if counts.is_cuda or torch.compiler.is_compiling():  # the fewest kernels; Dynamo refuses a strided out=
        got = (counts > 0).any(1, keepdim=True)
        torch.where(got, torch.lerp(smoothed, counts, alpha), smoothed, out=smoothed)
        return
    # the same test as element-wise ops on the columns (counts are >= 0), and the update one column at a
    # time: on the CPU a reduction or a broadcast over a dimension of 2 runs a slow generic loop (57 + 48
    # us instead of 21 + 12 at 10k bins), and stacking the test for a (B, 2) where cost 18 us more
    failures, exposure = counts.unbind(1)
    any_count = (failures + exposure) > 0
    for column, count in zip(smoothed.unbind(1), (failures, exposure), strict=True):
        torch.where(any_count, torch.lerp(column, count, alpha), column, out=column)


def _rate_of(
    smoothed: torch.Tensor,
    rate: torch.Tensor,
    bin_length: torch.Tensor,
    neg_length: torch.Tensor,
    prior: float,
    prior_mean: float,
    expm1: Callable[[torch.Tensor], torch.Tensor] = torch.expm1,
    out: torch.Tensor | None = None,
) -> torch.Tensor:
    failures, exposure = smoothed.unbind(1)
    visited = exposure > 0
    if prior > 0:
        failures = failures + prior * prior_mean
        exposure = exposure + prior * bin_length
    hazard = failures / exposure  # NaN or inf where a bin was never visited: not selected
    # h * (-n) is -(h * n) exactly, so q = -expm1(-h n) needs one negation, done in place
    return torch.where(visited, expm1(hazard * neg_length).neg_(), rate, out=out)


def hazard_of(smoothed: torch.Tensor) -> torch.Tensor:
    """(B,) the per-step hazard h = F̄ / Ē (0 where a bin has no exposure), without the prior."""
    failures, exposure = smoothed.unbind(1)
    return torch.where(exposure > 0, failures / exposure.clamp_min(1e-30), torch.zeros_like(failures))
