"""The immutable record of a forward pass, and the gradients of a backward pass.

Every array a view reads comes from here, indexed by the input's time step
(0-based here; the app shows steps 1..T).  ``Trace.step`` gives every term of
one step's equations, so the worked-math panel never recomputes anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .layers import LayerGrads, LayerRun
from .optim import NOT_PARAMETERS, global_norm
from .spec import GATE_NAMES, param_suffix

if TYPE_CHECKING:
    from .network import Network


def _readonly(a: np.ndarray | None) -> np.ndarray | None:
    if a is not None:
        a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class StepDetail:
    """All terms of one cell's equations at one step, for one layer and direction.

    ``x_term`` = W_ih·x_t and ``h_term`` = W_hh·h_prev, both [G·H] in PyTorch's
    gate order; ``pre`` are the pre-activations (GRU's n block includes
    r ⊙ (W_hn h + b_hn)); ``gates`` the gate values.  ``h_prev`` is h_{t-1} for
    the forward direction and h_{t+1} for the backward one.
    """

    mode: str
    layer: int
    direction: int
    t: int
    x: np.ndarray  # [I_layer]
    h_prev: np.ndarray  # [H]
    c_prev: np.ndarray | None  # [H]
    W_ih: np.ndarray  # [G·H, I_layer]
    W_hh: np.ndarray  # [G·H, H]
    b_ih: np.ndarray  # [G·H]
    b_hh: np.ndarray  # [G·H]
    x_term: np.ndarray  # [G·H]
    h_term: np.ndarray  # [G·H]
    pre: np.ndarray  # [G·H]
    gates: np.ndarray | None  # [G·H]
    c: np.ndarray | None  # [H]
    h: np.ndarray  # [H]
    hn: np.ndarray | None  # [H] GRU only: W_hn h_prev + b_hn

    @property
    def gate_names(self) -> tuple[str, ...]:
        return GATE_NAMES[self.mode]

    @property
    def hidden_size(self) -> int:
        return self.h.shape[0]

    def block(self, a: np.ndarray, gate: str) -> np.ndarray:
        """The rows of a [G·H, …] array that belong to ``gate``."""
        k = self.gate_names.index(gate)
        H = self.hidden_size
        return a[k * H : (k + 1) * H]


@dataclass(frozen=True, eq=False)
class HeadDetail:
    """The output head at one step: y_t = act(W_hy · h_t + b_y)."""

    t: int
    h: np.ndarray  # [D·H] the top layer's output at t
    W: np.ndarray  # [out, D·H]
    b: np.ndarray  # [out]
    W_h: np.ndarray  # [out] = W · h
    logits: np.ndarray  # [out]
    y: np.ndarray  # [out]
    activation: str | None


@dataclass(frozen=True, eq=False)
class Trace:
    """What ``Network.forward`` computed.  Arrays are read-only."""

    network: Network
    x: np.ndarray  # [T, I]
    runs: tuple[LayerRun, ...]
    layer_inputs: tuple[np.ndarray, ...]  # input of each layer, [T, I_layer]
    output: np.ndarray  # [T, D·H] as torch's ``output``
    h_n: np.ndarray  # [L·D, H]
    c_n: np.ndarray | None  # [L·D, H]
    y_logits: np.ndarray | None  # [T, out] the head before its activation
    y: np.ndarray | None  # [T, out] after it
    h0: np.ndarray  # [L·D, H]
    c0: np.ndarray | None  # [L·D, H]

    def __post_init__(self) -> None:
        for a in (self.x, self.output, self.h_n, self.c_n, self.y_logits, self.y, self.h0, self.c0):
            _readonly(a)
        for a in self.layer_inputs:
            _readonly(a)
        for run in self.runs:
            for a in (run.pre, run.gates, run.hs, run.cs, run.hn):
                _readonly(a)

    @property
    def steps(self) -> int:
        return self.x.shape[0]

    @property
    def mode(self) -> str:
        return self.network.mode

    def _run(self, layer: int, direction: int) -> LayerRun:
        if not 0 <= layer < len(self.runs):
            raise IndexError(f"layer {layer} out of range (0..{len(self.runs) - 1})")
        if not 0 <= direction < self.network.num_directions:
            raise IndexError(f"direction {direction} out of range for this network")
        return self.runs[layer]

    def hidden(self, layer: int = 0, direction: int = 0) -> np.ndarray:
        """h_t [T, H]: row t is the state after reading input t."""
        return self._run(layer, direction).hidden(direction)

    def hidden_prev(self, layer: int = 0, direction: int = 0) -> np.ndarray:
        """[T, H]: row t is the state the cell started step t from."""
        return self._run(layer, direction).hidden_prev(direction)

    def cell(self, layer: int = 0, direction: int = 0) -> np.ndarray:
        """c_t [T, H] (LSTM only)."""
        run = self._run(layer, direction)
        if run.cs is None:
            raise ValueError(f"a {self.mode} network has no cell state; only an LSTM has c_t")
        return run.cell(direction)

    def cell_prev(self, layer: int = 0, direction: int = 0) -> np.ndarray:
        run = self._run(layer, direction)
        if run.cs is None:
            raise ValueError(f"a {self.mode} network has no cell state; only an LSTM has c_t")
        return run.cell_prev(direction)

    def _blocks(self, a: np.ndarray) -> dict[str, np.ndarray]:  # a [T, G, H]
        return {g: a[:, k] for k, g in enumerate(GATE_NAMES[self.mode])}

    def gates(self, layer: int = 0, direction: int = 0) -> dict[str, np.ndarray]:
        """{"i","f","g","o"} (LSTM) or {"r","z","n"} (GRU) → [T, H]; {} for vanilla."""
        run = self._run(layer, direction)
        if run.gates is None:
            return {}
        return self._blocks(run.time_order(run.gates, direction))

    def preactivations(self, layer: int = 0, direction: int = 0) -> dict[str, np.ndarray]:
        """The same keys as ``gates`` ("a" for vanilla) → [T, H], before σ / tanh."""
        run = self._run(layer, direction)
        return self._blocks(run.time_order(run.pre, direction))

    def step(self, layer: int, direction: int, t: int) -> StepDetail:
        """Every term of the cell's equations at time ``t`` (0-based)."""
        run = self._run(layer, direction)
        T = self.steps
        if not 0 <= t < T:
            raise IndexError(f"step t={t} out of range (0..{T - 1})")
        s = t if direction == 0 else T - 1 - t
        sfx = param_suffix(layer, direction)
        p = self.network.param
        W_ih, W_hh = p("weight_ih" + sfx), p("weight_hh" + sfx)
        x = self.layer_inputs[layer][t]
        h_prev = run.hs[s, direction]
        c_prev = run.cs[s, direction] if run.cs is not None else None
        return StepDetail(
            mode=self.mode,
            layer=layer,
            direction=direction,
            t=t,
            x=x,
            h_prev=h_prev,
            c_prev=c_prev,
            W_ih=W_ih,
            W_hh=W_hh,
            b_ih=p("bias_ih" + sfx),
            b_hh=p("bias_hh" + sfx),
            x_term=W_ih @ x,
            h_term=W_hh @ h_prev,
            pre=run.at_step(run.pre, s, direction),
            gates=run.at_step(run.gates, s, direction) if run.gates is not None else None,
            c=run.cs[s + 1, direction] if run.cs is not None else None,
            h=run.hs[s + 1, direction],
            hn=run.hn[s, direction] if run.hn is not None else None,
        )

    def head_step(self, t: int) -> HeadDetail:
        """y_t = act(W_hy · h_t + b_y) with every term, at time ``t`` (0-based)."""
        if self.y is None:
            raise ValueError("the network has no output head")
        if not 0 <= t < self.steps:
            raise IndexError(f"step t={t} out of range (0..{self.steps - 1})")
        W = self.network.param("head.weight")
        h = self.output[t]
        return HeadDetail(
            t=t,
            h=h,
            W=W,
            b=self.network.param("head.bias"),
            W_h=W @ h,
            logits=self.y_logits[t],
            y=self.y[t],
            activation=self.network.head_activation,
        )

    def nbytes(self) -> int:
        """Memory held by the trace's own arrays (views counted once)."""
        seen: dict[int, int] = {}
        arrays = [self.output, self.h_n, self.c_n, self.y_logits, self.y]
        for run in self.runs:
            arrays += [run.pre, run.gates, run.hs, run.cs, run.hn]
        for a in arrays:
            if a is None:
                continue
            base = a if a.base is None else a.base
            seen[id(base)] = base.nbytes
        return sum(seen.values())


_NAMES_BY_G = {1: GATE_NAMES["rnn_tanh"], 3: GATE_NAMES["gru"], 4: GATE_NAMES["lstm"]}


class Gradients(dict):
    """``{state_dict key | "x" | "h0" | "c0": gradient}``, plus ``dh_norms``.

    ``dh_norm(layer, direction)`` is ‖dL/dh_t‖ for every input step t: the
    vanishing / exploding gradient picture.
    """

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.dh_norms: dict[tuple[int, int], np.ndarray] = {}
        self.layers: list[LayerGrads] = []  # per layer, layer 0 first: the per-step gradients
        self.d_logits: np.ndarray | None = None  # [T, out] dL/d(head logits), when there is a head

    def dh_norm(self, layer: int = 0, direction: int = 0) -> np.ndarray:
        return self.dh_norms[(layer, direction)]

    def _layer(self, layer: int, direction: int) -> LayerGrads:
        if not 0 <= layer < len(self.layers):
            raise IndexError(f"layer {layer} out of range (0..{len(self.layers) - 1})")
        g = self.layers[layer]
        if not 0 <= direction < g.dh.shape[1]:
            raise IndexError(f"direction {direction} out of range for this network")
        return g

    @staticmethod
    def _time(a: np.ndarray, direction: int) -> np.ndarray:
        """A step-ordered [T, …, D, H] array's ``direction`` in time order (a read-only view)."""
        v = a[..., direction, :] if direction == 0 else a[::-1, ..., direction, :]
        v = v.view()
        v.setflags(write=False)
        return v

    def dh(self, layer: int = 0, direction: int = 0) -> np.ndarray:
        """∂L/∂h_t [T, H], time order: the total derivative (through the output and every later step)."""
        return self._time(self._layer(layer, direction).dh, direction)

    def dc(self, layer: int = 0, direction: int = 0) -> np.ndarray:
        """∂L/∂c_t [T, H] (LSTM only), time order, total."""
        g = self._layer(layer, direction)
        if g.dc is None:
            raise ValueError("only an LSTM has a cell state c_t")
        return self._time(g.dc, direction)

    def dpre(self, layer: int = 0, direction: int = 0) -> dict[str, np.ndarray]:
        """∂L/∂(pre-activation) of each gate (keys as ``Trace.preactivations``) → [T, H], time order."""
        g = self._layer(layer, direction)
        names = _NAMES_BY_G[g.dpre.shape[1]]
        return {k: self._time(g.dpre[:, j], direction) for j, k in enumerate(names)}

    def parameter_keys(self) -> list[str]:
        return [k for k in self if k not in NOT_PARAMETERS]

    def global_norm(self) -> float:
        """‖g‖ over all parameters (not x / h0 / c0), as :func:`rnnviz.engine.optim.global_norm`."""
        return global_norm(self)
