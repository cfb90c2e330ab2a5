"""Step math, the backward page: from the error at the output back to the weights.

For the selected step t, layer and direction, in four sections:

1. the error at the output (the course's y_t − target) and ∂L/∂y_t (or ∂L/∂z_t);
2. ∂L/∂h_t = (from the output, or the layer above) + (the recurrent term from the
   step that reads h_t next);
3. through the cell: ∂L/∂a_t = ∂L/∂h_t ⊙ (1 − h_t²) for tanh; ∂L/∂c_t and each gate's
   ∂L/∂(pre-activation) for LSTM and GRU;
4. step t's share of ∂L/∂W_hh, ∂L/∂W_hx, ∂L/∂b_h (W_•h, W_•x, b_• for gates; and the head's), the sum over all
   steps beside it.

Every gradient shown is the engine's (:class:`~rnnviz.engine.trace.Gradients`); only the
factors between them (1 − h_t², the products δ·h_{t−1}ᵀ) are formed from its numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from rnnviz.engine import Trace
from rnnviz.engine.losses import LossResult
from rnnviz.engine.trace import Gradients

from ..notation import GATE_TITLES, stacked, tex
from .build import _Builder
from .loss import LossLines
from .model import MAX_ROWS, Block, Line, StepMath, _block, window
from .weights import WeightLines

CELLS = {"rnn_tanh": "tanh RNN", "rnn_relu": "ReLU RNN", "lstm": "LSTM", "gru": "GRU"}
NO_TARGET = (
    "There is no target to compute an error from, so there is nothing to send back.\n"
    "Add one: in the Sequence dock press “+ Target” and type the value the network should give "
    "at each step (one target column per output), or pick an example with targets "
    "(File > Examples), or set the sequence's shape to many-to-one and give the last step a target."
)
NO_FIT = "The sequence's targets give no loss, so there is no error to send back: {why}."
STALE = "The gradients of this network are not computed yet."


class CursorLike(Protocol):
    step: int
    layer: int
    direction: int
    unit: int


class _Back(WeightLines, _Builder):
    def __init__(self, trace: Trace, loss: LossResult, grads: Gradients, ll: LossLines, cur, decimals):
        super().__init__(trace, cur.layer, cur.direction, cur.step, cur.unit, decimals)
        self.loss, self.g, self.ll = loss, grads, ll
        net = trace.network
        self.i = cur.step - 1
        self.d = trace.step(self.layer, self.dir, self.i)
        self.gates = self.d.gate_names
        self.dh = grads.dh(self.layer, self.dir)  # [T, H]
        self.dpre = grads.dpre(self.layer, self.dir)  # {gate: [T, H]}
        nxt = self.i - 1 if self.dir == 1 else self.i + 1
        self.nxt = nxt if 0 <= nxt < trace.steps else None
        self.n_sym = str(nxt + 1)
        self.top = self.layer == net.num_layers - 1
        self.cols = slice(self.dir * self.H, (self.dir + 1) * self.H)  # this direction's columns of [D·H]

    # -- symbols -------------------------------------------------------------
    def dL(self, sym: str) -> str:
        return f"∂L/∂{sym}"

    def a(self, gate: str, t: str) -> str:
        """The pre-activation's symbol: a_t (vanilla) or a^{i}_t (a gate's); the title names the layer."""
        return f"a_{{{t}}}" if gate == "a" else f"a^{{{gate}}}_{{{t}}}"

    def stacked(self, k: int) -> np.ndarray:
        """[G·H] ∂L/∂(every gate's pre-activation) at time index k, gate order."""
        return np.concatenate([self.dpre[g][k] for g in self.gates])

    # -- 2: into h_t ---------------------------------------------------------
    def into_h(self) -> list[Line]:
        t = self.t_sym
        lines = [Line("back:section:h", "", f"2 · Back into the hidden state {self.h(t)}", "", "", ())]
        terms: list[tuple[str, np.ndarray]] = []
        if self.top:
            lines.append(self.from_output())
            terms.append(("from the output", lines[-1].result.full[:, 0]))
        else:
            lines.append(self.from_above())
            terms.append(("from above", lines[-1].result.full[:, 0]))
        lines += self.recurrent()
        terms += [(ln.key, ln.result.full[:, 0]) for ln in lines[2:]]
        parts: list = []
        for _k, v in terms:
            parts += [self.vec("", v), "+"]
        dh = self.vec(self.dL(self.h(t)), self.dh[self.i])
        parts[-1] = "="
        formula = " + ".join(ln.lhs or "0" for ln in lines[1:])
        lines.append(Line("back:dh", "", f"total: {self.dL(self.h(t))}", self.dL(self.h(t)), formula,
                          (*parts, dh)))  # fmt: skip
        return lines

    def from_output(self) -> Line:
        t, net, i = self.t_sym, self.tr.network, self.i
        if not net.has_head:
            v = self.loss.grad[i][self.cols]  # [H] y_t = h_t: the output's gradient is h_t's
            return Line("back:dh_out", "", f"from the output (y_{{{t}}} = {self.h(t)}: no output layer)",
                        f"∂L/∂y_{{{t}}}", "", (self.vec("", v),))  # fmt: skip
        W = net.param("head.weight")  # [O, D·H]
        dz = self.ll.output_grad(self.g)  # [O]
        O = W.shape[0]
        outs = window(O, int(np.argmax(np.abs(dz))))
        rows = tuple(None if r is None else self.dir * self.H + r for r in self.units)
        WT = _block("W_{hy}ᵀ", f"head.weightᵀ, {W.shape[1]}×{O}", W.T, rows, outs, self.dec, weight=True)
        z = "z" if net.head_activation or self.loss.name != "mse" else "y"
        dzb = _block(f"∂L/∂{z}_{{{t}}}", "", dz, outs, (0,), self.dec)
        v = (W.T @ dz)[self.cols]  # [H]
        return Line("back:dh_out", "", "from the output layer", f"W_{{hy}}ᵀ·∂L/∂{z}_{{{t}}}", "",
                    (WT, "·", dzb, "=", self.vec("", v)))  # fmt: skip

    def from_above(self) -> Line:
        net, t, up = self.tr.network, self.t_sym, self.layer + 1
        v = np.zeros(self.H)
        for d2 in range(net.num_directions):
            W = net.param(f"weight_ih_l{up}" + ("_reverse" if d2 else ""))  # [G·H, D·H]
            dp = self.g.dpre(up, d2)
            delta = np.concatenate([dp[g][self.i] for g in self.gates])  # [G·H]
            v += (W.T @ delta)[self.cols]  # [H]
        both = " (both of its directions)" if net.num_directions == 2 else ""
        sym = f"{tex(stacked('x', net.mode))}^{{({up + 1})}}ᵀ·∂L/∂a^{{({up + 1})}}_{{{t}}}"
        return Line("back:dh_above", "", f"from layer {up + 1}, which reads {self.h(t)} as its input{both}",
                    sym, "", (self.vec("", v),))  # fmt: skip

    def recurrent(self) -> list[Line]:
        t, n = self.t_sym, self.n_sym
        if self.nxt is None:
            last = "first" if self.dir == 1 else "last"
            return [Line("back:dh_next", "", f"from the next step: none ({self.h(t)} is the {last} state)",
                         "", "", (self.vec("", np.zeros(self.H)),))]  # fmt: skip
        k = self.nxt
        W = self.d.W_hh  # [G·H, H]
        G = len(self.gates)
        delta = self.stacked(k)  # [G·H]
        mode = self.tr.network.mode
        if mode == "gru":  # the n block's recurrent term is scaled by r_{t+1}
            r = self.tr.step(self.layer, self.dir, k).block(self.tr.step(self.layer, self.dir, k).gates, "r")
            delta = delta.copy()
            delta[2 * self.H :] *= r
        # every gate's rows when they fit (4H ≤ 16): the learner sees i, f, g, o side by side
        cols = self.units if G == 1 else window(G * self.H, int(np.argmax(np.abs(delta))), 2 * MAX_ROWS)
        names = "" if G == 1 else f" ({', '.join(self.gates)} stacked)"
        Wname = tex(stacked("h", mode))
        WT = _block(f"{Wname}ᵀ", f"weight_hh{self.sfx}ᵀ{names}, {self.H}×{G * self.H}", W.T, self.units, cols,
                    self.dec, weight=True)  # fmt: skip
        labels = tuple(f"{g}{u + 1}" for g in self.gates for u in range(self.H)) if G > 1 else ()
        dname = self.dL(self.a("a", n)) if G == 1 else f"∂L/∂a_{{{n}}}"
        db = replace(_block(dname, "", delta, cols, (0,), self.dec, labels=labels), show_labels=bool(labels))
        v = W.T @ delta  # [H]
        what = {
            1: "",
            3: "W_{rh}ᵀ·∂L/∂a^{r}_{n} + W_{zh}ᵀ·∂L/∂a^{z}_{n} + W_{nh}ᵀ·(r_{n} ⊙ ∂L/∂a^{n}_{n})",
        }.get(G, "Σ_{k ∈ i,f,g,o} W_{kh}ᵀ·∂L/∂a^{k}_{n}")
        title = f"from step {n}, which reads {self.h(t)} through {Wname}" + (
            "" if G == 1 else " into every gate"
        )
        lines = [Line("back:dh_next", "", title, f"{Wname}ᵀ·{dname}", what.replace("_{n}", f"_{{{n}}}"),
                      (WT, "·", db, "=", self.vec("", v)))]  # fmt: skip
        if mode == "gru":  # h_{t+1} = (1 − z) ⊙ n + z ⊙ h_t: h_t also passes straight through z
            z = self.tr.step(self.layer, self.dir, k)
            zv = z.block(z.gates, "z")
            lines.append(Line("back:dh_skip", "z", f"from step {n} straight through its update gate",
                              f"z_{{{n}}} ⊙ {self.dL(self.h(n))}", "",
                              (self.vec(f"z_{{{n}}}", zv, "z"), "⊙", self.vec(self.dL(self.h(n)), self.dh[k]),
                               "=", self.vec("", zv * self.dh[k]))))  # fmt: skip
        return lines

    # -- 3: through the cell ---------------------------------------------------
    def cell(self) -> list[Line]:
        mode = self.tr.network.mode
        what = {"rnn_tanh": "tanh", "rnn_relu": "ReLU", "lstm": "the gates and the cell state",
                "gru": "the gates"}[mode]  # fmt: skip
        head = Line("back:section:cell", "", f"3 · Through {what} to the pre-activations", "", "", ())
        body = {"lstm": self.lstm, "gru": self.gru}.get(mode, self.vanilla)()
        return [head, *body]

    def _gate_line(self, gate: str, formula: str, factors: list, title: str = "") -> Line:
        t = self.t_sym
        lhs = self.dL(self.a(gate, t))
        parts: list = []
        for f in factors:
            parts += [f, "⊙"]
        parts[-1] = "="
        res = self.vec("", self.dpre[gate][self.i], "" if gate == "a" else gate)
        title = title or f"{GATE_TITLES[gate]} {gate}: before its " + ("tanh" if gate in "gn" else "σ")
        return Line(f"back:dpre:{gate}", "" if gate == "a" else gate, title, lhs, formula, (*parts, res))

    def vanilla(self) -> list[Line]:
        t, d = self.t_sym, self.d
        dh = self.vec(self.dL(self.h(t)), self.dh[self.i])
        if d.mode == "rnn_relu":
            step = (d.pre > 0).astype(float)  # [H]
            return [self._gate_line("a", f"{self.dL(self.h(t))} ⊙ 1[{self.a('a', t)} > 0]",
                                    [dh, self.vec(f"1[a_{{{t}}} > 0]", step)], f"through ReLU: the gradient passes where a_{{{t}}} > 0")]  # fmt: skip
        return [self._gate_line("a", f"{self.dL(self.h(t))} ⊙ (1 − {self.h(t)}²)",
                                [dh, self.vec(f"1 − {self.h(t)}²", 1 - d.h**2)],
                                f"through tanh: tanh′(a_{{{t}}}) = 1 − {self.h(t)}²")]  # fmt: skip

    def _gate(self, name: str, t: str) -> Block:
        return self.vec(f"{name}_{{{t}}}", self.d.block(self.d.gates, name), name)

    def lstm(self) -> list[Line]:
        t, p, d, i = self.t_sym, self.prev_sym, self.d, self.i
        ig, fg, gg, og = (self.d.block(d.gates, g) for g in "ifgo")
        tc = np.tanh(d.c)  # [H]
        dh = self.vec(self.dL(self.h(t)), self.dh[i])
        dc_sym = self.dL(self.c(t))
        dc = self.vec(dc_sym, self.g.dc(self.layer, self.dir)[i])
        o = self._gate_line(
            "o",
            f"{self.dL(self.h(t))} ⊙ tanh({self.c(t)}) ⊙ o_{{{t}}}(1 − o_{{{t}}})",
            [dh, self.vec(f"tanh({self.c(t)})", tc), self.vec("o(1 − o)", og * (1 - og), "o")],
        )
        first = dh.full[:, 0] * og * (1 - tc**2)  # [H] through h_t = o_t ⊙ tanh(c_t)
        parts: list = [dh, "⊙", self._gate("o", t), "⊙", self.vec(f"1 − tanh²({self.c(t)})", 1 - tc**2)]
        formula = f"{self.dL(self.h(t))} ⊙ o_{{{t}}} ⊙ (1 − tanh²{self.c(t)})"
        if self.nxt is not None:
            n = self.n_sym
            nd = self.tr.step(self.layer, self.dir, self.nxt)
            parts += ["+", self.vec(self.dL(self.c(n)), self.g.dc(self.layer, self.dir)[self.nxt]), "⊙",
                      self.vec(f"f_{{{n}}}", nd.block(nd.gates, "f"), "f")]  # fmt: skip
            formula += f" + {self.dL(self.c(n))} ⊙ f_{{{n}}}"
        else:
            parts += ["=", self.vec("", first)]
        c_line = Line("back:dc", "", f"cell state: from {self.h(t)}, and from the next step's cell state through its forget gate",
                      dc_sym, formula, (*parts, "=", dc))  # fmt: skip
        dc_full = self.vec(dc_sym, dc.full[:, 0])
        return [
            o,
            c_line,
            self._gate_line("i", f"{dc_sym} ⊙ g_{{{t}}} ⊙ i_{{{t}}}(1 − i_{{{t}}})",
                            [dc_full, self._gate("g", t), self.vec("i(1 − i)", ig * (1 - ig), "i")]),
            self._gate_line("f", f"{dc_sym} ⊙ {self.c(p)} ⊙ f_{{{t}}}(1 − f_{{{t}}})",
                            [dc_full, self.vec(self.c(p), d.c_prev), self.vec("f(1 − f)", fg * (1 - fg), "f")]),
            self._gate_line("g", f"{dc_sym} ⊙ i_{{{t}}} ⊙ (1 − g_{{{t}}}²)",
                            [dc_full, self._gate("i", t), self.vec("1 − g²", 1 - gg**2, "g")]),
        ]  # fmt: skip

    def gru(self) -> list[Line]:
        t, p, d = self.t_sym, self.prev_sym, self.d
        r, z, n = (d.block(d.gates, g) for g in "rzn")
        dh_sym = self.dL(self.h(t))
        dh = self.vec(dh_sym, self.dh[self.i])
        dn = self.vec(self.dL(self.a("n", t)), self.dpre["n"][self.i], "n")
        return [
            self._gate_line("n", f"{dh_sym} ⊙ (1 − z_{{{t}}}) ⊙ (1 − n_{{{t}}}²)",
                            [dh, self.vec(f"1 − z_{{{t}}}", 1 - z, "z"), self.vec("1 − n²", 1 - n**2, "n")]),
            self._gate_line("z", f"{dh_sym} ⊙ ({self.h(p)} − n_{{{t}}}) ⊙ z_{{{t}}}(1 − z_{{{t}}})",
                            [dh, self.vec(f"{self.h(p)} − n_{{{t}}}", d.h_prev - n),
                             self.vec("z(1 − z)", z * (1 - z), "z")]),
            self._gate_line("r", f"{self.dL(self.a('n', t))} ⊙ (W_{{nh}}·{self.h(p)} + b_{{nh}}) ⊙ r_{{{t}}}(1 − r_{{{t}}})",
                            [dn, self.vec(f"W_{{nh}}·{self.h(p)} + b_{{nh}}", d.hn, "n"),
                             self.vec("r(1 − r)", r * (1 - r), "r")]),
        ]  # fmt: skip


def _title(trace: Trace, step: int, layer: int, direction: int) -> str:
    net = trace.network
    where = []
    if net.num_layers > 1:
        where.append(f"layer {layer + 1}")
    if net.num_directions == 2:
        where.append("backward" if direction == 1 else "forward")
    title = f"Backward — step {step} of {trace.steps} — {CELLS[net.mode]}"
    return title + (f" ({', '.join(where)})" if where else "")


def build_backward_math(
    session,
    trace: Trace,
    loss: LossResult | None,
    grads: Gradients | None,
    cursor: CursorLike,
    decimals: int = 4,
) -> StepMath:
    """The backward page at ``cursor`` (its step 1 … T, layer, direction, unit).

    ``loss`` and ``grads`` are None when the session has no targets (or they do not
    fit): the page then says so, and how to add one.
    """
    net = trace.network
    step = int(cursor.step)
    if not 0 <= step <= trace.steps:
        raise IndexError(f"step {step} out of range (0..{trace.steps})")
    layer = min(max(int(cursor.layer), 0), net.num_layers - 1)
    direction = min(max(int(cursor.direction), 0), net.num_directions - 1)
    cur = StepCursor(step, layer, direction, int(cursor.unit))
    decimals = int(min(max(decimals, 0), 10))
    title = _title(trace, step, layer, direction)

    def page(lines, note=""):
        return StepMath(
            title, step, layer, direction, net.mode, decimals, tuple(lines), note, page="backward"
        )

    if loss is None or grads is None:
        targets = None if session is None else session.sequence.targets
        if targets is None:
            return page([], NO_TARGET)
        return page([], NO_FIT.format(why=_why_no_loss(net, session.sequence)))
    if not fits(trace, loss, grads):
        return page([], STALE)
    if step == 0:
        return page(_initial(trace, grads, cur, decimals))
    seq = None if session is None else session.sequence
    labels = () if seq is None else (seq.vocabulary or seq.target_names)
    ll = LossLines(trace, loss, None if seq is None else seq.targets, step, labels, decimals)
    b = _Back(trace, loss, grads, ll, cur, decimals)
    lines = ll.lines(with_target=False) + ll.error_lines(grads) + b.into_h() + b.cell() + b.weights()
    return page(lines)


def _why_no_loss(net, seq) -> str:
    """Why targets give no loss: the columns, a blank target the loss counts, or their values."""
    out = net.spec.output_size if net.has_head else net.num_directions * net.hidden_size
    targets = seq.targets
    if targets.shape[1] != out:
        return (f"there are {targets.shape[1]} target column(s) for {out} output(s); "
                "make them match in the Sequence dock")  # fmt: skip
    blank = np.flatnonzero(np.isnan(targets).any(axis=1))
    if len(blank) and seq.shape != "many_to_one":
        return (f"step {blank[0] + 1} has a blank target, and a many-to-many loss counts every step; "
                "fill it in, or make the sequence many-to-one")  # fmt: skip
    if len(blank):
        return "the last step, the one the loss counts, has a blank target; fill it in"
    return "their values do not suit the loss (binary cross-entropy needs targets between 0 and 1)"


def fits(trace: Trace, loss: LossResult | None, grads: Gradients | None) -> bool:
    """Do ``loss`` and ``grads`` belong to a network and sequence shaped like ``trace``'s?"""
    if loss is None or grads is None:
        return True
    net = trace.network
    try:
        return (
            loss.per_step.shape == (trace.steps,)
            and len(grads.layers) == net.num_layers
            and grads.dh(0, net.num_directions - 1).shape == (trace.steps, net.hidden_size)
            and set(grads.dpre(0, 0)) == set(net.spec.gate_names)
            and grads.get("weight_ih_l0", np.empty(0)).shape == net.param("weight_ih_l0").shape
            and (
                not net.has_head
                or grads.get("head.weight", np.empty(0)).shape == net.param("head.weight").shape
            )
        )
    except (IndexError, KeyError, ValueError):
        return False


@dataclass(frozen=True)
class StepCursor:
    """Where a page looks (the Workspace's Cursor serves as well: same attribute names)."""

    step: int
    layer: int = 0
    direction: int = 0
    unit: int = 0


def _initial(trace: Trace, grads: Gradients, cur: StepCursor, decimals: int) -> list[Line]:
    b = _Builder(trace, cur.layer, cur.direction, 0, cur.unit, decimals)
    row = cur.layer * trace.network.num_directions + cur.direction
    lines = [Line("back:dh0", "", "the initial state's gradient (it would move h_0 if h_0 were learned)",
                  f"∂L/∂{b.h('0')}", "", (b.vec("", grads["h0"][row]),))]  # fmt: skip
    if "c0" in grads:
        lines.append(Line("back:dc0", "", "the initial cell state's gradient", f"∂L/∂{b.c('0')}", "",
                          (b.vec("", grads["c0"][row]),)))  # fmt: skip
    return lines
