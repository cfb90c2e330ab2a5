"""Overflow-safe activations for the output head and the losses.

``sigmoid(x) = 1 / (1 + exp(-x))``.  For very negative ``x`` the exponential
overflows to ``inf`` and the result is exactly 0, which is the right limit; the
overflow warning is silenced only around that one expression.  (The recurrent
loops in :mod:`rnnviz.engine.layers` compute their gates in place, the same way.)
"""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    out = np.empty_like(x, dtype=np.result_type(x.dtype, np.float32))
    np.negative(x, out=out)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += out.dtype.type(1)
    np.reciprocal(out, out=out)
    return out


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``; subtracting the maximum keeps ``exp`` finite."""
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    z = np.asarray(z)
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
