"""User text that looks like HTML is shown as it is, never interpreted.

A target named ``<img src="/some/local/file.png">`` used to show that file in the
Plots view (and ``<img src="/dev/zero">`` read until the process was killed).  Each
path that shows a user string (target names, vocabulary tokens, CSV headers, file
names, error messages quoting them, titles) is fed markup here; the widget must show
the characters themselves and load nothing.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from rnnviz.engine import Network, NetworkSpec
from rnnviz.session import Sequence, Session

MAGENTA = QtGui.QColor(255, 0, 255)


@pytest.fixture
def magenta_png(tmp_path):
    """A 60×60 magenta image: if a label loads it, the label's pixels turn magenta."""
    path = tmp_path / "secret.png"
    image = QtGui.QImage(60, 60, QtGui.QImage.Format.Format_RGB32)
    image.fill(MAGENTA)
    assert image.save(str(path))
    return path


def markup(png) -> list[str]:
    return [f'<img src="{png}">', "<b>x</b>"]


def shows_literally(label: QtWidgets.QLabel, text: str) -> bool:
    """``label`` displays ``text`` character for character."""
    if label.textFormat() == QtCore.Qt.TextFormat.PlainText:
        return text in label.text()
    return rich_shows(label.text(), text)


def rich_shows(rich: str, text: str) -> bool:
    """Rich text ``rich`` (a label's, a tooltip's) displays ``text`` literally."""
    doc = QtGui.QTextDocument()
    doc.setHtml(rich)  # its plain text is what it displays (no layout: no image is loaded)
    return text in doc.toPlainText() and (text not in rich or "<" not in text)


def magenta_pixels(widget: QtWidgets.QWidget) -> int:
    image = widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    ptr = image.constBits()
    pixels = np.frombuffer(ptr, dtype=np.uint32, count=image.width() * image.height())
    return int((pixels == MAGENTA.rgb()).sum())


# -- the Plots view: the y_t legend, the bar caption and its tooltip -------------------------


def _text_session(tokens: list[str]) -> Session:
    """Softmax over a vocabulary whose tokens are ``tokens``; the target at t is token t+1."""
    V, T = len(tokens), len(tokens)
    spec = NetworkSpec("rnn_tanh", V, 3, 1, False, V, "softmax")
    net = Network.from_spec(spec, init="pytorch", seed=0)
    x = np.eye(V)  # [T, V]
    y = np.roll(np.eye(V), -1, axis=0)  # [T, V]
    seq = Sequence(
        inputs=x, targets=y, input_names=tuple(tokens), target_names=tuple(tokens),
        vocabulary=tuple(tokens), tokens=tuple(tokens[:T]), token_mode="word",
    )  # fmt: skip
    return Session(network=net, sequence=seq)


def test_the_plots_show_markup_in_names_literally_and_load_nothing(qtbot, magenta_png):
    from rnnviz.gui.plots import PlotsArea

    tokens = [*markup(magenta_png), "plain"]
    session = _text_session(tokens)
    area = PlotsArea()
    qtbot.addWidget(area)
    area.resize(1000, 700)
    trace = session.network.forward(session.inputs)
    area.set_trace(trace, session)
    area.show()
    qtbot.waitExposed(area)
    panel = area.output_panel
    for t in (1, 2, 3):  # the target (and the prediction) at each step is one of the names
        area.set_step(t)
        area.grab()
        target = tokens[t % 3]
        assert shows_literally(panel.bars_caption, target), panel.bars_caption.text()
        assert rich_shows(panel.bars_caption.toolTip(), target)
        assert magenta_pixels(area) == 0
    for name in tokens:
        assert shows_literally(panel.legend, name), panel.legend.text()


def test_a_sigmoid_output_named_with_markup_is_shown_literally(qtbot, magenta_png):
    from rnnviz.gui.plots.outputs import OutputPanel

    panel = OutputPanel()
    qtbot.addWidget(panel)
    name = markup(magenta_png)[0]
    panel.build(1, 3, "sigmoid", (name,), False)
    panel.set_values(np.full((3, 1), 0.5), np.ones((3, 1)))
    panel.set_step(2)
    panel.show()
    qtbot.waitExposed(panel)
    assert shows_literally(panel.bars_caption, f"P({name})")
    assert shows_literally(panel.legend, name)
    assert magenta_pixels(panel) == 0


# -- the Sequence dock: summary, vocabulary, errors, table tooltips, the file tab --------------


def test_the_sequence_dock_shows_tokens_headers_and_errors_literally(qtbot, controller, magenta_png):
    from rnnviz.gui.docks import SequenceDock

    dock = SequenceDock(controller)
    qtbot.addWidget(dock)
    tokens = [*markup(magenta_png), "plain"]
    assert controller.set_session(_text_session(tokens))
    dock.resize(600, 700)
    dock.show()
    qtbot.waitExposed(dock)
    for name in tokens:
        assert shows_literally(dock.summary_label, name), dock.summary_label.text()
        assert shows_literally(dock.text_widget.vocab_label, name), dock.text_widget.vocab_label.text()
    tip = dock.model.data(dock.model.index(0, 0), QtCore.Qt.ItemDataRole.ToolTipRole)
    assert rich_shows(tip, tokens[0])  # the column's name
    message = f"line 3, column {tokens[0]!r}: 'abc' is not a number"
    dock.show_error(message)
    assert shows_literally(dock.error_label, message)
    dock.tabs.setCurrentWidget(dock.text_widget)
    assert magenta_pixels(dock) == 0


def test_a_csv_named_and_headed_with_markup_is_shown_literally(qtbot, tmp_path):
    from rnnviz.gui.docks.sequence_sources import ColumnChooserDialog, FileImportWidget
    from rnnviz.session.importers import read_table

    path = tmp_path / "<b>bold<i>.csv"
    path.write_text("<b>a</b>,1\n2,3\n")  # the header row holds a number: a warning quotes it
    table = read_table(path)
    dialog = ColumnChooserDialog(table)
    qtbot.addWidget(dialog)
    labels = dialog.findChildren(QtWidgets.QLabel)
    assert labels and all(lb.textFormat() == QtCore.Qt.TextFormat.PlainText for lb in labels)
    widget = FileImportWidget()
    qtbot.addWidget(widget)
    widget.choose_roles = lambda t: ([t.columns[0]], [])
    assert widget.load_file(str(path))
    assert shows_literally(widget.info_label, "<b>bold<i>.csv")


# -- the timeline's step label -----------------------------------------------------------------


def test_the_timeline_shows_the_input_token_literally(qtbot, magenta_png):
    from rnnviz.gui.playback import Playback
    from rnnviz.gui.timeline import TimelineWidget

    tokens = [*markup(magenta_png), "plain"]
    pb = Playback(3)
    w = TimelineWidget(pb)
    qtbot.addWidget(w)
    w.set_session(_text_session(tokens))
    w.show()
    qtbot.waitExposed(w)
    for t, token in enumerate(tokens, start=1):
        pb.set_step(t)
        assert shows_literally(w.step_label, f"(input: {token})"), w.step_label.text()
    pb.set_step(1)
    assert magenta_pixels(w) == 0


# -- message boxes: errors and questions quoting file names and titles --------------------------


def test_message_boxes_quote_names_as_plain_text(qtbot, monkeypatch, magenta_png):
    from rnnviz.gui import file_dialogs

    shown: list[QtWidgets.QMessageBox] = []

    def fake_exec(box):
        shown.append(box)
        assert box.textFormat() == QtCore.Qt.TextFormat.PlainText, box.text()
        return int(QtWidgets.QMessageBox.StandardButton.Cancel)

    def static_box(*args, **kw):  # QMessageBox.critical / question guess HTML from the text
        raise AssertionError(f"a static message box (rich text guessed) for {args[2]!r}")

    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", fake_exec)
    for static in ("critical", "question", "warning", "information"):
        monkeypatch.setattr(QtWidgets.QMessageBox, static, static_box)
    name = markup(magenta_png)[0]
    file_dialogs.show_error(None, "Cannot open this file", f"{name}: not a session file")
    file_dialogs.ask_unsaved(None, name)
    file_dialogs.ask_revert(None, name)
    file_dialogs.ask_recover(None, {"path": f"/tmp/{name[:8]}.rnnviz", "saved": ""})
    assert len(shown) == 4
    assert all(name[:8] in box.text() for box in shown)


def test_tooltip_keeps_plain_text_and_escapes_what_qt_would_read_as_html(qtbot):
    from rnnviz.gui.plain_text import tooltip

    assert tooltip("t=1, a & b: 0.5") == "t=1, a & b: 0.5"  # Qt shows it as plain text: unchanged
    assert rich_shows(tooltip('<img src="/dev/zero">'), '<img src="/dev/zero">')
    tip = tooltip("<b>x</b>: 0.5\nsecond line")
    assert rich_shows(tip, "<b>x</b>: 0.5") and "0.5\nsecond line" in tip  # pre-wrap keeps the break
