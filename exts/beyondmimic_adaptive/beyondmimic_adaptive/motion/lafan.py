"""Unitree's LAFAN1 retargets for the G1: fetched for the user at run time, never shipped.

Unitree Robotics publishes G1 retargets of Ubisoft La Forge's LAFAN1 motion capture as the Hugging
Face dataset ``unitreerobotics/LAFAN1_Retargeting_Dataset`` (folder ``g1/``, 30 fps CSV rows:
root position, root quaternion x y z w, the 29 joint angles in Unitree's order). LAFAN1 and every
file derived from it are licensed CC BY-NC-ND 4.0: non-commercial use, no redistribution of
modified files. This module downloads the CSVs into the user's own folder (or takes local copies)
and converts them there; nothing of it belongs in a repository.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from .clip import MotionFileError

REPO_ID = "unitreerobotics/LAFAN1_Retargeting_Dataset"
"""Hugging Face dataset of Unitree's retargets."""
REPO_FOLDER = "g1"
"""Folder of the G1 CSVs in that dataset."""
CSV_FPS = 30.0
"""Frame rate of the CSV rows."""
TABLE_II_CLIPS = ("dance1_subject1", "dance2_subject1", "fightAndSports1_subject1")
"""The clips of BeyondMimic's Table II (cartwheel, jump-spin, balance)."""
LICENSE_NOTICE = (
    "LAFAN1 (Ubisoft La Forge) and Unitree's G1 retargets of it are licensed CC BY-NC-ND 4.0\n"
    "(https://creativecommons.org/licenses/by-nc-nd/4.0/): non-commercial use only, credit Ubisoft La Forge\n"
    "and Unitree Robotics, and do not redistribute the files or anything derived from them (converted npz,\n"
    "policies trained on them). Source: https://huggingface.co/datasets/unitreerobotics/LAFAN1_Retargeting_Dataset"
)
"""Printed before anything is fetched or converted."""


def fetch_csvs(clips: Sequence[str], dest: Path, source_dir: Path | None = None) -> list[Path]:
    """The CSV of each clip in ``dest``: copied from ``source_dir`` if given, else downloaded.

    Raises :class:`MotionFileError` naming the clip and the fix when a file is missing, the
    ``huggingface_hub`` package is absent, or the download fails (offline).
    """
    if not clips:
        raise MotionFileError("no clips given: name at least one (e.g. dance1_subject1).")
    dest.mkdir(parents=True, exist_ok=True)
    if source_dir is not None:
        return [_copy_local(clip, source_dir, dest) for clip in clips]
    download = _hub_download()
    return [_download(download, clip, dest) for clip in clips]


def _copy_local(clip: str, source_dir: Path, dest: Path) -> Path:
    source = source_dir / f"{clip}.csv"
    if not source.is_file():
        found = sorted(p.stem for p in source_dir.glob("*.csv")) if source_dir.is_dir() else []
        raise MotionFileError(
            f"{source} does not exist (--from {source_dir} holds {found or 'no CSV files'}). Pass the folder that "
            f"holds {clip}.csv, e.g. the g1/ folder of a downloaded {REPO_ID}."
        )
    target = dest / source.name
    if source.resolve() != target.resolve():
        shutil.copyfile(source, target)
    return target


def _hub_download() -> Callable[..., str]:
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        raise MotionFileError(
            "downloading LAFAN1 needs the huggingface_hub package: pip install huggingface_hub, or download the "
            f"CSVs of {REPO_ID} (folder {REPO_FOLDER}/) yourself and pass their folder with --from DIR."
        ) from None
    return hf_hub_download


def _download(download: Callable[..., str], clip: str, dest: Path) -> Path:
    filename = f"{REPO_FOLDER}/{clip}.csv"
    try:
        path = download(repo_id=REPO_ID, repo_type="dataset", filename=filename, local_dir=str(dest / ".hub"))
    except Exception as err:  # offline, unknown file, refused: all end the same way for the user
        raise MotionFileError(
            f"could not download {filename} from the Hugging Face dataset {REPO_ID} ({type(err).__name__}: "
            f"{str(err).splitlines()[0] if str(err) else 'no detail'}). If this machine is offline, download the "
            f"CSVs elsewhere and pass their folder with --from DIR; check the clip name otherwise."
        ) from None
    target = dest / f"{clip}.csv"
    shutil.copyfile(path, target)
    return target


def convert_clips(
    csvs: Sequence[Path], out_dir: Path, usd_path: Path, csv_joint_names: Sequence[str], fps_out: float = 50.0
) -> list[Path]:
    """Convert each CSV (``CSV_FPS`` rows in ``csv_joint_names`` order) to ``out_dir/<clip>.npz`` at ``fps_out``."""
    from tqdm import tqdm

    from .csv_import import convert_csv
    from .kinematics import kinematic_tree, load_newton_model

    tree = kinematic_tree(load_newton_model(usd_path))
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for csv in tqdm(list(csvs), desc="convert", unit="clip"):
        clip = convert_csv(csv, CSV_FPS, tree, fps_out=fps_out, csv_joint_names=csv_joint_names)
        target = out_dir / f"{csv.stem}.npz"
        clip.save(target)
        written.append(target)
    return written
