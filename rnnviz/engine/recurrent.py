"""``W_hh · h`` for both directions of a layer at once, allocation-free per step.

The recurrent matmul of :mod:`rnnviz.engine.layers`: forward ``h [D, H] ↦ W_hh h``
laid out ``[G, D, H]`` (gate, direction, unit), and backward ``dp [G, D, H] ↦
dp · W_hh [D, H]``.  Three layouts, chosen once per layer: one direction; two
small directions as one block-diagonal product; two large ones as two products.

A :class:`Recurrent` serves one side, forward or backward, and builds only the
matrices that side reads: the backward side of one or two large directions
reads the weights as they are, with no copy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Up to this hidden size the two directions' recurrent matmuls are done as one
# block-diagonal product (one call beats two small ones); above it, two calls
# avoid multiplying the zero blocks.
_BLOCK_DIAG_MAX_H = 32


class Recurrent:
    """``W_hh · h`` for every direction, gate and unit, in the ``[G, D, H]`` layout.

    ``W_hh`` is [D, G·H, H] (or a sequence of D [G·H, H] arrays).  With
    ``backward=False`` it offers ``forward(h [D, H])``, returning a [G, D, H]
    array; with ``backward=True`` it offers ``backward(dp [G, D, H])``, returning
    a [D, H] array (dp · W_hh).  Both return internal buffers reused on every
    call, so a step allocates nothing.  ``sign`` [G·H], if given, multiplies
    the rows of ``W_hh`` on the way in (forward only).
    """

    def __init__(self, W_hh: np.ndarray | Sequence[np.ndarray], backward: bool = False, sign=None) -> None:
        D = len(W_hh)
        GH, H = W_hh[0].shape
        G = GH // H
        dt = W_hh[0].dtype
        self.G, self.D, self.H = G, D, H
        self.kind = "single" if D == 1 else "blockdiag" if H <= _BLOCK_DIAG_MAX_H else "pair"
        if self.kind == "blockdiag":
            rows = np.ones(GH, dtype=dt) if sign is None else sign  # [G·H]
            Bm = np.zeros((D, H, G, D, H), dtype=dt)  # [d in, in unit, g, d out, out unit]
            for d in range(D):
                Wg = (W_hh[d] * rows[:, None]).reshape(G, H, H)  # [g, out unit, in unit]
                Bm[d, :, :, d, :] = Wg.transpose(2, 0, 1)
            Mf = Bm.reshape(D * H, G * D * H)
            self.M = np.ascontiguousarray(Mf.T) if backward else Mf
        elif backward:  # dp · W_hh reads W_hh [G·H, H] as it is
            self.M = [np.ascontiguousarray(W_hh[d]) for d in range(D)]  # [G·H, H], no copy
        else:  # h · W_hhᵀ with W_hhᵀ [H, G·H] contiguous, σ rows' sign folded in
            self.M = [W_hh[d].T.copy() for d in range(D)]  # [H, G·H], C order, our own
            if sign is not None:
                for Mt in self.M:
                    Mt *= sign
        if self.kind == "pair":
            self._out = np.empty((D, G * H), dtype=dt)
            self._out_gdh = self._out.reshape(D, G, H).transpose(1, 0, 2)
            self._dgh = np.empty((D, G, H), dtype=dt)  # per-direction contiguous copy of dp
            self._dgh_gdh = self._dgh.transpose(1, 0, 2)
        else:
            self._out = self._out_gdh = np.empty((G, D, H), dtype=dt)
        self._back = np.empty((D, H), dtype=dt)
        # per-direction views made once: a step only calls np.dot on them
        self._out_flat, self._back_flat, self._back0 = (
            self._out.reshape(-1),
            self._back.reshape(-1),
            self._back[0],
        )
        self._out_row = self._out_flat[None, :]  # [1, G·H]
        if self.kind != "blockdiag":
            self._M0 = self.M[0]
        if self.kind == "pair":
            self._M1 = self.M[1]
            self._out0, self._out1 = self._out
            self._dgh0, self._dgh1 = self._dgh.reshape(D, G * H)
            self._back1 = self._back[1]
        if backward:
            self.backward = getattr(self, "_bwd_" + self.kind)
        else:
            self.forward = getattr(self, "_fwd_" + self.kind)

    def _fwd_single(self, h):
        np.dot(h, self._M0, self._out_row)  # [1, H] · [H, G·H]
        return self._out

    def _fwd_blockdiag(self, h):
        np.dot(h.reshape(-1), self.M, self._out_flat)
        return self._out

    def _fwd_pair(self, h):
        np.dot(h[0], self._M0, self._out0)
        np.dot(h[1], self._M1, self._out1)
        return self._out_gdh  # strided [G, D, H] view of the [D, G·H] buffer

    def _bwd_single(self, dp):
        np.dot(dp.reshape(-1), self._M0, self._back0)
        return self._back

    def _bwd_blockdiag(self, dp):
        np.dot(dp.reshape(-1), self.M, self._back_flat)
        return self._back

    def _bwd_pair(self, dp):
        np.copyto(self._dgh_gdh, dp)
        np.dot(self._dgh0, self._M0, self._back0)
        np.dot(self._dgh1, self._M1, self._back1)
        return self._back
