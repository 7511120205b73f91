"""Which body ends an episode, and how far off it is: signed height errors at each start's first termination.

    python bench/failure_bodies.py --checkpoint RUN/model_<it>.pt --start-bins 104 105 106 [--envs-per-bin 4]
                                   [--motion-files a.npz] [--device cpu] [--task ID] [--out f.json]

The env is the run's, in play mode (:func:`beyondmimic_adaptive.runs.load_policy_env`, as scripts/evaluate.py
builds it: no pushes, no observation noise, the task's reset noise kept). ``--envs-per-bin`` envs start at the
first frame of each start bin (of motion file 0's bins and the run's bin size, as the evaluation forces starts)
and play the deterministic policy until their first termination, failure or time-out (the task's limit).

Each row is read where the termination terms judge the step that ended the episode (inside
``termination_manager.compute``, before the reset): the frame, the terms that fired, and the signed height errors
``z_robot - z_reference`` (negative: the robot is lower) of the anchor and of every body of the
``end_effector_height`` term, with the reference heights the terms use (``body_pose_relative_w``, BeyondMimic's
anchor-relative reference), both heights (world z), and the z component of the reference anchor's up axis
(-1: upside down). Per start bin, the summary gives the median signed errors and how many envs had each body over
its term's threshold.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from beyondmimic_adaptive.cli_types import output_file, positive_int
from beyondmimic_adaptive.runs import LoadedPolicy, RunError, load_policy_env, motion_files_override, saved_run_config
from beyondmimic_adaptive.runs.config import eval_settings
from beyondmimic_adaptive.sampler import BinLayout

EE_TERM, ANCHOR_TERM = "end_effector_height", "anchor_height"


def failure_rows(loaded: LoadedPolicy, start_bins: list[int], envs_per_bin: int, bin_size_s: float) -> dict[str, Any]:
    """Play ``envs_per_bin`` envs (``loaded.env`` must have ``len(start_bins) * envs_per_bin``) from each start
    bin's first frame to their first termination; the report: thresholds, bodies and one row per env."""
    env, terms = loaded.env, loaded.env.termination_manager
    if EE_TERM not in terms.active_terms:
        raise RunError(f"the task has no '{EE_TERM}' termination term: this script reads its bodies and threshold.")
    command = env.command_manager.get_term("motion")
    names = list(terms.get_term_cfg(EE_TERM).params["body_names"])
    ee = torch.tensor([command.body_names.index(n) for n in names], device=env.device)
    layout = BinLayout(list(command.motion_num_frames), 1.0 / env.step_dt, bin_size_s=bin_size_s, device=env.device)
    first = layout.bin_offsets[1]  # bins of motion 0 (--start-bins count those)
    if max(start_bins) >= first or min(start_bins) < 0:
        raise RunError(f"--start-bins {start_bins}: motion 0 has bins 0..{first - 1}; give bins in that range.")
    bins = torch.tensor(start_bins, device=env.device).repeat_interleave(envs_per_bin)
    snap: dict[str, torch.Tensor] = {}
    compute = terms.compute

    def compute_and_snapshot() -> torch.Tensor:  # the state the terms judge, before the reset overwrites it
        dones = compute()
        ref_pos, _ = command.body_pose_relative_w()
        snap["ee_robot"], snap["ee_ref"] = command.robot_body_pos_w[:, ee, 2], ref_pos[:, ee, 2]
        snap["anchor_robot"], snap["anchor_ref"] = command.robot_anchor_pos_w[:, 2], command.anchor_pos_w[:, 2]
        x, y = command.anchor_quat_w[:, 0], command.anchor_quat_w[:, 1]  # (x, y, z, w): R[2, 2] = 1 - 2(x² + y²)
        snap["up_z"], snap["frame"] = 1.0 - 2.0 * (x * x + y * y), command.time_steps.clone()
        snap["fired"] = torch.stack([terms.get_term(n) for n in terms.active_terms], dim=1)
        for key, value in snap.items():  # copies: a view of the robot's buffers would show the state after the reset
            snap[key] = value.clone()
        return dones

    terms.compute = compute_and_snapshot
    active = torch.ones(env.num_envs, dtype=torch.bool, device=env.device)
    last: dict[str, torch.Tensor] = {}
    with torch.inference_mode(), tqdm(total=env.num_envs, desc="episodes ended") as progress:
        command.set_start(slice(None), layout.bin_motion[bins], layout.bin_start[bins])
        env.reset()
        obs = loaded.wrapped.get_observations()
        while bool(active.any()):
            obs, _, dones, _ = loaded.wrapped.step(loaded.policy(obs))
            ended = active & dones.bool()
            for key, value in snap.items():
                last[key] = torch.where(ended.view(-1, *[1] * (value.dim() - 1)), value, last.get(key, value))
            active &= ~ended
            progress.update(int(ended.sum()))
    terms.compute = compute
    frames = last["frame"]
    rows = [
        {
            "start_bin": start_bins[i // envs_per_bin],
            "end_frame": int(frames[i]),
            "end_bin": int(layout.bin_index(torch.zeros_like(frames[i : i + 1]), frames[i : i + 1])[0]),
            "terms": [n for t, n in enumerate(terms.active_terms) if bool(last["fired"][i, t])],
            "anchor_dz": float(last["anchor_robot"][i] - last["anchor_ref"][i]),
            "ee_dz": dict(zip(names, (last["ee_robot"][i] - last["ee_ref"][i]).tolist(), strict=True)),
            "anchor_z": {"robot": float(last["anchor_robot"][i]), "reference": float(last["anchor_ref"][i])},
            "ee_robot_z": dict(zip(names, last["ee_robot"][i].tolist(), strict=True)),
            "ee_reference_z": dict(zip(names, last["ee_ref"][i].tolist(), strict=True)),
            "ref_anchor_up_z": float(last["up_z"][i]),
        }
        for i in range(env.num_envs)
    ]
    thresholds = {n: float(terms.get_term_cfg(n).params["threshold"]) for n in (EE_TERM, ANCHOR_TERM)}
    return {"thresholds": thresholds, "anchor_body": command.cfg.anchor_body_name, "fps": 1.0 / env.step_dt,
            "bin_size_s": bin_size_s, "end_effectors": names, "rows": rows,
            "failure_terms": [n for n in terms.active_terms if not terms.get_term_cfg(n).time_out]}  # fmt: skip


def summary(report: dict[str, Any]) -> list[str]:
    """Lines: one per env, then per start bin the median signed errors and the bodies over the threshold."""
    ee_limit, anchor_limit = report["thresholds"][EE_TERM], report["thresholds"][ANCHOR_TERM]
    head = ["bin", "end_frame", "end_bin", "up_z", "anchor", *[n[:14] for n in report["end_effectors"]], "terms"]
    lines = ["  ".join(f"{h:>14}" for h in head)]
    for row in report["rows"]:
        values = [row["ref_anchor_up_z"], row["anchor_dz"], *row["ee_dz"].values()]
        cells = [str(row["start_bin"]), str(row["end_frame"]), str(row["end_bin"]), *[f"{v:+.3f}" for v in values]]
        lines.append("  ".join(f"{c:>14}" for c in cells) + "  " + ",".join(row["terms"]))
    lines.append(f"per start bin, over the envs ended by a failure (not a time-out): median signed z error (robot -"
                 f" reference, m) at the failing step; crossed: |error| > {ee_limit} m (EE), > {anchor_limit} m"
                 " (anchor)")  # fmt: skip
    for start in dict.fromkeys(r["start_bin"] for r in report["rows"]):
        started = [r for r in report["rows"] if r["start_bin"] == start]
        rows = [r for r in started if set(r["terms"]) & set(report["failure_terms"])]
        head = f"bin {start}: {len(rows)}/{len(started)} envs failed"
        if not rows:
            lines.append(head)
            continue
        medians = {"anchor": statistics.median(r["anchor_dz"] for r in rows)}
        medians |= {n: statistics.median(r["ee_dz"][n] for r in rows) for n in report["end_effectors"]}
        crossed = {n: sum(abs(r["ee_dz"][n]) > ee_limit for r in rows) for n in report["end_effectors"]}
        crossed["anchor"] = sum(abs(r["anchor_dz"]) > anchor_limit for r in rows)
        ends = statistics.median(r["end_frame"] for r in rows) / report["fps"]
        lines.append(f"{head}, median at {ends:.2f} s; median "
                     + ", ".join(f"{n} {v:+.3f}" for n, v in medians.items())
                     + "; crossed " + ", ".join(f"{n} x{c}" for n, c in crossed.items() if c))  # fmt: skip
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", type=Path, required=True, help="model_<it>.pt next to its run's config.yaml")
    parser.add_argument("--motion-files", nargs="+", help="motion files (default: the run's config.yaml)")
    parser.add_argument("--start-bins", type=int, nargs="+", required=True, help="bins of motion 0 to start from")
    parser.add_argument("--envs-per-bin", type=positive_int, default=4)
    parser.add_argument("--device", default=None, help="cpu or cuda:N (default: the run's device)")
    parser.add_argument("--task", default=None, help="registered task id (default: the run's config.yaml)")
    parser.add_argument("--out", type=output_file("failure_bodies.json"), help="JSON report (default: none)")
    args = parser.parse_args(argv)
    overrides = [f"{key}={value}" for key, value in (("task", args.task), ("device", args.device)) if value]
    overrides += [motion_files_override(args.motion_files)] if args.motion_files else []
    if args.out is not None:  # before the rollout: a report that cannot be written would be lost after it
        args.out.parent.mkdir(parents=True, exist_ok=True)
    try:
        settings = eval_settings(saved_run_config(args.checkpoint.parent, overrides).cfg)
        loaded = load_policy_env(args.checkpoint, overrides, len(args.start_bins) * args.envs_per_bin, False)
        try:
            report = failure_rows(loaded, args.start_bins, args.envs_per_bin, settings.bin_size_s)
        finally:
            loaded.env.close()
    except RunError as err:
        raise SystemExit(f"failure_bodies.py: {err}") from None
    print("\n".join(summary(report)))
    if args.out is not None:
        args.out.write_text(json.dumps({"checkpoint": str(args.checkpoint), **report}, indent=1))
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
