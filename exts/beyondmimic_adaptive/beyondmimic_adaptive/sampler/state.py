"""The sampler state's format and its full check before a load copies anything in."""

from __future__ import annotations

import torch

STATE_FORMAT = "beyondmimic_adaptive.sampler/1"


class SamplerStateError(ValueError):
    """A saved sampler state does not fit this sampler."""


def check_state(state: object, layout: dict[str, object], like: dict[str, torch.Tensor]) -> dict[str, object]:
    """The checked ``state``; raises :class:`SamplerStateError` naming the first bad key and what is wrong.

    Args:
        state: the loaded state dict.
        layout: ``BinLayout.describe()`` of the sampler it is loaded into.
        like: per tensor key, a tensor of the expected dtype and shape.
    """
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise SamplerStateError(f"not an adaptive sampler state (format {found!r}, expected {STATE_FORMAT!r}).")
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
    for key in ("episode_counts", "failure_counts", "pending"):
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


def _refuse(key: str, problem: str) -> None:
    raise SamplerStateError(
        f"saved sampler state key {key!r} {problem}; the file is corrupt or was edited. "
        "Delete it to restart the statistics."
    )
