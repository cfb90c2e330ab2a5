"""A writer killed in the middle of a save never damages the old file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from rnnviz.session import load_session, save_session
from rnnviz.session.defaults import default_session

from .helpers import assert_sessions_equal

# The child saves a session with a long note and stops after a few members have
# gone to the temp file, so the kill lands in the middle of writing.
CHILD = textwrap.dedent(
    """
    import sys, time, zipfile
    from dataclasses import replace
    from rnnviz.session import files, save_session
    from rnnviz.session.defaults import default_session

    written = []

    def slow_write(zf, name, data):
        zipfile.ZipFile.writestr(zf, name, data)
        written.append(name)
        if len(written) == 3:
            zf.fp.flush()
            print("PAUSED", flush=True)
            time.sleep(60)

    files._write_member = slow_write
    s = replace(default_session(), note="x" * 2_000_000, title="half-written")
    save_session(s, sys.argv[1])
    print("DONE", flush=True)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_writer_leaves_the_old_file_intact(tmp_path):
    path = tmp_path / "work.rnnviz"
    save_session(default_session(), path)
    before = path.read_bytes()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    try:
        assert proc.stdout.readline().strip() == "PAUSED"
        temps = [p for p in tmp_path.iterdir() if p.name != "work.rnnviz"]
        assert len(temps) == 1 and temps[0].stat().st_size > 0  # the save was under way
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert path.read_bytes() == before
    assert_sessions_equal(load_session(path), default_session())
    # the killed save's temp file is left (nothing could remove it); its name says its
    # process is gone, so the next save of this file removes it
    (left,) = temps
    assert left.exists()
    save_session(default_session(), path)
    assert not left.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work.rnnviz"]


def test_only_this_files_stale_temps_are_removed(tmp_path):
    path = tmp_path / "work.rnnviz"
    old = time.time() - 2 * 3600
    keep = [
        tmp_path / ".other.rnnviz.abcd1234.tmp",  # another file's
        tmp_path / ".work.rnnviz.abcd1234.tmp.bak",  # not mkstemp's pattern
        tmp_path / "work.rnnviz.abcd1234.tmp",  # not hidden
        tmp_path / ".work.rnnviz.abc.tmp",  # too short a random part
    ]
    stale = tmp_path / ".work.rnnviz.abcd_234.tmp"
    for p in [*keep, stale]:
        p.write_bytes(b"x")
        os.utime(p, (old, old))
    save_session(default_session(), path)
    assert not stale.exists() and all(p.exists() for p in keep)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_saving_through_a_symbolic_link_keeps_the_link(tmp_path):
    from dataclasses import replace

    real = tmp_path / "real" / "work.rnnviz"
    real.parent.mkdir()
    save_session(default_session(), real)
    link = tmp_path / "link.rnnviz"
    link.symlink_to(real)
    save_session(replace(default_session(), title="via the link"), link)
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert load_session(real).title == "via the link"
    assert sorted(p.name for p in real.parent.iterdir()) == ["work.rnnviz"]  # no temp left behind
