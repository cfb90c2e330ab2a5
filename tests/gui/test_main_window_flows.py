"""A learner's path through the window, end to end: every edit reaches every view."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt


def _combo(box, data) -> None:
    box.setCurrentIndex(box.findData(data))


def test_build_generate_play_and_edit(main_window, qtbot, tmp_path):
    w = main_window
    b, seq = w.network_dock, w.sequence_dock
    traces = []
    w.controller.sig_trace_changed.connect(traces.append)

    _combo(b.cell_combo, "lstm")
    b.layers_spin.setValue(2)
    _combo(b.direction_combo, True)
    b.hidden_spin.setValue(8)
    net = w.controller.session.network
    assert (net.mode, net.num_layers, net.num_directions, net.hidden_size) == ("lstm", 2, 2, 8)
    assert w.timeline.step_label.text().startswith("t = 1 / 4")

    g = seq.generator_widget
    _combo(g.kind_combo, "sine")
    g.length_spin.setValue(60)
    g.generate()
    s = w.controller.session
    assert s.sequence.steps == 60 and s.network.input_size == 1
    assert s.network.spec.output_size == 1  # the head followed the one target column…
    assert s.network.head_activation is None  # …and a one-column softmax (always 1) became linear
    assert w.network_dock.head_combo.currentText().startswith("Linear")
    assert w.controller.loss is not None and w.controller.loss.name == "mse"
    assert not np.all(w.controller.trace.y == 1.0)
    assert w.playback.length == 60 and "x = " in w.timeline.step_label.text()

    w.playback.last()
    assert w.timeline.slider.value() == 60
    qtbot.keyClick(w.timeline, Qt.Key.Key_Home)
    assert "initial state h₀, c₀" in w.timeline.step_label.text()

    w.weights_dock.raise_()
    m = w.weights_dock.models["weight_hh_l0"]
    m.setData(m.index(0, 0), "0.9")
    assert w.controller.session.network.param("weight_hh_l0")[0, 0] == 0.9
    assert traces[-1] is w.controller.trace

    path = tmp_path / "table.csv"
    path.write_text("a;b;y\n1;2;0\n3;4;1\n5;6;0\n")
    seq.file_widget.choose_roles = lambda table: ([0, 1], [2])
    assert seq.file_widget.load_file(str(path))
    s = w.controller.session
    assert s.network.input_size == 2 and s.sequence.steps == 3
    np.testing.assert_array_equal(s.sequence.targets[:, 0], [0, 1, 0])

    _combo(b.cell_combo, "gru")
    _combo(b.head_combo, "sigmoid")
    assert w.controller.loss.name == "bce"
    seq.text_widget.text_edit.setText("to be or not to be")
    seq.text_widget.build()
    s = w.controller.session
    assert s.sequence.vocabulary == ("to", "be", "or", "not", "_")
    assert s.network.mode == "gru" and s.network.spec.output_size == 5
    assert w.timeline.step_label.text() == "t = 0 / 6  (initial state h₀)"  # still at Home
    w.playback.set_step(3)
    assert w.timeline.step_label.text() == "t = 3 / 6  (input: or)"


def test_selection_reaches_every_view(main_window, probe_view):
    w = main_window
    seen = []
    probe_view.set_selection = lambda *sel: seen.append(sel)
    w.add_central_view(probe_view, "Probe")
    w.central_tabs.setCurrentWidget(probe_view)
    w.plots_view.sig_unit_selected.emit(2)
    assert seen[-1] == (0, 0, 2, "") and w.controller.session.view.unit == 2
    w.controller.set_structure("lstm", 2, 1, False, 5, "softmax")
    assert seen[-1][2] == 1  # the unit was clamped to the new hidden size
