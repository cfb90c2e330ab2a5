"""The legend's words beside the colour scale: wrapped to two lines, the rest "…".

A word-wrapped QLabel held to two lines' height centres the text it cannot show and
cuts it at the top and the bottom: at 1400 px with the docks, the diagrams' legend
read "mean of the vector they carry ·", its first and last lines cut in half.  This
label wraps at words, shows as many whole lines as it may, and ends the last one with
"…"; its tooltip holds the whole text.  ``text()`` is the whole text.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from ..plain_text import tooltip


class LegendText(QtWidgets.QLabel):
    """Plain text wrapped to at most ``lines`` lines, the last one elided (see the module doc),
    in the application's font times ``scale`` (two lines as tall as a button beside them)."""

    def __init__(self, text: str = "", lines: int = 2, scale: float = 0.85, parent=None) -> None:
        super().__init__(parent)
        self.lines, self.scale = lines, scale
        self._follow_app_font()
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        # any width (never widens the window); always the height of its lines
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Minimum)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        self.setToolTip(tooltip(text))
        self.updateGeometry()

    def _follow_app_font(self) -> None:
        font = QtWidgets.QApplication.font()
        font.setPointSizeF(font.pointSizeF() * self.scale)
        self.setFont(font)

    def event(self, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.ApplicationFontChange:  # a zoom
            self._follow_app_font()
        return super().event(event)

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt override)
        fm = self.fontMetrics()
        return QtCore.QSize(
            fm.horizontalAdvance(self.text()) // self.lines, self.lines * fm.lineSpacing() + 2
        )

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt override)
        return QtCore.QSize(0, self.lines * self.fontMetrics().lineSpacing() + 2)

    def shown_lines(self) -> list[str]:
        """The lines as drawn at the label's width and height (the last may end in "…")."""
        fm = self.fontMetrics()
        width = max(1, self.contentsRect().width())
        room = max(1, min(self.lines, self.contentsRect().height() // max(1, fm.lineSpacing())))
        text = self.text()
        layout = QtGui.QTextLayout(text, self.font())
        option = QtGui.QTextOption()
        option.setWrapMode(QtGui.QTextOption.WrapMode.WordWrap)
        layout.setTextOption(option)
        layout.beginLayout()
        starts = []
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            starts.append((line.textStart(), line.textLength()))
        layout.endLayout()
        shown = [text[s : s + n].strip() for s, n in starts[:room]]
        if len(starts) > room:
            rest = text[starts[room - 1][0] :].strip()
            shown[-1] = fm.elidedText(rest, QtCore.Qt.TextElideMode.ElideRight, width)
        return shown

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt override)
        lines = self.shown_lines()
        fm = self.fontMetrics()
        rect = self.contentsRect()
        top = rect.top() + (rect.height() - len(lines) * fm.lineSpacing()) / 2
        painter = QtGui.QPainter(self)
        painter.setFont(self.font())
        painter.setPen(self.palette().color(self.foregroundRole()))
        for k, line in enumerate(lines):
            painter.drawText(QtCore.QPointF(rect.left(), top + k * fm.lineSpacing() + fm.ascent()), line)
        painter.end()
