"""Argparse types shared by the scripts and benchmarks: a bad flag fails at parsing, named by argparse.

``parser.add_argument("--envs-per-bin", type=positive_int)`` makes ``--envs-per-bin 0`` end with
``error: argument --envs-per-bin: expected an int >= 1, got '0'`` (exit status 2) before anything runs.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path


def positive_int(text: str) -> int:
    """An int >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an int >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an int >= 1, got {text!r}")
    return value


def _float(text: str, rule: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number {rule}, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a number {rule}, got {text!r}")
    return value


def finite_float(text: str) -> float:
    """Any finite number (a time in seconds, a margin)."""
    return _float(text, "(finite)")


def positive_float(text: str) -> float:
    """A finite number > 0."""
    value = _float(text, "> 0")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def share(text: str) -> float:
    """A share in (0, 1] (of the envs, of the starts)."""
    value = _float(text, "in (0, 1]")
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text!r}")
    return value


def probability(text: str) -> float:
    """A probability in [0, 1]."""
    value = _float(text, "in [0, 1]")
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1], got {text!r}")
    return value


def is_sim_device(text: str) -> bool:
    """Whether ``text`` names a simulation device: ``cpu``, or ``cuda`` / ``cuda:N`` (the run config's rule too)."""
    return text == "cpu" or text.startswith("cuda")


def sim_device(text: str) -> str:
    """``cpu`` or ``cuda:N``."""
    if not is_sim_device(text):
        raise argparse.ArgumentTypeError(f"expected 'cpu' or 'cuda:N', got {text!r}")
    return text


def output_file(example: str) -> Callable[[str], Path]:
    """A type for a file the script writes: an existing folder there is refused with a file path under it.

    ``type=output_file("policy.onnx")`` makes ``--out DIR`` (an existing folder) end with
    ``error: argument --out: DIR is a folder; give the file's path, e.g. DIR/policy.onnx`` before the
    script loads anything, where a write at the end would have failed after the work.
    """

    def parse(text: str) -> Path:
        path = Path(text)
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"{text} is a folder; give the file's path, e.g. {path / example}")
        return path

    parse.__name__ = "output file"  # argparse names the type in its own messages
    return parse
