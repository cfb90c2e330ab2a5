"""One-to-many generation: a hand loop, the step-by-step state, sampling and temperature."""

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.generate import Generation, generate, sample_index


def seed003_network() -> Network:
    """The course's seed 003 network: a 3-unit tanh RNN with a softmax head over 5 words."""
    state = {
        "weight_ih_l0": [
            [0.2, -0.3, 0.1, 0.4, 0.1],
            [0.5, 0.1, -0.2, 0.2, -0.4],
            [-0.1, 0.3, 0.2, -0.1, 0.2],
        ],
        "weight_hh_l0": [[0.1, 0.3, -0.2], [0.4, -0.1, 0.5], [-0.3, 0.2, 0.1]],
        "bias_ih_l0": [0.1, 0.1, -0.1],
        "bias_hh_l0": [0.0, 0.0, 0.0],
        "head.weight": [
            [-0.2, 0.1, 0.2],
            [0.3, -0.4, 0.5],
            [0.1, 0.2, -0.3],
            [-0.5, 0.4, 0.1],
            [0.2, -0.1, 0.3],
        ],
        "head.bias": [0.0, 0.1, 0.0, 0.1, 0.0],
    }
    return Network.from_state_dict({k: np.array(v) for k, v in state.items()}, "rnn_tanh", "softmax")


def softmax_lstm(seed=2, layers=2, V=6):
    spec = NetworkSpec("lstm", V, 5, num_layers=layers, output_size=V, head_activation="softmax")
    return Network.from_spec(spec, seed=seed)


def test_argmax_matches_a_hand_loop():
    """Seed 003's network writing its own sentence, checked with the equations by hand."""
    net = seed003_network()
    W, U, b = net.param("weight_ih_l0"), net.param("weight_hh_l0"), net.param("bias_ih_l0")
    Wy, by = net.param("head.weight"), net.param("head.bias")
    h, x, tokens, inputs = np.zeros(3), np.eye(5)[1], [], []
    for _ in range(8):
        inputs.append(x)
        h = np.tanh(W @ x + b + U @ h)  # b_hh is zero
        k = int(np.argmax(Wy @ h + by))
        tokens.append(k)
        x = np.eye(5)[k]
    g = generate(net, 1, 8)
    assert g.mode == "argmax"
    assert g.tokens.tolist() == tokens
    np.testing.assert_array_equal(g.inputs, inputs)
    assert g.steps == 8 and g.outputs.shape == (8, 5)


@pytest.mark.parametrize("mode", ["argmax", "sample"])
def test_trace_equals_the_step_by_step_state(mode):
    net = softmax_lstm()
    h0 = np.random.default_rng(0).normal(size=(2, 5)) * 0.5
    c0 = np.random.default_rng(1).normal(size=(2, 5)) * 0.5
    g = generate(net, 0, 12, mode=mode, rng=3, h0=h0, c0=c0)
    h, c = h0, c0
    for t in range(12):
        step = net.forward(g.inputs[t : t + 1], h0=h, c0=c)
        h, c = step.h_n, step.c_n
        np.testing.assert_allclose(g.trace.output[t], step.output[0], atol=1e-14)
        np.testing.assert_allclose(g.trace.cell(1)[t], step.cell(1)[0], atol=1e-14)
        np.testing.assert_allclose(g.outputs[t], step.y[0], atol=1e-14)
        if t + 1 < 12:  # the chosen token is the next input
            assert g.inputs[t + 1].tolist() == np.eye(6)[g.tokens[t]].tolist()
    np.testing.assert_allclose(g.trace.h0, h0)


def test_linear_head_feeds_its_output_back():
    net = Network.from_spec(NetworkSpec("gru", 2, 4, output_size=2), seed=1)
    g = generate(net, [0.5, -0.2], 10)
    assert g.mode == "value" and g.tokens is None
    np.testing.assert_array_equal(g.inputs[0], [0.5, -0.2])
    np.testing.assert_allclose(g.inputs[1:], g.outputs[:-1], atol=1e-15)


def test_diverging_feedback_says_so():
    spec = NetworkSpec("rnn_relu", 1, 1, output_size=1)
    state = {"weight_ih_l0": [[1.0]], "weight_hh_l0": [[0.0]], "bias_ih_l0": [0.0], "bias_hh_l0": [0.0]}
    state.update({"head.weight": [[1e300]], "head.bias": [0.0]})
    net = Network(spec, {k: np.array(v) for k, v in state.items()})
    with np.errstate(over="ignore"), pytest.raises(ValueError, match="diverged.*t=2"):
        generate(net, [1.0], 5)


def test_explicit_mode_overrides_the_default():
    net = Network.from_spec(NetworkSpec("rnn_tanh", 3, 4, output_size=3), seed=1)
    g = generate(net, 0, 5, mode="argmax")
    assert np.all(g.inputs.sum(axis=1) == 1)
    assert g.tokens.tolist() == g.outputs.argmax(axis=1).tolist()


def test_sampling_repeats_for_a_seed():
    net = softmax_lstm(layers=1)
    a = generate(net, 0, 40, mode="sample", rng=np.random.default_rng(7))
    b = generate(net, 0, 40, mode="sample", rng=np.random.default_rng(7))
    c = generate(net, 0, 40, mode="sample", rng=8)
    assert a.tokens.tolist() == b.tokens.tolist()
    assert a.tokens.tolist() != c.tokens.tolist()
    assert (
        generate(net, 0, 40, mode="sample").tokens.tolist()
        == generate(net, 0, 40, mode="sample").tokens.tolist()
    )


def test_low_temperature_approaches_argmax():
    net = softmax_lstm(layers=1)
    greedy = generate(net, 0, 30).tokens
    for seed in range(3):
        cold = generate(net, 0, 30, mode="sample", temperature=1e-4, rng=seed).tokens
        assert cold.tolist() == greedy.tolist()


def test_sample_index_follows_softmax_over_temperature():
    z = np.array([1.0, 0.0, -1.0, 2.0])
    rng = np.random.default_rng(0)
    n = 4000
    for tau in (0.5, 1.0, 3.0):
        counts = np.bincount([sample_index(z, tau, rng) for _ in range(n)], minlength=4)
        p = np.exp(z / tau) / np.exp(z / tau).sum()
        # within 5 standard errors of the expected frequencies
        assert np.all(np.abs(counts / n - p) < 5 * np.sqrt(p * (1 - p) / n) + 1e-12), tau
    hot = np.bincount([sample_index(z, 1e6, rng) for _ in range(2000)], minlength=4)
    assert np.all(np.abs(hot / 2000 - 0.25) < 0.05)  # τ → ∞: uniform


def test_huge_logits_sample_without_overflow():
    rng = np.random.default_rng(0)
    assert sample_index(np.array([1e300, -1e300, 0.0]), 1e-300, rng) == 0


def test_result_is_frozen():
    g = generate(seed003_network(), 0, 3)
    assert isinstance(g, Generation)
    with pytest.raises(AttributeError):
        g.mode = "sample"


@pytest.mark.parametrize(
    "net, kwargs, match",
    [
        (
            Network.from_spec(NetworkSpec("gru", 3, 4, bidirectional=True, output_size=3), seed=0),
            {},
            "unidirectional",
        ),
        (
            Network.from_spec(NetworkSpec("gru", 3, 4, output_size=2), seed=0),
            {},
            r"head size \(2\).*input size \(3\)",
        ),
        (Network.from_spec(NetworkSpec("gru", 3, 3), seed=0), {}, "no head"),
        (seed003_network(), dict(steps=0), "steps"),
        (seed003_network(), dict(temperature=0.0), "temperature"),
        (seed003_network(), dict(first_input=5), "out of range"),
        (seed003_network(), dict(first_input=[1.0, 0.0]), "expected 5 values"),
        (seed003_network(), dict(mode="beam"), "mode"),
        (seed003_network(), dict(h0=np.zeros((2, 3))), "h0"),
    ],
)
def test_bad_arguments(net, kwargs, match):
    kwargs = {"first_input": 0, "steps": 4, **kwargs}
    with pytest.raises(ValueError, match=match):
        generate(net, **kwargs)


@pytest.mark.parametrize("mode", ["rnn_relu", "lstm", "gru"])
@pytest.mark.parametrize("bi", [False, True])
@pytest.mark.parametrize("H", [4, 40])  # both directions as one block-diagonal product, or as two
def test_prepared_layers_run_many_sequences_as_forward_does(mode, bi, H):
    """Generation prepares the weights once and runs one step at a time with them; the
    prepared layers' work buffers must not leak from one run into the next."""
    spec = NetworkSpec(mode, 3, H, num_layers=2, bidirectional=bi, output_size=2)
    net = Network.from_spec(spec, seed=1)
    prepared = net.prepare()
    rng = np.random.default_rng(0)
    for T in (1, 5, 1, 3):
        x, h0 = rng.normal(size=(T, 3)), rng.normal(size=(2 * spec.num_directions, spec.hidden_size))
        a, b = (
            net.run_prepared(prepared, x, h0, h0 if mode == "lstm" else None),
            net.forward(x, h0, h0 if mode == "lstm" else None),
        )
        for name in ("output", "h_n", "c_n", "y"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
        np.testing.assert_array_equal(
            a.preactivations(1, 0)[spec.gate_names[0]], b.preactivations(1, 0)[spec.gate_names[0]]
        )
