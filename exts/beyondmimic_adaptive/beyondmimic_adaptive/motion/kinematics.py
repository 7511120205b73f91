"""Forward kinematics of a robot as Newton imports its USD (the importer Isaac Lab's Newton backend uses).

The tree is read once from Newton's model; :func:`forward_kinematics` is a vectorised numpy
re-implementation of ``newton.eval_fk`` over many frames (checked against it in the tests). Joint
names follow Isaac Lab: one name per DoF, ``<joint>:<k>`` for multi-DoF joints, free and fixed
joints excluded. Quaternions are (w, x, y, z), as in BeyondMimic motion files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .quaternions import quat_conjugate, quat_from_axis_angle, quat_mul, quat_rotate, xyzw_to_wxyz


@dataclass
class KinematicTree:
    """Kinematic tree, joint limits and inertial data of one articulation (float64)."""

    body_names: list[str]
    joint_names: list[str]
    """Actuated DoFs in the robot's order (Isaac Lab / Newton ``joint_dof_names``)."""
    joint_type: list[str]
    """Per tree joint: 'free', 'fixed', 'revolute' or 'd6' (angular axes only)."""
    joint_parent: np.ndarray
    joint_child: np.ndarray
    joint_xp_pos: np.ndarray
    joint_xp_quat: np.ndarray
    joint_xc_pos: np.ndarray
    joint_xc_quat: np.ndarray
    joint_axes: list[np.ndarray]
    """Per tree joint: (n, 3) angular axes of its DoFs (n = 0 for free/fixed)."""
    joint_dofs: list[np.ndarray]
    """Per tree joint: indices of its DoFs in ``joint_names``."""
    lower: np.ndarray
    upper: np.ndarray
    body_mass: np.ndarray
    body_com: np.ndarray

    @property
    def num_joints(self) -> int:
        return len(self.joint_names)

    @property
    def num_bodies(self) -> int:
        return len(self.body_names)

    def body(self, name: str) -> int:
        return self.body_names.index(name)

    def dof(self, name: str) -> int:
        return self.joint_names.index(name)


def load_newton_model(usd_path: str | Path):
    """Import a USD with Newton on the CPU (returns ``newton.Model``)."""
    import newton
    import warp as wp

    wp.config.log_level = wp.LOG_WARNING
    builder = newton.ModelBuilder()
    builder.add_usd(str(usd_path))
    return builder.finalize(device="cpu")


def kinematic_tree(model) -> KinematicTree:
    """The :class:`KinematicTree` of a Newton model holding one articulation."""
    import newton
    from newton.selection import ArticulationView

    view = ArticulationView(
        model, "*", verbose=False, exclude_joint_types=[newton.JointType.FREE, newton.JointType.FIXED]
    )
    body_names = [label.rsplit("/", 1)[-1] for label in model.body_label]
    if list(view.link_names) != body_names:
        raise RuntimeError(f"link order {view.link_names} differs from body order {body_names}")
    joint_names = list(view.joint_dof_names)
    kinds = {
        int(newton.JointType.FREE): "free",
        int(newton.JointType.FIXED): "fixed",
        int(newton.JointType.REVOLUTE): "revolute",
        int(newton.JointType.D6): "d6",
    }
    joint_type_ids = model.joint_type.numpy()
    unsupported = sorted({int(t) for t in joint_type_ids} - set(kinds))
    if unsupported:
        raise RuntimeError(f"joint types {unsupported} are not supported (free, fixed, revolute, angular d6 only)")
    if np.any(model.joint_dof_dim.numpy()[joint_type_ids == int(newton.JointType.D6), 0] != 0):
        raise RuntimeError("D6 joints with linear axes are not supported")
    qd_start = model.joint_qd_start.numpy()
    axes_all = model.joint_axis.numpy().astype(np.float64)
    lower_all = model.joint_limit_lower.numpy().astype(np.float64)
    upper_all = model.joint_limit_upper.numpy().astype(np.float64)
    own_names: list[str] = []
    joint_type, joint_axes, joint_dofs, lower, upper = [], [], [], [], []
    for j, label in enumerate(model.joint_label):
        kind = kinds[int(joint_type_ids[j])]
        joint_type.append(kind)
        dofs = np.arange(qd_start[j], qd_start[j + 1])
        if kind in ("free", "fixed"):
            joint_axes.append(np.zeros((0, 3)))
            joint_dofs.append(np.zeros(0, dtype=int))
            continue
        base = label.rsplit("/", 1)[-1]
        first = len(own_names)
        own_names += [base] if len(dofs) == 1 else [f"{base}:{k}" for k in range(len(dofs))]
        joint_axes.append(axes_all[dofs])
        joint_dofs.append(np.arange(first, first + len(dofs)))
        lower += list(lower_all[dofs])
        upper += list(upper_all[dofs])
    if own_names != joint_names:
        raise RuntimeError(f"DoF naming mismatch: {own_names} vs {joint_names}")
    xp = model.joint_X_p.numpy().astype(np.float64)
    xc = model.joint_X_c.numpy().astype(np.float64)
    return KinematicTree(
        body_names=body_names,
        joint_names=joint_names,
        joint_type=joint_type,
        joint_parent=model.joint_parent.numpy().copy(),
        joint_child=model.joint_child.numpy().copy(),
        joint_xp_pos=xp[:, :3],
        joint_xp_quat=xyzw_to_wxyz(xp[:, 3:]),
        joint_xc_pos=xc[:, :3],
        joint_xc_quat=xyzw_to_wxyz(xc[:, 3:]),
        joint_axes=joint_axes,
        joint_dofs=joint_dofs,
        lower=np.array(lower),
        upper=np.array(upper),
        body_mass=model.body_mass.numpy().astype(np.float64),
        body_com=model.body_com.numpy().astype(np.float64),
    )


def forward_kinematics(
    tree: KinematicTree, root_pos: np.ndarray, root_quat: np.ndarray, joint_pos: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Body origin positions (T, B, 3) and orientations (T, B, 4, wxyz), as ``newton.eval_fk`` computes them.

    Args:
        root_pos: (T, 3) root body position; root_quat: (T, 4) its orientation (wxyz);
        joint_pos: (T, J) DoF positions in ``tree.joint_names`` order.
    """
    n = joint_pos.shape[0]
    pos = np.zeros((n, tree.num_bodies, 3))
    rot = np.zeros((n, tree.num_bodies, 4))
    identity = np.broadcast_to(np.array([1.0, 0.0, 0.0, 0.0]), (n, 4))
    for j, kind in enumerate(tree.joint_type):
        parent, child = tree.joint_parent[j], tree.joint_child[j]
        p_pj = np.broadcast_to(tree.joint_xp_pos[j], (n, 3))
        q_pj = np.broadcast_to(tree.joint_xp_quat[j], (n, 4))
        if parent >= 0:
            p_pj = pos[:, parent] + quat_rotate(rot[:, parent], p_pj)
            q_pj = quat_mul(rot[:, parent], q_pj)
        if kind == "free":
            p_j, q_j = root_pos, root_quat
        else:
            p_j, q_j = np.zeros((n, 3)), identity
            # multi-axis joints compose intrinsically: R(a0, q0) R(a1, q1) R(a2, q2) (Newton's convention)
            for axis, dof in zip(tree.joint_axes[j], tree.joint_dofs[j], strict=True):
                q_j = quat_mul(q_j, quat_from_axis_angle(axis, joint_pos[:, dof]))
        p_wcj = p_pj + quat_rotate(q_pj, p_j)
        rot[:, child] = quat_mul(quat_mul(q_pj, q_j), np.broadcast_to(quat_conjugate(tree.joint_xc_quat[j]), (n, 4)))
        pos[:, child] = p_wcj - quat_rotate(rot[:, child], np.broadcast_to(tree.joint_xc_pos[j], (n, 3)))
    return pos, rot


def center_of_mass(tree: KinematicTree, pos: np.ndarray, rot: np.ndarray) -> np.ndarray:
    """Whole-body centre of mass (T, 3) from body poses, masses and local CoM offsets."""
    com_w = pos + quat_rotate(rot, np.broadcast_to(tree.body_com, pos.shape))
    return np.einsum("tbk,b->tk", com_w, tree.body_mass) / tree.body_mass.sum()
