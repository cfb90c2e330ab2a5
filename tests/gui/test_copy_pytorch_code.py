"""Issue 18 §3 in the window: Copy as PyTorch code offers to embed the weights, and saves a
long sequence as an .npy that the code loads."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui

from rnnviz.session import Sequence


def _transfer(main_window, tmp_path):
    from rnnviz.gui.files import FileActions

    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    files = FileActions(main_window, main_window.controller, settings=settings, state_dir=tmp_path / "s")
    files.ask_unsaved = lambda name: "discard"
    files.ask_recover = lambda info: False
    return files.transfer


def test_embedded_weights_and_a_long_sequence_in_a_file(main_window, tmp_path):
    t = _transfer(main_window, tmp_path)
    x = np.random.default_rng(0).normal(size=(120, 5))
    assert main_window.controller.set_sequence(Sequence(inputs=x))
    asked, chosen = [], []
    t.ask = lambda kind, text: asked.append(kind) or True
    t.choose_path = lambda kind, save, suggested: (
        chosen.append((kind, save)) or str(tmp_path / "my_inputs.npy")
    )
    code = t.copy_pytorch_code()
    assert asked == ["embed"] and chosen == [("npy", True)]
    np.testing.assert_array_equal(np.load(tmp_path / "my_inputs.npy"), x)
    assert "np.load('my_inputs.npy'" in code and "np.load('weights.npz'" not in code
    assert QtGui.QGuiApplication.clipboard().text() == code
    assert "print(h)" in code
