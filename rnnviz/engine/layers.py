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
turns step order back into time order with zero-copy reversed views.

The loops preallocate everything, project all inputs with one matmul, and make
no allocation per step: each step is a dozen in-place ufunc calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .spec import gate_count

# Below this hidden size the two directions' recurrent matmuls are done as one
# block-diagonal product (one call beats two small ones); above it, a stacked
# matmul avoids the wasted zero blocks.
_BLOCK_DIAG_MAX_H = 48


class _Recurrent:
    """``out[d] = h[d] @ M[d]`` for every direction d, as cheaply as NumPy allows."""

    def __init__(self, M: np.ndarray) -> None:  # M [D, K, N]
        D, K, N = M.shape
        self.D = D
        if D == 1:
            self.kind = "single"
            self.M = np.ascontiguousarray(M[0])  # [K, N]
        elif K <= _BLOCK_DIAG_MAX_H * 4 and N <= _BLOCK_DIAG_MAX_H * 4:
            self.kind = "blockdiag"
            B = np.zeros((D * K, D * N), dtype=M.dtype)
            for d in range(D):
                B[d * K : (d + 1) * K, d * N : (d + 1) * N] = M[d]
            self.M = B  # [D·K, D·N]
        else:
            self.kind = "stacked"
            self.M = np.ascontiguousarray(M)  # [D, K, N]

    def __call__(self, h: np.ndarray, out: np.ndarray) -> None:
        """h [D, K] (C-contiguous) → out [D, N] (C-contiguous)."""
        if self.kind == "single":
            np.dot(h, self.M, out=out)
        elif self.kind == "blockdiag":
            np.dot(h.reshape(-1), self.M, out=out.reshape(-1))
        else:
            np.matmul(h[:, None, :], self.M, out=out[:, None, :])


@dataclass(frozen=True, eq=False)
class LayerRun:
    """Everything one layer computed, in step order (see module docstring)."""

    mode: str
    pre: np.ndarray  # [T, D, G·H] pre-activations (GRU n: W_in x + b_in + r ⊙ hn)
    gates: np.ndarray | None  # [T, D, G·H] gate values (None for vanilla)
    hs: np.ndarray  # [T+1, D, H] hs[0] = h0, hs[s+1] = state after step s
    cs: np.ndarray | None  # [T+1, D, H] LSTM cell states
    hn: np.ndarray | None  # [T, D, H] GRU: W_hn h_{t-1} + b_hn

    @property
    def steps(self) -> int:
        return self.pre.shape[0]

    def time_order(self, a: np.ndarray, d: int) -> np.ndarray:
        """Step-ordered ``a[:, d]`` as a time-ordered view (no copy)."""
        return a[:, d] if d == 0 else a[::-1, d]

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


def layer_forward(
    mode: str,
    x: np.ndarray,  # [T, I]
    W_ih: np.ndarray,  # [D, G·H, I]
    W_hh: np.ndarray,  # [D, G·H, H]
    b_ih: np.ndarray,  # [D, G·H]
    b_hh: np.ndarray,  # [D, G·H]
    h0: np.ndarray,  # [D, H]
    c0: np.ndarray | None = None,  # [D, H]
) -> LayerRun:
    D, GH, _ = W_ih.shape
    H = W_hh.shape[2]
    T = x.shape[0]
    dt = W_ih.dtype
    pre = np.empty((T, D, GH), dtype=dt)  # [T, D, G·H]
    gru = mode == "gru"
    for d, xs in enumerate(_step_order_input(x, D)):
        np.matmul(xs, W_ih[d].T, out=pre[:, d])  # all steps in one matmul
        pre[:, d] += b_ih[d]
        if gru:
            pre[:, d, : 2 * H] += b_hh[d, : 2 * H]  # b_hn stays inside r ⊙ (…)
        else:
            pre[:, d] += b_hh[d]
    hs = np.empty((T + 1, D, H), dtype=dt)
    hs[0] = h0
    rec = _Recurrent(np.ascontiguousarray(W_hh.transpose(0, 2, 1)))  # h @ W_hhᵀ
    with np.errstate(over="ignore"):  # σ(x) for x ≪ 0: exp overflows, result is exactly 0
        if mode == "lstm":
            assert c0 is not None
            gates = np.empty_like(pre)
            cs = np.empty((T + 1, D, H), dtype=dt)
            cs[0] = c0
            _lstm_loop(pre, gates, hs, cs, rec)
            return LayerRun(mode, pre, gates, hs, cs, None)
        if gru:
            gates = np.empty_like(pre)
            hn = np.empty((T, D, H), dtype=dt)
            bn = np.zeros((D, GH), dtype=dt)
            bn[:, 2 * H :] = b_hh[:, 2 * H :]
            _gru_loop(pre, gates, hs, hn, bn, rec)
            return LayerRun(mode, pre, gates, hs, None, hn)
        _vanilla_loop(pre, hs, rec, relu=mode == "rnn_relu")
        return LayerRun(mode, pre, None, hs, None, None)


def _vanilla_loop(pre, hs, rec, relu: bool) -> None:
    T = pre.shape[0]
    tmp = np.empty(pre.shape[1:], dtype=pre.dtype)
    zero = pre.dtype.type(0)
    for s in range(T):
        p = pre[s]
        rec(hs[s], tmp)
        p += tmp
        if relu:
            np.maximum(p, zero, out=hs[s + 1])
        else:
            np.tanh(p, out=hs[s + 1])


def _lstm_loop(pre, gates, hs, cs, rec) -> None:
    T, D, GH = pre.shape
    H = GH // 4
    one = pre.dtype.type(1)
    tmp = np.empty((D, GH), dtype=pre.dtype)
    ig = np.empty((D, H), dtype=pre.dtype)
    for s in range(T):
        p = pre[s]
        rec(hs[s], tmp)
        p += tmp
        g = gates[s]
        np.negative(p, out=g)  # σ over all four blocks …
        np.exp(g, out=g)
        g += one
        np.reciprocal(g, out=g)
        np.tanh(p[:, 2 * H : 3 * H], out=g[:, 2 * H : 3 * H])  # … then tanh for g
        c = cs[s + 1]
        np.multiply(g[:, H : 2 * H], cs[s], out=c)  # f ⊙ c_{t-1}
        np.multiply(g[:, :H], g[:, 2 * H : 3 * H], out=ig)  # i ⊙ g
        c += ig
        h = hs[s + 1]
        np.tanh(c, out=h)
        h *= g[:, 3 * H :]  # o ⊙ tanh(c_t)


def _gru_loop(pre, gates, hs, hn, bn, rec) -> None:
    T, D, GH = pre.shape
    H = GH // 3
    one = pre.dtype.type(1)
    gh = np.empty((D, GH), dtype=pre.dtype)
    rh = np.empty((D, H), dtype=pre.dtype)
    for s in range(T):
        p = pre[s]
        rec(hs[s], gh)
        gh += bn  # adds b_hn to the n block only
        prz = p[:, : 2 * H]
        prz += gh[:, : 2 * H]
        g = gates[s]
        grz = g[:, : 2 * H]
        np.negative(prz, out=grz)
        np.exp(grz, out=grz)
        grz += one
        np.reciprocal(grz, out=grz)
        hn_s = hn[s]
        np.copyto(hn_s, gh[:, 2 * H :])
        np.multiply(g[:, :H], hn_s, out=rh)  # r ⊙ (W_hn h + b_hn)
        pn = p[:, 2 * H :]
        pn += rh
        n = g[:, 2 * H :]
        np.tanh(pn, out=n)
        h = hs[s + 1]
        np.subtract(hs[s], n, out=h)  # h_t = n + z ⊙ (h_{t-1} − n)
        h *= g[:, H : 2 * H]
        h += n


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


def layer_backward(
    run: LayerRun,
    x: np.ndarray,  # [T, I] the layer's input
    W_ih: np.ndarray,
    W_hh: np.ndarray,
    d_out: np.ndarray,  # [T, D·H] dL/d(output), time order
    dh_last: np.ndarray | None,  # [D, H] dL/dh_n
    dc_last: np.ndarray | None,  # [D, H] dL/dc_n
) -> LayerGrads:
    T, D, GH = run.pre.shape
    H = run.hs.shape[2]
    dt = run.pre.dtype
    # total dL/dh per step, step order; the recurrence adds into it as it goes
    dh = np.empty((T, D, H), dtype=dt)
    dh[:, 0] = d_out[:, :H]
    if D == 2:
        dh[:, 1] = d_out[::-1, H:]
    if dh_last is not None and T > 0:
        dh[T - 1] += dh_last
    rec_t = _Recurrent(np.ascontiguousarray(W_hh))  # dp @ W_hh
    dpre = np.empty((T, D, GH), dtype=dt)
    dc0 = None
    if run.mode == "lstm":
        dc0 = _lstm_back(run, dh, dpre, rec_t, dc_last)
        dgh = dpre
    elif run.mode == "gru":
        dgh = np.empty_like(dpre)
        _gru_back(run, dh, dpre, dgh, rec_t)
    else:
        _vanilla_back(run, dh, dpre, rec_t)
        dgh = dpre
    dh0 = _last_rec(dgh, rec_t, run, dh)
    return _param_grads(run, x, W_ih, dpre, dgh, dh, dh0, dc0)


def _last_rec(dgh, rec_t, run, dh) -> np.ndarray:
    """dL/dh0 = the recurrent contribution of step 0 (plus GRU's direct path)."""
    out = np.empty(run.hs.shape[1:], dtype=dgh.dtype)
    rec_t(dgh[0], out)
    if run.mode == "gru":
        H = out.shape[1]
        out += dh[0] * run.gates[0][:, H : 2 * H]
    return out


def _vanilla_back(run, dh, dpre, rec_t) -> None:
    hs = run.hs[1:]
    if run.mode == "rnn_relu":
        deriv = (hs > 0).astype(dh.dtype)
    else:
        deriv = 1 - hs * hs
    tmp = np.empty(dh.shape[1:], dtype=dh.dtype)
    for s in range(dh.shape[0] - 1, -1, -1):
        dp = dpre[s]
        np.multiply(dh[s], deriv[s], out=dp)
        if s > 0:
            rec_t(dp, tmp)
            dh[s - 1] += tmp


def _lstm_back(run, dh, dpre, rec_t, dc_last) -> np.ndarray:
    T, D, GH = dpre.shape
    H = GH // 4
    G = run.gates.reshape(T, D, 4, H)
    i, f, g, o = G[:, :, 0], G[:, :, 1], G[:, :, 2], G[:, :, 3]
    c_prev = run.cs[:-1]
    tc = np.tanh(run.cs[1:])
    a_o = o * (1 - tc * tc)  # dc += dh ⊙ a_o
    b_o = tc * o * (1 - o)  # da_o = dh ⊙ b_o
    p3 = np.empty((T, D, 3, H), dtype=dpre.dtype)  # da_{i,f,g} = dc ⊙ p3
    np.multiply(g, i * (1 - i), out=p3[:, :, 0])
    np.multiply(c_prev, f * (1 - f), out=p3[:, :, 1])
    np.multiply(i, 1 - g * g, out=p3[:, :, 2])
    dc = np.zeros((D, H), dtype=dpre.dtype) if dc_last is None else dc_last.astype(dpre.dtype)
    tmp = np.empty((D, H), dtype=dpre.dtype)
    dp4 = dpre.reshape(T, D, 4, H)
    for s in range(T - 1, -1, -1):
        dh_s = dh[s]
        np.multiply(dh_s, a_o[s], out=tmp)
        dc += tmp
        dp = dp4[s]
        np.multiply(dc[:, None, :], p3[s], out=dp[:, :3])
        np.multiply(dh_s, b_o[s], out=dp[:, 3])
        dc *= f[s]  # dc_{t-1}
        if s > 0:
            rec_t(dpre[s], tmp)
            dh[s - 1] += tmp
    return dc


def _gru_back(run, dh, dgi, dgh, rec_t) -> None:
    T, D, GH = dgi.shape
    H = GH // 3
    G = run.gates.reshape(T, D, 3, H)
    r, z, n = G[:, :, 0], G[:, :, 1], G[:, :, 2]
    h_prev = run.hs[:-1]
    a1 = (1 - z) * (1 - n * n)  # da_n = dh ⊙ a1
    a2 = (h_prev - n) * z * (1 - z)  # da_z = dh ⊙ a2
    a3 = run.hn * r * (1 - r)  # da_r = da_n ⊙ a3
    gi4 = dgi.reshape(T, D, 3, H)
    gh4 = dgh.reshape(T, D, 3, H)
    tmp = np.empty((D, H), dtype=dgi.dtype)
    tmp2 = np.empty((D, H), dtype=dgi.dtype)
    for s in range(T - 1, -1, -1):
        dh_s = dh[s]
        gi = gi4[s]
        gh = gh4[s]
        np.multiply(dh_s, a1[s], out=gi[:, 2])
        np.multiply(dh_s, a2[s], out=gi[:, 1])
        np.multiply(gi[:, 2], a3[s], out=gi[:, 0])
        np.copyto(gh[:, :2], gi[:, :2])
        np.multiply(gi[:, 2], r[s], out=gh[:, 2])
        if s > 0:
            rec_t(dgh[s], tmp)
            np.multiply(dh_s, z[s], out=tmp2)
            tmp += tmp2
            dh[s - 1] += tmp


def _param_grads(run, x, W_ih, dpre, dgh, dh, dh0, dc0) -> LayerGrads:
    T, D, GH = dpre.shape
    dW_ih = np.empty_like(W_ih)
    dW_hh = np.empty((D, GH, run.hs.shape[2]), dtype=dpre.dtype)
    dx = np.zeros(x.shape, dtype=dpre.dtype)
    for d, xs in enumerate(_step_order_input(x, D)):
        dW_ih[d] = dpre[:, d].T @ xs
        dW_hh[d] = dgh[:, d].T @ run.hs[:-1, d]
        dxs = dpre[:, d] @ W_ih[d]  # [T, I] step order
        dx += dxs if d == 0 else dxs[::-1]
    return LayerGrads(
        W_ih=dW_ih,
        W_hh=dW_hh,
        b_ih=dpre.sum(axis=0),
        b_hh=dgh.sum(axis=0),
        x=dx,
        h0=dh0,
        c0=dc0,
        dh=dh,
    )


__all__ = ["LayerRun", "LayerGrads", "layer_forward", "layer_backward", "gate_count"]
