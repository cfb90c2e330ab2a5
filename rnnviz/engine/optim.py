"""Optimisers and gradient clipping, with ``torch.optim``'s exact update rules.

Functional style: an optimiser holds its hyperparameters and its state (plain
arrays keyed by parameter name); ``step(params, grads)`` returns *new*
parameter arrays and never writes into the ones it was given.  Keys of
``grads`` that are not parameters (``"x"``, ``"h0"``, ``"c0"``) are ignored; a
parameter without a gradient is left as it is (as torch skips ``grad=None``).

SGD with momentum μ, dampening τ, weight decay λ, learning rate η (torch.optim.SGD)::

    g ← g + λ θ
    b ← g                    at the first step,  b ← μ b + (1 − τ) g  after
    g ← g + μ b  (Nesterov)  or  g ← b
    θ ← θ − η g

Adam with β₁, β₂, ε, weight decay λ, step count t (torch.optim.Adam)::

    g ← g + λ θ
    m ← β₁ m + (1 − β₁) g          v ← β₂ v + (1 − β₂) g²
    θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)

Clipping by global norm (torch.nn.utils.clip_grad_norm_)::

    ‖g‖ = √(Σ_k ‖g_k‖²)      g_k ← g_k · min(1, max_norm / (‖g‖ + 10⁻⁶))
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

NOT_PARAMETERS = ("x", "h0", "c0")
OPTIMIZERS = ("sgd", "adam")


def _check_number(name: str, value: float, lo: float, hi: float, lo_open: bool = False) -> None:
    ok = isinstance(value, int | float | np.floating | np.integer) and not isinstance(value, bool)
    if ok:
        v = float(value)
        ok = math.isfinite(v) and (v > lo if lo_open else v >= lo) and v < hi
    if not ok:
        left = "(" if lo_open else "["
        raise ValueError(f"{name} must be a number in {left}{lo}, {hi}); got {value!r}")


def global_norm(grads: Mapping[str, np.ndarray]) -> float:
    """‖g‖₂ over every parameter gradient (``x``, ``h0``, ``c0`` are not parameters)."""
    total = 0.0
    for key, g in grads.items():
        if key not in NOT_PARAMETERS:
            total += float(np.vdot(g, g))
    return math.sqrt(total)


def clip_grad_norm(grads: Mapping[str, np.ndarray], max_norm: float) -> tuple[dict[str, np.ndarray], float]:
    """Scale every parameter gradient by min(1, max_norm / (‖g‖ + 1e-6)).

    Returns the clipped gradients (new arrays; ``x``/``h0``/``c0`` dropped) and
    the norm *before* clipping, as ``torch.nn.utils.clip_grad_norm_``.  A NaN
    norm leaves the gradients unscaled (torch would turn them all into NaN):
    check the returned norm.
    """
    _check_number("max_norm", max_norm, 0.0, math.inf, lo_open=True)
    norm = global_norm(grads)
    coef = min(1.0, float(max_norm) / (norm + 1e-6))
    clipped = {k: np.asarray(g) * coef for k, g in grads.items() if k not in NOT_PARAMETERS}
    return clipped, norm


class Optimizer:
    """Base: ``step`` maps each parameter through ``_update`` and counts steps."""

    name = ""

    def step(
        self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """New parameters after one update; ``params`` and ``grads`` are not modified."""
        new: dict[str, np.ndarray] = {}
        for key, p in params.items():
            p = np.asarray(p)
            g = grads.get(key)
            if g is None:
                new[key] = p.copy()
                continue
            g = np.asarray(g, dtype=p.dtype)
            if g.shape != p.shape:
                raise ValueError(f"gradient of {key} has shape {g.shape}; the parameter has {p.shape}")
            new[key] = self._update(key, p, g)
        return new

    def _update(self, key: str, p: np.ndarray, g: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def reset(self) -> None:
        """Forget all state (momentum buffers, moment estimates, step counts)."""
        raise NotImplementedError  # pragma: no cover

    def fresh(self) -> Optimizer:
        """An optimiser with the same hyperparameters and no state."""
        raise NotImplementedError  # pragma: no cover


@dataclass(eq=False)
class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum, as ``torch.optim.SGD``."""

    lr: float = 0.01
    momentum: float = 0.0
    dampening: float = 0.0
    weight_decay: float = 0.0
    nesterov: bool = False
    momentum_buffer: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    name = "sgd"

    def __post_init__(self) -> None:
        _check_number("lr", self.lr, 0.0, math.inf, lo_open=True)
        _check_number("momentum", self.momentum, 0.0, 1.0)
        _check_number("dampening", self.dampening, 0.0, 1.0 + 1e-12)
        _check_number("weight_decay", self.weight_decay, 0.0, math.inf)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("Nesterov momentum requires momentum > 0 and dampening = 0")

    def _update(self, key: str, p: np.ndarray, g: np.ndarray) -> np.ndarray:
        if self.weight_decay:
            g = g + self.weight_decay * p
        if self.momentum:
            buf = self.momentum_buffer.get(key)
            if buf is None:
                buf = g.copy()
            else:
                buf = self.momentum * buf + (1 - self.dampening) * g
            self.momentum_buffer[key] = buf
            g = g + self.momentum * buf if self.nesterov else buf
        return p - self.lr * g

    def reset(self) -> None:
        self.momentum_buffer = {}

    def fresh(self) -> SGD:
        return SGD(self.lr, self.momentum, self.dampening, self.weight_decay, self.nesterov)


@dataclass(eq=False)
class Adam(Optimizer):
    """Adam with bias correction, as ``torch.optim.Adam`` (L2 weight decay, no AMSGrad)."""

    lr: float = 0.001
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    exp_avg: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # m
    exp_avg_sq: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # v
    steps: dict[str, int] = field(default_factory=dict, repr=False)  # t per parameter

    name = "adam"

    def __post_init__(self) -> None:
        _check_number("lr", self.lr, 0.0, math.inf, lo_open=True)
        if len(tuple(self.betas)) != 2:
            raise ValueError(f"betas must be two numbers; got {self.betas!r}")
        self.betas = (float(self.betas[0]), float(self.betas[1]))
        _check_number("betas[0]", self.betas[0], 0.0, 1.0)
        _check_number("betas[1]", self.betas[1], 0.0, 1.0)
        _check_number("eps", self.eps, 0.0, math.inf)
        _check_number("weight_decay", self.weight_decay, 0.0, math.inf)

    def _update(self, key: str, p: np.ndarray, g: np.ndarray) -> np.ndarray:
        b1, b2 = self.betas
        if self.weight_decay:
            g = g + self.weight_decay * p
        m = self.exp_avg.get(key, np.zeros_like(p))
        v = self.exp_avg_sq.get(key, np.zeros_like(p))
        t = self.steps.get(key, 0) + 1
        m = m + (1 - b1) * (g - m)  # = β₁ m + (1 − β₁) g, as torch's lerp
        v = b2 * v + (1 - b2) * g * g
        self.exp_avg[key], self.exp_avg_sq[key], self.steps[key] = m, v, t
        step_size = self.lr / (1 - b1**t)
        denom = np.sqrt(v) / math.sqrt(1 - b2**t) + self.eps
        return p - step_size * (m / denom)

    def reset(self) -> None:
        self.exp_avg, self.exp_avg_sq, self.steps = {}, {}, {}

    def fresh(self) -> Adam:
        return Adam(self.lr, self.betas, self.eps, self.weight_decay)


def make_optimizer(name: str, lr: float, **kw) -> Optimizer:
    """``make_optimizer("adam", 0.01)`` or ``make_optimizer("sgd", 0.1, momentum=0.9)``."""
    if name == "sgd":
        return SGD(lr=lr, **kw)
    if name == "adam":
        return Adam(lr=lr, **kw)
    raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {name!r}")
