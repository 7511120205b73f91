"""Export a trained tracking policy to ONNX for deployment (BeyondMimic's format, see below).

    python scripts/export_onnx.py --checkpoint outputs/train/RUN/model_99.pt [--out policy.onnx]
                                  [--motion-index 0] [--device cpu] [hydra overrides of config/train.yaml]

Writes one ONNX model (default: ``RUN/exported/policy.onnx``) holding the actor with its observation
normaliser and the reference motion ``--motion-index`` of the run: inputs ``obs`` and ``time_step``,
outputs ``actions`` and the reference at that step, plus the metadata the paper's deployment stack
reads (joint names and order, default joint positions, action scale, stiffness and damping, anchor
and tracked body names, observation names and widths). See beyondmimic_adaptive.export.onnx_policy.
Then checks it: onnxruntime against the torch policy on random observations.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from beyondmimic_adaptive.runs import RunError, load_policy_env

TOLERANCE = 1e-5
"""Largest accepted |onnxruntime - torch| action difference."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True, type=Path, help="model_<it>.pt written by scripts/train.py")
    parser.add_argument("--out", type=Path, help="ONNX path (default: RUN/exported/policy.onnx)")
    parser.add_argument("--motion-index", type=int, default=0, help="which of the run's motion files to embed")
    parser.add_argument("--device", help="cpu or cuda:N (default: the run's)")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    overrides = [*args.overrides, *([f"device={args.device}"] if args.device else [])]

    from beyondmimic_adaptive.export import export_motion_policy

    try:
        loaded = load_policy_env(args.checkpoint, overrides, num_envs=1, keep_sampler=False)
    except RunError as err:
        raise SystemExit(f"export_onnx.py: {err}") from None
    out = args.out or args.checkpoint.parent / "exported" / "policy.onnx"
    try:
        export_motion_policy(
            loaded.runner.alg.get_policy(), loaded.env, out, args.motion_index, run_path=str(args.checkpoint)
        )
    except ValueError as err:
        raise SystemExit(f"export_onnx.py: {err}") from None
    diff = compare_with_torch(out, loaded.runner.alg.get_policy())
    loaded.env.close()
    if diff > TOLERANCE:
        raise SystemExit(f"export_onnx.py: onnxruntime and torch differ by {diff:.2e} > {TOLERANCE:g}.")
    print(f"[export] wrote {out} (onnxruntime vs torch: max |diff| {diff:.2e})")


def compare_with_torch(path: Path, policy, samples: int = 64, seed: int = 0) -> float:
    """Max |onnxruntime - torch| of the actions on ``samples`` random observations (one at a time, batch 1)."""
    import numpy as np
    import onnxruntime
    import torch

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    dim = session.get_inputs()[0].shape[1]
    obs = torch.randn(samples, dim, generator=torch.Generator().manual_seed(seed))
    model = policy.as_onnx(verbose=False).to("cpu").eval()
    with torch.inference_mode():
        expected = model(obs).numpy()
    got = np.concatenate(
        [session.run(["actions"], {"obs": o[None].numpy(), "time_step": np.zeros((1, 1), np.float32)})[0] for o in obs]
    )
    return float(np.abs(got - expected).max())


if __name__ == "__main__":
    main()
