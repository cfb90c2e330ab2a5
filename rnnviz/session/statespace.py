"""The hidden state as a trajectory: PCA of h_1..h_T, and the flow field of a 2-unit cell.

    p = project(trace.hidden(layer, direction))   # Projection: xy [T, 2], explained [2]
    f = flow_field(trace, layer, direction, t, grid=21)  # FlowField: points [N, 2], moves [N, 2]

- **PCA**: the states are centred, and projected on the first two principal axes (the
  eigenvectors of the H×H covariance, the largest first; ``eigh`` of H×H is faster than an
  SVD of the T×H matrix when T ≫ H; above ``BIG`` states the work is done in float32,
  to about 1e-6).  The sign of each axis is fixed so that its largest
  loading is positive (the same states always give the same picture).  For H = 2 the
  plane is h itself (axes "h1", "h2"); explained variance is still given.
- **Flow field** (H = 2): on a grid over the trajectory, the move h ↦ h′ − h that one
  step of the cell makes with the input of step t held fixed: the picture of the
  attractors.  For an LSTM, whose state is (h, c), the cell state is held at c_{t−1}, the
  one step t started from.  Exactly the engine's (PyTorch's) cell equations.

Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnviz.engine.spec import param_suffix

BIG = 2_000_000  # states (T·H) above which the scatter matrix is summed in float32


@dataclass(frozen=True)
class Projection:
    xy: np.ndarray  # [T, 2] the states on the two axes
    explained: np.ndarray  # [2] the share of the variance along each axis (0..1)
    axes: np.ndarray  # [2, H] the axes (unit vectors) in state space
    mean: np.ndarray  # [H] the centre
    plane: bool  # H = 2: the axes are h1, h2 themselves

    @property
    def names(self) -> tuple[str, str]:
        return ("h1", "h2") if self.plane else ("PC1", "PC2")


def principal(states: np.ndarray) -> Projection:
    """``states`` [T, H] (T ≥ 1) on their first two principal axes, whatever H."""
    h = np.asarray(states, dtype=np.float64)
    H = h.shape[1]
    if H == 1:  # one unit: its own axis, the other flat
        mean = h.mean(axis=0)
        axes = np.array([[1.0], [0.0]])
        centred = h - mean
        explained = np.array([1.0 if np.any(centred) else 0.0, 0.0])
        return Projection(centred @ axes.T, explained, axes, mean, False)
    # big T·H in float32 (the scatter 3.5× faster, half the memory traffic): the axes and
    # the projection to ~1e-6, a picture's accuracy; small ones in float64
    big = h.size > BIG
    c = h.astype(np.float32) if big else h.copy()
    mean = c.mean(axis=0)  # [H]
    c -= mean
    scatter = (c.T @ c).astype(np.float64)  # [H, H]
    total = float(np.trace(scatter))  # Σ of the squared deviations
    values, vectors = np.linalg.eigh(scatter)  # ascending
    top = vectors[:, ::-1][:, :2].T  # [2, H]
    flip = np.sign(top[np.arange(2), np.argmax(np.abs(top), axis=1)])
    top = top * np.where(flip == 0, 1.0, flip)[:, None]
    explained = np.maximum(values[::-1][:2], 0.0) / total if total > 0 else np.zeros(2)
    xy = (c @ top.T.astype(c.dtype)).astype(np.float64)  # [T, 2]
    return Projection(xy, explained, top, mean.astype(np.float64), False)


def project(states: np.ndarray) -> Projection:
    """What the state-space view draws: the plane itself for H = 2, else :func:`principal`."""
    h = np.asarray(states, dtype=np.float64)
    if h.shape[1] != 2:
        return principal(h)
    mean = h.mean(axis=0)
    centred = h - mean
    total = float(np.sum(centred * centred))
    explained = np.sum(centred * centred, axis=0) / total if total > 0 else np.zeros(2)
    return Projection(h.copy(), explained, np.eye(2), mean, True)


@dataclass(frozen=True)
class FlowField:
    points: np.ndarray  # [N, 2] grid points h
    moves: np.ndarray  # [N, 2] h′ − h
    t: int  # 1-based step whose input is held
    held_c: np.ndarray | None  # LSTM: the cell state held (c_{t−1})


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def cell_step(network, layer: int, direction: int, x: np.ndarray, h: np.ndarray, c: np.ndarray | None):
    """h′ (and c′ for an LSTM) of one step from every row of ``h`` [N, H] with input ``x``
    [I]: PyTorch's cell equations on the engine's weights."""
    sfx = param_suffix(layer, direction)
    W_ih, W_hh = network.param("weight_ih" + sfx), network.param("weight_hh" + sfx)
    b_ih, b_hh = network.param("bias_ih" + sfx), network.param("bias_hh" + sfx)
    H = W_hh.shape[1]
    gx = W_ih @ x + b_ih  # [G·H]
    gh = h @ W_hh.T + b_hh  # [N, G·H]
    mode = network.mode
    if mode in ("rnn_tanh", "rnn_relu"):
        a = gx + gh
        return (np.tanh(a) if mode == "rnn_tanh" else np.maximum(a, 0.0)), None
    if mode == "gru":
        r = _sigmoid(gx[:H] + gh[:, :H])
        z = _sigmoid(gx[H : 2 * H] + gh[:, H : 2 * H])
        n = np.tanh(gx[2 * H :] + r * gh[:, 2 * H :])
        return (1.0 - z) * n + z * h, None
    a = gx + gh  # LSTM: i, f, g, o
    i, f = _sigmoid(a[:, :H]), _sigmoid(a[:, H : 2 * H])
    g, o = np.tanh(a[:, 2 * H : 3 * H]), _sigmoid(a[:, 3 * H :])
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new


def flow_field(trace, layer: int, direction: int, t: int, grid: int = 21, margin: float = 0.25) -> FlowField:
    """The flow of a 2-unit layer with step ``t``'s input (1-based) held (see the module doc)."""
    if trace.network.hidden_size != 2:
        raise ValueError(f"a flow field needs 2 hidden units; this layer has {trace.network.hidden_size}")
    T = trace.steps
    t = min(max(int(t), 1), T)
    states = np.vstack([trace.hidden_prev(layer, direction), trace.hidden(layer, direction)])  # [2T, 2]
    lo, hi = states.min(axis=0), states.max(axis=0)
    pad = np.maximum((hi - lo) * margin, 0.2)
    lo, hi = np.maximum(lo - pad, -1.05), np.minimum(hi + pad, 1.05)  # tanh keeps h in (−1, 1)
    if trace.network.mode == "rnn_relu":
        lo, hi = states.min(axis=0) - pad, states.max(axis=0) + pad
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], grid), np.linspace(lo[1], hi[1], grid))
    points = np.column_stack([gx.ravel(), gy.ravel()])  # [N, 2]
    x = np.asarray(trace.layer_inputs[layer][t - 1], dtype=np.float64)  # [I]
    held = None
    if trace.network.mode == "lstm":
        held = np.asarray(trace.cell_prev(layer, direction)[t - 1], dtype=np.float64)  # [2]
        c = np.broadcast_to(held, points.shape)
    else:
        c = None
    h_new, _ = cell_step(trace.network, layer, direction, x, points, c)
    return FlowField(points, h_new - points, t, held)


__all__ = ["FlowField", "Projection", "cell_step", "flow_field", "principal", "project"]
