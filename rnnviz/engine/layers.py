"""One recurrent layer, both directions at once: the forward recurrence (BPTT: bptt.py).

Symbols (PyTorch's layout, G gates of H units each, D directions)::

    W_ih [D, G·H, I]   W_hh [D, G·H, H]   b_ih, b_hh [D, G·H]

Vanilla (mode ``rnn_tanh`` / ``rnn_relu``)::

    a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh        h_t = tanh(a_t) | relu(a_t)

LSTM (rows i, f, g, o)::

    i = σ(a_i)  f = σ(a_f)  g = tanh(a_g)  o = σ(a_o)
    c_t = f ⊙ c_{t-1} + i ⊙ g                  h_t = o ⊙ tanh(c_t)

GRU (rows r, z, n; the reset gate acts after the recurrent matmul, as torch)::

    r = σ(W_ir x + b_ir + W_hr h + b_hr)      z = σ(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
    h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}

Storage is in *step order*: at step ``s`` the forward direction reads input
time ``s`` and the backward direction reads time ``T-1-s``.  Running the two
directions side by side halves the number of NumPy calls; :class:`LayerRun`
turns step order back into time order with zero-copy reversed views.  Gate
arrays are laid out ``[T, G, D, H]`` so that every per-step operand (one gate,
both directions) is contiguous.

The loops preallocate everything, project all inputs with one matmul, and make
no allocation per step: each step is a dozen in-place ufunc calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .bptt import LayerGrads, layer_backward  # BPTT for these layers; the names stay importable here
from .recurrent import Recurrent


@dataclass(frozen=True, eq=False)
class LayerRun:
    """Everything one layer computed, in step order (see module docstring)."""

    mode: str
    pre: np.ndarray  # [T, G, D, H] pre-activations (GRU n: W_in x + b_in + r ⊙ hn)
    gates: np.ndarray | None  # [T, G, D, H] gate values (None for vanilla)
    hs: np.ndarray  # [T+1, D, H] hs[0] = h0, hs[s+1] = state after step s
    cs: np.ndarray | None  # [T+1, D, H] LSTM cell states
    hn: np.ndarray | None  # [T, D, H] GRU: W_hn h_{t-1} + b_hn

    @property
    def steps(self) -> int:
        return self.pre.shape[0]

    def time_order(self, a: np.ndarray, d: int) -> np.ndarray:
        """Step-ordered gate-layout ``a[:, :, d]`` as a time-ordered [T, G, H] view."""
        return a[:, :, d] if d == 0 else a[::-1, :, d]

    def at_step(self, a: np.ndarray, s: int, d: int) -> np.ndarray:
        """``a[s, :, d]`` flattened to [G·H] in PyTorch's row order (read-only)."""
        flat = a[s, :, d].reshape(-1)
        flat.setflags(write=False)
        return flat

    def hidden(self, d: int) -> np.ndarray:  # [T, H]
        return self.hs[1:, 0] if d == 0 else self.hs[:0:-1, 1]

    def hidden_prev(self, d: int) -> np.ndarray:  # [T, H]: the state each step starts from
        return self.hs[:-1, 0] if d == 0 else self.hs[-2::-1, 1]

    def cell(self, d: int) -> np.ndarray:  # [T, H]
        assert self.cs is not None
        return self.cs[1:, 0] if d == 0 else self.cs[:0:-1, 1]

    def cell_prev(self, d: int) -> np.ndarray:  # [T, H]
        assert self.cs is not None
        return self.cs[:-1, 0] if d == 0 else self.cs[-2::-1, 1]

    def output(self) -> np.ndarray:
        """Time-ordered layer output [T, D·H], laid out as torch's ``output``."""
        D = self.hs.shape[1]
        if D == 1:
            return self.hs[1:, 0]
        return np.concatenate([self.hidden(0), self.hidden(1)], axis=1)


def _sigmoid_sign(mode: str, H: int, dtype) -> np.ndarray | None:
    """−1 on the rows that go through σ, +1 elsewhere (None for vanilla).

    The loops keep those rows' pre-activations negated, so σ(a) = 1 / (1 + exp(−a))
    costs exp, +1 and a reciprocal, with no negation per step.  Negation is
    exact, so results are bit-for-bit those of the plain formula.
    """
    if mode == "lstm":
        sign = -np.ones(4 * H, dtype=dtype)
        sign[2 * H : 3 * H] = 1  # g goes through tanh
    elif mode == "gru":
        sign = -np.ones(3 * H, dtype=dtype)
        sign[2 * H :] = 1  # n goes through tanh
    else:
        return None
    return sign


@dataclass(frozen=True, eq=False)
class PreparedLayer:
    """A layer's weights made ready for the loops (σ rows negated, biases merged).

    Preparing copies every weight once; :func:`run_layer` can then run many
    sequences (generation runs one step at a time).  ``rec`` holds work buffers:
    a prepared layer serves one thread at a time.
    """

    mode: str
    W_ih: np.ndarray  # [D, G·H, I] σ rows negated
    b_x: np.ndarray  # [D, G·H] b_ih + b_hh (GRU n rows: b_in only), σ rows negated
    b_hn: np.ndarray | None  # [D, H] GRU: b_hn, applied inside r ⊙ (W_hn h + b_hn)
    sign: np.ndarray | None  # [G·H] see _sigmoid_sign
    rec: Recurrent  # W_hh (σ rows negated) for the step loops


def prepare_layer(
    mode: str,
    W_ih: Sequence[np.ndarray],  # D × [G·H, I]
    W_hh: Sequence[np.ndarray],  # D × [G·H, H]
    b_ih: Sequence[np.ndarray],  # D × [G·H]
    b_hh: Sequence[np.ndarray],  # D × [G·H]
) -> PreparedLayer:
    """Each direction's weights (a [D, …] array or a list of D arrays) read once
    into the loops' layout: one pass over each weight matrix, nothing else."""
    D = len(W_ih)
    GH, I = W_ih[0].shape
    H = W_hh[0].shape[1]
    dt = W_ih[0].dtype
    gru = mode == "gru"
    sign = _sigmoid_sign(mode, H, dt)  # [G·H] or None
    W_x = np.empty((D, GH, I), dtype=dt)  # [D, G·H, I]
    b_x = np.empty((D, GH), dtype=dt)  # [D, G·H] biases that can join the input projection
    for d in range(D):
        if sign is None:
            W_x[d] = W_ih[d]
        else:
            np.multiply(W_ih[d], sign[:, None], out=W_x[d])
        np.add(b_ih[d], b_hh[d], out=b_x[d])
        if gru:
            b_x[d, 2 * H :] = b_ih[d][2 * H :]  # b_hn stays inside r ⊙ (W_hn h + b_hn)
    if sign is not None:
        b_x *= sign
    b_hn = np.stack([b_hh[d][2 * H :] for d in range(D)]) if gru else None  # [D, H]
    return PreparedLayer(mode, W_x, b_x, b_hn, sign, Recurrent(W_hh, sign=sign))


def run_layer(
    layer: PreparedLayer,
    x: np.ndarray,  # [T, I]
    h0: np.ndarray,  # [D, H]
    c0: np.ndarray | None = None,  # [D, H]
) -> LayerRun:
    mode, sign, rec_ = layer.mode, layer.sign, layer.rec
    G, D, H = rec_.G, rec_.D, rec_.H
    T = x.shape[0]
    dt = layer.W_ih.dtype
    pre = np.empty((T, G, D, H), dtype=dt)  # [T, G, D, H]
    _project_inputs(x, layer.W_ih, layer.b_x, pre)
    hs = np.empty((T + 1, D, H), dtype=dt)
    hs[0] = h0
    rec = rec_.forward  # h ↦ W_hh h as [G, D, H]
    gates = cs = hn = None
    with np.errstate(over="ignore"):  # σ(a) for a ≪ 0: exp overflows, the result is exactly 0
        if mode == "lstm":
            gates = np.empty_like(pre)
            cs = np.empty((T + 1, D, H), dtype=dt)
            cs[0] = c0
            _lstm_loop(pre, gates, hs, cs, rec)
        elif mode == "gru":
            gates = np.empty_like(pre)
            hn = np.empty((T, D, H), dtype=dt)
            _gru_loop(pre, gates, hs, hn, layer.b_hn, rec)
        else:
            _vanilla_loop(pre, hs, rec, relu=mode == "rnn_relu")
    if sign is not None:
        pre *= sign.reshape(G, 1, H)  # the true pre-activations again
    return LayerRun(mode, pre, gates, hs, cs, hn)


def _project_inputs(x, W_ih, b_x, pre, chunk: int = 4096) -> None:
    """pre[s, :, d] = W_ih[d] x_s + b_x[d] for all steps: a few large matmuls.

    Two directions share one matmul per chunk of input rows (both directions'
    weights stacked), and the bias is added on the way into ``pre``'s strided
    layout, so the projection costs one GEMM and one pass over the result.
    """
    T, G, D, H = pre.shape
    if D == 1:  # [T, G, 1, H] is [T, G·H]: write in place
        flat = pre.reshape(T, G * H)
        np.matmul(x, W_ih[0].T, out=flat)
        flat += b_x[0]
        return
    W_both = W_ih.reshape(D * G * H, -1)  # [D·G·H, I]: both directions' rows
    b = b_x.reshape(D, G, H)
    for a in range(0, T, chunk):  # bounded temporaries for long sequences
        e = min(a + chunk, T)
        proj = (x[a:e] @ W_both.T).reshape(e - a, D, G, H)  # input rows a..e
        np.add(proj[:, 0], b[0], out=pre[a:e, :, 0])
        # the backward direction reads input row j at step T-1-j
        np.add(proj[::-1, 1], b[1], out=pre[T - e : T - a, :, 1])


# The step loops below pass ``out`` positionally (cheaper than the keyword) and
# carry h_{t-1} (and c_{t-1}) over from the previous step rather than slicing it.


def _vanilla_loop(pre, hs, rec, relu: bool) -> None:
    zero = pre.dtype.type(0)
    h_prev = hs[0]
    for p, h in zip(pre[:, 0], hs[1:], strict=True):  # p [D, H]
        p += rec(h_prev)[0]
        if relu:
            np.maximum(p, zero, out=h)  # (out by keyword: numpy deprecates it positional here)
        else:
            np.tanh(p, h)
        h_prev = h


def _lstm_loop(pre, gates, hs, cs, rec) -> None:
    one = pre.dtype.type(1)
    ig = np.empty(hs.shape[1:], dtype=pre.dtype)  # [D, H]
    exp, recip, tanh, mul = np.exp, np.reciprocal, np.tanh, np.multiply
    h_prev, c_prev = hs[0], cs[0]
    # per-step views come from C iterators over these, not from Python slicing
    steps = zip(pre, gates, gates[:, 0], gates[:, 1], gates[:, 2], gates[:, 3], pre[:, 2],
                hs[1:], cs[1:], strict=True)  # fmt: skip
    for p, g, i, f, gg, o, pg, h, c in steps:
        p += rec(h_prev)  # [4, D, H]; i, f, o rows hold −a (see _sigmoid_sign)
        exp(p, g)
        g += one
        recip(g, g)  # σ(a) on i, f, o
        tanh(pg, gg)  # tanh(a) on g
        mul(f, c_prev, c)  # f ⊙ c_{t-1}
        mul(i, gg, ig)  # i ⊙ g
        c += ig
        tanh(c, h)
        h *= o  # o ⊙ tanh(c_t)
        h_prev, c_prev = h, c


def _gru_loop(pre, gates, hs, hn, b_hn, rec) -> None:
    one = pre.dtype.type(1)
    rh = np.empty(hs.shape[1:], dtype=pre.dtype)  # [D, H]
    exp, recip, tanh, mul = np.exp, np.reciprocal, np.tanh, np.multiply
    h_prev = hs[0]
    steps = zip(pre[:, :2], pre[:, 2], gates[:, :2], gates[:, 0], gates[:, 1], gates[:, 2],
                hn, hs[1:], strict=True)  # fmt: skip
    for prz, pn, grz, r, z, n, hn_s, h in steps:
        gh = rec(h_prev)  # [3, D, H]: W_hh h, r and z rows negated
        prz += gh[:2]
        exp(prz, grz)
        grz += one
        recip(grz, grz)  # σ(a) on r, z
        np.add(gh[2], b_hn, hn_s)  # W_hn h + b_hn
        mul(r, hn_s, rh)
        pn += rh  # W_in x + b_in + r ⊙ (W_hn h + b_hn)
        tanh(pn, n)
        np.subtract(h_prev, n, h)  # h_t = n + z ⊙ (h_{t-1} − n)
        h *= z
        h += n
        h_prev = h


__all__ = [
    "LayerGrads",
    "LayerRun",
    "PreparedLayer",
    "layer_backward",
    "prepare_layer",
    "run_layer",
]
