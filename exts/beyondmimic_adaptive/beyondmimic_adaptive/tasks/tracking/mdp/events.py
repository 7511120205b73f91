"""Events of the tracking task beyond Isaac Lab's: joint-offset randomisation and a solver-capacity watch."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import torch
from isaaclab.managers import EventTermCfg, ManagerTermBase

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedEnv


def randomize_joint_default_pos(
    env: ManagerBasedEnv,
    env_ids: torch.Tensor | slice | None,
    offset_range: tuple[float, float],
    asset_name: str = "robot",
    action_name: str = "joint_pos",
) -> None:
    """Shift each env's default joint positions by a uniform offset (calibration error of the encoders).

    BeyondMimic's code randomises the default joint positions at startup: the policy observes joint
    positions relative to the shifted defaults and its actions are offset by them, as on a robot
    whose encoders are off by a few milliradians. The action term ``action_name`` must use the
    default offset (``use_default_offset=True``); its offset is shifted alike.
    """
    asset = env.scene[asset_name]
    ids = torch.arange(env.num_envs, device=env.device) if env_ids is None or isinstance(env_ids, slice) else env_ids
    ids = ids.long()
    default = asset.data.default_joint_pos.torch
    low, high = offset_range
    offsets = torch.empty(len(ids), default.shape[1], device=default.device).uniform_(low, high)
    default[ids] = default[ids] + offsets
    action = env.action_manager.get_term(action_name)
    if not isinstance(getattr(action, "_offset", None), torch.Tensor):
        raise TypeError(
            f"randomize_joint_default_pos: action term {action_name!r} has no per-joint offset; configure it with "
            "use_default_offset=True (JointPositionActionCfg)."
        )
    action._offset[ids] = default[ids][:, action._joint_ids]


class solver_capacity_watch(ManagerTermBase):
    """Interval event: tracks the MuJoCo-Warp solver's peak constraint and contact counts, on the device.

    MuJoCo Warp drops constraints past ``njmax`` per world and contacts past ``naconmax`` in all
    (MJWarpSolverCfg ``njmax`` / ``nconmax``): the physics then silently changes. Every call keeps a
    device-side running maximum (no host sync); every ``check_every`` calls it reads the peaks once
    and warns, naming the setting to raise, when a world reached its limit. :meth:`peaks` returns
    them for benchmarks and tests.
    """

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedEnv):
        super().__init__(cfg, env)
        self._data = None
        self._peak = torch.zeros(2, dtype=torch.int32, device=env.device)
        self._calls = 0
        self._warned = False

    def _solver_data(self):
        if self._data is None:
            from isaaclab_newton.physics import NewtonManager

            solver = NewtonManager._solver
            if solver is None or not hasattr(solver, "mjw_data"):
                raise RuntimeError("solver_capacity_watch needs the MuJoCo-Warp solver (MJWarpSolverCfg).")
            self._data = solver.mjw_data
        return self._data

    def peaks(self) -> dict[str, int]:
        """Peak constraints per world and peak contacts in all, with their limits (one host read)."""
        data = self._solver_data()
        nefc, nacon = (int(v) for v in self._peak.tolist())
        return {"nefc": nefc, "njmax": int(data.njmax), "nacon": nacon, "naconmax": int(data.naconmax)}

    def __call__(self, env: ManagerBasedEnv, env_ids: torch.Tensor | None, check_every: int = 1000) -> None:
        import warp as wp

        data = self._solver_data()
        current = torch.stack([wp.to_torch(data.nefc).max(), wp.to_torch(data.nacon)[0]]).to(torch.int32)
        torch.maximum(self._peak, current, out=self._peak)
        self._calls += 1
        if self._calls % check_every == 0 and not self._warned:
            peaks = self.peaks()
            if peaks["nefc"] >= peaks["njmax"] or peaks["nacon"] >= peaks["naconmax"]:
                self._warned = True
                warnings.warn(
                    f"MuJoCo-Warp solver at capacity: peak {peaks['nefc']} constraints per world (njmax "
                    f"{peaks['njmax']}), {peaks['nacon']} contacts in all (naconmax {peaks['naconmax']}); constraints "
                    "past the limit are dropped. Raise sim.physics.solver_cfg.njmax / nconmax.",
                    RuntimeWarning,
                    stacklevel=2,
                )
