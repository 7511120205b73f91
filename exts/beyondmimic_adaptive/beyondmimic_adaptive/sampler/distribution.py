"""Drawing from a start distribution, and capping it relative to its uniform share, without host syncs."""

from __future__ import annotations

import torch

_TINY = 1e-30
_BIG = 1e30


def cap_probabilities(p: torch.Tensor, cap: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """Water-filling: ``q_s = min(cap_s, t p_s)`` with the one ``t >= 1`` that makes Σ q = 1.

    Capped bins keep exactly their cap; the others are scaled by the same factor t, so the excess
    is redistributed in proportion to their probability and their relative shape is kept. This is
    the fixed point of "clip to the cap, renormalise" repeated until nothing exceeds the cap, found
    in one pass: t is where the piecewise-linear Σ_s min(cap_s, t p_s) crosses 1, between two of
    the breakpoints cap_s / p_s (one sort, cumulative sums and a gather; no host sync).

    Args:
        p: (B,) probabilities summing to 1.
        cap: (B,) per-bin caps with Σ cap >= 1.
        out: (B,) tensor the capped distribution is written to (and returned).
    """
    # t at which bin s reaches its cap; bins without mass never do
    breakpoint_t = torch.where(p > 0, cap / p.clamp_min(_TINY), _BIG).clamp_max_(_BIG)
    sorted_t, order = torch.sort(breakpoint_t)
    cap_sorted = cap.index_select(0, order)
    p_sorted = p.index_select(0, order)
    # at t = sorted_t[j], bins before j sit at their cap and bins from j on are still t p
    capped_before = torch.cumsum(cap_sorted, 0) - cap_sorted
    free_from = torch.flip(torch.cumsum(torch.flip(p_sorted, (0,)), 0), (0,))  # exact 0 for massless tails
    mass_at = capped_before + sorted_t * free_from
    num_capped = (mass_at < 1.0).sum(0, keepdim=True)
    capped_ext = torch.cat((capped_before, cap_sorted.sum(0, keepdim=True)))
    free_ext = torch.cat((free_from, torch.zeros_like(free_from[:1])))
    t = (1.0 - capped_ext.gather(0, num_capped)) / free_ext.gather(0, num_capped).clamp_min(_TINY)
    torch.minimum(cap, t.clamp_min(1.0) * p, out=out)
    # Rounding (or, with a zero floor, caps of the massive bins summing below 1) can leave a little
    # mass unplaced; give it to the bins below their cap in proportion to their room: Σ q = 1 and
    # q <= cap hold either way.
    room = cap - out
    leftover = 1.0 - out.sum(0, keepdim=True)
    out.addcmul_(room, leftover / room.sum(0, keepdim=True).clamp_min(_TINY))
    return out


def cdf_parts(cdf: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(all entries but the last, the last as a (1,) tensor) of a CDF: the ``head`` and ``total`` of
    :func:`draw_bins`, as views made once and kept with the CDF."""
    return cdf[:-1], cdf[-1:]


def draw_bins(head: torch.Tensor, total: torch.Tensor, n: int, out: torch.Tensor | None = None) -> torch.Tensor:
    """(n,) bins drawn by inverse CDF from an unnormalised CDF (no host sync, fixed shapes).

    Args:
        head: (B - 1,) all entries of the CDF but the last.
        total: (1,) the CDF's last entry, its total mass (draws are scaled by it).
        n: number of draws.
        out: optional (n,) long tensor the bins are written to (and returned).
    """
    # searching all but the last entry counts the entries <= draw capped at B - 1: the same bins as
    # searching the whole CDF and clamping (a draw rounded up to the total), one op fewer
    return torch.searchsorted(head, torch.rand(n, device=head.device).mul_(total), right=True, out=out)
