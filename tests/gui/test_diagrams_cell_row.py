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
from rnnviz.session.stepmath import window


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
