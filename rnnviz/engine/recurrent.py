"""``W_hh · h`` for both directions of a layer at once, allocation-free per step.

The recurrent matmul of :mod:`rnnviz.engine.layers`: forward ``h [D, H] ↦ W_hh h``
laid out ``[G, D, H]`` (gate, direction, unit), and backward ``dp [G, D, H] ↦
dp · W_hh [D, H]``.  Three layouts, chosen once per layer: one direction; two
small directions as one block-diagonal product; two large ones as two products.
"""

from __future__ import annotations

import numpy as np

# Up to this hidden size the two directions' recurrent matmuls are done as one
# block-diagonal product (one call beats two small ones); above it, two calls
# avoid multiplying the zero blocks.
_BLOCK_DIAG_MAX_H = 32


class Recurrent:
    """``W_hh · h`` for every direction, gate and unit, in the ``[G, D, H]`` layout.

    ``W_hh`` is [D, G·H, H].  ``forward(h [D, H])`` returns a [G, D, H] array and
    ``backward(dp [G, D, H])`` a [D, H] array (dp · W_hh); both are internal
    buffers reused on every call, so a step allocates nothing.
    """

    def __init__(self, W_hh: np.ndarray) -> None:
        D, GH, H = W_hh.shape
        G = GH // H
        dt = W_hh.dtype
        self.G, self.D, self.H = G, D, H
        if D == 1:
            self.kind = "single"
            self.Mf = np.ascontiguousarray(W_hh[0].T)  # [H, G·H]
            self.Mb = np.ascontiguousarray(W_hh[0])  # [G·H, H]
        elif H <= _BLOCK_DIAG_MAX_H:
            self.kind = "blockdiag"
            Wg = W_hh.reshape(D, G, H, H)  # [d, g, out unit, in unit]
            B = np.zeros((D, H, G, D, H), dtype=dt)  # [d in, in unit, g, d out, out unit]
            for d in range(D):
                B[d, :, :, d, :] = Wg[d].transpose(2, 0, 1)
            self.Mf = B.reshape(D * H, G * D * H)
            self.Mb = np.ascontiguousarray(self.Mf.T)
        else:
            self.kind = "pair"
            self.Mf = [np.ascontiguousarray(W_hh[d].T) for d in range(D)]  # [H, G·H]
            self.Mb = [np.ascontiguousarray(W_hh[d]) for d in range(D)]  # [G·H, H]
            self._dgh = np.empty((D, G, H), dtype=dt)  # per-direction contiguous copy of dp
            self._dgh_gdh = self._dgh.transpose(1, 0, 2)
        self._out = np.empty((D, G * H), dtype=dt) if self.kind == "pair" else np.empty((G, D, H), dtype=dt)
        self._out_gdh = self._out.reshape(D, G, H).transpose(1, 0, 2) if self.kind == "pair" else self._out
        self._back = np.empty((D, H), dtype=dt)
        self.forward = getattr(self, "_fwd_" + self.kind)
        self.backward = getattr(self, "_bwd_" + self.kind)

    def _fwd_single(self, h):
        np.dot(h[0], self.Mf, out=self._out.reshape(-1))
        return self._out

    def _fwd_blockdiag(self, h):
        np.dot(h.reshape(-1), self.Mf, out=self._out.reshape(-1))
        return self._out

    def _fwd_pair(self, h):
        out = self._out
        for d in range(self.D):
            np.dot(h[d], self.Mf[d], out=out[d])
        return self._out_gdh  # strided [G, D, H] view of the [D, G·H] buffer

    def _bwd_single(self, dp):
        np.dot(dp.reshape(-1), self.Mb, out=self._back[0])
        return self._back

    def _bwd_blockdiag(self, dp):
        np.dot(dp.reshape(-1), self.Mb, out=self._back.reshape(-1))
        return self._back

    def _bwd_pair(self, dp):
        np.copyto(self._dgh_gdh, dp)
        for d in range(self.D):
            np.dot(self._dgh[d].reshape(-1), self.Mb[d], out=self._back[d])
        return self._back
