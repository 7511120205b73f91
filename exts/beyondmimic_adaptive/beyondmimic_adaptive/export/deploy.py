"""Export a training run's checkpoint to ONNX and check it against the torch policy (onnxruntime, batch 1)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

TOLERANCE = 1e-5
"""Largest accepted |onnxruntime - torch| action difference."""


def max_action_difference(path: Path, policy: Any, samples: int = 64, seed: int = 0) -> float:
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


def export_checkpoint(
    checkpoint: Path, out: Path | None = None, motion_index: int = 0, overrides: Sequence[str] = ()
) -> tuple[Path, float]:
    """Export ``checkpoint`` with the run's motion ``motion_index`` (default ``RUN/exported/policy.onnx``).

    Returns the path and the max |onnxruntime - torch| action difference; a difference over
    :data:`TOLERANCE` and a bad motion index are :class:`~beyondmimic_adaptive.runs.RunError`.
    """
    from ..runs import RunError, load_policy_env
    from .onnx_policy import export_motion_policy

    loaded = load_policy_env(checkpoint, overrides, num_envs=1, keep_sampler=False)
    out = out if out is not None else checkpoint.parent / "exported" / "policy.onnx"
    try:
        policy = loaded.runner.alg.get_policy()
        export_motion_policy(policy, loaded.env, out, motion_index, run_path=str(checkpoint))
        diff = max_action_difference(out, policy)
    except ValueError as err:
        raise RunError(str(err)) from None
    finally:
        loaded.env.close()
    if diff > TOLERANCE:
        raise RunError(f"onnxruntime and torch differ by {diff:.2e} > {TOLERANCE:g}; {out} is not usable.")
    return out, diff
