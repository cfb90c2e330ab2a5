"""NoteBar: the session's note ("what to look at") above the central views.

An example's note says what to watch; it is shown as soon as the session opens,
whatever the step and view.  Collapsed, the bar shows the note's first paragraph;
"More" unfolds the rest.  The user may hide it; a different note shows it again,
and so does View > Session note.

Once the network or the sequence is edited (``set_edited``), the note no longer
describes what is shown: the bar either says so ("edited since": written for the
original) or hides, as the user chose in its "If edited" menu; the choice is kept in
QSettings (``note_bar/when_edited``: "mark" or "hide").
"""

from __future__ import annotations

import html

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal

from .settings import app_settings
from .theme import current_theme

WHEN_EDITED_KEY = "note_bar/when_edited"
WHEN_EDITED = {
    "mark": "Once edited: mark the note “edited since”",
    "hide": "Once edited: hide the note",
}
EDITED_SINCE = "edited since: this note was written for the original network and sequence"


class NoteBar(QtWidgets.QFrame):
    """Shows a note; ``sig_visibility_changed(bool)`` follows the user's hide/show."""

    sig_visibility_changed = Signal(bool)

    def set_appearance(self, _appearance=None) -> None:
        """A sticky note: cream on a light theme, amber-brown on a dark one."""
        dark = current_theme().is_dark
        back, border, ink = ("#3A3320", "#7A6A34", "#F2E8C9") if dark else ("#FFF8E1", "#E6D9A8", "#2B2B2B")
        self.setStyleSheet(
            f"#NoteBar {{ background: {back}; border: 1px solid {border}; border-radius: 4px; }}"
            f"#NoteBar QLabel, #NoteBar QToolButton {{ color: {ink}; }}"
        )

    def __init__(self, parent: QtWidgets.QWidget | None = None, settings: QtCore.QSettings | None = None):
        super().__init__(parent)
        self.settings = settings or app_settings()
        self._edited = False
        self._hidden_by_edit = False
        self.setObjectName("NoteBar")
        self.set_appearance()
        self._note = ""
        self._shown = False
        self.label = QtWidgets.QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self.more_button = QtWidgets.QToolButton()
        self.more_button.setCheckable(True)
        self.more_button.setAutoRaise(True)
        self.more_button.toggled.connect(self._refresh)
        self.close_button = QtWidgets.QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Hide the note (View > Session note shows it again)")
        self.close_button.clicked.connect(lambda: self.set_shown(False))
        self.edited_button = self._when_edited_button()
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 4, 4)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.edited_button, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.setVisible(False)

    def _when_edited_button(self) -> QtWidgets.QToolButton:
        button = QtWidgets.QToolButton()
        button.setText("If edited ▾")
        button.setAutoRaise(True)
        button.setStyleSheet("QToolButton::menu-indicator { image: none; }")  # the text has its ▾
        button.setToolTip("What the note does once you change the network or the sequence")
        button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QtWidgets.QMenu(button)
        group = QtGui.QActionGroup(menu)
        self.policy_actions: dict[str, QtGui.QAction] = {}
        for key, text in WHEN_EDITED.items():
            action = menu.addAction(text)
            action.setCheckable(True)
            action.setActionGroup(group)
            action.triggered.connect(lambda _checked=False, key=key: self.set_policy(key))
            self.policy_actions[key] = action
        self.policy_actions[self.policy].setChecked(True)
        button.setMenu(menu)
        return button

    @property
    def policy(self) -> str:
        """The user's choice: "mark" (say the note was written for the original) or "hide"."""
        value = self.settings.value(WHEN_EDITED_KEY, "mark")
        return value if value in WHEN_EDITED else "mark"

    def set_policy(self, policy: str) -> None:
        if policy not in WHEN_EDITED:
            raise ValueError(f"unknown choice {policy!r}: one of {', '.join(WHEN_EDITED)}")
        self.settings.setValue(WHEN_EDITED_KEY, policy)
        self.policy_actions[policy].setChecked(True)
        self._apply_edited()

    @property
    def edited(self) -> bool:
        return self._edited

    def set_edited(self, edited: bool) -> None:
        """The network or sequence changed since the note was written (or is back as it was)."""
        if bool(edited) != self._edited:
            self._edited = bool(edited)
            self._apply_edited()

    def _apply_edited(self) -> None:
        if self._edited and self.policy == "hide":
            if self._shown:
                self._hidden_by_edit = True
                self.set_shown(False)
        elif self._hidden_by_edit:
            self._hidden_by_edit = False
            self.set_shown(True)
        self._refresh()

    @property
    def note(self) -> str:
        return self._note

    @property
    def expanded(self) -> bool:
        return self.more_button.isChecked()

    def paragraphs(self) -> list[str]:
        """The note's paragraphs: a line that does not end a sentence continues on the
        next one (a hard-wrapped note reads as one paragraph)."""
        out: list[str] = []
        joined = False
        for line in (ln.strip() for ln in self._note.splitlines()):
            if not line:
                joined = False
                continue
            if joined and out:
                out[-1] += " " + line
            else:
                out.append(line)
            joined = not line.endswith((".", "!", "?", ":", ")"))
        return out

    def set_note(self, note: str) -> None:
        """Show ``note`` (collapsed); the same note again changes nothing, an empty one hides the bar."""
        note = note or ""
        if note == self._note:
            return
        self._note = note
        self._edited = self._hidden_by_edit = False  # a new note is written for what is shown
        with QtCore.QSignalBlocker(self.more_button):
            self.more_button.setChecked(False)
        self._refresh()
        self.set_shown(bool(self.paragraphs()))

    @property
    def shown(self) -> bool:
        """The bar is meant to be seen (even while its window is not on screen)."""
        return self._shown

    def set_shown(self, on: bool) -> None:
        on = bool(on) and bool(self.paragraphs())
        if on:
            self._hidden_by_edit = False
        self.setVisible(on)
        if on != self._shown:
            self._shown = on
            self.sig_visibility_changed.emit(on)

    def shown_paragraphs(self) -> list[str]:
        """What the bar shows: the first paragraph, or all of them when unfolded."""
        paras = self.paragraphs()
        return paras if self.expanded else paras[:1]

    def _refresh(self) -> None:
        paras = self.paragraphs()
        more = len(paras) > 1
        self.more_button.setVisible(more)
        self.more_button.setText("Less ▴" if self.expanded else "More ▾")
        self.more_button.setToolTip("Fold the note" if self.expanded else "The whole note")
        body = "<br>".join(html.escape(p) for p in self.shown_paragraphs())
        if more and not self.expanded:
            body += " …"
        head = "<b>Note:</b>"
        if self._edited:
            head = f"<b>Note</b> <i style='color:#8a4b00'>({html.escape(EDITED_SINCE)})</i><b>:</b>"
        self.label.setText(f"{head} {body}" if paras else "")
        self.edited_button.setVisible(bool(paras))
