"""ONNX export of a tracking policy in BeyondMimic's deployment format.

Follows the paper's code (HybridRobotics/whole_body_tracking, ``utils/exporter.py``) as read by its
real-robot controller (HybridRobotics/motion_tracking_controller):

- inputs ``obs`` (1, D) and ``time_step`` (1, 1); outputs ``actions`` (the deterministic actor
  output, after rsl-rl's empirical observation normaliser) and the reference at ``time_step``
  (clamped into the clip): ``joint_pos``, ``joint_vel``, ``body_pos_w``, ``body_quat_w`` (w, x, y, z,
  as motion files and the paper store it), ``body_lin_vel_w``, ``body_ang_vel_w``;
- model metadata (``metadata_props``) with the paper's keys, lists written as comma-separated values
  (its controller splits them on ``,``; numbers here with full float precision): ``joint_names``,
  ``joint_stiffness``, ``joint_damping``, ``default_joint_pos``, ``action_scale`` (all in the action's
  joint order), ``command_names``, ``observation_names``, ``anchor_body_name``, ``body_names``,
  ``run_path``; plus ``observation_dims`` (each observation term's width, in order: the layout of
  ``obs``), ``control_dt`` and ``motion_file``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

OUTPUT_NAMES = ["actions", "joint_pos", "joint_vel", "body_pos_w", "body_quat_w", "body_lin_vel_w", "body_ang_vel_w"]
"""Output names of the exported model (the paper's)."""
INPUT_NAMES = ["obs", "time_step"]
"""Input names of the exported model (the paper's)."""


class MotionPolicyExporter(nn.Module):
    """The actor (rsl-rl's ``as_onnx`` module: normaliser, MLP, mean action) plus one motion's reference tables."""

    def __init__(self, actor_onnx: nn.Module, motion: dict[str, torch.Tensor]):
        super().__init__()
        self.actor = actor_onnx
        self.input_size = int(actor_onnx.input_size)
        for key in OUTPUT_NAMES[1:]:
            self.register_buffer(key, motion[key].detach().to("cpu", torch.float32).clone())
        self.num_frames = int(motion["joint_pos"].shape[0])

    def forward(self, obs: torch.Tensor, time_step: torch.Tensor) -> tuple[torch.Tensor, ...]:
        frame = time_step.long().clamp(0, self.num_frames - 1).reshape(-1)
        return (
            self.actor(obs),
            self.joint_pos[frame],
            self.joint_vel[frame],
            self.body_pos_w[frame],
            self.body_quat_w[frame],
            self.body_lin_vel_w[frame],
            self.body_ang_vel_w[frame],
        )


def motion_tables(command: Any, motion_index: int) -> dict[str, torch.Tensor]:
    """Every frame of motion ``motion_index`` of the env's motion command (quaternions as w, x, y, z)."""
    num_frames = command.motion_num_frames
    if not 0 <= motion_index < len(num_frames):
        raise ValueError(f"motion_index={motion_index} is out of range: the command has {len(num_frames)} motions.")
    frames = torch.arange(num_frames[motion_index], device=command.device)
    ref = command.library.frame(torch.full_like(frames, motion_index), frames)
    return {
        "joint_pos": ref.joint_pos,
        "joint_vel": ref.joint_vel,
        "body_pos_w": ref.body_pos_w,
        "body_quat_w": ref.body_quat_w[..., [3, 0, 1, 2]],  # xyzw (Isaac Lab 3.0) -> wxyz (the paper's)
        "body_lin_vel_w": ref.body_lin_vel_w,
        "body_ang_vel_w": ref.body_ang_vel_w,
    }


def policy_metadata(env: Any, command_name: str = "motion", action_name: str = "joint_pos") -> dict[str, Any]:
    """The deployment metadata of ``env`` (values as Python lists / strings; see the module docstring)."""
    command = env.command_manager.get_term(command_name)
    action = env.action_manager.get_term(action_name)
    robot = env.scene[action.cfg.asset_name]
    ids = action._joint_ids
    joint_ids = list(range(robot.num_joints)) if isinstance(ids, slice) else [int(i) for i in ids.tolist()]
    scale = action._scale
    scale = scale[0].tolist() if isinstance(scale, torch.Tensor) else [float(scale)] * len(joint_ids)
    obs = env.observation_manager
    return {
        "joint_names": [robot.joint_names[i] for i in joint_ids],
        "joint_stiffness": robot.data.joint_stiffness.torch[0, joint_ids].tolist(),
        "joint_damping": robot.data.joint_damping.torch[0, joint_ids].tolist(),
        "default_joint_pos": robot.data.default_joint_pos.torch[0, joint_ids].tolist(),
        "action_scale": scale,
        "command_names": list(env.command_manager.active_terms),
        "observation_names": list(obs.active_terms["policy"]),
        "observation_dims": [int(dims[-1]) for dims in obs.group_obs_term_dim["policy"]],
        "anchor_body_name": command.cfg.anchor_body_name,
        "body_names": list(command.body_names),
        "control_dt": float(env.step_dt),
    }


def _encode(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(repr(float(v)) if isinstance(v, float) else str(v) for v in value)
    return repr(value) if isinstance(value, float) else str(value)


def export_motion_policy(
    policy: Any,
    env: Any,
    path: str | Path,
    motion_index: int = 0,
    command_name: str = "motion",
    run_path: str = "",
) -> Path:
    """Write ``path`` (ONNX, opset 18): ``policy`` (rsl-rl's MLPModel) + motion ``motion_index`` + metadata."""
    import onnx

    command = env.command_manager.get_term(command_name)
    module = MotionPolicyExporter(policy.as_onnx(verbose=False), motion_tables(command, motion_index)).to("cpu")
    module.eval()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    dummy = (torch.zeros(1, module.input_size), torch.zeros(1, 1))
    torch.onnx.export(
        module, dummy, str(path), input_names=INPUT_NAMES, output_names=OUTPUT_NAMES, opset_version=18, dynamo=False
    )
    model = onnx.load(str(path))
    metadata = policy_metadata(env, command_name)
    metadata["run_path"] = run_path
    metadata["motion_file"] = getattr(command, "motion_files", [""])[motion_index]
    del model.metadata_props[:]
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, _encode(value)
    onnx.save(model, str(path))
    return path


def read_metadata(path: str | Path) -> dict[str, str]:
    """The metadata of an exported model as strings (split lists on ``,``), read with onnxruntime."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return dict(session.get_modelmeta().custom_metadata_map)
