"""The LSTM's cell-state row on the unrolled chain: a c_t chip per step and band, its
colours and hovers the trace's c values, its arrows chained c_{t−1} → c_t; in Backward
‖∂L/∂c_t‖.  Other cells keep the plain layout."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtGui

from rnnviz.engine import Network, NetworkSpec
from rnnviz.gui.diagrams import UnrolledDiagram
from rnnviz.gui.diagrams.gradients import GRAD_LUT, grad_fmt, grad_level
from rnnviz.gui.diagrams.style import HIGHLIGHT, value_rgb32
from rnnviz.gui.diagrams.unrolled_items import DY
from rnnviz.session.compute import compute
from rnnviz.session.model import Sequence, Session
from rnnviz.session.stepmath import fmt, window


def _session(mode="lstm", H=3, L=1, bidir=False, T=6, out=2) -> Session:
    net = Network.from_spec(NetworkSpec(mode, 2, H, L, bidir, out, "softmax"), seed=5)
    x = np.random.default_rng(1).normal(size=(T, 2))
    targets = np.eye(out)[np.arange(T) % out]
    return Session(network=net, sequence=Sequence(inputs=x, targets=targets))


@pytest.fixture
def unrolled(qtbot):
    v = UnrolledDiagram()
    qtbot.addWidget(v)
    v.resize(1800, 900)
    v.show()
    return v


def _strip_rgb(strip) -> np.ndarray:
    """The colour of each unit's cell in a strip (its pixmap: 4 pixels a unit, 1 between)."""
    img = strip.pixmap().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    return np.array([img.pixel(5 * k + 1, 0) for k in range(strip.n)], dtype=np.uint32)


def _tip_numbers(tip: str) -> list[float]:
    inside = tip.split("(", 1)[1].split(")", 1)[0]
    return [float(v.replace("−", "-")) for v in inside.split(", ")]


def _c_chips(v: UnrolledDiagram, key=(0, 0)) -> dict:
    """{t: the column's c row items} for the columns showing steps 1..T."""
    T = v.trace.steps
    return {col.t: col.cstate for col in v.unrolled_scene.columns if 1 <= col.t <= T}


def test_an_lstm_chain_has_a_c_chip_per_step_with_the_traces_values(unrolled):
    s = _session(H=3, T=6)
    trace = compute(s).trace
    unrolled.set_trace(trace, s)
    c = trace.cell(0, 0)  # [T, H]
    chips = _c_chips(unrolled)
    assert sorted(chips) == [1, 2, 3, 4, 5, 6]
    for t, cs in chips.items():
        box, strip = cs.boxes[(0, 0)], cs.strips[(0, 0)]
        assert box.isVisible() and strip.isVisible()
        assert cs.labels[(0, 0)].text() == f"c{'₀₁₂₃₄₅₆'[t]}"
        assert list(_strip_rgb(strip)) == list(value_rgb32(c[t - 1]))
        assert _tip_numbers(box.toolTip()) == pytest.approx(c[t - 1], abs=1e-4)
        assert box.toolTip() == box.toolTip().replace("<", "")  # plain text
        assert cs.arrows[(0, 0)].isVisible()  # c_{t−1} → c_t
    # the chain runs left to right, from chip to chip, above the cell
    lay = unrolled.unrolled_scene.lay
    (x0, y0), (x1, y1) = lay.c_path(0, 0)
    rect = lay.c_rect(0, 0)
    assert y0 == y1 == rect.center().y() < lay.rows[(0, 0)]
    assert x0 == pytest.approx(rect.right() - 150) and x1 < rect.left()
    names = [t.toPlainText().strip() for t in unrolled.unrolled_scene.row_labels]
    assert "cell state c" in names and "hidden h" in names


def test_other_cells_have_no_c_row_and_keep_their_layout(unrolled):
    for mode, L, bidir in (("gru", 1, False), ("rnn_tanh", 2, False), ("gru", 2, True)):
        s = _session(mode, L=L, bidir=bidir)
        unrolled.set_trace(compute(s).trace, s)
        sc = unrolled.unrolled_scene
        assert sc.lay.c_rows == {}
        assert all(col.cstate is None for col in sc.columns)
        D = 2 if bidir else 1
        assert sc.lay.rows == {(l, d): -DY * (1 + l * D + d) for l in range(L) for d in range(D)}
        assert sc.lay.y_head == -DY * (1 + L * D) - (20 if D == 2 else 0)
        assert not any(t.toPlainText().strip().endswith(" c") for t in sc.row_labels)


def test_a_bidirectional_two_layer_lstm_has_a_c_row_per_band(unrolled):
    s = _session(H=3, L=2, bidir=True, T=5)
    trace = compute(s).trace
    unrolled.set_trace(trace, s)
    lay = unrolled.unrolled_scene.lay
    assert set(lay.c_rows) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    for key, yc in lay.c_rows.items():  # each c row just above its own cells, below the next band
        assert lay.rows[key] - lay.dy < yc < lay.rows[key]
    chips = _c_chips(unrolled)
    for l, d in lay.c_rows:
        c = trace.cell(l, d)  # time order
        for t, cs in chips.items():
            assert list(_strip_rgb(cs.strips[(l, d)])) == list(value_rgb32(c[t - 1]))
            assert cs.labels[(l, d)].text().startswith("c→" if d == 0 else "c←")
    # the initial states: c₀ of the forward band left of step 1, the backward one right of step T
    cols = {col.t: col.cstate for col in unrolled.unrolled_scene.columns}
    assert cols[0].boxes[(1, 0)].isVisible() and not cols[0].boxes[(1, 1)].isVisible()
    assert cols[6].boxes[(1, 1)].isVisible() and not cols[6].boxes[(1, 0)].isVisible()
    k = 1 * 2 + 1
    assert _tip_numbers(cols[6].boxes[(1, 1)].toolTip()) == pytest.approx(trace.c0[k], abs=1e-4)
    # the backward band's chain runs right to left
    (x0, _), (x1, _) = lay.c_path(0, 1)
    assert x0 > x1


def test_the_c_chips_follow_the_step_and_the_selected_unit(unrolled):
    s = _session(H=20, T=6)
    trace = compute(s).trace
    unrolled.set_trace(trace, s)
    unrolled.set_step(4)
    for t, cs in _c_chips(unrolled).items():
        pen = cs.boxes[(0, 0)].pen()
        assert (pen.color() == HIGHLIGHT) == (t == 4)
    c = trace.cell(0, 0)
    for unit in (0, 15):
        unrolled.set_selection(0, 0, unit)
        rows = [r for r in window(20, unit, 8) if r is not None]  # the h strips' window
        assert unit in rows
        for t, cs in _c_chips(unrolled).items():
            assert list(_strip_rgb(cs.strips[(0, 0)])) == list(value_rgb32(c[t - 1][rows]))
            tip = cs.boxes[(0, 0)].toolTip()  # 20 numbers are too many: the window's
            assert _tip_numbers(tip) == pytest.approx(c[t - 1][rows], abs=1e-4)
            assert f"(units {rows[0] + 1}–{rows[-1] + 1} of 20)" in tip


def test_backward_shows_the_error_on_the_cell_state_row(unrolled):
    s = _session(H=3, L=1, bidir=True, T=6)
    done = compute(s)
    trace, grads = done.trace, done.grads
    unrolled.set_trace(trace, s)
    unrolled.set_gradients(grads)
    unrolled.set_backward(True)
    chips = _c_chips(unrolled)
    for l, d in unrolled.unrolled_scene.lay.c_rows:
        norms = np.linalg.norm(grads.dc(l, d), axis=1)  # [T] ‖∂L/∂c_t‖, time order
        for t, cs in chips.items():
            key = (l, d)
            assert cs.grad_texts[key].text() == grad_fmt(norms[t - 1])
            assert not cs.strips[key].isVisible() and not cs.arrows[key].isVisible()
            arrow = cs.grad_arrows[key]
            assert arrow.isVisible() and arrow.brush().color() == GRAD_LUT[int(grad_level(norms[t - 1]))]
            assert f"‖∂L/∂c{'₀₁₂₃₄₅₆'[t]}‖" in arrow.toolTip()
            # reversed: the arrow points back to the chip it read (left forward, right backward)
            r = arrow.path().boundingRect()
            chip = cs.boxes[key].boundingRect()
            assert (r.center().x() < chip.left()) if d == 0 else (r.center().x() > chip.right())
    unrolled.set_backward(False)  # back to the values
    for t, cs in chips.items():
        assert cs.strips[(0, 0)].isVisible() and not cs.grad_texts[(0, 0)].isVisible()
        assert cs.boxes[(0, 0)].brush().color() == QtGui.QColor("#ffffff")
        assert list(_strip_rgb(cs.strips[(0, 0)])) == list(value_rgb32(trace.cell(0, 0)[t - 1]))


def test_a_click_on_a_c_row_selects_its_band(unrolled, qtbot):
    from PySide6 import QtCore

    s = _session(H=3, L=2, T=5)
    unrolled.set_trace(compute(s).trace, s)
    y = unrolled.unrolled_scene.lay.c_rows[(1, 0)]
    pos = unrolled.mapFromScene(QtCore.QPointF(2 * 150.0, y))
    with qtbot.waitSignal(unrolled.sig_layer_direction_selected) as blocker:
        qtbot.mouseClick(unrolled.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [1, 0]


# -- the cell's inside of a wide layer: heat strips -------------------------------------


def _hover(item, k: int) -> str:
    """Move the mouse over unit k's cell of a strip (a real hover event) and read the tip."""
    from PySide6 import QtCore, QtWidgets

    ev = QtWidgets.QGraphicsSceneHoverEvent(QtCore.QEvent.Type.GraphicsSceneHoverMove)
    ev.setPos(item.rects[k].center())
    item.hoverMoveEvent(ev)
    return item.toolTip()


def _tip_value(tip: str) -> float:
    return float(tip.rsplit(": ", 1)[1].replace("−", "-"))


@pytest.mark.parametrize(
    ("mode", "H"), [("lstm", 16), ("gru", 16), ("rnn_tanh", 16), ("lstm", 8), ("gru", 64)]
)
def test_a_wide_cell_shows_every_unit_as_a_heat_strip_with_its_value_on_hover(qtbot, mode, H):
    from rnnviz.gui.diagrams import CellDiagram
    from rnnviz.gui.diagrams.heat_strip import HeatStripItem

    s = _session(mode, H=H, T=6)
    trace = compute(s).trace
    v = CellDiagram()
    qtbot.addWidget(v)
    v.resize(990, 400)
    v.show()
    v.set_trace(trace, s)
    unit = H - 5
    v.set_selection(0, 0, unit, "")
    v.set_step(4)
    sc = v.cell_scene
    d = trace.step(0, 0, 3)
    vectors = {"h": d.h, "h_prev": d.h_prev, **({"c": d.c, "c_prev": d.c_prev} if mode == "lstm" else {})}
    strips = {key: sc.chips[key] for key in vectors}
    for g, item in sc.gates.items():
        strips[g] = item.chip
        vectors[g] = d.pre if g == "a" else d.block(d.gates, g)
    for key, strip in strips.items():
        assert isinstance(strip, HeatStripItem) and strip.n == H  # every unit, not a window of 8
        assert [c.rgba() for c in strip.colours] == list(value_rgb32(vectors[key]))
        assert not any(strip.rects[k].isEmpty() for k in range(H))
        for k in sorted({0, 7, 8, H - 1} & set(range(H))):
            tip = _hover(strip, k)
            assert f"unit {k + 1} of {H}" in tip and "<" not in tip
            assert _tip_value(tip) == pytest.approx(vectors[key][k], abs=0.006)  # 2 decimals
        assert strip.marked == unit  # the selected unit, outlined in every strip
    h = strips["h"]
    if H > 8:  # units 1–8 down the first strip, 9–16 down the next
        assert h.rects[8].left() > h.rects[0].left() and h.rects[8].top() == h.rects[0].top()
    assert sc.chips["x"].texts[0] != ""  # the input keeps its numbers
    assert f"{H} units" in sc.hint.toPlainText() and f"unit {unit + 1} " in sc.hint.toPlainText()
    # nothing overlaps, and the strips' cells stay big enough to see and point at
    items = [*sc.chips.values(), *sc.gates.values()]
    boxes = [item.sceneBoundingRect() for item in items]
    for i, a in enumerate(boxes):
        assert not any(a.intersects(b) for b in boxes[i + 1 :])
    assert v.transform().m11() >= 0.72  # as the numbers' picture: x_t's stay ≥ 7 pt
    cell = v.mapFromScene(h.mapRectToScene(h.rects[0])).boundingRect()
    assert cell.width() >= min(18, 400 / H) and cell.height() >= 10  # to see and to point at


def test_the_strips_follow_the_decimals_and_the_backward_mode(qtbot):
    from rnnviz.gui.diagrams import CellDiagram
    from rnnviz.gui.diagrams.gradients import grad_fmt

    s = _session("lstm", H=12, T=6)
    done = compute(s)
    v = CellDiagram()
    qtbot.addWidget(v)
    v.set_trace(done.trace, s)
    v.set_decimals(4)
    v.set_step(3)
    c = done.trace.cell(0, 0)[2]
    assert _hover(v.cell_scene.chips["c"], 10) == f"c_t, unit 11 of 12: {fmt(c[10], 4)}"
    v.set_gradients(done.grads)
    v.set_backward(True)
    dc = done.grads.dc(0, 0)[2]
    assert _hover(v.cell_scene.chips["c"], 10) == f"∂L/∂c_t, unit 11 of 12: {grad_fmt(dc[10], 4)}"
    assert v.cell_scene.gates["f"].chip.name == "∂L/∂f_t (before σ)"


def test_a_narrow_cell_keeps_its_numbers(qtbot):
    from rnnviz.gui.diagrams import CellDiagram
    from rnnviz.gui.diagrams.heat_strip import HeatStripItem

    s = _session("lstm", H=3, T=6)
    trace = compute(s).trace
    v = CellDiagram()
    qtbot.addWidget(v)
    v.set_trace(trace, s)
    v.set_step(2)
    sc = v.cell_scene
    chips = [*sc.chips.values(), *(g.chip for g in sc.gates.values())]
    assert not any(isinstance(c, HeatStripItem) for c in chips) and sc.hint is None
    assert sc.chips["c"].texts == [fmt(x, 2) for x in trace.cell(0, 0)[1]]


def test_truncated_bptt_cuts_the_cell_state_arrows_too(unrolled):
    from rnnviz.gui.diagrams.unrolled_back import CUT_COLOUR

    s = _session(H=3, T=6)
    done = compute(s)
    unrolled.set_trace(done.trace, s)
    unrolled.set_gradients(done.grads, bptt_window=2)
    unrolled.set_backward(True)
    cut = {t for t, cs in _c_chips(unrolled).items() if cs.grad_arrows[(0, 0)].brush().color() == CUT_COLOUR}
    assert cut == {3, 5}  # the arrows into steps 3 and 5 cross a window's edge (as h's do)
    assert all(
        (col.back.arrows[(0, 0)].brush().color() == CUT_COLOUR) == (col.t in cut)
        for col in unrolled.unrolled_scene.columns
        if 1 <= col.t <= 6
    )
