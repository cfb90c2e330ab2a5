"""ArrayTableModel: a 2-D NumPy array shown (and edited) in a QTableView.

The model mirrors an array it is given; an edit never changes that array.  A
valid number emits ``sig_value_edited(row, col, value)`` for the owner to turn
into a new session; invalid text emits ``sig_invalid_text`` and the cell keeps
its value.  Columns from ``blank_from_column`` on may be cleared: a blank cell
is NaN (a step without a target) and shows empty.  Large arrays are fine: only visible cells are ever asked for.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from ..plain_text import tooltip
from ..theme import CHIP_INK, mono_font

_INVISIBLE = {" ": "␣", "\n": "↵", "\t": "⇥", "": "∅"}


def visible_token(name: str) -> str:
    """A header a reader can see: a space token shows as ␣, a newline as ↵."""
    return _INVISIBLE.get(name, name)


def parse_number(text: str) -> float:
    """A finite float from what a user types ('0,5' and '−0.3' accepted); ValueError otherwise."""
    cleaned = text.strip().replace("−", "-").replace("\u2009", "").replace(" ", "")
    if "_" in cleaned:  # Python reads "1_0" as 10; a user meant something else
        raise ValueError(f"{text!r} is not a number")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    value = float(cleaned)
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value


#: a diverging, colour-blind-safe scale for heat tables (the ends of CET-CBD1, as the plots'
#: heatmaps: blue below 0, light grey at 0, olive-yellow above), lightened so text stays legible
_NEGATIVE, _ZERO, _POSITIVE = (58, 144, 254), (237, 237, 237), (200, 172, 40)
HEAT_STEPS = 64  # colours per side


def _heat_colours() -> list[QtGui.QColor]:
    """[2·HEAT_STEPS + 1] colours from −1 (blue) through 0 (grey) to +1 (yellow)."""
    out = []
    for k in range(-HEAT_STEPS, HEAT_STEPS + 1):
        end = _NEGATIVE if k < 0 else _POSITIVE
        f = abs(k) / HEAT_STEPS
        out.append(QtGui.QColor(*(round(z + (e - z) * f) for z, e in zip(_ZERO, end, strict=True))))
    return out


def _colours(names) -> list[QtGui.QColor | None]:
    cache = {name: QtGui.QColor(name) for name in set(names) if name}
    return [cache.get(name) if name else None for name in names]


class ArrayTableModel(QtCore.QAbstractTableModel):
    sig_value_edited = QtCore.Signal(int, int, float)  # row, column, new value
    sig_invalid_text = QtCore.Signal(int, int, str)  # row, column, the refused text

    def __init__(self, parent=None):
        super().__init__(parent)
        self._array = np.zeros((0, 0))
        self._row_names: list[str] = []
        self._col_names: list[str] = []
        self._row_tints: list[QtGui.QColor | None] = []
        self._col_tints: list[QtGui.QColor | None] = []
        self._row_tips: list[str] = []
        self._col_tips: list[str] = []
        self._decimals = 4
        self.compact = False  # True: "1", "0.25" instead of "1.0000", "0.2500"
        self.editable = True
        self.blank_from_column: int | None = None  # columns from here on: a blank cell is NaN
        self.tiny_as_powers = False  # True: 3.2e-07 instead of 0.0000 for what the decimals cannot show
        self._heat_scale: float | None = None  # set: each cell coloured by value / scale
        self._heat: list[QtGui.QColor] = []
        self._font = mono_font()

    # -- the owner sets these ------------------------------------------------------
    def set_array(self, array: np.ndarray, row_names=None, col_names=None) -> None:
        a = np.asarray(array, dtype=float)
        if a.ndim == 1:
            a = a[:, None]
        same_shape = a.shape == self._array.shape
        names_same = (row_names is None or list(row_names) == self._row_names) and (
            col_names is None or list(col_names) == self._col_names
        )  # None keeps the names
        if same_shape and names_same:
            changed = np.argwhere(~((a == self._array) | (np.isnan(a) & np.isnan(self._array))))
            self._array = a
            if len(changed):
                (r0, c0), (r1, c1) = changed.min(axis=0), changed.max(axis=0)
                self.dataChanged.emit(self.index(int(r0), int(c0)), self.index(int(r1), int(c1)))
            return
        self.beginResetModel()
        self._array = a
        # None: numbered 1, 2, … on demand (a million-step sequence needs no million strings)
        self._row_names = list(row_names) if row_names is not None else None
        self._col_names = list(col_names) if col_names is not None else None
        self._row_tints, self._col_tints = [], []  # none: shorter than the table
        self._row_tips, self._col_tips = [], []
        self.endResetModel()

    def set_appearance(self) -> None:
        """A new zoom (the numbers' font) or theme (the tints are set again by the dock)."""
        self._font = mono_font()
        if self.rowCount() and self.columnCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))

    def set_row_tints(self, tints, tips=None) -> None:
        tints = _colours(tints)
        if tints == self._row_tints and (tips is None or list(tips) == self._row_tips):
            return  # each edit sets them again: a repaint of every cell for nothing
        self._row_tints = tints
        if tips is not None:
            self._row_tips = list(tips)
        self._emit_all()

    def set_col_tints(self, tints, tips=None) -> None:
        tints = _colours(tints)
        if tints == self._col_tints and (tips is None or list(tips) == self._col_tips):
            return
        self._col_tints = tints
        if tips is not None:
            self._col_tips = list(tips)
        self._emit_all()

    def set_heat_scale(self, scale: float | None) -> None:
        """Colour each cell by its value on a diverging scale −scale … 0 … +scale (None: no colour)."""
        scale = None if scale is None or not scale > 0 else float(scale)
        if scale == self._heat_scale:
            return
        self._heat_scale = scale
        if self._heat_scale is not None and not self._heat:
            self._heat = _heat_colours()
        self._emit_all()

    @property
    def heat_scale(self) -> float | None:
        return self._heat_scale

    def heat_colour(self, value: float) -> QtGui.QColor | None:
        if self._heat_scale is None or not np.isfinite(value):
            return None
        k = int(round(max(-1.0, min(1.0, value / self._heat_scale)) * HEAT_STEPS))
        return self._heat[k + HEAT_STEPS]

    def copy_labels(self, other: ArrayTableModel) -> None:
        """The same row and column names and tooltips as ``other`` (a table beside it)."""
        rows = [other.header(r, False) for r in range(other.rowCount())]
        cols = [other.header(c, True) for c in range(other.columnCount())]
        self.set_array(other.array, rows, cols)
        self._row_tips, self._col_tips = list(other._row_tips), list(other._col_tips)

    @property
    def decimals(self) -> int:
        return self._decimals

    def set_decimals(self, decimals: int) -> None:
        if int(decimals) == self._decimals:
            return
        self._decimals = int(decimals)
        self._emit_all()

    def _emit_all(self) -> None:
        if self.rowCount() and self.columnCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))

    @property
    def array(self) -> np.ndarray:
        return self._array

    def format(self, value: float) -> str:
        if np.isnan(value):
            return ""
        if self.tiny_as_powers and value != 0 and abs(value) < 0.5 * 10.0**-self._decimals:
            return f"{value:.1e}"  # a vanishing gradient is small, not zero
        text = f"{value:.{self._decimals}f}"
        if self.compact and "." in text:
            text = text.rstrip("0").rstrip(".")
            if text in ("-0", ""):
                text = "0"
        return text

    # -- Qt model interface ---------------------------------------------------------
    def rowCount(self, parent=None) -> int:  # noqa: N802
        return 0 if parent is not None and parent.isValid() else self._array.shape[0]

    def columnCount(self, parent=None) -> int:  # noqa: N802
        return 0 if parent is not None and parent.isValid() else self._array.shape[1]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.format(self._array[r, c])
        if role == Qt.ItemDataRole.EditRole:
            v = self._array[r, c]
            return "" if np.isnan(v) else repr(float(v))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole:
            return self._font
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._background(r, c)
        if role == Qt.ItemDataRole.ForegroundRole:  # dark numbers on a pale tint, in every theme
            background = self._background(r, c)
            return CHIP_INK if background is not None and background.lightnessF() > 0.55 else None
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = self._row_tips[r] if r < len(self._row_tips) else ""
            tip = tip or (self._col_tips[c] if c < len(self._col_tips) else "")
            where = f"{self.header(r, False)}, {self.header(c, True)}"
            # the headers are the user's column names: shown literally, never as HTML
            return tooltip(f"{where}: {float(self._array[r, c])!r}" + (f"\n{tip}" if tip else ""))
        return None

    def _background(self, r: int, c: int) -> QtGui.QColor | None:
        if self._heat_scale is not None:
            return self.heat_colour(self._array[r, c])
        tint = self._col_tints[c] if c < len(self._col_tints) and self._col_tints[c] else None
        if r < len(self._row_tints) and self._row_tints[r] is not None:
            tint = self._row_tints[r]
        return tint

    def header(self, section: int, horizontal: bool) -> str:
        names = self._col_names if horizontal else self._row_names
        if names is None:
            return str(section + 1)
        return names[section] if 0 <= section < len(names) else ""

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return self.header(section, orientation == Qt.Orientation.Horizontal)

    def flags(self, index):
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.editable:
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        r, c = index.row(), index.column()
        blank_ok = self.blank_from_column is not None and c >= self.blank_from_column
        try:
            number = math.nan if blank_ok and not str(value).strip() else parse_number(str(value))
        except ValueError:
            self.sig_invalid_text.emit(r, c, str(value))
            return False  # the cell keeps (shows again) its old value
        old = self._array[r, c]
        if number != old and not (math.isnan(number) and math.isnan(old)):
            self.sig_value_edited.emit(r, c, number)
        return True


class FittedTableView(QtWidgets.QTableView):
    """A table as tall as its rows (up to ``max_rows``, then it scrolls), with room for a
    horizontal scroll bar only when the columns do not fit."""

    def __init__(self, parent=None, max_rows: int = 12):
        super().__init__(parent)
        self.max_rows = max_rows
        self._height = -1
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Fixed)

    def _content_height(self) -> int:
        model = self.model()
        n = model.rowCount() if model is not None else 0
        hh = self.horizontalHeader()
        header = (
            0 if hh.isHidden() else hh.fontMetrics().height() + 12
        )  # not sizeHint: it reads every section
        height = (
            header
            + min(n, self.max_rows) * self.verticalHeader().defaultSectionSize()
            + 2 * self.frameWidth()
        )
        if self.content_width() > self.width():
            height += self.horizontalScrollBar().sizeHint().height()
        return height

    def content_width(self) -> int:
        """The width that shows every column: row header, columns, frame (and a scroll bar)."""
        model = self.model()
        n = model.rowCount() if model is not None else 0
        last = model.headerData(n - 1, Qt.Orientation.Vertical) if n else ""
        row_header = self.verticalHeader().fontMetrics().horizontalAdvance(str(last or "")) + 16
        width = self.horizontalHeader().length() + row_header + 2 * self.frameWidth()
        if n > self.max_rows:
            width += self.verticalScrollBar().sizeHint().width()
        return width

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt override)
        return QtCore.QSize(super().sizeHint().width(), self._content_height())

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt override)
        return QtCore.QSize(80, self._content_height())

    def refit(self) -> None:
        height = self._content_height()
        if height != self._height:
            self._height = height
            self.updateGeometry()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.refit()
