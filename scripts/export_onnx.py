"""Export a trained tracking policy to ONNX for deployment (BeyondMimic's format, see below).

    python scripts/export_onnx.py --checkpoint outputs/train/RUN/model_99.pt [--out policy.onnx]
                                  [--motion-index 0] [--device cpu] [hydra overrides of config/train.yaml]

Writes one ONNX model (default: ``RUN/exported/policy.onnx``) holding the actor with its observation
normaliser and the reference motion ``--motion-index`` of the run: inputs ``obs`` and ``time_step``,
outputs ``actions`` and the reference at that step, plus the metadata the paper's deployment stack
reads (joint names and order, default joint positions, action scale, stiffness and damping, anchor
and tracked body names, observation names and widths). See beyondmimic_adaptive.export.onnx_policy.
Then checks it: onnxruntime against the torch policy on random observations
(beyondmimic_adaptive.export.export_checkpoint).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from beyondmimic_adaptive.cli_types import output_file
from beyondmimic_adaptive.runs import RunError


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True, type=Path, help="model_<it>.pt written by scripts/train.py")
    parser.add_argument("--out", type=output_file("policy.onnx"), help="ONNX path (default: RUN/exported/policy.onnx)")
    parser.add_argument("--motion-index", type=int, default=0, help="which of the run's motion files to embed")
    parser.add_argument("--device", help="cpu or cuda:N (default: the run's)")
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_intermixed_args(sys.argv[1:] if argv is None else argv)
    overrides = [*args.overrides, *([f"device={args.device}"] if args.device else [])]

    from beyondmimic_adaptive.export import export_checkpoint

    try:
        out, diff = export_checkpoint(args.checkpoint, args.out, args.motion_index, overrides)
    except RunError as err:
        raise SystemExit(f"export_onnx.py: {err}") from None
    print(f"[export] wrote {out} (onnxruntime vs torch: max |diff| {diff:.2e})")


if __name__ == "__main__":
    main()
