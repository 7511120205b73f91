"""Run a repository script inside the test process, as ``python <script> <args>`` from the repo root would.

A new interpreter costs ~10 s of imports (torch, Isaac Lab, Newton) on a 2-core machine; this runs the
script's file as ``__main__`` (``runpy``) with ``sys.argv``, ``sys.path[0]``, the working directory and
the environment set as the command line would, and turns its exit as the interpreter does: ``SystemExit``
with a message prints it to stderr and exits 1, an int is the exit status. Any other exception propagates
(the test fails on it, where a subprocess would have printed a traceback). Tests that need a fresh
interpreter (a kill mid-run, an import boundary) keep a real subprocess.
"""

from __future__ import annotations

import contextlib
import io
import os
import runpy
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class ScriptResult:
    """What ``subprocess.run(..., capture_output=True, text=True)`` would report."""

    returncode: int
    stdout: str
    stderr: str


def run_script(script: str, *args: str, env: dict[str, str] | None = None) -> ScriptResult:
    """Run ``script`` (a path relative to the repository root) with ``args``; never raises ``SystemExit``."""
    path = ROOT / script
    stdout, stderr = io.StringIO(), io.StringIO()
    saved = sys.argv, sys.path[:], os.getcwd(), os.environ.copy()
    sys.argv = [str(path), *args]
    sys.path.insert(0, str(path.parent))
    os.chdir(ROOT)
    os.environ.update(env or {})
    returncode = 0
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                runpy.run_path(str(path), run_name="__main__")
            except SystemExit as exit_:
                if isinstance(exit_.code, int) or exit_.code is None:
                    returncode = exit_.code or 0
                else:
                    print(exit_.code, file=sys.stderr)
                    returncode = 1
    finally:
        sys.argv, sys.path[:] = saved[0], saved[1]
        os.chdir(saved[2])
        os.environ.clear()
        os.environ.update(saved[3])
    return ScriptResult(returncode, stdout.getvalue(), stderr.getvalue())


def run_ok(script: str, *args: str, env: dict[str, str] | None = None) -> ScriptResult:
    """:func:`run_script` that must succeed (the test fails with the script's output otherwise)."""
    result = run_script(script, *args, env=env)
    output = result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, f"{script} exited {result.returncode}:\n{output}"
    return result


def exit_message(script: str, *args: str) -> str:
    """What ``script`` tells the user when it refuses ``args``: its stderr (a SystemExit message or argparse's)."""
    result = run_script(script, *args)
    assert result.returncode != 0, f"{script} accepted {args}:\n{result.stdout[-3000:]}"
    return result.stderr
