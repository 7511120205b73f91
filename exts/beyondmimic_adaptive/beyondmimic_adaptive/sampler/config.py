"""Hyperparameters of the adaptive start sampler; ``validate()`` checks them (the sampler, the terms' wiring and the
Hydra config call it before anything is built)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

ATTRIBUTIONS = ("start", "failure", "hazard")


class SamplerConfigError(ValueError):
    """A sampler hyperparameter is outside its valid range."""


@dataclass
class AdaptiveSamplerCfg:
    """Configuration of :class:`AdaptiveSampler` (BeyondMimic Sec. III-F).

    It is the schema of the ``curriculum.adaptive`` YAML entry (through its subclass
    :class:`~beyondmimic_adaptive.hydra_config.AdaptiveCurriculumNode`, which adds the wiring keys and
    is registered in Hydra's ConfigStore); ``config/curriculum/adaptive.yaml`` shows every field with
    its default, and a test fails if they drift.
    """

    bin_size_s: float = 1.0
    """Length of one timeline bin in seconds (the paper uses 1 s)."""

    gamma: float = 0.9
    """Decay of the non-causal kernel per future bin, in (0, 1]: a failure in bin s+u adds
    gamma**u to bin s, so episodes start a little before the hard part."""

    K: int = 5
    """Kernel length in bins (>= 1). K = 1 switches the kernel off."""

    lambda_uniform: float = 0.1
    """Weight of the uniform floor in [0, 1]: p'_s = lambda n_s/N + (1 - lambda) p_s, with n_s the
    frames in bin s and N all frames (the paper's lambda/B, exact for a motion's shorter last bin).
    Every bin keeps at least lambda n_s/N. 1.0 is plain uniform sampling over frames (statistics
    are still recorded)."""

    alpha: float = 0.01
    """Smoothing factor in (0, 1] of the per-bin failure-rate moving average, applied once per
    update to each bin that received episodes in that update. The average remembers about
    1/alpha such updates. The terms fold every env step, and at 4096 envs over 64 bins a bin then
    gets about one episode per update: 0.1 averages about 10 episodes, too few to tell failure
    rates of a few percent apart, so the distribution follows noise (``bench/rate_noise.py``)."""

    attribution: str = "start"
    """The per-bin statistic: ``"start"`` (failures / episodes, counted in the bin an episode
    started in, as in the paper), ``"failure"`` (counted in the bin where it ended, as in the public
    BeyondMimic code) or ``"hazard"`` (failures in a bin / env steps spent in it, turned into the
    probability 1 - exp(-h n_s) of failing while traversing the bin; see ``sampler/hazard.py``)."""

    max_prob_ratio: Optional[float] = None  # noqa: UP045 (OmegaConf reads this type)
    """Cap on any bin's start probability relative to its uniform share: p_s <= max_prob_ratio n_s/N
    (a remedy against the distribution concentrating on a few bins). The excess of the capped bins
    is given to the others in proportion to their probability (exact water-filling), so the result
    still sums to 1 and keeps the floor. ``None`` or 0 switches it off (the paper: no cap); else a
    finite number >= 1."""

    rate_prior: float = 0.0
    """Pseudo-episodes ``a`` of a Beta-style prior on each update's per-bin rate:
    r_s = (F_s + a rate_prior_mean) / (N_s + a), so a single failing episode cannot give a bin the
    rate 1. 0 switches it off (the paper: r_s = F_s / N_s). With ``attribution: hazard`` the prior
    is ``a`` traversals of the bin (a n_s steps) carrying ``a rate_prior_mean`` failures."""

    rate_prior_mean: float = 0.0
    """Mean of the rate prior in [0, 1] (used when ``rate_prior`` > 0); 0 shrinks rates seen in few
    episodes towards 0."""

    warmup_steps: int = 0
    """Sample uniformly over frames until this many env steps have passed (statistics are still
    recorded)."""

    manual_probabilities: Optional[list[float]] = None  # noqa: UP045 (OmegaConf reads this type)
    """Debugging override: fixed per-bin probabilities (length = number of bins, non-negative,
    positive sum; normalised on use). ``None`` uses the adaptive distribution."""

    sync_distributed: bool = True
    """All-reduce the per-update episode and failure counts when torch.distributed is initialised,
    so every rank keeps identical statistics."""

    cuda_graph: bool = True
    """On CUDA, replay the fold (rates, moving average, kernel, floor, CDF), and :class:`PerEnvSampling`'s
    record and start sampling, each as one CUDA graph (one launch instead of a dozen)."""

    compile: bool = False
    """Compile the bodies those CUDA graphs capture (the fold, the per-env record and exposure, the start
    sampling, and the curriculum term's record-and-draw graph, which reads Isaac Lab's termination buffers in
    place) with ``torch.compile`` (Inductor, fullgraph, static shapes) before the capture, so each graph
    replays a few fused kernels instead of a dozen small ones (``sampler/compiled.py``). Applies to the
    fixed-shape path only (CUDA; on the CPU only with ``fixed_shapes``). The first steps pay the compile
    (seconds); CUDA needs Triton, the CPU a C++ compiler. Off: on an H200 the sampler alone was no faster
    (118–207 µs against 118–191 µs per env step, docs/benchmarks.md §1.5; ``bench/sampler_cost.py --compile``);
    inside a busy env, where each small kernel adds stream time, not measured yet (``bench/env_throughput.py
    --compile``)."""

    warp_step: Optional[bool] = None  # noqa: UP045 (OmegaConf reads this type)
    """The sampler's step as NVIDIA Warp kernels: ``null`` (default, automatic), ``true`` or ``false``.

    With Warp the fold is two kernels (folded rates with the kernel masses and their scan per tile of bins; the
    statistics committed with the tiles' offsets; ``sampler/warp_fold.py``) instead of about thirteen torch ops,
    and :class:`~beyondmimic_adaptive.sampler.warp_step.WarpFusedStep` runs a whole env step (record, fold, draw)
    as three or four kernels. In the Isaac Lab terms on CUDA, for a command with masked start requests and
    ``start`` or ``failure`` attribution, the curriculum term's one graph replay per env step then records, draws
    and folds: on an H200 the G1 env ran at 1.001 (0.995–1.006) of its sampler-off throughput with the default
    config (docs/benchmarks.md §2, "The default path"). For ``hazard`` or another command the fold event replays
    the Warp step (``sampler/warp_per_env.py``, slower there than the torch path: 0.959).

    - ``null``: the curriculum term takes Warp exactly where that one replay applies: CUDA graphs on a CUDA
      device, Warp :data:`~beyondmimic_adaptive.sampler.warp_fold.AUTO_MIN_WARP` or newer, ``start`` or
      ``failure`` attribution, a command with masked start requests, no ``max_prob_ratio``, no ``compile``, no
      torch.distributed; torch elsewhere. A sampler built directly (``AdaptiveSampler(cfg, ...)``) runs torch.
    - ``true``: Warp wherever it runs (also on the CPU, where the sampler then keeps fixed shapes, and for
      ``hazard``); refuses ``max_prob_ratio`` and torch.distributed. ``compile`` does not apply to Warp kernels.
    - ``false``: the torch path everywhere."""

    def validate(self) -> None:
        """Raise :class:`SamplerConfigError` naming the first out-of-range field and its range."""
        _check(_is_number(self.bin_size_s) and self.bin_size_s > 0, "bin_size_s", self.bin_size_s, "> 0 seconds")
        _check(_is_number(self.gamma) and 0.0 < self.gamma <= 1.0, "gamma", self.gamma, "in (0, 1]")
        _check(_is_int(self.K) and self.K >= 1, "K", self.K, "an integer >= 1 (1 = kernel off)")
        _check(
            _is_number(self.lambda_uniform) and 0.0 <= self.lambda_uniform <= 1.0,
            "lambda_uniform",
            self.lambda_uniform,
            "in [0, 1]",
        )
        _check(_is_number(self.alpha) and 0.0 < self.alpha <= 1.0, "alpha", self.alpha, "in (0, 1]")
        _check(self.attribution in ATTRIBUTIONS, "attribution", self.attribution, f"one of {ATTRIBUTIONS}")
        cap = self.max_prob_ratio
        _check(
            cap is None or (_is_number(cap) and (cap == 0 or cap >= 1)),
            "max_prob_ratio",
            cap,
            "null or 0 (off), or a finite number >= 1 (the cap is max_prob_ratio * n_s/N per bin)",
        )
        _check(
            _is_number(self.rate_prior) and self.rate_prior >= 0,
            "rate_prior",
            self.rate_prior,
            "a finite number >= 0 (pseudo-episodes; 0 = off)",
        )
        _check(
            _is_number(self.rate_prior_mean) and 0.0 <= self.rate_prior_mean <= 1.0,
            "rate_prior_mean",
            self.rate_prior_mean,
            "in [0, 1]",
        )
        for flag, default in (("sync_distributed", "true"), ("cuda_graph", "true"), ("compile", "false")):
            value = getattr(self, flag)
            _check(isinstance(value, bool), flag, value, f"true or false (default {default})")
        warp = self.warp_step
        expected = "true, false or null (default null: automatic)"
        _check(warp is None or isinstance(warp, bool), "warp_step", warp, expected)
        no_cap = "false or null with a max_prob_ratio (Warp has no cap)"
        fix = "set max_prob_ratio to null or warp_step to false"
        _check(not (warp is True and cap), "warp_step", warp, f"{no_cap}: {fix}")
        _check(_is_int(self.warmup_steps) and self.warmup_steps >= 0, "warmup_steps", self.warmup_steps, ">= 0")
        if self.manual_probabilities is not None:
            values = list(self.manual_probabilities)
            ok = all(_is_number(v) and v >= 0 for v in values) and sum(values) > 0
            _check(ok, "manual_probabilities", values, "finite, non-negative, with a positive sum (or null)")


def _is_number(value: object) -> bool:
    # bool is an int subclass; True as a rate is a config typo, not 1.0
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check(ok: bool, field: str, value: object, expected: str) -> None:
    if not ok:
        raise SamplerConfigError(
            f"AdaptiveSamplerCfg.{field}={value!r} is invalid: expected {expected}. "
            f"Fix it in the config (YAML key curriculum.adaptive.{field}) or the AdaptiveSamplerCfg(...) call."
        )
