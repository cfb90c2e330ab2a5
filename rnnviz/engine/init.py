"""Weight initialisers: a seeded ``state_dict`` for any :class:`NetworkSpec`.

Schemes (H hidden units, G gates, ``fan_in`` the columns of a matrix)::

    "pytorch"     every RNN weight and bias ~ U(−1/√H, +1/√H)          (torch.nn.RNN/LSTM/GRU)
                  head.weight, head.bias ~ U(−1/√fan_in, +1/√fan_in)  (torch.nn.Linear)
    "xavier"      each gate block W [H, fan_in] ~ U(−a, a),  a = √(6 / (fan_in + H))
                  (Glorot uniform); all biases 0; the head likewise
    "orthogonal"  each gate block of W_hh [H, H] orthogonal (QᵀQ = I); W_ih and the head
                  Xavier; all biases 0
    "zeros"       every parameter 0
    "constant"    every parameter (weights and biases) = ``constant``

``forget_bias_one`` (LSTM only) then sets the forget gate's bias: the f block
(rows H..2H) of ``bias_ih`` to 1 and of ``bias_hh`` to 0, so b_f = 1 in total.

One ``np.random.default_rng(seed)`` draws the arrays in the order of
``spec.param_shapes()``: the same seed and spec give the same weights.
"""

from __future__ import annotations

import math

import numpy as np

from .spec import NetworkSpec, gate_count

SCHEMES = ("pytorch", "xavier", "orthogonal", "zeros", "constant")

#: What each scheme is called in the GUI.
SCHEME_TITLES: dict[str, str] = {
    "pytorch": "PyTorch default U(±1/√H)",
    "xavier": "Xavier / Glorot uniform",
    "orthogonal": "Orthogonal recurrent weights",
    "zeros": "Zeros",
    "constant": "Constant",
}


def _kind(key: str) -> str:
    """``"weight_ih"``, ``"weight_hh"``, ``"bias"`` or ``"head.weight"`` / ``"head.bias"``."""
    if key.startswith("head."):
        return key
    if key.startswith("bias"):
        return "bias"
    return key.split("_l")[0]


def xavier_uniform(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Glorot uniform: U(−a, a) with a = √(6 / (fan_in + fan_out)); shape [fan_out, fan_in]."""
    fan_out, fan_in = shape
    a = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=shape)


def orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random orthogonal [n, n] matrix, as ``torch.nn.init.orthogonal_``.

    Q from the QR decomposition of a standard normal matrix, with the signs of
    R's diagonal folded in so Q is uniformly distributed (Haar measure).
    """
    A = rng.standard_normal((n, n))  # [n, n]
    Q, R = np.linalg.qr(A)
    d = np.sign(np.diag(R))
    d[d == 0] = 1.0
    return Q * d  # [n, n], Qᵀ Q = I


def _gate_blocks(rng: np.random.Generator, shape: tuple[int, int], G: int, draw) -> np.ndarray:
    """Stack G independently drawn [H, fan_in] blocks into a [G·H, fan_in] matrix."""
    rows, cols = shape
    H = rows // G
    return np.concatenate([draw(rng, (H, cols)) for _ in range(G)], axis=0)


def _check(spec: NetworkSpec, scheme: str, seed: int, constant: float, forget_bias_one: bool) -> None:
    if not isinstance(spec, NetworkSpec):
        raise ValueError(f"spec must be a NetworkSpec; got {type(spec).__name__}")
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}; got {scheme!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    if not math.isfinite(float(constant)):
        raise ValueError(f"constant must be a finite number; got {constant!r}")
    if forget_bias_one and spec.mode != "lstm":
        raise ValueError(f"forget_bias_one applies to an LSTM only; this network is {spec.mode!r}")


def init_state_dict(
    spec: NetworkSpec,
    scheme: str = "pytorch",
    seed: int = 0,
    constant: float = 0.1,
    forget_bias_one: bool = False,
) -> dict[str, np.ndarray]:
    """Fresh float64 weights for ``spec`` under PyTorch's names (see the module docstring)."""
    _check(spec, scheme, seed, constant, forget_bias_one)
    rng = np.random.default_rng(int(seed))
    G, H = gate_count(spec.mode), spec.hidden_size
    state: dict[str, np.ndarray] = {}
    for key, shape in spec.param_shapes().items():
        state[key] = _draw(rng, scheme, _kind(key), shape, G, H, float(constant), spec)
    if forget_bias_one:
        for key in state:
            if key.startswith("bias_ih"):
                state[key][H : 2 * H] = 1.0  # f block: rows H..2H (gate order i, f, g, o)
            elif key.startswith("bias_hh"):
                state[key][H : 2 * H] = 0.0
    return state


def _draw(rng, scheme: str, kind: str, shape: tuple[int, ...], G: int, H: int, constant: float, spec):
    if scheme == "zeros":
        return np.zeros(shape)
    if scheme == "constant":
        return np.full(shape, constant)
    if scheme == "pytorch":
        if kind.startswith("head."):
            bound = 1.0 / math.sqrt(spec.num_directions * H)  # fan_in of the head = D·H
        else:
            bound = 1.0 / math.sqrt(H)
        return rng.uniform(-bound, bound, size=shape)
    # xavier / orthogonal: biases zero
    if kind in ("bias", "head.bias"):
        return np.zeros(shape)
    if kind == "head.weight":
        return xavier_uniform(rng, shape)
    if kind == "weight_hh" and scheme == "orthogonal":
        return _gate_blocks(rng, shape, G, lambda r, s: orthogonal(r, s[0]))
    return _gate_blocks(rng, shape, G, xavier_uniform)
