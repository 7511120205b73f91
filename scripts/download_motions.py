"""Fetch Unitree's LAFAN1 retargets for the G1 and convert them to 50 fps motion files.

    python scripts/download_motions.py                        # the three clips of BeyondMimic's Table II
    python scripts/download_motions.py --clips walk1_subject1 --out data/lafan_g1
    python scripts/download_motions.py --from ~/Downloads/g1  # local CSVs instead of the download

The CSVs come from the Hugging Face dataset unitreerobotics/LAFAN1_Retargeting_Dataset (folder g1/)
and are licensed CC BY-NC-ND 4.0 (printed before anything is fetched): keep them, and the npz files
made from them, out of any repository (``data/`` is git-ignored). Then train on one:

    python scripts/train.py task=Tracking-G1-v0 --motion-files data/lafan_g1/dance1_subject1.npz ...
"""

from __future__ import annotations

import argparse
from pathlib import Path

from beyondmimic_adaptive.motion import MotionFileError
from beyondmimic_adaptive.motion.lafan import LICENSE_NOTICE, TABLE_II_CLIPS, convert_clips, fetch_csvs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", nargs="+", default=list(TABLE_II_CLIPS), help="clip names (file stems)")
    parser.add_argument("--out", type=Path, default=Path("data/lafan_g1"), help="folder for the CSVs and npz files")
    parser.add_argument("--from", dest="source", type=Path, help="convert local CSVs from this folder instead")
    args = parser.parse_args(argv)
    print(LICENSE_NOTICE, flush=True)
    try:
        csvs = fetch_csvs(args.clips, args.out, args.source)
    except MotionFileError as err:
        parser.exit(2, f"download_motions.py: {err}\n")
    # the G1's joint order (the CSV column order) lives with the robot config, which needs Isaac Lab
    from beyondmimic_adaptive.assets import G1_USD
    from beyondmimic_adaptive.tasks.tracking.config.g1.robot import JOINT_NAMES

    try:
        written = convert_clips(csvs, args.out, G1_USD, JOINT_NAMES)
    except MotionFileError as err:
        parser.exit(2, f"download_motions.py: {err}\n")
    for path in written:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
