"""One recurrent layer, both directions at once: forward recurrence and BPTT.

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


def _step_order_input(x: np.ndarray, D: int) -> list[np.ndarray]:
    return [x if d == 0 else x[::-1] for d in range(D)]


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


@dataclass(frozen=True, eq=False)
class LayerGrads:
    W_ih: np.ndarray  # [D, G·H, I]
    W_hh: np.ndarray  # [D, G·H, H]
    b_ih: np.ndarray  # [D, G·H]
    b_hh: np.ndarray  # [D, G·H]
    x: np.ndarray  # [T, I]
    h0: np.ndarray  # [D, H]
    c0: np.ndarray | None  # [D, H]
    dh: np.ndarray  # [T, D, H] total dL/dh at each step, step order
    dpre: np.ndarray  # [T, G, D, H] dL/d(pre-activation) at each step, step order
    dc: np.ndarray | None  # [T, D, H] LSTM: total dL/dc at each step, step order


def layer_backward(
    run: LayerRun,
    x: np.ndarray,  # [T, I] the layer's input
    W_ih: Sequence[np.ndarray],  # D × [G·H, I] (a [D, G·H, I] array or a list)
    W_hh: Sequence[np.ndarray],  # D × [G·H, H]
    d_out: np.ndarray,  # [T, D·H] dL/d(output), time order
    dh_last: np.ndarray | None,  # [D, H] dL/dh_n
    dc_last: np.ndarray | None,  # [D, H] dL/dc_n
) -> LayerGrads:
    T, G, D, H = run.pre.shape
    dt = run.pre.dtype
    # total dL/dh per step, step order; the recurrence adds into it as it goes
    dh = np.empty((T, D, H), dtype=dt)
    dh[:, 0] = d_out[:, :H]
    if D == 2:
        dh[:, 1] = d_out[::-1, H:]
    if dh_last is not None and T > 0:
        dh[T - 1] += dh_last
    rec = Recurrent(W_hh, backward=True).backward  # dp [G, D, H] ↦ dp · W_hh [D, H]
    dpre = np.empty((T, G, D, H), dtype=dt)  # dL/d(pre-activation), step order
    dc0 = dcs = None
    if run.mode == "lstm":
        dcs = np.empty((T, D, H), dtype=dt)
        dc0, dh0 = _lstm_back(run, dh, dpre, rec, dc_last, dcs)
        dgh = dpre
    elif run.mode == "gru":
        dgh = np.empty_like(dpre)
        dh0 = _gru_back(run, dh, dpre, dgh, rec)
    else:
        dh0 = _vanilla_back(run, dh, dpre, rec)
        dgh = dpre
    return _param_grads(run, x, W_ih, dpre, dgh, dh, dh0, dc0, dcs)


# The loops below walk the steps backwards.  ``acc`` carries the recurrent part of
# dL/dh from step s to step s−1; at the end it is dL/dh0.
_REV = slice(None, None, -1)


def _vanilla_back(run, dh, dpre, rec) -> np.ndarray:
    hs = run.hs[1:]
    if run.mode == "rnn_relu":
        deriv = (hs > 0).astype(dh.dtype)
    else:
        deriv = 1 - hs * hs  # tanh'
    acc = np.zeros(dh.shape[1:], dtype=dh.dtype)
    for dh_s, dp, dp1, dv in zip(dh[_REV], dpre[_REV], dpre[_REV, 0], deriv[_REV], strict=True):
        dh_s += acc
        np.multiply(dh_s, dv, out=dp1)
        acc = rec(dp)
    return acc.copy()


def _lstm_back(run, dh, dpre, rec, dc_last, dcs) -> tuple[np.ndarray, np.ndarray]:
    T, _, D, H = dpre.shape
    G = run.gates
    i, f, g, o = G[:, 0], G[:, 1], G[:, 2], G[:, 3]  # [T, D, H]
    c_prev = run.cs[:-1]
    tc = np.tanh(run.cs[1:])
    a_o = o * (1 - tc * tc)  # dc += dh ⊙ a_o
    b_o = tc * o * (1 - o)  # da_o = dh ⊙ b_o
    p3 = np.empty((T, 3, D, H), dtype=dpre.dtype)  # da_{i,f,g} = dc ⊙ p3
    np.multiply(g, i * (1 - i), out=p3[:, 0])
    np.multiply(c_prev, f * (1 - f), out=p3[:, 1])
    np.multiply(i, 1 - g * g, out=p3[:, 2])
    # carry = dL/dc_t through c_{t+1} only (f_{t+1} ⊙ total dL/dc_{t+1}); dcs[s] is the total
    carry = np.zeros((D, H), dtype=dpre.dtype) if dc_last is None else dc_last.astype(dpre.dtype)
    acc = np.zeros((D, H), dtype=dpre.dtype)
    mul = np.multiply
    steps = zip(dh[_REV], dpre[_REV], dpre[_REV, :3], dpre[_REV, 3], a_o[_REV], b_o[_REV], p3[_REV],
                f[_REV], dcs[_REV], strict=True)  # fmt: skip
    for dh_s, dp, dp_ifg, dp_o, ao, bo, p, fs, dc in steps:
        dh_s += acc
        mul(dh_s, ao, dc)
        dc += carry  # total dL/dc_t, kept for the views
        mul(dc, p, dp_ifg)
        mul(dh_s, bo, dp_o)
        carry = mul(dc, fs, carry)  # dc_{t-1} through c_t
        acc = rec(dp)
    return carry, acc.copy()


def _gru_back(run, dh, dgi, dgh, rec) -> np.ndarray:
    G = run.gates
    r, z, n = G[:, 0], G[:, 1], G[:, 2]  # [T, D, H]
    h_prev = run.hs[:-1]
    a1 = (1 - z) * (1 - n * n)  # da_n = dh ⊙ a1
    a2 = (h_prev - n) * z * (1 - z)  # da_z = dh ⊙ a2
    a3 = run.hn * r * (1 - r)  # da_r = da_n ⊙ a3
    tmp = np.empty(dh.shape[1:], dtype=dgi.dtype)
    acc = np.zeros(dh.shape[1:], dtype=dgi.dtype)
    mul = np.multiply
    # the r, z rows of the x-side and h-side gradients are equal: write them into
    # dgh here and copy them over to dgi once, after the loop
    steps = zip(dh[_REV], dgh[_REV], dgi[_REV, 2], dgh[_REV, 0], dgh[_REV, 1], dgh[_REV, 2],
                a1[_REV], a2[_REV], a3[_REV], r[_REV], z[_REV], strict=True)  # fmt: skip
    for dh_s, gh, da_n, da_r, da_z, dgh_n, a1s, a2s, a3s, rs, zs in steps:
        dh_s += acc
        mul(dh_s, a1s, da_n)
        mul(dh_s, a2s, da_z)
        mul(da_n, a3s, da_r)
        mul(da_n, rs, dgh_n)  # d(W_hn h + b_hn) = da_n ⊙ r
        acc = rec(gh)
        mul(dh_s, zs, tmp)  # h_t also depends on h_{t-1} directly, through z
        acc += tmp
    dgi[:, :2] = dgh[:, :2]
    return acc.copy()


def _param_grads(run, x, W_ih, dpre, dgh, dh, dh0, dc0, dcs) -> LayerGrads:
    T, G, D, H = dpre.shape
    dW_ih = np.empty((D, G * H, x.shape[1]), dtype=dpre.dtype)
    dW_hh = np.empty((D, G * H, H), dtype=dpre.dtype)
    db_ih = np.empty((D, G * H), dtype=dpre.dtype)
    db_hh = np.empty((D, G * H), dtype=dpre.dtype)
    dx = np.empty(x.shape, dtype=dpre.dtype)  # [T, I]
    for d, xs in enumerate(_step_order_input(x, D)):
        dp = dpre[:, :, d].reshape(T, G * H)  # [T, G·H] step order (a copy)
        dg = dp if dgh is dpre else dgh[:, :, d].reshape(T, G * H)
        np.matmul(dp.T, xs, out=dW_ih[d])
        np.matmul(dg.T, run.hs[:-1, d], out=dW_hh[d])
        np.sum(dp, axis=0, out=db_ih[d])
        if dg is dp:
            db_hh[d] = db_ih[d]
        else:
            np.sum(dg, axis=0, out=db_hh[d])
        if d == 0:
            np.matmul(dp, W_ih[0], out=dx)  # [T, I]
        else:
            dx += (dp @ W_ih[d])[::-1]  # step order back to time order
    return LayerGrads(
        W_ih=dW_ih, W_hh=dW_hh, b_ih=db_ih, b_hh=db_hh, x=dx, h0=dh0, c0=dc0, dh=dh, dpre=dpre, dc=dcs
    )


__all__ = [
    "LayerGrads",
    "LayerRun",
    "PreparedLayer",
    "layer_backward",
    "prepare_layer",
    "run_layer",
]
