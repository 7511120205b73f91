"""The per-bin rate updates of a fold: episodes (``start``, ``failure``) or hazard, all bins or some."""

from __future__ import annotations

import torch

from .changed_bins import ROWS_CHUNK, chunked_expm1
from .config import AdaptiveSamplerCfg
from .hazard import fold_hazard


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


def fold_all_rates(
    cfg: AdaptiveSamplerCfg,
    pending: torch.Tensor,
    pending_columns: tuple[torch.Tensor, ...],
    failure_rate: torch.Tensor,
    hazard_counts: torch.Tensor,
    bin_length: torch.Tensor,
    serial_expm1: bool,
) -> None:
    """Update the rates of every bin from the (B, 3) pending counts, in place (fixed shapes, no host sync).

    ``serial_expm1``: compute the hazard's ``expm1`` in chunks that stay on one CPU thread.
    """
    if cfg.attribution == "hazard":
        fold_hazard(
            pending,
            hazard_counts,
            failure_rate,
            bin_length,
            cfg.alpha,
            cfg.rate_prior,
            cfg.rate_prior_mean,
            expm1=chunked_expm1 if serial_expm1 else torch.expm1,
        )
        return
    # r̄ <- r̄ + α (r - r̄) on the bins that got episodes; the others keep their rate
    failure_rate.lerp_(batch_rate(pending_columns, failure_rate, cfg.rate_prior, cfg.rate_prior_mean), cfg.alpha)


def fold_rows(
    cfg: AdaptiveSamplerCfg,
    rows: torch.Tensor,
    pending: torch.Tensor,
    totals: torch.Tensor,
    failure_rate: torch.Tensor,
    hazard_counts: torch.Tensor,
    bin_length: torch.Tensor,
) -> None:
    """The CPU fold of the (n,) bins ``rows`` that hold every pending count: the rates as
    :func:`fold_all_rates` computes them on those bins only (the others would keep their values), the
    totals, and the pending counts cleared.

    ``rows`` may list a bin more than once. Every step gathers, computes and writes back, so the copies
    of a bin write the same values; a copy in a later chunk finds the bin folded (pending zero), where
    every statistic keeps its value (an exact lerp of equal ends, an unchanged total).
    """
    # no op split over threads (see changed_bins.py)
    chunks = (rows,) if rows.shape[0] <= ROWS_CHUNK else rows.split(ROWS_CHUNK)
    for chunk in chunks:
        rows_pending = pending.index_select(0, chunk)
        if cfg.attribution == "hazard":
            fold_hazard(
                pending,
                hazard_counts,
                failure_rate,
                bin_length,
                cfg.alpha,
                cfg.rate_prior,
                cfg.rate_prior_mean,
                rows=chunk,
            )
        else:
            rate = failure_rate.index_select(0, chunk)
            new_rate = batch_rate(rows_pending.unbind(1), rate, cfg.rate_prior, cfg.rate_prior_mean)
            failure_rate.index_copy_(0, chunk, rate.lerp_(new_rate, cfg.alpha))
        totals.index_copy_(0, chunk, totals.index_select(0, chunk).add_(rows_pending))
        pending.index_fill_(0, chunk, 0.0)
