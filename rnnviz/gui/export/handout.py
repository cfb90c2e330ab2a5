"""File > Export handout (PDF): one page per chosen step, through Qt's QPdfWriter.

Each page: the step ("t = 3 / 4 (input: deep)"), the diagrams as the window shows them
(the unrolled chain over the cell's inside, drawn as vectors: items paint themselves,
not their cached pixmaps) and that step's worked math below, scaled to the page's
width.  The first page opens with the session's title and note.  The PDF is built in
memory and written atomically.
"""

from __future__ import annotations

from contextlib import ExitStack

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from rnnviz.session.atomic import atomic_write
from rnnviz.session.compute import Computed
from rnnviz.session.export_plan import HandoutRequest
from rnnviz.session.workspace import Cursor

from ..diagrams.export import _uncached
from ..timeline import step_text
from .frames import make_view

DPI = 96  # page coordinates in CSS pixels: A4 landscape is ≈ 1123 × 794
DIAGRAM_SIZE = QtCore.QSize(1280, 720)
MATH_WIDTH = 1280
MARGIN = 36.0
GAP = 10.0


def write_handout(computed: Computed, request: HandoutRequest, cursor: Cursor | None = None,
                  progress=None) -> int:  # fmt: skip
    """Write the handout; returns its page count.  Raises OSError when it cannot be written."""
    session = computed.session
    cursor = (cursor or Cursor.of(session)).clamped(session)
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    pdf = QtGui.QPdfWriter(buffer)
    pdf.setResolution(DPI)
    pdf.setPageLayout(QtGui.QPageLayout(QtGui.QPageSize(QtGui.QPageSize.PageSizeId.A4),
                                        QtGui.QPageLayout.Orientation.Landscape, QtCore.QMarginsF()))  # fmt: skip
    pdf.setTitle(session.title or "rnnviz handout")
    pdf.setCreator("rnnviz")
    diagrams, math = make_view("diagrams"), make_view("math")
    hosts = []
    for view, size in ((diagrams, DIAGRAM_SIZE), (math, QtCore.QSize(MATH_WIDTH, 400))):
        view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        view.resize(size)
        view.show()
        view.set_computed(computed)
        hosts.append(view)
    painter = QtGui.QPainter()
    if not painter.begin(pdf):
        raise OSError(f"cannot start the PDF {request.path}")
    seq = session.sequence
    args = (tuple(seq.tokens), session.network.mode == "lstm", None if seq.is_text else seq.inputs)
    try:
        for n, step in enumerate(range(request.first, request.last + 1)):
            if n:
                pdf.newPage()
            for view in hosts:
                view.set_cursor(Cursor(step, cursor.layer, cursor.direction, cursor.unit, cursor.gate))
            QtCore.QCoreApplication.sendPostedEvents()
            page = QtCore.QRectF(0, 0, pdf.width(), pdf.height()).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
            top = _intro(painter, page, session) if n == 0 else page.top()
            top = _text(painter, page, top, step_text(step, computed.trace.steps, *args), 15, bold=True)
            _page(painter, QtCore.QRectF(page.left(), top + GAP, page.width(), page.bottom() - top - GAP),
                  diagrams, math)  # fmt: skip
            if progress is not None:
                progress(n + 1)
    finally:
        painter.end()
        for view in hosts:
            view.close()
            view.deleteLater()
    data = bytes(buffer.data())
    atomic_write(request.path, lambda f: f.write(data))
    return request.last - request.first + 1


def _text(painter: QtGui.QPainter, page: QtCore.QRectF, top: float, text: str, pt: float,
          bold: bool = False, colour: str = "#1a1a1a") -> float:  # fmt: skip
    """Wrapped plain text from ``top``; returns the y under it."""
    font = QtGui.QFont(painter.font())
    font.setPointSizeF(pt)
    font.setBold(bold)
    painter.setFont(font)
    painter.setPen(QtGui.QColor(colour))
    flags = int(Qt.TextFlag.TextWordWrap) | int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    rect = QtCore.QRectF(page.left(), top, page.width(), page.bottom() - top)
    used = painter.boundingRect(rect, flags, text)
    painter.drawText(rect, flags, text)
    return used.bottom() + 4


def _intro(painter: QtGui.QPainter, page: QtCore.QRectF, session) -> float:
    top = _text(painter, page, page.top(), session.title or "Untitled session", 20, bold=True)
    note = " ".join(session.note.split()) if session.note else ""
    if note:
        top = _text(painter, page, top + 2, note, 10, colour="#444444")
    return top + GAP


def _page(painter: QtGui.QPainter, area: QtCore.QRectF, diagrams, math) -> None:
    """The diagrams on top, the math under them, both scaled to the area's width (the
    diagram to at most 55 % of its height, the math to what is left)."""
    d_scale = min(area.width() / DIAGRAM_SIZE.width(), 0.55 * area.height() / DIAGRAM_SIZE.height())
    _render(painter, diagrams, QtCore.QPointF(area.left(), area.top()), d_scale, diagrams.rect())
    top = area.top() + DIAGRAM_SIZE.height() * d_scale + GAP
    canvas = math.canvas
    size = canvas.minimumSize().expandedTo(QtCore.QSize(1, 1))
    m_scale = min(area.width() / size.width(), (area.bottom() - top) / size.height(), d_scale * 1.2)
    _render(painter, canvas, QtCore.QPointF(area.left(), top), m_scale, QtCore.QRect(QtCore.QPoint(), size))


def _render(
    painter, widget: QtWidgets.QWidget, at: QtCore.QPointF, scale: float, source: QtCore.QRect
) -> None:
    painter.save()
    painter.translate(at)
    painter.scale(scale, scale)
    scenes = [v.scene() for v in widget.findChildren(QtWidgets.QGraphicsView) if v.scene() is not None]
    with ExitStack() as stack:
        for scene in scenes:
            stack.enter_context(_uncached(scene))
        widget.render(painter, QtCore.QPoint(0, 0), QtGui.QRegion(source))
    painter.restore()
