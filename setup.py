"""Installs the beyondmimic_adaptive Isaac Lab extension (the package lives in exts/).

The core (the sampler, the Isaac Lab terms, the Hydra layer, the WBT adapter) installs on Python
3.10-3.12 with numpy >= 1.26 (Isaac Lab 2.x pins numpy < 2) and torch >= 2.5. Isaac Lab itself is
not a requirement: 2.x comes with Isaac Sim; for 3.0 kit-less, the ``task`` extra brings what it needs and
isaaclab itself is installed without its dependencies (README.md, "Installing into your own environment").
"""

from pathlib import Path

from setuptools import find_packages, setup

EXT_DIR = "exts/beyondmimic_adaptive"
REQUIREMENTS = Path(__file__).resolve().parent / "requirements"


def requirements(name: str) -> list[str]:
    """The pins of ``requirements/<name>.txt`` (comments dropped): one list for pip -r and for the extra."""
    lines = (line.split("#", 1)[0].strip() for line in (REQUIREMENTS / f"{name}.txt").read_text().splitlines())
    return [line for line in lines if line]


setup(
    name="beyondmimic-adaptive",
    version="0.1.0",
    description="Adaptive start sampling (BeyondMimic Sec. III-F) for Isaac Lab motion tracking",
    python_requires=">=3.10,<3.13",
    package_dir={"": EXT_DIR},
    packages=find_packages(where=EXT_DIR, include=["beyondmimic_adaptive", "beyondmimic_adaptive.*"]),
    package_data={
        "beyondmimic_adaptive.assets": [
            "*.usda",
            "motions/*.npz",
            "g1/*.usda",
            "g1/NOTICE",
            "motions/g1/*",
            # the trained G1 policy of the main job (policies/g1_longdance/README.md)
            "policies/*/*.pt",
            "policies/*/*.yaml",
            "policies/*/*.json",
            "policies/*/README.md",
            "policies/*/NOTICE",
        ],
        # the Hydra YAML (compose_config, and pkg://beyondmimic_adaptive.config for a user's own Hydra config)
        "beyondmimic_adaptive.config": ["*.yaml", "curriculum/*.yaml"],
    },
    install_requires=["torch>=2.5", "numpy>=1.26", "hydra-core==1.3.8", "omegaconf==2.3.1", "tqdm"],
    extras_require={
        # the kit-less tracking task, its scripts and benchmarks on Python 3.12: what Isaac Lab 3.0 needs kit-less,
        # without isaaclab itself, whose own dependency list is Isaac Sim tooling: install it with
        # `pip install --no-deps isaaclab==3.0.0` (scripts/run.sh, README.md "Installing into your own environment")
        "task": requirements("isaaclab-kitless"),
        "isaacsim": ["isaaclab[isaacsim]==3.0.0"],
        # dev-only, in a Python 3.12 venv of its own: regenerates assets/g1/g1.usda (scripts/make_g1_usd.py)
        "usd-convert": [
            "mujoco-usd-converter==0.6.1",
            "mujoco==3.12.0",
            "usd-exchange==3.0.1",
            "newton-usd-schemas==0.6.0",
        ],
    },
)
