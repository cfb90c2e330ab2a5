"""What every diagram shares: the one diverging colour scale, fonts, and the few
item kinds the scenes are made of (vector chips, arrows, labels, boxes).

Items are standard Qt graphics items whose properties are updated per step;
none overrides ``paint`` or ``boundingRect``.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from rnnviz.gui.theme import CHIP_INK, GATE_COLOURS, GATE_TINTS, C, current_theme
from rnnviz.session.stepmath import fmt

__all__ = ["GATE_COLOURS", "GATE_TINTS"]

#: Colour-blind-safe diverging scale (CET-CBD1, as the plots' heatmaps): blue < 0 < yellow.
_CBD1 = ("#3a90fe", "#7da7fc", "#a9bef9", "#ced7f5", "#ededed", "#e2d7b9", "#d2be85", "#bea750", "#a89008")
SCALE_MAX = 1.0  # values are clipped to [−1, 1] on the scale
# the theme's colours (rnnviz.gui.theme): shared objects a theme change updates in place
INK = C.ink
MUTED = C.muted
WIRE = C.wire
HIGHLIGHT = C.step  # the current step (as the plots' cursor)
BACKGROUND = C.paper
CELL_FILL = C.cell_fill


def _build_lut(n: int = 101) -> list[QtGui.QColor]:
    stops = [QtGui.QColor(c) for c in _CBD1]
    out = []
    for k in range(n):
        pos = k / (n - 1) * (len(stops) - 1)
        i = min(int(pos), len(stops) - 2)
        f = pos - i
        a, b = stops[i], stops[i + 1]
        out.append(
            QtGui.QColor.fromRgbF(
                a.redF() + (b.redF() - a.redF()) * f,
                a.greenF() + (b.greenF() - a.greenF()) * f,
                a.blueF() + (b.blueF() - a.blueF()) * f,
            )
        )
    return out


LUT = _build_lut()
_EMPTY = C.empty  # a chip cell without a value
_CELL_INSET = (0.4, 0.4, -0.4, -0.4)  # the white lines between a chip's cells
LUT_RGB32 = np.array([c.rgba() for c in LUT], dtype=np.uint32)  # for images built with NumPy
NAN_COLOUR = QtGui.QColor("#bbbbbb")
NAN_RGB32 = np.uint32(NAN_COLOUR.rgba())


def value_index(values: np.ndarray) -> np.ndarray:
    """The scale's index (into ``LUT``) of many values at once; −1 for NaN / no value."""
    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v)
    k = np.rint((np.clip(np.where(finite, v, 0.0) / SCALE_MAX, -1.0, 1.0) + 1.0) * 0.5 * (len(LUT) - 1))
    return np.where(finite, k.astype(np.intp), -1)


def value_rgb32(values: np.ndarray) -> np.ndarray:
    """The scale's colours for many values at once, as 0xAARRGGBB (NaN grey)."""
    k = value_index(values)
    return np.where(k >= 0, LUT_RGB32[k], NAN_RGB32)


def value_colours(values: np.ndarray) -> list[QtGui.QColor]:
    """``value_colour`` of many values at once (shared QColor objects, none created)."""
    return [LUT[k] if k >= 0 else NAN_COLOUR for k in value_index(values).ravel().tolist()]


def cache_items(scene: QtWidgets.QGraphicsScene) -> None:
    """Paint every item from a device-coordinate cache: a step changes only a few of them."""
    for item in scene.items():
        if isinstance(item, VectorChipItem):
            continue  # chips change every step: re-rendering a cache costs more than it saves
        item.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)


def unit_is_marked(unit: int, H: int) -> bool:
    """Mark the selected unit only when it tells something: unit 0 is everyone's default,
    and outlining the first row of a 3-unit example only adds noise."""
    return unit != 0 or H > 8


def backward_time(text: str, backward: bool) -> str:
    """The state a step reads is h_{t−1}; a backward direction reads h_{t+1} (and c_{t+1})."""
    return text.replace("t−1", "t+1") if backward else text


class TimedTexts:
    """The texts of a scene that name the previous step (t−1), to flip for a backward
    direction, and those that read differently in the Backward mode (∂L/∂…)."""

    def __init__(self) -> None:
        self.items: list[tuple] = []  # (setter, text as built, its Backward text or None)
        self.backward = False
        self.gradient = False

    def add(self, setter, text: str, grad_text: str | None = None) -> None:
        if "t−1" in text or grad_text is not None:
            self.items.append((setter, text, grad_text))

    def set_backward(self, backward: bool) -> None:
        self.set_state(backward, self.gradient)

    def set_state(self, backward: bool, gradient: bool) -> None:
        """``backward``: a backward direction (t+1 for t−1); ``gradient``: the Backward mode."""
        if (backward, gradient) != (self.backward, self.gradient):
            self.backward, self.gradient = backward, gradient
            for setter, text, grad in self.items:
                setter(backward_time(grad if gradient and grad is not None else text, backward))


def tune_view(view: QtWidgets.QGraphicsView) -> None:
    """Antialiased, white, and the cheap paint options every diagram view shares."""
    view.setRenderHints(QtGui.QPainter.RenderHint.Antialiasing | QtGui.QPainter.RenderHint.TextAntialiasing)
    view.setBackgroundBrush(BACKGROUND)
    view.setOptimizationFlag(QtWidgets.QGraphicsView.OptimizationFlag.DontSavePainterState, True)
    view.setViewportUpdateMode(QtWidgets.QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)


def value_colour(v: float) -> QtGui.QColor:
    """The scale's colour for ``v`` (clipped to ±SCALE_MAX; NaN is grey)."""
    if not math.isfinite(v):
        return NAN_COLOUR
    k = round((min(max(v / SCALE_MAX, -1.0), 1.0) + 1.0) * 0.5 * (len(LUT) - 1))
    return LUT[k]


def font(pt: float, bold: bool = False, mono: bool = False) -> QtGui.QFont:
    f = QtGui.QFont("DejaVu Sans Mono" if mono else "DejaVu Sans")
    f.setPointSizeF(pt)
    f.setBold(bold)
    return f


def pen(colour, width: float = 1.0, style=Qt.PenStyle.SolidLine) -> QtGui.QPen:
    """A round-capped pen; thicker in the high-contrast theme (``Theme.line_scale``)."""
    p = QtGui.QPen(QtGui.QColor(colour), width * current_theme().line_scale, style)
    p.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return p


def label(parent, html: str, pt: float = 11, colour=INK, bold=False) -> QtWidgets.QGraphicsTextItem:
    """A text item that understands <sub>/<sup> (course notation)."""
    item = QtWidgets.QGraphicsTextItem(parent)
    item.setFont(font(pt, bold))
    item.setDefaultTextColor(QtGui.QColor(colour))
    item.document().setDocumentMargin(1)
    item.setHtml(html)
    return item


def place(item: QtWidgets.QGraphicsItem, x: float, y: float, anchor: str = "c") -> None:
    """Put ``item``'s anchor ("c", "n", "s", "e", "w", "nw" …) at (x, y) in its parent."""
    r = item.boundingRect()
    dx, dy = -r.width() / 2, -r.height() / 2
    if "w" in anchor:
        dx = 0.0
    elif "e" in anchor:
        dx = -r.width()
    if "n" in anchor:
        dy = 0.0
    elif "s" in anchor:
        dy = -r.height()
    item.setPos(x + dx - r.left(), y + dy - r.top())


def box(parent, rect: QtCore.QRectF, fill, border=WIRE, width=1.5, radius=8.0) -> QtWidgets.QGraphicsPathItem:
    path = QtGui.QPainterPath()
    path.addRoundedRect(rect, radius, radius)
    item = QtWidgets.QGraphicsPathItem(path, parent)
    item.setBrush(QtGui.QBrush(QtGui.QColor(fill)))
    item.setPen(pen(border, width))
    return item


def _polyline(points, shorten: float = 0.0) -> QtGui.QPainterPath:
    pts = [QtCore.QPointF(*p) for p in points]
    if shorten:
        a, b = pts[-2], pts[-1]
        d = math.hypot(b.x() - a.x(), b.y() - a.y()) or 1.0
        k = min(shorten, d) / d
        pts[-1] = QtCore.QPointF(b.x() - (b.x() - a.x()) * k, b.y() - (b.y() - a.y()) * k)
    line = QtGui.QPainterPath(pts[0])
    for p in pts[1:]:
        line.lineTo(p)
    return line


def arrow_outline(points, width: float, head: float | None) -> QtGui.QPainterPath:
    """A filled shape: the polyline stroked ``width`` wide plus a triangle at its end."""
    stroker = QtGui.QPainterPathStroker()
    stroker.setWidth(width)
    stroker.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    stroker.setCapStyle(Qt.PenCapStyle.FlatCap)
    shape = stroker.createStroke(_polyline(points, head * 0.6 if head else 0.0))
    shape.setFillRule(Qt.FillRule.WindingFill)
    if head:
        (x0, y0), (x1, y1) = points[-2], points[-1]
        ang = math.atan2(y1 - y0, x1 - x0)
        tip = QtGui.QPolygonF([QtCore.QPointF(x1, y1)])
        for s in (1, -1):
            tip.append(
                QtCore.QPointF(x1 - head * math.cos(ang + s * 0.5), y1 - head * math.sin(ang + s * 0.5))
            )
        shape.addPolygon(tip)
        shape.closeSubpath()
    return shape


class ArrowItem(QtWidgets.QGraphicsPathItem):
    """A wire with an arrowhead.  Plain: one filled item.  ``casing=True``: a dark
    outline-and-head item under a core line whose colour follows the vector it carries
    (the outline keeps a pale, near-zero colour visible on white).

    Both are filled outlines made once, so a new colour is a new brush: a pen would be
    stroked again at every paint, and ``setPen`` makes Qt recompute the item's shape
    (another stroke) because a pen may change its bounds."""

    def __init__(self, parent, points, width: float = 3.0, colour=WIRE, casing: bool = False, head=True):
        super().__init__(parent)
        self._width, self._head = width, head
        self._colour = None  # the QColor last set, to skip unchanged ones without comparing
        self.casing = None
        self.setPen(Qt.PenStyle.NoPen)
        self.setBrush(QtGui.QColor(colour))
        if casing:
            self.casing = QtWidgets.QGraphicsPathItem(parent)
            self.casing.setPen(Qt.PenStyle.NoPen)
            self.casing.setBrush(WIRE)
            self.casing.setZValue(-1)
        self.set_points(points)

    def set_points(self, points) -> None:
        self.points = list(points)
        head = 8.0 + self._width if self._head else None
        if self.casing is not None:
            self.casing.setPath(arrow_outline(points, self._width + 2.4, head))
            stroker = QtGui.QPainterPathStroker()
            stroker.setWidth(self._width)
            stroker.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            stroker.setCapStyle(Qt.PenCapStyle.FlatCap)
            self.setPath(stroker.createStroke(_polyline(points, (head or 0.0) * 0.9)))
        else:
            self.setPath(arrow_outline(points, self._width, head))

    def colour(self) -> QtGui.QColor:
        """The colour of the wire (of its core when it has a casing)."""
        return self.brush().color()

    def set_colour(self, colour: QtGui.QColor) -> None:
        if colour is self._colour:  # the scale's colours are shared objects: the common case
            return
        self._colour = colour
        if self.brush().color() != colour:
            self.setBrush(colour)

    def set_visible(self, on: bool) -> None:
        for item in (self, self.casing):
            if item is not None and item.isVisible() != on:
                item.setVisible(on)


_MARK_PEN = pen(CHIP_INK, 1.8)  # the selected unit's cell in a chip


class VectorChipItem(QtWidgets.QGraphicsRectItem):
    """A vector as a column of coloured cells with numbers, and a title above.

    The number of cells is fixed at construction (the structure); ``set_values``
    only stores the colours and texts and asks for a repaint.  The cells are painted
    by this one item (numbers as cached ``QStaticText``): a chip changes at every step,
    and one item per cell and per number cost ~4 Qt calls each to update and their own
    paint and cache bookkeeping.
    """

    def __init__(
        self, parent, n: int, title="", cell_w=62.0, cell_h=21.0, pt=10.0, gate="", horizontal=False
    ):
        self.horizontal = horizontal  # cells left to right, the title on the left
        super().__init__(0, 0, cell_w * (n if horizontal else 1), cell_h * (1 if horizontal else n), parent)
        # a 1-px frame would hide under the cells' white edges: only a gate's colour is drawn
        self.setPen(pen(GATE_COLOURS.get(gate, WIRE), 2.0) if gate else QtGui.QPen(Qt.PenStyle.NoPen))
        self.setBrush(QtGui.QColor(BACKGROUND))  # shows as the paper's lines between the cells
        self.setZValue(2)
        self.cell_w, self.cell_h, self.n = cell_w, cell_h, n
        self.rects: list[QtCore.QRectF] = []  # each cell's full rectangle
        for k in range(n):
            x, y = (k * cell_w, 0.0) if horizontal else (0.0, k * cell_h)
            self.rects.append(QtCore.QRectF(x, y, cell_w, cell_h))
        self._insets = [r.adjusted(*_CELL_INSET) for r in self.rects]
        self._font = font(pt, mono=True)
        self._texts_font = _StaticTexts.for_font(self._font)
        self.colours: list[QtGui.QColor] = [_EMPTY] * n  # what each cell shows
        self.texts: list[str] = [""] * n
        self.marked = -1  # the outlined cell (the selected unit), -1 for none
        self.title = label(self, title, pt + 1, bold=True) if title else None
        self._title_html = title
        self._place_title()
        self.caption = QtWidgets.QGraphicsSimpleTextItem(self)
        self.caption.setFont(font(pt - 2))
        self.caption.setBrush(MUTED)
        self._last: tuple = ()

    def paint(self, painter: QtGui.QPainter, option, widget=None) -> None:  # noqa: ARG002 (Qt override)
        painter.fillRect(self.rect(), BACKGROUND)
        for r, colour in zip(self._insets, self.colours, strict=True):
            painter.fillRect(r, colour)
        painter.setPen(CHIP_INK)  # on the value scale's pale colours, in every theme
        painter.setFont(self._font)
        draw, layout = painter.drawStaticText, self._texts_font.get
        for r, text in zip(self.rects, self.texts, strict=True):
            if text:
                st, w, h = layout(text)
                draw(QtCore.QPointF(r.x() + (r.width() - w) / 2, r.y() + (r.height() - h) / 2), st)
        if 0 <= self.marked < self.n:
            painter.setPen(_MARK_PEN)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.rects[self.marked])
        frame = self.pen()
        if frame.style() != Qt.PenStyle.NoPen:
            painter.setPen(frame)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.rect())

    def text_rect(self, k: int) -> QtCore.QRectF:
        """Where cell ``k``'s number is drawn (item coordinates; empty without a number)."""
        if not self.texts[k]:
            return QtCore.QRectF()
        _, w, h = self._texts_font.get(self.texts[k])
        r = self.rects[k]
        return QtCore.QRectF(r.x() + (r.width() - w) / 2, r.y() + (r.height() - h) / 2, w, h)

    def set_labels(self, labels, right: bool = False) -> None:
        """Names beside the cells (e.g. the vocabulary next to y_t); built on first use."""
        if not hasattr(self, "labels"):
            self.labels = []
            for r in self.rects:
                t = QtWidgets.QGraphicsSimpleTextItem(self)
                t.setFont(font(9))
                t.setBrush(MUTED)
                self.labels.append((t, r))
        for (t, r), text in zip(self.labels, list(labels) + [""] * len(self.labels), strict=False):
            if t.text() != text:
                t.setText(text)
                b = t.boundingRect()
                x = r.right() + 4 if right else r.left() - b.width() - 4
                t.setPos(x, r.top() + (r.height() - b.height()) / 2)

    def mark(self, k: int) -> None:
        """Outline cell ``k`` (the selected unit); -1 for none."""
        k = k if 0 <= k < self.n else -1
        if k != self.marked:
            self.marked = k
            self.update()

    def set_title(self, html: str) -> None:
        if self.title is not None and self._title_html != html:
            self._title_html = html
            self.title.setHtml(html)
            self._place_title()

    def _place_title(self) -> None:
        if self.title is not None:
            if self.horizontal:
                place(self.title, -4, self.cell_h / 2, "e")
            else:
                place(self.title, self.cell_w / 2, -1, "s")

    def set_values(self, values, decimals: int = 2, caption: str = "", number=fmt, colours_of=None) -> None:
        """Show ``values`` as numbers (``number(v, decimals)``) on the colour scale
        (``colours_of(values)``: the values' diverging scale unless given, e.g. gradients')."""
        values = np.asarray(values, dtype=float).ravel()
        key = (values.tobytes(), decimals, caption, number, colours_of)
        if key == self._last:
            return
        self._last = key
        n = self.n
        vals = np.full(n, np.nan)
        vals[: min(n, values.size)] = values[:n]
        colours = (colours_of or value_colours)(vals)
        texts = []
        for k, v in enumerate(vals.tolist()):
            if math.isfinite(v):
                texts.append(number(v, decimals))
            elif math.isinf(v):  # an exploding network: say so
                texts.append("∞" if v > 0 else "−∞")
            else:  # no value (step 0 has no gates and no x_t yet): an empty cell
                colours[k] = _EMPTY
                texts.append("")
        if colours != self.colours or texts != self.texts:
            self.colours, self.texts = colours, texts
            self.update()
        if self.caption.text() != caption:
            self.caption.setText(caption)
            r, box_ = self.caption.boundingRect(), self.rect()
            self.caption.setPos((box_.width() - r.width()) / 2, box_.height() + 1)


class _StaticTexts:
    """Laid-out numbers (``QStaticText``) and their sizes, per font: a chip's numbers
    repeat from step to step, so each is laid out once."""

    _by_font: dict = {}
    LIMIT = 20000  # distinct texts kept per font (a few MB at most)

    def __init__(self, f: QtGui.QFont):
        self.font = f
        self.cache: dict[str, tuple] = {}

    @classmethod
    def for_font(cls, f: QtGui.QFont) -> _StaticTexts:
        key = f.key()
        if key not in cls._by_font:
            cls._by_font[key] = cls(f)
        return cls._by_font[key]

    def get(self, text: str) -> tuple:
        hit = self.cache.get(text)
        if hit is None:
            if len(self.cache) >= self.LIMIT:
                self.cache.clear()
            st = QtGui.QStaticText(text)
            st.setTextFormat(Qt.TextFormat.PlainText)
            st.setPerformanceHint(QtGui.QStaticText.PerformanceHint.AggressiveCaching)
            st.prepare(QtGui.QTransform(), self.font)
            size = st.size()
            hit = self.cache[text] = (st, size.width(), size.height())
        return hit


def chip_values(vec: np.ndarray, rows: tuple) -> np.ndarray:
    """The shown window of ``vec`` (NaN, an empty cell, where a cut is)."""
    return np.array([np.nan if r is None else vec[r] for r in rows])


def window_caption(rows: tuple, n: int) -> str:
    shown = [r for r in rows if r is not None]
    if len(shown) == n:
        return ""
    return f"units {shown[0] + 1}–{shown[-1] + 1} of {n}"


def paint_legend(p: QtGui.QPainter, x: float, y: float, width: float = 220, height: float = 16) -> None:
    """The colour scale with its ticks, drawn at (x, y) on any painter (16 px of ticks below)."""
    grad = QtGui.QLinearGradient(x, 0, x + width, 0)
    for k, c in enumerate(_CBD1):
        grad.setColorAt(k / (len(_CBD1) - 1), QtGui.QColor(c))
    p.fillRect(QtCore.QRectF(x, y, width, height), grad)
    p.setPen(pen(WIRE, 1))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(QtCore.QRectF(x, y, width - 1, height))
    p.setFont(font(8))
    for frac, text in ((0.0, "≤ −1"), (0.5, "0"), (1.0, "≥ +1")):
        tx = x + frac * (width - 1)
        p.drawLine(QtCore.QPointF(tx, y + height), QtCore.QPointF(tx, y + height + 3))
        w = p.fontMetrics().horizontalAdvance(text)
        p.drawText(QtCore.QPointF(min(max(tx - w / 2, x), x + width - w), y + height + 14), text)


def legend_pixmap(width: int = 220, height: int = 16) -> QtGui.QPixmap:
    """The colour scale with its ticks, for a QLabel legend."""
    pm = QtGui.QPixmap(width, height + 16)
    pm.fill(Qt.GlobalColor.transparent)
    p = QtGui.QPainter(pm)
    paint_legend(p, 0, 0, width, height)
    p.end()
    return pm
