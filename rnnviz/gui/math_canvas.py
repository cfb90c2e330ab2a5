"""MathCanvas: paints a :class:`~rnnviz.session.stepmath.StepMath` itself.

The step math used to be an HTML document in a QTextBrowser.  QTextDocument
took 75–140 ms to lay out the ~700 number cells of one H = 64 LSTM step, so an
edit missed its 50 ms and playback with the math in front ran at ~11 fps.  Here
the layout is arithmetic on font metrics, done once per update, and a repaint
draws only the lines in view.

Layout: a bold step title, then per equation line a header (the line's title in
its gate's colour, then ``lhs = formula`` in grey) and a row of items centred
on one axis: ``lhs =``, blocks (name above, a grid of number cells, PyTorch
name and shape below a matrix) and operators.  Vectors' cells are tinted on the
diagrams' diverging colour scale; the selected unit is bold and underlined; the
selected gate's lines sit on the gate's tint with a ``▶``.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import QPointF, QRectF, Qt, Signal

from rnnviz.session.stepmath import Block, StepMath, to_plain

from .diagrams.style import GATE_COLOURS, GATE_TINTS, value_colour
from .math_items import INK, LineBox, _Cell, _Fonts, _Rich, changed_region, item_rect, runs
from .plain_text import tooltip
from .theme import CHIP_INK, C, zoom

BASE_PT = 14
WIDE_MATRIX = 6  # a matrix with more columns is set smaller: 8 columns and a "⋯" fit 1400 px
MARGIN = 10
GAP = 8  # between the items of an equation row
SUB_DROP, SUP_RISE = 0.3, 0.42  # script baselines, in ascents of the base font
# the theme's colours (rnnviz.gui.theme): shared objects a theme change updates in place
GREY = C.secondary
CAPTION = C.muted
LABEL = C.muted
GRID = C.rule
PAPER = C.paper
HEADING = C.heading  # section headings of the backward page
RULE = C.rule

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_CENTRE = int(Qt.AlignmentFlag.AlignCenter)
_CAPTION = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
_WRAP = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)


class MathCanvas(QtWidgets.QWidget):
    """Draws the step; lives in a QScrollArea.  ``sig_gate_clicked`` when a gate's title is clicked."""

    sig_gate_clicked = Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setAutoFillBackground(True)
        self._paint_paper()
        self.math: StepMath | None = None
        self.selected_gate = ""
        self.unit = -1
        self.H = 0
        self.boxes: list[LineBox] = []
        self._note_width = 600.0
        self._fonts = _Fonts(zoom())
        self._rich_cache: dict[tuple, tuple[list[float], float]] = {}  # (text, pt, kw) → offsets, width

    def _paint_paper(self) -> None:
        pal = self.palette()
        pal.setColor(QtGui.QPalette.ColorRole.Window, PAPER)
        self.setPalette(pal)

    def set_appearance(self, _appearance=None) -> None:
        """A new theme (the paper; the rest reads the shared colours) or zoom (every font)."""
        self._paint_paper()
        self._fonts, self._rich_cache = _Fonts(zoom()), {}
        self.relayout()
        self.update()

    # -- content -------------------------------------------------------------
    def set_math(self, sm: StepMath | None, selected_gate: str = "", unit: int = -1, H: int = 0) -> None:
        self.math, self.selected_gate, self.unit, self.H = sm, selected_gate, unit, H
        self.relayout()

    def set_note_width(self, width: float) -> None:
        """The note wraps at the visible width (the scroll area's viewport)."""
        width = max(float(width) - 2 * MARGIN, 300.0)
        if abs(width - self._note_width) >= 1:
            self._note_width = width
            if self.math is not None and self.math.note:
                self.relayout()

    def line_top(self, gate: str) -> float | None:
        for box in self.boxes:
            if box.gate == gate:
                return box.top
        return None

    def painted_text(self) -> str:
        """Every string drawn, in reading order, one item per line (for copying and tests)."""
        out = []
        for box in self.boxes:
            row = []
            for item in box.items:
                text = to_plain(item.text) if isinstance(item, _Rich) else item.text
                if isinstance(item, _Cell) and item.box:
                    row.append(text)
                else:
                    if row:
                        out.append(" ".join(row))
                        row = []
                    out.append(text)
            if row:
                out.append(" ".join(row))
        return "\n".join(out)

    def cells(self) -> list[_Cell]:
        """The number cells (with their boxes), for tests and hit-testing."""
        return [it for box in self.boxes for it in box.items if isinstance(it, _Cell) and it.box]

    # -- layout --------------------------------------------------------------
    def relayout(self) -> None:
        old, size = self.boxes, self.minimumSize()
        self._layout()
        if self.minimumSize() == size and self.isVisible():
            self.update(changed_region(old, self.boxes, self.visibleRegion().boundingRect(), self.width()))
        else:
            self.update()

    def _layout(self) -> None:
        self.boxes = []
        sm = self.math
        if sm is None:
            self.setMinimumSize(0, 0)
            return
        fonts = self._fonts
        y = MARGIN
        width = 0.0
        head_font, head_fm = fonts.get(BASE_PT + 3, bold=True)
        head = LineBox(y, y + head_fm.height(), "title", "", "", False, QRectF())
        head.items.append(
            self._rich(fonts, MARGIN, y + head_fm.ascent(), sm.title, BASE_PT + 3, INK, bold=True)
        )
        width = max(width, MARGIN + fonts.width(sm.title, BASE_PT + 3, bold=True))
        self.boxes.append(head)
        y = head.bottom
        for ln in sm.lines:
            if ln.is_heading:
                box, right = self._layout_heading(fonts, ln, y + 26)
                self.boxes.append(box)
                width, y = max(width, right), box.bottom
                continue
            box, right = self._layout_line(fonts, ln, y + 12)
            self.boxes.append(box)
            width = max(width, right)
            y = box.bottom
        if sm.note:
            alone = not sm.lines  # the whole page (no target to work back from): plain and readable
            nfont, nfm = fonts.get(BASE_PT, italic=False) if alone else fonts.get(BASE_PT - 2, italic=True)
            rect = nfm.boundingRect(QRectF(MARGIN, y + 16, self._note_width, 1e6), _WRAP, sm.note)
            rect = QRectF(MARGIN, y + 16, self._note_width, rect.height())
            note = LineBox(rect.top(), rect.bottom(), "note", "", "", False, QRectF())
            note.items.append(_Cell(rect, sm.note, nfont, None, _WRAP, False, INK if alone else CAPTION))
            self.boxes.append(note)
            y = rect.bottom()
        self.setMinimumSize(int(width + MARGIN + 1), int(y + MARGIN + 1))

    def _rich(self, fonts, x, baseline, text, pt, colour, **kw) -> _Rich:
        font, fm = fonts.get(pt, **kw)
        small, _sfm = fonts.get(pt * 0.7, **kw)
        key = (text, pt, tuple(sorted(kw.items())))
        hit = self._rich_cache.get(key)
        if hit is None:
            offsets, pen, prev_kind, prev_x = [], 0.0, "", 0.0
            for s, kind in runs(text):
                w = fonts.width(s, pt * 0.7 if kind else pt, **kw)
                if kind and prev_kind and kind != prev_kind:  # h^{(2)}_{7}: stacked, not side by side
                    offsets.append(prev_x)
                    pen = max(pen, prev_x + w)
                    prev_kind = ""
                    continue
                offsets.append(pen)
                prev_kind, prev_x = kind, pen
                pen += w
            if len(self._rich_cache) > 20_000:  # titles carry the step: keep the memory bounded
                self._rich_cache.clear()
            hit = self._rich_cache[key] = (offsets, pen)
        return _Rich(x, baseline, text, font, small, fm.ascent(), colour, hit[0], hit[1])

    @staticmethod
    def _rich_width(r: _Rich) -> float:
        return r.width

    def _layout_line(self, fonts, ln, top: float) -> tuple[LineBox, float]:
        sel = bool(ln.gate) and ln.gate == self.selected_gate
        colour = QtGui.QColor(GATE_COLOURS.get(ln.gate, INK) if ln.gate else INK)
        box = LineBox(top, top, ln.key, ln.gate, ln.equation if ln.formula else "", sel, QRectF())
        tfont, tfm = fonts.get(BASE_PT, bold=True)
        base = top + tfm.ascent()
        title = self._rich(fonts, MARGIN, base, ("▶ " if sel else "") + ln.title, BASE_PT, colour, bold=True)
        box.items.append(title)
        x = MARGIN + self._rich_width(title)
        box.title_rect = QRectF(MARGIN, top, x - MARGIN, tfm.height())
        if ln.formula:
            formula = self._rich(fonts, x + 14, base, f"{ln.lhs} = {ln.formula}", BASE_PT, GREY)
            box.items.append(formula)
            x = formula.x + self._rich_width(formula)
        right = x
        # the equation row: measure every item, then place them on one axis
        row_top = top + tfm.height() + 4
        items = []  # (width, above, below, place(x, axis) -> list of drawables)
        first = ln.parts[0]
        if not (isinstance(first, Block) and first.name == ln.lhs):
            items.append(self._text_item(fonts, f"{ln.lhs} =", BASE_PT))
        blocks = [p for p in ln.parts if isinstance(p, Block)]
        result = blocks[-1] if blocks else None
        for p in ln.parts:
            if isinstance(p, Block):
                items.append(self._block_item(fonts, p, p is result))
            else:
                items.append(self._text_item(fonts, p, BASE_PT + 2))
        n_main = len(items)
        for p in ln.aside:  # beside the equation, set off by a wide gap and a smaller grey word
            if isinstance(p, Block):
                items.append(self._block_item(fonts, p, False))
            else:
                items.append(self._text_item(fonts, p, BASE_PT - 1, CAPTION))
        above = max(it[1] for it in items)
        below = max(it[2] for it in items)
        axis = row_top + above
        x = MARGIN + 4
        for k, (w, _a, _b, place) in enumerate(items):
            if k == n_main:
                x += 4 * GAP
            box._pending.append((place, x, axis))
            x += w + GAP
        box.bottom = axis + below
        return box, max(right, x - GAP)

    def _layout_heading(self, fonts, ln, top: float) -> tuple[LineBox, float]:
        """A section heading: a rule across the page, then the title, larger."""
        pt = BASE_PT + 1
        _f, fm = fonts.get(pt, bold=True)
        box = LineBox(top, top + fm.height() + 6, ln.key, "", "", False, QRectF())
        box.rule = top - 8
        title = self._rich(fonts, MARGIN, top + 6 + fm.ascent(), ln.title, pt, HEADING, bold=True)
        box.items.append(title)
        return box, MARGIN + self._rich_width(title)

    def _text_item(self, fonts, text: str, pt: float, colour: QtGui.QColor = INK):
        font, fm = fonts.get(pt)
        probe = self._rich(fonts, 0, 0, text, pt, colour)
        w = self._rich_width(probe)
        half = fm.height() / 2

        def place(x, axis):
            # centre the x-height on the axis, as an operator between matrices
            probe.x, probe.baseline = x, axis + (fm.ascent() - fm.descent()) / 2
            return [probe]

        return w, half, half, place

    def _block_item(self, fonts, b: Block, labelled: bool):
        small = b.is_matrix and len(b.cols) > WIDE_MATRIX
        pt = BASE_PT - 3 if small else BASE_PT
        pad = 2 if small else 4
        cfont, cfm = fonts.get(pt, mono=True)
        ufont, _ = fonts.get(pt, mono=True, bold=True, underline=True)
        texts = {c for row in b.cells for c in row}  # each distinct string once
        decimals = max((len(c) - c.find(".") - 1 for c in texts if "." in c), default=0)
        template = "−0." + "0" * decimals if decimals else "−0"
        cell_w = max([fonts.width(template, pt, mono=True)] + [fonts.width(c, pt, mono=True) for c in texts])
        cell_w += 2 * pad
        cell_h = cfm.height() + 2 * pad
        lfont, _lfm = fonts.get(BASE_PT - 3)
        labels = b.row_labels if labelled or b.show_labels else ()
        label_w = max((fonts.width(s, BASE_PT - 3) for s in labels), default=-6.0) + 6
        grid_w = label_w + len(b.cols) * cell_w
        grid_h = len(b.rows) * cell_h
        name = self._rich(fonts, 0, 0, b.name, BASE_PT, INK, italic=True) if b.name else None
        _nf, nfm = fonts.get(BASE_PT, italic=True)
        # the baseline sits high enough for a subscript to clear the grid
        name_drop = max(nfm.descent(), SUB_DROP * nfm.ascent() + 0.7 * nfm.descent()) + 2
        name_h = nfm.ascent() + name_drop if name else 0.0
        cap_font, cap_fm = fonts.get(BASE_PT - 3)
        caption = b.caption if b.caption and b.is_matrix else ""
        if fonts.width(caption, BASE_PT - 3) > max(grid_w, 1.0) * 1.2:
            caption = caption.replace(
                ", ", "\n", 1
            )  # "weight_ih_l0[0:64]" over "64×1": no gap beside a column
        cap_w = max((fonts.width(s, BASE_PT - 3) for s in caption.splitlines()), default=0.0)
        cap_h = cap_fm.height() * (caption.count("\n") + 1) + 2 if caption else 0.0
        w = max(grid_w, self._rich_width(name) if name else 0.0, cap_w)
        tint = not b.is_matrix
        marked = self.unit if (b.full.shape[0] == self.H and not b.is_matrix) else -2

        def place(x, axis):
            out = []
            gx = x + (w - grid_w) / 2
            gy = axis - grid_h / 2
            if name is not None:
                name.x = x + (w - self._rich_width(name)) / 2
                name.baseline = gy - name_drop
                out.append(name)
            for i, row in enumerate(b.cells):
                r = b.rows[i]
                cy = gy + i * cell_h
                if labels:
                    out.append(
                        _Cell(
                            QRectF(gx, cy, label_w - 6, cell_h), labels[i], lfont, None, _RIGHT, False, LABEL
                        )
                    )
                x0 = gx + label_w
                values = b.full[r].tolist() if tint and r is not None else None
                for j, text in enumerate(row):
                    c = b.cols[j]
                    cx = x0 + j * cell_w
                    number = r is not None and c is not None
                    fill = value_colour(values[c]) if values is not None and c is not None else None
                    font = ufont if number and r == marked else cfont
                    out.append(
                        _Cell(
                            QRectF(cx, cy, cell_w, cell_h), text, font, fill, _RIGHT if number else _CENTRE,
                            colour=INK if fill is None else CHIP_INK,  # dark on the pale value scale
                            inner=QRectF(cx + pad, cy, cell_w - 2 * pad, cell_h),
                        )
                    )  # fmt: skip
            if caption:
                out.append(
                    _Cell(
                        QRectF(x, gy + grid_h + 2, w, cap_h),
                        caption,
                        cap_font,
                        None,
                        _CAPTION,
                        False,
                        CAPTION,
                    )
                )
            return out

        return w, grid_h / 2 + name_h, grid_h / 2 + cap_h, place

    # -- painting ------------------------------------------------------------
    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802 (Qt override)
        p = QtGui.QPainter(self)
        clip = QRectF(event.rect())
        region = event.region()
        partial = region.rectCount() > 1  # only what changed (a step's numbers): skip the rest
        grid = QtGui.QPen(GRID, 1)
        for box in self.boxes:
            if box.bottom + 6 < clip.top() or box.top - 8 > clip.bottom():
                continue
            if box.rule is not None:
                p.setPen(QtGui.QPen(RULE, 1))
                p.drawLine(QPointF(MARGIN, box.rule), QPointF(self.width() - MARGIN, box.rule))
            if box.selected:
                p.fillRect(QRectF(0, box.top - 6, self.width(), box.bottom - box.top + 12),
                           QtGui.QColor(GATE_TINTS.get(box.gate, PAPER)))  # fmt: skip
            for item in box.items:
                if partial and not region.intersects(item_rect(item, box).toAlignedRect()):
                    continue
                if isinstance(item, _Rich):
                    self._draw_rich(p, item)
                    continue
                if item.box:
                    if item.fill is not None:
                        p.fillRect(item.rect, item.fill)
                    p.setPen(grid)
                    p.drawRect(item.rect)
                p.setPen(item.colour)
                p.setFont(item.font)
                p.drawText(item.inner or item.rect, item.align, item.text)
        p.end()

    @staticmethod
    def _draw_rich(p: QtGui.QPainter, r: _Rich) -> None:
        p.setPen(r.colour)
        for (text, kind), dx in zip(runs(r.text), r.offsets, strict=True):
            if kind:
                p.setFont(r.small)
                dy = SUB_DROP * r.ascent if kind == "_" else -SUP_RISE * r.ascent
                p.drawText(QPointF(r.x + dx, r.baseline + dy), text)
            else:
                p.setFont(r.font)
                p.drawText(QPointF(r.x + dx, r.baseline), text)

    # -- mouse ---------------------------------------------------------------
    def _title_at(self, pos: QPointF) -> str:
        for box in self.boxes:
            if box.gate and box.title_rect.contains(pos):
                return box.gate
        return ""

    def _box_at(self, pos: QPointF) -> LineBox | None:
        for box in self.boxes:
            if box.top - 6 <= pos.y() <= box.bottom + 6:
                return box
        return None

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: N802 (Qt override)
        gate = self._title_at(event.position())
        self.setCursor(Qt.CursorShape.PointingHandCursor if gate else Qt.CursorShape.ArrowCursor)
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: N802 (Qt override)
        gate = self._title_at(event.position())
        if gate and event.button() == Qt.MouseButton.LeftButton:
            self.sig_gate_clicked.emit(gate)
            event.accept()
            return
        super().mousePressEvent(event)

    def event(self, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.ToolTip:
            pos = QPointF(event.pos())
            box = self._box_at(pos)
            tip = ""
            if box is not None and box.equation:
                tip = box.equation
                if box.gate:
                    tip += "\n(click the title to select this gate everywhere)"
            if tip:
                QtWidgets.QToolTip.showText(event.globalPos(), tooltip(tip), self)
            else:
                QtWidgets.QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)
