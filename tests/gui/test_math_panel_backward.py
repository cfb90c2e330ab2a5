"""MathPanel's Forward / Backward switch, set_gradients, the loss on the forward page."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6 import QtCore, QtGui
from PySide6.QtCore import Qt

from rnnviz.engine import Network, NetworkSpec
from rnnviz.gui.math_panel import MathPanel, export_step_markdown, make_export_math_action
from rnnviz.session.defaults import default_session
from rnnviz.session.model import Sequence, Session
from rnnviz.session.stepmath import gradients_for, parse_number


@pytest.fixture
def panel(qtbot):
    p = MathPanel()
    qtbot.addWidget(p)
    return p


def _feed(panel, s, step=1):
    trace, loss, grads = gradients_for(s)
    panel.set_trace(trace, s)
    panel.set_gradients(grads, loss)
    panel.set_step(step)
    return trace, loss, grads


def test_forward_page_shows_the_target_and_the_loss(panel):
    _feed(panel, replace(default_session(), note=""))
    text = panel.text()
    assert "target: “love”" in text
    assert "ℓ_1 =\n−ln\n0.1707\n=\n1.7676" in text  # ℓ_1 = −ln 0.1707 = 1.7676
    assert "(1.7676 + 1.7132 + 1.6652 + 1.6490) / 4\n=\n1.6987" in text
    panel.set_gradients(None, None)  # no targets: no loss lines
    assert "1.7676" not in panel.text()


def test_the_switch_shows_the_backward_page(panel, qtbot):
    trace, loss, grads = _feed(panel, default_session(), step=2)
    assert panel.forward_button.isChecked() and panel.page == "forward"
    with qtbot.waitSignal(panel.sig_page_changed) as blocker:
        qtbot.mouseClick(panel.backward_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["backward"] and panel.page == "backward"
    assert panel.math.page == "backward" and not panel.forward_button.isChecked()
    text = panel.text()
    for heading in (
        "1 · The error at the output",
        "2 · Back into the hidden state h_2",
        "4 · Into the weights",
    ):
        assert heading in text
    dh = panel.math.line("back:dh").result
    np.testing.assert_allclose([parse_number(r[0]) for r in dh.cells], grads.dh()[1], atol=0.5e-4)
    panel.set_step(3)  # the page follows the step
    assert panel.math.title.startswith("Backward — step 3 of 4")
    panel.set_page("forward")
    assert panel.math.page == "forward" and panel.forward_button.isChecked()


def test_the_switch_is_reachable_from_the_keyboard(panel, qtbot):
    _feed(panel, default_session())
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.forward_button.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert panel.backward_button.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert panel.forward_button.nextInFocusChain() is panel.backward_button  # Tab goes Forward → Backward
    qtbot.keyClick(panel.backward_button, Qt.Key.Key_Space)
    assert panel.page == "backward"


def test_no_targets_the_backward_page_says_so(panel):
    s = default_session()
    s = Session(network=s.network, sequence=Sequence(inputs=s.inputs))
    _feed(panel, s)
    panel.set_page("backward")
    text = panel.text()
    assert "no target to compute an error from" in text and "+ Target" in text


def test_export_writes_the_page_shown(panel, tmp_path, monkeypatch):
    s = default_session()
    trace, _, _ = _feed(panel, s, step=1)
    panel.set_page("backward")
    md = panel.export_markdown(tmp_path / "b.md")
    assert "### 2 · Back into the hidden state" in md and (tmp_path / "b.md").exists()
    target = tmp_path / "button.md"
    monkeypatch.setattr("rnnviz.gui.math_panel.ask_math_path", lambda parent, step: str(target))
    panel.export_button.click()
    written = target.read_text(encoding="utf-8")
    displays = written.split("$$")[1::2]
    assert displays and not [d for d in displays if "∂" in d or "ᵀ" in d]  # LaTeX: \partial, ^{\top}
    assert r"\partial L/\partial h_{1}" in written
    # File > Export step math: the forward page by default, the backward one when asked
    monkeypatch.setattr("rnnviz.gui.math_panel.ask_math_path", lambda parent, step: str(tmp_path / "a.md"))
    make_export_math_action(panel, lambda: (s, trace, 1)).trigger()
    assert "Back into" not in (tmp_path / "a.md").read_text(encoding="utf-8")
    assert "1.7676" in (tmp_path / "a.md").read_text(encoding="utf-8")
    make_export_math_action(panel, lambda: (s, trace, 1, "backward")).trigger()
    assert "Back into" in (tmp_path / "a.md").read_text(encoding="utf-8")
    assert export_step_markdown(s, str(tmp_path / "c.md"), 2, page="backward") == 0
    assert "Backward — step 2 of 4" in (tmp_path / "c.md").read_text(encoding="utf-8")


def test_every_number_fits_its_cell_on_a_large_backward_page(panel, qtbot):
    """H = 24 LSTM, two layers, both directions: windows, stacked gates, totals beside."""
    net = Network.from_spec(NetworkSpec("lstm", 3, 24, 2, True, 2, None), seed=1)
    rng = np.random.default_rng(0)
    s = Session(
        network=net, sequence=Sequence(inputs=rng.normal(size=(5, 3)), targets=rng.normal(size=(5, 2)))
    )
    panel.resize(1400, 900)
    panel.show()
    qtbot.waitExposed(panel)
    _feed(panel, s, step=3)
    panel.set_selection(0, 1, 20, "")
    panel.set_page("backward")
    cells = panel.canvas.cells()
    numbers = [c for c in cells if c.text not in ("⋮", "⋯", "⋱")]
    assert len(numbers) > 300
    for c in numbers:
        parse_number(c.text)
        assert QtGui.QFontMetricsF(c.font).horizontalAdvance(c.text) <= c.inner.width() + 0.01, c.text
    rects = sorted((c.rect for c in cells), key=lambda r: (r.top(), r.left()))
    for a, b in zip(rects, rects[1:], strict=False):
        assert not a.adjusted(0.5, 0.5, -0.5, -0.5).intersects(b.adjusted(0.5, 0.5, -0.5, -0.5))
    # the total over all steps stands to the right of the step's share
    box = next(b for b in panel.canvas.boxes if b.key == "back:dW_hh:i")
    grid = [it for it in box.items if hasattr(it, "box") and it.box]
    share_right = max(c.rect.right() for c in grid[: len(grid) // 2])
    assert max(c.rect.left() for c in grid) > share_right
    assert "all steps:" in panel.text()


def test_section_headings_are_ruled(panel, qtbot):
    panel.resize(1000, 700)
    panel.show()
    qtbot.waitExposed(panel)
    _feed(panel, default_session(), step=2)
    panel.set_page("backward")
    heads = [b for b in panel.canvas.boxes if b.rule is not None]
    assert [b.key for b in heads] == [
        "loss:section",
        "back:section:out",
        "back:section:h",
        "back:section:cell",
        "back:section:w",
    ]
    assert all(a.bottom < b.top for a, b in zip(heads, heads[1:], strict=False))
    image = panel.canvas.grab().toImage()
    y = int(heads[1].rule)
    assert QtGui.QColor(image.pixel(200, y)) != QtGui.QColor("#ffffff")  # the rule is drawn
    assert QtCore.QRectF(panel.canvas.rect()).height() > heads[-1].bottom


def test_a_new_trace_before_its_gradients_does_not_break_the_page(panel):
    _feed(panel, default_session(), step=2)
    panel.set_page("backward")
    net = Network.from_spec(NetworkSpec("gru", 5, 6, 1, False, 5, "softmax"), seed=0)
    s = Session(network=net, sequence=default_session().sequence)
    panel.set_trace(net.forward(s.inputs), s)  # the old gradients are still set
    assert "not computed yet" in panel.text()
    panel.set_page("forward")
    assert "ℓ_2" not in panel.text()  # no stale loss either
    _feed(panel, s, step=2)
    assert "ℓ_2" in panel.text()
