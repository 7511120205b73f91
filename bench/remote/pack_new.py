"""Pack what a remote study has produced since the last call, in parts small enough to copy back.

    python bench/remote/pack_new.py STUDY_DIR OUT [--studies table2_dance1 table2_dance2] [--part-mb 15] [--every 250]

STUDY_DIR holds each study's run folders (``STUDY_DIR/<study>/<arm>/``, as ``bench/ablation.py --out``
writes them; default: every ``table2_*`` folder there) and the evaluation batches of ``evalbg.sh``
(``STUDY_DIR/evals/<tag>/<arm>/eval_model_<it>/``). Packed into ``OUT/pack.tar.part-NN``: per arm the newest
complete checkpoint with its ``sampler/`` folder and yamls (what a resume needs), actor-only copies of the
older checkpoints at multiples of ``--every`` (enough to evaluate them later), new evaluation reports, and
the training and evaluation logs. What was packed once is listed in ``STUDY_DIR/sent.txt`` and not packed
again, so each call carries only what is new. Unpack with ``cat OUT/pack.tar.part-* | tar x``.
"""

from __future__ import annotations

import argparse
import io
import tarfile
from pathlib import Path

from beyondmimic_adaptive.runs import checkpoint_iteration, latest_complete

RESUME_ONLY_KEYS = ("critic_state_dict", "optimizer_state_dict")
"""What an actor-only copy drops: enough left to evaluate or play the checkpoint, not to resume it."""


def actor_only(checkpoint: Path) -> bytes:
    """``checkpoint`` without the critic and the optimizer state, serialised."""
    import torch

    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    buffer = io.BytesIO()
    torch.save({key: value for key, value in state.items() if key not in RESUME_ONLY_KEYS}, buffer)
    return buffer.getvalue()


def new_members(study_dir: Path, studies: list[str], every: int, sent: set[str]) -> list[tuple[str, Path | bytes]]:
    """(name in the archive, file or bytes) of everything not in ``sent``; adds their keys to ``sent``."""
    members: list[tuple[str, Path | bytes]] = []
    for study in studies:
        members += _new_in_study(study_dir / study, study, every, sent)
    for report in sorted((study_dir / "evals").glob("*/*/eval_model_*/*")):
        key = report.relative_to(study_dir).as_posix()
        if report.is_file() and key not in sent:
            members.append((key, report))
            sent.add(key)
    members += [(f"logs/{log.name}", log) for log in sorted((study_dir / "evals").glob("*.log"))]  # they grow
    return members


def _new_in_study(runs: Path, study: str, every: int, sent: set[str]) -> list[tuple[str, Path | bytes]]:
    members: list[tuple[str, Path | bytes]] = []
    for run in sorted(p for p in runs.iterdir() if p.is_dir()) if runs.is_dir() else []:
        newest, _ = latest_complete(run)
        if newest is None:
            continue
        newest_it = checkpoint_iteration(newest)
        prefix = f"{study}/{run.name}"
        if f"{prefix}/{newest.name}" not in sent:
            members.append((f"{prefix}/{newest.name}", newest))
            members += [(f"{prefix}/sampler/{p.name}", p) for p in sorted((run / "sampler").glob("*")) if p.is_file()]
            members += [(f"{prefix}/{p.name}", p) for p in sorted(run.glob("*.yaml"))]
            sent.add(f"{prefix}/{newest.name}")
        for checkpoint in sorted(run.glob("model_*.pt")):
            it = checkpoint_iteration(checkpoint)
            key = f"{prefix}/{checkpoint.name}:actor"
            if it is None or it % every or newest_it is None or it >= newest_it or key in sent:
                continue
            members.append((f"{prefix}/actor/{checkpoint.name}", actor_only(checkpoint)))
            sent.add(key)
    members += [(f"logs/{study}/{log.name}", log) for log in sorted(runs.glob("*_train.log"))]  # they grow
    return members


def write_parts(members: list[tuple[str, Path | bytes]], out: Path, part_bytes: int) -> list[Path]:
    """One tar of ``members`` written to ``out`` in parts of at most ``part_bytes``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, source in members:
            if isinstance(source, Path):
                tar.add(source, arcname=name)
            else:
                info = tarfile.TarInfo(name)
                info.size = len(source)
                tar.addfile(info, io.BytesIO(source))
    data = buffer.getvalue()
    out.mkdir(parents=True, exist_ok=True)
    parts = []
    for index, offset in enumerate(range(0, len(data), part_bytes)):
        part = out / f"pack.tar.part-{index:02d}"
        part.write_bytes(data[offset : offset + part_bytes])
        parts.append(part)
    return parts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("study_dir", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--studies", nargs="+", help="the run folders' parents under STUDY_DIR (default: table2_*)")
    parser.add_argument("--part-mb", type=float, default=15.0, help="largest part to write, in MB")
    parser.add_argument("--every", type=int, default=250, help="keep actor-only copies of these iterations")
    args = parser.parse_args(argv)
    if args.every < 1 or args.part_mb <= 0:
        parser.error("--every must be >= 1 and --part-mb > 0")
    if not args.study_dir.is_dir():
        parser.error(f"{args.study_dir} is not a folder: give the study folder that start.sh made (BM_STUDY_DIR)")
    sent_path = args.study_dir / "sent.txt"
    sent = set(sent_path.read_text().split()) if sent_path.is_file() else set()
    studies = args.studies or sorted(p.name for p in args.study_dir.glob("table2_*") if p.is_dir())
    members = new_members(args.study_dir, studies, args.every, sent)
    parts = write_parts(members, args.out, int(args.part_mb * 1e6))
    sent_path.write_text("\n".join(sorted(sent)) + "\n")
    print(f"packed {len(members)} files into {len(parts)} part(s) in {args.out}")
    for name, _ in members:
        print(f"  {name}")


if __name__ == "__main__":
    main()
