"""Backpropagation through time for one layer, both directions at once.

The layer is the one of :mod:`rnnviz.engine.layers` (same symbols, same
step-order storage).  Walking the steps backwards, each step takes the total
dL/dh_t (from the layer's output and from step t+1), turns it into
dL/d(pre-activation) of every gate, and hands the recurrent part on to step
t−1 through ``dp · W_hh``.  The parameter gradients are then a few large
matmuls over all steps (:func:`_param_grads`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .recurrent import Recurrent

if TYPE_CHECKING:
    from .layers import LayerRun


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
    for d in range(D):
        xs = x if d == 0 else x[::-1]  # [T, I] in direction d's step order
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


__all__ = ["LayerGrads", "layer_backward"]
