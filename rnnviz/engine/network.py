"""A stacked, optionally bidirectional RNN / LSTM / GRU with an optional output head.

Weights live under PyTorch's ``state_dict`` names (``weight_ih_l0``,
``bias_hh_l1_reverse``, …, plus ``head.weight`` [out, D·H] and ``head.bias``).
``Network`` is immutable: training and editing make new networks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from .activations import sigmoid, softmax
from .bptt import layer_backward
from .layers import LayerRun, PreparedLayer, prepare_layer, run_layer
from .spec import (
    MAX_LAYERS,
    NetworkSpec,
    check_head_activation,
    check_mode,
    gate_count,
    param_suffix,
)
from .state_names import describe_spec, inferred_mode, normalise_state
from .trace import Gradients, Trace

MAX_STEPS = 10_000_000
_PARAM_KEY = re.compile(r"(?:weight|bias)_(?:ih|hh)_l(\d{1,3})(_reverse)?")


def _shape(state: Mapping[str, np.ndarray], key: str) -> tuple[int, ...]:
    try:
        return tuple(np.shape(state[key]))
    except (ValueError, TypeError) as e:  # e.g. a ragged nested list
        raise ValueError(f"{key} is not an array ({e})") from None


def _check_keys(state: Mapping[str, np.ndarray]) -> None:
    bad = next((k for k in state if not isinstance(k, str)), None)
    if bad is not None:
        raise ValueError(f"state dict keys must be strings; got {bad!r} ({type(bad).__name__})")


def infer_spec(state: Mapping[str, np.ndarray], mode: str, head_activation=None) -> NetworkSpec:
    """Sizes, depth and direction from a ``state_dict``'s keys and shapes."""
    check_mode(mode)
    _check_keys(state)
    for key in ("weight_ih_l0", "weight_hh_l0"):
        if key not in state:
            raise ValueError(f"state dict has no {key!r}: not a torch.nn.RNN/LSTM/GRU state dict")
        if len(_shape(state, key)) != 2:
            raise ValueError(f"{key} must be a matrix; got shape {_shape(state, key)}")
    rows, cols = _shape(state, "weight_hh_l0")
    G = gate_count(mode)
    hidden = rows // G if rows % G == 0 and rows > 0 else cols  # [G·H, H]
    inputs = _shape(state, "weight_ih_l0")[1]
    found = [m for m in map(_PARAM_KEY.fullmatch, state) if m]
    deepest = max(found, key=lambda m: int(m.group(1)))
    layers = 1 + int(deepest.group(1))  # a gap is reported as a missing key
    if layers > MAX_LAYERS:
        raise ValueError(f"{deepest.group(0)} implies {layers} layers; the limit is {MAX_LAYERS}")
    bidir = any(m.group(2) for m in found)
    out = 0
    if "head.bias" in state and "head.weight" not in state and len(_shape(state, "head.bias")) == 1:
        out = _shape(state, "head.bias")[0]  # validate_state will name the missing head.weight
    if "head.weight" in state:
        if len(_shape(state, "head.weight")) != 2 or _shape(state, "head.weight")[0] < 1:
            raise ValueError(
                f"head.weight must be a matrix of shape (outputs ≥ 1, directions·hidden); "
                f"got shape {_shape(state, 'head.weight')}"
            )
        out = _shape(state, "head.weight")[0]
    if hidden < 1 or inputs < 1:
        raise ValueError(
            f"weight_ih_l0 {_shape(state, 'weight_ih_l0')} and weight_hh_l0 "
            f"{_shape(state, 'weight_hh_l0')} give an empty network"
        )
    return NetworkSpec(mode, inputs, hidden, layers, bidir, out, head_activation)


def spec_from_state(
    state: Mapping[str, np.ndarray], mode: str | None = None, head_activation=None, relu: bool = False
) -> NetworkSpec:
    """The architecture an engine-named ``state`` describes; with ``mode``, checked to be it."""
    try:
        described = inferred_mode(state, relu=relu)
    except ValueError:
        if mode is None:
            raise
        return infer_spec(state, mode, head_activation)  # it names what is wrong with the shapes
    if mode is not None:
        check_mode(mode)
        if gate_count(mode) != gate_count(described):
            found = describe_spec(infer_spec(state, described, head_activation))
            raise ValueError(f"the weights describe {found}, not a {mode} network")
        described = mode
    return infer_spec(state, described, head_activation)


def validate_state(state: Mapping[str, np.ndarray], spec: NetworkSpec) -> None:
    """Raise ``ValueError`` naming the key for a missing, extra, misshapen or non-finite array."""
    _check_keys(state)
    expected = spec.param_shapes()
    for key, shape in expected.items():
        if key not in state:
            raise ValueError(f"state dict is missing {key!r} (expected shape {shape})")
        got = _shape(state, key)
        if got != shape:
            raise ValueError(f"{key}: expected shape {shape}, got {got}")
        arr = np.asarray(state[key])
        if arr.dtype.kind not in "fiu":
            raise ValueError(f"{key}: expected a numeric array, got dtype {arr.dtype}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{key} contains NaN or infinity")
    extra = sorted(set(state) - set(expected))
    if extra:
        raise ValueError(
            f"unexpected key {extra[0]!r} for a {spec.num_layers}-layer "
            f"{'bidirectional ' if spec.bidirectional else ''}{spec.mode} network"
        )


class Network:
    """An immutable recurrent network; ``forward`` returns a :class:`Trace`."""

    def __init__(self, spec: NetworkSpec, params: Mapping[str, np.ndarray], dtype=np.float64):
        validate_state(params, spec)
        self.spec = spec
        try:
            self.dtype = np.dtype(dtype)
        except TypeError:
            raise ValueError(f"dtype must be float32 or float64; got {dtype!r}") from None
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64; got {self.dtype}")
        self._params: dict[str, np.ndarray] = {}
        for key in spec.param_shapes():
            a = np.array(params[key], dtype=self.dtype, copy=True)
            a.setflags(write=False)
            self._params[key] = a
        # adopt_params makes networks without __init__: a new attribute goes there too

    # -- construction -------------------------------------------------------
    @classmethod
    def from_state_dict(
        cls,
        state: Mapping[str, np.ndarray],
        mode: str | None = None,
        head_activation: str | None = None,
        dtype=np.float64,
    ) -> Network:
        """A network from a PyTorch ``state_dict`` (NumPy arrays): the recurrent keys under
        at most one module prefix and an output Linear such as ``fc.`` or ``classifier.``
        (:mod:`rnnviz.engine.state_names`).  ``mode`` None reads the cell from the gate
        count (an RNN is taken as tanh); a ``mode`` the weights do not have raises naming
        the architecture they describe."""
        head_activation = check_head_activation(head_activation)
        state = normalise_state(state)
        spec = spec_from_state(state, mode, head_activation)
        return cls(spec, state, dtype=dtype)

    @classmethod
    def from_spec(cls, spec: NetworkSpec, init: str = "pytorch", seed: int = 0, dtype=np.float64, **kw):
        """A network with freshly initialised weights (see :mod:`rnnviz.engine.init`)."""
        from .init import init_state_dict

        return cls(spec, init_state_dict(spec, init, seed=seed, **kw), dtype=dtype)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Writable copies of every parameter under PyTorch's names."""
        return {k: v.copy() for k, v in self._params.items()}

    def with_params(self, updates: Mapping[str, np.ndarray]) -> Network:
        """A new network with some parameters replaced."""
        merged = dict(self._params)
        merged.update(updates)
        return Network(self.spec, merged, dtype=self.dtype)

    def adopt_params(self, params: Mapping[str, np.ndarray]) -> Network:
        """A network of this spec and dtype that takes ``params`` over, for a training loop.

        ``params`` must be fresh arrays that nothing else will write to (an
        optimiser's output), each of this network's shapes and finite: this is
        :class:`Network` without the copies and the NaN scan (keys and shapes are
        still checked).  Arrays of this network's dtype are kept, not copied, and
        made read-only; others are cast.
        """
        shapes = self.spec.param_shapes()
        if len(params) != len(shapes):
            validate_state(params, self.spec)  # names the missing or extra key
        net = object.__new__(Network)
        net.spec, net.dtype, net._params = self.spec, self.dtype, {}
        for key, shape in shapes.items():
            a = params.get(key)
            if not isinstance(a, np.ndarray) or a.shape != shape:
                validate_state(params, self.spec)  # names the key and what is wrong
                raise ValueError(f"{key}: expected an array of shape {shape}")
            if a.dtype != self.dtype:
                a = a.astype(self.dtype)
            a.setflags(write=False)
            net._params[key] = a
        return net

    def params(self) -> dict[str, np.ndarray]:
        """Every parameter under PyTorch's names: the network's own read-only arrays,
        no copies (:meth:`state_dict` gives writable copies)."""
        return dict(self._params)

    def astype(self, dtype) -> Network:
        return Network(self.spec, self._params, dtype=dtype)

    def _layer_params(self, layer: int) -> tuple[list[np.ndarray], ...]:
        """``(W_ih, W_hh, b_ih, b_hh)`` of one layer, each a list over directions (no copy)."""
        D = self.spec.num_directions
        p = self._params
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        return tuple([p[n + param_suffix(layer, d)] for d in range(D)] for n in names)

    # -- facts --------------------------------------------------------------
    def param(self, key: str) -> np.ndarray:
        return self._params[key]

    @property
    def mode(self) -> str:
        return self.spec.mode

    @property
    def input_size(self) -> int:
        return self.spec.input_size

    @property
    def hidden_size(self) -> int:
        return self.spec.hidden_size

    @property
    def num_layers(self) -> int:
        return self.spec.num_layers

    @property
    def num_directions(self) -> int:
        return self.spec.num_directions

    @property
    def head_activation(self) -> str | None:
        return self.spec.head_activation

    @property
    def has_head(self) -> bool:
        return self.spec.has_head

    def num_parameters(self) -> int:
        return self.spec.num_parameters()

    def __repr__(self) -> str:
        s = self.spec
        return (
            f"Network({s.mode}, input={s.input_size}, hidden={s.hidden_size}, layers={s.num_layers}, "
            f"{'bi' if s.bidirectional else 'uni'}, head={s.output_size or 'none'}"
            f"{'/' + s.head_activation if s.has_head and s.head_activation else ''}, {self.dtype})"
        )

    # -- forward ------------------------------------------------------------
    def _initial(self, a, name: str) -> np.ndarray:
        L, D, H = self.num_layers, self.num_directions, self.hidden_size
        if a is None:
            return np.zeros((L * D, H), dtype=self.dtype)
        a = self._numbers(a, name).copy()
        if a.shape == (H,) and L * D == 1:
            a = a[None, :]
        if a.shape != (L * D, H):
            raise ValueError(
                f"{name}: expected shape ({L * D}, {H}) = (layers·directions, hidden); got {a.shape}"
            )
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} contains NaN or infinity")
        return a

    def check_input(self, x) -> np.ndarray:
        x = np.asarray(x)
        if x.dtype.kind not in "fiub":
            raise ValueError(f"input must be numeric; got dtype {x.dtype}")
        x = x.astype(self.dtype, copy=True)
        if x.ndim == 1 and self.input_size == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.input_size:
            raise ValueError(f"input: expected shape (T, {self.input_size}); got {x.shape}")
        if x.shape[0] == 0:
            raise ValueError("input sequence is empty: it needs at least one time step")
        if x.shape[0] > MAX_STEPS:
            raise ValueError(f"input has {x.shape[0]:,} steps; the limit is {MAX_STEPS:,}")
        if not np.all(np.isfinite(x)):
            t, j = np.argwhere(~np.isfinite(x))[0]
            raise ValueError(f"input contains NaN or infinity at step t={t + 1}, feature {j + 1}")
        return x

    def forward(self, x, h0=None, c0=None) -> Trace:
        """Run the sequence ``x`` [T, input_size]; return everything computed."""
        return self.run_prepared(self.prepare(), x, h0, c0)

    def prepare(self) -> list[PreparedLayer]:
        """Every layer's weights made ready for the loops, for many short runs of
        :meth:`run_prepared` (one thread at a time: a prepared layer has work buffers)."""
        return [prepare_layer(self.mode, *self._layer_params(layer)) for layer in range(self.num_layers)]

    def run_prepared(self, prepared: list[PreparedLayer], x, h0=None, c0=None) -> Trace:
        """:meth:`forward` with layers from :meth:`prepare` (generation's one-step runs)."""
        x = self.check_input(x)
        h0 = self._initial(h0, "h0")
        lstm = self.mode == "lstm"
        c0 = self._initial(c0, "c0") if lstm else None
        D = self.num_directions
        runs: list[LayerRun] = []
        inputs: list[np.ndarray] = []
        inp = x
        for layer, prep in enumerate(prepared):
            sl = slice(layer * D, (layer + 1) * D)
            run = run_layer(prep, inp, h0[sl], c0[sl] if lstm else None)
            inputs.append(inp)
            runs.append(run)
            inp = run.output()
        output = inp
        h_n = np.concatenate([r.hs[-1] for r in runs], axis=0)  # [L·D, H]
        c_n = np.concatenate([r.cs[-1] for r in runs], axis=0) if lstm else None
        logits = y = None
        if self.has_head:
            logits = output @ self._params["head.weight"].T + self._params["head.bias"]  # [T, out]
            y = self._head_act(logits)
        return Trace(self, x, tuple(runs), tuple(inputs), output, h_n, c_n, logits, y, h0, c0)

    def _head_act(self, logits: np.ndarray) -> np.ndarray:
        if self.head_activation == "softmax":
            return softmax(logits, axis=-1)
        if self.head_activation == "sigmoid":
            return sigmoid(logits)
        return logits

    # -- backward -----------------------------------------------------------
    def backward(
        self,
        trace: Trace,
        d_output=None,
        d_y=None,
        d_h_n=None,
        d_c_n=None,
        d_logits=None,
    ) -> Gradients:
        """Backpropagation through time.

        The upstream gradients of a scalar loss L: ``d_output`` = dL/d(trace.output),
        ``d_y`` = dL/d(trace.y) (after the head's activation), ``d_logits`` =
        dL/d(trace.y_logits) (before it; what the losses return), ``d_h_n``,
        ``d_c_n``.  Any of them may be None (zero).  Returns the gradient of every
        parameter, of ``x``, ``h0`` and (LSTM) ``c0``, and the norm of dL/dh_t.
        """
        if trace.network is not self:
            raise ValueError("trace was computed by a different network")
        T, DH = trace.output.shape
        L, D, H = self.num_layers, self.num_directions, self.hidden_size
        dt = self.dtype
        d_out = self._grad_arg(d_output, (T, DH), "d_output")
        grads = Gradients()
        if self.has_head:
            dz = self._head_grad(trace, d_y, d_logits)
            W = self._params["head.weight"]
            grads["head.weight"] = dz.T @ trace.output
            grads["head.bias"] = dz.sum(axis=0)
            grads.d_logits = dz
            d_out = d_out + dz @ W
        elif d_y is not None or d_logits is not None:
            raise ValueError("d_y / d_logits given, but the network has no output head")
        dhn = self._grad_arg(d_h_n, (L * D, H), "d_h_n")
        dcn = self._grad_arg(d_c_n, (L * D, H), "d_c_n") if self.mode == "lstm" else None
        if d_c_n is not None and self.mode != "lstm":
            raise ValueError("d_c_n given, but only an LSTM has a cell state")
        dh0 = np.zeros((L * D, H), dtype=dt)
        dc0 = np.zeros((L * D, H), dtype=dt) if self.mode == "lstm" else None
        for layer in range(L - 1, -1, -1):
            W_ih, W_hh, _, _ = self._layer_params(layer)
            sl = slice(layer * D, (layer + 1) * D)
            g = layer_backward(
                trace.runs[layer], trace.layer_inputs[layer], W_ih, W_hh, d_out,
                dhn[sl], dcn[sl] if dcn is not None else None,
            )  # fmt: skip
            for d in range(D):
                sfx = param_suffix(layer, d)
                grads["weight_ih" + sfx] = g.W_ih[d]
                grads["weight_hh" + sfx] = g.W_hh[d]
                grads["bias_ih" + sfx] = g.b_ih[d]
                grads["bias_hh" + sfx] = g.b_hh[d]
                dh_t = g.dh[:, d] if d == 0 else g.dh[::-1, d]
                grads.dh_norms[(layer, d)] = np.sqrt(np.einsum("th,th->t", dh_t, dh_t))
            grads.layers.append(g)
            dh0[sl] = g.h0
            if dc0 is not None:
                dc0[sl] = g.c0
            d_out = g.x
        grads.layers.reverse()  # layer 0 first
        grads["x"] = d_out
        grads["h0"] = dh0
        if dc0 is not None:
            grads["c0"] = dc0
        return grads

    def _numbers(self, a, name: str) -> np.ndarray:
        """``a`` as an array of this network's dtype, or a ValueError naming ``name``."""
        arr = np.asarray(a)
        if arr.dtype.kind not in "fiub":
            raise ValueError(f"{name} must be numeric; got dtype {arr.dtype}")
        return arr.astype(self.dtype, copy=False)

    def _grad_arg(self, a, shape, name) -> np.ndarray:
        if a is None:
            return np.zeros(shape, dtype=self.dtype)
        a = self._numbers(a, name)
        if a.shape != shape:
            raise ValueError(f"{name}: expected shape {shape}; got {a.shape}")
        return a

    def _head_grad(self, trace: Trace, d_y, d_logits) -> np.ndarray:
        shape = trace.y.shape
        dz = self._grad_arg(d_logits, shape, "d_logits")
        if d_y is not None:
            dy = self._grad_arg(d_y, shape, "d_y")
            y = trace.y
            if self.head_activation == "softmax":
                dz = dz + y * (dy - np.sum(dy * y, axis=-1, keepdims=True))
            elif self.head_activation == "sigmoid":
                dz = dz + dy * y * (1 - y)
            else:
                dz = dz + dy
        return dz
