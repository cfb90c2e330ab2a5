"""Step math, the data: blocks (vectors, matrices), equation lines, number formatting.

Symbols are LaTeX-style (``W_{hx}``, ``h_{0}``); :func:`to_plain` turns them into plain
text; the GUI's math canvas draws their sub- and superscripts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

MAX_ROWS = 8  # rows (units) and columns shown before "⋮" / "⋯"


@dataclass(frozen=True, eq=False)
class Block:
    """A matrix or column vector as shown: a window of rows/columns of ``full``."""

    name: str  # LaTeX-style symbol, e.g. "W_{hx}" ("" for an unnamed result)
    caption: str  # PyTorch name and shape, e.g. "weight_ih_l0, 3×5"
    full: np.ndarray  # [R, C] the whole array (a vector is [R, 1])
    rows: tuple[int | None, ...]  # source row of each shown row; None = "⋮"
    cols: tuple[int | None, ...]
    cells: tuple[tuple[str, ...], ...]  # formatted numbers ("⋮", "⋯", "⋱" in gaps)
    gate: str = ""  # gate letter for colouring, "" for none
    row_labels: tuple[str, ...] = ()  # e.g. vocabulary tokens next to y_t
    weight: bool = False  # a weight matrix, even with one column (input size 1)
    show_labels: bool = False  # label the rows even as an operand (stacked gates: i1, f1, …)

    @property
    def is_matrix(self) -> bool:
        return self.weight or self.full.shape[1] > 1


Part = Block | str


@dataclass(frozen=True, eq=False)
class Line:
    """One equation: ``lhs = formula = parts…`` (parts end with the result block).

    A line with no parts is a section heading (its title only).  ``aside`` is shown
    beside the equation after a gap, e.g. the total over all steps next to step t's
    share of a gradient.
    """

    key: str  # stable id: "x_term", "h_term", "bias", "pre", "h", "gate:i:x", "c", "head:y" …
    gate: str  # gate this line belongs to ("" for none), for highlighting
    title: str
    lhs: str
    formula: str
    parts: tuple[Part, ...]
    aside: tuple[Part, ...] = ()

    @property
    def is_heading(self) -> bool:
        return not self.parts

    @property
    def result(self) -> Block:
        blocks = [p for p in self.parts if isinstance(p, Block)]
        if not blocks:
            raise ValueError(f"line {self.key!r} has no result block")
        return blocks[-1]

    @property
    def equation(self) -> str:
        """The symbolic equation in plain text (tooltips)."""
        return to_plain(f"{self.lhs} = {self.formula}")


@dataclass(frozen=True, eq=False)
class StepMath:
    title: str
    step: int  # 0 … T as shown (0 = initial state)
    layer: int
    direction: int
    mode: str
    decimals: int
    lines: tuple[Line, ...]
    note: str = ""
    page: str = "forward"  # "forward" | "backward"

    def line(self, key: str) -> Line:
        for ln in self.lines:
            if ln.key == key:
                return ln
        raise KeyError(key)


# ── formatting ──────────────────────────────────────────────────────────────


def fmt(v: float, decimals: int = 4, minus: str = "−") -> str:
    """``decimals`` places, but an exactly shorter number keeps its short form (0.2, 1, 0)."""
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    s = f"{v:.{decimals}f}"
    if decimals and abs(v - round(v, decimals)) < 1e-12:  # exact at this precision: drop the zeros
        s = s.rstrip("0").rstrip(".")
    if s.startswith("-") and float(s) == 0:
        s = s[1:]
    return s.replace("-", minus)


def parse_number(s: str) -> float:
    return float(s.replace("−", "-"))


def window(n: int, center: int, size: int = MAX_ROWS) -> tuple[int | None, ...]:
    """Up to ``size`` indices of ``range(n)`` around ``center``; None marks a cut."""
    if n <= size:
        return tuple(range(n))
    start = min(max(center - (size - 1) // 2, 0), n - size)
    idx: list[int | None] = list(range(start, start + size))
    if start > 0:
        idx.insert(0, None)
    if start + size < n:
        idx.append(None)
    return tuple(idx)


def scalar(name: str, v: float, decimals: int = 4, caption: str = "") -> Block:
    """A single number in a cell (ℓ_t, L, a one-output error)."""
    return _block(name, caption, np.array([[float(v)]]), (0,), (0,), decimals)


def _block(name, caption, a, rows, cols=(0,), decimals=4, gate="", labels=(), weight=False) -> Block:
    full = np.asarray(a, dtype=np.float64)
    full = full[:, None] if full.ndim == 1 else full
    cells = tuple(
        tuple(
            ("⋱" if c is None else "⋮") if r is None else ("⋯" if c is None else fmt(full[r, c], decimals))
            for c in cols
        )
        for r in rows
    )
    shown = tuple("" if r is None else labels[r] for r in rows) if labels else ()
    return Block(name, caption, full, tuple(rows), tuple(cols), cells, gate, shown, weight)


def to_plain(s: str) -> str:
    return re.sub(r"[_^]\{([^}]*)\}", lambda m: ("_" if m.group(0)[0] == "_" else "^") + m.group(1), s)
