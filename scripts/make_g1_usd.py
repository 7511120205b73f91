"""Write the package's Unitree G1 USD (29 DoF, collision-only) from mjlab 1.6.0's MJCF.

The converter needs a Python 3.12 venv of its own (dev-only; the package never needs it at run time):

    python3.12 -m venv /tmp/usdconv
    /tmp/usdconv/bin/pip install -r requirements/usd-convert.txt
    /tmp/usdconv/bin/python scripts/make_g1_usd.py            # downloads the mjlab wheel with pip
    /tmp/usdconv/bin/python scripts/make_g1_usd.py --wheel mjlab-1.6.0-py3-none-any.whl
    /tmp/usdconv/bin/python scripts/make_g1_usd.py --mjcf path/to/unitree_g1/xmls/g1.xml

Source: ``mjlab/asset_zoo/robots/unitree_g1/xmls/g1.xml`` in the PyPI wheel ``mjlab==1.6.0``, a copy of
MuJoCo Menagerie's ``unitree_g1`` (BSD-3-Clause, Unitree Robotics; see assets/g1/NOTICE). Two edits
before converting with mujoco-usd-converter:

- the pelvis body loses ``pos="0 0 0.793"``: Isaac Lab spawns the root at its init z plus that offset,
  while resets write the root z directly, so the two would disagree by 0.793 m;
- the visual mesh geoms and the ``<mesh>`` assets are dropped: the USD keeps the capsule/sphere collision
  geoms and the inertials (visual geoms have density 0, so the mass is unchanged).

The converter writes a single binary layer; it is re-saved as text (g1.usda) next to this NOTICE.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

MJLAB_VERSION = "1.6.0"
WHEEL_MJCF = "mjlab/asset_zoo/robots/unitree_g1/xmls/g1.xml"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "exts/beyondmimic_adaptive/beyondmimic_adaptive/assets/g1/g1.usda"
INSTALL_HINT = (
    "mujoco-usd-converter is missing: in a Python 3.12 venv of its own run "
    "`pip install -r requirements/usd-convert.txt` (or `pip install -e .[usd-convert]`), then run this script "
    "with that venv's python"
)


def read_wheel_mjcf(wheel: Path) -> str:
    """The G1 MJCF text inside an mjlab wheel."""
    with zipfile.ZipFile(wheel) as zf:
        if WHEEL_MJCF not in zf.namelist():
            raise SystemExit(f"{wheel} has no {WHEEL_MJCF}: pass the mjlab=={MJLAB_VERSION} wheel (--wheel)")
        return zf.read(WHEEL_MJCF).decode()


def download_wheel(dest: Path) -> Path:
    """Fetch the mjlab wheel (no dependencies) with pip into ``dest``."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", f"mjlab=={MJLAB_VERSION}", "-d", str(dest)]
    subprocess.run(cmd, check=True)
    wheels = sorted(dest.glob(f"mjlab-{MJLAB_VERSION}-*.whl"))
    if not wheels:
        raise SystemExit(f"pip download left no mjlab-{MJLAB_VERSION} wheel in {dest}")
    return wheels[0]


def collision_only(mjcf: str) -> tuple[str, int, int]:
    """Apply the two edits; returns the new MJCF and the numbers of mesh geoms and mesh assets removed."""
    root = ET.fromstring(mjcf)
    pelvis = root.find("./worldbody/body[@name='pelvis']")
    if pelvis is None or pelvis.get("pos") is None:
        raise SystemExit("the MJCF has no pelvis body with a pos attribute: is it mjlab 1.6.0's g1.xml?")
    del pelvis.attrib["pos"]
    geoms = 0
    for parent in root.iter():
        for child in list(parent):
            if child.tag == "geom" and (child.get("class") == "visual" or child.get("mesh") is not None):
                parent.remove(child)
                geoms += 1
    meshes = 0
    for asset in root.findall("asset"):
        for mesh in asset.findall("mesh"):
            asset.remove(mesh)
            meshes += 1
    if geoms == 0 or meshes == 0:
        raise SystemExit(f"found {geoms} visual geoms and {meshes} mesh assets: is it mjlab 1.6.0's g1.xml?")
    return ET.tostring(root, encoding="unicode"), geoms, meshes


def convert(xml_path: Path, out: Path) -> None:
    """Convert with mujoco-usd-converter (single layer, no physics scene) and save as ``out``."""
    try:
        from mujoco_usd_converter import Converter
        from pxr import Sdf
    except ImportError as err:
        raise SystemExit(f"{INSTALL_HINT} ({err})") from err
    with tempfile.TemporaryDirectory() as tmp:
        result = Converter(layer_structure=False, scene=False).convert(str(xml_path), tmp)
        if not result:
            raise SystemExit(f"mujoco-usd-converter failed on {xml_path}")
        layer = Sdf.Layer.FindOrOpen(result.path)
        layer.documentation = f"Collision-only Unitree G1 from mjlab {MJLAB_VERSION} (scripts/make_g1_usd.py)"
        out.parent.mkdir(parents=True, exist_ok=True)
        if not layer.Export(str(out)):
            raise SystemExit(f"could not write {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--wheel", type=Path, help=f"mjlab=={MJLAB_VERSION} wheel (default: pip download it)")
    source.add_argument("--mjcf", type=Path, help="an unpacked copy of the wheel's g1.xml")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="USD file to write (.usda or .usd)")
    args = parser.parse_args()
    if args.out.suffix not in (".usda", ".usd", ".usdc"):
        raise SystemExit(f"--out must end in .usda, .usd or .usdc, got {args.out}")
    try:
        import mujoco_usd_converter  # noqa: F401  (fail before any download)
    except ImportError as err:
        raise SystemExit(f"{INSTALL_HINT} ({err})") from err
    with tempfile.TemporaryDirectory() as tmp:
        if args.mjcf is not None:
            mjcf = args.mjcf.read_text()
        else:
            mjcf = read_wheel_mjcf(args.wheel if args.wheel is not None else download_wheel(Path(tmp)))
        edited, geoms, meshes = collision_only(mjcf)
        xml_path = Path(tmp) / "g1.xml"  # the model name, not the file name, names the converter's output
        xml_path.write_text(edited)
        convert(xml_path, args.out)
    print(f"dropped pelvis pos, {geoms} visual geoms, {meshes} mesh assets -> {args.out} ({args.out.stat().st_size} B)")


if __name__ == "__main__":
    main()
