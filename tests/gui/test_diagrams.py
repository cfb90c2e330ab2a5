"""Diagrams: structure follows the network, the step highlight follows the timeline,
items are never rebuilt per step, gate clicks select, exports are valid."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from rnnviz.engine import GATE_NAMES, Network, NetworkSpec
from rnnviz.gui.diagrams import (
    CellDiagram,
    DiagramsView,
    RolledDiagram,
    UnrolledDiagram,
    export_scene_png,
    export_scene_svg,
)
from rnnviz.gui.diagrams.style import HIGHLIGHT
from rnnviz.gui.diagrams.unrolled import DX, POOL_MAX
from rnnviz.session.defaults import default_session
from rnnviz.session.model import Sequence, Session
from rnnviz.session.notation import gate_words
from rnnviz.session.stepmath import fmt


def _session(mode="lstm", H=3, L=1, bidir=False, T=6, out=2, shape="many_to_many") -> Session:
    net = Network.from_spec(NetworkSpec(mode, 2, H, L, bidir, out, "softmax" if out else None), seed=2)
    x = np.random.default_rng(0).normal(size=(T, 2))
    return Session(network=net, sequence=Sequence(inputs=x, shape=shape))


def _trace(s: Session):
    return s.network.forward(s.inputs)


@pytest.fixture
def unrolled(qtbot):
    v = UnrolledDiagram()
    qtbot.addWidget(v)
    v.resize(1600, 700)
    v.show()
    return v


def _real_cells(v: UnrolledDiagram) -> list:
    T = v.trace.steps
    return [(col.t, key) for col in v.unrolled_scene.columns if 1 <= col.t <= T for key in col.cells]


@pytest.mark.parametrize(("L", "bidir"), [(1, False), (2, False), (1, True), (2, True)])
def test_unrolled_structure_follows_the_network(unrolled, L, bidir):
    s = _session("gru", L=L, bidir=bidir, T=5)
    unrolled.set_trace(_trace(s), s)
    D = 2 if bidir else 1
    assert len(unrolled.unrolled_scene.lay.rows) == L * D
    cells = _real_cells(unrolled)
    assert len(cells) == 5 * L * D  # one cell per step, layer and direction
    assert sorted({t for t, _ in cells}) == [1, 2, 3, 4, 5]
    if bidir:  # the backward row's recurrent arrows run right to left
        col = next(c for c in unrolled.unrolled_scene.columns if c.t == 3)
        fwd, bwd = col.rec[(0, 0)].points, col.rec[(0, 1)].points
        assert fwd[-1][0] > fwd[0][0]
        assert bwd[-1][0] < bwd[0][0]


def _visible_outputs(v: UnrolledDiagram) -> list[int]:
    return sorted(c.t for c in v.unrolled_scene.columns if c.head is not None and c.y_box.isVisible())


def test_unrolled_head_and_shapes(unrolled):
    s = _session(out=0)
    unrolled.set_trace(_trace(s), s)
    assert all(c.head is None for c in unrolled.unrolled_scene.columns)
    s = _session(shape="many_to_many")
    unrolled.set_trace(_trace(s), s)
    assert _visible_outputs(unrolled) == [1, 2, 3, 4, 5, 6]
    s = _session(shape="many_to_one")
    unrolled.set_trace(_trace(s), s)
    assert _visible_outputs(unrolled) == [6]  # only the last output
    s = _session(shape="one_to_many")
    unrolled.set_trace(_trace(s), s)
    assert _visible_outputs(unrolled) == [1, 2, 3, 4, 5, 6]
    opaque = [
        c.t for c in unrolled.unrolled_scene.columns if c.x_box.isVisible() and c.x_box.opacity() == 1.0
    ]
    assert opaque == [1]  # one input; the later rows are shown faded


def test_unrolled_highlight_follows_the_step_without_rebuilding(unrolled):
    s = default_session()
    unrolled.set_trace(_trace(s), s)
    items = set(map(id, unrolled.unrolled_scene.items()))
    for t in (1, 3, 0, 4, 2):
        unrolled.set_step(t)
        assert unrolled.unrolled_scene.band.x() == t * DX
        current = unrolled.current_cells()
        assert current and all(c.pen().color() == HIGHLIGHT for c in current)
        others = [c for col in unrolled.unrolled_scene.columns if col.t != t for c in col.cells.values()]
        assert all(c.pen().color() != HIGHLIGHT for c in others)
    assert set(map(id, unrolled.unrolled_scene.items())) == items
    unrolled.set_trace(_trace(s), s)  # same structure: updated, not rebuilt
    assert set(map(id, unrolled.unrolled_scene.items())) == items


def test_unrolled_long_sequence_uses_a_pool_and_follows(unrolled):
    s = _session("rnn_tanh", H=16, T=300)
    unrolled.set_trace(_trace(s), s)
    cols = unrolled.unrolled_scene.columns
    assert len(cols) == POOL_MAX < 300
    n_items = len(unrolled.unrolled_scene.items())
    for t in (290, 7, 150):
        unrolled.set_step(t)
        assert [c for c in cols if c.t == t]
        first, last = unrolled.visible_range()
        assert first <= t <= last
        assert all(c.t % POOL_MAX == k for k, c in enumerate(cols) if first <= c.t <= last)
    assert len(unrolled.unrolled_scene.items()) == n_items


def test_unrolled_short_sequence_keeps_a_column_per_step(unrolled):
    """T ≤ 100: every step (and the initial state) has its own column, so a jump only
    scrolls: no column is refilled."""
    s = _session("lstm", H=4, L=2, bidir=True, T=100)
    unrolled.set_trace(_trace(s), s)
    cols = unrolled.unrolled_scene.columns
    assert len(cols) == 102
    unrolled.set_step(95)
    before = {id(c): c.t for c in cols if c.t >= 0}
    for t in (3, 60, 95):
        unrolled.set_step(t)
        first, last = unrolled.visible_range()
        assert first <= t <= last
    assert {id(c): c.t for c in cols if id(c) in before} == before  # nothing was reassigned


def test_unrolled_click_requests_a_step(unrolled, qtbot):
    s = default_session()
    unrolled.set_trace(_trace(s), s)
    pos = unrolled.mapFromScene(QtCore.QPointF(3 * DX, unrolled.unrolled_scene.lay.rows[(0, 0)]))
    with qtbot.waitSignal(unrolled.sig_step_requested) as blocker:
        qtbot.mouseClick(unrolled.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [3]


@pytest.mark.parametrize("mode", ["rnn_tanh", "rnn_relu", "lstm", "gru"])
def test_cell_diagram_shows_each_gate_with_the_engine_values(qtbot, mode):
    v = CellDiagram()
    qtbot.addWidget(v)
    s = _session(mode, H=3)
    trace = _trace(s)
    v.set_trace(trace, s)
    v.set_step(4)
    sc = v.cell_scene
    assert set(sc.gates) == set(GATE_NAMES[mode])
    d = trace.step(0, 0, 3)
    for g, item in sc.gates.items():
        vec = d.pre if g == "a" else d.block(d.gates, g)
        assert item.chip.texts == [fmt(x, 2) for x in vec]
        assert item.toolTip().startswith(gate_words(g)) and f"\n{g}_t = " in item.toolTip()
    assert sc.chips["h"].texts == [fmt(x, 2) for x in d.h]
    assert ("c" in sc.chips) == (mode == "lstm")


def test_clicking_a_gate_emits_sig_gate_selected(qtbot):
    v = CellDiagram()
    qtbot.addWidget(v)
    v.resize(1000, 600)
    v.show()
    s = _session("lstm")
    v.set_trace(_trace(s), s)
    v.set_step(2)
    gate = v.cell_scene.gates["o"]
    pos = v.mapFromScene(gate.sceneBoundingRect().center())
    with qtbot.waitSignal(v.sig_gate_selected) as blocker:
        qtbot.mouseClick(v.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == ["o"]
    assert gate.pen().widthF() > v.cell_scene.gates["f"].pen().widthF()


def test_rolled_diagram_values_on_the_wires(qtbot):
    v = RolledDiagram()
    qtbot.addWidget(v)
    s = default_session()
    trace = _trace(s)
    v.set_trace(trace, s)
    v.set_step(1)
    chips = v.rolled_scene.chips
    assert chips["h"].texts == ["0.29", "0.54", "−0.20"]
    assert chips["h_prev"].texts == ["0", "0", "0"]
    assert chips["y"].texts == [fmt(x, 2) for x in trace.y[0]]
    assert "W_hh" not in v.rolled_scene.arrows  # the loop is two arrows, labelled in the scene
    names = ["I", "love", "deep", "learning", "_"]
    assert [t.text() for t, _ in chips["x"].labels] == names  # the one-hot's tokens
    assert [t.text() for t, _ in chips["y"].labels] == names
    s2 = _session("lstm", out=0)
    v.set_trace(_trace(s2), s2)
    assert "c_prev" in v.rolled_scene.chips and "y" not in v.rolled_scene.chips


def test_diagrams_view_steps_without_rebuilding_and_animates(qtbot):
    view = DiagramsView()
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    s = _session("gru", H=4, L=2, bidir=True, T=8)
    view.set_trace(_trace(s), s)
    view.set_step_duration(400)
    view.set_step(1)
    before = {k: set(map(id, sc.items())) for k, sc in view.scenes().items()}
    for t in (2, 5, 0, 8, 3):
        view.set_step(t)
    after = {k: set(map(id, sc.items())) for k, sc in view.scenes().items()}
    assert after == before
    assert view.pulses["cell"].running  # step 3 started the pulse
    view.set_step(4)  # a new step during an animation restarts it at the new step
    assert view.pulses["cell"].running and view.pulses["cell"].anim.currentTime() < 200
    view.set_animation_enabled(False)
    assert not any(p.running for p in view.pulses.values())
    assert not any(d.isVisible() for p in view.pulses.values() for d in p.dots)
    view.set_step(5)
    assert not view.pulses["cell"].running


def test_hold_still_stops_the_pulses_but_keeps_the_users_choice(qtbot):
    """--export-png takes a still picture: no pulse, and the slide does not show the box unchecked."""
    view = DiagramsView()
    qtbot.addWidget(view)
    s = _session("lstm")
    view.set_trace(_trace(s), s)
    assert view.animate_box.isChecked()
    view.hold_still()
    view.set_step(3)
    assert view.animate_box.isChecked()
    assert not any(p.running for p in view.pulses.values())


def test_diagrams_view_forwards_gate_selection(qtbot):
    view = DiagramsView()
    qtbot.addWidget(view)
    s = _session("lstm")
    view.set_trace(_trace(s), s)
    with qtbot.waitSignal(view.sig_gate_selected) as blocker:
        view.cell.sig_gate_selected.emit("f")
    assert blocker.args == ["f"]
    view.set_selection(0, 0, 1, "g")
    assert view.cell.cell_scene.gates["g"].pen().widthF() == 5.0


def test_export_png_and_svg(qtbot, tmp_path):
    v = CellDiagram()
    qtbot.addWidget(v)
    s = _session("lstm")
    v.set_trace(_trace(s), s)
    v.set_step(2)
    scene = v.cell_scene
    size = export_scene_png(scene, tmp_path / "cell.png", scale=1.5)
    image = QtGui.QImage(str(tmp_path / "cell.png"))
    assert image.size() == size
    src = scene.itemsBoundingRect()
    assert abs(size.width() - (src.width() + 24) * 1.5) <= 1.5
    assert abs(size.height() - (src.height() + 24) * 1.5) <= 1.5
    export_scene_svg(scene, tmp_path / "cell.svg")
    root = ET.parse(tmp_path / "cell.svg").getroot()
    assert root.tag.endswith("svg")
    assert len(list(root.iter())) > 20
    view = DiagramsView()
    qtbot.addWidget(view)
    view.set_trace(_trace(s), s)
    view.set_step(3)
    for which in ("unrolled", "rolled", "cell"):
        view.export(which, tmp_path / f"{which}.svg")
        ET.parse(tmp_path / f"{which}.svg")
        view.export(which, tmp_path / f"{which}.png")
        assert not QtGui.QImage(str(tmp_path / f"{which}.png")).isNull()


def test_unrolled_export_has_every_row_and_the_colour_scale(qtbot, tmp_path):
    """A 2-layer bidirectional chain is taller than its share of the window: the
    exported picture still runs from the inputs to the outputs, with the legend under it."""
    view = DiagramsView()
    qtbot.addWidget(view)
    view.resize(1000, 500)
    view.show()
    s = _session("lstm", H=4, L=2, bidir=True, T=40)
    view.set_trace(_trace(s), s)
    view.set_step(20)
    scene = view.unrolled.unrolled_scene
    shown = view.unrolled.mapToScene(view.unrolled.viewport().rect()).boundingRect()
    assert shown.height() < scene.sceneRect().height()  # the view itself cuts rows off
    view.export("unrolled", tmp_path / "u.png")
    image = QtGui.QImage(str(tmp_path / "u.png"))
    scale, margin, legend = 2.0, 12.0, 40.0
    assert abs(image.height() - (scene.sceneRect().height() + 2 * margin + legend) * scale) <= 2
    assert image.width() <= (shown.width() + 1) * scale  # only the steps in view
    # the legend strip holds the colour scale's ends: blue on the left, yellow-brown on the right
    y = int(image.height() - (legend - 10) * scale)
    left, right = image.pixelColor(int(14 * scale), y), image.pixelColor(int(190 * scale), y)
    assert left.blue() > left.red() + 60 and right.red() > right.blue() + 60
    view.export("unrolled", tmp_path / "u.svg")
    text = (tmp_path / "u.svg").read_text(encoding="utf-8")
    assert "value colour" in text and "layer 2" in text


def test_a_narrow_export_wraps_the_legend_under_the_scale(qtbot, tmp_path):
    from rnnviz.gui.diagrams.export import LEGEND_H, legend_height

    assert legend_height(1600) == LEGEND_H
    assert legend_height(400) > LEGEND_H  # the words go under the colour scale, wrapped
    view = DiagramsView()
    qtbot.addWidget(view)
    s = _session("rnn_tanh", T=1)
    view.set_trace(_trace(s), s)
    view.set_step(1)
    view.export("unrolled", tmp_path / "u.png")
    image = QtGui.QImage(str(tmp_path / "u.png"))
    width = image.width() / 2.0
    src_h = view.unrolled.unrolled_scene.sceneRect().height() + 24
    assert abs(image.height() / 2.0 - (src_h + legend_height(width))) <= 1.5


def test_unrolled_click_on_a_row_selects_its_layer_and_direction(unrolled, qtbot):
    s = _session("gru", L=2, bidir=True, T=4)
    unrolled.set_trace(_trace(s), s)
    y = unrolled.unrolled_scene.lay.rows[(1, 1)]
    pos = unrolled.mapFromScene(QtCore.QPointF(2 * DX, y))
    with qtbot.waitSignal(unrolled.sig_layer_direction_selected) as blocker:
        qtbot.mouseClick(unrolled.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [1, 1]


def test_selected_unit_is_outlined_in_the_cell_chips(qtbot):
    v = CellDiagram()
    qtbot.addWidget(v)
    s = _session("lstm", H=12)
    v.set_trace(_trace(s), s)
    v.set_selection(0, 0, 10, "")
    v.set_step(3)
    sc = v.cell_scene
    assert 10 in sc.rows
    k = sc.rows.index(10)
    chip = sc.gates["f"].chip
    assert chip.marked == k
    d = _trace(s).step(0, 0, 2)
    assert chip.texts[k] == fmt(d.block(d.gates, "f")[10], 2)


def test_hidden_rolled_tab_catches_up_when_shown(qtbot):
    view = DiagramsView()
    qtbot.addWidget(view)
    view.show()
    s = default_session()
    trace = _trace(s)
    view.set_trace(trace, s)
    view.set_step(3)
    assert view.tabs.currentWidget() is view.unrolled
    view.tabs.setCurrentWidget(view.rolled)
    assert view.rolled.step == 3
    h = view.rolled.rolled_scene.chips["h"].texts
    assert h == [fmt(x, 2) for x in trace.hidden(0, 0)[2]]


def test_views_accept_calls_before_any_trace(qtbot):
    view = DiagramsView()
    qtbot.addWidget(view)
    view.set_step(2)
    view.set_selection(0, 0, 1, "f")
    view.set_step_duration(300)
    view.set_animation_enabled(False)
    s = _session("gru", T=3)
    view.set_trace(_trace(s), s)
    view.set_step(5)  # beyond T (a shorter trace arrived before the clock caught up)
    assert view.cell.cell_scene.gates


@pytest.mark.parametrize("mode", ["rnn_tanh", "lstm", "gru"])
def test_the_backward_direction_reads_h_t_plus_1(qtbot, mode):
    """A backward cell's previous state is the next step's: h_{t+1} (c_{t+1}), not h_{t−1}."""
    s = _session(mode, bidir=True)
    trace = _trace(s)
    cell, rolled = CellDiagram(), RolledDiagram()
    for v in (cell, rolled):
        qtbot.addWidget(v)
        v.set_trace(trace, s)
        v.set_step(3)
    chips = {**cell.cell_scene.chips, **{f"rolled_{k}": c for k, c in rolled.rolled_scene.chips.items()}}

    def titles() -> str:
        return " ".join(c.title.toPlainText() for c in chips.values() if c.title is not None)

    assert "ht−1" in titles() and "t+1" not in titles()
    for v in (cell, rolled):
        v.set_selection(0, 1, 0, "")
    assert "ht+1" in titles() and "t−1" not in titles()
    assert "(backward: ht+1 is h4)" in cell.cell_scene.title.toPlainText()
    assert rolled.rolled_scene.title.toPlainText().startswith("Step 3 of 6: ht+1 = h4")
    if mode != "rnn_tanh":
        gate = next(iter(cell.cell_scene.gates.values()))
        assert "h_{t+1}" in gate.toolTip()
    for v in (cell, rolled):
        v.set_selection(0, 0, 0, "")
    assert "ht−1" in titles() and "t+1" not in titles()


def test_unrolled_row_names_stay_in_view_when_the_chain_scrolls(unrolled):
    s = _session("lstm", H=4, L=2, bidir=True, T=100)
    unrolled.set_trace(_trace(s), s)
    labels = unrolled.unrolled_scene.row_labels
    assert [t.toPlainText().strip() for t in labels] == [
        "layer 1 →", "layer 1 ←", "layer 2 →", "layer 2 ←",
        "layer 1 → c", "layer 1 ← c", "layer 2 → c", "layer 2 ← c",  # an LSTM's cell-state rows
        "input x", "output y",
    ]  # fmt: skip
    home = labels[0].x()
    unrolled.set_step(90)
    left = unrolled.mapToScene(unrolled.viewport().rect().topLeft()).x()
    assert left > home and all(left <= t.x() < left + 20 for t in labels)
    # the white gutter under the names covers the view's left edge up to past the
    # widest name, so no sliver of a half-shown column shows beside them
    gutter = unrolled.unrolled_scene.gutter.sceneBoundingRect()
    widest = max(t.sceneBoundingRect().right() for t in labels)
    assert gutter.left() <= left and gutter.right() > widest
    assert unrolled.unrolled_scene.gutter_edge.isVisible()
    unrolled.set_step(1)
    assert all(t.x() == home for t in labels)
    assert not unrolled.unrolled_scene.gutter_edge.isVisible()


@pytest.mark.parametrize("mode", ["lstm", "gru"])
def test_cell_of_7_units_stays_readable_and_nothing_overlaps(qtbot, mode):
    """The inside of a 7-unit cell in the window's share at 1400 × 900 (≈ 990 × 400); from
    8 units on it shows heat strips (tests/gui/test_diagrams_cell_row.py)."""
    s = _session(mode, H=7)
    view = CellDiagram()
    qtbot.addWidget(view)
    view.resize(990, 400)
    view.show()
    qtbot.waitExposed(view)
    view.set_trace(_trace(s), s)
    view.set_step(3)
    assert view.transform().m11() >= 0.72  # 10 pt numbers stay ≥ 7 pt on screen
    sc = view.cell_scene
    items = [*sc.chips.values(), *sc.gates.values()]
    boxes = [item.sceneBoundingRect() for item in items]
    for i, a in enumerate(boxes):
        assert not any(a.intersects(b) for b in boxes[i + 1 :])
    chips = [*sc.chips.values(), *(g.chip for g in sc.gates.values())]
    for chip in chips:  # every number sits inside its own cell
        shown = [k for k in range(chip.n) if chip.texts[k]]
        assert shown
        assert all(chip.rects[k].contains(chip.text_rect(k)) for k in shown)


def test_step_zero_leaves_gates_and_x_empty_not_cut(qtbot):
    """t = 0 has h_0 (and c_0) only: gates and x_t are blank, not '⋮' ('units left out')."""
    s = _session("lstm", H=3)
    view = CellDiagram()
    qtbot.addWidget(view)
    view.set_trace(_trace(s), s)
    view.set_step(0)
    sc = view.cell_scene
    for item in [*sc.gates.values()]:
        assert item.chip.texts == ["", "", ""]
    assert all(t == "" for t in sc.chips["x"].texts)
    h0 = _trace(s).h0[0]
    assert sc.chips["h_prev"].texts == [fmt(v, 2) for v in h0]


def test_unrolled_arrows_are_coloured_by_the_vector_they_carry(unrolled):
    """Each arrow's colour is the scale's colour of the mean of what flows along it,
    read from the trace here: x_t, h_{t−1} (h_{t+1} backward), a layer's [h→; h←],
    each direction's output into that node, and the top layer's output into the head."""
    from rnnviz.gui.diagrams.style import value_colours

    s = _session("gru", H=4, L=2, bidir=True, T=5)
    tr = _trace(s)
    unrolled.set_trace(tr, s)

    def colour(v):
        return value_colours(np.array([np.mean(v)]))[0]

    def h(l, d, t):  # h at step t (1..T); the initial state outside
        return tr.h0[2 * l + d] if not 1 <= t <= 5 else tr.hidden(l, d)[t - 1]

    checked = differ = 0
    for col in unrolled.unrolled_scene.columns:
        t = col.t
        if not 1 <= t <= 5:
            continue
        layer_out = [np.concatenate([h(l, 0, t), h(l, 1, t)]) for l in range(2)]
        for l in range(2):
            for d in range(2):
                assert col.rec[(l, d)].colour() == colour(h(l, d, t - 1 if d == 0 else t + 1))
                carried = tr.x[t - 1] if l == 0 else layer_out[l - 1]
                assert col.inp[(l, d)].colour() == colour(carried)
                assert col.outs[2 * l + d].colour() == colour(h(l, d, t))
                checked += 1
        assert col.head.colour() == colour(layer_out[1])
        differ += col.outs[2].colour() != col.outs[0].colour()
    assert checked == 5 * 4
    assert differ  # layer 2's outputs are told apart from layer 1's on this net


def test_columns_not_yet_assigned_a_step_are_hidden(unrolled):
    """A long chain shown from its start: the pool's other columns (no step yet, all at
    x = 0) must not pile up over the initial-state column."""
    s = _session("lstm", H=4, L=2, bidir=True, T=120)
    unrolled.set_trace(_trace(s), s)
    unrolled.set_step(1)
    columns = unrolled.unrolled_scene.columns
    never_filled = [c for c in columns if c.group.x() == 0 and c.t != 0]
    assert never_filled, "the test needs a chain longer than the view"
    assert not any(c.group.isVisible() for c in never_filled)
    at_zero = [c for c in columns if c.group.isVisible() and c.group.x() == 0]
    assert len(at_zero) == 1 and at_zero[0].t == 0


def _chain_fits(view: DiagramsView) -> bool:
    """The whole chain's height is in view at the zoom the unrolled diagram chose."""
    u = view.unrolled
    return u.unrolled_scene.sceneRect().height() * u._scale <= u.viewport().height() + 1


def test_a_deep_bidirectional_chain_gets_the_height_it_needs(qtbot):
    """A tall chain takes more of the divider than a one-layer one, as far as the cell's
    inside below stays readable; where there is room (a projector) it is seen whole;
    once the user drags the divider, new traces leave it where they put it."""
    from rnnviz.gui.diagrams.unrolled import MIN_READABLE

    view = DiagramsView()
    qtbot.addWidget(view)
    view.resize(1200, 1000)
    view.show()
    qtbot.waitExposed(view)
    flat = _session("rnn_tanh", H=3, L=1, bidir=False, T=7)
    view.set_trace(_trace(flat), flat)
    top_flat = view.split.sizes()[0]
    assert _chain_fits(view)
    tall = _session("rnn_tanh", H=3, L=2, bidir=True, T=7)
    view.set_trace(_trace(tall), tall)
    qtbot.wait(10)
    top_tall, bottom = view.split.sizes()
    assert top_tall > top_flat + 40
    assert _chain_fits(view)  # 1000 pixels high: the whole 2-layer bidirectional chain
    assert view.cell.transform().m11() >= MIN_READABLE - 0.02  # and the cell's inside stays readable
    view.resize(1200, 700)  # a small screen: the cell's inside keeps its readable height
    qtbot.wait(10)
    assert view.cell.transform().m11() >= MIN_READABLE - 0.02
    assert view.split.sizes()[0] > 0.45 * sum(view.split.sizes())
    view.split.splitterMoved.emit(200, 1)  # the user drags the divider (Qt emits this then)
    view.split.setSizes([200, sum(view.split.sizes()) - 200])
    view.set_trace(_trace(tall), tall)
    assert view.split.sizes()[0] == 200


def test_the_diagrams_numbers_follow_the_decimals_setting(main_window):
    """f = 0.9997 read "1.00" at the diagrams' fixed 2 decimals (issue 18 §1)."""
    from dataclasses import replace

    from rnnviz.engine import Network

    w = main_window
    s = w.controller.session
    spec = replace(s.network.spec, mode="lstm")
    net = Network.from_spec(spec, seed=0)
    b = np.array(net.param("bias_ih_l0"))
    H = spec.hidden_size
    b[H : 2 * H] = 8.1  # the forget gate saturates: f ≈ 0.9997
    w.controller.set_network(net.with_params({"bias_ih_l0": b}))
    w.controller.request_cursor(step=1, gate="f")
    chip = w.diagrams_view.cell.cell_scene.gates["f"].chip
    f = w.controller.trace.gates(0, 0)["f"][0]
    assert w.controller.session.view.decimals == 4
    assert chip.texts[0] == f"{f[0]:.4f}" and chip.texts[0] != "1.00"
    w.math_panel.set_decimals(2)  # the one setting, changed in the step math
    assert w.controller.session.view.decimals == 2
    assert chip.texts[0] == f"{f[0]:.2f}"
    w.math_panel.set_decimals(8)
    assert chip.texts[0] == f"{f[0]:.5f}"  # at most five: a chip cell holds seven characters


@pytest.mark.parametrize("width", [700, 967, 1001, 1234])
def test_follow_keeps_the_current_column_whole(qtbot, width):
    """Issue 18 §2: at t = 10 of the impulse example the current column was half outside the view."""
    v = UnrolledDiagram()
    qtbot.addWidget(v)
    v.resize(width, 500)
    v.show()
    s = _session("lstm", H=1, T=40)
    v.set_trace(_trace(s), s)
    for t in range(1, 41):
        v.set_step(t)
        r = v.mapToScene(v.viewport().rect()).boundingRect()
        assert r.left() <= t * DX - DX / 2 and t * DX + DX / 2 <= r.right(), t
