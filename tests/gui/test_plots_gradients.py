"""The gradient panels of PlotsArea: ‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖) on a log axis, ∂L/∂h_t per unit.

The truth is the engine's per-step gradients, whose own tests check them against central
differences; here the norms are recomputed with ``np.linalg.norm``, independently of the
panel's code."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.train import loss_and_grads
from rnnviz.gui.plots import PlotsArea
from rnnviz.gui.plots.gradients import DecadeAxis, positive_or_nan, power_of_ten
from rnnviz.session.model import Sequence, Session


def network_and_grads(mode, H=3, T=8, layers=1, bi=False, shape="many_to_many", seed=0, forget_bias=0.0):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (T, 2))
    target = rng.normal(0, 1, (T, 1))
    if shape == "many_to_one":
        target[:-1] = np.nan
    net = Network.from_spec(NetworkSpec(mode, 2, H, layers, bi, 1, None), seed=seed)
    if forget_bias:
        b = net.param("bias_ih_l0").copy()
        b[H : 2 * H] += forget_bias  # LSTM gate order i, f, g, o
        net = net.with_params({"bias_ih_l0": b})
    seq = Sequence(inputs=x, targets=target, input_names=("x1", "x2"), target_names=("y",), shape=shape)
    trace, loss, grads = loss_and_grads(net, x, target, "mse", shape)
    return Session(network=net, sequence=seq), trace, loss, grads


def show(qtbot, session, trace, loss, grads, size=(1000, 900)) -> PlotsArea:
    area = PlotsArea()
    qtbot.addWidget(area)
    area.resize(*size)
    area.set_trace(trace, session)
    area.set_loss(loss.per_step)
    area.set_gradients(grads)
    area.set_step(1)
    area.show()
    qtbot.waitExposed(area)
    area.grab()
    return area


def test_each_curve_is_the_norm_of_dh_or_dc_at_every_step(qtbot):
    session, trace, loss, grads = network_and_grads("lstm", layers=2, bi=True)
    area = show(qtbot, session, trace, loss, grads)
    panel = area.gradient_panels.norms
    assert len(panel.curves) == 2 * 2 * 2  # (h, c) × 2 layers × 2 directions
    for (kind, layer, d), curve in panel.curves.items():
        g = grads.dh(layer, d) if kind == "h" else grads.dc(layer, d)  # [T, H]
        np.testing.assert_array_equal(curve.xData, np.arange(1, 9))
        np.testing.assert_allclose(curve.yData, np.linalg.norm(g, axis=1), rtol=1e-12)
        dashed = curve.opts["pen"].style() == QtCore.Qt.PenStyle.DashLine
        assert dashed == (kind == "c")
    h10, c10 = panel.curves[("h", 1, 0)], panel.curves[("c", 1, 0)]
    assert h10.opts["pen"].color() == c10.opts["pen"].color()  # one colour per layer and direction
    legend = panel.legend.text().replace("&nbsp;", " ").replace("\u2060", "")
    assert "‖∂L/∂hₜ‖ – – ‖∂L/∂cₜ‖ layer 2 ←" in legend
    assert panel in area.visible_panels() and panel.isVisibleTo(area)


def test_a_vanilla_rnn_has_one_curve_per_layer_and_direction_named_in_course_notation(qtbot):
    session, trace, loss, grads = network_and_grads("rnn_tanh", layers=2)
    area = show(qtbot, session, trace, loss, grads)
    panel = area.gradient_panels.norms
    assert sorted(panel.curves) == [("h", 0, 0), ("h", 1, 0)]
    assert "‖∂L/∂hₜ‖ layer 1 →" in panel.legend.text().replace("&nbsp;", " ").replace("\u2060", "")


def test_the_log_axis_gets_no_zero_a_gap_instead(qtbot):
    """Many-to-one, bidirectional: the backward direction's h_t for t < T never reaches the
    loss (its ∂L/∂h_t is exactly 0); a log axis must not be handed those zeros."""
    session, trace, loss, grads = network_and_grads("rnn_tanh", T=60, bi=True, shape="many_to_one")
    norms = np.linalg.norm(grads.dh(0, 1), axis=1)
    assert (norms[:-1] == 0).all() and norms[-1] > 0  # the case this test is about
    area = show(qtbot, session, trace, loss, grads)
    curve = area.gradient_panels.norms.curves[("h", 0, 1)]
    assert curve.opts["logMode"] == [False, True]
    y = np.asarray(curve.yData)
    assert np.isnan(y[:-1]).all() and y[-1] == pytest.approx(norms[-1])
    assert curve.opts["symbol"] == "o"  # one value on its own: a dot, or nothing would show
    assert area.gradient_panels.norms.curves[("h", 0, 0)].opts["symbol"] is None  # 60 steps: a line
    _, shown = curve.getData()  # what is drawn: log10 of the value
    assert shown[-1] == pytest.approx(np.log10(norms[-1]))
    lo, hi = area.gradient_panels.norms.plot.plot_item.getViewBox().viewRange()[1]
    assert np.isfinite(lo) and np.isfinite(hi)


def test_the_log_axis_spans_at_least_ten_decades_so_slopes_compare(qtbot):
    from rnnviz.gui.plots.examples import example, gradients

    spans = {}
    for name in ("remembering", "vanishing"):
        session = example(name)
        trace = session.network.forward(session.inputs)
        area = show(qtbot, session, trace, type("L", (), {"per_step": None})(), gradients(session))
        lo, hi = area.gradient_panels.norms.plot.plot_item.getViewBox().viewRange()[1]
        n = np.linalg.norm(gradients(session).dh(0, 0), axis=1)
        assert lo <= np.log10(n.min()) and hi >= np.log10(n.max())  # every value in view
        spans[name] = hi - lo
    # the LSTM's 4 decades fill less than half of its 10-decade axis; the RNN's 23, all of it
    assert 10 <= spans["remembering"] < 12 and spans["vanishing"] > 23


def test_positive_or_nan_masks_what_a_log_axis_cannot_show():
    a = np.array([1.0, 0.0, -2.0, np.inf, 3e-300, np.nan])
    out = positive_or_nan(a)
    np.testing.assert_array_equal(np.isnan(out), [False, True, True, True, False, True])
    assert a[1] == 0.0  # the input is left alone


def test_decade_labels_and_numbers_in_powers_of_ten(qtbot):
    from rnnviz.gui.plots.gradients import GradNormPanel

    panel = GradNormPanel()
    qtbot.addWidget(panel)
    assert isinstance(panel.plot.plot_item.getAxis("left"), DecadeAxis)
    axis = DecadeAxis("left")
    assert axis.logTickStrings([0.0, 1.0, -8.0, -7.5, 2.0], 1.0, 1.0) == ["1", "10", "10⁻⁸", "", "10²"]
    assert power_of_ten(2.57e-23) == "2.6·10⁻²³" and power_of_ten(1.39) == "1.4"


def test_the_caption_says_how_many_orders_of_magnitude_the_gradient_falls(qtbot):
    session, trace, loss, grads = network_and_grads("rnn_tanh", H=4, T=60, shape="many_to_one", seed=1)
    area = show(qtbot, session, trace, loss, grads)
    n = np.linalg.norm(grads.dh(0, 0), axis=1)
    decades = round(float(np.log10(n.max() / n[0])))
    assert decades >= 5  # a tanh RNN over 60 steps: the gradient vanishes
    text = area.gradient_panels.norms.caption.text()
    assert f"{decades} orders of magnitude smaller" in text and "at t = 1" in text
    assert np.isfinite(area.gradient_panels.norms.curves[("h", 0, 0)].yData).all()  # however small


class OneLayerGrads:
    """Just what the norms panel reads: ∂L/∂h_t of one layer and direction."""

    def __init__(self, dh):
        self._dh = np.asarray(dh, dtype=float)

    def dh(self, layer=0, direction=0):
        return self._dh


@pytest.mark.parametrize(
    ("first", "said"),
    [
        (0.0, "0 at t = 1: h<sub>1</sub> does not reach the loss"),
        (1e-43, "1.0·10⁻⁴³ at t = 1 — 43 orders of magnitude smaller"),  # tiny is not zero
        (np.inf, "overflowed"),
    ],
)
def test_the_caption_tells_an_exact_zero_from_a_tiny_value_and_an_overflow(qtbot, first, said):
    from rnnviz.gui.plots.gradients import GradNormPanel

    panel = GradNormPanel()
    qtbot.addWidget(panel)
    panel.build(1, 1, False, 3, 3)
    panel.set_values(OneLayerGrads([[first, 0.0], [1e-3, 0.0], [0.0, 1.0]]))
    panel.set_selection(0, 0)
    assert said in panel.caption.text()
    assert "= 1 at t = 3" in panel.caption.text() or first == np.inf


def test_the_heatmap_is_dh_of_the_selected_layer_and_direction_on_a_symmetric_scale(qtbot):
    session, trace, loss, grads = network_and_grads("gru", layers=2, bi=True)
    area = show(qtbot, session, trace, loss, grads)
    panel = area.gradient_panels.units
    np.testing.assert_array_equal(panel.image.image, grads.dh(0, 0).T)  # [H, T]: a row per unit
    area.set_selection(1, 1, 2, "")
    dh = grads.dh(1, 1)
    np.testing.assert_array_equal(panel.image.image, dh.T)
    m = np.abs(dh).max()
    assert tuple(panel.image.levels) == pytest.approx((-m, m))
    assert tuple(panel.colorbar.levels()) == pytest.approx((-m, m))
    assert "layer 2 ← backward" in panel.title.text()
    rect = panel.image.mapRectToParent(panel.image.boundingRect())
    assert (rect.left(), rect.width()) == pytest.approx((0.5, 8))  # column k at step k + 1
    assert panel.selection_box.rect().top() == pytest.approx(2.5)  # unit 3 framed


def test_the_cursor_moves_in_the_gradient_panels_too(qtbot):
    session, trace, loss, grads = network_and_grads("lstm")
    area = show(qtbot, session, trace, loss, grads)
    with qtbot.assertNotEmitted(area.sig_step_requested):
        area.set_step(5)
    for p in area.gradient_panels.panels():
        assert p.plot.cursor.value() == 5


def test_a_heatmap_row_click_selects_the_unit_everywhere(qtbot):
    session, trace, loss, grads = network_and_grads("rnn_tanh")
    area = show(qtbot, session, trace, loss, grads)
    with qtbot.waitSignal(area.sig_unit_selected) as blocker:
        area.gradient_panels.units.image.sig_row_clicked.emit(2)
    assert blocker.args == [2] and area.selection[2] == 2
    assert area.hidden_panel._unit == 2


def test_no_gradients_or_gradients_of_another_network_hide_the_panels(qtbot):
    session, trace, loss, grads = network_and_grads("rnn_tanh")
    area = show(qtbot, session, trace, loss, grads)
    panels = area.gradient_panels.panels()
    assert all(p.isVisibleTo(area) for p in panels)
    area.set_gradients(None)  # no targets
    assert not any(p.isVisibleTo(area) for p in panels)
    assert not any(p in area.visible_panels() for p in panels)
    _, _, _, other = network_and_grads("rnn_tanh", T=5)  # another length: stale
    area.set_gradients(other)
    assert not any(p.isVisibleTo(area) for p in panels)
    area.set_gradients(grads)
    assert all(p.isVisibleTo(area) for p in panels)


def test_gradients_may_arrive_before_the_trace(qtbot):
    session, trace, loss, grads = network_and_grads("lstm", H=2)
    area = PlotsArea()
    qtbot.addWidget(area)
    area.set_gradients(grads)
    area.set_trace(trace, session)
    curve = area.gradient_panels.norms.curves[("c", 0, 0)]
    np.testing.assert_allclose(curve.yData, np.linalg.norm(grads.dc(0, 0), axis=1), rtol=1e-12)
    np.testing.assert_array_equal(area.gradient_panels.units.image.image, grads.dh(0, 0).T)


def test_the_readouts_name_the_curve_and_the_unit_under_the_mouse(qtbot):
    session, trace, loss, grads = network_and_grads("lstm")
    area = show(qtbot, session, trace, loss, grads)
    norms = area.gradient_panels.norms
    dc3 = np.linalg.norm(grads.dc(0, 0)[2])
    text = norms.plot.readout_fn(3.1, np.log10(dc3))  # y in log10 units: a log axis
    assert text == f"t=3 · ‖∂L/∂c_t‖ layer 1 → = {dc3:.3g}"
    units = area.gradient_panels.units
    assert units.plot.readout_fn(2.0, 3.2) == f"t=2 · unit 3 · ∂L/∂h = {grads.dh(0, 0)[1, 2]:.3g}"
    assert units.plot.readout_fn(0.0, 1.0) is None  # no gradient at step 0


def test_compare_mode_overlays_each_runs_gradient_norm_named_and_in_words(qtbot):
    """A comparison: one ‖∂L/∂h_t‖ curve a run (the engine's norms), the runs named in the
    legend (markup shown literally), and each run's ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ in the caption."""
    from dataclasses import replace

    from rnnviz.session.compare import compare_sessions
    from rnnviz.session.compute import compute

    rnn, *_ = network_and_grads("rnn_tanh", T=12, shape="many_to_one")
    gru, *_ = network_and_grads("gru", T=12, shape="many_to_one")
    gru = replace(gru, sequence=rnn.sequence)
    s = compare_sessions([("<b>tanh</b>", rnn), ("GRU", gru)])
    computed = compute(s)
    area = PlotsArea()
    qtbot.addWidget(area)
    area.resize(1000, 900)
    area.set_computed(computed)
    panel = area.gradient_panels.norms
    assert [c.isVisible() for c in panel.curves.values()] == [False]  # the one-run curves give way
    assert len(panel.overlay.curves) == 2
    for curve, c in zip(panel.overlay.curves, computed.runs, strict=True):
        want = np.linalg.norm(c.grads.dh(0, 0), axis=1)
        np.testing.assert_allclose(curve.yData, want, rtol=1e-12)
    legend = panel.legend.text()
    assert "&lt;b&gt;tanh&lt;/b&gt;" in legend and "GRU" in legend and "<b>" not in legend
    for c in computed.runs:
        norms = np.linalg.norm(c.grads.dh(0, 0), axis=1)
        assert f"= {power_of_ten(norms[0] / norms[-1])}" in panel.caption.text()
    runs = area.runs_panel  # every run's output y_t (and the target), or h_t of the selected unit
    assert runs in area.visible_panels()
    for curve, c in zip(runs.curves, computed.runs, strict=False):
        np.testing.assert_array_equal(curve.yData, c.trace.y[:, 0])
    assert len(runs.curves) == 3 and "target" in runs.legend.text()  # two runs and the target
    runs.what.setCurrentIndex(1)
    runs._redraw()
    area.set_selection(0, 0, 2)
    for curve, c in zip(runs.curves, computed.runs, strict=True):
        np.testing.assert_array_equal(curve.yData[1:], c.trace.hidden(0, 0)[:, 2])  # h_1…h_T after h_0
    assert "&lt;b&gt;tanh&lt;/b&gt; (unit 3)" in runs.legend.text() and "unit 3" in runs.title.text()
    area.set_computed(compute(rnn))  # one run again: its own curves come back
    assert not panel.overlay.curves and all(c.isVisible() for c in panel.curves.values())
    assert area.runs_panel not in area.visible_panels()


def test_the_caption_is_the_new_gradients_from_the_first_computed_session_on(qtbot):
    """The window's path (set_computed): the caption names the peak of the gradients just
    computed — it once lagged one edit behind (and was empty for the first session)."""
    from dataclasses import replace

    from rnnviz.session.compute import compute

    session, *_ = network_and_grads("rnn_tanh")
    area = PlotsArea()
    qtbot.addWidget(area)
    area.resize(1000, 900)
    w_hh = session.network.param("weight_hh_l0")
    for scale in (1.0, 3.0, 0.2):
        edited = replace(session, network=session.network.with_params({"weight_hh_l0": scale * w_hh}))
        computed = compute(edited)
        area.set_computed(computed)
        norms = np.linalg.norm(computed.grads.dh(0, 0), axis=1)  # [T] independent of the panel
        peak = int(np.argmax(norms))
        said = area.gradient_panels.norms.caption.text()
        assert f"= {power_of_ten(norms[peak])} at t = {peak + 1}" in said, (scale, said)
