"""Weight initialisers: shapes, seeds, bounds, orthogonality, the forget-gate bias."""

import math

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.init import SCHEMES, init_state_dict

SPECS = [
    NetworkSpec("rnn_tanh", 3, 5),
    NetworkSpec("lstm", 4, 6, num_layers=2, bidirectional=True, output_size=3),
    NetworkSpec("gru", 2, 7, num_layers=3, output_size=2, head_activation="softmax"),
]


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.mode)
def test_shapes_keys_and_determinism(spec, scheme):
    a = init_state_dict(spec, scheme, seed=7)
    b = init_state_dict(spec, scheme, seed=7)
    assert list(a) == list(spec.param_shapes())
    for key, shape in spec.param_shapes().items():
        assert a[key].shape == shape
        assert a[key].dtype == np.float64
        np.testing.assert_array_equal(a[key], b[key])
    Network(spec, a)  # a valid state dict


@pytest.mark.parametrize("scheme", ["pytorch", "xavier", "orthogonal"])
def test_different_seeds_differ(scheme):
    spec = SPECS[1]
    a, b = init_state_dict(spec, scheme, seed=1), init_state_dict(spec, scheme, seed=2)
    assert not np.array_equal(a["weight_hh_l0"], b["weight_hh_l0"])


def test_pytorch_bounds_and_spread():
    spec = NetworkSpec("lstm", 10, 100, num_layers=2, bidirectional=True, output_size=5)
    state = init_state_dict(spec, "pytorch", seed=0)
    bound = 1 / math.sqrt(100)
    for key, w in state.items():
        b = 1 / math.sqrt(200) if key.startswith("head.") else bound  # head fan_in = D·H
        assert np.all(np.abs(w) <= b), key
        if w.size >= 1000:
            # U(-b, b): mean 0, std b/√3, and the extremes are reached
            assert abs(w.mean()) < 0.05 * b
            assert w.std() == pytest.approx(b / math.sqrt(3), rel=0.05)
            assert np.abs(w).max() > 0.99 * b


def test_pytorch_bounds_match_torch_modules():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    rnn = torch.nn.LSTM(10, 50, num_layers=2, bidirectional=True)
    lin = torch.nn.Linear(100, 40)
    spec = NetworkSpec("lstm", 10, 50, num_layers=2, bidirectional=True, output_size=40)
    ours = init_state_dict(spec, "pytorch", seed=3)
    theirs = {k: v.detach().numpy() for k, v in rnn.state_dict().items()}
    theirs.update({"head." + k: v.detach().numpy() for k, v in lin.state_dict().items()})
    assert set(ours) == set(theirs)
    for key in ours:
        assert ours[key].shape == theirs[key].shape
        # the same support U(-b, b): with ≥ 40 draws both maxima lie within 15 % of b
        b = 1 / math.sqrt(100 if key.startswith("head.") else 50)
        for w in (ours[key], theirs[key]):
            assert b * 0.85 < np.abs(w).max() <= b, key


def test_xavier_bound_per_gate_block_and_zero_biases():
    spec = NetworkSpec("gru", 8, 40, output_size=3)
    state = init_state_dict(spec, "xavier", seed=0)
    H = 40
    for key, fan_in in (("weight_ih_l0", 8), ("weight_hh_l0", 40)):
        a = math.sqrt(6 / (fan_in + H))  # per block: fan_out = H, not 3H
        w = state[key]
        assert np.all(np.abs(w) <= a)
        for k in range(3):
            assert np.abs(w[k * H : (k + 1) * H]).max() > 0.9 * a
    assert np.all(np.abs(state["head.weight"]) <= math.sqrt(6 / (40 + 3)))
    for key in ("bias_ih_l0", "bias_hh_l0", "head.bias"):
        assert not np.any(state[key])


def test_orthogonal_recurrent_blocks():
    spec = NetworkSpec("lstm", 3, 16, num_layers=2, bidirectional=True)
    state = init_state_dict(spec, "orthogonal", seed=5)
    H = 16
    for key, w in state.items():
        if key.startswith("weight_hh"):
            for k in range(4):
                Q = w[k * H : (k + 1) * H]  # [H, H]
                np.testing.assert_allclose(Q.T @ Q, np.eye(H), atol=1e-12)
                np.testing.assert_allclose(Q @ Q.T, np.eye(H), atol=1e-12)
            # the four gates get different matrices
            assert not np.allclose(w[:H], w[H : 2 * H])
        elif key.startswith("weight_ih"):
            fan_in = w.shape[1]
            assert np.all(np.abs(w) <= math.sqrt(6 / (fan_in + H)))
        else:
            assert not np.any(w)


def test_zeros_and_constant():
    spec = SPECS[1]
    assert all(not np.any(w) for w in init_state_dict(spec, "zeros").values())
    assert all(np.all(w == -0.25) for w in init_state_dict(spec, "constant", constant=-0.25).values())


@pytest.mark.parametrize("scheme", SCHEMES)
def test_forget_bias_one(scheme):
    spec = NetworkSpec("lstm", 2, 4, num_layers=2, bidirectional=True)
    plain = init_state_dict(spec, scheme, seed=1)
    state = init_state_dict(spec, scheme, seed=1, forget_bias_one=True)
    H = 4
    for key in state:
        if key.startswith("bias_ih"):
            assert np.all(state[key][H : 2 * H] == 1.0)
        if key.startswith("bias_hh"):
            assert np.all(state[key][H : 2 * H] == 0.0)
        if key.startswith("bias"):
            # the i, g, o blocks are untouched
            keep = np.r_[0:H, 2 * H : 4 * H]
            np.testing.assert_array_equal(state[key][keep], plain[key][keep])
        else:
            np.testing.assert_array_equal(state[key], plain[key])
    # the total forget bias b_if + b_hf is 1
    trace = Network(spec, state).forward(np.zeros((1, 2)))
    np.testing.assert_allclose(trace.preactivations()["f"][0], 1.0, atol=1e-12)


def test_from_spec_uses_init():
    spec = SPECS[2]
    net = Network.from_spec(spec, init="orthogonal", seed=4)
    np.testing.assert_array_equal(
        net.param("weight_hh_l1"), init_state_dict(spec, "orthogonal", 4)["weight_hh_l1"]
    )


@pytest.mark.parametrize(
    "kwargs, word",
    [
        (dict(scheme="he"), "scheme"),
        (dict(seed=-1), "seed"),
        (dict(seed=1.5), "seed"),
        (dict(scheme="constant", constant=float("nan")), "constant"),
        (dict(forget_bias_one=True), "LSTM"),
    ],
)
def test_bad_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        init_state_dict(NetworkSpec("gru", 2, 3), **kwargs)
