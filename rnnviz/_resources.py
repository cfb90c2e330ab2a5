"""Where the shipped resources are: inside the wheel as ``rnnviz.resources``,
or the top-level ``resources/`` folder when running from a source tree."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def resource_dir() -> Path:
    try:
        root = Path(str(resources.files("rnnviz.resources")))
        if root.is_dir():
            return root
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resource_dir().joinpath(*parts)
