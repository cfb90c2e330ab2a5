"""Say why a loss is not finite: which step first, and which number is too large.

Huge but finite numbers (1e200 in a target, 1e200 in the head's weights) give an
infinite loss with no overflow anywhere in the trace: (y − y*)² passes float64's
largest number, about 1.8e308.  :func:`loss_warning` names the first such step and the
number to blame, for the status bar and the step math::

    warning = loss_warning(session, trace, loss)   # None when every counted ℓ_t is finite
"""

from __future__ import annotations

import numpy as np

from rnnviz.engine.losses import LossResult
from rnnviz.engine.trace import Trace

from .model import Session

#: How each loss's ℓ_t is built, for the message.
FORMULAS = {
    "mse": "its squared error (y − y*)²",
    "cross_entropy": "its cross-entropy −Σ y*·log softmax(z)",
    "bce": "its binary cross-entropy",
}
FLOAT_MAX = float(np.finfo(np.float64).max)


def loss_warning(session: Session, trace: Trace, loss: LossResult | None) -> str | None:
    """Why the loss is infinite or not a number (the first counted step, and the target
    or output to blame); None when there is no loss or every counted ℓ_t is finite."""
    if loss is None:
        return None
    bad = np.flatnonzero(loss.mask & ~np.isfinite(loss.per_step))  # counted steps, 0-based
    if bad.size == 0:
        if np.isfinite(loss.loss):
            return None
        return (
            f"The loss L is infinite: every ℓ_t is finite, but their sum passes {FLOAT_MAX:.2g} "
            "(float64's largest number). Some targets or outputs are far too large"
        )
    t = int(bad[0])
    also = _steps(bad[1:] + 1)
    kind = "infinite" if np.isinf(loss.per_step[t]) else "not a number"
    return (
        f"The loss is {kind} at step t = {t + 1}{also}: {_blame(session, trace, loss, t)}. "
        "The loss plot leaves such steps out"
    )


def _steps(steps: np.ndarray) -> str:
    if steps.size == 0:
        return ""
    shown = ", ".join(str(int(s)) for s in steps[:5])
    return f" (also t = {shown}{', …' if steps.size > 5 else ''})"


def _blame(session: Session, trace: Trace, loss: LossResult, t: int) -> str:
    """The number at step ``t`` (0-based) that makes ℓ_t overflow, named."""
    net = session.network
    if not net.has_head:
        prediction, what = trace.output, "h"
    elif loss.name == "mse":
        prediction, what = trace.y, "y"
    else:
        prediction, what = trace.y_logits, "the logit"
    pred = np.asarray(prediction[t], dtype=float)  # [O]
    formula = FORMULAS.get(loss.name, "ℓ_t")
    if not np.isfinite(pred).all():
        return f"the output {what} is itself infinite or not a number (the network overflowed)"
    targets = session.targets
    if targets is None or targets.shape != prediction.shape:
        return f"{formula} passes {FLOAT_MAX:.2g}"
    target = np.asarray(targets[t], dtype=float)  # [O]
    names = session.sequence.target_names
    size_t = np.where(np.isfinite(target), np.abs(target), 0.0)  # [O]
    k_t, k_p = int(np.argmax(size_t)), int(np.argmax(np.abs(pred)))
    if size_t[k_t] >= abs(pred[k_p]):
        name = f" {names[k_t]!r}" if k_t < len(names) else ""
        return f"the target{name} is {target[k_t]:.3g}, so {formula} passes {FLOAT_MAX:.2g}"
    name = f" {names[k_p]!r}" if what != "h" and k_p < len(names) else f" unit {k_p + 1}"
    return (
        f"the output {what}{name} is {pred[k_p]:.3g} (are the head's weights huge?), "
        f"so {formula} passes {FLOAT_MAX:.2g}"
    )
