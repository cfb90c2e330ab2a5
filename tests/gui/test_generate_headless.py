"""``rnnviz FILE --export-png OUT --view V --prompt P …``: the generated run pictured
headlessly (the window's code path), and a bad setting refused in one line, exit 2."""

from __future__ import annotations

from PySide6 import QtGui

from rnnviz.engine import Network, NetworkSpec
from rnnviz.session import Session, save_session
from rnnviz.session.text import text_sequence


def char_file(tmp_path):
    seq = text_sequence("hello world. hello there. ", mode="char")
    V = len(seq.vocabulary)
    spec = NetworkSpec("gru", V, 8, output_size=V, head_activation="softmax")
    path = tmp_path / "chars.rnnviz"
    save_session(Session(Network.from_spec(spec, seed=0), seq), path)
    return path


def test_export_png_pictures_the_generated_run(qtbot, tmp_path, monkeypatch):
    from rnnviz.gui import app as app_module
    from rnnviz.gui.main_window import MainWindow

    seen = []
    shown = MainWindow.show_view

    def spy(self, name):  # the window the export paints, and what it shows
        seen.append((self, name))
        return shown(self, name)

    monkeypatch.setattr(MainWindow, "show_view", spy)
    out = tmp_path / "run.png"
    args = [str(char_file(tmp_path)), "--export-png", str(out), "--view", "diagrams"]
    args += ["--prompt", "he", "--length", "6", "--temperature", "1.5", "--seed", "2", "--step", "4"]
    assert app_module.run(args) == 0
    window = seen[-1][0]
    computed = window.controller.computed
    assert computed.generated is not None and computed.session.sequence.steps == 2 + 6 - 1
    assert computed.generated.continuation.temperature == 1.5
    assert window.controller.cursor.step == 4 and seen[-1][1] == "diagrams"
    assert not QtGui.QImage(str(out)).isNull()


def test_a_bad_prompt_is_one_line_and_exit_2(tmp_path, capsys):
    from rnnviz.gui import app as app_module

    path = str(char_file(tmp_path))
    for extra, message in ((["--prompt", "hex"], "'x' is not in the vocabulary"),
                           (["--prompt", "he", "--temperature", "-1"], "temperature"),
                           (["--prompt", "he", "--length", "0"], "length")):  # fmt: skip
        assert app_module.run([path, "--export-png", str(tmp_path / "x.png"), *extra]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()
