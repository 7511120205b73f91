"""Training runs side by side from their TensorBoard events: a table every N iterations and a picture.

    python bench/compare_runs.py warp=RUN_DIR torch=RUN_DIR [--every 100] [--window 25] [--plot runs.png] \
        [--rows-out rows.jsonl]

Each ``NAME=DIR`` is a run folder of ``python -m beyondmimic_adaptive.runs train`` (scripts/train.py); every events
file in it is read, so a resumed run's stretches join up (an iteration logged twice keeps its last value). Each
table cell is the mean of a logged value over the ``--window`` iterations before that row's iteration count N (the
TensorBoard steps N - window .. N - 1, rsl-rl counting from 0): rsl-rl logs
episode means per iteration, which are noisy. ``--plot`` draws the same values per iteration, one panel per value.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from beyondmimic_adaptive.cli_types import output_file, positive_int

VALUES: dict[str, str] = {
    "reward": "Train/mean_reward",
    "episode length": "Train/mean_episode_length",
    "motion end": "Episode_Termination/motion_end",
    "failure rate": "Curriculum/adaptive/mean_failure_rate",
    "entropy": "Curriculum/adaptive/entropy_normalized",
}
"""Column name -> the TensorBoard tag it reads (rsl-rl's and the adaptive curriculum term's)."""


def read_run(run_dir: Path) -> dict[str, dict[int, float]]:
    """``{column: {iteration: value}}`` of :data:`VALUES` from every events file under ``run_dir``."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    files = sorted(run_dir.glob("events.out.tfevents.*"))
    if not files:
        raise SystemExit(f"compare_runs: no events.out.tfevents.* in {run_dir}; give a training's run folder")
    values: dict[str, dict[int, float]] = {name: {} for name in VALUES}
    for path in files:  # in name order: a resume's file is named after its start time, so later values win
        events = EventAccumulator(str(path), size_guidance={"scalars": 0}).Reload()
        tags = set(events.Tags()["scalars"])
        for name, tag in VALUES.items():
            if tag in tags:
                values[name].update((s.step, s.value) for s in events.Scalars(tag))
    return values


def rows(runs: dict[str, dict[str, dict[int, float]]], every: int, window: int) -> list[dict]:
    """One row per run and per iteration ``every``, 2 ``every``, ...: the window means of each value."""
    out = []
    for name, values in runs.items():
        last = max((max(series) for series in values.values() if series), default=-1)
        for end in range(every, last + 2, every):
            row: dict = {"run": name, "iteration": end}
            for column, series in values.items():
                kept = [series[i] for i in range(end - window, end) if i in series]
                row[column] = statistics.fmean(kept) if kept else None
            out.append(row)
    return out


def table(table_rows: list[dict], window: int) -> str:
    """Markdown: iteration, run, then each value's window mean."""
    head = f"| iteration | run | {' | '.join(VALUES)} |"
    note = f"(means over the {window} iterations before each row's count: TensorBoard steps N - {window} .. N - 1)"
    lines = [note, head, "|" + " --- |" * (len(VALUES) + 2)]
    for row in sorted(table_rows, key=lambda r: (r["iteration"], r["run"])):
        cells = ["n/a" if row[c] is None else f"{row[c]:.4g}" for c in VALUES]
        lines.append(f"| {row['iteration']} | {row['run']} | {' | '.join(cells)} |")
    return "\n".join(lines)


def plot(runs: dict[str, dict[str, dict[int, float]]], path: Path) -> None:
    """One panel per value, one line per run, over the iterations."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(VALUES), figsize=(4 * len(VALUES), 3.2))
    for axis, column in zip(axes, VALUES, strict=True):
        for name, values in runs.items():
            series = sorted(values[column].items())
            axis.plot([i for i, _ in series], [v for _, v in series], label=name, linewidth=0.8)
        axis.set_title(column)
        axis.set_xlabel("iteration")
    axes[0].legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def parse_run(spec: str) -> tuple[str, Path]:
    name, sep, folder = spec.partition("=")
    if not sep or not name or not folder:
        raise argparse.ArgumentTypeError(f"{spec!r} is not NAME=RUN_DIR (e.g. warp=outputs/train/warp)")
    return name, Path(folder)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=parse_run, metavar="NAME=RUN_DIR")
    parser.add_argument("--every", type=positive_int, default=100, help="a row every N iterations")
    parser.add_argument("--window", type=positive_int, default=25, help="iterations each cell averages")
    parser.add_argument("--plot", type=Path, help="draw the values per iteration into this PNG")
    parser.add_argument("--rows-out", type=output_file("rows.jsonl"), help="also write the rows as JSON lines")
    args = parser.parse_args(argv)
    names = [name for name, _ in args.runs]
    if len(set(names)) < len(names):
        parser.error(f"run names repeat ({names}): give each NAME=RUN_DIR its own name.")
    runs = {name: read_run(folder) for name, folder in args.runs}
    table_rows = rows(runs, args.every, args.window)
    if not table_rows:
        parser.exit(1, f"compare_runs: no run has {args.every} iterations logged; lower --every.\n")
    print(table(table_rows, args.window))
    if args.rows_out:
        args.rows_out.write_text("".join(json.dumps(row) + "\n" for row in table_rows))
    if args.plot:
        plot(runs, args.plot)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
