"""Step math, the loss: the target at step t, ℓ_t with its numbers, the mean L, and the
error at the output that starts the backward page.

What the loss compares is the engine's (rnnviz.engine.losses): MSE compares y_t (the
head's output; h_t of the top layer without a head), cross-entropy and BCE the scores
z_t through softmax / σ.  The engine's L is the MEAN of ℓ_t over the N counted steps,
so ∂L/∂y_t is the course's error y_t − target scaled by 2/(N·O) (MSE) or 1/N
(cross-entropy; 1/(N·O) for BCE).  Every value shown is the engine's; only the
displayed helpers (the error, squares, logarithms) are formed from those numbers.
"""

from __future__ import annotations

import numpy as np

from rnnviz.engine import Trace
from rnnviz.engine.activations import sigmoid, softmax
from rnnviz.engine.losses import LossResult
from rnnviz.engine.trace import Gradients
from rnnviz.session.training import LOSS_BY_HEAD  # noqa: F401 - the one policy, re-exported

from .model import Block, Line, _block, fmt, scalar, window

#: Loss by output head, as in the course (and the app): softmax → cross-entropy, sigmoid → BCE.
LOSS_WORDS = {"mse": "mean squared error", "cross_entropy": "cross-entropy", "bce": "binary cross-entropy"}


def gradients_for(session) -> tuple[Trace, LossResult | None, Gradients | None]:
    """Trace, loss and gradients of ``session`` as the app computes them
    (:func:`rnnviz.session.compute.compute`: loss by head).  Loss and gradients are None
    when the sequence has no targets or they do not fit."""
    from rnnviz.session.compute import compute

    c = compute(session)
    return c.trace, c.loss, c.grads


def prediction(trace: Trace, name: str) -> np.ndarray:
    """[T, O] what the loss compares: y (MSE) or the scores z (cross-entropy, BCE)."""
    if not trace.network.has_head:
        return trace.output
    return trace.y if name == "mse" else trace.y_logits


def probabilities(trace: Trace, name: str) -> np.ndarray:
    """[T, O] the outputs y_t the course compares with the target (softmax / σ of the scores)."""
    p = prediction(trace, name)
    if name == "cross_entropy":
        return softmax(p, axis=1)
    return sigmoid(p) if name == "bce" else p


class LossLines:
    """The loss lines of one step (both pages) and the output error (backward page)."""

    def __init__(self, trace: Trace, loss: LossResult, targets, step: int, labels=(), decimals: int = 4):
        self.tr, self.loss, self.step, self.dec = trace, loss, step, decimals
        self.i = step - 1
        self.y = probabilities(trace, loss.name)[self.i]  # [O]
        O = self.y.shape[0]
        self.O = O
        row = None if targets is None else np.asarray(targets, dtype=np.float64)[self.i]
        self.target = row if row is not None and row.shape == (O,) else np.full(O, np.nan)
        self.labels = tuple(labels) if len(labels) == O > 1 else ()
        self.counted = bool(loss.mask[self.i]) and bool(np.all(np.isfinite(self.target)))
        self.N = loss.counted_steps
        has_head = trace.network.has_head
        self.y_sym = f"y_{{{step}}}"
        self.z_sym = f"z_{{{step}}}" if has_head else self.y_sym
        self.no_head = "" if has_head else f" (no output layer: y_{{{step}}} = h_{{{step}}})"
        self.rows = window(O, int(np.nanargmax(self.target)) if self.counted else int(np.argmax(self.y)))

    def vec(self, name, a, caption="") -> Block:
        return _block(name, caption, a, self.rows, (0,), self.dec, labels=self.labels)

    def num(self, v: float) -> str:
        return fmt(v, self.dec)

    # -- both pages ----------------------------------------------------------
    def lines(self, with_target: bool = True) -> list[Line]:
        """Heading, target (``with_target``), ℓ_t and L."""
        t = self.step
        head = Line("loss:section", "", f"Loss at step {t}", "", "", ())
        if not self.counted:
            why = "many-to-one: only the last step has a target" if self.N == 1 else "no target at this step"
            text = f"step {t} has no target ({why}): ℓ_{{{t}}} does not count"
            return [head, Line("loss:target", "", "target", f"y^{{*}}_{{{t}}}", "", (text,)), self.mean()]
        target = [self.target_line()] if with_target else []
        return [head, *target, self.step_loss(with_target), self.mean()]

    def target_line(self) -> Line:
        t, k = self.step, self.one_hot()
        title = "target" + (f": “{self.labels[k]}”" if k is not None and self.labels else "")
        title += " (the course's y)" if self.loss.name == "mse" else ""
        return Line(
            "loss:target", "", title, f"y^{{*}}_{{{t}}}", "", (self.vec(f"y^{{*}}_{{{t}}}", self.target),)
        )

    def one_hot(self) -> int | None:
        tg = self.target
        if self.loss.name == "cross_entropy" and np.all((tg == 0) | (tg == 1)) and tg.sum() == 1:
            return int(np.argmax(tg))
        return None

    def step_loss(self, plain: bool = True) -> Line:
        t, name, y, tg = self.step, self.loss.name, self.y, self.target
        ell = scalar("", self.loss.per_step[self.i], self.dec)
        lhs = f"ℓ_{{{t}}}"
        if name == "cross_entropy":
            k = self.one_hot()
            if k is not None:
                what = self.labels[k] if self.labels else str(k + 1)
                formula = f"−Σ_{{k}} y^{{*}}_{{k}} ln y_{{{t},k}} = −ln y_{{{t}}}[{what}]"
                parts = ("−ln", scalar("", y[k], self.dec), "=", ell)
            else:
                formula = f"−Σ_{{k}} y^{{*}}_{{k}} ln y_{{{t},k}}"
                parts = ("−Σ(", self.vec("", tg), "⊙ ln", self.vec(self.y_sym, y), ")", "=", ell)
        elif name == "mse" and self.O == 1:
            formula = f"({self.y_sym} − y^{{*}}_{{{t}}})²"
            parts = (
                "(",
                scalar(self.y_sym, y[0], self.dec),
                "−",
                scalar("", tg[0], self.dec),
                ")²",
                "=",
                ell,
            )
        elif name == "mse":
            formula = f"(1/{self.O}) Σ_{{k}} (y_{{{t},k}} − y^{{*}}_{{{t},k}})²"
            parts = ("mean((", self.vec(self.y_sym, y), "−", self.vec("", tg), ")²)", "=", ell)
        elif self.O == 1:
            formula = f"−[y^{{*}} ln {self.y_sym} + (1 − y^{{*}}) ln(1 − {self.y_sym})]"
            yv, tv = scalar(self.y_sym, y[0], self.dec), scalar("", tg[0], self.dec)
            parts = ("−[", tv, "· ln", yv, "+ (1 −", tv, ") · ln(1 −", yv, ")]", "=", ell)
        else:
            formula = f"−(1/{self.O}) Σ_{{k}} [y^{{*}}_{{k}} ln y_{{{t},k}} + (1 − y^{{*}}_{{k}}) ln(1 − y_{{{t},k}})]"
            with np.errstate(divide="ignore"):
                terms = -(tg * np.log(y) + (1 - tg) * np.log1p(-y))  # [O]
            parts = ("mean(", self.vec("", terms), ")", "=", ell)
        title = f"loss at step {t} ({LOSS_WORDS[name]})"
        k = self.one_hot()
        if not plain and k is not None and self.labels:
            title += f" — the target is “{self.labels[k]}”"
        elif not plain and name != "cross_entropy":
            title += f" — y^{{*}}_{{{t}}} is the target" + (" (the course's y)" if name == "mse" else "")
        return Line("loss:l", "", title, lhs, formula, parts)

    def mean(self) -> Line:
        per = self.loss.per_step[self.loss.mask]  # [N]
        N = self.N
        total = scalar("", self.loss.loss, self.dec)
        if N == 1:
            return Line("loss:L", "", "loss of the sequence (only the last step counts)", "L",
                        f"ℓ_{{{self.tr.steps}}}", (total,))  # fmt: skip
        shown = (
            [self.num(v) for v in per]
            if N <= 5
            else [*(self.num(v) for v in per[:3]), "…", self.num(per[-1])]
        )
        title = f"loss of the sequence: the mean over the N = {N} counted steps"
        sums = "(" + " + ".join(shown) + f") / {N}"
        return Line("loss:L", "", title, "L", "(1/N) Σ_{t} ℓ_{t}", (sums, "=", total))

    # -- backward page -------------------------------------------------------
    def output_grad(self, grads: Gradients) -> np.ndarray:
        """[O] ∂L/∂z_t (∂L/∂y_t for MSE without a sigmoid/softmax): what flows into the head."""
        if self.tr.network.has_head and grads.d_logits is not None:
            return grads.d_logits[self.i]
        return self.loss.grad[self.i]

    def error_lines(self, grads: Gradients) -> list[Line]:
        t = self.step
        head = Line("back:section:out", "", f"1 · The error at the output{self.no_head}", "", "", ())
        if not self.counted:
            zero = self.vec("", np.zeros(self.O))
            return [
                head,
                Line(
                    "back:dz", "", f"no target at step {t}: no error here", f"∂L/∂{self.z_sym}", "", (zero,)
                ),
            ]
        e = self.y - self.target  # [O] the course's error
        name, N, O = self.loss.name, self.N, self.O
        err_title = {
            "mse": f"error (the course's “Error = y_{{{t}}} − y”)",
            "cross_entropy": f"error: softmax and cross-entropy together give y_{{{t}}} − target",
            "bce": f"error: σ and binary cross-entropy together give y_{{{t}}} − target",
        }[name]
        ys = self.vec(self.y_sym, self.y)
        err = Line("back:error", "", err_title, f"e_{{{t}}}", f"{self.y_sym} − y^{{*}}_{{{t}}}",
                   (ys, "−", self.vec("", self.target), "=", self.vec("", e)))  # fmt: skip
        out = self.loss.grad[self.i]  # [O] ∂L/∂prediction, the engine's
        if name == "mse":
            k, why = f"2/({N}·{O})", f"ℓ_{{{t}}} is the mean of {O} squares and L the mean over N = {N} steps"
            if O == 1:
                k, why = f"2/{N}", f"L is the mean of ℓ_{{t}} over N = {N} steps"
            formula = f"({k}) e_{{{t}}}" + (f" = e_{{{t}}}" if 2 == N * O else "")
            dy = Line("back:dy", "", f"gradient at the output: {why}", f"∂L/∂{self.y_sym}", formula,
                      (f"{k} ·", self.vec("", e), "=", self.vec("", out)))  # fmt: skip
            return [head, err, dy, *self._through_head(grads)]
        k = f"1/{N}" if name == "cross_entropy" else f"1/({N}·{O})"
        lhs = f"∂L/∂{self.z_sym}"
        why = f"L is the mean over N = {N} steps" + ("" if name == "cross_entropy" else f" and {O} outputs")
        dz = Line("back:dz", "", f"gradient at the scores: {why}", lhs, f"({k}) e_{{{t}}}",
                  (f"{k} ·", self.vec("", e), "=", self.vec("", out)))  # fmt: skip
        return [head, err, dz]

    def _through_head(self, grads: Gradients) -> list[Line]:
        """MSE on a sigmoid or softmax head: from ∂L/∂y_t back through the activation to ∂L/∂z_t."""
        act = self.tr.network.head_activation if self.tr.network.has_head else None
        if act not in ("sigmoid", "softmax"):
            return []
        t, y = self.step, self.y
        dy, dz = self.loss.grad[self.i], self.output_grad(grads)
        lhs = f"∂L/∂z_{{{t}}}"
        if act == "sigmoid":
            formula = f"∂L/∂y_{{{t}}} ⊙ y_{{{t}}} ⊙ (1 − y_{{{t}}})"
            parts = (self.vec("", dy), "⊙", self.vec("", y), "⊙", self.vec("", 1 - y), "=", self.vec("", dz))
        else:
            s = float(y @ dy)
            formula = f"y_{{{t}}} ⊙ (∂L/∂y_{{{t}}} − y_{{{t}}}·∂L/∂y_{{{t}}})"
            parts = (self.vec("", y), "⊙ (", self.vec("", dy), f"− {self.num(s)})", "=", self.vec("", dz))
        return [Line("back:dz", "", f"back through the {act}", lhs, formula, parts)]
