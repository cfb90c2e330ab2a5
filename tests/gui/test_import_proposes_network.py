"""Issue 18 §4 in the window: importing weights of another architecture proposes the
network the file describes (asking tanh or ReLU for a one-gate RNN) instead of failing."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore

from rnnviz.engine import NetworkSpec, init_state_dict


def _transfer(main_window, tmp_path):
    from rnnviz.gui.files import FileActions

    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    files = FileActions(main_window, main_window.controller, settings=settings, state_dir=tmp_path / "s")
    files.ask_unsaved = lambda name: "discard"
    files.ask_recover = lambda info: False
    shown = []
    files.show_error_dialog = lambda title, message: shown.append(message)
    return files.transfer, shown


def test_a_dropped_weights_file_builds_its_network(main_window, tmp_path):
    t, shown = _transfer(main_window, tmp_path)
    state = init_state_dict(NetworkSpec("gru", 5, 2, 1, True, 5, None), seed=2)
    np.savez(tmp_path / "g.npz", **{"module.encoder." + k if not k.startswith("head.") else k: v
                                    for k, v in state.items()})  # fmt: skip
    t.ask = lambda kind, text: kind == "build"
    assert t.files.open_dropped(str(tmp_path / "g.npz"))
    assert main_window.controller.session.network.spec == NetworkSpec("gru", 5, 2, 1, True, 5, "softmax")
    assert not shown


def test_a_file_of_another_architecture_builds_its_network(main_window, tmp_path):
    t, shown = _transfer(main_window, tmp_path)
    state = init_state_dict(NetworkSpec("rnn_relu", 5, 4, 2, False, 5, None), seed=9)
    np.savez(tmp_path / "m.npz", **{("fc." + k[5:] if k.startswith("head.") else "rnn." + k): v
                                    for k, v in state.items()})  # fmt: skip
    asked = []
    t.ask = lambda kind, text: asked.append((kind, text)) or True
    assert t.import_weights(str(tmp_path / "m.npz"))
    assert [k for k, _ in asked] == ["rnn_activation", "build"]
    assert "2-layer rnn_relu with 5 inputs and 4 hidden units" in asked[1][1]
    net = main_window.controller.session.network
    assert net.spec == NetworkSpec("rnn_relu", 5, 4, 2, False, 5, "softmax")
    np.testing.assert_array_equal(net.param("weight_hh_l1"), state["weight_hh_l1"])
    assert not shown


def test_saying_no_changes_nothing(main_window, tmp_path):
    t, shown = _transfer(main_window, tmp_path)
    before = main_window.controller.session
    state = init_state_dict(NetworkSpec("lstm", 5, 2, 1, False, 0, None), seed=1)
    np.savez(tmp_path / "l.npz", **state)
    t.ask = lambda kind, text: False
    assert not t.import_weights(str(tmp_path / "l.npz"))
    assert main_window.controller.session is before and not shown
