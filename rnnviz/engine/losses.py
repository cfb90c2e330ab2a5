"""Losses over a sequence, with their gradients.

A loss compares the network's prediction at each time step with a target.  A
*step mask* m [T] says which steps count: every step (``"many_to_many"``) or the
last one only (``"many_to_one"``).  With N = Σ_t m_t counted steps and O outputs::

    MSE            ℓ_t = (1/O) Σ_k (y_tk − y*_tk)²              ∂L/∂y_tk = 2 (y_tk − y*_tk) / (N·O)
    cross-entropy  ℓ_t = −Σ_k y*_tk log softmax(z_t)_k          ∂L/∂z_tk = (softmax(z_t)_k Σ_j y*_tj − y*_tk) / N
    BCE (logits)   ℓ_t = (1/O) Σ_k [max(z,0) − z y* + log(1 + e^−|z|)]_tk
                                                                ∂L/∂z_tk = (σ(z_tk) − y*_tk) / (N·O)

    L = (1/N) Σ_t m_t ℓ_t

so each matches ``torch.nn.MSELoss`` / ``CrossEntropyLoss`` / ``BCEWithLogitsLoss``
(``reduction="mean"``) applied to the counted steps.  Cross-entropy targets are
class indices [T] or probability rows [T, O] (one-hot or soft).  MSE works on
the prediction itself (the head's output; for a linear head that is the
logits); cross-entropy and BCE work on logits, so they stay finite when the
logits are huge.

For ``"many_to_one"`` a target may also be given for the last step alone (one
row); rows of a full-length target that do not count are never read (they may
be NaN).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import log_softmax, sigmoid, softmax

LOSSES = ("mse", "cross_entropy", "bce")
#: What each loss is called, for menus, axis titles and messages (one definition).
LOSS_TITLES = {
    "mse": "Mean squared error",
    "cross_entropy": "Cross-entropy (softmax)",
    "bce": "Binary cross-entropy",
}
#: What each loss computes, in words a learner can check against the numbers
#: (the "mean over steps" is over the steps the shape counts).
LOSS_FORMULAS = {
    "mse": "MSE = mean over steps of ‖y_t − target_t‖² / O",
    "cross_entropy": "CE = mean over steps of −Σ_k target_tk · log softmax(z_t)_k",
    "bce": "BCE = mean over steps and outputs of −[target·log σ(z) + (1 − target)·log(1 − σ(z))]",
}
SHAPES = ("many_to_many", "many_to_one")  # where a loss counts (step_mask)
#: Every sequence shape a session offers: the loss shapes and one-to-many (an input at
#: step 1 only, a target at every step: its loss counts every step, as many-to-many).
SEQUENCE_SHAPES = SHAPES + ("one_to_many",)


@dataclass(frozen=True, eq=False)
class LossResult:
    """A loss, its value per step, and its gradient with respect to the prediction."""

    name: str
    loss: float  # L: the mean over counted steps
    per_step: np.ndarray  # [T] ℓ_t, NaN where the step does not count
    grad: np.ndarray  # [T, O] ∂L/∂prediction (logits for cross-entropy / BCE), 0 where not counted
    mask: np.ndarray  # [T] bool: which steps count

    def __post_init__(self) -> None:
        for a in (self.per_step, self.grad, self.mask):
            a.setflags(write=False)

    @property
    def counted_steps(self) -> int:
        return int(self.mask.sum())


def step_mask(steps: int, shape: str = "many_to_many") -> np.ndarray:
    """[T] bool: every step for ``"many_to_many"``, the last for ``"many_to_one"``."""
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {', '.join(SHAPES)}; got {shape!r}")
    if steps < 1:
        raise ValueError(f"a sequence needs at least one step; got {steps}")
    mask = np.zeros(steps, dtype=bool)
    if shape == "many_to_many":
        mask[:] = True
    else:
        mask[-1] = True
    return mask


def _mask(mask, steps: int) -> np.ndarray:
    if mask is None or isinstance(mask, str):
        return step_mask(steps, mask or "many_to_many")
    m = np.array(mask, copy=True)  # the result keeps it read-only; the caller's stays writable
    if m.shape != (steps,) or m.dtype != bool:
        raise ValueError(
            f"mask must be a bool array of shape ({steps},) or a shape name; got {m.dtype} {m.shape}"
        )
    if not m.any():
        raise ValueError("mask counts no step: at least one step needs a target")
    return m


def _prediction(pred, name: str) -> np.ndarray:
    p = np.asarray(pred, dtype=np.result_type(np.asarray(pred).dtype, np.float32))
    if p.ndim != 2 or p.shape[0] < 1 or p.shape[1] < 1:
        raise ValueError(f"{name} must have shape (T, outputs); got {p.shape}")
    return p


def _expand(target: np.ndarray, mask: np.ndarray, rows_shape: tuple[int, ...], fill) -> np.ndarray:
    """A one-row target for a one-step mask becomes a full-length target."""
    T = mask.shape[0]
    if target.shape[:1] == (1,) and T > 1 and mask.sum() == 1:
        full = np.full((T,) + rows_shape, fill, dtype=target.dtype)
        full[mask] = target[0]
        return full
    return target


def _dense_target(target, pred: np.ndarray, mask: np.ndarray, name: str) -> np.ndarray:
    T, O = pred.shape
    t = np.asarray(target, dtype=pred.dtype)
    if t.ndim == 1:
        t = t[:, None] if O == 1 else t[None, :]  # [T] for one output; [O] one row (many-to-one)
    t = _expand(t, mask, (O,), np.nan)
    if t.shape != (T, O):
        raise ValueError(f"{name} target: expected shape ({T}, {O}) to match the prediction; got {t.shape}")
    bad = ~np.isfinite(t[mask])
    if bad.any():
        step = int(np.flatnonzero(mask)[np.argwhere(bad)[0][0]])
        raise ValueError(f"{name} target is NaN or infinite at step t={step + 1}, which the loss counts")
    return t


def _result(name, per_elem_step: np.ndarray, grad: np.ndarray, mask: np.ndarray) -> LossResult:
    per_step = np.where(mask, per_elem_step, np.nan)  # [T]
    grad = np.where(mask[:, None], grad, 0.0).astype(grad.dtype, copy=False)  # [T, O]
    loss = float(np.mean(per_elem_step[mask]))
    return LossResult(name, loss, per_step, grad, mask)


def mse_loss(prediction, target, mask=None) -> LossResult:
    """Mean squared error of ``prediction`` [T, O] against ``target`` [T, O]."""
    y = _prediction(prediction, "prediction")
    m = _mask(mask, y.shape[0])
    t = _dense_target(target, y, m, "MSE")
    T, O = y.shape
    N = int(m.sum())
    diff = np.where(m[:, None], y - t, 0.0)  # [T, O]; NaN targets of uncounted steps dropped
    per_step = np.mean(diff * diff, axis=1)  # [T]
    grad = diff * (2.0 / (N * O))  # [T, O]
    return _result("mse", per_step, grad, m)


def _class_target(target, z: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Class indices (a number or [T]) or probability rows ([T, O] or [1, O]) → rows [T, O]."""
    T, O = z.shape
    t = np.asarray(target)
    if t.ndim >= 2:
        p = _dense_target(t, z, mask, "cross-entropy")
        if np.any(p[mask] < 0):
            raise ValueError("cross-entropy target probabilities must not be negative")
        return p
    idx = _expand(np.atleast_1d(t), mask, (), -1)
    if idx.shape != (T,):
        raise ValueError(
            f"cross-entropy target: expected {T} class indices or a ({T}, {O}) array; got {t.shape}"
        )
    sel = idx[mask]
    if idx.dtype.kind not in "iu" and not (
        idx.dtype.kind == "f" and np.all(np.isfinite(sel)) and np.all(sel == np.round(sel))
    ):
        raise ValueError("cross-entropy class indices must be whole numbers")
    idx = np.where(mask, idx, 0).astype(np.int64)
    bad = mask & ((idx < 0) | (idx >= O))
    if bad.any():
        step = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"cross-entropy target at step t={step + 1} is class {idx[step]}; classes are 0..{O - 1}"
        )
    return np.eye(O, dtype=z.dtype)[idx]  # [T, O] one-hot


def cross_entropy_loss(logits, target, mask=None) -> LossResult:
    """Softmax cross-entropy of ``logits`` [T, O] against class indices or probabilities."""
    z = _prediction(logits, "logits")
    m = _mask(mask, z.shape[0])
    p = np.where(m[:, None], _class_target(target, z, m), 0.0)  # [T, O]
    N = int(m.sum())
    logq = log_softmax(z, axis=1)  # [T, O], finite for finite z
    per_step = -np.sum(p * logq, axis=1)  # [T]
    grad = (softmax(z, axis=1) * p.sum(axis=1, keepdims=True) - p) / N  # [T, O]
    return _result("cross_entropy", per_step, grad, m)


def bce_loss(logits, target, mask=None) -> LossResult:
    """Binary cross-entropy on ``logits`` [T, O] against targets in [0, 1]."""
    z = _prediction(logits, "logits")
    m = _mask(mask, z.shape[0])
    t = _dense_target(target, z, m, "BCE")
    if np.any((t[m] < 0) | (t[m] > 1)):
        raise ValueError("BCE targets must lie in [0, 1]")
    t = np.where(m[:, None], t, 0.0)  # [T, O]
    T, O = z.shape
    N = int(m.sum())
    # log(1 + e^z) − z·t written so that no exponential overflows
    elem = np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))  # [T, O]
    per_step = np.mean(elem, axis=1)  # [T]
    grad = (sigmoid(z) - t) / (N * O)  # [T, O]
    return _result("bce", per_step, grad, m)


_FUNCTIONS = {"mse": mse_loss, "cross_entropy": cross_entropy_loss, "bce": bce_loss}


def compute_loss(name: str, prediction, target, mask=None) -> LossResult:
    """Dispatch by name: ``"mse"``, ``"cross_entropy"`` or ``"bce"``."""
    if name not in _FUNCTIONS:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {name!r}")
    return _FUNCTIONS[name](prediction, target, mask)
