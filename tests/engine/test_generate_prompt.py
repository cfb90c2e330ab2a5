"""Continuing a prompt: the prompt's state, greedy = argmax, sampling = softmax(z/τ), top-k, seeds."""

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.activations import softmax
from rnnviz.engine.continuation import (
    choose,
    continue_prompt,
    next_distribution,
    sample_continuations,
)
from rnnviz.engine.stepper import Stepper

MODES = ["rnn_tanh", "lstm", "gru"]


def char_net(mode="lstm", V=7, H=12, layers=2, seed=3, bidirectional=False):
    spec = NetworkSpec(
        mode, V, H, num_layers=layers, output_size=V, head_activation="softmax", bidirectional=bidirectional
    )
    return Network.from_spec(spec, seed=seed)


@pytest.mark.parametrize("mode", MODES)
def test_the_state_after_the_prompt_is_the_forward_pass_over_the_prompt(mode):
    net = char_net(mode)
    prompt = [1, 4, 4, 0, 6, 2]
    trace = net.forward(np.eye(7)[prompt])
    stepper = Stepper(net)
    for k in prompt:
        z = stepper.step(token=k)
    h, c = stepper.state()
    np.testing.assert_allclose(h, trace.h_n, rtol=0, atol=1e-15)
    if mode == "lstm":
        np.testing.assert_allclose(c, trace.c_n, rtol=0, atol=1e-15)
    np.testing.assert_allclose(z, trace.y_logits[-1], rtol=0, atol=1e-15)


@pytest.mark.parametrize("mode", MODES)
def test_one_layer_states_are_bit_identical_to_the_forward_pass(mode):
    net = char_net(mode, layers=1)
    prompt = [2, 2, 5, 1, 0]
    trace = net.forward(np.eye(7)[prompt])
    stepper = Stepper(net)
    for k in prompt:
        stepper.step(token=k)
    np.testing.assert_array_equal(stepper.state()[0], trace.h_n)


@pytest.mark.parametrize("mode", MODES)
def test_greedy_is_the_argmax_of_the_forward_pass_step_by_step(mode):
    net = char_net(mode, seed=5)
    prompt = [3, 1]
    g = continue_prompt(net, prompt, 20, temperature=0.0)
    # the trace is the forward pass over the inputs, exactly
    again = net.forward(np.eye(7)[g.input_tokens])
    np.testing.assert_array_equal(g.trace.y_logits, again.y_logits)
    np.testing.assert_array_equal(g.trace.x, np.eye(7)[[3, 1, *g.tokens[:-1]]])
    # each choice is the argmax of the forward pass's logits at its step, and is fed back
    for n, token in enumerate(g.tokens):
        assert token == np.argmax(again.y_logits[g.first_choice_step + n])
    assert g.trace.steps == 2 + 20 - 1


def test_greedy_ignores_the_random_stream():
    net = char_net()
    a = continue_prompt(net, [0], 15, temperature=0.0, rng=1)
    b = continue_prompt(net, [0], 15, temperature=0.0, rng=2)
    assert a.tokens.tolist() == b.tokens.tolist()


@pytest.mark.parametrize("tau", [0.5, 1.0, 2.5])
def test_draws_follow_softmax_of_z_over_tau(tau):
    """A χ² goodness-of-fit test: 20 000 draws against softmax(z/τ), fixed seed."""
    z = np.array([1.2, -0.3, 0.4, 2.0, 0.0, -1.5])
    p = softmax(z / tau)
    rng = np.random.default_rng(11)
    n = 20_000
    counts = np.bincount([choose(z, tau, None, rng) for _ in range(n)], minlength=6)
    chi2 = np.sum((counts - n * p) ** 2 / (n * p))
    assert chi2 < 20.52  # χ²(5 degrees of freedom) at p = 0.001
    np.testing.assert_allclose(next_distribution(z, tau), p, rtol=1e-14)


def test_top_k_never_draws_outside_the_k_best_and_renormalises():
    z = np.array([0.1, 3.0, -2.0, 2.9, 0.2, 1.0])
    rng = np.random.default_rng(4)
    n = 20_000
    draws = np.array([choose(z, 3.0, 2, rng) for _ in range(n)])
    assert set(draws.tolist()) <= {1, 3}
    p = softmax(np.array([3.0, 2.9]) / 3.0)
    assert abs(np.mean(draws == 1) - p[0]) < 4 * np.sqrt(p[0] * p[1] / n)
    q = next_distribution(z, 3.0, top_k=2)
    assert np.count_nonzero(q) == 2 and q.sum() == pytest.approx(1.0)


def test_the_same_seed_gives_the_same_samples_from_one_stream():
    net = char_net("gru")
    five = sample_continuations(net, [2, 3], 12, samples=5, temperature=1.5, seed=9)
    again = sample_continuations(net, [2, 3], 12, samples=5, temperature=1.5, seed=9)
    assert [s.tokens.tolist() for s in five] == [s.tokens.tolist() for s in again]
    rng = np.random.default_rng(9)  # the K samples draw one after the other from one stream
    by_hand = [continue_prompt(net, [2, 3], 12, 1.5, None, rng).tokens.tolist() for _ in range(5)]
    assert [s.tokens.tolist() for s in five] == by_hand
    assert len({tuple(s.tokens) for s in five}) > 1  # and they differ from each other


def test_high_temperature_spreads_and_low_temperature_sharpens():
    z = np.array([2.0, 1.0, 0.0])
    assert next_distribution(z, 0.1)[0] > 0.999
    assert next_distribution(z, 100.0).max() < 0.34
    assert next_distribution(z, 0.0).tolist() == [1.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"temperature": -0.1}, "temperature"),
        ({"length": 0}, "length"),
        ({"prompt": [9]}, "out of range"),
        ({"prompt": []}, "at least one token"),
        ({"top_k": 0}, "top-k"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    args = {"prompt": [1], "length": 5} | kwargs
    with pytest.raises(ValueError, match=message):
        continue_prompt(char_net(), **args)


def test_a_bidirectional_network_cannot_generate():
    with pytest.raises(ValueError, match="bidirectional network reads the future"):
        continue_prompt(char_net(bidirectional=True), [1], 5)
