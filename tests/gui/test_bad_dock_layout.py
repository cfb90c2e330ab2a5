"""A stored dock layout that is not base64 (or is huge) opens with the default layout;
the rest of the session opens as it was saved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from rnnviz.session import load_session, save_session
from rnnviz.session.defaults import default_session
from rnnviz.session.manifest import MAX_DOCK_STATE_CHARS, dock_state_ok

GOOD = "AAAA/wAAAAD9AAAAAQ=="  # the shape of QMainWindow.saveState().toBase64()


def crafted(path: Path, dock_state) -> Path:
    """The default session, saved, with ``view.dock_state`` replaced in its manifest."""
    save_session(default_session().with_view(step=3), path)
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    manifest = json.loads(members["manifest.json"])
    manifest["view"]["dock_state"] = dock_state
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


BAD = ["AAAA/wAAAAD9ÄÖ==", "é" * 8, "AAAA AAAA", "AAA", "AA=A", "A" * (MAX_DOCK_STATE_CHARS + 4)]


@pytest.mark.parametrize(
    "state", BAD, ids=["non-ascii", "accents", "space", "unpadded", "bad-padding", "huge"]
)
def test_a_bad_stored_layout_opens_with_the_default_layout(tmp_path, state):
    path = crafted(tmp_path / "s.rnnviz", state)
    session = load_session(path)
    assert session.view.dock_state == ""
    want = default_session()
    assert session.view.step == 3 and session.title == want.title and session.note == want.note
    np.testing.assert_array_equal(session.inputs, want.inputs)
    for key, value in want.network.state_dict().items():
        np.testing.assert_array_equal(session.network.param(key), value)


def test_a_good_stored_layout_is_kept(tmp_path):
    assert load_session(crafted(tmp_path / "s.rnnviz", GOOD)).view.dock_state == GOOD
    assert load_session(crafted(tmp_path / "e.rnnviz", "")).view.dock_state == ""
    assert dock_state_ok("A" * MAX_DOCK_STATE_CHARS) and not dock_state_ok("A" * (MAX_DOCK_STATE_CHARS + 4))


def test_export_png_of_a_session_with_a_non_ascii_layout_succeeds(tmp_path):
    path = crafted(tmp_path / "s.rnnviz", "AAAA/wAAAAD9ÄÖ==")
    png = tmp_path / "out.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "rnnviz", "--export-png", str(png), str(path)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and png.stat().st_size > 0


def test_the_window_opens_a_session_with_a_non_ascii_layout(qtbot, tmp_path):
    from rnnviz.gui.main_window import MainWindow

    session = load_session(crafted(tmp_path / "s.rnnviz", "é" * 8))
    window = MainWindow(session, threading="sync")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.set_session(session)
    assert window.controller.session is session
    window.close()
