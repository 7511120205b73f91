"""The sampler state's format and its full check before a load copies anything in."""

from __future__ import annotations

from typing import Any

import torch

STATE_VERSION = 2
"""2 added per-bin exposure (``exposure_counts``, ``hazard_counts``, a third ``pending`` column) and
the ``attribution`` the statistics were gathered with."""
STATE_FORMAT = f"beyondmimic_adaptive.sampler/{STATE_VERSION}"
_FORMAT_V1 = "beyondmimic_adaptive.sampler/1"


class SamplerStateError(ValueError):
    """A saved sampler state does not fit this sampler."""


def check_state(
    state: object, layout: dict[str, object], like: dict[str, torch.Tensor], attribution: str
) -> dict[str, Any]:
    """The checked ``state`` (a version-1 one upgraded to the current format, as a new dict).

    Raises :class:`SamplerStateError` naming the first bad key and what is wrong.

    Args:
        state: the loaded state dict.
        layout: ``BinLayout.describe()`` of the sampler it is loaded into.
        like: per tensor key, a tensor of the expected dtype and shape.
        attribution: the loading sampler's ``cfg.attribution``.
    """
    if not isinstance(state, dict):
        raise SamplerStateError(
            f"not an adaptive sampler state (format {type(state).__name__!r}, expected {STATE_FORMAT!r})."
        )
    found = state.get("format")
    if found == _FORMAT_V1:
        state = _upgrade_v1(state, like, attribution)
    elif found != STATE_FORMAT:
        raise SamplerStateError(f"not an adaptive sampler state (format {found!r}, expected {STATE_FORMAT!r}).")
    if state.get("attribution") != attribution:
        raise SamplerStateError(
            f"saved sampler state key 'attribution' is {state.get('attribution')!r}, but this run uses "
            f"attribution={attribution!r}: the rates mean different things. Set curriculum.adaptive.attribution="
            f"{state.get('attribution')!r} to continue it, or start without the state."
        )
    if state.get("layout") != layout:
        raise SamplerStateError(
            f"saved sampler state was made for motions/bins {state.get('layout')}, but this run has "
            f"{layout}. Use the same motion files, fps and bin_size_s, or start without it."
        )
    for key, reference in like.items():
        value = state.get(key)
        if not isinstance(value, torch.Tensor) or value.shape != reference.shape or value.dtype != reference.dtype:
            raise SamplerStateError(
                f"saved sampler state key {key!r} must be a {reference.dtype} tensor of shape "
                f"{tuple(reference.shape)}, got {value!r:.80}."
            )
        if value.is_floating_point() and not bool(torch.isfinite(value).all()):
            _refuse(key, "has non-finite values (NaN or inf)")
    rate = state["failure_rate"]
    if bool(((rate < 0) | (rate > 1)).any()):
        _refuse("failure_rate", "has values outside [0, 1] (a failure rate is a probability)")
    episodes, failures = state["episode_counts"], state["failure_counts"]
    for key in ("episode_counts", "failure_counts", "pending", "exposure_counts", "hazard_counts"):
        if bool((state[key] < 0).any()):
            _refuse(key, "has negative values (counts are >= 0)")
    if bool((failures > episodes).any()):
        _refuse("failure_counts", "exceeds 'episode_counts' in some bin (a bin cannot fail more often than it ran)")
    pending = state["pending"]
    if bool((pending[:, 1] > pending[:, 0]).any()):
        _refuse("pending", "failures exceed its episodes in some bin (column 1 must be <= column 0)")
    if not torch.equal(state["seen"], episodes > 0):
        _refuse("seen", "is inconsistent: 'seen' must be True exactly where 'episode_counts' > 0")
    env_step = state.get("env_step")
    # bool is an int subclass: True is a corrupt value, not step 1
    if not isinstance(env_step, int) or isinstance(env_step, bool) or env_step < 0:
        raise SamplerStateError(f"saved sampler state key 'env_step' must be an int >= 0, got {env_step!r}.")
    return state


def _upgrade_v1(state: dict, like: dict[str, torch.Tensor], attribution: str) -> dict[str, Any]:
    """A version-1 state (no exposure) in the current format; only start and failure can use it."""
    if attribution == "hazard":
        raise SamplerStateError(
            f"saved sampler state has format {_FORMAT_V1!r}, which has no per-bin exposure, so attribution="
            "'hazard' cannot continue from it. Start without the state, or load it with attribution 'start' or "
            "'failure' (whichever it was saved with)."
        )
    pending = state.get("pending")
    if isinstance(pending, torch.Tensor) and pending.dim() == 2 and pending.shape[1] == 2:
        pending = torch.cat((pending, torch.zeros_like(pending[:, :1])), dim=1)
    return {
        **state,
        "format": STATE_FORMAT,
        "attribution": attribution,  # version 1 did not record it
        "pending": pending,
        "exposure_counts": torch.zeros_like(like["exposure_counts"], device="cpu"),
        "hazard_counts": torch.zeros_like(like["hazard_counts"], device="cpu"),
    }


def _refuse(key: str, problem: str) -> None:
    raise SamplerStateError(
        f"saved sampler state key {key!r} {problem}; the file is corrupt or was edited. "
        "Delete it to restart the statistics."
    )
