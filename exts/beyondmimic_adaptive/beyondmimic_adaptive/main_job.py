"""The main job on a fresh machine (``bash scripts/run.sh main``, ``scripts/main_job.py``): a trained policy
and the whole pipeline, on the CPU, in a few minutes.

1. ``policy``: the shipped G1 policy (assets/policies/g1_longdance/README.md, trained on a GPU) plays the
   shipped dance from frame 0 over the whole clip, one env by default, env 0 filmed
   (:func:`~beyondmimic_adaptive.runs.first_frame.evaluate_from_first_frame`) -> ``g1_longdance/first_frame.json``
   and ``g1_longdance/play.mp4``; its GPU evaluation is printed beside it;
2. ``train``: a short CPU training on the humanoid's long demo clip (adaptive start sampling, stock
   rsl-rl PPO) -> checkpoints, TensorBoard, sampler history;
3. ``evaluate``: that checkpoint from every 1 s bin -> ``eval.json``, ``eval.png``;
4. ``heatmap``: start probability and failure rate per bin over training -> ``sampler_heatmap.png``.

Each step's wall time is printed, and a summary at the end. A short CPU training shows the pipeline,
not a trained policy (its completion is near 0): step 1 shows what GPU training gives.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .assets import G1_LONG_DANCE_POLICY
from .runs import RunError, evaluate_checkpoint, train
from .runs.config import override_key
from .runs.eval_report import format_table
from .runs.first_frame import evaluate_from_first_frame
from .runs.training import training_setup

T = TypeVar("T")

POLICY_DIR_NAME = "g1_longdance"
"""Folder of the job's output (``--out``) where the shipped policy's report and video go."""


@dataclass(frozen=True)
class MainJobSettings:
    """What the main job runs (``scripts/main_job.py``'s flags)."""

    out: Path = Path("outputs/main")
    """The training run's folder; the shipped policy's outputs go to its ``g1_longdance/``."""
    iterations: int = 30
    """PPO iterations of the CPU training."""
    num_envs: int = 16
    """Envs of the CPU training."""
    overrides: Sequence[str] = ()
    """Hydra overrides of the packaged ``train.yaml`` for the training."""
    policy_envs: int = 1
    """Envs (starts from frame 0, each with the task's reset noise) the shipped policy plays. The CPU time grows
    with the envs: about 32 ms per step for one env and 15 ms more for each further env (2 cores, Newton)."""
    policy_seconds: float | None = None
    """Seconds of the clip the shipped policy plays; None: the whole clip (119.4 s)."""
    video_frames: int = 300
    """Frames of env 0 filmed (50 per second); 0: no video."""


@dataclass
class StepClock:
    """Wall time of each step of the job."""

    times: list[tuple[str, float]] = field(default_factory=list)
    """(step name, seconds) in order."""

    def step(self, name: str, work: Callable[[], T]) -> T:
        """Run one step, printing its name and duration."""
        started = time.perf_counter()
        print(f"[main] {name} ...", flush=True)
        result = work()
        seconds = time.perf_counter() - started
        self.times.append((name, seconds))
        print(f"[main] {name} done in {seconds:.0f} s", flush=True)
        return result

    def summary(self) -> str:
        """One line per step and the total."""
        lines = [f"  {name:<10} {seconds:6.0f} s" for name, seconds in self.times]
        return "\n".join([*lines, f"  {'total':<10} {sum(s for _, s in self.times):6.0f} s"])


JOB_KEYS = ("log_dir", "run_name", "resume")
"""Run keys the job sets itself (from ``--out``); an override of one is refused."""


def run_main_job(settings: MainJobSettings) -> None:
    """Run the four steps; a :class:`~beyondmimic_adaptive.runs.RunError` stops the job with its message."""
    out = settings.out
    owned = [o for o in settings.overrides if override_key(o) in JOB_KEYS]
    if owned:
        raise RunError(f"overrides {owned}: the job sets these (its run goes to --out and starts fresh); drop them.")
    overrides = [f"log_dir={out.parent}", f"run_name={out.name}", f"iterations={settings.iterations}"]
    overrides += [f"num_envs={settings.num_envs}", *settings.overrides]
    if out.exists() and not out.is_dir():
        raise RunError(f"--out {out} is a file; give a folder (new, or without a run in it).")
    if any(out.glob("model_*.pt")):
        raise RunError(f"{out} already holds a run; delete it or give another --out.")
    # every check the training makes before its env (the config, env./agent. paths, the wiring), before the
    # policy's minutes
    iterations = training_setup(overrides)[0].run.iterations
    load = os.getloadavg()
    print(f"[main] {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    clock = StepClock()
    policy_out = out / POLICY_DIR_NAME
    video = policy_out / "play.mp4" if settings.video_frames > 0 else None
    report = clock.step(
        "policy",
        lambda: evaluate_from_first_frame(
            G1_LONG_DANCE_POLICY,
            num_envs=settings.policy_envs,
            max_seconds=settings.policy_seconds,
            video=video,
            video_frames=settings.video_frames,
            out=policy_out / "first_frame.json",
        ),
    )
    print(policy_lines(report, published_report()), flush=True)
    run_dir = clock.step("train", lambda: train(overrides))
    checkpoint = run_dir / f"model_{iterations - 1}.pt"  # iterations= among the overrides wins over --iterations
    print(format_table(clock.step("evaluate", lambda: evaluate_checkpoint(checkpoint, envs_per_bin=1))))
    from .viz import plot_run_history

    clock.step("heatmap", lambda: plot_run_history(run_dir))
    print(f"[main] wall time per step:\n{clock.summary()}")
    print(f"[main] the shipped G1 policy (trained on a GPU) in {policy_out}/:")
    for name in (*(["play.mp4"] if video is not None else []), "first_frame.json"):
        print(f"  {policy_out / name}")
    print(f"[main] the CPU training run ({iterations} iterations: the pipeline, no policy yet) in {run_dir}/:")
    for name in ("config.yaml", checkpoint.name, "eval.json", "eval.png", "sampler_heatmap.png", "sampler/"):
        print(f"  {run_dir / name}")
    print(f"  TensorBoard: tensorboard --logdir {run_dir}")


def published_report() -> dict[str, Any]:
    """The shipped policy's GPU evaluation (``scripts/evaluate.py``'s report, shipped as ``eval_gpu.json``)."""
    return json.loads((G1_LONG_DANCE_POLICY.parent / "eval_gpu.json").read_text())


def policy_lines(report: dict[str, Any], published: dict[str, Any]) -> str:
    """The CPU rollout from frame 0 beside the published GPU evaluation."""
    n, frames, dt = report["num_envs"], report["num_frames"], report["step_dt"]
    done = round(report["full_clip_completion"] * n)
    if report["whole_clip"]:
        what = f"whole clip ({frames} frames, {frames * dt:.1f} s)"
        result = f"completed in {done} of {n} starts"
    else:
        prefix = report["frames_evaluated"]
        what = f"first {prefix} of {frames} frames ({prefix * dt:.1f} s; --policy-seconds)"
        result = f"no failure in {round(report['prefix_completion'] * n)} of {n} starts"
    starts = published["envs_per_bin"]
    published_done = round(published["full_clip_completion"][0] * starts)
    bins = published["completion_per_bin"]
    return "\n".join(
        [
            f"[main] shipped G1 policy, CPU, from frame 0, {what}: {result};"
            f" furthest frame per start {report['furthest_frame']}"
            f" ({report['steps']} steps in {report['seconds']:.0f} s)",
            f"[main] published (GPU, scripts/evaluate.py --envs-per-bin {starts}): whole clip from frame 0 in"
            f" {published_done} of {starts} starts, median furthest frame {published['median_furthest_frame'][0]:.0f}"
            f" of {published['num_frames'][0]}, mean per-bin completion {published['mean_completion']:.3f}"
            f" ({sum(c >= 0.9 for c in bins)} of {len(bins)} bins >= 0.9)",
        ]
    )
