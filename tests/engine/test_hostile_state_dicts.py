"""``Network.from_state_dict`` with hostile or odd input: always a ValueError that names what."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec, init_state_dict

SPEC = NetworkSpec("lstm", 3, 4, num_layers=2, bidirectional=True, output_size=2)


def state(changes=None) -> dict:
    """SPEC's state dict with ``changes``; a None value removes that key."""
    s = {**init_state_dict(SPEC, seed=0), **(changes or {})}
    return {k: v for k, v in s.items() if v is not None}


@pytest.mark.parametrize(
    "odd, words",
    [
        ({1: np.zeros(3)}, ["keys must be strings", "1 (int)"]),
        ({("weight_ih_l0",): np.zeros(3)}, ["keys must be strings", "tuple"]),
        ({"weight_ih_l999": np.zeros((1, 1))}, ["weight_ih_l999", "1000 layers", "64"]),
        ({"extra": np.zeros(3)}, ["unexpected key 'extra'", "2-layer bidirectional lstm"]),
        ({"bias_ih_l0": [[1.0, 2.0], [3.0]]}, ["bias_ih_l0 is not an array"]),
        ({"bias_ih_l0": np.array(1.0)}, ["bias_ih_l0", "(16,)", "()"]),
        ({"weight_ih_l0": np.array(1.0)}, ["weight_ih_l0 must be a matrix", "()"]),
        ({"bias_ih_l1": np.empty(16, dtype=object)}, ["bias_ih_l1", "numeric", "object"]),
        ({"bias_ih_l1": np.array(["a"] * 16)}, ["bias_ih_l1", "numeric"]),
        ({"bias_ih_l1": np.zeros(16, complex)}, ["bias_ih_l1", "complex"]),
        ({"head.weight": np.zeros((0, 8)), "head.bias": np.zeros(0)}, ["head.weight", "(0, 8)"]),
        ({"head.weight": np.zeros(8)}, ["head.weight", "matrix", "(8,)"]),
        ({"head.weight": None}, ["missing 'head.weight'", "(2, 8)"]),
    ],
)
def test_odd_state_dicts_raise_value_errors_naming_the_key(odd, words):
    with pytest.raises(ValueError) as err:
        Network.from_state_dict(state(odd), "lstm", "softmax")
    for w in words:
        assert w in str(err.value), str(err.value)


def test_network_constructor_refuses_non_string_keys_too():
    with pytest.raises(ValueError, match="keys must be strings"):
        Network(SPEC, {**state(), 0: np.zeros(1)})


def test_unknown_dtype_is_a_value_error():
    with pytest.raises(ValueError, match="float32 or float64; got 'bogus'"):
        Network.from_state_dict(state(), "lstm", dtype="bogus")


def test_plain_lists_are_accepted():
    s = {k: v.tolist() for k, v in state().items()}
    net = Network.from_state_dict(s, "lstm")
    assert net.spec == SPEC
    for k, v in state().items():
        assert np.array_equal(net.param(k), v)


@pytest.mark.parametrize("bad", ["x", np.zeros((4, 4), complex), np.full((4, 4), None)])
def test_initial_states_and_upstream_gradients_must_be_numbers(bad):
    net = Network.from_state_dict(state(), "lstm", "softmax")
    x = np.zeros((2, 3))
    for name in ("h0", "c0"):
        with pytest.raises(ValueError, match=f"{name} must be numeric"):
            net.forward(x, **{name: bad})
    trace = net.forward(x)
    for name in ("d_output", "d_h_n", "d_c_n", "d_y"):
        with pytest.raises(ValueError, match=f"{name} must be numeric"):
            net.backward(trace, **{name: bad})
