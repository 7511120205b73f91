"""Find host-device syncs in the adaptive-sampling path of a real env step (CUDA only).

    python bench/sync_audit.py [--num-envs 4096] [--steps 50] [--warp-step]

Runs the tracking env with zero actions under ``torch.cuda.set_sync_debug_mode("warn")`` and
attributes every sync warning to the innermost frame of this package's code on the stack (or to
"isaaclab/other" when none of ours is involved). Prints a table of sync counts per location.
"""

from __future__ import annotations

import argparse
import collections
import os
import traceback
import warnings

from beyondmimic_adaptive.cli_types import positive_int

os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num-envs", type=positive_int, default=4096)
    parser.add_argument("--steps", type=positive_int, default=50)
    parser.add_argument("--warp-step", action="store_true", help="the terms on the Warp-fused step (docs §1.9)")
    args = parser.parse_args()
    import torch

    if not torch.cuda.is_available():
        raise SystemExit("sync_audit.py: needs a CUDA device (it checks host-device syncs); none is visible here.")
    from isaaclab.envs import ManagerBasedRLEnv

    from beyondmimic_adaptive.tasks.tracking import set_device
    from beyondmimic_adaptive.tasks.tracking.config.humanoid import TrackingHumanoidEnvCfg

    cfg = TrackingHumanoidEnvCfg()
    cfg.scene.num_envs = args.num_envs
    set_device(cfg, "cuda:0")
    cfg.curriculum.adaptive.sampler.warp_step = args.warp_step
    env = ManagerBasedRLEnv(cfg=cfg)
    env.reset()
    action = torch.zeros(args.num_envs, env.action_manager.total_action_dim, device=env.device)
    for _ in range(30):  # warm-up: graph capture, allocator
        env.step(action)
    counts: collections.Counter[str] = collections.Counter()

    def record(message, category, filename, lineno, file=None, line=None):
        ours = [f for f in traceback.extract_stack() if "beyondmimic_adaptive" in f.filename]
        where = f"{os.path.basename(ours[-1].filename)}:{ours[-1].lineno} {ours[-1].name}" if ours else "isaaclab/other"
        counts[where] += 1

    warnings.showwarning = record
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = record
        torch.cuda.set_sync_debug_mode("warn")
        for _ in range(args.steps):
            env.step(action)
        torch.cuda.set_sync_debug_mode("default")
    print(f"syncs over {args.steps} steps of {args.num_envs} envs (zero actions):")
    for where, n in counts.most_common():
        print(f"  {n:>6}  {where}")
    ours = sum(n for w, n in counts.items() if w != "isaaclab/other")
    print(f"RESULT: {ours} syncs in beyondmimic_adaptive code")


if __name__ == "__main__":
    main()
