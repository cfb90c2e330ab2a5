"""NoteBar: the session's note ("what to look at") above the central views.

An example's note says what to watch; it is shown as soon as the session opens,
whatever the step and view.  Collapsed, the bar shows the note's first paragraph;
"More" unfolds the rest.  The user may hide it; a different note shows it again,
and so does View > Session note.
"""

from __future__ import annotations

import html

from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import Qt, Signal


class NoteBar(QtWidgets.QFrame):
    """Shows a note; ``sig_visibility_changed(bool)`` follows the user's hide/show."""

    sig_visibility_changed = Signal(bool)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("NoteBar")
        self.setStyleSheet(
            "#NoteBar { background: #fff8e1; border: 1px solid #e6d9a8; border-radius: 4px; }"
            "#NoteBar QLabel { color: #2b2b2b; }"
        )
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
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 4, 4)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.setVisible(False)

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
        self.label.setText(f"<b>Note:</b> {body}" if paras else "")
