"""Stepping repaints only what changed in the step math, and the window then shows
exactly what a full repaint shows (no stale number left on screen)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtWidgets

from rnnviz.engine import Network, NetworkSpec
from rnnviz.session import Sequence, Session


def _session(mode: str, hidden: int, steps: int = 40) -> Session:
    wave = np.sin(np.arange(steps + 1) / 4.0)
    seq = Sequence(inputs=wave[:-1, None], targets=wave[1:, None])
    return Session(
        network=Network.from_spec(NetworkSpec(mode, 1, hidden, 1, False, 1, None), seed=0), sequence=seq
    )


def _on_screen(window) -> object:
    """What the window's backing store holds (not a fresh render, which would repaint it all)."""
    return QtWidgets.QApplication.primaryScreen().grabWindow(window.winId()).toImage()


@pytest.mark.parametrize(("mode", "hidden"), [("lstm", 64), ("gru", 3), ("rnn_tanh", 8)])
def test_a_step_repaints_its_numbers_and_leaves_nothing_stale(qtbot, mode, hidden):
    from rnnviz.gui.main_window import MainWindow

    w = MainWindow(_session(mode, hidden), threading="sync")
    qtbot.addWidget(w)
    w.resize(1600, 1000)
    w.show_view("math")
    w.show()
    app = QtWidgets.QApplication.instance()
    app.processEvents()
    canvas = w.math_panel.canvas
    painted = []
    original = canvas.update

    def spy(*args):
        painted.append(args)
        original(*args)

    canvas.update = spy
    for t in (1, 2, 9, 10, 11, 39, 40, 0, 5):
        w.playback.set_step(t)
        app.processEvents()
        stepped = _on_screen(w)
        canvas.repaint()
        assert stepped == _on_screen(w), f"step {t}: the partial repaint left stale pixels"
    # each step asked for a region, and not the whole visible page
    regions = [args[0] for args in painted if args]
    assert regions
    visible = canvas.visibleRegion().boundingRect()
    area = visible.width() * visible.height()
    assert all(sum(r.width() * r.height() for r in reg) < area for reg in regions)
