"""Mutation check of tests/test_warp_terms.py and tests/test_warp_one_replay.py: each mutant of the terms' Warp
wiring must fail them.

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
        "        elif isinstance(self.per_env, WarpPerEnvSampling):  # the env",
        "        elif False:  # the env",
    ),
    "draw mask ignored": (
        STEP,
        "draws.needs_start, draws.rng_state = a(self.needs_start, wp.bool)",
        "draws.needs_start, draws.rng_state = a(self.finished, wp.bool)",
    ),
}


ONE_REPLAY_MUTANTS: dict[str, tuple[pathlib.Path, str, str]] = {
    "the fold event folds again after the replay": (TERM, "if self._folded:  # the record", "if False:  # the record"),
    "the replay's fold not noted": (TERM, "            self._folded = self._fused is not None", "            pass"),
    "the replay does not fold": (
        TERM,
        "        fused.record_draw()\n        fused.fold()\n",
        "        fused.record_draw()\n",
    ),
    "draws only for the ended envs": (
        TERM,
        "fused.bind(finished=ended, failed=failed, needs_start=self._finished, start_bins=self.start_bins)",
        "fused.bind(finished=ended, failed=failed, start_bins=self.start_bins)",
    ),
    "end bins not written": (TERM, "            fused.bins.copy_(self._episode_bins())\n", "            pass\n"),
    "starts not requested": (
        TERM,
        "        self.command.request_starts_where(self._finished, fused.start_motions, fused.start_frames)",
        "        pass",
    ),
    "reset mask not cleared": (TERM, "[attr-defined]\n        self._finished.zero_()\n", "[attr-defined]\n"),
}
"""Mutants of the one-replay path (``warp_step`` on the graph path), each caught by tests/test_warp_one_replay.py."""


def main() -> int:
    survived = run_mutants(MUTANTS, "tests/test_warp_terms.py")
    return survived | run_mutants(ONE_REPLAY_MUTANTS, "tests/test_warp_one_replay.py")


if __name__ == "__main__":
    sys.exit(main())
