"""Step math, the building: the equation lines of one step from a Trace."""

from __future__ import annotations

import numpy as np

from rnnviz.engine import Trace, param_suffix

from ..notation import GATE_TITLES, bias, tex, weight
from .model import Block, Line, StepMath, _block, fmt, window

_ACT = {"rnn_tanh": "tanh", "rnn_relu": "ReLU"}


class _Builder:
    def __init__(self, trace: Trace, layer: int, direction: int, step: int, unit: int, decimals: int):
        self.tr, self.layer, self.dir, self.step, self.dec = trace, layer, direction, step, decimals
        net = trace.network
        self.H = net.hidden_size
        self.sfx = param_suffix(layer, direction)
        self.units = window(self.H, min(max(unit, 0), self.H - 1))
        back = direction == 1
        t = step
        self.t_sym = str(t)
        self.prev_sym = str(t + 1) if back else str(t - 1)
        sup = (f"({layer + 1})" if net.num_layers > 1 else "") + ("←" if back else "")
        self.h_sup = f"^{{{sup}}}" if sup else ""
        self.x_name = f"x_{{{t}}}" if layer == 0 else f"h^{{({layer})}}_{{{t}}}"
        # what a stacked layer reads: the layer below's h (both directions, stacked)
        self.x_from = ""
        if layer > 0:
            both = ", forward over backward" if net.num_directions == 2 else ""
            self.x_from = f" (from layer {layer}'s h{both})"

    def h(self, t: str) -> str:
        return f"h{self.h_sup}_{{{t}}}"

    def c(self, t: str) -> str:
        return f"c{self.h_sup}_{{{t}}}"

    def vec(self, name, a, gate="", caption="", rows=None) -> Block:
        return _block(name, caption, a, self.units if rows is None else rows, (0,), self.dec, gate)

    def weights(self, kind: str, gate: str, k: int, G: int, d) -> Block:
        W = d.W_ih if kind == "ih" else d.W_hh
        key = f"weight_{kind}{self.sfx}"
        H = self.H
        part = f"[{k * H}:{(k + 1) * H}]" if G > 1 else ""
        rows = tuple(None if r is None else k * H + r for r in self.units)
        src = d.x if kind == "ih" else d.h_prev
        center = int(np.argmax(np.abs(src))) if kind == "ih" else self.units[0] or 0
        cols = window(W.shape[1], center) if kind == "ih" else self.units
        name = tex(weight(gate, "x" if kind == "ih" else "h"))
        cap = f"{key}{part}, {H}×{W.shape[1]}"
        return _block(name, cap, W, rows, cols, self.dec, gate, weight=True)

    def products(self, d, gate: str, k: int, G: int) -> list[Line]:
        """W_•x·x_t and W_•h·h_{t−1} for one gate block (or the vanilla cell: W_hx, W_hh)."""
        H = self.H
        rows_k = slice(k * H, (k + 1) * H)
        Wx, Wh = self.weights("ih", gate, k, G, d), self.weights("hh", gate, k, G, d)
        x = _block(self.x_name, f"{d.x.shape[0]}", d.x, Wx.cols, (0,), self.dec)
        hp = self.vec(self.h(self.prev_sym), d.h_prev, rows=Wh.cols)
        sx = "" if G == 1 else f":{gate}"
        return [
            Line(
                f"x_term{sx}",
                gate,
                (f"{gate}: input term" if gate else "input term") + self.x_from,
                f"{Wx.name}·{self.x_name}",
                "",
                (Wx, "·", x, "=", self.vec("", d.x_term[rows_k], gate)),
            ),
            Line(
                f"h_term{sx}",
                gate,
                f"{gate}: recurrent term" if gate else "recurrent term",
                f"{Wh.name}·{hp.name}",
                "",
                (Wh, "·", hp, "=", self.vec("", d.h_term[rows_k], gate)),
            ),
        ]

    def bias(self, d, gate: str, k: int, G: int) -> tuple[Block, Block, Block]:
        H = self.H
        sl = slice(k * H, (k + 1) * H)
        part = f"[{k * H}:{(k + 1) * H}]" if G > 1 else ""
        bi = self.vec(tex(bias(gate, "x")), d.b_ih[sl], gate, f"bias_ih{self.sfx}{part}, {H}")
        bh = self.vec(tex(bias(gate, "h")), d.b_hh[sl], gate, f"bias_hh{self.sfx}{part}, {H}")
        return bi, bh, self.vec("", d.b_ih[sl] + d.b_hh[sl], gate)

    def vanilla(self, d) -> list[Line]:
        lines = self.products(d, "", 0, 1)
        bi, bh, b = self.bias(d, "", 0, 1)
        Wx, hp = lines[0].parts[0].name, self.h(self.prev_sym)
        act = _ACT[d.mode]
        s = f"{Wx}·{self.x_name} + W_{{hh}}·{hp} + b_{{h}}"
        lines += [
            Line("bias", "", "bias", "b_{h}", "b_{hx} + b_{hh}", (bi, "+", bh, "=", b)),
            Line(
                "pre",
                "",
                "weighted sum",
                f"a_{{{self.t_sym}}}",
                s,
                (lines[0].result, "+", lines[1].result, "+", b, "=", self.vec("", d.pre)),
            ),
            Line(
                "h",
                "",
                f"new hidden state ({act})",
                self.h(self.t_sym),
                f"{act}(a_{{{self.t_sym}}})",
                (f"{act}(", self.vec("", d.pre), ")", "=", self.vec(self.h(self.t_sym), d.h)),
            ),
        ]
        return lines

    def gate_lines(self, d, gate: str, k: int, G: int) -> list[Line]:
        t, hp = self.t_sym, self.h(self.prev_sym)
        lines = self.products(d, gate, k, G)
        bi, bh, b = self.bias(d, gate, k, G)
        act = "tanh" if gate in ("g", "n") else "σ"
        pre = self.vec("", d.block(d.pre, gate), gate)
        val = self.vec(f"{gate}_{{{t}}}", d.block(d.gates, gate), gate)
        title = f"{GATE_TITLES[gate]} {gate}"
        if gate == "n":  # GRU: the reset gate scales the recurrent term (with its bias)
            r = self.vec(f"r_{{{t}}}", d.block(d.gates, "r"), "r")
            hn = self.vec("", d.hn, gate)
            lines.append(
                Line(
                    "hn",
                    gate,
                    "recurrent term with its bias",
                    f"W_{{nh}}·{hp} + b_{{nh}}",
                    "",
                    (lines[1].result, "+", bh, "=", hn),
                )
            )
            formula = f"tanh(W_{{nx}}·{self.x_name} + b_{{nx}} + r_{{{t}}} ⊙ (W_{{nh}}·{hp} + b_{{nh}}))"
            parts = (
                "tanh(",
                lines[0].result,
                "+",
                bi,
                "+",
                r,
                "⊙",
                hn,
                ")",
                "=",
                "tanh(",
                pre,
                ")",
                "=",
                val,
            )
        else:
            formula = f"{act}({lines[0].parts[0].name}·{self.x_name} + {lines[1].parts[0].name}·{hp} + {bi.name} + {bh.name})"
            parts = (
                f"{act}(",
                lines[0].result,
                "+",
                lines[1].result,
                "+",
                bi,
                "+",
                bh,
                ")",
                "=",
                f"{act}(",
                pre,
                ")",
                "=",
                val,
            )
        lines.append(Line(f"gate:{gate}", gate, title, f"{gate}_{{{t}}}", formula, parts))
        return lines

    def lstm(self, d) -> list[Line]:
        lines = [ln for k, g in enumerate("ifgo") for ln in self.gate_lines(d, g, k, 4)]
        t, p = self.t_sym, self.prev_sym
        i, f, g, o = (self.vec(f"{n}_{{{t}}}", d.block(d.gates, n), n) for n in "ifgo")
        cp, c = self.vec(self.c(p), d.c_prev), self.vec(self.c(t), d.c)
        lines.append(
            Line(
                "c",
                "",
                "new cell state",
                self.c(t),
                f"f_{{{t}}} ⊙ {self.c(p)} + i_{{{t}}} ⊙ g_{{{t}}}",
                (
                    f,
                    "⊙",
                    cp,
                    "+",
                    i,
                    "⊙",
                    g,
                    "=",
                    self.vec("", f.full[:, 0] * d.c_prev),
                    "+",
                    self.vec("", i.full[:, 0] * g.full[:, 0]),
                    "=",
                    c,
                ),
            )
        )
        lines.append(
            Line(
                "h",
                "",
                "new hidden state",
                self.h(t),
                f"o_{{{t}}} ⊙ tanh({self.c(t)})",
                (
                    o,
                    "⊙",
                    "tanh(",
                    c,
                    ")",
                    "=",
                    o,
                    "⊙",
                    self.vec("", np.tanh(d.c)),
                    "=",
                    self.vec(self.h(t), d.h),
                ),
            )
        )
        return lines

    def gru(self, d) -> list[Line]:
        lines = [ln for k, g in enumerate("rzn") for ln in self.gate_lines(d, g, k, 3)]
        t, hp = self.t_sym, self.h(self.prev_sym)
        z, n = (
            self.vec(f"z_{{{t}}}", d.block(d.gates, "z"), "z"),
            self.vec(f"n_{{{t}}}", d.block(d.gates, "n"), "n"),
        )
        zc = self.vec(f"1 − z_{{{t}}}", 1.0 - z.full[:, 0], "z")
        lines.append(
            Line(
                "h",
                "",
                "new hidden state (mix)",
                self.h(t),
                f"(1 − z_{{{t}}}) ⊙ n_{{{t}}} + z_{{{t}}} ⊙ {hp}",
                (zc, "⊙", n, "+", z, "⊙", self.vec(hp, d.h_prev), "=", self.vec(self.h(t), d.h)),
            )
        )
        return lines

    def head(self, labels: tuple[str, ...]) -> list[Line]:
        hd = self.tr.head_step(self.step - 1)
        t, net = self.t_sym, self.tr.network
        out = hd.W.shape[0]
        rows = window(out, int(np.argmax(hd.y)))
        center = self.dir * self.H + (self.units[0] or 0)
        cols = window(hd.W.shape[1], center)
        top = f"^{{({net.num_layers})}}" if net.num_layers > 1 else ""
        hname = f"h{top}_{{{t}}}" if net.num_directions == 1 else f"[h{top}→; h{top}←]_{{{t}}}"
        W = _block("W_{hy}", f"head.weight, {out}×{hd.W.shape[1]}", hd.W, rows, cols, self.dec, weight=True)
        hv = _block(hname, f"{hd.h.shape[0]}", hd.h, cols, (0,), self.dec)
        v = lambda name, a, cap="": _block(name, cap, a, rows, (0,), self.dec, labels=labels)  # noqa: E731
        Wh = v("", hd.W_h)
        z = v(f"z_{{{t}}}", hd.logits)
        lines = [
            Line("head:Wh", "", "output layer", f"W_{{hy}}·{hname}", "", (W, "·", hv, "=", Wh)),
            Line(
                "head:z",
                "",
                "output scores",
                f"z_{{{t}}}",
                f"W_{{hy}}·{hname} + b_{{y}}",
                (Wh, "+", v("b_{y}", hd.b, f"head.bias, {out}"), "=", z),
            ),
        ]
        if hd.activation == "softmax":
            e = np.exp(hd.logits)
            lines.append(
                Line(
                    "head:exp",
                    "",
                    f"exponentials (Σ = {fmt(e.sum(), self.dec)})",
                    f"e^{{z_{{{t}}}}}",
                    "",
                    ("exp(", z, ")", "=", v("", e)),
                )
            )
        act = {"softmax": "softmax", "sigmoid": "σ"}.get(hd.activation or "", "")
        y = v(f"y_{{{t}}}", hd.y)
        if act:
            lines.append(
                Line("head:y", "", "output", f"y_{{{t}}}", f"{act}(z_{{{t}}})", (f"{act}(", z, ")", "=", y))
            )
        else:
            lines.append(Line("head:y", "", "output (linear)", f"y_{{{t}}}", f"z_{{{t}}}", (y,)))
        return lines


def build_step_math(
    trace: Trace,
    layer: int = 0,
    direction: int = 0,
    step: int = 1,
    unit: int = 0,
    decimals: int = 4,
    labels: tuple[str, ...] = (),
    note: str = "",
    loss=None,
    targets=None,
) -> StepMath:
    """The worked math of step ``step`` (1 … T; 0 = the initial state) as equation lines.

    ``unit`` picks the window of rows shown when H > 8; ``labels`` name the head's
    outputs (e.g. the vocabulary).  With ``loss`` (a LossResult) and the session's
    ``targets`` [T, O], the page ends with the target, ℓ_t and the mean L.
    """
    T, net = trace.steps, trace.network
    if not 0 <= step <= T:
        raise IndexError(f"step {step} out of range (0..{T})")
    decimals = int(min(max(decimals, 0), 10))
    b = _Builder(trace, layer, direction, step, unit, decimals)
    where = []
    if net.num_layers > 1:
        where.append(f"layer {layer + 1}")
    if net.num_directions == 2:
        where.append("backward" if direction == 1 else "forward")
    cell = {"rnn_tanh": "tanh RNN", "rnn_relu": "ReLU RNN", "lstm": "LSTM", "gru": "GRU"}[net.mode]
    title = f"Step {step} of {T} — {cell}" + (f" ({', '.join(where)})" if where else "")
    if step == 0:
        row = layer * net.num_directions + direction
        lines = [Line("h", "", "initial hidden state", b.h("0"), "", (b.vec(b.h("0"), trace.h0[row]),))]
        if trace.c0 is not None:
            lines.append(Line("c", "", "initial cell state", b.c("0"), "", (b.vec(b.c("0"), trace.c0[row]),)))
        return StepMath(title, step, layer, direction, net.mode, decimals, tuple(lines), note)
    d = trace.step(layer, direction, step - 1)
    lines = {"lstm": b.lstm, "gru": b.gru}.get(net.mode, b.vanilla)(d)
    if net.has_head:
        lines += b.head(labels if len(labels) == net.spec.output_size else ())
    if loss is not None:
        from .loss import LossLines

        lines += LossLines(trace, loss, targets, step, labels, decimals).lines()
    return StepMath(title, step, layer, direction, net.mode, decimals, tuple(lines), note)
