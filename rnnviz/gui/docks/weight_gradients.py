"""What the weights dock shows beside each weight: ∂L/∂W and the update an optimiser would make.

Pure functions (NumPy and the engine only): the update is the engine optimiser's own
``step`` on a deep copy, so momentum buffers and Adam's moments are used but never
advanced — the optimiser the caller holds is left exactly as it was.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

import numpy as np

from rnnviz.engine.optim import SGD, Adam, Optimizer
from rnnviz.session.notation import course_name


def gradients_fit(grads: Mapping[str, np.ndarray] | None, shapes: Mapping[str, tuple[int, ...]]) -> bool:
    """Whether ``grads`` has a gradient of the right shape for every parameter in ``shapes``."""
    if grads is None:
        return False
    return all(key in grads and np.shape(grads[key]) == tuple(shape) for key, shape in shapes.items())


def update_preview(
    params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], optimizer: Optimizer
) -> dict[str, np.ndarray]:
    """ΔW = W_new − W for every parameter: what ``optimizer.step`` would do next.

    ``optimizer`` may hold state (momentum, Adam's m, v and t); a deep copy takes the step.
    """
    trial = copy.deepcopy(optimizer)
    with np.errstate(all="ignore"):  # huge gradients: the preview shows inf / nan, not a warning
        new = trial.step(params, grads)
        return {
            key: np.asarray(new[key], dtype=float) - np.asarray(p, dtype=float) for key, p in params.items()
        }


def optimizer_text(optimizer: Optimizer, key: str) -> str:
    """'SGD, η = 0.1', 'SGD with momentum μ = 0.9, η = 0.1', 'Adam, η = 0.01, step t = 3'."""
    decay = f", weight decay λ = {optimizer.weight_decay:g}" if optimizer.weight_decay else ""
    if isinstance(optimizer, SGD):
        if not optimizer.momentum:
            return f"SGD, η = {optimizer.lr:g}{decay}"
        kind = "Nesterov momentum" if optimizer.nesterov else "momentum"
        return f"SGD with {kind} μ = {optimizer.momentum:g}, η = {optimizer.lr:g}{decay}"
    if isinstance(optimizer, Adam):
        t = optimizer.steps.get(key, 0) + 1
        return f"Adam, η = {optimizer.lr:g}, step t = {t}{decay}"
    return type(optimizer).__name__  # pragma: no cover (only SGD and Adam exist)


def grad_title(key: str, mode: str) -> str:
    """'∂L/∂W_hh — weight_hh_l0.grad': PyTorch keeps a parameter's gradient in ``.grad``."""
    return f"∂L/∂{course_name(key, mode)} — {key}.grad"


def update_title(key: str, mode: str, optimizer: Optimizer) -> str:
    """'ΔW_hh = −η·∂L/∂W_hh' for plain SGD, else 'ΔW_hh — the next update'."""
    name = course_name(key, mode)
    plain = isinstance(optimizer, SGD) and not optimizer.momentum and not optimizer.weight_decay
    return f"Δ{name} = −η·∂L/∂{name}" if plain else f"Δ{name} — the next update"


def symmetric_scale(a: np.ndarray) -> float:
    """The largest finite |value| (1 when there is none): the colour scale runs −m … m."""
    finite = np.abs(a[np.isfinite(a)])
    m = float(finite.max()) if finite.size else 0.0
    return m if m > 0 else 1.0
