"""Convert a retargeted motion CSV (BeyondMimic / LAFAN1 style) to the npz motion format.

    python scripts/csv_to_npz.py --csv walk.csv --input-fps 30 --out walk.npz [--output-fps 50] [--usd robot.usda]

CSV rows: root position (3), root quaternion x, y, z, w (4), joint angles in the robot's joint order.
Body poses come from forward kinematics of the robot USD (default: the package's humanoid).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from beyondmimic_adaptive.assets import HUMANOID_USD
from beyondmimic_adaptive.cli_types import output_file
from beyondmimic_adaptive.motion import MotionFileError
from beyondmimic_adaptive.motion.csv_import import convert_csv
from beyondmimic_adaptive.motion.kinematics import kinematic_tree, load_newton_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", required=True, type=Path)
    parser.add_argument("--input-fps", required=True, type=float, help="frame rate of the CSV rows")
    parser.add_argument("--out", required=True, type=output_file("motion.npz"))
    parser.add_argument("--output-fps", type=float, default=50.0, help="the env's control rate (default 50)")
    parser.add_argument("--usd", type=Path, default=HUMANOID_USD, help="robot USD for forward kinematics")
    args = parser.parse_args()
    if not args.usd.is_file():
        parser.exit(2, f"csv_to_npz.py: robot USD {args.usd} does not exist.\n")
    tree = kinematic_tree(load_newton_model(args.usd))
    try:
        clip = convert_csv(args.csv, args.input_fps, tree, fps_out=args.output_fps)
    except MotionFileError as err:
        parser.exit(2, f"csv_to_npz.py: {err}\n")
    clip.save(args.out)
    print(
        f"wrote {args.out}: {clip.num_frames} frames at {clip.fps:g} fps, {len(tree.joint_names)} joints, "
        f"{len(tree.body_names)} bodies"
    )


if __name__ == "__main__":
    main()
