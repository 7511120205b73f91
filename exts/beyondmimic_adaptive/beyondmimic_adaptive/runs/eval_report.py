"""The evaluation report as a table and a plot (per-bin completion and body position error)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any


def started_bins(report: dict[str, Any]) -> list[int]:
    """The bins the evaluation started from: every bin, unless it was limited (``start_bins``)."""
    return report.get("start_bins", list(range(len(report["completion_per_bin"]))))


def require_every_bin(report: dict[str, Any], what: str) -> None:
    """Raise ``ValueError`` naming ``what`` when the report started from some bins only: per-bin curves and
    heatmaps need a start at every bin."""
    started, num_bins = started_bins(report), len(report["completion_per_bin"])
    if len(started) != num_bins:
        raise ValueError(
            f"{what}: the evaluation started from {len(started)} of {num_bins} bins ({started[:8]}"
            f"{' ...' if len(started) > 8 else ''}); evaluate again without --start-bins."
        )


def format_table(report: dict[str, Any]) -> str:
    """Per started bin: its motion, completion and body position error; then the whole-clip lines."""
    lines = [f"{'bin':>4} {'motion':>6} {'completion':>10} {'body pos err [m]':>16}"]
    for b in started_bins(report):
        m, c, e = report["bin_motion"][b], report["completion_per_bin"][b], report["body_pos_error_per_bin"][b]
        lines.append(f"{b:>4} {m:>6} {c:>10.2f} {'-' if e is None else format(e, '.3f'):>16}")
    lines.append(f"full-clip completion per motion: {report['full_clip_completion']} ({full_clip_summary(report)})")
    lines.append(f"median furthest frame from frame 0: {report['median_furthest_frame']} of {report['num_frames']}")
    lines.append(f"mean completion over bins: {report['mean_completion']:.3f}")
    lines.append(f"failures by term: {failure_summary(report)}")
    return "\n".join(lines)


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a success rate (95 % at the default ``z``): unlike the normal
    approximation it stays inside [0, 1] and is not empty at 0 or ``trials`` successes, which is where
    "completed in >= 90 % of 16 starts" is decided."""
    if trials < 1 or not 0 <= successes <= trials:
        raise ValueError(
            f"wilson_interval: {successes} successes of {trials} trials; need 0 <= successes <= trials, trials >= 1."
        )
    p, z2 = successes / trials, z * z
    center = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return max(0.0, center - half), min(1.0, center + half)


def full_clip_summary(report: dict[str, Any]) -> str:
    """Per motion, ``k of n starts (95 % interval lo-hi)`` for the starts at frame 0 that played the whole
    motion (n: the report's ``envs_per_bin``), or ``not started`` where the evaluation skipped its first bin."""
    n, parts = report["envs_per_bin"], []
    for rate in report["full_clip_completion"]:
        if rate is None:
            parts.append("not started")
            continue
        k = round(rate * n)
        low, high = wilson_interval(k, n)
        parts.append(f"{k} of {n} starts (95 % interval {low:.2f}-{high:.2f})")
    return "; ".join(parts)


def failure_summary(report: dict[str, Any]) -> str:
    """``term N (most in bin b: n), ...``: how many starts each failure term ended, and the bin where it ended most.

    Reports written before the terms were recorded read ``not recorded``."""
    per_bin = report.get("failures_per_end_bin")
    if per_bin is None:
        return "not recorded"
    parts = []
    for name, counts in sorted(per_bin.items(), key=lambda item: -sum(item[1])):
        total = sum(counts)
        if total:
            top = max(range(len(counts)), key=counts.__getitem__)
            parts.append(f"{name} {total} (most in bin {top}: {counts[top]})")
    return ", ".join(parts) or "none"


def plot_report(report: dict[str, Any], path: Path) -> None:
    """Bar charts of completion and body position error per start bin, and (reports that record them) the
    failing starts per bin where they ended, stacked by failure term; written to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bins = range(len(report["completion_per_bin"]))
    ended = {name: counts for name, counts in (report.get("failures_per_end_bin") or {}).items() if sum(counts)}
    fig, ax = plt.subplots(3 if ended else 2, 1, figsize=(9, 7 if ended else 5), sharex=True)
    completion = [float("nan") if c is None else c for c in report["completion_per_bin"]]  # None: not started
    ax[0].bar(bins, completion, color="tab:green")
    ax[0].set(ylabel="completion from bin", ylim=(0, 1.05), title=Path(report["checkpoint"]).name)
    errors = [float("nan") if e is None else e for e in report["body_pos_error_per_bin"]]  # None: no frame played
    ax[1].bar(bins, errors, color="tab:red")
    ax[1].set(ylabel="body pos error [m]")
    if ended:  # a start can be ended by several terms at once: each is drawn
        bottom = [0] * len(bins)
        for name, counts in ended.items():
            ax[2].bar(bins, counts, bottom=bottom, label=name)
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        ax[2].set(ylabel="failing starts\nended in bin")
        ax[2].legend(fontsize="small")
    ax[-1].set(xlabel=f"bin ({report['bin_size_s']:g} s)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
