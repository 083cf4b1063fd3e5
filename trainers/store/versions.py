"""The versions of the libraries a run trained with, as its row in the store keeps them.

Read from the installed packages' metadata, so asking imports none of them (TensorFlow takes
seconds to import); read once per process.
"""

from __future__ import annotations

import functools
import platform
from importlib import metadata

LIBRARIES = ("tensorflow", "keras", "numpy", "scikit-learn", "streamlit", "sqlalchemy")


@functools.cache
def library_versions() -> dict[str, str]:
    """`{"python": "3.11.7", "tensorflow": "2.21.0", ...}`; a library not installed is left out."""
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions
