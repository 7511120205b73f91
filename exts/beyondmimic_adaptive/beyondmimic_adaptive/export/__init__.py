"""Deployment export: the trained actor (with its observation normaliser) and the reference motion as
one ONNX model, with the metadata BeyondMimic's deployment stack reads (scripts/export_onnx.py)."""

from .deploy import export_checkpoint, max_action_difference
from .onnx_policy import MotionPolicyExporter, export_motion_policy, policy_metadata, read_metadata

__all__ = [
    "MotionPolicyExporter",
    "export_checkpoint",
    "export_motion_policy",
    "max_action_difference",
    "policy_metadata",
    "read_metadata",
]
