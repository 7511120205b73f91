"""Where the policies of a Table II study fall, and where their samplers put the starts.

    python bench/choke_points.py --reports "adaptive @ 1500=OUT/adaptive/eval_model_1500/eval.json" ... \
        [--states "adaptive @ 1500=RUN/sampler/state.pt" ...] [--around 95 117] [--out DIR (outputs/choke_points)]

``--reports``: evaluation reports of ``scripts/evaluate.py`` with survival times. For each, the choke
points: the bins where the median start of the most failing bins (per-bin completion < 0.9) ends, and
(reports that record them) the failure terms that ended the episodes in the first choke bin. Draws
DIR/reach.png (``ablation_plots.plot_reach``: a flat step is a choke point).

``--states``: saved adaptive sampler states (``sampler/state.pt`` of a run; the attribution is read from the
state, and K, γ, λ and the cap from the run's ``config.yaml`` next to ``sampler/`` when there is one, else the
sampler's defaults). For each, the start probability times the bin count (1 =
uniform) and the per-bin statistic the sampler folds (``failure_rate``: per episode started in the bin
for ``start``; per visit of the bin for ``hazard``) over the bins of ``--around`` (default: every bin), printed
and drawn to
DIR/sampler_state.png, with the values in DIR/sampler_state.json.

``--variants K=1 gamma=0.5,K=2 ...``: for each state and each variant (kernel, floor or cap changed,
the statistics kept), the share of the starts the bin with the highest folded rate (or ``--focus``) would get, the
share of the bins just before it, and the effective bins (1/Σp²): what those knobs would do now.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np
from ablation_plots import plot_reach, plt

from beyondmimic_adaptive.hydra_config import AdaptiveCurriculumNode, ConfigError, parse_curriculum
from beyondmimic_adaptive.runs import RunError, saved_run_config
from beyondmimic_adaptive.runs.eval_report import require_every_bin
from beyondmimic_adaptive.sampler import AdaptiveSampler, AdaptiveSamplerCfg, read_sampler_state


def labelled_paths(items: list[str], flag: str) -> dict[str, Path]:
    """``LABEL=PATH`` words as {label: path}, refusing a word without ``=`` or a missing file."""
    out: dict[str, Path] = {}
    for item in items:
        label, sep, path = item.partition("=")
        if not sep or not label or not Path(path).is_file():
            raise SystemExit(f"choke_points.py {flag}: expected LABEL=PATH of an existing file, got {item!r}.")
        out[label] = Path(path)
    return out


def choke_points(report: dict, top: int = 3) -> list[tuple[int, int]]:
    """(bin, count) of the bins where the median starts of the failing start bins end, most first.

    A median start that played to its motion's end did not fail (its bin fails less often than that): it is left
    out, or the clip's last bin would count every such bin as a choke."""
    bin_size_s = report.get("bin_size_s", 1.0)
    played = np.asarray(report["median_seconds_played_per_bin"]) / bin_size_s
    failing = np.asarray(report["completion_per_bin"]) < 0.9
    ends = np.arange(len(played)) + played
    motion = np.asarray(report["bin_motion"])
    first_bin = np.searchsorted(motion, motion)  # each bin's motion's first bin (the bins go motion by motion)
    fps = report.get("fps", 50.0)  # reports before 2026-12-04 lack it; every task here runs at 50 Hz
    last_frame_s = (np.asarray(report["num_frames"], dtype=np.float64) - 1) / fps  # a start at a bin's first frame
    reached_end = ends >= first_bin + last_frame_s[motion] / bin_size_s - 1e-4
    return Counter(np.floor(ends[failing & ~reached_end]).astype(int).tolist()).most_common(top)


def run_knobs(path: Path) -> dict[str, float | int | None]:
    """The distribution parameters (:data:`VARIANT_KEYS`) of the run a ``RUN/sampler/state.pt`` belongs to:
    its first adaptive curriculum entry, read and validated from ``RUN/config.yaml`` as evaluation reads it
    (:func:`~beyondmimic_adaptive.runs.saved_run_config`); {} without a config or an adaptive entry."""
    run_dir = path.parent.parent
    if path.parent.name != "sampler" or not (run_dir / "config.yaml").is_file():
        return {}
    try:
        parsed = parse_curriculum(saved_run_config(run_dir).cfg.get("curriculum"))
    except (RunError, ConfigError) as err:
        raise SystemExit(
            f"choke_points.py --states: {run_dir / 'config.yaml'}: {err}; it is the run's config written by"
            " scripts/train.py: restore it, or move the state out of RUN/sampler/ to draw it with the sampler's"
            " defaults."
        ) from None
    nodes = [node for node in parsed.values() if isinstance(node, AdaptiveCurriculumNode)]
    return {key: getattr(nodes[0], key) for key in VARIANT_KEYS} if nodes else {}


def sampler_state(path: Path, **overrides: float | int | None) -> dict[str, list[float] | str]:
    """Start probability x bins and the folded per-bin statistic of a saved sampler state, under the run's
    distribution parameters (:func:`run_knobs`); ``overrides``: other values of them (K, gamma,
    lambda_uniform, max_prob_ratio) applied to the same statistics."""
    state = read_sampler_state(path)
    layout = state["layout"]
    knobs = {**run_knobs(path), **overrides}
    cfg = AdaptiveSamplerCfg(attribution=state["attribution"], bin_size_s=layout["bin_size_s"], **knobs)
    sampler = AdaptiveSampler(cfg, layout["motion_num_frames"], layout["fps"], device="cpu")
    sampler.load_state_dict(state)
    sampler.fold()  # nothing pending: the statistics stay, the distribution is made with ``cfg``
    p = sampler.probabilities.double()
    return {
        "attribution": cfg.attribution,
        "bin_size_s": cfg.bin_size_s,
        "knobs": ", ".join(f"{key}={getattr(cfg, key)}" for key in VARIANT_KEYS),
        "probability_x_bins": (p * p.numel()).tolist(),
        "failure_rate": sampler.failure_rate.double().tolist(),
    }


VARIANT_KEYS = {"K": int, "gamma": float, "lambda_uniform": float, "max_prob_ratio": float}
"""The distribution parameters ``--variants`` may change (the statistics do not depend on them)."""


def parse_variant(text: str) -> dict[str, float | int | None]:
    """``K=1,gamma=0.5`` as keyword overrides of AdaptiveSamplerCfg (``none`` for max_prob_ratio)."""
    out: dict[str, float | int | None] = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if not sep or key not in VARIANT_KEYS:
            raise SystemExit(
                f"choke_points.py --variants: {item!r} is not KEY=VALUE with KEY in {sorted(VARIANT_KEYS)}."
            )
        try:
            out[key] = None if value.lower() == "none" else VARIANT_KEYS[key](value)
        except ValueError:
            raise SystemExit(f"choke_points.py --variants: {key}={value!r} is not a number.") from None
    return out


def variant_line(state: dict, label: str, focus: int | None = None, before: int = 4) -> str:
    """Where a distribution puts the starts around bin ``focus`` (None: the first with the highest folded rate)."""
    p = np.asarray(state["probability_x_bins"]) / len(state["probability_x_bins"])
    worst = int(np.argmax(state["failure_rate"])) if focus is None else focus
    near = p[max(0, worst - before) : worst + 1].sum()
    return (
        f"{label}: bin {worst} (rate {state['failure_rate'][worst]:.3f}) gets {p[worst]:.3f} of the starts "
        f"({p[worst] * len(p):.1f}x uniform), bins {max(0, worst - before)}..{worst} {near:.3f}; "
        f"effective bins {1 / (p**2).sum():.1f}"
    )


def plot_states(states: dict[str, dict], around: tuple[int, int], path: Path) -> None:
    lo, hi = around
    fig, (p_ax, r_ax) = plt.subplots(2, 1, figsize=(11, 6), sharex=True)
    width = 0.8 / len(states)
    for k, (label, s) in enumerate(states.items()):
        x = np.arange(lo, hi + 1) + (k - (len(states) - 1) / 2) * width
        p_ax.bar(x, s["probability_x_bins"][lo : hi + 1], width, label=f"{label} ({s['attribution']})")
        r_ax.bar(x, s["failure_rate"][lo : hi + 1], width, label=label)
    p_ax.axhline(1.0, color="grey", linestyle=":", label="uniform")
    p_ax.set(ylabel="start probability x bins")
    bin_size_s = next(iter(states.values()))["bin_size_s"]
    r_ax.set(xlabel=f"bin ({bin_size_s:g} s)", ylabel="folded failure rate", ylim=(0, 1.05))
    for ax in (p_ax, r_ax):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", nargs="*", default=[], help="LABEL=eval.json with survival times")
    parser.add_argument("--states", nargs="*", default=[], help="LABEL=sampler state.pt")
    parser.add_argument("--variants", nargs="*", default=[], help="KEY=VALUE[,KEY=VALUE] per variant")
    parser.add_argument("--focus", type=int, help="the bin --variants report on (default: the highest rate)")
    parser.add_argument("--around", nargs=2, type=int, metavar=("FIRST", "LAST"), help="bins shown (default: all)")
    parser.add_argument("--out", type=Path, default=Path("outputs/choke_points"), help="folder of the pictures")
    args = parser.parse_args(argv)
    reports = {k: json.loads(p.read_text()) for k, p in labelled_paths(args.reports, "--reports").items()}
    state_paths = labelled_paths(args.states, "--states")
    states = {k: sampler_state(p) for k, p in state_paths.items()}
    variants = [parse_variant(text) for text in args.variants]  # every variant checked before any output
    for label, s in states.items():
        bins = len(s["failure_rate"])
        if args.focus is not None and not 0 <= args.focus < bins:
            raise SystemExit(f"choke_points.py --focus {args.focus}: {label} has bins 0..{bins - 1}.")
        if args.around is not None and not 0 <= args.around[0] <= args.around[1] < bins:
            first, last = args.around
            raise SystemExit(f"choke_points.py --around {first} {last}: {label} has bins 0..{bins - 1}.")
    args.out.mkdir(parents=True, exist_ok=True)
    for label, report in reports.items():
        if "median_seconds_played_per_bin" not in report:
            raise SystemExit(f"choke_points.py: {label}: the report has no survival times; evaluate it again.")
        try:
            require_every_bin(report, f"choke_points.py: {label}")
        except ValueError as err:
            raise SystemExit(str(err)) from None
        far = report["median_furthest_frame"][0]
        chokes = choke_points(report)
        line = f"{label}: furthest frame {far:g} of {report['num_frames'][0]}; chokes (bin, failing bins): {chokes}"
        ended = report.get("failures_per_end_bin")
        if ended and chokes:
            first = chokes[0][0]
            line += f"; ended in bin {first} by " + ", ".join(f"{t} {c[first]}" for t, c in ended.items())
        print(line)
    if reports:
        plot_reach(reports, args.out / "reach.png", reports[next(iter(reports))].get("bin_size_s", 1.0))
    fewest = min((len(s["failure_rate"]) for s in states.values()), default=1)
    lo, hi = args.around if args.around is not None else (0, fewest - 1)
    for label, s in states.items():
        p = np.round(s["probability_x_bins"][lo : hi + 1], 2).tolist()
        r = np.round(s["failure_rate"][lo : hi + 1], 3).tolist()
        print(f"{label} ({s['attribution']}; {s['knobs']}), bins {lo}..{hi}: p x bins {p}; folded rate {r}")
    for text, overrides in zip(args.variants, variants, strict=True):
        for label, path in state_paths.items():
            print(variant_line(sampler_state(path, **overrides), f"{label} with {text}", args.focus))
    if states:
        (args.out / "sampler_state.json").write_text(json.dumps(states))
        plot_states(states, (lo, hi), args.out / "sampler_state.png")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
