"""Long-run soak of the sampler: random failure patterns, invariants checked after every update.

    python bench/sampler_soak.py --updates 1000000 [--device cpu] [--bins 180] [--seed 0]

Each update records a random batch (size, bins and failure pattern change between phases: uniform
failures, one hard bin, all fail, none fail, empty batches) and folds it. After every fold: all
probabilities finite, every bin >= lambda n_s/N (its floor), the sum within 1e-5 of 1, rates inside [0, 1].
Memory: the sampler's tensors and the process's peak RSS are printed at the start and the end;
they must not grow. Prints a table; exits non-zero on the first violated invariant.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import torch
from tqdm import trange

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg

PHASES = ("uniform_failures", "one_hard_bin", "all_fail", "none_fail", "empty")


def tensor_bytes(sampler: AdaptiveSampler) -> int:
    return sum(t.numel() * t.element_size() for t in vars(sampler).values() if isinstance(t, torch.Tensor))


def batch(phase: str, num_bins: int, generator: torch.Generator, device) -> tuple[torch.Tensor, torch.Tensor]:
    n = 0 if phase == "empty" else int(torch.randint(1, 64, (1,), generator=generator))
    bins = torch.randint(0, num_bins, (n,), generator=generator)
    if phase == "one_hard_bin":
        failed = bins == num_bins // 2
    elif phase == "all_fail":
        failed = torch.ones(n, dtype=torch.bool)
    elif phase == "none_fail":
        failed = torch.zeros(n, dtype=torch.bool)
    else:
        failed = torch.rand(n, generator=generator) < torch.rand(1, generator=generator)
    return bins.to(device), failed.to(device)


def soak(updates: int, num_bins: int, device: str, seed: int, phase_length: int = 5000) -> dict[str, float]:
    generator = torch.Generator().manual_seed(seed)
    cfg = AdaptiveSamplerCfg(lambda_uniform=0.1, gamma=0.9, K=5, alpha=0.1)
    sampler = AdaptiveSampler(cfg, motion_num_frames=[num_bins * 50 - 17, 50], fps=50, device=device)
    # the floor is lambda times each bin's share of the frames (the last bin of motion 0 is short)
    lengths = sampler.layout.bin_length.double()
    floor = (cfg.lambda_uniform * lengths / lengths.sum()).float()
    bytes_before = tensor_bytes(sampler)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    worst = {"min_prob_over_floor": float("inf"), "max_sum_error": 0.0}
    started = time.perf_counter()
    for update in trange(updates, desc="updates", mininterval=2.0):
        phase = PHASES[(update // phase_length) % len(PHASES)]
        sampler.update(*batch(phase, sampler.num_bins, generator, device))
        p = sampler.probabilities
        sum_error = abs(float(p.sum()) - 1.0)
        min_over_floor = float((p / floor).min())  # each bin against its own floor
        ok = bool(torch.isfinite(p).all()) and bool((p >= floor - 1e-7).all()) and sum_error <= 1e-5
        rate = sampler.failure_rate
        ok = ok and bool(((rate >= 0) & (rate <= 1)).all())
        if not ok:
            raise SystemExit(
                f"invariant violated at update {update} ({phase}): min p/floor {min_over_floor}, sum err {sum_error}"
            )
        worst["min_prob_over_floor"] = min(worst["min_prob_over_floor"], min_over_floor)
        worst["max_sum_error"] = max(worst["max_sum_error"], sum_error)
    return {
        "updates": updates,
        "bins": sampler.num_bins,
        "seconds": time.perf_counter() - started,
        "sampler_bytes_before": bytes_before,
        "sampler_bytes_after": tensor_bytes(sampler),
        "peak_rss_mb_before": rss_before / 1024,
        "peak_rss_mb_after": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **worst,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=1_000_000)
    parser.add_argument("--bins", type=int, default=180)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    result = soak(args.updates, args.bins, args.device, args.seed)
    for key, value in result.items():
        print(f"{key:>22}: {value:.6g}" if isinstance(value, float) else f"{key:>22}: {value}")
    grew = result["sampler_bytes_after"] != result["sampler_bytes_before"]
    print("RESULT: " + ("FAIL (sampler memory grew)" if grew else "all invariants held; constant sampler memory"))
    sys.exit(1 if grew else 0)


if __name__ == "__main__":
    main()
