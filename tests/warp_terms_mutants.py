"""Mutation check of tests/test_warp_terms.py: each mutant of the terms' Warp wiring must fail it.

Not a test itself (it rewrites a source file for each mutant and restores it): run from the repository root,
``PYTHONPATH=$PWD/exts/beyondmimic_adaptive python tests/warp_terms_mutants.py``. It prints CAUGHT or SURVIVED
per mutant, with the first assertion that failed, and exits 1 if any survived.
"""

from __future__ import annotations

import pathlib
import sys

from mutation import run_mutants

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
    "draw mask ignored": (
        STEP,
        "draws.needs_start, draws.rng_state = a(self.needs_start, wp.bool)",
        "draws.needs_start, draws.rng_state = a(self.finished, wp.bool)",
    ),
}


def main() -> int:
    return run_mutants(MUTANTS, "tests/test_warp_terms.py")


if __name__ == "__main__":
    sys.exit(main())
