"""Evaluate checkpoints from every bin: per-bin completion and tracking error (the ablation metric).

    python scripts/evaluate.py --checkpoint outputs/train/RUN/model_99.pt [more checkpoints] [--device cpu]
                               [--envs-per-bin 2] [--start-bins 0 ...] [--motion-files a.npz] [--out DIR]
                               [hydra overrides of the packaged train.yaml]

Each env starts exactly at the first frame of one bin (plus the task's reset noise) and plays until
the end of its motion or its first failure; the episode limit is lifted to the longest motion.
Reports, per bin: completion (share of starts that reach the motion's end without failing) and the
mean body position error of frames in that bin (over all envs passing through it). The whole clip
is completed when the starts from each motion's first bin complete. Writes ``eval.json`` and
``eval.png`` next to the checkpoint (or under --out). ``--start-bins 0 --envs-per-bin 16`` asks only
"does it run the (first) whole clip from frame 0?" at 1/num_bins of the env count: on a CPU, the
16 starts of a 131 s clip take minutes where every bin's would take hours. The bins not started
read ``null`` in the report; ``bench/ablation.py --ingest`` takes full evaluations only.

Several checkpoints (of one run or of several, e.g. every arm of an ablation) are evaluated in one
process and one env, each driving its own block of envs: about the time of one evaluation. Their
runs must share the task, the motion files, the bin size and the motion command. Each report goes
to ``<run folder>/eval_<checkpoint stem>/``, or with --out to ``OUT/<run folder name>/eval_<checkpoint
stem>/`` (``bench/ablation.py --out OUT --ingest`` reads those of its arms).

The task, the motion files, the bin size and the motion command's name are the run's: read from
``config.yaml`` next to the checkpoint (written by scripts/train.py). A key given on the command line
(``--motion-files``, ``--device`` or a Hydra override) replaces the saved one; without a saved config
the defaults of the packaged train.yaml apply. The work is
:func:`beyondmimic_adaptive.runs.evaluate_checkpoints`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from beyondmimic_adaptive.cli_types import positive_int
from beyondmimic_adaptive.runs import (
    RunError,
    evaluate_checkpoints,
    motion_files_override,
    paths_and_overrides,
    report_dirs,
    values_and_overrides,
)
from beyondmimic_adaptive.runs.eval_report import failure_summary, format_table, full_clip_summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True, nargs="+", help="model_<it>.pt of scripts/train.py; or several")
    parser.add_argument("--device", default=None, help="cpu or cuda:N (default: config device)")
    parser.add_argument("--envs-per-bin", type=positive_int, default=2)
    parser.add_argument("--motion-files", nargs="+", help="motion files (default: the run's config.yaml)")
    parser.add_argument(
        "--start-bins",
        nargs="+",
        help="start only from these bins (default: every bin); 0: the first motion's whole clip from frame 0",
    )
    parser.add_argument(
        "--out", type=Path, help="output folder (default: the checkpoint's folder); with several: their parent folder"
    )
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_intermixed_args(sys.argv[1:] if argv is None else argv)
    checkpoints, overrides = paths_and_overrides(args.checkpoint)  # --checkpoint a.pt key=value
    overrides += args.overrides
    overrides += [f"device={args.device}"] if args.device else []
    motion_files, trailing = paths_and_overrides(args.motion_files or [])  # --motion-files a.npz key=value
    overrides += [*([motion_files_override(motion_files)] if motion_files else []), *trailing]
    start_words, trailing = values_and_overrides(args.start_bins or [])  # --start-bins 0 key=value
    overrides += trailing
    try:
        start_bins = [int(word) for word in start_words] if args.start_bins else None
    except ValueError as err:
        parser.error(f"argument --start-bins: invalid int value: {str(err).rpartition(': ')[2]}")
    single = [args.out or checkpoints[0].parent] if len(checkpoints) == 1 else None
    outs = single or report_dirs(checkpoints, args.out)
    try:
        reports = evaluate_checkpoints(checkpoints, args.envs_per_bin, overrides, outs, start_bins)
    except RunError as err:
        raise SystemExit(f"evaluate.py: {err}") from None
    if single:
        print(format_table(reports[0]))
    for checkpoint, report, out in zip(checkpoints, reports, outs, strict=True):
        failures = "" if single else f" failures by term: {failure_summary(report)};"  # the table has them
        print(
            f"{checkpoint}: mean completion {report['mean_completion']:.3f}, full clip"
            f" {report['full_clip_completion']} ({full_clip_summary(report)});{failures}"
            f" wrote {out / 'eval.json'} and {out / 'eval.png'}"
        )


if __name__ == "__main__":
    main()
