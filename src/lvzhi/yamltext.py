"""Reading the YAML data files the package ships (knowledge, registry, synonyms, deadlines …), fast.

PyYAML's pure-Python loader takes about a second for the bundled town's knowledge; libyaml's loader (built into
the PyYAML wheels) reads the same safe subset ten times faster. Used whenever present.
"""
from __future__ import annotations

import yaml

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader  # type: ignore[misc]


def load_yaml(text: str):
    """The data of a YAML document, as yaml.safe_load reads it (safe tags only)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
