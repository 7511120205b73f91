"""The per-bin rate updates of a fold: episodes (``start``, ``failure``) or hazard, all bins or some."""

from __future__ import annotations

from typing import Any, NamedTuple

import torch

from .changed_bins import chunk_size, chunked_expm1
from .config import AdaptiveSamplerCfg
from .hazard import fold_hazard

ROWS_CHUNK = 2048
"""Bins folded per chunk on the CPU (their (n, 3) tables and ``expm1`` stay on one thread)."""


class FoldTables(NamedTuple):
    """Views and tables a sampler makes once, so that a fold makes none (each is an op on the CPU)."""

    pending: torch.Tensor
    """(B, 3) episodes, failures and exposure recorded since the last fold."""
    columns: tuple[torch.Tensor, torch.Tensor, torch.Tensor]
    """The three columns of ``pending``."""
    hazard_pending: torch.Tensor
    """(B, 2) view of ``pending``: failures and exposure (what the hazard folds)."""
    bin_length: torch.Tensor
    """(B,) n_s, frames per bin (float32)."""
    neg_length: torch.Tensor
    """(B,) -n_s."""

    @classmethod
    def of(cls, pending: torch.Tensor, bin_length: torch.Tensor) -> FoldTables:
        return cls(pending, pending.unbind(1), pending[:, 1:], bin_length, -bin_length)  # type: ignore[arg-type]


def batch_rate(pending: tuple[torch.Tensor, ...], rate: torch.Tensor, prior: float, prior_mean: float) -> torch.Tensor:
    """This update's rate F/N (with the prior) where episodes were recorded, else the current ``rate``.

    Args:
        pending: the pending columns (episodes, failures, exposure), each (n,).
        rate: (n,) the current smoothed rates.
        prior: pseudo-episodes a of a Beta-style prior, (F + a μ) / (N + a) (0 = off).
        prior_mean: μ, the prior's failure rate.
    """
    episodes, failures, _ = pending
    if prior > 0:
        return torch.where(episodes > 0, (failures + prior * prior_mean) / (episodes + prior), rate)
    return torch.where(episodes > 0, failures / episodes, rate)  # 0/0 is NaN there, never selected


def _fold_hazard(
    cfg: AdaptiveSamplerCfg, tables: FoldTables, failure_rate: torch.Tensor, hazard_counts: torch.Tensor, **where: Any
) -> None:
    """:func:`fold_hazard` with the config's smoothing and the fold's tables; ``where``: its ``rows`` or ``expm1``."""
    fold_hazard(
        tables.hazard_pending,
        hazard_counts,
        failure_rate,
        tables.bin_length,
        cfg.alpha,
        cfg.rate_prior,
        cfg.rate_prior_mean,
        neg_length=tables.neg_length,
        **where,
    )


def fold_all_rates(
    cfg: AdaptiveSamplerCfg,
    tables: FoldTables,
    failure_rate: torch.Tensor,
    hazard_counts: torch.Tensor,
    serial_expm1: bool,
) -> None:
    """Update the rates of every bin from the pending counts, in place (fixed shapes, no host sync).

    ``serial_expm1``: compute the hazard's ``expm1`` in chunks that stay on one CPU thread.
    """
    if cfg.attribution == "hazard":
        _fold_hazard(cfg, tables, failure_rate, hazard_counts, expm1=chunked_expm1 if serial_expm1 else torch.expm1)
        return
    # r̄ <- r̄ + α (r - r̄) on the bins that got episodes; the others keep their rate
    failure_rate.lerp_(batch_rate(tables.columns, failure_rate, cfg.rate_prior, cfg.rate_prior_mean), cfg.alpha)


def fold_rows(
    cfg: AdaptiveSamplerCfg,
    rows: torch.Tensor,
    tables: FoldTables,
    totals: torch.Tensor,
    failure_rate: torch.Tensor,
    hazard_counts: torch.Tensor,
) -> None:
    """The CPU fold of the (n,) bins ``rows`` that hold every pending count: the rates as
    :func:`fold_all_rates` computes them on those bins only (the others would keep their values), the
    totals, and the pending counts cleared.

    ``rows`` may list a bin more than once. Every step gathers, computes and writes back, so the copies
    of a bin write the same values; a copy in a later chunk finds the bin folded (pending zero), where
    every statistic keeps its value (an exact lerp of equal ends, an unchanged total).
    """
    pending = tables.pending
    per_chunk = chunk_size(ROWS_CHUNK)  # no op split over threads (see changed_bins.py)
    for chunk in (rows,) if rows.shape[0] <= per_chunk else rows.split(per_chunk):
        rows_pending = pending.index_select(0, chunk)
        if cfg.attribution == "hazard":
            _fold_hazard(cfg, tables, failure_rate, hazard_counts, rows=chunk)
        else:
            rate = failure_rate.index_select(0, chunk)
            new_rate = batch_rate(rows_pending.unbind(1), rate, cfg.rate_prior, cfg.rate_prior_mean)
            failure_rate.index_copy_(0, chunk, rate.lerp_(new_rate, cfg.alpha))
        totals.index_copy_(0, chunk, totals.index_select(0, chunk).add_(rows_pending))
        pending.index_fill_(0, chunk, 0.0)
