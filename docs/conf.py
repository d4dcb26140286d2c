"""Sphinx configuration for the finefinds-constructs documentation."""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(DOCS.parent / "src"))

project = "finefinds-constructs"
author = "FineFinds Platform Engineering"
copyright = "2026, FineFinds Platform Engineering"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "myst_parser",
    "finefinds_docs",
]

html_theme = "furo"
html_title = "finefinds-constructs"
templates_path: list[str] = []
html_static_path = ["_static"]
html_css_files = ["finefinds.css"]
exclude_patterns = ["_build"]

napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_rtype = False
autodoc_typehints = "description"
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
