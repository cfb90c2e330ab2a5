"""The rolled cell and the cell's inside in Backward: gradients on the chips.

At the selected step the chips that show h_t, h_{t−1}, c_t, c_{t−1} and x_t show
∂L/∂ of each instead, a gate's chip shows ∂L/∂ its pre-activation (before σ /
tanh), and the titles say so; the hovers say what each number means in words.
Numbers use the gradients' format and the log colour scale of :mod:`.gradients`.
"""

from __future__ import annotations

import numpy as np

from rnnviz.session.stepmath import window

from .cell_parts import where as where_of
from .gradients import GRAD_LUT, grad_chip_colours, grad_fmt, grad_level
from .style import chip_values, window_caption

CHIP_MAX = 8


def grad_gate_title(g: str, act: str) -> str:
    """A gate's title in Backward: the gradient of its input, before the activation."""
    before = f" <span style='font-weight:normal'>before {act}</span>" if act else ""
    return f"∂L/∂<i>{g}</i>{before}"


def _states(trace, grads, layer: int, direction: int) -> dict:
    """∂L/∂h (and ∂L/∂c) at steps 1..T, and of the initial state: (per step [T, H], initial [H])."""
    net = trace.network
    k = layer * net.num_directions + direction
    out = {"h": (grads.dh(layer, direction), np.asarray(grads["h0"]).reshape(-1, net.hidden_size)[k])}
    if net.mode == "lstm" and "c0" in grads:
        out["c"] = (grads.dc(layer, direction), np.asarray(grads["c0"]).reshape(-1, net.hidden_size)[k])
    return out


def _at(pair, t: int, T: int) -> np.ndarray:
    per_step, initial = pair
    return per_step[t - 1] if 1 <= t <= T else initial


def state_grads(trace, grads, layer: int, direction: int, step: int) -> dict:
    """{"h", "h_prev", "c", "c_prev"} → ∂L/∂ that state at ``step`` (0: the initial state)."""
    T = trace.steps
    prev = step + 1 if direction == 1 else step - 1
    if step == 0:
        prev = step
    out = {}
    for name, pair in _states(trace, grads, layer, direction).items():
        out[name] = _at(pair, step, T) if step else pair[1]
        out[f"{name}_prev"] = _at(pair, prev, T) if step else pair[1]
    return out


def _x_grad(grads, layer: int, step: int, n_in: int) -> np.ndarray:
    """∂L/∂(the layer's input x_t) at ``step`` (both directions' share); NaN at step 0."""
    if not step:
        return np.full(n_in, np.nan)
    return np.asarray(grads.layers[layer].x[step - 1])  # [I]


def _y_grad(trace, grads, step: int) -> np.ndarray:
    """∂L/∂(head logits) at ``step``: where the error enters; NaN without a head's gradient."""
    if grads.d_logits is None or not step:
        return np.full(trace.y.shape[1], np.nan)
    return np.asarray(grads.d_logits[step - 1])  # [out]


def _x_rows(v: np.ndarray) -> tuple:
    k = int(np.nanargmax(np.abs(v))) if np.isfinite(v).any() else 0
    return tuple(r for r in window(v.shape[0], k, CHIP_MAX) if r is not None)


def cell_backward(sc, trace, grads, layer: int, direction: int, step: int) -> None:
    """The cell's inside in Backward (see the module docstring)."""
    dec, rows, back = sc.decimals, sc.rows, direction == 1
    cap = window_caption(rows, trace.network.hidden_size)
    sc.timed.set_state(back, True)
    vals = state_grads(trace, grads, layer, direction, step)
    nan = np.full(sc.n, np.nan)
    for key, chip in sc.chips.items():
        if key == "x":
            x = _x_grad(grads, layer, step, trace.layer_inputs[layer].shape[1])
            xr = _x_rows(x)
            chip.set_values(
                chip_values(x, xr), dec, window_caption(xr, x.shape[0]), grad_fmt, grad_chip_colours
            )
        else:
            v = chip_values(vals[key], rows) if key in vals else nan
            chip.set_values(v, dec, cap, grad_fmt, grad_chip_colours)
    dpre = grads.dpre(layer, direction) if step else {}
    for g, item in sc.gates.items():
        v = chip_values(dpre[g][step - 1], rows) if g in dpre else nan
        item.chip.set_values(v, dec, "", grad_fmt, grad_chip_colours)
    _set_cell_title(sc, trace, layer, direction, step)


def _set_cell_title(sc, trace, layer: int, direction: int, step: int) -> None:
    where = where_of(trace, layer, direction)
    if step:
        text = f"Backward at step {step}: the error ∂L/∂… reaching each value{where}"
        prev = step + 1 if direction == 1 else step - 1
        name = "t+1" if direction == 1 else "t−1"
        sub = f"(∂L/∂h<sub>{name}</sub> is the error handed on to step {prev})"
    else:
        text, sub = f"Backward: the error reaching the initial state{where}", ""
    html = f"{text} <span style='font-weight:normal; font-size:10pt; color:#555'>{sub}</span>"
    if sc._title_html != html:
        sc._title_html = html
        sc.title.setHtml(html)


def rolled_backward(sc, trace, grads, layer: int, direction: int, step: int, decimals: int = 2) -> None:
    """The rolled cell in Backward: its chips show gradients, its loops their size."""
    net = trace.network
    cap = window_caption(sc.rows, net.hidden_size)
    sc.timed.set_state(direction == 1, True)
    vals = state_grads(trace, grads, layer, direction, step)
    for key, chip in sc.chips.items():
        if key in ("x", "y"):  # ∂L/∂x_t, ∂L/∂logits_t: the largest in the window
            v = (
                _x_grad(grads, layer, step, trace.layer_inputs[layer].shape[1])
                if key == "x"
                else _y_grad(trace, grads, step)
            )
            rows = _x_rows(v)
            c = window_caption(rows, v.shape[0])
        else:
            v, rows, c = vals.get(key), sc.rows, cap
        shown = chip_values(v, rows) if v is not None else np.full(chip.n, np.nan)
        chip.set_values(shown, decimals, c, grad_fmt, grad_chip_colours)
    x = _x_grad(grads, layer, step, trace.layer_inputs[layer].shape[1])
    norms = {
        "x": x,
        "loop_in": vals.get("h_prev"),
        "loop_out": vals.get("h"),
        "h_up": vals.get("h"),
        "cloop_in": vals.get("c_prev"),
        "cloop_out": vals.get("c"),
    }
    for key, a in sc.arrows.items():
        v = norms.get(key)
        level = int(grad_level(np.linalg.norm(v))) if v is not None and step else 0
        a.set_colour(GRAD_LUT[level])
    T = trace.steps
    where = [f"layer {layer + 1}"] if net.num_layers > 1 else []
    where += (["backward" if direction else "forward"]) if net.num_directions == 2 else []
    tail = f" — {', '.join(where)}" if where else ""
    text = (
        f"Backward, step {step} of {T}: the error ∂L/∂… at this step{tail}"
        if step
        else (f"Backward: the error reaching the initial state{tail}")
    )
    if sc._title_html != text:
        sc._title_html = text
        sc.title.setHtml(text)
