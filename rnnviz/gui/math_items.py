"""The drawables of :class:`~rnnviz.gui.math_canvas.MathCanvas` and what measures them.

``runs`` splits a symbol into its sub- and superscripts; ``_Fonts`` keeps the fonts and
the widths measured (a step's layout measures ~1,300 strings, mostly numbers and names
that recur from step to step); ``_Rich``, ``_Cell`` and ``LineBox`` are what a layout
makes; ``changed_region`` is what a new layout must repaint: only the items that
changed (a step's numbers), when the lines kept their places.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from PySide6 import QtCore, QtGui
from PySide6.QtCore import QRectF

from .theme import C

_SCRIPT = re.compile(r"([_^])\{([^}]*)\}")
INK = C.ink  # the theme's (rnnviz.gui.theme): updated in place


def _font(pt: float, bold: bool = False, italic: bool = False, mono: bool = False, underline: bool = False):
    f = QtGui.QFont("DejaVu Sans Mono" if mono else "DejaVu Sans")
    f.setPointSizeF(pt)
    f.setBold(bold)
    f.setItalic(italic)
    f.setUnderline(underline)
    return f


_SUB_DIGITS = str.maketrans("0123456789()+−-", "₀₁₂₃₄₅₆₇₈₉₍₎₊₋₋")


def _flat(script: str) -> str:
    """A script inside a script (``e^{z_{1}}``'s ``z_{1}``): digits become Unicode subscripts."""
    return _SCRIPT.sub(
        lambda m: m.group(2).translate(_SUB_DIGITS) if m.group(1) == "_" else m.group(2), script
    )


def runs(symbol: str) -> list[tuple[str, str]]:
    """``"W_{hx}·x_{1}"`` → [("W", ""), ("hx", "_"), ("·x", ""), ("1", "_")]; braces may nest once."""
    out: list[tuple[str, str]] = []
    plain, i, n = [], 0, len(symbol)
    while i < n:
        ch = symbol[i]
        if ch in "_^" and i + 1 < n and symbol[i + 1] == "{":
            depth, j = 0, i + 1
            while j < n:
                depth += {"{": 1, "}": -1}.get(symbol[j], 0)
                if depth == 0:
                    break
                j += 1
            if j < n:  # a balanced script
                if plain:
                    out.append(("".join(plain), ""))
                    plain = []
                out.append((_flat(symbol[i + 2 : j]), ch))
                i = j + 1
                continue
        plain.append(ch)
        i += 1
    if plain:
        out.append(("".join(plain), ""))
    return out


_NUMERIC = frozenset("0123456789.−-")  # what a number cell holds (fmt), one advance each in a mono font


class _Fonts:
    """The fonts of the canvas, each with its metrics (QFontMetricsF is not free to make), and
    the widths measured: a step's layout measures ~1,300 strings, mostly numbers and names that
    recur from step to step."""

    def __init__(self, zoom: float = 1.0):
        self.zoom = zoom  # every size asked for is multiplied by it (View > Zoom)
        self._cache: dict[tuple, tuple[QtGui.QFont, QtGui.QFontMetricsF]] = {}
        self._widths: dict[tuple, float] = {}
        self._digit: dict[tuple, float | None] = {}  # a mono font's advance of every numeric char

    def get(self, pt: float, **kw) -> tuple[QtGui.QFont, QtGui.QFontMetricsF]:
        key = (pt, tuple(sorted(kw.items())) if kw else ())
        hit = self._cache.get(key)
        if hit is None:
            f = _font(pt * self.zoom, **kw)
            fm = QtGui.QFontMetricsF(f)
            hit = self._cache[key] = (f, fm)
            advances = {fm.horizontalAdvance(ch) for ch in _NUMERIC}
            self._digit[key] = advances.pop() if len(advances) == 1 else None
        return hit

    def width(self, s: str, pt: float, **kw) -> float:
        """``horizontalAdvance`` of ``s`` in the font (pt, kw), remembered."""
        key = (pt, tuple(sorted(kw.items())) if kw else ())
        if key not in self._digit:
            self.get(pt, **kw)
        digit = self._digit[key]
        if digit is not None and _NUMERIC.issuperset(s):  # monospaced digits: no need to ask Qt
            return digit * len(s)
        wkey = (key, s)
        w = self._widths.get(wkey)
        if w is None:
            if len(self._widths) > 50_000:  # names carry the step: keep the memory bounded
                self._widths.clear()
            w = self._widths[wkey] = self._cache[key][1].horizontalAdvance(s)
        return w


@dataclass(slots=True)
class _Rich:
    """A symbol with sub- and superscripts, drawn from its baseline."""

    x: float
    baseline: float
    text: str
    font: QtGui.QFont
    small: QtGui.QFont
    ascent: float
    colour: QtGui.QColor
    offsets: list[float]  # of each run from x (a sub under a sup shares its x)
    width: float


@dataclass(slots=True)
class _Cell:
    rect: QRectF
    text: str
    font: QtGui.QFont
    fill: QtGui.QColor | None
    align: int  # Qt alignment and text flags
    box: bool = True  # a number cell with its grid box
    colour: QtGui.QColor = field(default_factory=lambda: INK)
    inner: QRectF | None = None  # where the text goes (inside the padding)


@dataclass
class LineBox:
    """One equation line as laid out: its extent, what it draws, where its title is."""

    top: float
    bottom: float
    key: str
    gate: str
    equation: str
    selected: bool
    title_rect: QRectF
    rule: float | None = None  # a section heading's rule, drawn across the page at this y
    _placed: list = field(default_factory=list, repr=False)
    _pending: list = field(default_factory=list, repr=False)  # (place, x, axis) not yet placed

    @property
    def items(self) -> list:
        """What the line draws (_Rich | _Cell), in reading order.  The equation row's items are
        made when first needed (painted or read): a page of ~1,300 cells, mostly out of view."""
        if self._pending:
            pending, self._pending = self._pending, []
            for place, x, axis in pending:
                self._placed.extend(place(x, axis))
        return self._placed


def item_rect(item: _Rich | _Cell, box: LineBox) -> QRectF:
    """Where an item may paint: a cell's box (its grid line straddles the edge), a symbol's
    column of the line (scripts and italics overhang the advance)."""
    if isinstance(item, _Cell):
        return item.rect.adjusted(-1, -1, 1, 1)
    return QRectF(item.x - 4, box.top - 6, item.width + 10, box.bottom - box.top + 12)


def _same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, _Rich):
        return (a.x, a.baseline, a.text, a.font, a.colour) == (b.x, b.baseline, b.text, b.font, b.colour)
    return (a.rect, a.text, a.font, a.fill, a.colour, a.box) == (
        b.rect,
        b.text,
        b.font,
        b.fill,
        b.colour,
        b.box,
    )


def changed_region(
    old: list[LineBox], new: list[LineBox], visible: QtCore.QRect, width: int
) -> QtGui.QRegion:
    """What must be repainted when ``old`` is laid out anew as ``new``, inside ``visible``:
    the whole of it, unless the lines kept their places; then only the items that changed."""
    whole = QtGui.QRegion(visible)
    shape = [(b.top, b.bottom, b.selected, b.rule, b.key) for b in old]
    if not old or shape != [(b.top, b.bottom, b.selected, b.rule, b.key) for b in new]:
        return whole
    top, bottom = visible.top(), visible.bottom()
    region = QtGui.QRegion()
    for a, b in zip(old, new, strict=True):
        if a.bottom + 6 < top or a.top - 8 > bottom:
            continue
        olds, news = a.items, b.items
        if len(olds) != len(news):
            region += QtCore.QRect(0, int(b.top) - 8, width, int(b.bottom - b.top) + 16)
            continue
        for x, y in zip(olds, news, strict=True):
            if not _same(x, y):
                region += item_rect(x, a).toAlignedRect()
                region += item_rect(y, b).toAlignedRect()
    return region & whole
