"""The per-bin rate updates of a fold: episodes (``start``, ``failure``) or hazard, all bins or some."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import torch

from .changed_bins import chunk_size, chunked_expm1
from .config import AdaptiveSamplerCfg
from .hazard import fold_hazard, fold_hazard_columns
from .native_fold import NativeFold

ROWS_CHUNK = 2048
"""Bins folded per chunk on the CPU (their (n, 3) tables and ``expm1`` stay on one thread)."""

WHOLE_TABLE_RATIO = 8
"""A fold in one chunk of n rows with n x this ratio >= B updates the totals as one addition of the
whole pending table (bins without pending counts add zeros, which leaves them as they are) and clears
it with one ``zero_``, instead of a gather, an addition and a copy of the rows and an ``index_fill_``
(on the CPU about 12 ns per random row, against 1 ns per bin for the whole table): at 16k rows of
100k bins, 110 µs instead of about 250."""


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
    smoothed_columns: tuple[torch.Tensor, torch.Tensor]
    """The two columns F̄ and Ē of the hazard's (B, 2) moving averages (the CPU row fold's)."""
    native: NativeFold | None
    """The CPU fold's C loops bound to these tables (``native_fold.py``), or None (CUDA, no compiler)."""

    @classmethod
    def of(
        cls,
        pending: torch.Tensor,
        bin_length: torch.Tensor,
        hazard_counts: torch.Tensor,
        native: NativeFold | None = None,
    ) -> FoldTables:
        columns: Any = pending.unbind(1)  # tuples of 3 and 2 views (unbind is typed tuple[Tensor, ...])
        smoothed: Any = hazard_counts.unbind(1)
        return cls(pending, columns, pending[:, 1:], bin_length, -bin_length, smoothed, native)


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
    cfg: AdaptiveSamplerCfg,
    tables: FoldTables,
    failure_rate: torch.Tensor,
    hazard_counts: torch.Tensor,
    expm1: Callable[[torch.Tensor], torch.Tensor],
) -> None:
    """:func:`fold_hazard` of every bin with the config's smoothing and the fold's tables."""
    fold_hazard(
        tables.hazard_pending,
        hazard_counts,
        failure_rate,
        tables.bin_length,
        cfg.alpha,
        cfg.rate_prior,
        cfg.rate_prior_mean,
        expm1,
        tables.neg_length,
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
        _fold_hazard(cfg, tables, failure_rate, hazard_counts, chunked_expm1 if serial_expm1 else torch.expm1)
        return
    # r̄ <- r̄ + α (r - r̄) on the bins that got episodes; the others keep their rate
    failure_rate.lerp_(batch_rate(tables.columns, failure_rate, cfg.rate_prior, cfg.rate_prior_mean), cfg.alpha)


def fold_every_bin(
    cfg: AdaptiveSamplerCfg,
    tables: FoldTables,
    totals: torch.Tensor,
    failure_rate: torch.Tensor,
    hazard_counts: torch.Tensor,
    serial_expm1: bool,
) -> None:
    """:func:`fold_all_rates`, then the pending counts added to the totals and cleared (fixed shapes, no host
    sync; the body of the CUDA graph). With the CPU's C loops (``tables.native``) the hazard update and the
    totals run there instead, with the same results."""
    native = tables.native
    if native is not None and cfg.attribution == "hazard":
        native.fold_hazard(None, cfg.alpha, cfg.rate_prior, cfg.rate_prior_mean)
        return
    fold_all_rates(cfg, tables, failure_rate, hazard_counts, serial_expm1)
    if native is not None:
        native.flush_totals()
        return
    totals += tables.pending
    tables.pending.zero_()


def fold_rows(
    cfg: AdaptiveSamplerCfg,
    rows: torch.Tensor,
    tables: FoldTables,
    totals: torch.Tensor,
    failure_rate: torch.Tensor,
) -> None:
    """The CPU fold of the (n,) bins ``rows`` that hold every pending count: the rates as
    :func:`fold_all_rates` computes them on those bins only (the others would keep their values), the
    totals, and the pending counts cleared.

    ``rows`` may list a bin more than once. Every step gathers, computes and writes back, so the copies
    of a bin write the same values; a copy in a later chunk finds the bin folded (pending zero), where
    every statistic keeps its value (an exact lerp of equal ends, an unchanged total). The hazard runs in
    the CPU's C loops where they compiled (``tables.native``), with the same results.
    """
    if tables.native is not None and cfg.attribution == "hazard":
        tables.native.fold_hazard(rows, cfg.alpha, cfg.rate_prior, cfg.rate_prior_mean)
        return
    per_chunk = chunk_size(ROWS_CHUNK)  # no op split over threads (see changed_bins.py)
    if rows.shape[0] > per_chunk:
        for chunk in rows.split(per_chunk):
            _fold_chunk(cfg, chunk, tables, totals, failure_rate, whole_table=False)
        return
    # one chunk: the rows hold every pending count, so the whole table may stand in for them
    whole_table = rows.shape[0] * WHOLE_TABLE_RATIO >= tables.pending.shape[0]
    _fold_chunk(cfg, rows, tables, totals, failure_rate, whole_table)


def _fold_chunk(
    cfg: AdaptiveSamplerCfg,
    chunk: torch.Tensor,
    tables: FoldTables,
    totals: torch.Tensor,
    failure_rate: torch.Tensor,
    whole_table: bool,
) -> None:
    """:func:`fold_rows` of one chunk of rows. ``whole_table``: the chunk holds every pending count, and
    the totals and the clearing take the whole pending table (so only the columns the rates read are
    gathered, as 1-D columns)."""
    pending = tables.pending
    hazard = cfg.attribution == "hazard"
    if whole_table:
        columns = tables.columns[1:] if hazard else tables.columns
        counts = tuple(column.index_select(0, chunk) for column in columns)
    else:
        rows_pending = pending.index_select(0, chunk)
        counts = rows_pending.unbind(1)[1:] if hazard else rows_pending.unbind(1)
    if hazard:
        fold_hazard_columns(
            (counts[0], counts[1]),
            chunk,
            tables.smoothed_columns,
            failure_rate,
            tables.bin_length,
            tables.neg_length,
            cfg.alpha,
            cfg.rate_prior,
            cfg.rate_prior_mean,
        )
    else:
        rate = failure_rate.index_select(0, chunk)
        new_rate = batch_rate(counts, rate, cfg.rate_prior, cfg.rate_prior_mean)
        failure_rate.index_copy_(0, chunk, rate.lerp_(new_rate, cfg.alpha))
    if whole_table:
        totals += pending
        pending.zero_()
    else:
        totals.index_copy_(0, chunk, totals.index_select(0, chunk).add_(rows_pending))
        pending.index_fill_(0, chunk, 0.0)
