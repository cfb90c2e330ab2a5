"""Presentation mode (issue 15 §1): F5 / Esc, the clicker keys, the caption and note,
and ``--present`` for the headless exports."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from rnnviz.session.examples import examples_dir
from rnnviz.session.files import load_session

SEED003 = examples_dir() / "01_next_word_seed003.rnnviz"
LSTM = examples_dir() / "04_lstm_remembers_impulse.rnnviz"


def side_docks(w):
    return (w.network_dock, w.weights_dock, w.sequence_dock)


def same_place(a: QtCore.QRect, b: QtCore.QRect) -> bool:
    """The same geometry; x within a few pixels: the offscreen screen is 800 px wide and
    the window's least width more, so Qt nudges a restored window back onto it."""
    return a.size() == b.size() and a.y() == b.y() and abs(a.x() - b.x()) <= 4


def present(qtbot, w):
    qtbot.keyClick(w, Qt.Key.Key_F5)
    assert w.presentation.active


def test_f5_presents_and_esc_restores_the_window_as_it_was(qtbot, main_window):
    w = main_window
    w.weights_dock.close()  # a layout of the user's own: the weights closed, Step math in front
    w.central_tabs.setCurrentIndex(1)
    w.setGeometry(QtCore.QRect(0, 50, 760, 560))  # (the least size with these docks wins)
    qtbot.wait(10)
    geometry, state = w.geometry(), w.saveState()
    visible = [d.isVisible() for d in side_docks(w)]
    assert visible == [True, False, True] and w.note_bar.isVisible()

    present(qtbot, w)
    assert w.isFullScreen()
    assert not any(d.isVisible() for d in side_docks(w))
    assert w.timeline_dock.isVisible() and w.timeline.isVisible()
    assert not w.menuBar().isVisible() and not w.statusBar().isVisible() and not w.note_bar.isVisible()
    assert w.presentation.caption.isVisible()
    big = w.central_tabs.tabBar().sizeHint().height()
    w.central_tabs.setCurrentIndex(0)  # the presenter goes to another view meanwhile

    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert not w.presentation.active and not w.isFullScreen()
    assert same_place(w.geometry(), geometry)
    assert [d.isVisible() for d in side_docks(w)] == visible
    assert w.saveState() == state
    assert w.central_tabs.currentIndex() == 1
    assert w.menuBar().isVisible() and w.statusBar().isVisible() and w.note_bar.isVisible()
    assert not w.presentation.caption.isVisible()
    assert w.central_tabs.tabBar().sizeHint().height() < big  # the large tabs were presentation's

    qtbot.keyClick(w, Qt.Key.Key_F5)  # F5 toggles too
    assert w.isFullScreen()
    qtbot.keyClick(w, Qt.Key.Key_F5)
    assert not w.isFullScreen() and same_place(w.geometry(), geometry)


def test_presenting_leaves_the_sessions_dock_layout_alone(qtbot, main_window):
    """The docks hidden for a while are not the layout the session keeps."""
    w = main_window
    qtbot.wait(400)  # the layout is stored 300 ms after a change
    before = w.controller.session.view.dock_state
    assert before
    present(qtbot, w)
    qtbot.wait(400)
    assert w.controller.session.view.dock_state == before


def test_page_down_and_page_up_step_and_stop_at_the_ends(qtbot, main_window):
    w = main_window
    present(qtbot, w)
    w.playback.set_loop(True)  # a clicker never wraps around, loop or not
    w.controller.request_cursor(step=3)
    qtbot.keyClick(w, Qt.Key.Key_PageDown)
    assert w.controller.cursor.step == 4
    qtbot.keyClick(w, Qt.Key.Key_PageDown)
    assert w.controller.cursor.step == 4  # T = 4
    qtbot.keyClick(w, Qt.Key.Key_PageUp)
    qtbot.keyClick(w, Qt.Key.Key_PageUp)
    assert w.controller.cursor.step == 2
    assert w.timeline.slider.value() == 2  # the one cursor: the timeline shows it too


def test_b_blanks_the_screen_and_any_key_brings_it_back(qtbot, main_window):
    w = main_window
    qtbot.keyClick(w, Qt.Key.Key_B)
    assert not w.presentation.blanked  # outside presentation the letters are free
    present(qtbot, w)
    w.controller.request_cursor(step=2)
    qtbot.keyClick(w, Qt.Key.Key_B)
    cover = w.presentation.cover
    assert w.presentation.blanked and cover.geometry() == w.rect()
    image = cover.grab().toImage()
    assert image.pixelColor(image.width() // 2, image.height() // 2) == QtGui.QColor("black")
    qtbot.keyClick(cover, Qt.Key.Key_PageDown)  # any key: back, and nothing else happens
    assert not w.presentation.blanked and w.controller.cursor.step == 2
    qtbot.keyClick(w, Qt.Key.Key_Period)
    assert w.presentation.blanked
    qtbot.mouseClick(cover, Qt.MouseButton.LeftButton)
    assert not w.presentation.blanked


def test_the_caption_names_the_step_and_its_input_and_follows_the_cursor(qtbot, main_window):
    w = main_window
    w.set_session(load_session(SEED003))
    present(qtbot, w)
    w.controller.request_cursor(step=3)
    assert w.presentation.caption.step_label.text() == "t = 3 / 4 — input: deep"
    qtbot.keyClick(w, Qt.Key.Key_PageUp)
    assert w.presentation.caption.step_label.text() == "t = 2 / 4 — input: love"
    w.controller.request_cursor(step=0)
    assert w.presentation.caption.step_label.text() == "t = 0 / 4 — initial state h₀"
    w.set_session(load_session(LSTM))  # numbers in, no tokens: the input's value
    w.controller.request_cursor(step=5)
    x5 = w.controller.session.sequence.inputs[4, 0]
    assert w.presentation.caption.step_label.text() == f"t = 5 / 40 — x = {x5:.3g}"


def test_the_presenter_note_shows_the_note_literally_a_paragraph_at_a_time(qtbot, main_window):
    w = main_window
    w.controller.set_text(note="Watch <b>x</b> & h_t")
    present(qtbot, w)
    note = w.presentation.caption.note_label
    assert not note.isVisible()
    qtbot.keyClick(w, Qt.Key.Key_N)
    assert note.isVisible() and note.text() == "Watch <b>x</b> & h_t"
    assert note.textFormat() == Qt.TextFormat.PlainText  # never read as markup
    qtbot.keyClick(w, Qt.Key.Key_N)
    assert not note.isVisible()
    w.controller.set_text(note="First <i>look</i> at h.\n\nThen at c.")
    shown = []
    for _ in range(3):
        qtbot.keyClick(w, Qt.Key.Key_N)
        shown.append(note.text() if note.isVisible() else None)
    assert shown == ["(1/2)  First <i>look</i> at h.", "(2/2)  Then at c.", None]


def test_d_brings_the_docks_back_while_presenting(qtbot, main_window):
    w = main_window
    present(qtbot, w)
    qtbot.keyClick(w, Qt.Key.Key_D)
    assert w.network_dock.isVisible() and w.sequence_dock.isVisible() and w.isFullScreen()
    qtbot.keyClick(w, Qt.Key.Key_D)
    assert not any(d.isVisible() for d in side_docks(w))
    assert w.presentation.active


def test_export_png_present_paints_the_presented_window(qtbot, tmp_path, monkeypatch):
    from rnnviz.gui import app

    seen = {}
    export_png = app.export_png

    def spy(window, path, size=None):
        code = export_png(window, path, size)
        seen.update(active=window.presentation.active,
                    docks=[d.isVisibleTo(window) for d in side_docks(window)],
                    menu=window.menuBar().isVisibleTo(window),
                    caption=window.presentation.caption.step_label.text())  # fmt: skip
        return code

    monkeypatch.setattr(app, "export_png", spy)
    out = tmp_path / "p.png"
    args = ["--export-png", str(out), "--present", "--size", "1024x768", "--step", "3", str(SEED003)]
    assert app.run(args) == 0
    assert seen == dict(active=True, docks=[False] * 3, menu=False, caption="t = 3 / 4 — input: deep")
    assert QtGui.QImage(str(out)).size().toTuple() == (1024, 768)


def test_export_video_present_frames_carry_the_presentation_caption(qtbot, tmp_path):
    from rnnviz.gui.app import run
    from rnnviz.gui.export.frames import FrameRenderer
    from rnnviz.session.compute import compute

    computed = compute(load_session(SEED003))
    plain = FrameRenderer(computed, "diagrams", (640, 360))
    presented = FrameRenderer(computed, "diagrams", (640, 360), present=True)
    try:
        a, b = plain.rgb(3), presented.rgb(3)
        assert presented.caption.step_label.text() == "t = 3 / 4 — input: deep"
        tabs = presented.host.findChild(QtWidgets.QTabBar)
        assert tabs is not None and tabs.tabText(0) == "Diagrams"
        assert a.shape == b.shape and (a != b).any()
    finally:
        plain.close()
        presented.close()
    out = tmp_path / "p.gif"
    assert (
        run(["--export-video", str(out), "--present", "--steps", "1:2", "--size", "640x360", str(SEED003)])
        == 0
    )
    assert out.stat().st_size > 0


@pytest.mark.parametrize("key", ["F5", "Shift+F5"])
def test_the_view_menu_offers_presentation(qtbot, main_window, key):
    action = main_window.presentation.action_present
    assert action in main_window.view_menu.actions()
    assert QtGui.QKeySequence(key) in action.shortcuts()


def test_the_export_dialog_offers_presentation_styling_checked_while_presenting(qtbot, main_window, monkeypatch,
                                                                               tmp_path):  # fmt: skip
    from rnnviz.gui.export.dialog import ExportAnimationDialog

    seen = []

    def exec_(dialog):
        seen.append(dialog.present_check.isChecked())
        seen.append(dialog.request(str(tmp_path / "a.gif")).present)
        return QtWidgets.QDialog.DialogCode.Rejected

    monkeypatch.setattr(ExportAnimationDialog, "exec", exec_)
    main_window.export_actions.export_animation_dialog()
    present(qtbot, main_window)
    main_window.export_actions.export_animation_dialog()
    assert seen == [False, False, True, True]


def test_the_caption_and_tabs_grow_with_the_zoom_and_follow_the_theme(qtbot, main_window):
    """View > Zoom (the application's font) scales the presentation; a theme recolours it."""
    from rnnviz.gui.presentation_style import CAPTION_SCALE
    from rnnviz.gui.theme import BASE_POINT_SIZE, appearance

    w = main_window
    present(qtbot, w)
    step_pt = w.presentation.caption.step_label.font().pointSizeF()
    tabs_h = w.central_tabs.tabBar().sizeHint().height()
    appearance().set_zoom(1.5)
    qtbot.wait(10)
    app_pt = QtWidgets.QApplication.font().pointSizeF()
    assert app_pt == pytest.approx(1.5 * BASE_POINT_SIZE)
    caption_pt = w.presentation.caption.step_label.font().pointSizeF()
    assert caption_pt == pytest.approx(CAPTION_SCALE * app_pt) and caption_pt > step_pt
    assert w.central_tabs.tabBar().sizeHint().height() > tabs_h
    appearance().set_theme("dark")
    qtbot.wait(10)
    image = w.presentation.caption.grab().toImage()
    assert QtGui.QColor(image.pixel(image.width() - 2, image.height() // 2)).lightness() < 100  # dark
    title = w.presentation.caption.title_label.grab().toImage()  # the session's title: legible on dark
    assert (
        max(QtGui.QColor(title.pixel(x, title.height() // 2)).lightness() for x in range(title.width())) > 150
    )
    tab = w.central_tabs.tabBar()
    shot = tab.grab().toImage()
    rect = tab.tabRect(1)  # a tab not chosen: the dark theme's button colour, not light grey
    assert QtGui.QColor(shot.pixel(rect.center().x(), rect.top() + 3)).lightness() < 100


def test_the_app_can_start_presenting(qtbot, monkeypatch, capsys):
    """``rnnviz FILE --present`` opens the window presenting (the startup probe closes it)."""
    from rnnviz.gui import app
    from rnnviz.gui.presentation import PresentationMode

    entered = []
    enter = PresentationMode.enter
    monkeypatch.setattr(PresentationMode, "enter", lambda self, full_screen=True: (
        entered.append((full_screen, self.window.isVisible())), enter(self, full_screen))[1])  # fmt: skip
    assert app.run(["--startup-probe", "--present", str(SEED003)]) == 0
    assert entered == [(True, True)]  # full screen, once the window is shown
