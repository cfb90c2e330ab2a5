"""Huge but finite numbers (1e200–1e308) in targets or head weights: the plots keep
drawing what can be drawn, say what they leave out, and raise no NumPy warnings."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.losses import compute_loss
from rnnviz.gui.plots import PlotsArea
from rnnviz.session import Sequence, Session

SPEC = NetworkSpec("rnn_tanh", 1, 4, 1, False, 1, None)


def _session(targets, head_scale: float = 1.0) -> Session:
    net = Network.from_spec(SPEC, init="pytorch", seed=0)
    params = dict(net.state_dict())
    params["head.weight"] = params["head.weight"] * head_scale
    seq = Sequence(inputs=np.linspace(0, 1, 10)[:, None], targets=targets, target_names=("next",))
    return Session(network=Network(SPEC, params), sequence=seq)


def _show(qtbot, session: Session) -> tuple[PlotsArea, list]:
    with np.errstate(over="ignore", invalid="ignore"):  # as the app computes them
        trace = session.network.forward(session.inputs)
        loss = compute_loss("mse", trace.y, session.targets)
    area = PlotsArea()
    qtbot.addWidget(area)
    area.resize(1100, 750)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        area.set_loss(loss.per_step)
        area.set_trace(trace, session)
        area.show()
        qtbot.waitExposed(area)
        for t in range(0, 11):
            area.set_step(t)
            area.grab()  # paint: pyqtgraph computes its bounds here
    return area, caught


def _finite(curve) -> np.ndarray:
    y = curve.yData
    return np.zeros(0) if y is None else np.asarray(y)[np.isfinite(np.asarray(y))]


def test_huge_targets_leave_the_rest_of_the_plots_drawn(qtbot):
    targets = np.zeros((10, 1))
    targets[3, 0], targets[6, 0] = 1e200, 1e308
    area, caught = _show(qtbot, _session(targets))
    assert [str(w.message) for w in caught] == []
    loss = area.loss_panel
    assert _finite(loss.curve).size == 8  # every step but t = 4 and 7
    marks_x, _ = loss.overflow_marks.getData()
    assert list(marks_x) == [4, 7]
    assert "L = ∞" in loss.title_text and "mean L" not in loss.title_text
    out = area.output_panel
    assert _finite(out.curves[0]).size == 10  # y itself is small: drawn whole
    assert _finite(out.target_curves[0]).size == 8
    lo, hi = out.plot.plot_item.getViewBox().viewRange()[1]
    assert -10 < lo and hi < 10  # the scale is y's, not 1e308's
    assert "too large to draw: targets at t = 4, 7" in out.legend.text()
    area.set_step(4)
    assert "not drawn: target next = 1e+200" in out.bars_caption.text()


def test_huge_head_weights_leave_the_plots_drawn_without_warnings(qtbot):
    area, caught = _show(qtbot, _session(np.zeros((10, 1)), head_scale=1e200))
    assert [str(w.message) for w in caught] == []
    out = area.output_panel
    assert "too large to draw: y at t = 1, 2, 3, …" in out.legend.text()
    assert _finite(out.target_curves[0]).size == 10  # the targets are still drawn
    marks_x, marks_y = area.loss_panel.overflow_marks.getData()
    assert list(marks_x) == list(range(1, 11)) and np.isfinite(marks_y).all()
    area.set_step(3)
    assert "not drawn: y next =" in out.bars_caption.text()
    assert np.isfinite(out.bar_heights).all()


@pytest.mark.parametrize("scale", [1.0, 1e40])  # ℓ_t up to 1e80: drawable
def test_drawable_values_are_drawn_as_they_are(qtbot, scale):
    targets = np.linspace(-1, 1, 10)[:, None] * scale
    area, caught = _show(qtbot, _session(targets))
    assert [str(w.message) for w in caught] == []
    np.testing.assert_array_equal(area.output_panel.target_curves[0].yData, targets[:, 0])
    assert "too large" not in area.output_panel.legend.text()
    assert "mean L" in area.loss_panel.title_text and area.loss_panel.overflow_marks.getData()[0].size == 0
