"""Motion clips in the BeyondMimic npz format: load, validate against the robot, save.

Keys (T frames, J joints, B bodies; one frame per control step):
``fps`` (1,), ``joint_pos`` (T,J), ``joint_vel`` (T,J), ``body_pos_w`` (T,B,3),
``body_quat_w`` (T,B,4, wxyz), ``body_lin_vel_w`` (T,B,3), ``body_ang_vel_w`` (T,B,3).
Optional ``joint_names`` (J,) and ``body_names`` (B,): with them, columns are matched to the robot
by name; without them (files from the original BeyondMimic tools) the robot's order is assumed
and only the counts are checked.
"""

from __future__ import annotations

import dataclasses
import difflib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FLOAT_KEYS: dict[str, tuple[str, ...]] = {
    "joint_pos": ("T", "J"),
    "joint_vel": ("T", "J"),
    "body_pos_w": ("T", "B", "3"),
    "body_quat_w": ("T", "B", "4"),
    "body_lin_vel_w": ("T", "B", "3"),
    "body_ang_vel_w": ("T", "B", "3"),
}
"""Required array keys and their symbolic shapes."""

NAME_KEYS = ("joint_names", "body_names")


class MotionFileError(ValueError):
    """A motion file is unreadable or does not fit the robot; the message names file, key and fix."""


@dataclass
class MotionClip:
    """One motion, arrays in the robot's joint and body order (float32)."""

    fps: float
    joint_pos: np.ndarray
    joint_vel: np.ndarray
    body_pos_w: np.ndarray
    body_quat_w: np.ndarray
    body_lin_vel_w: np.ndarray
    body_ang_vel_w: np.ndarray
    joint_names: list[str] | None = None
    body_names: list[str] | None = None
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    """Other arrays found in the file (e.g. segment annotations), passed through unchanged."""

    @property
    def num_frames(self) -> int:
        return int(self.joint_pos.shape[0])

    def frames(self, first: int, last: int) -> MotionClip:
        """A new clip of frames ``first`` .. ``last - 1``: every per-frame array is cut (per-frame extras such as
        foot contacts too); segment annotations, which refer to the whole clip, are dropped."""
        if not 0 <= first < last <= self.num_frames:
            raise MotionFileError(
                f"frames {first}..{last - 1} are not a window of this {self.num_frames}-frame clip: give"
                f" 0 <= first < last <= {self.num_frames}."
            )
        kept = {k: v for k, v in self.extras.items() if not k.startswith("segment_")}
        per_frame = {k: v[first:last] if v.ndim and len(v) == self.num_frames else v for k, v in kept.items()}
        cut = {key: getattr(self, key)[first:last] for key in FLOAT_KEYS}
        return dataclasses.replace(self, **cut, extras=per_frame)

    def save(self, path: str | Path) -> None:
        """Write a compressed npz (float32) that :func:`load_motion` reads back."""
        arrays: dict[str, Any] = {key: np.asarray(getattr(self, key), dtype=np.float32) for key in FLOAT_KEYS}
        arrays["fps"] = np.array([self.fps], dtype=np.float32)
        for key in NAME_KEYS:
            names = getattr(self, key)
            if names is not None:
                arrays[key] = np.array(names, dtype=np.str_)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        extras: dict[str, Any] = self.extras  # Any: numpy's stub would let ** fill allow_pickle: bool
        with open(path, "wb") as file:  # a file object: numpy appends .npz to a name without it
            np.savez_compressed(file, **arrays, **extras)


def load_motion(
    path: str | Path,
    joint_names: list[str] | None = None,
    body_names: list[str] | None = None,
    control_fps: float | None = None,
    min_frames: int = 1,
) -> MotionClip:
    """Read and validate a motion file; reorder its columns to ``joint_names``/``body_names``.

    Args:
        path: the .npz file.
        joint_names: the robot's joint names in order (None: keep the file's order).
        body_names: the robot bodies to keep, in this order (None: keep all, file order).
        control_fps: the env's control rate; the file's fps must equal it (one frame per step).
        min_frames: the shortest acceptable clip (e.g. one sampler bin).
    """
    path = Path(path)
    raw = _read_npz(path)
    missing = [key for key in ("fps", *FLOAT_KEYS) if key not in raw]
    if missing:
        hints = [_close_match(key, raw) for key in missing]
        hint = "; ".join(h for h in hints if h)
        raise MotionFileError(
            f"{path}: missing key(s) {missing} (found {sorted(raw)}){'; ' + hint if hint else ''}. "
            "A BeyondMimic motion needs fps, joint_pos, joint_vel, body_pos_w, body_quat_w, body_lin_vel_w, "
            "body_ang_vel_w."
        )
    fps = _read_fps(path, raw["fps"])
    arrays = {key: _float_array(path, key, raw[key]) for key in FLOAT_KEYS}
    sizes = _check_shapes(path, arrays)
    if control_fps is not None and abs(fps - control_fps) > 1e-3:
        raise MotionFileError(
            f"{path}: fps={fps:g} but the env runs at {control_fps:g} control steps per second; one frame must "
            f"match one control step. Resample the motion to {control_fps:g} fps (e.g. with the CSV converter)."
        )
    if sizes["T"] < min_frames:
        raise MotionFileError(
            f"{path}: {sizes['T']} frames is shorter than the minimum of {min_frames} (one sampler bin). "
            "Use a longer clip or a smaller curriculum.adaptive.bin_size_s."
        )
    quat_norm = np.linalg.norm(arrays["body_quat_w"], axis=-1)
    if np.abs(quat_norm - 1.0).max() > 1e-3:
        raise MotionFileError(
            f"{path}: key 'body_quat_w' has quaternions of norm {quat_norm.min():.4g}..{quat_norm.max():.4g}; "
            "expected unit quaternions (w, x, y, z)."
        )
    file_joint_names = _read_names(path, raw, "joint_names", sizes["J"])
    file_body_names = _read_names(path, raw, "body_names", sizes["B"])
    joint_order = _column_order(path, "joint", file_joint_names, joint_names, sizes["J"], select=False)
    body_order = _column_order(path, "body", file_body_names, body_names, sizes["B"], select=True)
    extras = {key: raw[key] for key in raw if key not in FLOAT_KEYS and key not in NAME_KEYS and key != "fps"}
    return MotionClip(
        fps=fps,
        joint_pos=arrays["joint_pos"][:, joint_order],
        joint_vel=arrays["joint_vel"][:, joint_order],
        body_pos_w=arrays["body_pos_w"][:, body_order],
        body_quat_w=arrays["body_quat_w"][:, body_order],
        body_lin_vel_w=arrays["body_lin_vel_w"][:, body_order],
        body_ang_vel_w=arrays["body_ang_vel_w"][:, body_order],
        joint_names=list(joint_names) if joint_names is not None else file_joint_names,
        body_names=list(body_names) if body_names is not None else file_body_names,
        extras=extras,
    )


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    if path.is_dir():
        raise MotionFileError(
            f"motion file {path} is a folder; give the motion files in it (e.g. {path / '*.npz'}, which the shell"
            " expands)."
        )
    if not path.is_file():
        raise MotionFileError(f"motion file {path} does not exist. Check the motion file path (motion_files).")
    if path.suffix.lower() == ".csv":
        raise MotionFileError(
            f"motion file {path} is a CSV; the tasks read .npz motions. Convert it with scripts/csv_to_npz.py (the "
            "LAFAN1 G1 retargets: scripts/download_motions.py converts them as it downloads)."
        )
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as err:
        raise MotionFileError(f"cannot read motion file {path} as .npz ({err}); expected numpy.savez output.") from None


def _close_match(key: str, raw: dict[str, np.ndarray]) -> str:
    matches = difflib.get_close_matches(key, list(raw), n=1, cutoff=0.6)
    return f"'{matches[0]}' looks like a misnamed '{key}'" if matches else ""


def _read_fps(path: Path, value: np.ndarray) -> float:
    value = np.asarray(value)
    if value.size != 1 or not np.issubdtype(value.dtype, np.number):
        raise MotionFileError(f"{path}: key 'fps' must be one number (shape (1,)), got {value.dtype} {value.shape}.")
    fps = float(value.reshape(()))
    if not np.isfinite(fps) or fps <= 0:
        raise MotionFileError(f"{path}: key 'fps'={fps} must be a finite number > 0.")
    return fps


def _float_array(path: Path, key: str, value: np.ndarray) -> np.ndarray:
    if not np.issubdtype(value.dtype, np.floating):
        raise MotionFileError(f"{path}: key '{key}' has dtype {value.dtype}; expected float32/float64.")
    if not np.isfinite(value).all():
        bad = np.argwhere(~np.isfinite(value))[0]
        raise MotionFileError(f"{path}: key '{key}' has NaN/Inf (first at index {tuple(int(i) for i in bad)}).")
    return value.astype(np.float32, copy=False)


def _check_shapes(path: Path, arrays: dict[str, np.ndarray]) -> dict[str, int]:
    sizes: dict[str, int] = {"3": 3, "4": 4}
    for key, symbols in FLOAT_KEYS.items():
        shape = arrays[key].shape
        expected = "(" + ", ".join(symbols) + ")"
        if len(shape) != len(symbols):
            raise MotionFileError(f"{path}: key '{key}' has shape {shape}; expected {expected}.")
        for symbol, size in zip(symbols, shape, strict=True):
            known = sizes.setdefault(symbol, size)
            if known != size:
                raise MotionFileError(
                    f"{path}: key '{key}' has shape {shape}; expected {expected} with {symbol}={known} "
                    "(as in the other keys)."
                )
    return sizes


def _read_names(path: Path, raw: dict[str, np.ndarray], key: str, count: int) -> list[str] | None:
    if key not in raw:
        return None
    names = [str(n) for n in np.asarray(raw[key]).reshape(-1)]
    if len(names) != count:
        raise MotionFileError(f"{path}: key '{key}' lists {len(names)} names but the arrays have {count}.")
    return names


def _column_order(
    path: Path, kind: str, in_file: list[str] | None, wanted: list[str] | None, count: int, select: bool
) -> np.ndarray:
    if wanted is None:
        return np.arange(count)
    kinds = "bodies" if kind == "body" else f"{kind}s"
    if in_file is None:
        # no names in the file: the BeyondMimic convention is the robot's own order, which identifies the columns
        # only when the file holds exactly the wanted ones (a subset of another size cannot be told apart)
        if len(wanted) != count:
            tracked = f"the task tracks {len(wanted)} named ones ({', '.join(wanted[:3])}, ...)"
            needed = tracked if select else f"the robot has {len(wanted)}"
            raise MotionFileError(
                f"{path}: {count} {kinds} in the file, without '{kind}_names', but {needed}; "
                f"add '{kind}_names' to the file (scripts/csv_to_npz.py writes them) or use a motion of this robot."
            )
        return np.arange(count)
    missing = [name for name in wanted if name not in in_file]
    if missing:
        raise MotionFileError(
            f"{path}: the robot's {kind}(s) {missing} are not in the file's {kind}_names {in_file}; "
            "use a motion made for this robot, or the task of the robot it was made for (a G1 motion:"
            " task=Tracking-G1-v0)."
        )
    if not select and len(in_file) != len(wanted):
        extra = [name for name in in_file if name not in wanted]
        raise MotionFileError(f"{path}: the file has {kinds} {extra} that the robot does not have.")
    return np.array([in_file.index(name) for name in wanted])
