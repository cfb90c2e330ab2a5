"""Presentation mode (issue 15 §1): the window as a projector shows it.

F5 (or View > Presentation) enters, Esc leaves, F5 again toggles.  Presenting, the
window is full screen with only the central views and the timeline: the docks, the
menu bar, the status bar and the note bar are hidden, the tab buttons are large and a
large caption above the view says where the lesson is ("t = 3 / 4 — input: deep").

Keys while presenting (a presenter's clicker sends them): PageDown / PageUp step
forward / back (through the playback, which asks the cursor's one owner), B or "."
blanks the screen (any key brings it back), D brings the docks back (and hides them
again), N shows the session's note under the caption, a paragraph at a time.  Leaving
restores exactly what was there before: window state and geometry, the docks and their
layout, the tab, the note bar, the menu and status bars.

The same styling (rnnviz.gui.presentation_style: the caption, the tabs) is what
``--export-png --present`` paints (the window itself, presented) and what
``--export-video --present`` frames show (rnnviz.gui.export.frames).  Sizes follow the
application font, so a zoom that changes it scales the presentation too.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from .presentation_style import BlankCover, PresentationCaption, caption_text, tab_bar_style

__all__ = ["PresentationMode", "caption_text"]


@dataclass
class _Before:
    """What presenting changes, to put back on leaving."""

    geometry: QtCore.QByteArray
    dock_state: QtCore.QByteArray
    window_state: Qt.WindowState
    tab: int
    menu_bar: bool
    status_bar: bool
    tab_style: str
    full_screen: bool
    actions: list  # the menu actions added to the window while its menu bar is hidden


class PresentationMode(QtCore.QObject):
    """Presentation mode of a :class:`~rnnviz.gui.main_window.MainWindow` (see the module doc)."""

    sig_active_changed = QtCore.Signal(bool)

    def __init__(self, window: QtWidgets.QMainWindow):
        super().__init__(window)
        self.window = window
        self._before: _Before | None = None
        self._docks_shown = False
        self._note_at = -1  # N: the paragraph of the session's note shown under the caption (-1: none)
        self.caption = PresentationCaption(window.centralWidget())
        self.caption.hide()
        window.centralWidget().layout().insertWidget(0, self.caption)
        self.cover = BlankCover(window)
        self.cover.sig_dismissed.connect(lambda: self.set_blank(False))
        self._focus_before_blank: QtWidgets.QWidget | None = None
        self._build_actions()
        c = window.controller
        c.sig_cursor_changed.connect(self._on_controller_cursor_changed)
        c.sig_computed.connect(self._on_controller_computed)
        c.sig_session_changed.connect(self._on_controller_session_changed)
        window.installEventFilter(self)
        from .theme import appearance

        appearance().sig_changed.connect(self._on_appearance_changed)  # a theme: style sheets set again

    def _on_appearance_changed(self, _appearance) -> None:
        self.caption.restyle()
        if self.active:
            self.window.central_tabs.tabBar().setStyleSheet(tab_bar_style())

    # -- actions --------------------------------------------------------------------
    def _action(self, text: str, keys, slot, tip: str, checkable: bool = False) -> QtGui.QAction:
        action = QtGui.QAction(text, self.window)
        action.setShortcuts([QtGui.QKeySequence(k) for k in keys])
        action.setStatusTip(tip)
        action.setCheckable(checkable)
        (action.toggled if checkable else action.triggered).connect(slot)
        self.window.addAction(action)  # its keys work while the menu bar is hidden
        return action

    def _build_actions(self) -> None:
        self.action_present = self._action("&Presentation", ["F5", "Shift+F5"], self._on_action_present_toggled,
                                           "Full screen for a projector: the view, a large caption and "
                                           "the timeline (Esc leaves)", checkable=True)  # fmt: skip
        self.action_docks = self._action("Presentation: show &docks", ["D"], self._on_action_docks_toggled,
                                         "Bring the network, weights and sequence back while presenting",
                                         checkable=True)  # fmt: skip
        self.action_note = self._action("Presentation: presenter &note, paragraph by paragraph", ["N"],
                                        self.next_note, "The session's note under the caption: "
                                        "N shows its next paragraph, after the last none")  # fmt: skip
        self.action_blank = self._action("Presentation: &blank screen", ["B", "."], self.toggle_blank,
                                         "Black screen; any key brings the view back")  # fmt: skip
        self.action_next = self._action("Presentation: next step", ["PgDown"], lambda: self.step(1),
                                        "One step forward (a clicker's next)")  # fmt: skip
        self.action_previous = self._action("Presentation: previous step", ["PgUp"], lambda: self.step(-1),
                                            "One step back (a clicker's previous)")  # fmt: skip
        self.action_leave = self._action(
            "Leave presentation", ["Esc"], self.leave, "Back to the window as it was"
        )
        self._presenting_actions = (self.action_docks, self.action_note, self.action_blank, self.action_next,
                                    self.action_previous, self.action_leave)  # fmt: skip
        for action in self._presenting_actions:
            action.setEnabled(False)  # the letters are free for typing outside presentation
        menu = getattr(self.window, "view_menu", None)
        if menu is not None:
            menu.addSeparator()
            menu.addAction(self.action_present)
            menu.addAction(self.action_docks)
            menu.addAction(self.action_note)
            menu.addAction(self.action_blank)

    def _on_action_present_toggled(self, on: bool) -> None:
        self.enter() if on else self.leave()

    def _on_action_docks_toggled(self, on: bool) -> None:
        self.set_docks_shown(on)

    # -- state ----------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self._before is not None

    @property
    def blanked(self) -> bool:
        return self.cover.isVisible()

    def _side_docks(self) -> list[QtWidgets.QDockWidget]:
        w = self.window
        return [
            d for d in w.findChildren(QtWidgets.QDockWidget) if d.parent() is w and d is not w.timeline_dock
        ]

    def saved_geometry(self) -> tuple[QtCore.QByteArray, QtCore.QByteArray]:
        """The window's geometry and dock state as they are outside presentation (what
        window memory keeps when the window closes while presenting)."""
        if self._before is not None:
            return self._before.geometry, self._before.dock_state
        return self.window.saveGeometry(), self.window.saveState()

    # -- entering and leaving ---------------------------------------------------------------
    def enter(self, full_screen: bool = True) -> None:
        """Present: ``full_screen`` False only lays the window out as presented (headless exports)."""
        if self.active:
            return
        w = self.window
        tabs = w.central_tabs
        self._before = _Before(
            w.saveGeometry(), w.saveState(), w.windowState(), tabs.currentIndex(),
            not w.menuBar().isHidden(), not w.statusBar().isHidden(), tabs.tabBar().styleSheet(), full_screen,
            [a for a in w.menuBar().findChildren(QtGui.QAction) if not a.shortcut().isEmpty()
             and a not in w.actions()],
        )  # fmt: skip
        w.addActions(self._before.actions)  # Quit, zoom, … keep their keys without a menu bar
        for action in self._presenting_actions:
            action.setEnabled(True)
        self._docks_shown = False
        for dock in self._side_docks():
            dock.hide()
        w.note_bar.setVisible(False)
        w.menuBar().hide()
        w.statusBar().hide()
        tabs.tabBar().setStyleSheet(tab_bar_style())
        self.caption.show()
        self._refresh_caption()
        self._sync_checks()
        if full_screen:
            w.showFullScreen()
        w.centralWidget().setFocus(Qt.FocusReason.OtherFocusReason)
        self.sig_active_changed.emit(True)

    def leave(self) -> None:
        if not self.active:
            return
        self.set_blank(False)
        before, w = self._before, self.window
        for action in self._presenting_actions:
            action.setEnabled(False)
        for action in before.actions:
            w.removeAction(action)
        self.caption.hide()
        w.central_tabs.tabBar().setStyleSheet(before.tab_style)
        w.menuBar().setVisible(before.menu_bar)
        w.statusBar().setVisible(before.status_bar)
        if before.full_screen:
            w.setWindowState(before.window_state)
            w.restoreGeometry(before.geometry)
        w.restoreState(before.dock_state)
        w.central_tabs.setCurrentIndex(before.tab)
        w.note_bar.setVisible(w.note_bar.shown)  # as the note bar was (or a new note's is)
        self._before = None
        self._docks_shown = False
        self._sync_checks()
        self.sig_active_changed.emit(False)

    def toggle(self) -> None:
        self.leave() if self.active else self.enter()

    def _sync_checks(self) -> None:
        for action, on in ((self.action_present, self.active), (self.action_docks, self._docks_shown)):
            with QtCore.QSignalBlocker(action):
                action.setChecked(on)

    # -- while presenting ---------------------------------------------------------------------
    def set_docks_shown(self, on: bool) -> None:
        """D: the docks as they were before presenting (all of them if none was open), or hidden."""
        if not self.active:
            return
        self._docks_shown = bool(on)
        if on:
            self.window.restoreState(self._before.dock_state)
            docks = self._side_docks()
            if not any(d.isVisibleTo(self.window) for d in docks):
                for dock in docks:
                    dock.show()
        else:
            for dock in self._side_docks():
                dock.hide()
        self._sync_checks()

    @property
    def note_paragraph(self) -> int:
        """The note's paragraph under the caption (0, 1, …), or -1 when none is."""
        return self._note_at

    def set_note_paragraph(self, index: int) -> None:
        """Show paragraph ``index`` of the session's note (plain text); -1 or past the end: none."""
        count = len(self.window.note_bar.paragraphs())
        self._note_at = index if 0 <= index < count else -1
        self._refresh_caption()

    def next_note(self) -> None:
        """N: a presenter's note is read a paragraph at a time, under the caption; after the
        last paragraph, no note (a long note would push the view off the screen)."""
        self.set_note_paragraph(self._note_at + 1)

    def step(self, delta: int) -> None:
        """PageDown / PageUp: one step, stopping at 0 and T (a clicker does not wrap around)."""
        pb = self.window.playback
        pb.set_step(pb.step + delta)

    def set_blank(self, on: bool) -> None:
        if on == self.blanked:
            return
        if on:
            self._focus_before_blank = QtWidgets.QApplication.focusWidget()
            self.cover.setGeometry(self.window.rect())
            self.cover.show()
            self.cover.raise_()
            self.cover.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.cover.hide()
            focus = self._focus_before_blank
            self._focus_before_blank = None
            if focus is not None and focus.isVisible():
                focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def toggle_blank(self) -> None:
        self.set_blank(not self.blanked)

    # -- the caption follows the cursor ----------------------------------------------------------------
    def _refresh_caption(self) -> None:
        w = self.window
        computed = w.controller.computed
        if computed is None:
            self.caption.set_step_text("")
            return
        session = computed.session  # what is shown: the work, or a generated run's sequence
        self.caption.set_step_text(caption_text(session, w.controller.cursor.step))
        self.caption.set_title(w.controller.session.title if w.controller.session else "")
        paragraphs = w.note_bar.paragraphs()
        if not 0 <= self._note_at < len(paragraphs):
            self._note_at = -1  # the note changed under it
            self.caption.set_note(None)
            return
        where = f"({self._note_at + 1}/{len(paragraphs)})  " if len(paragraphs) > 1 else ""
        self.caption.set_note(where + paragraphs[self._note_at])

    def _on_controller_cursor_changed(self, _cursor) -> None:
        if self.active:
            self._refresh_caption()

    def _on_controller_computed(self, _computed) -> None:
        if self.active:
            self._refresh_caption()

    def _on_controller_session_changed(self, _session) -> None:
        if self.active:
            self.window.note_bar.setVisible(False)  # a new note would show its bar again
            self._refresh_caption()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        if obj is self.window:
            kind = event.type()
            if kind == QtCore.QEvent.Type.Resize and self.blanked:
                self.cover.setGeometry(self.window.rect())
            elif kind == QtCore.QEvent.Type.ApplicationFontChange:
                self._on_appearance_changed(None)  # a zoom: the caption and tabs grow with the font
        return False
