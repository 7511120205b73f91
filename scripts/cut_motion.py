"""Cut a time window out of a motion file (e.g. one hard segment with some easy motion around it).

    python scripts/cut_motion.py --motion demo_long.npz --start-s 36 --end-s 42.6 --out jump.npz
    python scripts/cut_motion.py --motion demo_long.npz --segment jump --margin-s 2 --out jump.npz

With --segment, the window is the named segment of the file (segment_names / segment_start_s /
segment_end_s, as in the shipped demo clips) widened by --margin-s on both sides.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from beyondmimic_adaptive.cli_types import finite_float, output_file
from beyondmimic_adaptive.motion import MotionFileError, load_motion


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--motion", required=True, type=Path)
    parser.add_argument("--out", required=True, type=output_file("cut.npz"))
    parser.add_argument("--start-s", type=finite_float)
    parser.add_argument("--end-s", type=finite_float)
    parser.add_argument("--segment", help="name of a segment stored in the file")
    parser.add_argument("--margin-s", type=finite_float, default=0.0, help="seconds added before and after --segment")
    args = parser.parse_args()
    try:
        clip = load_motion(args.motion)
    except MotionFileError as err:
        parser.exit(2, f"cut_motion.py: {err}\n")
    if args.segment is not None:
        names = [str(n) for n in clip.extras.get("segment_names", [])]
        if args.segment not in names:
            parser.exit(2, f"cut_motion.py: {args.motion} has no segment {args.segment!r} (segments: {names}).\n")
        index = names.index(args.segment)
        start_s = float(clip.extras["segment_start_s"][index]) - args.margin_s
        end_s = float(clip.extras["segment_end_s"][index]) + args.margin_s
    elif args.start_s is not None and args.end_s is not None:
        start_s, end_s = args.start_s, args.end_s
    else:
        parser.exit(2, "cut_motion.py: give --segment NAME or both --start-s and --end-s.\n")
    first, last = max(0, round(start_s * clip.fps)), min(clip.num_frames, round(end_s * clip.fps))
    if last - first < 2:
        parser.exit(2, f"cut_motion.py: window {start_s:g}..{end_s:g} s holds {max(0, last - first)} frames of "
                    f"{args.motion} ({clip.num_frames / clip.fps:g} s long); it needs at least 2.\n")  # fmt: skip
    clip.frames(first, last).save(args.out)
    print(f"wrote {args.out}: frames {first}..{last - 1} of {args.motion} ({(last - first) / clip.fps:g} s)")


if __name__ == "__main__":
    main()
