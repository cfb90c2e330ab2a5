"""Temp files of saves killed mid-write are removed at start-up and at the next save as
soon as their process is gone; a save under way in a live process keeps its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from rnnviz.session import atomic
from rnnviz.session.atomic import HOST_TAG, atomic_write, start_temp_journal

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process probes are POSIX-only")


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=60)
    return proc.pid


@pytest.fixture
def live_pid():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield proc.pid
    proc.kill()
    proc.wait(timeout=30)


@pytest.fixture(autouse=True)
def no_journal(monkeypatch):
    monkeypatch.setattr(atomic, "_journal", None)  # each test sets its own


def temp(folder, name: str, host: str, pid: int, rand: str = "abcd_123"):
    p = folder / f".{name}.{host}-{pid}-{rand}.tmp"
    p.write_bytes(b"x" * 1000)  # fresh: only the process probe can tell it is stale
    return p


def test_the_next_save_removes_temps_of_gone_processes_and_keeps_live_ones(tmp_path, live_pid):
    gone = temp(tmp_path, "work.rnnviz", HOST_TAG, dead_pid())
    live = temp(tmp_path, "work.rnnviz", HOST_TAG, live_pid, "live_123")
    mine = temp(tmp_path, "work.rnnviz", HOST_TAG, os.getpid(), "mine_123")  # another thread's save
    elsewhere = temp(tmp_path, "work.rnnviz", "0" * 6 if HOST_TAG != "0" * 6 else "1" * 6, dead_pid())
    other_file = temp(tmp_path, "other.rnnviz", HOST_TAG, dead_pid())
    atomic_write(tmp_path / "work.rnnviz", lambda f: f.write(b"new"))
    assert (tmp_path / "work.rnnviz").read_bytes() == b"new"
    assert not gone.exists()
    assert live.exists() and mine.exists()  # saves under way
    assert elsewhere.exists()  # another host's (a shared folder): its pid means nothing here
    assert other_file.exists()  # another file's: cleaned when that file is saved
    old = time.time() - 2 * atomic.STALE_TMP_SECONDS
    os.utime(elsewhere, (old, old))
    atomic_write(tmp_path / "work.rnnviz", lambda f: f.write(b"newer"))
    assert not elsewhere.exists() and live.exists()  # the age rule still holds for the unknown


# The child notes its writes in a journal, and stops in the middle of writing.
CHILD = textwrap.dedent(
    """
    import sys, time
    from rnnviz.session import atomic

    atomic.start_temp_journal(sys.argv[1])

    def slow(f):
        f.write(b"y" * 1_000_000)
        f.flush()
        print("WRITING", flush=True)
        time.sleep(120)

    atomic.atomic_write(sys.argv[2], slow)
    """
)


def writer(state, target) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(state), str(target)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "WRITING"
    return proc


def end(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_start_up_removes_what_killed_saves_left_anywhere_and_keeps_saves_under_way(tmp_path):
    state, docs, other = tmp_path / "state", tmp_path / "docs", tmp_path / "other"
    docs.mkdir()
    other.mkdir()
    (docs / "work.rnnviz").write_bytes(b"old work")
    running = writer(state, other / "notes.md")  # another copy, saving right now
    try:
        end(writer(state, docs / "work.rnnviz"))  # kill -9 in the middle of a save
        left = [p for p in docs.iterdir() if p.name.endswith(".tmp")]
        under_way = [p for p in other.iterdir() if p.name.endswith(".tmp")]
        assert len(left) == 1 and left[0].stat().st_size == 1_000_000
        assert len(under_way) == 1
        notes = sorted((state / "pending-writes").iterdir())
        assert len(notes) == 2
        removed = start_temp_journal(state)  # this copy starts up
        assert removed == left and not left[0].exists()
        assert (docs / "work.rnnviz").read_bytes() == b"old work"  # the work is untouched
        assert under_way[0].exists()  # a save under way in a live process is left alone
        assert len(list((state / "pending-writes").iterdir())) == 1  # and its note
    finally:
        end(running)
    assert start_temp_journal(state) == under_way  # once that process is gone too
    assert list((state / "pending-writes").iterdir()) == []
    assert sorted(p.name for p in other.iterdir()) == []


def test_a_finished_or_failed_write_leaves_no_note(tmp_path):
    start_temp_journal(tmp_path / "state")
    atomic_write(tmp_path / "a.txt", lambda f: f.write(b"a"))

    def fail(f):
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic_write(tmp_path / "b.txt", fail)
    assert list((tmp_path / "state" / "pending-writes").iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "state"]
