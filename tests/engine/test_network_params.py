"""Network.adopt_params / Network.params: the training loop's copy-free path to a new network."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.engine import SGD, Adam, Network, NetworkSpec
from rnnviz.engine.init import init_state_dict
from rnnviz.engine.train import loss_and_grads

SPEC = NetworkSpec("lstm", 3, 4, num_layers=2, bidirectional=True, output_size=2)


def _fresh(seed: int = 1, dtype=np.float64) -> dict[str, np.ndarray]:
    return {k: v.astype(dtype) for k, v in init_state_dict(SPEC, "pytorch", seed=seed).items()}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adopted_network_computes_what_a_constructed_one_does(dtype):
    old = Network(SPEC, _fresh(0), dtype=dtype)
    new_params = _fresh(1, dtype)
    built = Network(SPEC, new_params, dtype=dtype)
    adopted = old.adopt_params(new_params)
    x = np.random.default_rng(2).standard_normal((7, 3))
    a, b = built.forward(x), adopted.forward(x)
    assert adopted.dtype == dtype and adopted.spec == SPEC
    np.testing.assert_array_equal(a.y, b.y)
    ga = built.backward(a, d_y=np.ones_like(a.y))
    gb = adopted.backward(b, d_y=np.ones_like(b.y))
    for key in ga:
        np.testing.assert_array_equal(ga[key], gb[key])


def test_adopt_params_keeps_the_arrays_and_makes_them_read_only():
    new_params = _fresh(1)
    adopted = Network(SPEC, _fresh(0)).adopt_params(new_params)
    for key, a in new_params.items():
        assert adopted.param(key) is a
        assert not a.flags.writeable


def test_adopt_params_casts_another_dtype():
    adopted = Network(SPEC, _fresh(0), dtype=np.float32).adopt_params(_fresh(1, np.float64))
    assert all(a.dtype == np.float32 for a in adopted.params().values())


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p: p.pop("bias_hh_l1_reverse"), "missing 'bias_hh_l1_reverse'"),
        (lambda p: p.update(extra=np.zeros(1)), "unexpected key 'extra'"),
        (lambda p: p.update(weight_hh_l0=np.zeros((16, 5))), r"weight_hh_l0: expected shape \(16, 4\)"),
    ],
)
def test_adopt_params_names_a_wrong_key_or_shape(change, message):
    params = _fresh(1)
    change(params)
    with pytest.raises(ValueError, match=message):
        Network(SPEC, _fresh(0)).adopt_params(params)


def test_params_are_the_networks_own_read_only_arrays():
    net = Network(SPEC, _fresh(0))
    params = net.params()
    assert params.keys() == net.state_dict().keys()
    for key, a in params.items():
        assert a is net.param(key)
        with pytest.raises(ValueError):
            a[...] = 0


@pytest.mark.parametrize("make_opt", [lambda: Adam(lr=0.01), lambda: SGD(lr=0.1, momentum=0.9)])
def test_an_update_through_params_and_adopt_params_is_the_usual_update(make_opt):
    """What a training loop does with them: the optimiser reads the read-only
    arrays, the network adopts its output; same numbers as copies and a rebuild."""
    x = np.random.default_rng(3).standard_normal((6, 3))
    target = np.random.default_rng(4).standard_normal((6, 2))
    usual, fast = Network(SPEC, _fresh(0)), Network(SPEC, _fresh(0))
    opt_usual, opt_fast = make_opt(), make_opt()
    for _ in range(3):
        _, _, g = loss_and_grads(usual, x, target)
        usual = Network(SPEC, opt_usual.step(usual.state_dict(), g))
        _, _, g = loss_and_grads(fast, x, target)
        fast = fast.adopt_params(opt_fast.step(fast.params(), g))
    for key, a in usual.params().items():
        np.testing.assert_array_equal(fast.param(key), a)
