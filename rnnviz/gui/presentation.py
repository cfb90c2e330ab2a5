"""Presentation mode (issue 15 §1): the window as a projector shows it.

F5 (or View > Presentation) enters, Esc leaves, F5 again toggles.  Presenting, the
window is full screen with only the central views and the timeline: the docks, the
menu bar, the status bar and the note bar are hidden, the tab buttons are large and a
large caption above the view says where the lesson is ("t = 3 / 4 — input: deep").

Keys while presenting (a presenter's clicker sends them): PageDown / PageUp step
forward / back (through the playback, which asks the cursor's one owner), B or "."
blanks the screen (any key brings it back), D brings the docks back (and hides them
again), N shows the session's note under the caption.  Leaving restores exactly what
was there before: window state and geometry, the docks and their layout, the tab, the
note bar, the menu and status bars.

The same styling (:class:`PresentationCaption`, :func:`tab_bar_style`) is what
``--export-png --present`` paints (the window itself, presented) and what
``--export-video --present`` frames show (rnnviz.gui.export.frames).  Sizes follow the
application font, so a zoom that changes it scales the presentation too.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from .plain_text import plain_label
from .timeline import step_detail

CAPTION_SCALE = 2.0  # the step caption's font, in app fonts
NOTE_SCALE = 1.35
TAB_SCALE = 1.5
ROLE = QtGui.QPalette.ColorRole


def caption_text(session, step: int) -> str:
    """ "t = 3 / 4 — input: deep": the timeline's wording, set as a headline."""
    seq = session.sequence
    inputs = None if seq.is_text else seq.inputs
    detail = step_detail(step, tuple(seq.tokens), session.network.mode == "lstm", inputs)
    head = f"t = {step} / {seq.steps}"
    return f"{head} — {detail}" if detail else head


def _points(scale: float) -> float:
    return QtWidgets.QApplication.font().pointSizeF() * scale


def _mix(a: QtGui.QPalette.ColorRole, b: QtGui.QPalette.ColorRole, t: float) -> str:
    """The application palette's colour ``a`` moved ``t`` of the way to ``b`` (a theme's own
    muted text or hover colour, legible on light and dark themes alike)."""
    pal = QtWidgets.QApplication.palette()
    ca, cb = pal.color(a), pal.color(b)
    mixed = [round(x + (y - x) * t) for x, y in zip(ca.getRgb()[:3], cb.getRgb()[:3], strict=True)]
    return QtGui.QColor(*mixed).name()


def tab_bar_style(scale: float = TAB_SCALE) -> str:
    """Large tab buttons, in proportion to the application font."""
    pt = _points(scale)
    pad_v, pad_h = round(pt * 0.45), round(pt * 1.1)
    line = max(3, round(pt / 4))
    return (
        f"QTabBar {{ font-size: {pt:.1f}pt; }}"
        f"QTabBar::tab {{ padding: {pad_v}px {pad_h}px; margin-right: {line}px; border: none;"
        f" border-bottom: {line}px solid transparent; background: palette(button); color: palette(button-text); }}"
        f"QTabBar::tab:selected {{ border-bottom-color: palette(highlight); background: palette(base);"
        f" color: palette(text); }}"
        f"QTabBar::tab:hover:!selected {{ background: {_mix(ROLE.Button, ROLE.ButtonText, 0.12)}; }}"
    )


class PresentationCaption(QtWidgets.QFrame):
    """The step caption (large, bold), the session's title at its right, and the
    presenter's note under it (shown on request).  All of it is plain text."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("PresentationCaption")
        self.step_label = plain_label(QtWidgets.QLabel(self))
        self.step_label.setObjectName("presentationStep")
        self.title_label = plain_label(QtWidgets.QLabel(self))
        self.title_label.setObjectName("presentationTitle")
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.title_label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                       QtWidgets.QSizePolicy.Policy.Preferred)  # fmt: skip
        self.note_label = plain_label(QtWidgets.QLabel(self))
        self.note_label.setObjectName("presentationNote")
        self.note_label.setWordWrap(True)
        self.note_label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                      QtWidgets.QSizePolicy.Policy.Preferred)  # fmt: skip
        self.note_label.hide()
        top = QtWidgets.QHBoxLayout()
        top.setSpacing(24)
        top.addWidget(self.step_label, 0)
        top.addWidget(self.title_label, 1)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(16, 6, 16, 6)
        lay.setSpacing(4)
        lay.addLayout(top)
        lay.addWidget(self.note_label)
        self.restyle()

    def restyle(self) -> None:
        """Fonts in proportion to the application font (again after it changes)."""
        step = QtGui.QFont(QtWidgets.QApplication.font())
        step.setPointSizeF(_points(CAPTION_SCALE))
        step.setBold(True)
        self.step_label.setFont(step)
        title = QtGui.QFont(QtWidgets.QApplication.font())
        title.setPointSizeF(_points(1.2))
        self.title_label.setFont(title)
        note = QtGui.QFont(QtWidgets.QApplication.font())
        note.setPointSizeF(_points(NOTE_SCALE))
        self.note_label.setFont(note)
        pad = round(_points(0.6))
        self.setStyleSheet(
            f"#presentationTitle {{ color: {_mix(ROLE.WindowText, ROLE.Window, 0.4)}; }}"
            f"#presentationNote {{ background: palette(alternate-base); border-left: 4px solid palette(highlight);"
            f" padding: {pad}px {2 * pad}px; }}"
        )

    def set_step_text(self, text: str) -> None:
        self.step_label.setText(text)

    def set_title(self, title: str) -> None:
        self.title_label.setText(title or "")
        self.title_label.setToolTip("")

    def set_note(self, note: str | None) -> None:
        """Show ``note`` under the caption (None or empty: no note)."""
        self.note_label.setText(note or "")
        self.note_label.setVisible(bool(note))


class BlankCover(QtWidgets.QWidget):
    """A black screen over the whole window; any key or click takes it away."""

    sig_dismissed = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget):
        super().__init__(parent)
        self.setObjectName("BlankCover")
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(QtGui.QPalette.ColorRole.Window, QtGui.QColor("black"))
        self.setPalette(pal)
        self.setCursor(Qt.CursorShape.BlankCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.hide()

    def event(self, event: QtCore.QEvent) -> bool:
        kind = event.type()
        if kind == QtCore.QEvent.Type.ShortcutOverride:
            event.accept()  # no shortcut fires behind a blank screen: the key only dismisses it
            return True
        if kind in (QtCore.QEvent.Type.KeyPress, QtCore.QEvent.Type.MouseButtonPress):
            self.sig_dismissed.emit()
            return True
        return super().event(event)


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


def presented_host(title: str, view: QtWidgets.QWidget, view_title: str) -> tuple[QtWidgets.QWidget,
                                                                                  PresentationCaption]:  # fmt: skip
    """A film's frame with presentation styling (``--export-video --present``): the
    caption and the large tab of the window presenting ``view``; no docks, no note."""
    host = QtWidgets.QWidget()
    caption = PresentationCaption(host)
    caption.set_title(title)
    tabs = QtWidgets.QTabBar(host)
    tabs.setDocumentMode(True)
    tabs.setDrawBase(True)
    tabs.setExpanding(False)  # a tab the size of its name, at the left, as in the window
    tabs.addTab(view_title)
    tabs.setStyleSheet(tab_bar_style())
    lay = QtWidgets.QVBoxLayout(host)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(0)
    lay.addWidget(caption)
    lay.addWidget(tabs)
    lay.addWidget(view, 1)
    return host, caption
