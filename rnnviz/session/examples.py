"""The example sessions shipped in ``resources/examples/`` (File > Examples).

Built by ``scripts/make_examples.py``; each carries a note saying what to look at.
"""

from __future__ import annotations

import json
from pathlib import Path

from rnnviz._resources import resource_path

from . import archive
from .archive import ArchiveError


def examples_dir() -> Path:
    return resource_path("examples")


def example_title(path: str | Path) -> str:
    """The title in an example's manifest (the file name if it cannot be read)."""
    p = Path(path)
    try:
        with archive.open_zip(p, "session") as zf:
            manifest = json.loads(archive.read_member(zf, "manifest.json", 1 << 20))
        title = manifest.get("title") if isinstance(manifest, dict) else None
    except (ArchiveError, ValueError, RecursionError):  # any unreadable file falls back to its name
        title = None
    return title if isinstance(title, str) and title else p.stem.replace("_", " ")


def list_examples() -> list[tuple[str, Path]]:
    """``(title, path)`` for every example, in file-name order (the course's order)."""
    folder = examples_dir()
    if not folder.is_dir():
        return []
    return [(example_title(p), p) for p in sorted(folder.glob("*.rnnviz"))]
