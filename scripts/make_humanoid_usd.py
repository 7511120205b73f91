"""Write the package's humanoid USD: newton's humanoid.usda without its collision groups.

    python scripts/make_humanoid_usd.py [--out exts/beyondmimic_adaptive/beyondmimic_adaptive/assets/humanoid.usda]

Why: the USD puts every body in its own PhysicsCollisionGroup. Newton's importer turns each into a
distinct positive collision group, and positive groups only collide within themselves, so the
robot fell through the ground. Without the groups every shape is in the default group: robot-ground
contact works and self-collision is MuJoCo's default (all pairs except joint-connected bodies).
The scene-level PhysicsScene prim is dropped too (Isaac Lab creates its own).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pxr import Sdf, Usd

from beyondmimic_adaptive.assets import HUMANOID_USD, newton_humanoid_usd

DROPPED_TYPES = ("PhysicsCollisionGroup", "PhysicsScene")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=HUMANOID_USD)
    args = parser.parse_args()
    source = newton_humanoid_usd()
    source_stage = Usd.Stage.Open(str(source))  # keep it alive: its layer is read by TransferContent
    layer = Sdf.Layer.CreateAnonymous(".usda")
    layer.TransferContent(source_stage.GetRootLayer())
    stage = Usd.Stage.Open(layer)
    paths = [str(prim.GetPath()) for prim in stage.TraverseAll() if prim.GetTypeName() in DROPPED_TYPES]
    del stage
    for path in paths:
        edit = Sdf.BatchNamespaceEdit()
        edit.Add(Sdf.NamespaceEdit.Remove(path))
        if not layer.Apply(edit):
            raise SystemExit(f"could not remove {path} from {source}")
    layer.Export(str(args.out))
    print(f"removed {len(paths)} prims ({', '.join(DROPPED_TYPES)}) from {source} -> {args.out}")


if __name__ == "__main__":
    main()
