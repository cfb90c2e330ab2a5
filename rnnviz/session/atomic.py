"""Atomic file writes: a temp file beside the target, flushed and fsynced, then
``os.replace``.  A crash at any moment leaves either the old file or the new one.

A process killed mid-write leaves its hidden temp file behind (nothing can remove it
then).  The temp file's name says which process writes it, as a lock file does:
``.{name}.{host}-{pid}-XXXXXXXX.tmp`` (``host``: a short hash of the host name).  A
leftover whose process is gone is removed

* at the next save of the same file, and
* at start-up, by :func:`start_temp_journal`: while a journal folder is set, every
  write notes its folder there until it is done, so the leftovers of a killed save
  are found wherever it was writing.

A temp file of a live process (another copy saving), of another host (a shared
folder), or of an older name without a pid is removed only once it is older than
:data:`STALE_TMP_SECONDS`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

STALE_TMP_SECONDS = 3600
HOST_TAG = hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]
_RANDOM = r"[A-Za-z0-9_]{8}"  # mkstemp's random part
_journal: Path | None = None  # where writes under way are noted (set at start-up)


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(f)`` on a temp file beside ``path``, fsync it, then replace ``path``.

    A symbolic link is followed: the file it points to is replaced, the link stays.
    """
    with atomic_file(path) as f:
        write(f)


@contextmanager
def atomic_file(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """``with atomic_file(path) as f:`` the temp file beside ``path``: on leaving the block it
    is fsynced and replaces ``path``; an exception (or a generator closed inside the block)
    removes it and leaves ``path`` as it was.  For writers that stream (an animation)."""
    target = Path(os.path.realpath(path))
    folder = target.parent if str(target.parent) else Path(".")
    note = _note_write(folder, target.name)
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{target.name}.{HOST_TAG}-{os.getpid()}-", suffix=".tmp", dir=folder
        )
        try:
            with os.fdopen(fd, "wb") as f:
                yield f
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
    finally:
        _unlink(note)
    _fsync_dir(folder)
    remove_stale_temps(folder, target.name)


def remove_stale_temps(folder: str | os.PathLike, name: str) -> list[Path]:
    """Remove the temp files a killed save of ``folder/name`` left: those of a process
    that is gone (this host), and any older than :data:`STALE_TMP_SECONDS`; the paths removed."""
    ours = re.compile(
        re.escape(f".{name}.") + rf"(?P<host>[0-9a-f]{{6}})-(?P<pid>[0-9]{{1,10}})-{_RANDOM}\.tmp"
    )
    older = re.compile(re.escape(f".{name}.") + rf"{_RANDOM}\.tmp")  # before the pid was in the name
    cutoff = time.time() - STALE_TMP_SECONDS
    removed = []
    try:
        candidates = [p for p in Path(folder).iterdir() if ours.fullmatch(p.name) or older.fullmatch(p.name)]
    except OSError:
        return removed
    for p in candidates:
        m = ours.fullmatch(p.name)
        try:
            if not p.is_file() or p.is_symlink():
                continue
            orphan = m is not None and m["host"] == HOST_TAG and not process_alive(int(m["pid"]))
            if orphan or p.stat().st_mtime < cutoff:
                p.unlink()
                removed.append(p)
        except OSError:
            pass
    return removed


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` of this host runs (True when that cannot be told)."""
    if pid == os.getpid():
        return True
    if os.name != "posix" or pid <= 0:
        return True  # no safe probe (Windows' os.kill would end it): keep, the age rule applies
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it runs, as another user
        return True
    return True


# -- the journal of writes under way (for the start-up clean-up) ---------------------------


def start_temp_journal(state_dir: str | os.PathLike) -> list[Path]:
    """From now on note every write under way in ``state_dir/pending-writes``; and remove
    what writes noted there left when their process died (a kill, a crash, a power cut):
    their temp files and their notes.  Call it once at start-up; returns the temp files removed."""
    global _journal
    journal = Path(state_dir) / "pending-writes"
    try:
        journal.mkdir(parents=True, exist_ok=True)
    except OSError:
        _journal = None  # no journal: the next save of each file still cleans up
        return []
    _journal = journal
    return clean_temp_journal(journal)


def clean_temp_journal(journal: str | os.PathLike) -> list[Path]:
    """Remove the temp files and notes of writes whose (this host's) process is gone."""
    removed: list[Path] = []
    note_name = re.compile(rf"(?P<host>[0-9a-f]{{6}})-(?P<pid>[0-9]{{1,10}})-{_RANDOM}\.json")
    try:
        notes = [p for p in Path(journal).iterdir() if note_name.fullmatch(p.name)]
    except OSError:
        return removed
    for note in notes:
        m = note_name.fullmatch(note.name)
        if m["host"] != HOST_TAG or process_alive(int(m["pid"])):
            continue  # a write under way (or on another host): not ours to judge
        try:
            where = json.loads(note.read_text(encoding="utf-8"))
            removed += remove_stale_temps(where["folder"], where["name"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a note cut short by the crash: nothing to find from it
        _unlink(note)
    return removed


def _note_write(folder: Path, name: str) -> Path | None:
    """A note in the journal (when set) that this process writes in ``folder`` now."""
    journal = _journal
    if journal is None:
        return None
    try:
        fd, note = tempfile.mkstemp(prefix=f"{HOST_TAG}-{os.getpid()}-", suffix=".json", dir=journal)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"folder": str(folder), "name": name}, f)
        return Path(note)
    except (OSError, ValueError):
        return None  # no note: the next save of this file still cleans up


def _unlink(path: Path | None) -> None:
    if path is not None:
        try:
            path.unlink()
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
