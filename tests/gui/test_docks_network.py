"""NetworkBuilderDock and WeightEditorDock, both directions: state → widget, widget → state."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.gui.docks import NetworkBuilderDock, WeightEditorDock
from rnnviz.session import Sequence, Session


@pytest.fixture
def builder(qtbot, controller):
    dock = NetworkBuilderDock(controller)
    qtbot.addWidget(dock)
    return dock


@pytest.fixture
def weights(qtbot, controller):
    dock = WeightEditorDock(controller)
    qtbot.addWidget(dock)
    return dock


def lstm_session(H=2, layers=2, bi=True) -> Session:
    spec = NetworkSpec("lstm", 2, H, layers, bi, 0, None)
    return Session(network=Network.from_spec(spec, seed=3), sequence=Sequence(inputs=np.ones((3, 2))))


def test_builder_shows_the_session(builder, controller):
    assert builder.cell_combo.currentData() == "rnn_tanh"
    assert builder.hidden_spin.value() == 3 and builder.layers_spin.value() == 1
    assert builder.head_combo.currentData() == "softmax" and builder.head_size_spin.value() == 5
    assert builder.count_label.text().startswith("50  =  3·(5 + 3 + 2) + 5·(3 + 1)")
    controller.set_session(lstm_session())
    assert builder.cell_combo.currentData() == "lstm"
    assert builder.direction_combo.currentData() is True and builder.layers_spin.value() == 2
    assert builder.head_combo.currentData() == "none" and not builder.head_size_spin.isEnabled()
    assert builder.forget_check.isEnabled()


def test_builder_edits_the_session(builder, controller):
    seq = controller.session.sequence
    builder.hidden_spin.setValue(7)
    assert controller.session.network.hidden_size == 7 and controller.session.sequence is seq
    builder.cell_combo.setCurrentIndex(builder.cell_combo.findData("gru"))
    assert controller.session.network.mode == "gru"
    builder.direction_combo.setCurrentIndex(1)
    builder.layers_spin.setValue(3)
    net = controller.session.network
    assert (net.num_directions, net.num_layers) == (2, 3)
    builder.head_combo.setCurrentIndex(builder.head_combo.findData("none"))
    assert not controller.session.network.has_head
    builder.head_combo.setCurrentIndex(builder.head_combo.findData("sigmoid"))
    assert controller.session.network.head_activation == "sigmoid"
    assert controller.session.network.spec.output_size == 5
    assert "= " in builder.count_label.text()


def test_builder_offers_1_to_512_units_and_1_to_8_layers(builder):
    assert (builder.hidden_spin.minimum(), builder.hidden_spin.maximum()) == (1, 512)
    assert (builder.layers_spin.minimum(), builder.layers_spin.maximum()) == (1, 8)
    builder.hidden_spin.setValue(600)
    assert builder.hidden_spin.value() == 512


def test_a_larger_session_is_not_shrunk_by_an_unrelated_edit(builder, controller):
    """A file made by a script may have 10 layers: the builder shows 10, and changing
    the head keeps all 10."""
    big = lstm_session(H=2, layers=10, bi=False)
    controller.set_session(big)
    assert builder.layers_spin.value() == 10
    builder.head_combo.setCurrentIndex(builder.head_combo.findData("linear"))
    net = controller.session.network
    assert net.num_layers == 10 and net.has_head


def test_reinitialise_uses_scheme_and_seed(builder, controller):
    builder.init_combo.setCurrentIndex(builder.init_combo.findData("orthogonal"))
    builder.seed_spin.setValue(42)
    assert controller.session.init.scheme == "orthogonal" and controller.session.init.seed == 42
    builder.reinit_button.click()
    net = controller.session.network
    expected = Network.from_spec(net.spec, init="orthogonal", seed=42)
    np.testing.assert_array_equal(net.param("weight_hh_l0"), expected.param("weight_hh_l0"))
    builder.init_combo.setCurrentIndex(builder.init_combo.findData("constant"))
    assert builder.constant_spin.isEnabled()
    builder.constant_spin.setValue(0.25)
    builder.reinit_button.click()
    assert np.all(controller.session.network.param("weight_ih_l0") == 0.25)


def test_weight_tables_show_every_parameter(weights, controller):
    net = controller.session.network
    assert list(weights.models) == list(net.spec.param_shapes())
    assert weights.titles["weight_hh_l0"].text() == "W_hh — weight_hh_l0 (3×3)"
    assert weights.titles["head.weight"].text() == "W_hy — head.weight (5×3)"
    m = weights.models["weight_ih_l0"]
    assert [m.headerData(j, _h()) for j in range(5)] == ["I", "love", "deep", "learning", "_"]
    head = weights.models["head.weight"]
    assert head.headerData(0, _v()) == "y:I"


def test_weight_tables_label_gate_blocks(weights, controller):
    controller.set_session(lstm_session(H=2))
    m = weights.models["weight_ih_l1_reverse"]
    rows = [m.headerData(r, _v()) for r in range(m.rowCount())]
    assert rows == ["i1", "i2", "f1", "f2", "g1", "g2", "o1", "o2"]
    assert m.columnCount() == 4  # the layer below's two directions
    assert (
        weights.titles["weight_ih_l1_reverse"].text()
        == "W_ix, W_fx, W_gx, W_ox (layer 2, backward) — weight_ih_l1_reverse (8×4)"
    )
    value = float(weights.controller.session.network.param("weight_ih_l1_reverse")[2, 0])
    assert m.data(m.index(2, 0), _tip()).splitlines() == [
        f"f1, h→1: {value!r}",  # the full value, as Python writes a float
        "forget gate f, unit 1: W_fx row 1 · weight_ih_l1_reverse[2]",
    ]
    b = weights.models["bias_hh_l0"]
    assert (b.rowCount(), b.columnCount()) == (1, 8)
    assert b.headerData(4, _h()) == "g1"
    assert "candidate (cell input) g, unit 1: b_gh row 1 · bias_hh_l0[4]" in b.data(b.index(0, 4), _tip())


def test_weight_edit_recomputes(weights, controller, qtbot):
    m = weights.models["weight_ih_l0"]
    with qtbot.waitSignal(controller.sig_trace_changed):
        assert m.setData(m.index(0, 0), "0.7")
    assert controller.session.network.param("weight_ih_l0")[0, 0] == 0.7
    assert m.data(m.index(0, 0)) == "0.7000"
    h1 = controller.trace.hidden(0, 0)[0]
    assert h1[0] == pytest.approx(np.tanh(0.7 + 0.1))
    b = weights.models["bias_ih_l0"]
    b.setData(b.index(0, 2), "−0,5")  # a typographic minus and a decimal comma
    assert controller.session.network.param("bias_ih_l0")[2] == -0.5


def test_weight_edit_invalid_text_reverts(weights, controller, qtbot):
    m = weights.models["weight_hh_l0"]
    before = controller.session
    with qtbot.waitSignal(controller.sig_error) as blocker:
        assert not m.setData(m.index(1, 2), "abc")
    assert "'abc' is not a number" in blocker.args[0] and "row 2, column 3" in blocker.args[0]
    assert controller.session is before
    assert m.data(m.index(1, 2)) == "0.5000"
    with qtbot.waitSignal(controller.sig_error):
        m.setData(m.index(0, 0), "nan")


def test_weight_editor_group_filter(weights, controller):
    controller.set_session(lstm_session(H=2))
    weights.group_combo.setCurrentText("Layer 2 backward")
    visible = [k for k, t in weights.tables.items() if not t.isHidden()]
    assert visible == [
        "weight_ih_l1_reverse",
        "weight_hh_l1_reverse",
        "bias_ih_l1_reverse",
        "bias_hh_l1_reverse",
    ]


def _h():
    from PySide6.QtCore import Qt

    return Qt.Orientation.Horizontal


def _v():
    from PySide6.QtCore import Qt

    return Qt.Orientation.Vertical


def _tip():
    from PySide6.QtCore import Qt

    return Qt.ItemDataRole.ToolTipRole


@pytest.mark.parametrize(
    "text, said",
    [("", "an empty cell is not a number"), ("q" * 10_000, "'" + "q" * 40 + "…' is not a number"),
     ("inf", "'inf' is not a number"), ("1e400", "'1e400' is not a number"), ("1_0", "'1_0' is not a number")],
)  # fmt: skip
def test_weight_cells_refuse_what_is_not_a_finite_number(weights, controller, qtbot, text, said):
    m = weights.models["weight_hh_l0"]
    before = controller.session
    with qtbot.waitSignal(controller.sig_error) as blocker:
        assert not m.setData(m.index(0, 1), text)
    assert blocker.args[0].startswith(said) and len(blocker.args[0]) < 200, blocker.args[0]
    assert controller.session is before


def test_a_huge_but_finite_weight_is_taken(weights, controller):
    m = weights.models["weight_hh_l0"]
    assert m.setData(m.index(0, 1), "1e308")
    assert controller.session.network.param("weight_hh_l0")[0, 1] == 1e308


def test_weight_edits_while_another_network_is_computed(weights, controller, qtbot):
    controller.threading = "async"  # as a long sequence is computed in the app
    m = weights.models["weight_ih_l0"]  # 3×5, as shown
    assert controller.set_sequence(Sequence(inputs=np.ones((4, 1))))  # W_ih becomes 3×1: not shown yet
    with qtbot.waitSignal(controller.sig_error) as blocker:
        m.setData(m.index(0, 4), "0.5")  # a column the new W_ih does not have
    assert "a new network is being computed" in blocker.args[0]
    controller.wait()
    qtbot.waitUntil(lambda: controller.session.network.input_size == 1)
    m = weights.models["weight_ih_l0"]
    m.setData(m.index(0, 0), "0.5")  # shown now: edits go through, one after another
    h = weights.models["weight_hh_l0"]
    h.setData(h.index(0, 0), "0.25")  # before the first one's result arrives
    controller.wait()
    qtbot.waitUntil(lambda: controller.session.network.param("weight_hh_l0")[0, 0] == 0.25)
    assert controller.session.network.param("weight_ih_l0")[0, 0] == 0.5
