"""The backward mode's shared pieces: the gradient scale, its legend, its numbers and words.

‖∂L/∂h_t‖ spans many orders of magnitude (a vanilla RNN's fades by 10⁻²⁰ over 60
steps), so it is drawn on a LOG scale: ``LOG_LO`` … ``LOG_HI`` decades map to
``LEVELS`` steps of colour (a sequential, colour-blind-safe scale, magma reversed:
pale = small, dark = large) and line width.  Below 10^LOG_LO a wire is a pale
hairline: a 10⁻¹⁵ gradient looks like nothing, as it should.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtGui
from PySide6.QtCore import Qt

from .style import WIRE, font, pen

LOG_LO, LOG_HI = -12.0, 0.0  # decades of ‖∂L/∂·‖ the scale spans
LEVELS = 25  # colours and widths an arrow can take (shared paths, shared colours)
WIDTH_MIN, WIDTH_MAX = 0.8, 13.0
#: magma, reversed: from a near-white cream (nothing) to a deep violet (large)
_STOPS = ("#fbf8e6", "#fcfdbf", "#fec287", "#fc8961", "#e95462", "#b73779", "#7e2482", "#51127c", "#221150")
NO_TARGETS = "no targets: add a target column to see the error flow back"
LEGEND_TEXT = "‖∂L/∂h_t‖ on a log scale: dark, wide = large · pale, thin = vanished"
CUT_TIP = (
    "Truncated BPTT: the gradient is cut here. The error of the steps to the right "
    "never reaches the steps to the left of this line."
)

#: ∂L/∂ each gate's pre-activation, in words (the hover of a gate in Backward).
GATE_WORDS = {
    "a": "∂L/∂a_t (before tanh): how much the loss changes if the weighted sum a_t grew",
    "i": "∂L/∂i_t (before σ): how much the loss changes if the input gate's input grew",
    "f": "∂L/∂f_t (before σ): how much the loss changes if the forget gate's input grew",
    "g": "∂L/∂g_t (before tanh): how much the loss changes if the candidate's input grew",
    "o": "∂L/∂o_t (before σ): how much the loss changes if the output gate's input grew",
    "r": "∂L/∂r_t (before σ): how much the loss changes if the reset gate's input grew",
    "z": "∂L/∂z_t (before σ): how much the loss changes if the update gate's input grew",
    "n": "∂L/∂n_t (before tanh): how much the loss changes if the candidate's input grew",
}
#: ∂L/∂ each state, in words (the hover of a chip in Backward).
STATE_WORDS = {
    "h": "∂L/∂h_t: how much the loss changes if h_t grew (through the output and every later step)",
    "h_prev": "∂L/∂h_{t−1}: the error handed back to the previous step's hidden state",
    "c": "∂L/∂c_t: how much the loss changes if the cell state c_t grew; along the cell-state "
    "line it is only multiplied by the forget gate, so it survives many steps",
    "c_prev": "∂L/∂c_{t−1}: the error handed back along the cell-state line (∂L/∂c_t ⊙ f_t, plus what h_{t−1} adds)",
    "x": "∂L/∂x_t: how much the loss changes if this input grew",
    "y": "∂L/∂(output logits)_t: where the error enters (zero at steps without a target)",
}
#: a chip's title in Backward, by its key
GRAD_TITLES = {
    "h": "∂L/∂h<sub>t</sub>",
    "h_prev": "∂L/∂h<sub>t−1</sub>",
    "c": "∂L/∂c<sub>t</sub>",
    "c_prev": "∂L/∂c<sub>t−1</sub>",
    "x": "∂L/∂x<sub>t</sub>",
    "y": "∂L/∂logits<sub>t</sub>",
}


def _lut(n: int) -> list[QtGui.QColor]:
    stops = [QtGui.QColor(c) for c in _STOPS]
    out = []
    for k in range(n):
        pos = k / (n - 1) * (len(stops) - 1)
        i = min(int(pos), len(stops) - 2)
        f = pos - i
        a, b = stops[i], stops[i + 1]
        out.append(
            QtGui.QColor.fromRgbF(
                *(ca + (cb - ca) * f for ca, cb in zip(a.getRgbF()[:3], b.getRgbF()[:3], strict=True))
            )
        )
    return out


GRAD_LUT = _lut(LEVELS)  # shared QColor objects, one per level
GRAD_RGB32 = np.array([c.rgba() for c in GRAD_LUT], dtype=np.uint32)
_WHITE = QtGui.QColor("#ffffff")


def tint(c: QtGui.QColor, k: float) -> QtGui.QColor:
    """``c`` mixed with white (``k`` of ``c``): a fill that keeps black text readable."""
    return QtGui.QColor.fromRgbF(*(1 - k + k * v for v in c.getRgbF()[:3]))


def grad_unit(norms) -> np.ndarray:
    """Where ``norms`` (≥ 0) sit on the log scale, 0 … 1 (0 for 0, NaN or below 10^LOG_LO)."""
    v = np.abs(np.asarray(norms, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        u = (np.log10(v) - LOG_LO) / (LOG_HI - LOG_LO)
    return np.clip(np.nan_to_num(u, nan=0.0, neginf=0.0, posinf=1.0), 0.0, 1.0)


def grad_level(norms) -> np.ndarray:
    """The level (0 … LEVELS−1) of each norm: indexes ``GRAD_LUT`` and ``grad_width``."""
    return np.rint(grad_unit(norms) * (LEVELS - 1)).astype(np.intp)


def grad_width(level: int) -> float:
    return WIDTH_MIN + (WIDTH_MAX - WIDTH_MIN) * level / (LEVELS - 1)


def grad_rgb32(values) -> np.ndarray:
    """The scale's colours of |values| (per unit, for a strip), as 0xAARRGGBB."""
    return GRAD_RGB32[grad_level(values)]


CHIP_TINTS = [tint(c, 0.55) for c in GRAD_LUT]  # chips' cells: black numbers stay readable


def grad_chip_colours(values) -> list[QtGui.QColor]:
    """A chip's cell colours for gradients: |v| on the log scale, tinted (NaN: white)."""
    v = np.asarray(values, dtype=float)
    levels = grad_level(v).tolist()
    return [CHIP_TINTS[k] if np.isfinite(x) else _WHITE for k, x in zip(levels, v.tolist(), strict=True)]


def grad_fmt(v: float, decimals: int = 2, width: int = 7) -> str:
    """A gradient's number: plain with ``decimals`` places when that shows two significant
    digits, else scientific (3.2e−5), fewer mantissa digits until it fits ``width`` characters."""
    v = float(v)
    if not math.isfinite(v):
        return "∞" if v > 0 else ("−∞" if v < 0 else "")
    if v == 0.0:
        return "0"
    if abs(v) >= 10.0 ** (1 - decimals) and abs(v) < 10.0 ** max(width - decimals - 2, 1):
        return f"{v:.{decimals}f}".replace("-", "−")
    for m in range(max(decimals - 1, 0), -1, -1):
        mant, exp = f"{v:.{m}e}".split("e")
        s = f"{mant}e{int(exp)}".replace("-", "−")
        if len(s) <= width:
            return s
    return s


def grads_fit(trace, grads) -> str:
    """Why ``grads`` cannot be drawn on ``trace`` ("" when they can)."""
    if grads is None:
        return NO_TARGETS
    net = trace.network if trace is not None else None
    try:
        if net is None or len(grads.layers) != net.num_layers:
            return "the gradients are for another network"
        if grads.dh(0, 0).shape != (trace.steps, net.hidden_size):
            return "the gradients are for another sequence or network"
        if set(grads.dpre(0, 0)) != set(trace.network.spec.gate_names):
            return "the gradients are for another kind of cell"
        if net.num_directions == 2:
            grads.dh(0, 1)
    except (IndexError, ValueError, AttributeError):
        return "the gradients are for another network"
    return ""


def paint_grad_legend(p: QtGui.QPainter, x: float, y: float, width: float = 220, height: float = 16) -> None:
    """The gradient scale (a wedge: colour and width grow together) with decade ticks."""
    n = LEVELS
    step = width / n
    for k in range(n):
        h = max(height * grad_width(k) / WIDTH_MAX, 1.0)
        p.fillRect(QtCore.QRectF(x + k * step, y + (height - h) / 2, step + 0.5, h), GRAD_LUT[k])
    p.setPen(pen(WIRE, 1))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.setFont(font(8))
    for e, text in ((LOG_LO, f"≤10{_sup(int(LOG_LO))}"), (-6.0, f"10{_sup(-6)}"), (LOG_HI, "≥1")):
        tx = x + (e - LOG_LO) / (LOG_HI - LOG_LO) * (width - 1)
        p.drawLine(QtCore.QPointF(tx, y + height), QtCore.QPointF(tx, y + height + 3))
        w = p.fontMetrics().horizontalAdvance(text)
        p.drawText(QtCore.QPointF(min(max(tx - w / 2, x), x + width - w), y + height + 14), text)


def grad_legend_pixmap(width: int = 220, height: int = 16) -> QtGui.QPixmap:
    pm = QtGui.QPixmap(width, height + 16)
    pm.fill(Qt.GlobalColor.transparent)
    p = QtGui.QPainter(pm)
    paint_grad_legend(p, 0, 0, width, height)
    p.end()
    return pm


_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _sup(n: int) -> str:
    return str(n).translate(_SUP)
