"""Presentation styling (issue 15 §1), shared by the window presenting
(:mod:`rnnviz.gui.presentation`) and a presented film's frames (``--export-video
--present``, :mod:`rnnviz.gui.export.frames`): the large caption, the large tabs and
the black cover.  Sizes follow the application font (the zoom), colours the palette
(the theme).
"""

from __future__ import annotations

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
