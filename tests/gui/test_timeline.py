"""Playback clock, TimelineWidget both directions, and the window-wide keys."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets
from PySide6.QtCore import Qt

from rnnviz.gui.playback import Playback
from rnnviz.gui.timeline import TimelineWidget, step_text


@pytest.fixture
def timeline(qtbot):
    pb = Playback(4)
    w = TimelineWidget(pb)
    qtbot.addWidget(w)
    return w


def test_step_text():
    assert step_text(2, 4, ("I", "love", "deep", "learning")) == "t = 2 / 4  (input: love)"
    assert step_text(0, 4) == "t = 0 / 4  (initial state h₀)"
    assert step_text(0, 4, lstm=True) == "t = 0 / 4  (initial state h₀, c₀)"
    assert step_text(3, 9) == "t = 3 / 9"
    assert step_text(1, 2, (" ", "a")) == "t = 1 / 2  (input: ␣)"
    x = [[0.25], [-1.5]]
    assert step_text(2, 2, inputs=x) == "t = 2 / 2  (x = −1.5)"
    assert step_text(1, 1, inputs=[[0.1, 0.2]]) == "t = 1 / 1  (x = (0.1, 0.2))"
    assert step_text(1, 1, inputs=[[0, 0, 0, 0]]) == "t = 1 / 1"


def test_playback_transport():
    pb = Playback(3)
    pb.last()
    assert pb.step == 3
    pb.forward()
    assert pb.step == 3
    pb.set_loop(True)
    pb.forward()
    assert pb.step == 0
    pb.back()
    assert pb.step == 3
    pb.set_speed(100)
    assert pb.speed == 30.0
    pb.set_speed(0.01)
    assert pb.speed == 0.25
    pb.set_step(99)
    assert pb.step == 3
    pb.set_length(2)
    assert pb.step == 2


def test_playback_plays_to_the_end_and_stops(qtbot):
    pb = Playback(3)
    pb.set_speed(30)
    pb.play()
    with qtbot.waitSignal(pb.sig_playing_changed, timeout=10_000) as blocker:
        pass
    assert blocker.args == [False] and pb.step == 3
    pb.play()  # from the end: starts over
    assert pb.step == 0 and pb.playing
    pb.pause()


def test_widget_follows_the_clock(timeline):
    pb = timeline.playback
    pb.set_step(3)
    assert timeline.slider.value() == 3 and timeline.step_label.text() == "t = 3 / 4"
    pb.set_speed(5)
    assert timeline.speed_spin.value() == 5
    pb.set_loop(True)
    assert timeline.loop_check.isChecked()
    pb.set_length(10)
    assert timeline.slider.maximum() == 10
    pb.play()
    assert timeline.play_button.text() == "Pause"
    pb.pause()
    assert timeline.play_button.text() == "Play"


def test_widget_drives_the_clock(timeline, qtbot):
    pb = timeline.playback
    timeline.slider.setValue(2)
    assert pb.step == 2
    qtbot.mouseClick(timeline.forward_button, Qt.MouseButton.LeftButton)
    assert pb.step == 3
    qtbot.mouseClick(timeline.first_button, Qt.MouseButton.LeftButton)
    assert pb.step == 0
    qtbot.mouseClick(timeline.last_button, Qt.MouseButton.LeftButton)
    assert pb.step == 4
    qtbot.mouseClick(timeline.back_button, Qt.MouseButton.LeftButton)
    assert pb.step == 3
    timeline.speed_spin.setValue(12.5)
    assert pb.speed == 12.5
    timeline.loop_check.setChecked(True)
    assert pb.loop
    qtbot.mouseClick(timeline.play_button, Qt.MouseButton.LeftButton)
    assert pb.playing
    qtbot.mouseClick(timeline.play_button, Qt.MouseButton.LeftButton)
    assert not pb.playing


# -- keys -----------------------------------------------------------------------------


@pytest.fixture
def active_window(main_window, qtbot):
    main_window.activateWindow()
    qtbot.waitActive(main_window)
    main_window.timeline.setFocus()
    return main_window


def test_keyboard_shortcuts(active_window, qtbot):
    w = active_window
    pb = w.playback
    target = w.timeline
    qtbot.keyClick(target, Qt.Key.Key_Right)
    assert pb.step == 2
    qtbot.keyClick(target, Qt.Key.Key_Left)
    assert pb.step == 1
    qtbot.keyClick(target, Qt.Key.Key_End)
    assert pb.step == 4
    qtbot.keyClick(target, Qt.Key.Key_Home)
    assert pb.step == 0
    qtbot.keyClick(target, Qt.Key.Key_Space)
    assert pb.playing
    qtbot.keyClick(target, Qt.Key.Key_Space)
    assert not pb.playing


def test_text_editors_keep_their_keys(active_window, qtbot):
    w = active_window
    pb = w.playback
    w.sequence_dock.raise_()
    w.sequence_dock.tabs.setCurrentWidget(w.sequence_dock.text_widget)
    edit = w.sequence_dock.text_widget.text_edit
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    edit.setCursorPosition(0)
    for key in (Qt.Key.Key_Right, Qt.Key.Key_Space, Qt.Key.Key_End, Qt.Key.Key_Home, Qt.Key.Key_Left):
        qtbot.keyClick(edit, key)
    assert pb.step == 1 and not pb.playing
    assert edit.text() == "I  love deep learning"  # the space went into the text
    # a spin box clicked but not typed in leaves ←/→ to the clock (issue 18: the Speed box
    # captured them until Esc); one with a number being typed keeps them
    spin = w.timeline.speed_spin
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    qtbot.keyClick(spin, Qt.Key.Key_Right)
    assert pb.step == 2
    qtbot.keyClick(spin, Qt.Key.Key_Left)
    assert pb.step == 1
    spin.selectAll()
    qtbot.keyClicks(spin, "7")
    qtbot.keyClick(spin, Qt.Key.Key_Right)
    assert pb.step == 1  # the caret moved in the number being typed


def test_escape_gives_the_keys_back_to_the_clock(active_window, qtbot):
    """After typing a number, Escape leaves the editor and Space plays again; in a
    table cell being edited, Escape only cancels the edit."""
    w = active_window
    pb = w.playback
    spin = w.network_dock.hidden_spin
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    net = w.controller.session.network
    spin.selectAll()
    qtbot.keyClicks(spin, "7")  # half typed: keyboard tracking is off, nothing applied yet
    qtbot.keyClick(spin, Qt.Key.Key_Space)
    assert not pb.playing  # typing a number: the spin box keeps the keys
    qtbot.keyClick(spin, Qt.Key.Key_Escape)
    assert not spin.hasFocus()
    assert spin.value() == 3 and w.controller.session.network is net  # dropped, not committed
    qtbot.keyClick(w.focusWidget() or w, Qt.Key.Key_Right)
    assert pb.step == 2
    w.weights_dock.raise_()
    table = w.weights_dock.tables["weight_hh_l0"]
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 0))
    table.edit(table.currentIndex())
    qtbot.waitUntil(lambda: isinstance(QtWidgets.QApplication.focusWidget(), QtWidgets.QLineEdit))
    editor = QtWidgets.QApplication.focusWidget()
    before = w.controller.session.network.param("weight_hh_l0")[0, 0]
    editor.setText("0.777")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(table.hasFocus)  # the edit was cancelled; the table keeps the focus
    assert w.controller.session.network.param("weight_hh_l0")[0, 0] == before


def test_read_only_text_leaves_the_keys_to_the_clock(active_window, qtbot):
    w = active_window
    pb = w.playback
    w.show_view("math")
    view = w.math_panel.scroll
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert pb.step == 2
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert pb.step == 4


def test_ctrl_v_pastes_into_the_sequence_table(active_window, qtbot):
    from PySide6 import QtWidgets

    w = active_window
    dock = w.sequence_dock
    dock.raise_()
    dock.tabs.setCurrentIndex(0)
    QtWidgets.QApplication.clipboard().setText("0.5\t0.25\n")
    table = dock.table
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    table.setCurrentIndex(dock.model.index(2, 0))
    qtbot.keyClick(table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    inputs = w.controller.session.sequence.inputs
    assert inputs[2, 0] == 0.5 and inputs[2, 1] == 0.25
    # arrows move the table's current cell, not the clock
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert table.currentIndex().row() == 3 and w.playback.step == 1
