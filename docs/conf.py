"""Sphinx configuration for Protoboard's documentation.

Build (warnings are errors):

    sphinx-build -W --keep-going -b html docs docs/_build/html

The API reference comes from the bindings' own docstrings. Before autodoc runs we bring up a
simulated board and install Protoboard's import hook, so ``.. automodule:: digitalio`` imports
the binding under its CircuitPython name, exactly as ``import digitalio`` does in ``code.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

try:
    from protoboard import importer, machine
    from protoboard.version import __version__
except ImportError as exc:  # pragma: no cover - a setup problem, explained plainly
    raise SystemExit(
        "The docs are built from Protoboard's own docstrings, so Protoboard must be importable.\n"
        "From the repository root run:  pip install -e '.[docs]'\n"
        f"({exc})"
    ) from None

# A simulated board (always the default one, whatever PROTOBOARD_BOARD says, so the docs do not
# depend on the environment) and the import hook that serves `board`, `digitalio`, ...
machine.activate(machine.create("sim", "protoboard_sim"))
importer.install()

# -- Project -------------------------------------------------------------------------------------

project = "Protoboard"
author = "The Protoboard team"
copyright = "The Protoboard team"
release = __version__
version = ".".join(release.split(".")[:2])

# -- General ---------------------------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "support_matrix",  # docs/_ext: writes _generated/support_matrix.rst from the board files
    "protoboard_api",  # docs/_ext: parts catalog page, signatures of non-constructible classes
    "tutorial_pages",  # docs/_ext: wiring pictures, previews and project bundles of tutorials/
    "pi_wiring",  # docs/_ext: the Raspberry Pi pages' wiring pictures
]
# No intersphinx: the build must work without a network.

exclude_patterns = ["_build", "_generated", "Thumbs.db", ".DS_Store"]
# Docstrings follow CircuitPython's: `busio.I2C` in single backquotes is a cross-reference.
default_role = "py:obj"
pygments_style = "sphinx"

autodoc_member_order = "bysource"
autodoc_preserve_defaults = True
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented"
autodoc_class_signature = "mixed"

# -- HTML ------------------------------------------------------------------------------------------

try:
    import furo  # noqa: F401

    html_theme = "furo"
except ImportError:
    html_theme = "alabaster"

html_title = f"Protoboard {release}"
html_static_path: list[str] = []
