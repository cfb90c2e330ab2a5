"""One step of a unidirectional network at a time, without building a Trace.

Generation needs the next output before it can choose the next input, so it
runs one step at a time.  :class:`Stepper` keeps the state (h, c) of every
layer and preallocated one-step buffers, and runs each step through the very
loops :func:`rnnviz.engine.layers.run_layer` uses (on arrays of one step), so
the recurrence is the forward pass's arithmetic.  A one-hot input reads the
column of W_ih directly (exactly what the matmul gives for a one-hot row).

Per step this skips the input checks, the Trace and LayerRun records and the
concatenations of :meth:`Network.run_prepared`.
"""

from __future__ import annotations

import numpy as np

from .layers import _gru_loop, _lstm_loop, _vanilla_loop
from .network import Network


class _LayerStep:
    """One layer's one-step buffers (direction 0 only)."""

    def __init__(self, prep, h0: np.ndarray, c0: np.ndarray | None) -> None:
        rec = prep.rec
        G, H = rec.G, rec.H
        dt = prep.W_ih.dtype
        self.prep = prep
        self.mode = prep.mode
        self.WT = np.ascontiguousarray(prep.W_ih[0].T)  # [I, G·H] σ rows negated
        self.b = prep.b_x[0]  # [G·H]
        self.pre = np.empty((1, G, 1, H), dtype=dt)  # [1, G, D=1, H]
        self.flat = self.pre.reshape(G * H)  # [G·H] view
        self.hs = np.empty((2, 1, H), dtype=dt)  # [2, D, H]: h_{t-1}, h_t
        self.hs[1, 0] = h0
        self.gates = np.empty_like(self.pre) if self.mode in ("lstm", "gru") else None
        self.cs = None
        if self.mode == "lstm":
            self.cs = np.empty((2, 1, H), dtype=dt)
            self.cs[1, 0] = c0
        self.hn = np.empty((1, 1, H), dtype=dt) if self.mode == "gru" else None

    def step(self, x: np.ndarray | None, token: int | None) -> np.ndarray:
        """Advance one step from input ``x`` [I] (or a one-hot ``token``); return h_t [H]."""
        if token is not None:
            np.add(self.WT[token], self.b, out=self.flat)  # W_ih e_k + b
        else:
            np.dot(x, self.WT, out=self.flat)
            self.flat += self.b
        self.hs[0] = self.hs[1]
        rec = self.prep.rec.forward
        if self.mode == "lstm":
            self.cs[0] = self.cs[1]
            _lstm_loop(self.pre, self.gates, self.hs, self.cs, rec)
        elif self.mode == "gru":
            _gru_loop(self.pre, self.gates, self.hs, self.hn, self.prep.b_hn, rec)
        else:
            _vanilla_loop(self.pre, self.hs, rec, relu=self.mode == "rnn_relu")
        return self.hs[1, 0]


class Stepper:
    """A unidirectional network run step by step: ``logits = stepper.step(token=k)``.

    ``h0`` / ``c0`` are [layers, H] (None: zeros).  ``step`` returns the head's
    logits z_t [out] (a buffer reused by the next step: copy it to keep it), or
    the top layer's h_t when the network has no head.  ``state()`` gives (h, c).
    """

    def __init__(self, network: Network, h0: np.ndarray | None = None, c0: np.ndarray | None = None) -> None:
        if network.num_directions != 1:
            raise ValueError("a Stepper runs a unidirectional network")
        L, H, dt = network.num_layers, network.hidden_size, network.dtype
        h0 = np.zeros((L, H), dtype=dt) if h0 is None else np.asarray(h0, dtype=dt).reshape(L, H)
        lstm = network.mode == "lstm"
        c0 = (
            (np.zeros((L, H), dtype=dt) if c0 is None else np.asarray(c0, dtype=dt).reshape(L, H))
            if lstm
            else None
        )
        self.network = network
        self.layers = [_LayerStep(p, h0[i], c0[i] if lstm else None) for i, p in enumerate(network.prepare())]
        self.has_head = network.has_head
        if self.has_head:
            self.WyT = np.ascontiguousarray(network.param("head.weight").T)  # [H, out]
            self.by = network.param("head.bias")  # [out]
            self.z = np.empty(self.by.shape[0], dtype=dt)  # [out]

    def step(self, x: np.ndarray | None = None, token: int | None = None) -> np.ndarray:
        """One step with input vector ``x`` [I] or one-hot ``token``; the logits z_t [out]."""
        with np.errstate(over="ignore"):  # σ(a) for a ≪ 0: exp overflows, the result is exactly 0
            h = self.layers[0].step(x, token)
            for layer in self.layers[1:]:
                h = layer.step(h, None)
        if not self.has_head:
            return h
        np.dot(h, self.WyT, out=self.z)
        self.z += self.by
        return self.z

    def state(self) -> tuple[np.ndarray, np.ndarray | None]:
        """(h [L, H], c [L, H] or None): the state after the last step."""
        h = np.stack([layer.hs[1, 0] for layer in self.layers])
        c = np.stack([layer.cs[1, 0] for layer in self.layers]) if self.layers[0].cs is not None else None
        return h, c
