"""Whole-clip completion and median furthest frame from frame 0 over PPO iterations, per clip and arm.

    python bench/frame0_curves.py --study docs/data/table2_dance1 docs/data/table2_dance2 docs/data/table2_fight1 \\
        --out frame0.png

Each study folder may hold two kinds of evaluation, both made by ``scripts/evaluate.py`` with 16 starts at
frame 0 among its start bins:

- ``results.jsonl``: the protocol's evaluations, every start bin (``bench/ablation.py --ingest``); drawn filled;
- ``cpu_frame0/ARM_ITERATIONS.json``: checks of the frame-0 starts alone (``--start-bins 0``), the JSON report
  as ``evaluate.py`` wrote it; drawn open.

One row of panels per study: the share of frame-0 starts that complete the whole clip (the protocol counts ≥ 0.9
as completed) and the median furthest frame they reach, as a share of the clip, against PPO iterations.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from beyondmimic_adaptive.cli_types import output_file

DONE_AT = 0.9
"""The protocol's "completed": the whole clip from frame 0 in at least this share of the starts."""


@dataclass(frozen=True)
class Point:
    """One evaluated checkpoint, frame-0 starts only."""

    iterations: int
    full_clip: float
    """Share of the frame-0 starts that completed the whole clip."""
    furthest: float
    """Median furthest frame of those starts over the clip's frames."""
    protocol: bool
    """True for the protocol's evaluation (every start bin), False for a frame-0-only check."""


def _point(report: dict, iterations: int, protocol: bool, source: Path) -> Point:
    try:
        return Point(
            iterations,
            float(min(report["full_clip_completion"])),
            float(min(f / n for f, n in zip(report["median_furthest_frame"], report["num_frames"], strict=True))),
            protocol,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise SystemExit(
            f"frame0_curves: {source} lacks a frame-0 result ({error!r}); it needs full_clip_completion, "
            "median_furthest_frame and num_frames, as scripts/evaluate.py writes them"
        ) from error


def load_points(study: Path) -> dict[str, list[Point]]:
    """Every arm's points in ``study``, sorted by iterations (protocol first where both exist)."""
    arms: dict[str, list[Point]] = {}
    results = study / "results.jsonl"
    if results.exists():
        for line in results.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                arms.setdefault(row["arm"], []).append(_point(row, int(row["iterations"]), True, results))
    for path in sorted((study / "cpu_frame0").glob("*.json")):
        arm, _, iterations = path.stem.rpartition("_")
        if not arm or not iterations.isdigit():
            raise SystemExit(f"frame0_curves: {path} is not named ARM_ITERATIONS.json (e.g. adaptive_3900.json)")
        arms.setdefault(arm, []).append(_point(json.loads(path.read_text()), int(iterations), False, path))
    if not arms:
        raise SystemExit(
            f"frame0_curves: {study} holds neither results.jsonl nor cpu_frame0/*.json; "
            "pass a study folder such as docs/data/table2_dance1"
        )
    return {arm: sorted(points, key=lambda p: (p.iterations, not p.protocol)) for arm, points in sorted(arms.items())}


def plot(studies: dict[str, dict[str, list[Point]]], path: Path) -> None:
    """One row of two panels per study; one colour per arm and one iteration axis, shared across rows."""
    arm_names = sorted({arm for arms in studies.values() for arm in arms})
    colours = {arm: f"C{index}" for index, arm in enumerate(arm_names)}
    fig, axes = plt.subplots(len(studies), 2, figsize=(12, 3.6 * len(studies)), squeeze=False, sharex=True)
    for (name, arms), (full_ax, far_ax) in zip(studies.items(), axes, strict=True):
        for arm, points in arms.items():
            x = [p.iterations for p in points]
            for ax, y in ((full_ax, [p.full_clip for p in points]), (far_ax, [p.furthest for p in points])):
                ax.plot(x, y, color=colours[arm], alpha=0.5, label=arm)
                for protocol in (True, False):
                    chosen = [(xi, yi) for xi, yi, p in zip(x, y, points, strict=True) if p.protocol is protocol]
                    if chosen:
                        face = colours[arm] if protocol else "none"
                        ax.scatter(*zip(*chosen, strict=True), color=colours[arm], facecolors=face, zorder=3)
        full_ax.axhline(DONE_AT, color="grey", linestyle=":", label=f"completed ({DONE_AT:g})")
        full_ax.set(title=name, xlabel="PPO iterations", ylabel="whole clip from frame 0", ylim=(-0.03, 1.05))
        full_ax.set_xlim(left=0)
        far_ax.set(title=name, xlabel="PPO iterations", ylabel="median furthest frame / clip", ylim=(0, 1.05))
        full_ax.legend(fontsize="small", loc="upper left")
    fig.suptitle("From frame 0 (16 starts): filled = protocol evaluation, open = frame-0-only check")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--study", type=Path, nargs="+", required=True, help="study folders (one row each)")
    parser.add_argument("--out", type=output_file("frame0.png"), required=True, help="PNG to write")
    args = parser.parse_args()
    if not args.out.parent.is_dir():
        parser.error(f"--out {args.out}: the folder {args.out.parent} does not exist; create it first")
    studies = {study.name: load_points(study) for study in args.study}
    plot(studies, args.out)
    for name, arms in studies.items():
        for arm, points in arms.items():
            last = points[-1]
            print(
                f"{name} {arm}: {len(points)} points, last at {last.iterations}: whole clip {last.full_clip:.2f}, "
                f"furthest {last.furthest:.2f} of the clip"
            )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
