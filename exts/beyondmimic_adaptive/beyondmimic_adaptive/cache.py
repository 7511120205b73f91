"""The package's cache folder: converted motion clips and the CPU sampler's compiled C loops."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "BEYONDMIMIC_ADAPTIVE_CACHE"
"""Environment variable naming the cache folder itself (it wins over ``$XDG_CACHE_HOME``)."""


def cache_dir() -> Path:
    """``$BEYONDMIMIC_ADAPTIVE_CACHE``, else ``$XDG_CACHE_HOME/beyondmimic_adaptive``, else
    ``~/.cache/beyondmimic_adaptive`` (the XDG base-directory default). Not created here."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "beyondmimic_adaptive"
