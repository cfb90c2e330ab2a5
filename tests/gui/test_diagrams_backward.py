"""The diagrams' Backward mode: ∂L/∂h_t flowing back through time, against the engine's
gradients (themselves checked by central differences in the engine's tests)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from rnnviz.gui.diagrams import DiagramsView, UnrolledDiagram
from rnnviz.gui.diagrams.demo import vanishing_case
from rnnviz.gui.diagrams.gradients import GRAD_LUT, LEGEND_TEXT, NO_TARGETS, grad_fmt, grad_level
from rnnviz.gui.diagrams.unrolled_back import CUT_COLOUR
from rnnviz.session.stepmath import fmt


def _case(mode="rnn_tanh", T=60, bidir=False):
    """The vanishing-gradient picture: one input feature, a target at the last step only."""
    return vanishing_case(mode, T=T, bidirectional=bidir)


@pytest.fixture
def view(qtbot):
    v = DiagramsView()
    qtbot.addWidget(v)
    v.resize(1400, 900)
    v.show()
    return v


def _texts(chip) -> list[str]:
    return list(chip.texts)


@pytest.mark.parametrize("mode", ["rnn_tanh", "lstm", "gru"])
def test_switching_to_backward_shows_the_gradients_on_the_chips(view, qtbot, mode):
    s, trace, grads = _case(mode, T=12)
    view.set_trace(trace, s)
    view.set_gradients(grads)
    view.set_step(7)
    cell, rolled = view.cell.cell_scene, view.rolled.rolled_scene
    d = trace.step(0, 0, 6)
    assert _texts(cell.chips["h"]) == [fmt(v, 2) for v in d.h]
    qtbot.mouseClick(view.flow_switch.backward_button, QtCore.Qt.MouseButton.LeftButton)
    assert view.backward
    dh = grads.dh(0, 0)
    assert _texts(cell.chips["h"]) == [grad_fmt(v, 2) for v in dh[6]]
    assert _texts(cell.chips["h_prev"]) == [grad_fmt(v, 2) for v in dh[5]]
    for g, item in cell.gates.items():  # ∂L/∂ each gate's pre-activation
        assert _texts(item.chip) == [grad_fmt(v, 2) for v in grads.dpre(0, 0)[g][6]]
        assert "∂L/∂" in item.toolTip() and "how much the loss changes" in item.toolTip()
    if mode == "lstm":  # ∂L/∂c_t on the cell-state line
        assert _texts(cell.chips["c"]) == [grad_fmt(v, 2) for v in grads.dc(0, 0)[6]]
        assert "∂L/∂f_t (before σ)" in cell.gates["f"].toolTip()
    assert cell.chips["h"].title.toPlainText() == "∂L/∂ht"
    assert "Backward at step 7" in cell.title.toPlainText()
    view.tabs.setCurrentWidget(view.rolled)
    assert _texts(rolled.chips["h"]) == [grad_fmt(v, 2) for v in dh[6]]
    view.set_step(8)  # a step in Backward: the gradients of that step
    assert _texts(cell.chips["h"]) == [grad_fmt(v, 2) for v in dh[7]]
    qtbot.mouseClick(view.flow_switch.forward_button, QtCore.Qt.MouseButton.LeftButton)
    assert not view.backward  # and Forward is exactly as before
    assert _texts(cell.chips["h"]) == [fmt(v, 2) for v in trace.hidden(0, 0)[7]]
    assert cell.chips["h"].title.toPlainText() == "ht"
    assert cell.gates[next(iter(cell.gates))].toolTip().splitlines()[1].split(" ")[0].endswith("_t")


def test_the_switch_is_reachable_from_the_keyboard(view, qtbot):
    """As a radio group: Tab stops at the mode that is on, the arrow keys switch."""
    s, trace, grads = _case(T=8)
    view.set_trace(trace, s)
    view.set_gradients(grads)
    forward = view.flow_switch.forward_button
    assert forward.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus
    forward.setFocus()
    qtbot.keyClick(forward, QtCore.Qt.Key.Key_Right)
    assert view.backward
    qtbot.keyClick(view.flow_switch.backward_button, QtCore.Qt.Key.Key_Left)
    assert not view.backward


def test_backward_is_disabled_without_targets_and_says_why(view):
    s, trace, grads = _case(T=8)
    view.set_trace(trace, s)
    button = view.flow_switch.backward_button
    assert not button.isEnabled() and button.toolTip() == NO_TARGETS  # before any gradients
    view.set_gradients(grads)
    assert button.isEnabled()
    view.set_backward(True)
    assert view.backward
    view.set_gradients(None)  # the targets were removed
    assert not button.isEnabled() and button.toolTip() == NO_TARGETS
    assert not view.backward and view.flow_switch.forward_button.isChecked()
    view.set_backward(True)  # asked for anyway: stays Forward
    assert not view.backward
    d = trace.step(0, 0, view.step - 1)
    assert _texts(view.cell.cell_scene.chips["h"]) == [fmt(v, 2) for v in d.h]


def test_gradients_of_another_network_are_not_drawn(view):
    s, trace, grads = _case(T=8)
    s2, trace2, _ = _case(T=9)
    view.set_trace(trace, s)
    view.set_gradients(grads)
    view.set_backward(True)
    view.set_trace(trace2, s2)  # a new trace before its gradients: back to Forward
    assert not view.backward and not view.flow_switch.backward_button.isEnabled()
    s3, trace3, _ = _case("lstm", T=9)
    view.set_trace(trace3, s3)
    view.set_gradients(_case("gru", T=9)[2])  # same sizes, another cell: its gates do not fit
    assert not view.flow_switch.backward_button.isEnabled()
    assert "another kind of cell" in view.flow_switch.backward_button.toolTip()


def _arrows_by_step(u: UnrolledDiagram, key=(0, 0)) -> dict[int, tuple]:
    """{t: (arrow width across its shaft, its colour, is visible)} of every column shown, scrolling along."""
    out = {}
    for t in range(1, u.trace.steps + 1, 4):
        u.set_step(t)
        for col in u.unrolled_scene.columns:
            if 1 <= col.t <= u.trace.steps and getattr(col, "back", None) is not None:
                a = col.back.arrows[key]
                y = u.unrolled_scene.lay.rows[key]
                x = a.path().boundingRect().center().x()
                shaft = [p for p in (x - 8, x, x + 8)]
                width = max(_thickness(a.path(), px, y) for px in shaft)  # the shaft, away from the head
                out[col.t] = (width, a.brush().color(), a.isVisible())
    return out


def _thickness(path: QtGui.QPainterPath, x: float, y: float) -> float:
    """How far the filled path reaches up and down from (x, y) (its stroke width there)."""
    h = 0.0
    while h < 40 and path.contains(QtCore.QPointF(x, y - h - 0.05)):
        h += 0.1
    d = 0.0
    while d < 40 and path.contains(QtCore.QPointF(x, y + d + 0.05)):
        d += 0.1
    return h + d


def test_arrows_grow_and_darken_with_the_gradient_norm(view):
    """Width and colour are monotone in ‖∂L/∂h_t‖ (log scale), and the range is used:
    the vanilla RNN's 10⁻²⁰ gradient far back in time is a pale hairline."""
    s, trace, grads = _case("rnn_tanh", T=60)
    view.set_trace(trace, s)
    view.set_gradients(grads)
    view.set_backward(True)
    arrows = _arrows_by_step(view.unrolled)
    norms = grads.dh_norm(0, 0)
    assert len(arrows) >= 55
    order = sorted(arrows, key=lambda t: norms[t - 1])
    widths = [arrows[t][0] for t in order]
    light = [arrows[t][1].lightnessF() for t in order]
    assert all(b >= a - 0.25 for a, b in zip(widths, widths[1:], strict=False))
    assert all(b <= a + 1e-9 for a, b in zip(light, light[1:], strict=False))
    assert norms[0] < 1e-15 and norms[-1] > 0.1  # the case spans the scale
    assert widths[0] < 1.5 and light[0] > 0.9  # vanished: nearly invisible
    assert widths[-1] > 8 and light[-1] < 0.4  # the gradient at the target: dark and wide
    assert all(v for _, _, v in arrows.values())


def test_forward_mode_keeps_its_recurrent_arrows(view):
    s, trace, grads = _case("rnn_tanh", T=12)
    view.set_trace(trace, s)
    view.set_gradients(grads)
    cols = [c for c in view.unrolled.unrolled_scene.columns if 1 <= c.t <= 12]
    view.set_backward(True)
    assert not any(c.rec[(0, 0)].isVisible() for c in cols)
    assert all(c.back.arrows[(0, 0)].isVisible() for c in cols)
    view.set_backward(False)
    assert all(c.rec[(0, 0)].isVisible() for c in cols)
    assert not any(c.back.arrows[(0, 0)].isVisible() for c in cols)
    assert all(c.cells[(0, 0)].brush().color() == QtGui.QColor("#ffffff") for c in cols)


def test_the_backward_direction_flows_the_other_way(view):
    s, trace, grads = _case("gru", T=10, bidir=True)
    view.set_trace(trace, s)
    view.set_gradients(grads)
    view.set_backward(True)
    col = next(c for c in view.unrolled.unrolled_scene.columns if c.t == 5)
    fwd = col.back.arrows[(0, 0)].path().boundingRect()
    bwd = col.back.arrows[(0, 1)].path().boundingRect()
    assert fwd.center().x() < 0 < bwd.center().x()  # h→ back to step 4 (left), h← back to step 6 (right)
    for d in (0, 1):  # each row's colour is its own direction's ‖∂L/∂h_5‖
        level = grad_level(grads.dh_norm(0, d)[4])
        assert col.back.arrows[(0, d)].brush().color() == GRAD_LUT[level]
    h_text = col.back.texts[(0, 1)].text()
    assert h_text.endswith(grad_fmt(grads.dh_norm(0, 1)[4]))


def test_truncated_bptt_edges_every_k_steps(view):
    s, trace, grads = _case("lstm", T=30)
    view.set_trace(trace, s)
    view.set_gradients(grads, bptt_window=7)
    view.set_backward(True)
    u = view.unrolled
    cut_at, grey, seen = set(), set(), set()
    for t in range(1, 31, 3):
        u.set_step(t)
        for col in u.unrolled_scene.columns:
            if 1 <= col.t <= 30:
                seen.add(col.t)
                if col.back.cut.isVisible():
                    assert col.back.cut_label.isVisible() and col.back.cut_label.text() == "gradient cut"
                    cut_at.add(col.t - 1)  # the line sits before this column: after step t − 1
                if col.back.arrows[(0, 0)].brush().color() == CUT_COLOUR:
                    grey.add(col.t)
    assert seen == set(range(1, 31))
    assert cut_at == {7, 14, 21, 28}
    assert grey == {8, 15, 22, 29}  # the arrow from h_8 back to h_7 crosses the cut
    assert view.overview.window == 7
    view.set_gradients(grads, bptt_window=0)
    assert not any(c.back.cut.isVisible() for c in u.unrolled_scene.columns if c.t >= 0)


def test_the_legend_and_overview_appear_in_backward_and_in_exports(view, tmp_path):
    s, trace, grads = _case("rnn_tanh", T=20)
    view.set_trace(trace, s)
    view.set_gradients(grads)
    view.set_step(20)
    before = view.legend.pixmap().toImage()
    assert view.legend_text.text() != LEGEND_TEXT and not view.overview.isVisible()
    view.set_backward(True)
    assert view.legend_text.text() == LEGEND_TEXT and "log scale" in LEGEND_TEXT
    assert view.legend.pixmap().toImage() != before
    assert view.overview.isVisible() and len(view.overview.rows) == 1
    np.testing.assert_array_equal(view.overview.rows[0][1], grads.dh_norm(0, 0))
    view.export("unrolled", tmp_path / "u.svg")
    text = (tmp_path / "u.svg").read_text(encoding="utf-8")
    ET.parse(tmp_path / "u.svg")
    assert "log scale" in text and "value colour" not in text
    view.set_backward(False)
    view.export("unrolled", tmp_path / "f.svg")
    assert "value colour" in (tmp_path / "f.svg").read_text(encoding="utf-8")


def test_backward_steps_without_rebuilding(view):
    s, trace, grads = _case("lstm", T=40)
    view.set_trace(trace, s)
    view.set_gradients(grads)
    view.set_backward(True)
    view.set_step(1)
    before = {k: set(map(id, sc.items())) for k, sc in view.scenes().items()}
    for t in (5, 39, 20, 0, 12):
        view.set_step(t)
    assert {k: set(map(id, sc.items())) for k, sc in view.scenes().items()} == before


def test_the_pulses_run_backwards_in_backward(view):
    s, trace, grads = _case("rnn_tanh", T=8)
    view.set_trace(trace, s)
    view.set_gradients(grads)
    view.set_step(4)
    forward = [(p.pointAtPercent(0), a) for p, a, _ in view.pulses["unrolled"].flows]
    view.set_backward(True)
    backward = [(p.pointAtPercent(1), 1 - b) for p, _, b in view.pulses["unrolled"].flows]
    assert sorted((q.x(), q.y(), a) for q, a in forward) == sorted((q.x(), q.y(), a) for q, a in backward)


def test_grad_fmt_and_levels():
    assert grad_fmt(0.25) == "0.25"
    assert grad_fmt(-3.21e-5) == "−3.2e−5"
    assert grad_fmt(-4.4e-12) == "−4e−12"  # fits a chip's 7 characters
    assert grad_fmt(0.0) == "0"
    assert len(grad_fmt(-1.23e-15)) <= 7
    levels = grad_level(np.logspace(-16, 2, 50))
    assert np.all(np.diff(levels) >= 0) and levels[0] == 0 and levels[-1] == len(GRAD_LUT) - 1


def test_the_panel_opens_the_demonstration_in_backward(qtbot, tmp_path):
    from rnnviz.gui.diagrams.__main__ import main

    assert (
        main(
            ["--vanishing", "lstm", "--window", "10", "--step", "30", "--export-png", str(tmp_path / "v.png")]
        )
        == 0
    )
    assert not QtGui.QImage(str(tmp_path / "v.png")).isNull()
    with pytest.raises(SystemExit) as exit_:
        main(["--vanishing", "lstm", "--window", "-1", "--export-png", str(tmp_path / "w.png")])
    assert exit_.value.code == 2 and not (tmp_path / "w.png").exists()
