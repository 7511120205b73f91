"""Generate two physically plausible demo motions for Newton's MuJoCo humanoid (BeyondMimic npz format).

How they are made and checked: :mod:`beyondmimic_adaptive.motion.demo` (this is its command line).

Usage::

    python scripts/generate_demo_motions.py                 # writes the package's assets/motions/demo_{long,short}.npz
    python scripts/generate_demo_motions.py --check         # validates the written files (and prints)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from beyondmimic_adaptive.assets import HUMANOID_USD, MOTIONS_DIR
from beyondmimic_adaptive.motion.demo import generate_and_check


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line."""
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--out-dir", default=str(MOTIONS_DIR), help="where demo_long.npz and demo_short.npz go")
    p.add_argument("--usd", default=None, help="humanoid USD (default: the package's assets/humanoid.usda)")
    p.add_argument("--check", action="store_true", help="only validate the npz files in --out-dir")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Generate (default) or check (``--check``) the demo motions."""
    args = parse_args(argv)
    return generate_and_check(Path(args.out_dir), args.usd or str(HUMANOID_USD), check_only=args.check)


if __name__ == "__main__":
    os.environ.setdefault("WARP_QUIET", "1")
    sys.exit(main())
