"""File > Export handout (PDF): one page per chosen step, through Qt's QPdfWriter.

Each step starts a page (A4 portrait): the step ("t = 3 / 4 (input: deep)"), the
unrolled chain around it, the cell's inside at that step (drawn as vectors: items paint themselves, not their cached pixmaps)
and that step's worked math below at the page's width.  A step's math is long (an LSTM's
≈ 2300 pixels): squeezed onto one page it could not be read, so it goes on over as many
pages as it needs, cut between equation lines.  The first page opens with the session's
title and note.  The PDF is built in memory and written atomically.
"""

from __future__ import annotations

from collections.abc import Iterator

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
MATH_WIDTH = 900
MARGIN = 36.0
GAP = 10.0


def write_handout(computed: Computed, request: HandoutRequest, cursor: Cursor | None = None) -> int:
    """Write the handout; returns its page count.  Raises OSError when it cannot be written."""
    pages = 0
    for pages in handout_pages(computed, request, cursor):  # noqa: B007 - the count is the result
        pass
    return pages


def handout_pages(computed: Computed, request: HandoutRequest, cursor: Cursor | None = None) -> Iterator[int]:
    """Paint the steps one at a time, yielding how many are done; the file is written
    after the last (closing the generator before writes nothing)."""
    session = computed.session
    cursor = (cursor or Cursor.of(session)).clamped(session)
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    pdf = QtGui.QPdfWriter(buffer)
    pdf.setResolution(DPI)
    pdf.setPageLayout(QtGui.QPageLayout(QtGui.QPageSize(QtGui.QPageSize.PageSizeId.A4),
                                        QtGui.QPageLayout.Orientation.Portrait, QtCore.QMarginsF()))  # fmt: skip
    pdf.setTitle(session.title or "rnnviz handout")
    pdf.setCreator("rnnviz")
    diagrams, math = make_view("diagrams"), make_view("math")
    for view, size in ((diagrams, DIAGRAM_SIZE), (math, QtCore.QSize(MATH_WIDTH, 400))):
        view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        view.resize(size)
        view.show()
        view.set_computed(computed)
    painter = QtGui.QPainter()
    if not painter.begin(pdf):
        raise OSError(f"cannot start the PDF {request.path}")
    seq = session.sequence
    args = (tuple(seq.tokens), session.network.mode == "lstm", None if seq.is_text else seq.inputs)
    page = QtCore.QRectF(0, 0, pdf.width(), pdf.height()).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
    try:
        for n, step in enumerate(range(request.first, request.last + 1)):
            if n:
                pdf.newPage()
            for view in (diagrams, math):
                view.set_cursor(Cursor(step, cursor.layer, cursor.direction, cursor.unit, cursor.gate))
            QtCore.QCoreApplication.sendPostedEvents()
            caption = step_text(step, computed.trace.steps, *args)
            top = _intro(painter, page, session) if n == 0 else page.top()
            top = _text(painter, page, top, caption, 15, bold=True)
            top = _chain(painter, diagrams.unrolled, QtCore.QPointF(page.left(), top + GAP), page.width())
            top = _scene(
                painter, diagrams.cell.cell_scene, QtCore.QPointF(page.left(), top + GAP), page.width()
            )
            _math(painter, pdf, page, top + GAP, math.canvas, caption)
            yield n + 1
    finally:
        painter.end()
        for view in (diagrams, math):
            view.close()
            view.deleteLater()
    data = bytes(buffer.data())
    atomic_write(request.path, lambda f: f.write(data))


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


def _scene(
    painter: QtGui.QPainter, scene: QtWidgets.QGraphicsScene, at: QtCore.QPointF, width: float
) -> float:
    """The cell's inside at the page's width (never enlarged), as vectors; returns the y under it."""
    src = scene.itemsBoundingRect().adjusted(-4, -4, 4, 4)
    scale = min(1.0, width / src.width())
    target = QtCore.QRectF(at.x(), at.y(), src.width() * scale, src.height() * scale)
    with _uncached(scene):
        scene.render(painter, target, src)
    return target.bottom()


def _chain(
    painter: QtGui.QPainter, chain: QtWidgets.QGraphicsView, at: QtCore.QPointF, width: float
) -> float:
    """The unrolled chain as the window shows it, scrolled to the step (its columns
    around it), at the page's width; returns the y under it."""
    shown = chain.mapToScene(chain.viewport().rect()).boundingRect()
    source = shown.intersected(chain.scene().itemsBoundingRect().adjusted(-4, -4, 4, 4))  # no empty sides
    if source.isEmpty():
        return at.y()
    scale = min(width / source.width(), 1.0)
    target = QtCore.QRectF(at.x(), at.y(), source.width() * scale, source.height() * scale)
    with _uncached(chain.scene()):
        chain.scene().render(painter, target, source)
    return target.bottom()


def _math(painter, pdf, page: QtCore.QRectF, top: float, canvas, caption: str) -> None:
    """The step's math at the page's width (never enlarged), cut between its equation
    lines onto as many pages as it needs ("… continued" on top of the next)."""
    size = canvas.minimumSize().expandedTo(QtCore.QSize(1, 1))
    scale = min(1.0, page.width() / size.width())
    boxes = canvas.boxes  # equation lines, top to bottom: cut half way between two
    cuts = sorted(
        {round((a.bottom + b.top) / 2) for a, b in zip(boxes, boxes[1:], strict=False)} | {size.height()}
    )
    y = 0
    while y < size.height():
        room = (page.bottom() - top) / scale
        fitting = [c for c in cuts if y < c <= y + room]
        if y == 0 and len(fitting) < 2 and len(cuts) > 1 and top > page.top() + page.height() / 2:
            pdf.newPage()  # the title alone would be left at the foot of the page: all goes over
            top = _text(painter, page, page.top(), f"{caption}, continued", 11, colour="#555555") + GAP
            continue
        end = fitting[-1] if fitting else min(y + int(room), size.height())
        if end <= y:
            end = size.height()
        painter.save()
        painter.setClipRect(QtCore.QRectF(page.left(), top, size.width() * scale, (end - y) * scale))
        painter.translate(page.left(), top)
        painter.scale(scale, scale)  # the region's top left lands at the offset
        canvas.render(painter, QtCore.QPoint(0, 0), QtGui.QRegion(0, y, size.width(), end - y))
        painter.restore()
        y = end
        if y < size.height():
            pdf.newPage()
            top = _text(painter, page, page.top(), f"{caption}, continued", 11, colour="#555555") + GAP
