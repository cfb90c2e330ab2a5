"""PlotsArea at the edges: overflowing networks, sparse targets, new sentences, zoom,
clamped cursors, the default-heatmap threshold, and the panels run on their own."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6 import QtCore, QtGui
from test_plots import hover, show, view_point  # the shared helpers

from rnnviz.gui.plots import PlotsArea
from rnnviz.gui.plots.examples import example, random_session, sine_sequence
from rnnviz.session.defaults import default_session
from rnnviz.session.model import Sequence, Session

# -- edge cases ------------------------------------------------------------------------------


def test_colour_scales_follow_the_data_where_there_is_no_fixed_range(qtbot):
    lstm = show(qtbot, example("lstm"))
    lstm.cell_panel.toggle.click()
    lo, hi = lstm.cell_panel.image.getLevels()
    assert lo == -hi and hi >= 1.0  # c_t is unbounded: a symmetric scale, at least [−1, 1]
    relu = show(qtbot, random_session("rnn_relu", 20, sine_sequence(30)))
    lo, hi = relu.hidden_panel.image.getLevels()
    assert lo == 0.0 and hi == pytest.approx(float(relu.trace.hidden(0, 0).max()))


def test_an_overflowing_network_is_drawn_and_named(qtbot):
    from rnnviz.engine import Network, NetworkSpec
    from rnnviz.session.model import Session

    spec = NetworkSpec("rnn_relu", 1, 20, 1, False, 1, None)
    net = Network.from_spec(spec, init="constant", constant=50.0)
    seq = Sequence(inputs=np.full((200, 1), 1e3), targets=np.zeros((200, 1)))
    with np.errstate(all="ignore"):
        trace = net.forward(seq.inputs)
    assert not np.isfinite(trace.hidden(0, 0)).all()
    area = PlotsArea()
    qtbot.addWidget(area)
    loss = np.full(200, np.nan)
    loss[-1] = 2.0  # many-to-one: one counted step
    area.set_loss(loss)
    area.set_trace(trace, Session(network=net, sequence=seq))
    area.show()
    area.grab()
    assert "overflowed" in area.info.text()
    assert area.loss_panel.curve.opts["symbol"] == "o"  # the single point stays visible


def test_the_panels_run_on_their_own(tmp_path):
    import subprocess
    import sys

    png = tmp_path / "plots.png"
    env = {**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "rnnviz.gui.plots", "lstm", "--png", str(png)], env=env, timeout=120
    )
    assert done.returncode == 0 and png.stat().st_size > 10_000


def test_a_new_sentence_of_the_same_shape_relabels_the_steps(qtbot):
    session = default_session()
    area = show(qtbot, session)
    axis = area.hidden_panel.plot.step_axis
    assert axis.tokens == ("I", "love", "deep", "learning")
    assert axis.tickStrings([2], 1, 1) == ["2\nlove"]  # the step over its token
    new = session.with_sequence(replace(session.sequence, tokens=("deep", "deep", "I", "_")))
    curves = list(area.hidden_panel.curves)
    area.set_trace(new.network.forward(new.inputs), new)
    assert area.hidden_panel.curves == curves  # same structure: nothing rebuilt
    assert axis.tokens == ("deep", "deep", "I", "_")


def test_zoom_is_shared_in_time_and_a_double_click_shows_every_step(qtbot):
    area = show(qtbot, example("gru"))
    area.hidden_panel.plot.plot_item.setXRange(20, 40, padding=0)
    x0, x1 = area.gate_panels["z"].plot.plot_item.getViewBox().viewRange()[0]
    assert (x0, x1) == pytest.approx((20, 40))  # every time axis is linked
    plot = area.loss_panel.plot
    qtbot.mouseDClick(plot.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=view_point(plot, 30, 0.5))
    x0, x1 = area.gate_panels["z"].plot.plot_item.getViewBox().viewRange()[0]
    assert (x0, x1) == pytest.approx((-0.5, 100.5))


def test_bar_chart_readout_names_the_token(qtbot):
    area = show(qtbot, default_session(), step=2)
    bars = area.output_panel.bars_plot
    text = hover(bars, 2.0, 0.1)
    assert text == f"t=2 · deep · y = {area.trace.y[1, 2]:.4f}"


def test_updates_never_echo_as_requests(qtbot):
    area = show(qtbot, example("gru"), step=90)
    short = random_session("gru", 64, sine_sequence(10), seed=1)
    with (
        qtbot.assertNotEmitted(area.sig_step_requested),
        qtbot.assertNotEmitted(area.sig_unit_selected),
        qtbot.assertNotEmitted(area.sig_layer_direction_selected),
        qtbot.assertNotEmitted(area.sig_gate_selected),
    ):
        area.set_trace(short.network.forward(short.inputs), short)  # the cursor is clamped to T = 10
        area.set_step(5)
        area.set_selection(0, 0, 3, "z")
        area.set_loss(None)


def test_gate_readout_and_legend_name_the_gate(qtbot):
    area = show(qtbot, example("lstm"))
    panel = area.gate_panels["f"]
    values = area.trace.gates(0, 0)["f"]
    panel.toggle.click()  # heatmap: the row under the mouse is the unit
    assert hover(panel.plot, 2.0, 3.0) == f"t=2 · unit 3 · f (forget) = {values[1, 2]:.4f}"
    assert panel.chips[1].toolTip().startswith("f (forget) unit 2")


@pytest.mark.parametrize(("hidden", "heatmap"), [(16, False), (17, True)])
def test_heatmap_is_the_default_from_17_units(qtbot, hidden, heatmap):
    area = show(qtbot, random_session("lstm", hidden, sine_sequence(10)))
    assert all(p.heatmap == heatmap for p in area.active_unit_panels())
    assert area.gate_panels["o"].colorbar.scene() is not None if heatmap else True


def test_steps_without_a_target_mark_none(qtbot):
    session = default_session()
    targets = np.array(session.targets)
    targets[:3] = np.nan  # many-to-one: only the last step has a target
    seq = replace(session.sequence, targets=targets, shape="many_to_one")
    area = show(qtbot, session.with_sequence(seq), step=2, loss=np.array([np.nan, np.nan, np.nan, 1.5]))
    out = area.output_panel
    assert all(p.style() == QtCore.Qt.PenStyle.NoPen for p in out.bars.opts["pens"])
    assert "target" not in out.bars_caption.text() and not out.target_label.isVisible()
    area.set_step(4)
    assert "target: <b>_</b>" in out.bars_caption.text()


def test_dots_only_on_short_sequences_even_after_a_new_selection(qtbot):
    long = show(qtbot, random_session("lstm", 6, sine_sequence(200)))
    long.set_selection(0, 0, 3, "")
    assert all(c.opts["symbol"] is None for p in long.active_unit_panels() for c in p.curves)
    short = show(qtbot, default_session())
    short.set_selection(0, 0, 2, "")
    assert all(c.opts["symbol"] == "o" for c in short.hidden_panel.curves)


def _sentiment():
    from rnnviz.session.examples import examples_dir
    from rnnviz.session.files import load_session

    return load_session(examples_dir() / "03_sentiment_many_to_one_seed000.rnnviz")


def test_one_sigmoid_output_is_a_probability_not_an_argmax(qtbot):
    session = _sentiment()  # many-to-one: 'positive' at the last step only
    area = show(qtbot, session, step=3, loss=None)
    out, y = area.output_panel, area.trace.y
    caption = out.bars_caption.text()
    assert f"= {y[2, 0]:.2f} = P(positive)" in caption and "predicted" not in caption
    assert "target" not in caption and not out.target_label.isVisible()
    area.set_step(session.sequence.steps)
    assert "— target" in out.bars_caption.text() and not out.target_label.isVisible()
    xs, ys = out.target_marks.getData()
    assert list(xs) == [0] and list(ys) == [1.0]


def test_the_loss_axis_starts_at_zero_and_labels_small_losses(qtbot):
    session = default_session()
    area = show(qtbot, session, step=2, loss=np.array([np.nan, np.nan, np.nan, 0.0015]))
    plot = area.loss_panel.plot
    lo, hi = plot.plot_item.viewRange()[1]
    assert lo <= 0.0 < 0.0015 < hi  # one point is drawn above a zero line, not in the middle
    axis = plot.plot_item.getAxis("left")
    widest = max(
        QtGui.QFontMetrics(axis.style["tickFont"]).horizontalAdvance(s)
        for spacing, values in axis.tickValues(lo, hi, plot.height())
        for s in axis.tickStrings(values, 1.0, spacing)
    )
    assert axis.width() >= widest  # a fixed narrow axis dropped every label
    assert "mean L = 0.0015" in area.loss_panel.title_text


def test_every_step_keeps_its_token_on_a_narrow_panel(qtbot):
    """Seven words on a 430-pixel axis (a panel in two columns at 1400 × 900): each step
    is labelled, its token under it."""
    session = default_session()
    words = ("They", "seem", "very", "tasty", "I", "love", "cheese")
    vocab = tuple(dict.fromkeys(words))
    seq = Sequence(
        inputs=np.eye(len(vocab))[[vocab.index(w) for w in words]], vocabulary=vocab, tokens=words,
        token_mode="word",
    )  # fmt: skip
    net = session.network.from_spec(replace(session.network.spec, input_size=len(vocab)), seed=0)
    area = show(qtbot, Session(network=net, sequence=seq), size=(900, 650))
    plot = area.hidden_panel.plot
    axis = plot.step_axis
    lo, hi = plot.plot_item.getViewBox().viewRange()[0]
    (spacing, values), *_ = axis.tickValues(lo, hi, 430)
    assert values == list(range(0, 8))
    assert axis.tickStrings([1, 7], 1, spacing) == ["1\nThey", "7\ncheese"]


def test_heatmap_labels_its_first_and_last_unit(qtbot):
    """H = 64: rows are 2 px, so units 1 and 64 need room for their labels."""
    area = show(qtbot, example("gru"))  # H = 64: heatmaps by default
    panel = area.hidden_panel
    vb = panel.plot.plot_item.getViewBox()
    axis = panel.plot.plot_item.getAxis("left")
    assert [v for v, _ in axis._tickLevels[0]][:1] == [1] and axis._tickLevels[0][-1][0] == 64
    half = QtGui.QFontMetrics(axis.style["tickFont"]).height() / 2
    top, bottom = vb.sceneBoundingRect().top(), vb.sceneBoundingRect().bottom()
    assert vb.mapViewToScene(QtCore.QPointF(0, 1)).y() - top >= half
    assert bottom - vb.mapViewToScene(QtCore.QPointF(0, 64)).y() >= half


def test_gate_titles_wear_the_gate_colours_of_the_diagram_and_the_math(qtbot):
    from rnnviz.gui.theme import GATE_COLOURS

    area = show(qtbot, example("lstm"))
    for g, panel in area.gate_panels.items():
        assert f"color:{GATE_COLOURS[g]}" in panel.title.text()


def test_the_last_step_keeps_its_axis_label(qtbot):
    """T = 40 ends the axis half a step after its tick: its label is drawn all the same."""
    area = show(qtbot, random_session("gru", 8, sine_sequence(40)), size=(900, 650))
    axis = area.hidden_panel.plot.step_axis
    image = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    labels = [text for _, _, text in texts]
    assert "0" in labels and "40" in labels


def test_a_new_output_while_step_0_is_shown_paints(qtbot, main_window):
    """Plots in front at t = 0, then "+ Target" (a sixth output): the bars kept the five
    per-bar pens of the last step drawn, and painting them crashed the process (found by
    the monkey walk; Plots, Home, + Target is enough)."""
    from PySide6 import QtWidgets

    w = main_window
    w.show_view("plots")
    w.controller.request_cursor(step=0)
    QtWidgets.QApplication.processEvents()
    add = next(b for b in w.sequence_dock.findChildren(QtWidgets.QPushButton) if b.text() == "+ Target")
    add.click()
    QtWidgets.QApplication.processEvents()
    assert w.controller.session.sequence.targets.shape[1] == 6
    assert not w.plots_view.grab().isNull()  # painted
