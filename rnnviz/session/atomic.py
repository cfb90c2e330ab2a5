"""Atomic file writes: a temp file beside the target, flushed and fsynced, then
``os.replace``.  A crash at any moment leaves either the old file or the new one.

A process killed mid-write leaves its hidden temp file behind (nothing can remove it
then); the next save of the same file removes such leftovers once they are older
than :data:`STALE_TMP_SECONDS`, so a save running in another copy keeps its own.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

STALE_TMP_SECONDS = 3600


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(f)`` on a temp file beside ``path``, fsync it, then replace ``path``.

    A symbolic link is followed: the file it points to is replaced, the link stays.
    """
    target = Path(os.path.realpath(path))
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode(target))
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(folder)
    _remove_stale_temps(folder, target.name)


def _remove_stale_temps(folder: Path, name: str) -> None:
    """Remove ``.{name}.XXXXXXXX.tmp`` files (mkstemp's pattern) older than an hour."""
    pattern = re.compile(re.escape(f".{name}.") + r"[A-Za-z0-9_]{8}\.tmp")
    cutoff = time.time() - STALE_TMP_SECONDS
    try:
        candidates = [p for p in folder.iterdir() if pattern.fullmatch(p.name)]
    except OSError:
        return
    for p in candidates:
        try:
            if p.is_file() and not p.is_symlink() and p.stat().st_mtime < cutoff:
                p.unlink()
        except OSError:
            pass


def _file_mode(target: Path) -> int:
    """Keep the old file's permissions; a new file gets rw-r--r--."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        return 0o644


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
