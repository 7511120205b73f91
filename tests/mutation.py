"""The mutation runner of ``tests/*_mutants.py`` (not a test itself): each mutant rewrites one source file, runs
one test file, and restores the source whatever happens.

A mutant is ``name -> (path, old, new)``: ``old`` must occur exactly once in ``path``. :func:`run_mutants`
prints CAUGHT or SURVIVED per mutant with the first assertion line that failed, and returns 1 if any survived.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

Mutant = tuple[pathlib.Path, str, str]
"""(source file, its text to replace, the replacement)."""


def run_mutants(mutants: dict[str, Mutant], test_file: str) -> int:
    """Run ``test_file`` (pytest, stop at the first failure) once per mutant; 1 if any mutant survived, else 0."""
    survived = 0
    for name, (path, old, new) in mutants.items():
        original = path.read_text()
        if original.count(old) != 1:
            raise SystemExit(f"mutant {name!r}: its text is not found once in {path}; update the mutant table")
        path.write_text(original.replace(old, new))
        try:
            command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", test_file]
            result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        finally:
            path.write_text(original)
        reason = next((line for line in result.stdout.splitlines() if line.startswith("E ")), "")
        survived += result.returncode == 0
        print(f"{name:40s} {'CAUGHT' if result.returncode else 'SURVIVED'}  {reason[:110]}", flush=True)
    return 1 if survived else 0
