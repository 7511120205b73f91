"""``python -m beyondmimic_adaptive.runs train [Hydra overrides]``: :func:`~beyondmimic_adaptive.runs.train` in a
process of its own (``bench/ablation.py`` trains this way while it evaluates the checkpoints)."""

from __future__ import annotations

import sys

from .config import RunError
from .training import train

COMMANDS = {"train": train}
"""Sub-command -> the library function it runs with the remaining arguments as Hydra overrides."""


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in COMMANDS:
        raise SystemExit(f"usage: python -m beyondmimic_adaptive.runs {{{','.join(COMMANDS)}}} [Hydra overrides]")
    try:
        COMMANDS[args[0]](args[1:])
    except RunError as err:
        raise SystemExit(f"{args[0]}: {err}") from None


if __name__ == "__main__":
    main()
