"""Env-steps per second of the tracking task, with and without adaptive sampling, same machine.

    python bench/env_throughput.py --device cpu --num-envs 16 64 [--steps 300] [--motion-files a.npz]

Each configuration runs in its own process (one Isaac Lab simulation per process): zero actions,
``--warmup`` steps first, then ``--steps`` timed steps; resets happen naturally (the robot falls
without a policy, so resets are far more frequent than in training: a worst case for the sampler).
Modes: ``adaptive`` (curriculum term + reset event) and ``off`` (neither: the command's own
uniform starts, the floor the plugin is measured against).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")


def measure(device: str, num_envs: int, mode: str, steps: int, warmup: int, motion_files: list[str] | None) -> dict:
    import torch
    from isaaclab.envs import ManagerBasedRLEnv

    from beyondmimic_adaptive.tasks.tracking import set_device
    from beyondmimic_adaptive.tasks.tracking.config.humanoid import TrackingHumanoidEnvCfg
    from beyondmimic_adaptive.terms import disable_adaptive_sampling

    cfg = TrackingHumanoidEnvCfg()
    cfg.scene.num_envs = num_envs
    set_device(cfg, device)
    if motion_files:
        cfg.commands.motion.motion_files = motion_files
    if mode == "off":
        disable_adaptive_sampling(cfg)
    env = ManagerBasedRLEnv(cfg=cfg)
    env.reset()
    action = torch.zeros(num_envs, env.action_manager.total_action_dim, device=env.device)
    resets = 0
    for i in range(warmup + steps):
        if i == warmup:
            if env.device != "cpu":
                torch.cuda.synchronize()
            start = time.perf_counter()
            resets = 0
        _, _, terminated, truncated, _ = env.step(action)
        resets += int((terminated | truncated).sum())
    if env.device != "cpu":
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - start
    env.close()
    return {"num_envs": num_envs, "mode": mode, "env_steps_per_s": steps * num_envs / elapsed, "resets": resets}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--num-envs", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--modes", nargs="+", default=["off", "adaptive"], choices=["off", "adaptive"])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--motion-files", nargs="+")
    parser.add_argument("--single", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.single:
        result = measure(args.device, args.num_envs[0], args.modes[0], args.steps, args.warmup, args.motion_files)
        print("RESULT " + json.dumps(result))
        return
    rows = []
    for num_envs in args.num_envs:
        for mode in args.modes:
            command = [sys.executable, __file__, "--single", "--device", args.device, "--num-envs", str(num_envs)]
            command += ["--modes", mode, "--steps", str(args.steps), "--warmup", str(args.warmup)]
            if args.motion_files:
                command += ["--motion-files", *args.motion_files]
            out = subprocess.run(command, capture_output=True, text=True, check=False)
            line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")), None)
            if line is None:
                raise SystemExit(f"run failed ({num_envs} envs, {mode}):\n{out.stderr[-3000:]}")
            rows.append(json.loads(line[len("RESULT ") :]))
            print(f"  {num_envs:>6} envs  {mode:>8}: {rows[-1]['env_steps_per_s']:>10.0f} env-steps/s", flush=True)
    print(f"\ndevice: {args.device}; {args.steps} timed steps after {args.warmup} warm-up steps, zero actions")
    print(f"{'envs':>7} {'off':>12} {'adaptive':>12} {'ratio':>7}")
    for num_envs in args.num_envs:
        by_mode = {r["mode"]: r["env_steps_per_s"] for r in rows if r["num_envs"] == num_envs}
        off, adaptive = by_mode.get("off", float("nan")), by_mode.get("adaptive", float("nan"))
        print(f"{num_envs:>7} {off:>12.0f} {adaptive:>12.0f} {adaptive / off:>7.3f}")


if __name__ == "__main__":
    main()
