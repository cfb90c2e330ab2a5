"""Step math, the backward page's last section: each weight's share at step t and its total.

Step t's share of a weight's gradient is the outer product δ_t · srcᵀ (δ_t the
pre-activation's gradient, src the vector the weight multiplies: x_t or h_{t−1});
the total over all steps is the engine's (``grads[key]``), shown beside it.
"""

from __future__ import annotations

import numpy as np

from ..notation import GATE_TITLES, bias, tex, weight
from .model import Line, _block, window


class WeightLines:
    """Mixed into the backward builder: needs its symbols (h, vec, a, dL …) and numbers."""

    def weights(self) -> list[Line]:
        head = Line("back:section:w", "", f"4 · Into the weights: step {self.t_sym}'s share, and the sum over all steps",
                    "", "", ())  # fmt: skip
        lines = [head]
        G = len(self.gates)
        for k, g in enumerate(self.gates):
            lines += self.gate_weights(g, k, G)
        if self.top and self.tr.network.has_head:
            lines += self.head_weights()
        return lines

    def _outer(self, key: str, name: str, delta, src, rows_k, cols, src_sym, delta_sym, gate, title):
        """One weight's share at step t (δ·srcᵀ) and its total over all steps."""
        t = self.t_sym
        full = self.g[key]  # [G·H, C] the engine's total
        contrib = np.outer(delta, src)  # [H, C]
        rows = self.units
        cap = f"{key}.grad{rows_k}, {contrib.shape[0]}×{contrib.shape[1]}"
        k0 = int(rows_k[1:].split(":")[0]) if rows_k else 0
        total_rows = tuple(None if r is None else k0 + r for r in rows)
        total = _block(f"Σ_{{t}} ∂L/∂{name}", cap, full, total_rows, cols, self.dec, gate, weight=True)
        srcT = _block(f"{src_sym}ᵀ", "", np.asarray(src)[None, :], (0,), cols, self.dec)
        parts = (self.vec(delta_sym, delta, gate), "·", srcT, "=",
                 _block("", "", contrib, rows, cols, self.dec, gate, weight=True))  # fmt: skip
        sfx = f":{gate}" if gate else ""
        return Line(f"back:dW_{key.split('_')[1][:2]}{sfx}", gate, title, f"∂L/∂{name} (step {t})", f"{delta_sym}·{src_sym}ᵀ",
                    parts, ("all steps:", total))  # fmt: skip

    def gate_weights(self, g: str, k: int, G: int) -> list[Line]:
        t, d, H = self.t_sym, self.d, self.H
        gate = "" if g == "a" else g
        delta = self.dpre[g][self.i]  # [H]
        dsym = self.dL(self.a(g, t))
        part = f"[{k * H}:{(k + 1) * H}]" if G > 1 else ""
        x_cols = window(d.x.shape[0], int(np.argmax(np.abs(d.x))))
        wx, wh = tex(weight(gate, "x")), tex(weight(gate, "h"))
        label = f"{GATE_TITLES[g]} {g}: " if gate else ""
        lines = []
        if gate == "n":  # GRU: W_nh·h_{t−1} + b_nh is scaled by r_t
            r = d.block(d.gates, "r")
            dsym_h, delta_h = f"(r_{{{t}}} ⊙ {dsym})", r * delta  # [H]
        else:
            dsym_h, delta_h = dsym, delta
        lines.append(self._outer(f"weight_hh{self.sfx}", wh, delta_h, d.h_prev, part, self.units,
                                 self.h(self.prev_sym), dsym_h, gate, f"{label}recurrent weights"))  # fmt: skip
        lines.append(self._outer(f"weight_ih{self.sfx}", wx, delta, d.x, part, x_cols, self.x_name, dsym, gate,
                                 f"{label}input weights{self.x_from}"))  # fmt: skip
        sl = slice(k * H, (k + 1) * H)
        if G == 1:
            names, title = "b_{h}", f"bias: b_{{h}} = b_{{hx}} + b_{{hh}}, and each gets ∂L/∂a_{{{t}}}"
        elif gate == "n":
            names, title = "b_{nx}", f"{label}input bias (b_{{nh}} gets r_{{{t}}} ⊙ ∂L/∂a^{{n}}_{{{t}}})"
        else:
            bx, bh = tex(bias(g, "x")), tex(bias(g, "h"))
            names, title = bx, f"{label}bias ({bx} and {bh} each get it)"
        total = self.vec(f"Σ_{{t}} ∂L/∂{names}", self.g[f"bias_ih{self.sfx}"][sl], gate,
                         f"bias_ih{self.sfx}.grad{part}, {H}")  # fmt: skip
        lines.append(Line("back:db" + (f":{gate}" if gate else ""), gate, title, f"∂L/∂{names} (step {t})", dsym,
                          (self.vec("", delta, gate),), ("all steps:", total)))  # fmt: skip
        return lines

    def head_weights(self) -> list[Line]:
        t, net = self.t_sym, self.tr.network
        dz = self.ll.output_grad(self.g)  # [O]
        h = self.tr.output[self.i]  # [D·H] what the head reads
        O, C = net.param("head.weight").shape
        rows = window(O, int(np.argmax(np.abs(dz))))
        cols = window(C, self.dir * self.H + (self.units[0] or 0))
        z = "z" if net.head_activation or self.loss.name != "mse" else "y"
        top = f"^{{({net.num_layers})}}" if net.num_layers > 1 else ""
        hname = f"h{top}_{{{t}}}" if net.num_directions == 1 else f"[h{top}→; h{top}←]_{{{t}}}"
        contrib = np.outer(dz, h)  # [O, D·H]
        parts = (_block(f"∂L/∂{z}_{{{t}}}", "", dz, rows, (0,), self.dec), "·",
                 _block(f"{hname}ᵀ", "", h[None, :], (0,), cols, self.dec), "=",
                 _block("", "", contrib, rows, cols, self.dec, weight=True))  # fmt: skip
        total = _block("Σ_{t} ∂L/∂W_{hy}", f"head.weight.grad, {O}×{C}", self.g["head.weight"], rows, cols,
                       self.dec, weight=True)  # fmt: skip
        btotal = _block("Σ_{t} ∂L/∂b_{y}", f"head.bias.grad, {O}", self.g["head.bias"], rows, (0,), self.dec)
        return [
            Line("back:dW_hy", "", "output weights", f"∂L/∂W_{{hy}} (step {t})", f"∂L/∂{z}_{{{t}}}·{hname}ᵀ",
                 parts, ("all steps:", total)),
            Line("back:db_y", "", "output bias", f"∂L/∂b_{{y}} (step {t})", f"∂L/∂{z}_{{{t}}}",
                 (_block("", "", dz, rows, (0,), self.dec),), ("all steps:", btotal)),
        ]  # fmt: skip
