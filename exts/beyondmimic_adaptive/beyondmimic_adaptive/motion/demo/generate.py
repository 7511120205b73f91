"""Generate the demo clips into a folder and/or check them: the logic behind ``scripts/generate_demo_motions.py``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from .checks import check_motion
from .robot import FPS, load_robot, print_robot, validate_fk_against_newton
from .solve import make_neutral
from .timeline import demo_timelines
from .writer import build_motion, print_segments

MAX_TOTAL_BYTES = 2.5e6
"""Size budget of the shipped demo clips together (bytes)."""


def generate_and_check(out: Path, usd: str, check_only: bool = False) -> int:
    """Write ``demo_short.npz`` and ``demo_long.npz`` to ``out`` (unless ``check_only``), then check both.

    Prints the robot, the segment tables and the check report; returns the exit status (0: all checks passed).
    """
    robot, model = load_robot(usd)
    fk_error = validate_fk_against_newton(robot, model)
    print_robot(robot, fk_error)
    if fk_error > 1e-4:
        print("numpy FK does not match newton.eval_fk", file=sys.stderr)
        return 1
    files = demo_timelines()
    if not check_only:
        neutral = make_neutral(robot)
        print(
            f"neutral stance: torso z {neutral.root_z:.4f} m, CoM {np.round(neutral.com, 4)}, "
            f"knees {neutral.q[robot.dof('left_knee')]:.3f} rad"
        )
        out.mkdir(parents=True, exist_ok=True)
        for name, segments in tqdm(files.items(), desc="motions"):
            data: dict[str, Any] = build_motion(robot, neutral, segments, name)  # Any: see MotionClip.save
            np.savez_compressed(out / f"{name}.npz", **data)
            print(
                f"\n{name}: {len(data['joint_pos'])} frames ({len(data['joint_pos']) / FPS:.1f} s) -> {out / name}.npz"
            )
            print_segments(data)
    failures: list[str] = []
    for name in files:
        failures += check_motion(robot, model, out / f"{name}.npz")
    total = sum((out / f"{name}.npz").stat().st_size for name in files)
    sizes = ", ".join(f"{name}.npz {(out / (name + '.npz')).stat().st_size / 1e6:.3f} MB" for name in files)
    print(f"\nfiles: {sizes}; total {total / 1e6:.3f} MB")
    if total > MAX_TOTAL_BYTES:
        failures.append(f"total size {total / 1e6:.2f} MB > 2.5 MB")
    print("CHECK", "PASSED" if not failures else "FAILED:\n  " + "\n  ".join(failures))
    return 0 if not failures else 1
