"""The course's worked examples (../shared/seeds), reproduced to 4 decimals.

The expected numbers are the lecture notes' own hand calculations, except where
the notes slip; there the test holds the correct arithmetic and says so.
"""

import numpy as np
import pytest

from rnnviz.engine import Network

# seed 003: next-word prediction on "I love deep learning", vocabulary {I, love, deep, learning, _}
W_h = np.array([[0.2, -0.3, 0.1, 0.4, 0.1], [0.5, 0.1, -0.2, 0.2, -0.4], [-0.1, 0.3, 0.2, -0.1, 0.2]])
U_h = np.array([[0.1, 0.3, -0.2], [0.4, -0.1, 0.5], [-0.3, 0.2, 0.1]])
b_h = np.array([0.1, 0.1, -0.1])
W_y = np.array([[-0.2, 0.1, 0.2], [0.3, -0.4, 0.5], [0.1, 0.2, -0.3], [-0.5, 0.4, 0.1], [0.2, -0.1, 0.3]])
b_y = np.array([0.0, 0.1, 0.0, 0.1, 0.0])


def seed003_network() -> Network:
    state = {
        "weight_ih_l0": W_h,  # the notes' W_h: input → hidden
        "weight_hh_l0": U_h,  # the notes' U_h: hidden → hidden
        "bias_ih_l0": b_h,
        "bias_hh_l0": np.zeros(3),
        "head.weight": W_y,
        "head.bias": b_y,
    }
    return Network.from_state_dict(state, mode="rnn_tanh", head_activation="softmax")


def one_hot(indices, n=5):
    return np.eye(n)[indices]


def test_seed003_step1_hidden_state():
    trace = seed003_network().forward(one_hot([0, 1, 2, 3]))
    step = trace.step(0, 0, 0)
    np.testing.assert_allclose(step.x_term, [0.2, 0.5, -0.1], atol=1e-12)  # W_h · x_1
    np.testing.assert_allclose(step.h_term, [0, 0, 0], atol=1e-12)  # U_h · h_0
    np.testing.assert_allclose(step.pre, [0.3, 0.6, -0.2], atol=1e-12)
    assert np.round(trace.hidden()[0], 4).tolist() == [0.2913, 0.5370, -0.1974]


def test_seed003_step1_output_correct_where_the_notes_slip():
    """The notes give W_y·h_1 row 1 as −0.05826; the true product is −0.0440.

    (−0.2·0.2913 + 0.1·0.5370 + 0.2·(−0.1974) = −0.05826 + 0.05370 − 0.03948.)
    The notes' y_1 = (0.1743, 0.1933, 0.2323, 0.2120, 0.1880) follows from the slip;
    the correct softmax is below.
    """
    trace = seed003_network().forward(one_hot([0, 1, 2, 3]))
    head = trace.head_step(0)
    assert round(float(head.W_h[0]), 4) == -0.0440
    assert np.round(trace.y[0], 4).tolist() == [0.1854, 0.1707, 0.2356, 0.2249, 0.1834]
    assert trace.y[0].sum() == pytest.approx(1.0)


def seed004_network() -> Network:
    # s_t = tanh(W · [x_t, s_{t-1}] + b), W = [0.7 0.3 0.4], b = 0.4, y_t = s_t
    state = {
        "weight_ih_l0": np.array([[0.7, 0.3]]),
        "weight_hh_l0": np.array([[0.4]]),
        "bias_ih_l0": np.array([0.4]),
        "bias_hh_l0": np.array([0.0]),
    }
    return Network.from_state_dict(state, mode="rnn_tanh")


def test_seed004_two_step_basic_rnn():
    trace = seed004_network().forward(np.array([[0.1, 0.4], [0.7, 0.9]]))
    s = trace.hidden()[:, 0]
    assert round(float(trace.preactivations()["a"][0, 0]), 4) == 0.59
    assert round(float(trace.preactivations()["a"][1, 0]), 4) == 1.3720
    assert np.round(s, 4).tolist() == [0.5299, 0.8791]
    errors = s - np.array([0.3, 0.5])
    assert np.round(errors, 4).tolist() == [0.2299, 0.3791]


def test_seed000_example1_shapes_the_right_way_round():
    """Seed 000's Example 1 (m = 3 inputs, n = 2 states) says W_hh is 2×3 and W_hx 2×2.

    It is the other way round: W_hx maps the 3 inputs (2×3) and W_hh the 2 states (2×2).
    """
    state = {
        "weight_ih_l0": np.zeros((2, 3)),
        "weight_hh_l0": np.zeros((2, 2)),
        "bias_ih_l0": np.zeros(2),
        "bias_hh_l0": np.zeros(2),
    }
    net = Network.from_state_dict(state, mode="rnn_tanh")
    assert (net.input_size, net.hidden_size) == (3, 2)
    swapped = dict(state, weight_ih_l0=np.zeros((2, 2)), weight_hh_l0=np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"weight_hh_l0.*\(2, 3\)"):
        Network.from_state_dict(swapped, mode="rnn_tanh")
