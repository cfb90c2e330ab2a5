"""MathPanel: the engine's numbers at random steps, decimals, gate selection, export."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
from PySide6 import QtCore

from rnnviz.engine import Network, NetworkSpec
from rnnviz.gui.math_panel import MathPanel, make_export_math_action
from rnnviz.session.defaults import default_session
from rnnviz.session.model import Sequence, Session
from rnnviz.session.stepmath import export_math, parse_number


def _session(mode: str, H: int = 3, layers: int = 1, bidir: bool = False, T: int = 6) -> Session:
    net = Network.from_spec(NetworkSpec(mode, 2, H, layers, bidir, 2, "softmax"), seed=3)
    x = np.random.default_rng(0).normal(size=(T, 2))
    return Session(network=net, sequence=Sequence(inputs=x))


@pytest.fixture
def panel(qtbot):
    p = MathPanel()
    qtbot.addWidget(p)
    return p


def test_default_example_step1_shows_the_course_numbers(panel):
    s = replace(default_session(), note="")  # the note quotes the numbers too
    panel.set_trace(s.network.forward(s.inputs), s)
    panel.set_step(1)
    text = panel.text()
    for number in (
        "0.2913",
        "0.5370",
        "−0.1974",
        "0.1854",
        "0.1707",
        "0.2356",
        "0.2249",
        "0.1834",
        "−0.0440",
    ):
        assert number in text
    assert "weight_ih_l0, 3×5" in text and "head.weight, 5×3" in text


@pytest.mark.parametrize("mode", ["rnn_tanh", "lstm", "gru"])
def test_numbers_match_the_engine_at_random_steps(panel, mode):
    s = _session(mode, H=4, layers=2, bidir=True)
    trace = s.network.forward(s.inputs)
    panel.set_trace(trace, s)
    rng = np.random.default_rng(5)
    for _ in range(4):
        step = int(rng.integers(1, trace.steps + 1))
        layer, direction = int(rng.integers(0, 2)), int(rng.integers(0, 2))
        panel.set_selection(layer, direction, 0, "")
        panel.set_step(step)
        h = panel.math.line("h").result
        shown = [parse_number(row[0]) for row in h.cells]
        np.testing.assert_allclose(shown, trace.hidden(layer, direction)[step - 1], atol=0.5e-4 + 1e-12)
        text = panel.text()
        assert all(row[0] in text for row in h.cells)


def test_decimals_spin_changes_the_numbers(panel):
    s = replace(default_session(), note="")
    panel.set_trace(s.network.forward(s.inputs), s)
    panel.set_step(1)
    panel.decimals_spin.setValue(2)
    assert panel.math.line("h").result.cells[0] == ("0.29",)
    assert "0.2913" not in panel.text()


def test_selected_gate_is_highlighted_and_clicking_a_gate_selects_it(panel, qtbot):
    s = _session("lstm")
    panel.resize(1200, 800)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_trace(s.network.forward(s.inputs), s)
    panel.set_step(2)
    panel.set_selection(0, 0, 0, "f")
    assert "▶ forget gate" in panel.text()
    assert [b.gate for b in panel.canvas.boxes if b.selected] == ["f"] * 3  # input, recurrent term, gate
    panel.set_selection(0, 0, 0, "")
    assert "▶" not in panel.text()
    title = next(b.title_rect for b in panel.canvas.boxes if b.key == "gate:o")
    with qtbot.waitSignal(panel.sig_gate_selected) as blocker:
        qtbot.mouseClick(panel.canvas, QtCore.Qt.MouseButton.LeftButton, pos=title.center().toPoint())
    assert blocker.args == ["o"]
    assert "▶ output gate" in panel.text()
    # clicking a number is not a gate selection
    cell = panel.canvas.cells()[0]
    with qtbot.assertNotEmitted(panel.sig_gate_selected):
        qtbot.mouseClick(panel.canvas, QtCore.Qt.MouseButton.LeftButton, pos=cell.rect.center().toPoint())


def test_selecting_a_gate_scrolls_its_equations_into_view(panel, qtbot):
    s = _session("lstm", H=16)
    panel.resize(900, 400)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_trace(s.network.forward(s.inputs), s)
    panel.set_step(2)
    bar = panel.scroll.verticalScrollBar()
    assert bar.value() == 0 and bar.maximum() > 0
    panel.set_selection(0, 0, 0, "o")
    top = panel.canvas.line_top("o")
    assert top > 400 and bar.value() <= top <= bar.value() + panel.scroll.viewport().height()


def test_copy_as_markdown(panel, qtbot):
    from PySide6 import QtWidgets

    s = default_session()
    panel.set_trace(s.network.forward(s.inputs), s)
    panel.set_step(1)
    panel.copy_markdown()
    text = QtWidgets.QApplication.clipboard().text()
    assert r"\begin{pmatrix} 0.2913 \\ 0.5370 \\ -0.1974 \end{pmatrix}" in text


def test_export_markdown_and_action(panel, tmp_path, monkeypatch):
    s = default_session()
    trace = s.network.forward(s.inputs)
    panel.set_trace(trace, s)
    panel.set_step(1)
    md = panel.export_markdown(tmp_path / "a.md")
    assert "0.2913" in md and (tmp_path / "a.md").exists()
    target = tmp_path / "b.md"
    monkeypatch.setattr("rnnviz.gui.math_panel.ask_math_path", lambda parent, step: str(target))
    action = make_export_math_action(panel, lambda: (s, trace, 1))
    assert action.text() == "Export step math…"
    action.trigger()
    assert r"\begin{pmatrix} 0.2913 \\ 0.5370 \\ -0.1974 \end{pmatrix}" in target.read_text(encoding="utf-8")


def test_step_zero_shows_the_initial_state(panel):
    s = _session("lstm")
    panel.set_trace(s.network.forward(s.inputs), s)
    panel.set_step(0)
    assert [ln.key for ln in panel.math.lines] == ["h", "c"]


def test_cli_export_math_writes_step_1(tmp_path):
    from rnnviz.gui.app import run

    out = tmp_path / "step1.md"
    assert run(["--export-math", str(out), "--step", "1"]) == 0
    text = out.read_text(encoding="utf-8")
    assert r"\begin{pmatrix} 0.2913 \\ 0.5370 \\ -0.1974 \end{pmatrix}" in text
    assert r"\begin{pmatrix} 0.1854 \\ 0.1707 \\ 0.2356 \\ 0.2249 \\ 0.1834 \end{pmatrix}" in text
    assert run(["--export-math", str(tmp_path / "missing" / "x.md")]) == 1


def test_every_number_fits_its_cell_for_large_H(panel, qtbot):
    """H = 64: W_hh shows 8 columns; a narrow panel scrolls sideways, numbers stay whole."""
    from PySide6 import QtGui

    s = _session("gru", H=64)
    panel.resize(700, 600)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_trace(s.network.forward(s.inputs), s)
    panel.set_step(3)
    cells = panel.canvas.cells()
    numbers = [c for c in cells if c.text not in ("⋮", "⋯", "⋱")]
    assert len(numbers) > 200
    for c in numbers:
        parse_number(c.text)
        assert QtGui.QFontMetricsF(c.font).horizontalAdvance(c.text) <= c.inner.width() + 0.01, c.text
    # cells of one block never overlap
    rects = [c.rect for c in cells]
    for a, b in zip(rects, rects[1:], strict=False):
        assert not a.adjusted(0.5, 0.5, -0.5, -0.5).intersects(b.adjusted(0.5, 0.5, -0.5, -0.5))
    assert panel.scroll.horizontalScrollBar().maximum() > 0  # wider than 700 px: it scrolls


def test_scripts_nest_and_stack():
    from rnnviz.gui.math_canvas import runs

    assert runs("W_{hx}·x_{1}") == [("W", ""), ("hx", "_"), ("·x", ""), ("1", "_")]
    assert runs("e^{z_{1}}") == [("e", ""), ("z₁", "^")]
    assert runs("h^{(2)←}_{7}") == [("h", ""), ("(2)←", "^"), ("7", "_")]
    assert runs("a_{b") == [("a_{b", "")]  # unbalanced: shown as typed


def test_hovering_a_line_shows_its_equation(panel, qtbot):
    from PySide6 import QtGui, QtWidgets

    s = _session("gru")
    panel.resize(1200, 800)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_trace(s.network.forward(s.inputs), s)
    panel.set_step(2)
    box = next(b for b in panel.canvas.boxes if b.key == "gate:z")
    pos = box.title_rect.center().toPoint()
    event = QtGui.QHelpEvent(QtCore.QEvent.Type.ToolTip, pos, panel.canvas.mapToGlobal(pos))
    QtWidgets.QApplication.sendEvent(panel.canvas, event)
    assert QtWidgets.QToolTip.text().startswith("z_2 = σ(W_zx·x_2 + W_zh·h_1")
    assert "select this gate" in QtWidgets.QToolTip.text()
    QtWidgets.QToolTip.hideText()


def test_decimals_are_kept_through_edits_and_used_by_file_export(main_window, qtbot, tmp_path, monkeypatch):
    """The user's choice of decimals is a view setting: an edit (a new trace) keeps it,
    and File > Export step math… writes what the panel shows."""
    w = main_window
    w.show_view("math")
    w.playback.set_step(2)
    w.math_panel.decimals_spin.setValue(2)
    assert w.controller.session.view.decimals == 2
    old_trace = w.controller.trace
    assert w.controller.set_param("bias_hh_l0", w.controller.session.network.param("bias_hh_l0") + 0.0)
    assert w.controller.trace is not old_trace  # a new trace went to every view
    assert w.math_panel.decimals == 2
    shown = w.math_panel.text()
    assert re.search(r"\d\.\d\d\b", shown) and not re.search(r"\d\.\d{3}", shown)
    target = tmp_path / "step2.md"
    monkeypatch.setattr("rnnviz.gui.math_panel.ask_math_path", lambda parent, step: str(target))
    w.action_export_math.trigger()
    text = target.read_text(encoding="utf-8")
    assert re.search(r"\d\.\d\d\b", text) and not re.search(r"\d\.\d{3}", text)


def test_exported_note_belongs_to_step_1_only(tmp_path):
    s = default_session()
    assert s.note
    trace = s.network.forward(s.inputs)
    first = export_math(s, trace, 1)
    third = export_math(s, trace, 3)
    assert "0.0583" in first  # the note points out the notes' slip, with step 1's numbers
    assert "0.0583" not in third and "> " not in third
