"""An example's note once the work is edited (issue 18 §3): the bar says it was written for
the original, or hides, as the user chose on the bar (remembered); Save As offers a name
from the content, not the stale example title."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6 import QtCore

from rnnviz.engine import Network
from rnnviz.gui.note_bar import EDITED_SINCE, NoteBar
from rnnviz.session.files import load_session

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "04_lstm_remembers_impulse.rnnviz"


def _settings(tmp_path) -> QtCore.QSettings:
    return QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)


def _gru_instead(window) -> None:
    s = window.controller.session
    spec = dataclasses.replace(s.network.spec, mode="gru")
    assert window.controller.set_network(Network.from_spec(spec, seed=0))


def test_the_bar_marks_or_hides_an_edited_note_and_remembers_the_choice(qtbot, tmp_path):
    bar = NoteBar(settings=_settings(tmp_path))
    qtbot.addWidget(bar)
    bar.set_note("f = σ(8) = 0.9997 at every step.")
    assert bar.shown and bar.policy == "mark" and EDITED_SINCE not in bar.label.text()
    bar.set_edited(True)
    assert bar.shown and EDITED_SINCE in bar.label.text()
    bar.policy_actions["hide"].trigger()  # the user's choice, on the bar
    assert not bar.shown
    bar.set_edited(False)  # back as it was (undo): the note holds again
    assert bar.shown and EDITED_SINCE not in bar.label.text()
    again = NoteBar(settings=_settings(tmp_path))  # a new window: the choice was kept
    qtbot.addWidget(again)
    assert again.policy == "hide" and again.policy_actions["hide"].isChecked()
    again.set_note("another note")
    again.set_edited(True)
    assert not again.shown
    again.set_note("a new note is written for what is shown")
    assert again.shown and not again.edited


def test_editing_an_example_marks_its_note_and_save_as_names_the_content(main_window, tmp_path):
    from rnnviz.gui.files import FileActions

    w = main_window
    w.note_bar.settings = _settings(tmp_path)
    w.note_bar.set_policy("mark")
    files = FileActions(w, w.controller, settings=_settings(tmp_path), state_dir=tmp_path / "state")
    files.ask_unsaved = lambda name: "discard"
    files.ask_recover = lambda info: False
    assert files.open_example(EXAMPLE)
    assert w.note_bar.shown and not w.note_bar.edited
    offered = []
    files.choose_save_path = lambda suggested: offered.append(suggested) or ""
    files.save_as()
    assert Path(offered[-1]).name == "LSTM_remembers_an_impulse.rnnviz"  # still the example
    w.controller.set_view(step=9)  # moving around is not an edit
    assert not w.note_bar.edited
    _gru_instead(w)
    assert w.note_bar.edited and EDITED_SINCE in w.note_bar.label.text()
    files.save_as()
    assert Path(offered[-1]).name == "gru-h1-impulse-T40.rnnviz"
    w.note_bar.set_policy("hide")
    assert not w.note_bar.shown
    assert files.open_example(EXAMPLE)  # the example again: its note holds
    assert w.note_bar.shown and not w.note_bar.edited
    assert load_session(EXAMPLE).note == w.note_bar.note
