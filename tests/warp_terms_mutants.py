"""Mutation check of tests/test_warp_terms.py: each mutant of the terms' Warp wiring must fail it.

Not a test itself (it rewrites a source file for each mutant and restores it): run from the repository root,
``PYTHONPATH=$PWD/exts/beyondmimic_adaptive python tests/warp_terms_mutants.py``. It prints CAUGHT or SURVIVED
per mutant, with the first assertion that failed, and exits 1 if any survived.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

PACKAGE = pathlib.Path("exts/beyondmimic_adaptive/beyondmimic_adaptive")
PER_ENV = PACKAGE / "sampler/warp_per_env.py"
STEP = PACKAGE / "sampler/warp_step.py"
TERM = PACKAGE / "terms/curriculum.py"

MUTANTS: dict[str, tuple[pathlib.Path, str, str]] = {
    "record staging dropped": (
        PER_ENV,
        "        fused.bins.copy_(bins)\n        fused.failed.copy_(failed)\n        fused.finished.copy_(finished)\n",
        "",
    ),
    "failed rows not staged": (PER_ENV, "        fused.failed.copy_(failed)\n", ""),
    "staged rows dropped at a second record": (
        PER_ENV,
        "            self.sampler.record(fused.bins, fused.failed, mask=fused.finished)",
        "            pass",
    ),
    "staged mask not cleared after the fold": (PER_ENV, "            fused.finished.zero_()\n", ""),
    "exposure bins not staged": (PER_ENV, "        fused.current_bins.copy_(bins)\n", ""),
    "draws used twice": (
        PER_ENV,
        "            fused.sample()\n        self._drawn_from = None\n",
        "            fused.sample()\n",
    ),
    "no redraw for another CDF": (
        PER_ENV,
        "if self._drawn_from is not self.sampler.sampling_cdf:",
        "if self._drawn_from is None:",
    ),
    "draws kept over a restore": (TERM, "            self.per_env.discard_draws()", "            pass"),
    "draws only for the finished envs": (PER_ENV, "draw_every_env=True", "draw_every_env=False"),
    "the fold event skips the fused step": (
        TERM,
        "        if isinstance(self.per_env, WarpPerEnvSampling):  # the env",
        "        if False:  # the env",
    ),
    "draw mask ignored": (STEP, 'inputs = [cached[1], a["needs_start"]', 'inputs = [cached[1], a["finished"]'),
}


def main() -> int:
    survived = 0
    for name, (path, old, new) in MUTANTS.items():
        original = path.read_text()
        if original.count(old) != 1:
            raise SystemExit(f"mutant {name!r}: its text is not found once in {path}; update MUTANTS")
        path.write_text(original.replace(old, new))
        try:
            command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "tests/test_warp_terms.py"]
            result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        finally:
            path.write_text(original)
        reason = next((line for line in result.stdout.splitlines() if line.startswith("E ")), "")
        survived += result.returncode == 0
        print(f"{name:40s} {'CAUGHT' if result.returncode else 'SURVIVED'}  {reason[:110]}", flush=True)
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
