"""How far the sampled distribution is from the one the true failure rates would give, per alpha.

    python bench/rate_noise.py [--envs 4096] [--bins 64] [--steps 6000] [--alphas 0.1 0.03 0.01 0.003]

A synthetic closed loop, no physics: each env step a share of the envs (1 / ``--episode-steps``)
finishes; each finished episode started in a bin drawn from the sampler's own distribution and
failed with that bin's true probability (``--base-rate`` everywhere, ``--hard-rate`` in the
``--hard-bins``). After every fold the distribution p is compared with p*, the distribution the
paper's equations give for the *true* rates (same kernel, floor and normalisation):

- total variation TV(p, p*) = ½ Σ|p - p*| (0: the statistic has converged on the truth);
- effective bins 1 / Σp² of p and of p* (a low value: the mass sits on few bins);
- the share of the adaptive (non-floor) mass on the hard bins, for p and p*.

Medians over the second half of the steps. This isolates the estimation noise of the moving
average: the rates in a real run also change as the policy learns.
"""

from __future__ import annotations

import argparse
import statistics

import torch
from tqdm import tqdm

from beyondmimic_adaptive import AdaptiveSampler, AdaptiveSamplerCfg
from beyondmimic_adaptive.cli_types import positive_int, probability, share


def ideal_probabilities(sampler: AdaptiveSampler, true_rates: torch.Tensor) -> torch.Tensor:
    """p* for the true rates: the sampler's own equations, fed the exact rates."""
    ideal = AdaptiveSampler(sampler.cfg, sampler.layout.motion_num_frames, sampler.layout.fps, sampler.device)
    ideal.load_state_dict({**ideal.state_dict(), "failure_rate": true_rates.clone()})
    return ideal.probabilities


def simulate(args: argparse.Namespace, alpha: float, true_rates: torch.Tensor, hard: torch.Tensor) -> dict:
    cfg = AdaptiveSamplerCfg(alpha=alpha, cuda_graph=False)
    sampler = AdaptiveSampler(cfg, motion_num_frames=[args.bins * 50], fps=50)
    target = ideal_probabilities(sampler, true_rates)
    floor = cfg.lambda_uniform / sampler.num_bins
    torch.manual_seed(args.seed)  # the sampler draws from the global generator
    finishing = max(1, round(args.envs / args.episode_steps))
    distance, effective, hard_share = [], [], []
    for step in tqdm(range(args.steps), desc=f"alpha={alpha:g}", leave=False):
        bins = sampler.sample_bins(finishing)
        failed = torch.rand(finishing) < true_rates[bins]
        sampler.update(bins, failed)
        if step >= args.steps // 2:
            p = sampler.probabilities
            distance.append(0.5 * float((p - target).abs().sum()))
            effective.append(float(1.0 / (p * p).sum()))
            hard_share.append(float((p - floor)[hard].sum() / (1.0 - cfg.lambda_uniform)))
    return {
        "tv": statistics.median(distance),
        "effective_bins": statistics.median(effective),
        "hard_share": statistics.median(hard_share),
        "ideal_effective_bins": float(1.0 / (target * target).sum()),
        "ideal_hard_share": float((target - floor)[hard].sum() / (1.0 - cfg.lambda_uniform)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--envs", type=positive_int, default=4096)
    parser.add_argument("--bins", type=positive_int, default=64)
    parser.add_argument("--steps", type=positive_int, default=6000, help="env steps (one fold each)")
    parser.add_argument("--episode-steps", type=positive_int, default=250, help="mean episode length in env steps")
    parser.add_argument("--base-rate", type=probability, default=0.02)
    parser.add_argument("--hard-rate", type=probability, default=0.2)
    parser.add_argument("--hard-bins", type=int, nargs="+", default=[15, 28, 39, 51])
    parser.add_argument("--alphas", type=share, nargs="+", default=[0.1, 0.03, 0.01, 0.003])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if any(not 0 <= b < args.bins for b in args.hard_bins):
        raise SystemExit(f"rate_noise: --hard-bins must lie in [0, {args.bins - 1}] (--bins {args.bins}).")
    true_rates = torch.full((args.bins,), args.base_rate)
    hard = torch.zeros(args.bins, dtype=torch.bool)
    hard[args.hard_bins] = True
    true_rates[hard] = args.hard_rate
    print(
        f"{args.envs} envs, {args.bins} bins, ~{args.envs / args.episode_steps:.0f} episodes per step, true failure "
        f"rate {args.base_rate:g} (hard bins {args.hard_bins}: {args.hard_rate:g}); medians over steps "
        f"{args.steps // 2}..{args.steps}"
    )
    print(f"{'alpha':>7} {'TV(p,p*)':>9} {'eff. bins':>10} {'ideal':>7} {'hard share':>11} {'ideal':>7}")
    for alpha in args.alphas:
        r = simulate(args, alpha, true_rates, hard)
        print(
            f"{alpha:>7g} {r['tv']:>9.3f} {r['effective_bins']:>10.1f} {r['ideal_effective_bins']:>7.1f} "
            f"{r['hard_share']:>11.3f} {r['ideal_hard_share']:>7.3f}"
        )


if __name__ == "__main__":
    main()
