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

# Up to this hidden size the two directions' recurrent matmuls are done as one
# block-diagonal product (one call beats two small ones); above it, two calls
# avoid multiplying the zero blocks.
_BLOCK_DIAG_MAX_H = 32


class _Recurrent:
    """``out[d] = h[d] @ M[d]`` for every direction d, as cheaply as NumPy allows."""

    def __init__(self, M: np.ndarray, hidden: int) -> None:  # M [D, K, N]
        D, K, N = M.shape
        if D == 1:
            self.kind = "single"
            self.M = np.ascontiguousarray(M[0])  # [K, N]
        elif hidden <= _BLOCK_DIAG_MAX_H:
            self.kind = "blockdiag"
            B = np.zeros((D * K, D * N), dtype=M.dtype)
            for d in range(D):
                B[d * K : (d + 1) * K, d * N : (d + 1) * N] = M[d]
            self.M = B  # [D·K, D·N]
        else:
            self.kind = "pair"
            self.M0 = np.ascontiguousarray(M[0])
            self.M1 = np.ascontiguousarray(M[1])
        #: fn(h [D, K], out [D, N]), both C-contiguous
        self.fn = getattr(self, "_" + self.kind)

    def _single(self, h, out):
        np.dot(h, self.M, out=out)

    def _blockdiag(self, h, out):
        np.dot(h.reshape(-1), self.M, out=out.reshape(-1))

    def _pair(self, h, out):
        np.dot(h[0], self.M0, out=out[0])
        np.dot(h[1], self.M1, out=out[1])


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
    gru = mode == "gru"
    sign = _sigmoid_sign(mode, H, dt)  # [G·H] or None
    b_x = b_ih + b_hh  # [D, G·H] biases that can join the input projection
    if gru:
        b_x[:, 2 * H :] = b_ih[:, 2 * H :]  # b_hn stays inside r ⊙ (W_hn h + b_hn)
    if sign is not None:
        W_ih, W_hh, b_x = W_ih * sign[:, None], W_hh * sign[:, None], b_x * sign
    pre = np.empty((T, D, GH), dtype=dt)  # [T, D, G·H]
    for d, xs in enumerate(_step_order_input(x, D)):
        np.matmul(xs, W_ih[d].T, out=pre[:, d])  # all steps in one matmul
        pre[:, d] += b_x[d]
    hs = np.empty((T + 1, D, H), dtype=dt)
    hs[0] = h0
    rec = _Recurrent(W_hh.transpose(0, 2, 1), H).fn  # h @ W_hhᵀ
    gates = cs = hn = None
    with np.errstate(over="ignore"):  # σ(a) for a ≪ 0: exp overflows, the result is exactly 0
        if mode == "lstm":
            gates = np.empty_like(pre)
            cs = np.empty((T + 1, D, H), dtype=dt)
            cs[0] = c0
            _lstm_loop(pre, gates, hs, cs, rec)
        elif gru:
            gates = np.empty_like(pre)
            hn = np.empty((T, D, H), dtype=dt)
            _gru_loop(pre, gates, hs, hn, b_hh[:, 2 * H :].copy(), rec)
        else:
            _vanilla_loop(pre, hs, rec, relu=mode == "rnn_relu")
    if sign is not None:
        pre *= sign  # the true pre-activations again
    return LayerRun(mode, pre, gates, hs, cs, hn)


def _vanilla_loop(pre, hs, rec, relu: bool) -> None:
    tmp = np.empty(pre.shape[1:], dtype=pre.dtype)
    zero = pre.dtype.type(0)
    act = np.maximum if relu else None
    for p, h_prev, h in zip(pre, hs[:-1], hs[1:]):
        rec(h_prev, tmp)
        p += tmp
        if act is None:
            np.tanh(p, out=h)
        else:
            act(p, zero, out=h)


def _lstm_loop(pre, gates, hs, cs, rec) -> None:
    T, D, GH = pre.shape
    H = GH // 4
    one = pre.dtype.type(1)
    tmp = np.empty((D, GH), dtype=pre.dtype)
    ig = np.empty((D, H), dtype=pre.dtype)
    # per-step views come from C iterators over these, not from Python slicing
    blocks = [gates[:, :, k * H : (k + 1) * H] for k in range(4)]  # i, f, g, o: [T, D, H]
    pre_g = pre[:, :, 2 * H : 3 * H]
    steps = zip(pre, gates, *blocks, pre_g, hs[:-1], hs[1:], cs[:-1], cs[1:])
    for p, g, i, f, gg, o, pg, h_prev, h, c_prev, c in steps:
        rec(h_prev, tmp)
        p += tmp  # i, f, o rows hold −a (see _sigmoid_sign)
        np.exp(p, out=g)
        g += one
        np.reciprocal(g, out=g)  # σ(a) on i, f, o
        np.tanh(pg, out=gg)  # tanh(a) on g
        np.multiply(f, c_prev, out=c)  # f ⊙ c_{t-1}
        np.multiply(i, gg, out=ig)  # i ⊙ g
        c += ig
        np.tanh(c, out=h)
        h *= o  # o ⊙ tanh(c_t)


def _gru_loop(pre, gates, hs, hn, b_hn, rec) -> None:
    T, D, GH = pre.shape
    H = GH // 3
    one = pre.dtype.type(1)
    gh = np.empty((D, GH), dtype=pre.dtype)  # W_hh h (r, z rows negated)
    gh_rz, gh_n = gh[:, : 2 * H], gh[:, 2 * H :]
    rh = np.empty((D, H), dtype=pre.dtype)
    p_rz, p_n = pre[:, :, : 2 * H], pre[:, :, 2 * H :]
    g_rz, g_r, g_z, g_n = (gates[:, :, a:b] for a, b in ((0, 2 * H), (0, H), (H, 2 * H), (2 * H, 3 * H)))
    steps = zip(p_rz, p_n, g_rz, g_r, g_z, g_n, hn, hs[:-1], hs[1:])
    for prz, pn, grz, r, z, n, hn_s, h_prev, h in steps:
        rec(h_prev, gh)
        prz += gh_rz  # holds −a for r, z
        np.exp(prz, out=grz)
        grz += one
        np.reciprocal(grz, out=grz)  # σ(a) on r, z
        np.add(gh_n, b_hn, out=hn_s)  # W_hn h + b_hn
        np.multiply(r, hn_s, out=rh)
        pn += rh  # W_in x + b_in + r ⊙ (W_hn h + b_hn)
        np.tanh(pn, out=n)
        np.subtract(h_prev, n, out=h)  # h_t = n + z ⊙ (h_{t-1} − n)
        h *= z
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
    rec_t = _Recurrent(W_hh, H).fn  # dp @ W_hh
    dpre = np.empty((T, D, GH), dtype=dt)
    dc0 = None
    if run.mode == "lstm":
        dc0, dh0 = _lstm_back(run, dh, dpre, rec_t, dc_last)
        dgh = dpre
    elif run.mode == "gru":
        dgh = np.empty_like(dpre)
        dh0 = _gru_back(run, dh, dpre, dgh, rec_t)
    else:
        dh0 = _vanilla_back(run, dh, dpre, rec_t)
        dgh = dpre
    return _param_grads(run, x, W_ih, dpre, dgh, dh, dh0, dc0)


# The loops below walk the steps backwards.  ``acc`` carries the recurrent part of
# dL/dh from step s to step s−1; at the end it is dL/dh0.


def _vanilla_back(run, dh, dpre, rec_t) -> np.ndarray:
    hs = run.hs[1:]
    if run.mode == "rnn_relu":
        deriv = (hs > 0).astype(dh.dtype)
    else:
        deriv = 1 - hs * hs  # tanh'
    acc = np.zeros(dh.shape[1:], dtype=dh.dtype)
    for dh_s, dp, dv in zip(dh[::-1], dpre[::-1], deriv[::-1]):
        dh_s += acc
        np.multiply(dh_s, dv, out=dp)
        rec_t(dp, acc)
    return acc


def _lstm_back(run, dh, dpre, rec_t, dc_last) -> tuple[np.ndarray, np.ndarray]:
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
    dc3 = dc[:, None, :]  # [D, 1, H] view, broadcast over i, f, g
    tmp = np.empty((D, H), dtype=dpre.dtype)
    acc = np.zeros((D, H), dtype=dpre.dtype)
    dp4 = dpre.reshape(T, D, 4, H)
    r = slice(None, None, -1)
    steps = zip(dh[r], dpre[r], dp4[r, :, :3], dp4[r, :, 3], a_o[r], b_o[r], p3[r], f[r])
    for dh_s, dp, dp_ifg, dp_o, ao, bo, p, fs in steps:
        dh_s += acc
        np.multiply(dh_s, ao, out=tmp)
        dc += tmp
        np.multiply(dc3, p, out=dp_ifg)
        np.multiply(dh_s, bo, out=dp_o)
        dc *= fs  # dc_{t-1}
        rec_t(dp, acc)
    return dc, acc


def _gru_back(run, dh, dgi, dgh, rec_t) -> np.ndarray:
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
    acc = np.zeros((D, H), dtype=dgi.dtype)
    rv = slice(None, None, -1)
    # the r, z rows of the x-side and h-side gradients are equal: write them into
    # dgh here and copy them over to dgi once, after the loop
    steps = zip(dh[rv], dgh[rv], gi4[rv, :, 2], gh4[rv, :, 0], gh4[rv, :, 1], gh4[rv, :, 2],
                a1[rv], a2[rv], a3[rv], r[rv], z[rv])  # fmt: skip
    for dh_s, gh, da_n, da_r, da_z, dgh_n, a1s, a2s, a3s, rs, zs in steps:
        dh_s += acc
        np.multiply(dh_s, a1s, out=da_n)
        np.multiply(dh_s, a2s, out=da_z)
        np.multiply(da_n, a3s, out=da_r)
        np.multiply(da_n, rs, out=dgh_n)  # d(W_hn h + b_hn) = da_n ⊙ r
        rec_t(gh, acc)
        np.multiply(dh_s, zs, out=tmp)  # h_t also depends on h_{t-1} directly, through z
        acc += tmp
    gi4[:, :, :2] = gh4[:, :, :2]
    return acc


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
