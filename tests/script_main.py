"""Call a script's ``main(argv)`` in the test process: the command line under test without a new process.

A process per script run pays Python, torch and Isaac Lab start-up each time (seconds on 2 cores);
in-process the scripts' own error handling is still what is tested (``SystemExit`` with the message
a user sees on stderr, no traceback).
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def script_main(path: str) -> Callable[[list[str]], object]:
    """The ``main`` of ``path`` (``scripts/train.py``, ``bench/ablation.py``), loaded as a module."""
    file = ROOT / path
    spec = importlib.util.spec_from_file_location(f"script_{file.parent.name}_{file.stem}", file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(file.parent))  # the script's own folder, as for `python path` (bench/ablation_plots)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(file.parent))
    return module.main


def exit_message(path: str, *argv: str, capsys: pytest.CaptureFixture[str] | None = None) -> str:
    """What ``path``'s main exits with on ``argv``: its SystemExit message, or argparse's stderr with ``capsys``."""
    with pytest.raises(SystemExit) as exited:
        script_main(path)(list(argv))
    assert exited.value.code != 0
    if isinstance(exited.value.code, str):
        return exited.value.code
    assert capsys is not None, "argparse exited with a code: pass capsys to read its message"
    return capsys.readouterr().err
