"""Per-step gradients (∂L/∂h_t, ∂L/∂c_t, ∂L/∂pre-activations) against central differences.

The truth: split the sequence at step t.  The loss after t is a function of the
state (h_t, c_t) the rest of the sequence starts from, so ∂L/∂h_t is the central
difference of ℓ_t(h_t) + L_rest(forward(x[t+1:], h0=h_t, c0=c_t)).
"""

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.train import loss_and_grads, sequence_loss

EPS = 1e-6


def _net(mode, seed=3, head="softmax"):
    spec = NetworkSpec(mode, 3, 4, 1, False, 3 if head else 0, head)
    return Network.from_spec(spec, seed=seed)


def _split_loss(net, x, target, t, h, c, loss):
    """L as a function of the state after step t (0-based), the rest of the sequence fixed."""
    total = 0.0
    if net.has_head:  # ℓ_t depends on h_t through the head
        z = net.param("head.weight") @ h + net.param("head.bias")
        total += _one_step_loss(net, z, target[t], loss)
    rest = x[t + 1 :]
    if len(rest):
        tr = net.forward(rest, h0=h[None], c0=None if c is None else c[None])
        total += sequence_loss(net, tr, target[t + 1 :], loss).loss * len(rest)
    return total


def _one_step_loss(net, z, target_row, loss):
    if loss == "cross_entropy":
        z = z - z.max()
        return -(z[int(target_row)] - np.log(np.exp(z).sum()))
    y = net._head_act(z[None])[0]
    return float(((y - target_row) ** 2).mean())


@pytest.mark.parametrize("mode", ["rnn_tanh", "lstm", "gru"])
@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_dh_and_dc_per_step_equal_central_differences(mode, loss):
    rng = np.random.default_rng(1)
    T = 5
    net = _net(mode)
    x = rng.normal(size=(T, 3))
    target = rng.integers(0, 3, size=T).astype(float) if loss == "cross_entropy" else rng.random((T, 3))
    trace, result, grads = loss_and_grads(net, x, target, loss)
    scale = T  # loss_and_grads averages over the T steps; the split loss sums them
    for t in range(T):
        h = trace.hidden()[t].copy()
        c = trace.cell()[t].copy() if mode == "lstm" else None
        num_h = np.empty(4)
        num_c = np.empty(4)
        for k in range(4):
            e = np.zeros(4)
            e[k] = EPS
            num_h[k] = (
                _split_loss(net, x, target, t, h + e, c, loss)
                - _split_loss(net, x, target, t, h - e, c, loss)
            ) / (2 * EPS)
            if c is not None:  # c_t moves h_t = o_t ⊙ tanh(c_t) too: the total derivative
                o = trace.gates()["o"][t]
                num_c[k] = (
                    _split_loss(net, x, target, t, o * np.tanh(c + e), c + e, loss)
                    - _split_loss(net, x, target, t, o * np.tanh(c - e), c - e, loss)
                ) / (2 * EPS)
        np.testing.assert_allclose(grads.dh()[t] * scale, num_h, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(np.linalg.norm(grads.dh()[t]), grads.dh_norm()[t], rtol=1e-12)
        if c is not None:
            np.testing.assert_allclose(grads.dc()[t] * scale, num_c, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("mode", ["rnn_tanh", "lstm", "gru"])
def test_dpre_sums_to_the_input_bias_gradient_per_gate(mode):
    """b_ih enters every step's pre-activation once: Σ_t ∂L/∂pre_t = ∂L/∂b_ih, per gate (both directions)."""
    rng = np.random.default_rng(2)
    spec = NetworkSpec(mode, 2, 3, 2, True, 2, None)
    net = Network.from_spec(spec, seed=5)
    x = rng.normal(size=(6, 2))
    _, _, grads = loss_and_grads(net, x, rng.normal(size=(6, 2)), "mse")
    H = 3
    for layer in range(2):
        for d in range(2):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            db = grads["bias_ih" + sfx]
            for j, (gate, dp) in enumerate(grads.dpre(layer, d).items()):
                np.testing.assert_allclose(
                    dp.sum(axis=0), db[j * H : (j + 1) * H], rtol=1e-10, atol=1e-14, err_msg=gate
                )
            np.testing.assert_allclose(
                np.linalg.norm(grads.dh(layer, d), axis=1), grads.dh_norm(layer, d), rtol=1e-12
            )


def test_step_gradients_are_read_only_and_named():
    net = _net("lstm")
    _, _, grads = loss_and_grads(net, np.ones((3, 3)), np.zeros(3), "cross_entropy")
    assert set(grads.dpre()) == {"i", "f", "g", "o"}
    assert grads.d_logits.shape == (3, 3)
    with pytest.raises(ValueError):
        grads.dh()[0, 0] = 1.0
    with pytest.raises(IndexError):
        grads.dh(1, 0)
    gru = _net("gru")
    _, _, g2 = loss_and_grads(gru, np.ones((3, 3)), np.zeros(3), "cross_entropy")
    with pytest.raises(ValueError, match="only an LSTM"):
        g2.dc()
