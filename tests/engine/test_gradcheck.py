"""Backward (BPTT) against central differences, entry by entry, in float64.

The scalar loss is L = Σ R ⊙ (each thing the engine takes an upstream gradient for):
output, y (after the head's activation), y_logits (before it), h_n and c_n.  With
random R every path of the backward pass contributes, and dL/d(everything) must
equal (L(θ + ε) − L(θ − ε)) / 2ε for every parameter entry, every input entry
and every entry of h0 / c0.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec

MODES = ("rnn_tanh", "rnn_relu", "lstm", "gru")
HEADS = (None, "softmax", "sigmoid")  # None: a linear head
EPS = 1e-6
RTOL, ATOL = 1e-5, 1e-7
# upstream argument of Network.backward → the trace attribute it is the gradient of
UPSTREAMS = {
    "d_output": "output",
    "d_y": "y",
    "d_logits": "y_logits",
    "d_h_n": "h_n",
    "d_c_n": "c_n",
}


class Problem:
    """A small random network, input, initial state and upstream weights R."""

    def __init__(self, mode, layers, bi, head, upstreams, seed, T=5, I=2, H=3, out=3, with_head=True):
        rng = np.random.default_rng(seed)
        spec = NetworkSpec(mode, I, H, layers, bi, out if with_head else 0, head)
        self.spec = spec
        self.state = {k: rng.uniform(-0.7, 0.7, size=s) for k, s in spec.param_shapes().items()}
        LD = layers * (2 if bi else 1)
        self.inputs = {"x": rng.normal(size=(T, I)), "h0": rng.normal(size=(LD, H))}
        if mode == "lstm":
            self.inputs["c0"] = rng.normal(size=(LD, H))
        trace = self.net().forward(**self.inputs)
        self.R = {}
        for name in upstreams:
            ref = getattr(trace, UPSTREAMS[name])
            assert ref is not None, f"{name} does not apply to this network"
            self.R[name] = rng.normal(size=ref.shape)

    def net(self) -> Network:
        return Network.from_state_dict(self.state, self.spec.mode, self.spec.head_activation)

    def loss(self) -> float:
        trace = self.net().forward(**self.inputs)
        return sum(float(np.vdot(R, getattr(trace, UPSTREAMS[k]))) for k, R in self.R.items())

    def analytic(self):
        net = self.net()
        trace = net.forward(**self.inputs)
        R = self.R
        return net.backward(
            trace,
            R.get("d_output"),
            d_y=R.get("d_y"),
            d_h_n=R.get("d_h_n"),
            d_c_n=R.get("d_c_n"),
            d_logits=R.get("d_logits"),
        )

    def numeric(self, a: np.ndarray) -> np.ndarray:
        """dL/da by central differences; ``a`` is one of the problem's own arrays."""
        g = np.empty_like(a)
        for idx in np.ndindex(a.shape):
            orig = a[idx]
            a[idx] = orig + EPS
            up = self.loss()
            a[idx] = orig - EPS
            down = self.loss()
            a[idx] = orig
            g[idx] = (up - down) / (2 * EPS)
        return g

    def check_all(self) -> None:
        grads = self.analytic()
        arrays = {**self.state, **self.inputs}
        assert set(grads) == set(arrays), f"gradient keys {sorted(grads)} != {sorted(arrays)}"
        failures = []
        for key, a in arrays.items():
            num = self.numeric(a)
            got = grads[key]
            assert got.shape == a.shape, f"{key}: gradient shape {got.shape}, expected {a.shape}"
            assert got.dtype == np.float64
            if not np.allclose(got, num, rtol=RTOL, atol=ATOL):
                failures.append(f"{key}: max |analytic - numeric| = {np.abs(got - num).max():.3g}")
        assert not failures, "\n".join(failures)


GRID = list(itertools.product(MODES, (1, 2), (False, True)))


@pytest.mark.parametrize("mode,layers,bi", GRID, ids=[f"{m}-L{L}-{'bi' if b else 'uni'}" for m, L, b in GRID])
def test_every_gradient_with_every_upstream(mode, layers, bi):
    """All upstream gradients at once, a head whose activation rotates through the grid."""
    k = GRID.index((mode, layers, bi))
    ups = [u for u in UPSTREAMS if u != "d_c_n" or mode == "lstm"]
    Problem(mode, layers, bi, HEADS[k % 3], ups, seed=100 + k).check_all()


# d_y and d_logits go through the head's activation: try each one.  The other upstreams
# bypass the head (its gradient must come out zero), so one head is enough for them.
HEAD_CASES = [(mode, head, up) for mode in MODES for head in HEADS for up in ("d_y", "d_logits")] + [
    (mode, None, up)
    for mode in MODES
    for up in ("d_output", "d_h_n", "d_c_n")
    if up != "d_c_n" or mode == "lstm"
]


@pytest.mark.parametrize(
    "mode,head,upstream", HEAD_CASES, ids=[f"{m}-{h or 'linear'}-{u}" for m, h, u in HEAD_CASES]
)
def test_each_upstream_alone_through_each_head(mode, head, upstream):
    """One upstream gradient, the others None: every path on its own, through each head."""
    k = HEAD_CASES.index((mode, head, upstream))
    Problem(mode, 2, True, head, [upstream], seed=300 + k, T=4, H=2).check_all()


@pytest.mark.parametrize("mode", MODES)
def test_network_without_head(mode):
    ups = ["d_output", "d_h_n"] + (["d_c_n"] if mode == "lstm" else [])
    Problem(mode, 2, True, None, ups, seed=500 + MODES.index(mode), with_head=False).check_all()


@pytest.mark.parametrize("mode", MODES)
def test_many_to_one_loss_reaches_the_first_step(mode):
    """Only the last step's output carries loss: the gradient must travel back through time."""
    p = Problem(mode, 1, False, None, ["d_output"], seed=600 + MODES.index(mode), T=5, with_head=False)
    p.R["d_output"][:-1] = 0
    p.check_all()
    grads = p.analytic()
    assert np.abs(grads["x"][0]).max() > 1e-6, "no gradient reached x_0"
    assert grads.dh_norm(0, 0)[0] > 0


def test_numeric_gradient_detects_a_wrong_gradient():
    """The checker itself must fail on a gradient that is slightly off."""
    p = Problem("gru", 1, False, "softmax", ["d_y"], seed=7, T=3, H=2)
    grads = p.analytic()
    num = p.numeric(p.state["weight_hh_l0"])
    assert np.allclose(grads["weight_hh_l0"], num, rtol=RTOL, atol=ATOL)
    wrong = grads["weight_hh_l0"].copy()
    wrong[0, 0] *= 1.001
    assert not np.allclose(wrong, num, rtol=RTOL, atol=ATOL)
