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

State, as ``torch.optim.Optimizer.state_dict()`` but keyed by parameter name::

    {"name": "adam", "hyperparameters": {"lr": 0.01, "betas": [0.9, 0.999], …},
     "state": {"weight_ih_l0": {"step": 3, "exp_avg": m, "exp_avg_sq": v}, …}}
    {"name": "sgd",  "hyperparameters": {"lr": 0.1, "momentum": 0.9, …},
     "state": {"weight_ih_l0": {"momentum_buffer": b}, …}}

``load_state_dict`` checks every field before it changes anything (a session
file is never trusted) and raises ValueError naming the bad one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

NOT_PARAMETERS = ("x", "h0", "c0")
OPTIMIZERS = ("sgd", "adam")
MAX_OPTIMIZER_STEPS = 10**12


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
        return type(self)(**self._hyper())

    # -- state ------------------------------------------------------------------
    _BUFFERS: tuple[str, ...] = ()

    def _hyper(self) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    def hyperparameters(self) -> dict[str, Any]:
        """The settings as plain JSON values (``betas`` a list)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self._hyper().items()}

    def _param_state(self, key: str) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    def _keys(self) -> list[str]:  # pragma: no cover
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """Name, hyperparameters and per-parameter state; arrays are copies."""
        return {
            "name": self.name,
            "hyperparameters": self.hyperparameters(),
            "state": {key: self._param_state(key) for key in self._keys()},
        }

    def load_state_dict(
        self, state: Mapping[str, Any], params: Mapping[str, np.ndarray] | None = None
    ) -> None:
        """Replace hyperparameters and state by ``state`` (as torch's ``load_state_dict``).

        With ``params`` (the network's parameters) every buffer must belong to
        one of them and have its shape; buffers are cast to its dtype.  Nothing
        changes unless all of ``state`` is valid.
        """
        hyper, per_param = _check_state_dict(state, self.name, params)
        fresh = _build(self.name, hyper)
        for k in fresh._hyper():
            setattr(self, k, getattr(fresh, k))
        self.reset()
        self._load(per_param)

    def _load(self, per_param: dict[str, dict[str, Any]]) -> None:  # pragma: no cover
        raise NotImplementedError

    def _checkpoint(self) -> tuple:
        """A cheap snapshot (hyperparameters, buffer dicts): an update replaces
        a buffer array, it never writes into one, so shallow copies suffice."""
        return (self._hyper(), *(dict(getattr(self, name)) for name in self._BUFFERS))

    def _rollback(self, checkpoint: tuple) -> None:
        for name, saved in zip(self._BUFFERS, checkpoint[1:], strict=True):
            setattr(self, name, dict(saved))

    @classmethod
    def _state_dict_of(cls, checkpoint: tuple) -> dict[str, Any]:
        """:meth:`state_dict` as it was when ``checkpoint`` was taken."""
        opt = cls(**checkpoint[0])
        opt._rollback(checkpoint)
        return opt.state_dict()


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

    _BUFFERS = ("momentum_buffer",)

    def _hyper(self) -> dict[str, Any]:
        return dict(
            lr=self.lr,
            momentum=self.momentum,
            dampening=self.dampening,
            weight_decay=self.weight_decay,
            nesterov=self.nesterov,
        )

    def _keys(self) -> list[str]:
        return list(self.momentum_buffer)

    def _param_state(self, key: str) -> dict[str, Any]:
        return {"momentum_buffer": self.momentum_buffer[key].copy()}

    def _load(self, per_param: dict[str, dict[str, Any]]) -> None:
        self.momentum_buffer = {k: s["momentum_buffer"] for k, s in per_param.items()}


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

    _BUFFERS = ("exp_avg", "exp_avg_sq", "steps")

    def _hyper(self) -> dict[str, Any]:
        return dict(lr=self.lr, betas=self.betas, eps=self.eps, weight_decay=self.weight_decay)

    def _keys(self) -> list[str]:
        return list(self.steps)

    def _param_state(self, key: str) -> dict[str, Any]:
        return {
            "step": self.steps[key],
            "exp_avg": self.exp_avg[key].copy(),
            "exp_avg_sq": self.exp_avg_sq[key].copy(),
        }

    def _load(self, per_param: dict[str, dict[str, Any]]) -> None:
        self.steps = {k: s["step"] for k, s in per_param.items()}
        self.exp_avg = {k: s["exp_avg"] for k, s in per_param.items()}
        self.exp_avg_sq = {k: s["exp_avg_sq"] for k, s in per_param.items()}


_STATE_FIELDS = {"sgd": ("momentum_buffer",), "adam": ("step", "exp_avg", "exp_avg_sq")}
_HYPER_FIELDS = {
    "sgd": ("lr", "momentum", "dampening", "weight_decay", "nesterov"),
    "adam": ("lr", "betas", "eps", "weight_decay"),
}


def _build(name: str, hyper: Mapping[str, Any]) -> Optimizer:
    kw = dict(hyper)
    if "betas" in kw:
        kw["betas"] = tuple(kw["betas"])
    return SGD(**kw) if name == "sgd" else Adam(**kw)


def _check_hyper(name: str, hyper: Any) -> dict[str, Any]:
    if not isinstance(hyper, Mapping):
        raise ValueError("optimizer hyperparameters must be a mapping of names to numbers")
    expected = _HYPER_FIELDS[name]
    if set(hyper) != set(expected):
        missing = sorted(set(expected) - set(hyper))
        extra = sorted(map(str, set(hyper) - set(expected)))
        raise ValueError(f"optimizer hyperparameters for {name}: missing {missing}, unknown {extra}")
    if name == "sgd" and not isinstance(hyper["nesterov"], bool):
        raise ValueError(
            f"optimizer hyperparameter nesterov must be true or false; got {hyper['nesterov']!r}"
        )
    if name == "adam":
        betas = hyper["betas"]
        if not isinstance(betas, list | tuple) or len(betas) != 2:
            raise ValueError(f"optimizer hyperparameter betas must be two numbers; got {betas!r}")
    try:
        _build(name, hyper)
    except (ValueError, TypeError) as e:
        raise ValueError(f"optimizer hyperparameter {e}") from None
    return dict(hyper)


def _check_buffer(where: str, a: Any, params: Mapping[str, np.ndarray] | None, key: str) -> np.ndarray:
    if not isinstance(a, np.ndarray) or a.dtype.kind != "f":
        raise ValueError(f"{where} must be an array of floats; got {type(a).__name__}")
    if params is not None:
        p = np.asarray(params[key])
        if a.shape != p.shape:
            raise ValueError(f"{where} has shape {a.shape}; the parameter has {p.shape}")
        a = a.astype(p.dtype)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{where} contains NaN or infinity")
    return a.copy()


def _check_param_state(name: str, key: str, entry: Any, params) -> dict[str, Any]:
    where = f"optimizer state of {key}"
    fields = _STATE_FIELDS[name]
    if not isinstance(entry, Mapping) or set(entry) != set(fields):
        got = sorted(map(str, entry)) if isinstance(entry, Mapping) else type(entry).__name__
        raise ValueError(f"{where} must have the fields {list(fields)}; got {got}")
    out: dict[str, Any] = {}
    for f in fields:
        v = entry[f]
        if f == "step":
            if (
                isinstance(v, bool)
                or not isinstance(v, int | np.integer)
                or not 1 <= v <= MAX_OPTIMIZER_STEPS
            ):
                raise ValueError(f"{where}: step must be a whole number ≥ 1; got {v!r}")
            out[f] = int(v)
        else:
            out[f] = _check_buffer(f"{where}: {f}", v, params, key)
    if name == "adam" and np.any(out["exp_avg_sq"] < 0):
        raise ValueError(f"{where}: exp_avg_sq must not be negative")
    return out


def _check_state_dict(state: Any, name: str | None, params) -> tuple[dict[str, Any], dict[str, dict]]:
    """Validated (hyperparameters, per-parameter state) of an optimizer state dict."""
    if not isinstance(state, Mapping) or set(state) != {"name", "hyperparameters", "state"}:
        got = sorted(map(str, state)) if isinstance(state, Mapping) else type(state).__name__
        raise ValueError(f"optimizer state must have the fields name, hyperparameters, state; got {got}")
    found = state["name"]
    if found not in OPTIMIZERS:
        raise ValueError(f"optimizer name must be one of {', '.join(OPTIMIZERS)}; got {found!r}")
    if name is not None and found != name:
        raise ValueError(f"optimizer state is for {found}; this optimizer is {name}")
    hyper = _check_hyper(found, state["hyperparameters"])
    per_param = state["state"]
    if not isinstance(per_param, Mapping):
        raise ValueError("optimizer state must map parameter names to their buffers")
    if params is not None:
        unknown = sorted(map(str, set(per_param) - set(params)))
        if unknown:
            raise ValueError(f"optimizer state names parameters the network does not have: {unknown}")
    checked = {}
    for key, entry in per_param.items():
        if not isinstance(key, str):
            raise ValueError(f"optimizer state keys must be parameter names; got {key!r}")
        checked[key] = _check_param_state(found, key, entry, params)
    return hyper, checked


def optimizer_from_state_dict(
    state: Mapping[str, Any], params: Mapping[str, np.ndarray] | None = None
) -> Optimizer:
    """A new SGD or Adam with the hyperparameters and state of ``state`` (checked)."""
    hyper, _ = _check_state_dict(state, None, params)
    opt = _build(state["name"], hyper)
    opt.load_state_dict(state, params)
    return opt


def make_optimizer(name: str, lr: float, **kw) -> Optimizer:
    """``make_optimizer("adam", 0.01)`` or ``make_optimizer("sgd", 0.1, momentum=0.9)``."""
    if name == "sgd":
        return SGD(lr=lr, **kw)
    if name == "adam":
        return Adam(lr=lr, **kw)
    raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {name!r}")
