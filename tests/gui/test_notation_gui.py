"""The GUI speaks the course's notation (issue 18 §1) and says what each gate does (§2):
the weights dock, the builder, the cell diagram's and the plots' hovers, a click on a gate."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets

from rnnviz.engine import GATE_NAMES, Network, NetworkSpec
from rnnviz.session import Sequence, Session
from rnnviz.session.notation import GATE_WORDS, gate_tip, legacy_names_in


def _session(mode: str, H: int = 2) -> Session:
    spec = NetworkSpec(mode, 2, H, 1, False, 1, None)
    rng = np.random.default_rng(0)
    return Session(
        Network.from_spec(spec, seed=1), Sequence(inputs=rng.normal(size=(3, 2)), targets=np.ones((3, 1)))
    )


def _scripts_as_underscores(item: QtWidgets.QGraphicsTextItem) -> str:
    """A scene label as written: W<sub>nh</sub> reads W_nh (the plain text would drop the script)."""
    body = item.toHtml().split("<body", 1)[-1].split(">", 1)[-1]
    body = re.sub(r'<span style="[^"]*vertical-align:sub[^"]*">', "_", body).replace("<br />", " ")
    return re.sub(r"<[^>]+>", "", body)


def _tooltips(widget: QtWidgets.QWidget) -> list[str]:
    tips = [w.toolTip() for w in widget.findChildren(QtWidgets.QWidget)]
    return [t for t in tips if t]


@pytest.mark.parametrize("mode", ["rnn_tanh", "rnn_relu", "lstm", "gru"])
def test_every_gate_hover_has_plain_words_its_equation_and_pytorch_rows(main_window, mode):
    w = main_window
    assert w.controller.set_session(_session(mode))
    cell = w.diagrams_view.cell.cell_scene
    for g in GATE_NAMES[mode]:
        tip = cell.gates[g].toolTip()
        assert tip == gate_tip(g, mode), tip
        assert tip.startswith(GATE_WORDS[g]) and not legacy_names_in(tip)
    labels = " ".join(
        _scripts_as_underscores(it)
        for scene in (cell, w.diagrams_view.rolled.rolled_scene)
        for it in scene.items()
        if isinstance(it, QtWidgets.QGraphicsTextItem)
    )
    assert not legacy_names_in(labels), labels
    assert {"rnn_tanh": "W_hx·x_t + W_hh·h_t−1 + b_h", "gru": "W_nhh_t−1 + b_nh"}.get(mode, "") in labels
    w.show_view("plots")  # (its gate panels are made when a network first shows them)
    plots = w.plots_view
    for tip in _tooltips(plots):
        assert not legacy_names_in(tip), tip
    if mode in ("lstm", "gru"):
        gate_tips = [
            t for t in _tooltips(plots) if any(t.startswith(GATE_WORDS[g]) for g in GATE_NAMES[mode])
        ]
        assert len(gate_tips) >= len(GATE_NAMES[mode])
    for dock in (w.weights_dock, w.network_dock):
        for tip in _tooltips(dock):
            assert not legacy_names_in(tip), tip
    for title in w.weights_dock.titles.values():
        assert not legacy_names_in(title.text()), title.text()


def test_the_forget_gate_hover_reads_as_the_lesson(main_window):
    w = main_window
    assert w.controller.set_session(_session("lstm"))
    tip = w.diagrams_view.cell.cell_scene.gates["f"].toolTip()
    assert tip.splitlines() == [
        "forget gate f: 1 keeps the old cell state, 0 erases it",
        "f_t = σ(W_fx·x_t + W_fh·h_{t−1} + b_f)",
        "PyTorch: W_fx · weight_ih[H:2H], W_fh · weight_hh[H:2H], b_f = b_fx + b_fh (bias_ih[H:2H] + bias_hh[H:2H])",
    ]


def test_clicking_a_gate_says_what_it_does_in_the_status_bar(main_window, qtbot):
    w = main_window
    assert w.controller.set_session(_session("gru"))
    w.show_view("diagrams")
    view = w.diagrams_view.cell
    qtbot.waitUntil(lambda: view.isVisible())
    gate = view.cell_scene.gates["z"]
    pos = view.mapFromScene(gate.sceneBoundingRect().center())
    qtbot.mouseClick(view.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
    assert w.controller.cursor.gate == "z"
    assert "update gate z: how much of h_{t−1} passes straight through" in w.statusBar().currentMessage()


def test_choosing_a_gate_in_the_plots_or_the_step_math_says_it_too(main_window):
    w = main_window
    assert w.controller.set_session(_session("lstm"))
    w.plots_view.sig_gate_selected.emit("f")  # a click on the forget gate's plot title
    assert w.statusBar().currentMessage() == GATE_WORDS["f"]
    w.math_panel.sig_gate_selected.emit("o")  # a click on a gate's line in the step math
    assert w.statusBar().currentMessage() == GATE_WORDS["o"]
