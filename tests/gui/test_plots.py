"""PlotsArea, both ways: state → widget (set_trace / set_step / set_selection show the
trace's numbers) and widget → state (drag, click and choose emit the right signals)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtTest, QtWidgets

from rnnviz.engine import Network, NetworkSpec
from rnnviz.gui.plots import PlotsArea, style
from rnnviz.gui.plots.examples import example, per_step_loss, random_session, sine_sequence
from rnnviz.session.defaults import default_session
from rnnviz.session.model import Sequence, Session

# -- helpers --------------------------------------------------------------------------

AUTO = object()


def show(qtbot, session, step=1, loss=AUTO, size=(900, 650)) -> PlotsArea:
    area = PlotsArea()
    qtbot.addWidget(area)
    area.resize(*size)
    trace = session.network.forward(session.inputs)
    area.set_loss(per_step_loss(session, trace) if loss is AUTO else loss)
    area.set_trace(trace, session)
    area.set_step(step)
    area.show()
    qtbot.waitExposed(area)
    area.grab()  # paint once: pyqtgraph settles auto-ranges before painting
    return area


def view_point(plot, x: float, y: float) -> QtCore.QPoint:
    """Where data point (x, y) of a TimePlot / ReadoutPlot is, in its viewport's pixels."""
    vb = plot.plot_item.getViewBox()
    return plot.mapFromScene(vb.mapViewToScene(QtCore.QPointF(x, y)))


def mouse(widget, kind, pos: QtCore.QPoint, button=QtCore.Qt.MouseButton.LeftButton, held=None):
    buttons = button if held is None else held
    ev = QtGui.QMouseEvent(
        kind,
        QtCore.QPointF(pos),
        QtCore.QPointF(widget.mapToGlobal(pos)),
        button,
        buttons,
        QtCore.Qt.KeyboardModifier.NoModifier,
    )
    QtWidgets.QApplication.sendEvent(widget, ev)


def click(plot, x: float, y: float) -> None:
    vp = plot.viewport()
    p = view_point(plot, x, y)
    mouse(vp, QtCore.QEvent.Type.MouseButtonPress, p)
    mouse(vp, QtCore.QEvent.Type.MouseButtonRelease, p, held=QtCore.Qt.MouseButton.NoButton)


def drag(plot, x0: float, x1: float, y: float) -> None:
    """As a hand does it: move onto the cursor, press, move in steps a frame apart, release.
    (pyqtgraph drops moves closer than ~16 ms to the previous one, as a real mouse never sends.)"""
    vp = plot.viewport()
    a, b = view_point(plot, x0, y), view_point(plot, x1, y)
    left, none = QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.MouseButton.NoButton
    mouse(vp, QtCore.QEvent.Type.MouseMove, a, button=none, held=none)  # hover onto it first
    QtTest.QTest.qWait(25)
    mouse(vp, QtCore.QEvent.Type.MouseButtonPress, a)
    for k in range(1, 11):
        QtTest.QTest.qWait(25)
        p = a + (b - a) * (k / 10)
        mouse(vp, QtCore.QEvent.Type.MouseMove, p, button=none, held=left)
    mouse(vp, QtCore.QEvent.Type.MouseButtonRelease, b, held=none)


def hover(plot, x: float, y: float) -> str:
    vp = plot.viewport()
    none = QtCore.Qt.MouseButton.NoButton
    mouse(vp, QtCore.QEvent.Type.MouseMove, view_point(plot, x, y), button=none, held=none)
    return plot.readout.textItem.toPlainText() if plot.readout.isVisible() else ""


def curve_data(curve):
    return np.asarray(curve.xData), np.asarray(curve.yData)


# -- state → widget ----------------------------------------------------------------------


def test_hidden_panel_holds_h0_then_every_h_t(qtbot):
    session = default_session()
    area = show(qtbot, session, step=2)
    trace = area.trace
    hs = np.vstack([trace.h0[:1], trace.hidden(0, 0)])  # [T+1, H]
    panel = area.hidden_panel
    assert len(panel.curves) == 3
    for k, curve in enumerate(panel.curves):
        x, y = curve_data(curve)
        np.testing.assert_array_equal(x, np.arange(0, 5))
        np.testing.assert_array_equal(y, hs[:, k])
    assert [c.text() for c in panel.chips] == ["h1", "h2", "h3"]
    np.testing.assert_allclose(hs[1], [0.2913, 0.5370, -0.1974], atol=5e-5)  # the notes' h_1


def test_a_space_token_is_visible_on_the_bars_and_the_step_axis(qtbot):
    """Character tokens: " " would be an empty label; it shows as ␣, as in the tables."""
    from rnnviz.session.text import text_sequence

    seq = text_sequence("ab ba", mode="char")
    V = len(seq.vocabulary)
    net = Network.from_spec(NetworkSpec("rnn_tanh", V, 3, 1, False, V, "softmax"), seed=0)
    area = show(qtbot, Session(network=net, sequence=seq), step=1)
    ticks = area.output_panel.bars_plot.plot_item.getAxis("bottom")._tickLevels[0]
    assert "␣" in [label for _, label in ticks] and "" not in [label for _, label in ticks]
    assert area.panels_all()[0].plot.step_axis.tokens[2] == "␣"


def test_cursor_follows_set_step_in_every_visible_panel(qtbot):
    area = show(qtbot, default_session(), step=0)
    with qtbot.assertNotEmitted(area.sig_step_requested):
        area.set_step(3)
    panels = area.visible_panels()
    assert {p.objectName() for p in panels} == {"panel_h", "panel_y", "panel_loss"}
    for p in panels:
        assert p.plot.cursor.value() == 3


def test_bar_chart_shows_y_at_t_with_token_labels_and_the_target(qtbot):
    session = default_session()
    area = show(qtbot, session, step=2)
    out = area.output_panel
    np.testing.assert_array_equal(out.bar_heights, area.trace.y[1])
    ticks = out.bars_plot.plot_item.getAxis("bottom")._tickLevels[0]
    assert [label for _, label in ticks] == ["I", "love", "deep", "learning", "_"]
    pens = out.bars.opts["pens"]
    target = session.sequence.vocabulary.index("deep")  # after "love" comes "deep"
    assert pens[target].style() != QtCore.Qt.PenStyle.NoPen
    assert all(p.style() == QtCore.Qt.PenStyle.NoPen for k, p in enumerate(pens) if k != target)
    assert "target: <b>deep</b>" in out.bars_caption.text()
    assert out.target_label.isVisible() and out.target_label.pos().x() == target
    area.set_step(0)
    np.testing.assert_array_equal(out.bar_heights, np.zeros(5))
    area.set_step(4)
    np.testing.assert_array_equal(out.bar_heights, area.trace.y[3])


def test_output_lines_and_loss_hold_the_trace_and_the_given_loss(qtbot):
    session = default_session()
    loss = np.array([1.0, 2.0, np.nan, 0.5])
    area = show(qtbot, session, loss=loss)
    for k, curve in enumerate(area.output_panel.curves):
        x, y = curve_data(curve)
        np.testing.assert_array_equal(x, np.arange(1, 5))
        np.testing.assert_array_equal(y, area.trace.y[:, k])
    x, y = curve_data(area.loss_panel.curve)
    np.testing.assert_array_equal(x, np.arange(1, 5))
    np.testing.assert_array_equal(y, loss)
    area.set_loss(None)
    assert not area.loss_panel.isVisibleTo(area)


def test_lstm_gate_and_cell_panels_hold_the_trace(qtbot):
    area = show(qtbot, example("lstm"))
    trace = area.trace
    c = np.vstack([trace.c0[:1], trace.cell(0, 0)])
    x, y = curve_data(area.cell_panel.curves[4])
    np.testing.assert_array_equal(x, np.arange(0, 5))
    np.testing.assert_array_equal(y, c[:, 4])
    for g, values in trace.gates(0, 0).items():
        panel = area.gate_panels[g]
        assert not panel.heatmap
        for k, curve in enumerate(panel.curves):
            x, y = curve_data(curve)
            np.testing.assert_array_equal(x, np.arange(1, 5))
            np.testing.assert_array_equal(y, values[:, k])


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("default", {"h", "y", "loss"}),
        ("lstm", {"h", "c", "i", "f", "g", "o", "y", "loss"}),
        ("gru", {"h", "r", "z", "n", "y", "loss"}),
    ],
)
def test_panels_shown_per_mode(qtbot, name, shown):
    area = show(qtbot, example(name))
    visible = {p.objectName().removeprefix("panel_") for p in area.panels_all() if p.isVisibleTo(area)}
    assert visible == shown


def test_no_head_hides_outputs_and_no_targets_hides_the_loss(qtbot):
    seq = sine_sequence(30)
    session = random_session("rnn_relu", 4, seq, out=0)
    area = show(qtbot, session)
    assert not area.output_panel.isVisibleTo(area)
    assert not area.loss_panel.isVisibleTo(area)  # no head, so no loss either
    no_targets = random_session("gru", 4, Sequence(inputs=seq.inputs), out=1)
    area.set_loss(np.ones(30))
    area.set_trace(no_targets.network.forward(no_targets.inputs), no_targets)
    assert area.output_panel.isVisibleTo(area)
    assert not area.loss_panel.isVisibleTo(area)


def test_heatmap_is_the_default_above_16_units_with_fixed_levels(qtbot):
    area = show(qtbot, example("gru"))
    trace = area.trace
    for g, values in trace.gates(0, 0).items():
        panel = area.gate_panels[g]
        assert panel.heatmap
        np.testing.assert_array_equal(panel.image.image, values.T)  # rows are units
        expected = (-1.0, 1.0) if g == "n" else (0.0, 1.0)
        assert tuple(panel.image.getLevels()) == expected
        assert tuple(panel.colorbar.levels()) == expected
        assert panel.colorbar.scene() is not None
    assert area.hidden_panel.heatmap
    assert tuple(area.hidden_panel.image.getLevels()) == (-1.0, 1.0)


def test_set_selection_highlights_the_unit_everywhere_without_echo(qtbot):
    area = show(qtbot, example("lstm"))
    with (
        qtbot.assertNotEmitted(area.sig_unit_selected),
        qtbot.assertNotEmitted(area.sig_layer_direction_selected),
    ):
        area.set_selection(1, 1, 5, "f")
    assert area.selector.currentText() == "layer 2 ← backward"
    for p in area.active_unit_panels():
        widths = [c.opts["pen"].widthF() for c in p.curves]
        assert widths[5] == max(widths) and widths.count(max(widths)) == 1
    assert "border" in area.gate_panels["f"].styleSheet()
    h = area.trace.hidden(1, 1)
    _, y = curve_data(area.hidden_panel.curves[5])
    np.testing.assert_array_equal(y, np.append(h[:, 5], area.trace.h0[3, 5]))  # backward: h0 at T+1


def test_the_backward_start_step_is_on_the_axis_only_for_the_backward_direction(qtbot):
    """T + 1 holds the backward direction's h_0; a forward view has no such step."""
    area = show(qtbot, example("lstm"))
    T = area.trace.steps
    assert area.trace.network.num_directions == 2
    panels = [*area.active_unit_panels(), area.output_panel]
    area.set_selection(0, 0, 0)
    assert all(p.plot.x_max == T for p in panels)
    assert area.hidden_panel.plot.plot_item.getViewBox().viewRange()[0][1] == pytest.approx(T + 0.5)
    area.set_selection(0, 1, 0)
    assert all(p.plot.x_max == T + 1 for p in panels)
    assert area.hidden_panel.plot.step_axis.backward_start == T + 1
    area.set_selection(1, 0, 0)
    assert all(p.plot.x_max == T for p in panels)
    vb = area.hidden_panel.plot.plot_item.getViewBox()
    vb.setXRange(2, 5, padding=0)  # zoomed in time: switching direction keeps the window
    area.set_selection(1, 1, 0)
    lo, hi = vb.viewRange()[0]
    assert hi - lo == pytest.approx(3)  # still zoomed to 3 steps, not reset to all T


def test_items_are_updated_not_rebuilt_when_the_structure_stays(qtbot):
    session = example("lstm")
    area = show(qtbot, session)
    curves = list(area.hidden_panel.curves)
    gate_curves = list(area.gate_panels["f"].curves)
    image, bars = area.gate_panels["f"].image, area.output_panel.bars
    net2 = session.network.with_params({"weight_hh_l0": np.zeros((32, 8))})
    s2 = session.with_network(net2)
    t2 = net2.forward(s2.inputs)
    area.set_trace(t2, s2)
    assert area.hidden_panel.curves == curves and all(
        a is b for a, b in zip(curves, area.hidden_panel.curves, strict=True)
    )
    assert all(a is b for a, b in zip(gate_curves, area.gate_panels["f"].curves, strict=True))
    assert area.gate_panels["f"].image is image and area.output_panel.bars is bars
    np.testing.assert_array_equal(curve_data(curves[0])[1][1:], t2.hidden(0, 0)[:, 0])
    bigger = random_session("lstm", 9, session.sequence, out=5, head="softmax")
    area.set_trace(bigger.network.forward(bigger.inputs), bigger)
    assert len(area.hidden_panel.curves) == 9  # pooled: one line added, the others kept
    np.testing.assert_array_equal(
        curve_data(area.hidden_panel.curves[8])[1][1:], area.trace.hidden(0, 0)[:, 8]
    )


def test_many_units_draw_capped_lines_that_include_the_selected_unit(qtbot):
    area = show(qtbot, example("gru"))
    panel = area.hidden_panel
    panel.toggle.click()
    assert not panel.heatmap and len(panel.curves) == 16
    area.set_selection(0, 0, 40, "")
    assert 40 in panel._shown_units
    k = panel._shown_units.index(40)
    np.testing.assert_array_equal(curve_data(panel.curves[k])[1][1:], area.trace.hidden(0, 0)[:, 40])


# -- widget → state ------------------------------------------------------------------------


def test_dragging_the_cursor_requests_the_snapped_step(qtbot):
    area = show(qtbot, default_session(), step=1)
    plot = area.hidden_panel.plot
    got = []
    area.sig_step_requested.connect(got.append)
    drag(plot, 1.0, 3.2, 0.0)
    assert got and got[-1] == 3
    assert all(isinstance(t, int) and 0 <= t <= 4 for t in got)
    assert plot.cursor.value() == 3  # snapped to a whole step


def test_clicking_a_legend_entry_selects_the_unit_in_every_panel(qtbot):
    area = show(qtbot, example("lstm"))
    with qtbot.waitSignal(area.sig_unit_selected) as sig:
        qtbot.mouseClick(area.cell_panel.chips[2], QtCore.Qt.MouseButton.LeftButton)
    assert sig.args == [2]
    assert area.selection[2] == 2
    for p in area.active_unit_panels():
        assert p.curves[2].opts["pen"].widthF() > p.curves[0].opts["pen"].widthF()


def test_clicking_a_curve_selects_its_unit_and_gate(qtbot):
    area = show(qtbot, example("lstm"))
    panel = area.gate_panels["o"]
    values = area.trace.gates(0, 0)["o"]
    # pick a point where unit 6's curve stands clear of the others
    t, k = max(((t, k) for t in range(4) for k in range(8)), key=lambda tk: np.sort(
        np.abs(values[tk[0]] - values[tk[0], tk[1]]))[1])  # fmt: skip
    units, gates = [], []
    area.sig_unit_selected.connect(units.append)
    area.sig_gate_selected.connect(gates.append)
    click(panel.plot, t + 1, values[t, k])
    assert units == [k]
    assert gates == ["o"]


def test_clicking_a_line_between_steps_selects_its_unit(qtbot):
    """A long sequence has no dots: the line itself takes the click, midway between steps."""
    T = 60
    assert T > style.SYMBOLS_UP_TO
    area = show(qtbot, random_session("rnn_tanh", 4, sine_sequence(T), seed=3), size=(1000, 700))
    panel = area.hidden_panel
    h = np.vstack([area.trace.h0[:1], area.trace.hidden(0, 0)])  # [T + 1, H]: row t at x = t
    # the unit whose line stands clearest of the others halfway from step t to t + 1
    t, k = max(((t, k) for t in range(2, T - 2) for k in range(4)), key=lambda tk: np.sort(
        np.abs((h[tk[0]] + h[tk[0] + 1]) / 2 - (h[tk[0], tk[1]] + h[tk[0] + 1, tk[1]]) / 2))[1])  # fmt: skip
    units = []
    area.sig_unit_selected.connect(units.append)
    click(panel.plot, t + 0.5, (h[t, k] + h[t + 1, k]) / 2)
    assert units == [k]


def test_heatmap_row_click_selects_a_unit_and_toggle_switches_views(qtbot):
    area = show(qtbot, example("lstm"))
    panel = area.gate_panels["g"]
    panel.toggle.click()
    assert panel.heatmap and panel.image.isVisible() and not panel.curves[0].isVisible()
    np.testing.assert_array_equal(panel.image.image, area.trace.gates(0, 0)["g"].T)
    assert tuple(panel.image.getLevels()) == (-1.0, 1.0)
    with qtbot.waitSignal(area.sig_unit_selected) as sig:
        click(panel.plot, 2.0, 7.0)  # heatmap row y = 7 is unit 7, index 6
    assert sig.args == [6]
    panel.toggle.click()
    assert not panel.heatmap and panel.curves[0].isVisible()


def test_layer_direction_selector_emits_and_switches_the_data(qtbot):
    area = show(qtbot, example("lstm"))
    labels = [area.selector.itemText(i) for i in range(area.selector.count())]
    assert labels == ["layer 1 → forward", "layer 1 ← backward", "layer 2 → forward", "layer 2 ← backward"]
    area.selector.setFocus()
    with qtbot.waitSignal(area.sig_layer_direction_selected) as sig:
        qtbot.keyClick(area.selector, QtCore.Qt.Key.Key_Down)
    assert sig.args == [0, 1]
    trace = area.trace
    _, y = curve_data(area.gate_panels["i"].curves[0])
    np.testing.assert_array_equal(y, trace.gates(0, 1)["i"][:, 0])
    _, y = curve_data(area.hidden_panel.curves[0])
    np.testing.assert_array_equal(y, np.append(trace.hidden(0, 1)[:, 0], trace.h0[1, 0]))


def test_hover_readout_names_step_unit_and_value(qtbot):
    area = show(qtbot, default_session())
    plot = area.hidden_panel.plot
    text = hover(plot, 1.0, 0.537)
    assert text == "t=1 · unit 2 · h = 0.5370"
    area.loss_panel.plot.readout_fn  # noqa: B018 (exists)
    panel = area.gate_panels["f"]  # hidden for a vanilla RNN: no readout needed
    assert not panel.isVisibleTo(area)


def test_clicking_a_gate_title_selects_the_gate(qtbot):
    area = show(qtbot, example("gru"))
    panel = area.gate_panels["z"]
    with qtbot.waitSignal(area.sig_gate_selected) as sig:
        qtbot.mouseClick(panel, QtCore.Qt.MouseButton.LeftButton, pos=panel.title.geometry().center())
    assert sig.args == ["z"]
    assert area.selection[3] == "z"


def test_a_gate_title_stays_on_one_line_when_the_panel_has_room(qtbot):
    """A word-wrapped title beside a stretch was given a narrow guess of a width: "n_t —
    candidate (new state) [−1, 1]" wrapped to three lines on a 700 px panel."""
    area = show(qtbot, example("gru"), size=(1500, 900))
    panel = area.gate_panels["n"]
    qtbot.waitUntil(lambda: panel.width() > 600)
    one_line = panel.title.fontMetrics().lineSpacing()
    assert panel.title.height() < 1.6 * one_line
    assert panel.title.width() > panel.width() / 2  # it has the row's room
