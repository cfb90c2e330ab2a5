"""WeightEditorDock with gradients: ∂L/∂W beside each weight and the optimiser's next update.

The updates are computed here by hand from the textbook formulas (SGD: −η·g; momentum:
b ← μ b + g; Adam: bias-corrected moments), not with the engine's optimiser."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from PySide6.QtCore import Qt

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.optim import SGD, Adam
from rnnviz.engine.train import loss_and_grads
from rnnviz.gui.docks import WeightEditorDock
from rnnviz.gui.docks.array_model import HEAT_STEPS, ArrayTableModel
from rnnviz.session import Sequence, Session


@pytest.fixture
def weights(qtbot, controller):
    dock = WeightEditorDock(controller)
    qtbot.addWidget(dock)
    return dock


def grads_of(session):
    net, seq = session.network, session.sequence
    _, _, grads = loss_and_grads(net, seq.inputs, seq.targets, "cross_entropy", seq.shape)
    return grads


def as_shown(a):
    """A bias is shown as one row."""
    a = np.asarray(a, dtype=float)
    return a[None, :] if a.ndim == 1 else a


def lstm_session() -> Session:
    rng = np.random.default_rng(2)
    spec = NetworkSpec("lstm", 2, 2, 1, True, 1, None)
    seq = Sequence(inputs=rng.normal(0, 1, (4, 2)), targets=rng.normal(0, 1, (4, 1)))
    return Session(network=Network.from_spec(spec, seed=3), sequence=seq)


def test_the_gradient_cells_are_the_gradients(weights, controller):
    grads = grads_of(controller.session)
    assert not weights.gradient_toggle.isEnabled()  # no gradients yet
    weights.set_gradients(grads)
    assert weights.gradient_toggle.isEnabled()
    weights.gradient_toggle.setChecked(True)
    for key in controller.session.network.spec.param_shapes():
        np.testing.assert_array_equal(weights.grad_models[key].array, as_shown(grads[key]))
        assert not weights._blocks[key].grad_view.isHidden()
    assert weights._blocks["weight_hh_l0"].grad_caption.text().startswith("∂L/∂W_hh — weight_hh_l0.grad\n")
    m = weights.grad_models["weight_hh_l0"]
    assert not (m.flags(m.index(0, 0)) & Qt.ItemFlag.ItemIsEditable)  # a gradient is read, not typed
    weights.gradient_toggle.setChecked(False)
    assert weights._blocks["weight_hh_l0"].grad_view.isHidden()


def test_gradients_of_an_lstm_keep_the_gate_labels(weights, controller):
    session = lstm_session()
    controller.set_session(session)
    grads = loss_and_grads(session.network, session.inputs, session.targets)[2]
    weights.set_gradients(grads)
    m = weights.grad_models["weight_hh_l0_reverse"]
    np.testing.assert_array_equal(m.array, grads["weight_hh_l0_reverse"])
    assert [m.headerData(r, Qt.Orientation.Vertical) for r in range(8)][2:4] == ["f1", "f2"]
    assert "forget gate f, unit 1: W_fh row 1 · weight_hh_l0_reverse[2]" in m.data(
        m.index(2, 0), Qt.ItemDataRole.ToolTipRole
    )


def test_no_gradients_or_gradients_of_another_network_show_nothing(weights, controller):
    weights.set_gradients(grads_of(controller.session))
    weights.gradient_toggle.setChecked(True)
    weights.set_gradients(None)  # no targets
    assert not weights.gradient_toggle.isEnabled()
    assert weights._blocks["weight_hh_l0"].grad_view.isHidden()
    session = lstm_session()
    weights.set_gradients(loss_and_grads(session.network, session.inputs, session.targets)[2])
    assert not weights.gradient_toggle.isEnabled()  # they belong to another network


def test_the_sgd_preview_is_minus_lr_times_the_gradient(weights, controller):
    grads = grads_of(controller.session)
    weights.set_gradients(grads, SGD(lr=0.1))
    weights.gradient_toggle.setChecked(True)
    for key in controller.session.network.spec.param_shapes():
        np.testing.assert_allclose(weights.update_models[key].array, as_shown(-0.1 * grads[key]), atol=1e-15)
    block = weights._blocks["weight_ih_l0"]
    assert not block.update_view.isHidden()
    assert block.update_caption.text().startswith("ΔW_hx = −η·∂L/∂W_hx\nSGD, η = 0.1 · colour ±")


def test_without_an_optimizer_there_is_no_preview(weights, controller):
    weights.set_gradients(grads_of(controller.session))
    weights.gradient_toggle.setChecked(True)
    block = weights._blocks["weight_hh_l0"]
    assert not block.grad_view.isHidden() and block.update_view.isHidden()


def test_the_adam_preview_is_its_first_step_by_the_textbook(weights, controller):
    grads = grads_of(controller.session)
    lr, (b1, b2), eps = 0.01, (0.9, 0.999), 1e-8
    weights.set_gradients(grads, Adam(lr=lr, betas=(b1, b2), eps=eps))
    for key in controller.session.network.spec.param_shapes():
        g = grads[key]
        m, v = (1 - b1) * g, (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1), v / (1 - b2)
        expected = -lr * m_hat / (np.sqrt(v_hat) + eps)
        np.testing.assert_allclose(
            weights.update_models[key].array, as_shown(expected), rtol=1e-9, atol=1e-15
        )
    assert "Adam, η = 0.01, step t = 1" in weights._blocks["bias_hh_l0"].update_caption.text()


def test_a_stateful_adam_is_used_and_left_as_it_was(weights, controller):
    """Adam after one step: the preview is its second step; its state is not advanced."""
    net = controller.session.network
    grads = grads_of(controller.session)
    lr, (b1, b2), eps = 0.05, (0.9, 0.999), 1e-8
    adam = Adam(lr=lr)
    g0 = {k: 0.5 * np.ones_like(p) for k, p in net.state_dict().items()}
    adam.step(net.state_dict(), g0)
    before = copy.deepcopy((adam.exp_avg, adam.exp_avg_sq, adam.steps))
    weights.set_gradients(grads, adam)
    after = (adam.exp_avg, adam.exp_avg_sq, adam.steps)
    assert after[2] == before[2]
    for a, b in zip(after[:2], before[:2], strict=True):
        assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    key = "weight_hh_l0"
    g = grads[key]
    m1, v1 = (1 - b1) * 0.5, (1 - b2) * 0.25  # after the first step, g = 0.5 everywhere
    m2, v2 = b1 * m1 + (1 - b1) * g, b2 * v1 + (1 - b2) * g * g
    expected = -lr * (m2 / (1 - b1**2)) / (np.sqrt(v2 / (1 - b2**2)) + eps)
    np.testing.assert_allclose(weights.update_models[key].array, expected, rtol=1e-9)
    assert "step t = 2" in weights._blocks[key].update_caption.text()


def test_sgd_momentum_uses_its_buffer(weights, controller):
    net = controller.session.network
    grads = grads_of(controller.session)
    sgd = SGD(lr=0.1, momentum=0.9)
    sgd.step(net.state_dict(), {k: np.ones_like(p) for k, p in net.state_dict().items()})  # buffer = 1
    weights.set_gradients(grads, sgd)
    key = "head.weight"
    np.testing.assert_allclose(weights.update_models[key].array, -0.1 * (0.9 * 1.0 + grads[key]), rtol=1e-12)
    assert all(np.array_equal(b, np.ones_like(b)) for b in sgd.momentum_buffer.values())  # untouched
    assert "momentum μ = 0.9" in weights._blocks[key].update_caption.text()


def test_cells_are_coloured_by_value_on_a_symmetric_scale(weights, controller):
    grads = grads_of(controller.session)
    weights.set_gradients(grads, SGD(lr=0.1))
    key = "weight_hh_l0"
    m = weights.grad_models[key]
    g = grads[key]
    scale = np.abs(g).max()
    assert m.heat_scale == pytest.approx(scale)
    r, c = np.unravel_index(np.argmax(np.abs(g)), g.shape)
    colour = m.data(m.index(int(r), int(c)), Qt.ItemDataRole.BackgroundRole)
    end = m.heat_colour(np.sign(g[r, c]) * scale)
    assert colour == end and colour != m.heat_colour(0.0)
    # symmetric: +v and −v are the two ends' mirror images around the grey of 0
    assert m.heat_colour(scale) == m._heat[2 * HEAT_STEPS] and m.heat_colour(-scale) == m._heat[0]
    assert m.heat_colour(0.0) == m._heat[HEAT_STEPS]
    assert m.heat_colour(0.5 * scale) == m._heat[HEAT_STEPS + HEAT_STEPS // 2]
    u = weights.update_models[key]
    assert u.heat_scale == pytest.approx(0.1 * scale)  # the update has its own scale


def test_numbers_have_the_weights_decimals_and_tiny_ones_stay_visible(weights, controller):
    grads = grads_of(controller.session)
    weights.set_gradients(grads)
    m = weights.grad_models["weight_hh_l0"]
    assert m.decimals == weights.models["weight_hh_l0"].decimals == 4
    assert m.data(m.index(0, 0)) == f"{grads['weight_hh_l0'][0, 0]:.4f}"
    tiny = ArrayTableModel()
    tiny.tiny_as_powers = True
    tiny.set_array(np.array([[3.2e-7, 0.0, -0.25]]))
    assert [tiny.data(tiny.index(0, c)) for c in range(3)] == ["3.2e-07", "0.0000", "-0.2500"]


def test_an_edit_keeps_the_gradients_shown(weights, controller, qtbot):
    grads = grads_of(controller.session)
    weights.set_gradients(grads, SGD(lr=0.1))
    weights.gradient_toggle.setChecked(True)
    m = weights.models["weight_ih_l0"]
    with qtbot.waitSignal(controller.sig_trace_changed):
        m.setData(m.index(0, 0), "0.7")
    assert not weights._blocks["weight_ih_l0"].grad_view.isHidden()  # until new ones arrive
    np.testing.assert_array_equal(weights.grad_models["weight_ih_l0"].array, grads["weight_ih_l0"])


def test_tables_sit_side_by_side_only_where_they_fit(weights, controller, qtbot):
    spec = NetworkSpec("lstm", 1, 4, 1, False, 0, None)
    seq = Sequence(inputs=np.ones((5, 1)), targets=np.ones((5, 4)))
    session = Session(network=Network.from_spec(spec, seed=1), sequence=seq)
    controller.set_session(session)
    weights.set_gradients(loss_and_grads(session.network, seq.inputs, seq.targets)[2], SGD(lr=0.1))
    weights.gradient_toggle.setChecked(True)
    weights.resize(800, 900)
    weights.show()
    qtbot.waitExposed(weights)
    column, square = weights._blocks["weight_ih_l0"], weights._blocks["weight_hh_l0"]  # 16×1, 16×4
    assert column.side_by_side and not square.side_by_side
    weights.resize(1500, 900)
    qtbot.waitUntil(lambda: square.side_by_side)
    weights.resize(400, 900)
    qtbot.waitUntil(lambda: not column.side_by_side)
    weights.gradient_toggle.setChecked(False)  # the weights alone: nothing beside them
    weights.resize(1500, 900)
    qtbot.wait(10)
    assert not column.side_by_side


def test_after_each_edit_in_the_window_the_gradient_and_update_are_the_new_ones(main_window):
    """An edit's new session reaches the dock just before its gradients: what the dock then
    shows is the edit's own ∂L/∂W and update (recomputed here, not read from the controller)."""
    w = main_window
    base = np.array(w.controller.session.network.param("weight_hh_l0"))
    for k in range(3):
        edited = base.copy()
        edited[0, 0] += 0.5 * (k + 1)
        w.controller.set_param("weight_hh_l0", edited)
        session = w.controller.session
        grads = grads_of(session)
        dock = w.weights_dock
        for key in ("weight_hh_l0", "bias_hh_l0"):
            np.testing.assert_allclose(dock.grad_models[key].array, as_shown(grads[key]), rtol=1e-12)
            settings = session.training.settings
            assert settings.optimizer == "adam" and not settings.weight_decay  # the default session's
            g = as_shown(grads[key])  # Adam's first step, by the textbook: −η·m̂/(√v̂ + ε) = −η·g/(|g| + ε)
            np.testing.assert_allclose(dock.update_models[key].array, -settings.lr * g / (np.abs(g) + 1e-8))
