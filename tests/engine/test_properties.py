"""Hypothesis property tests of the engine: what must hold for any network and input."""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnviz.engine import Network, NetworkSpec

MODES = ("rnn_tanh", "rnn_relu", "lstm", "gru")
GATES = {"rnn_tanh": set(), "rnn_relu": set(), "lstm": {"i", "f", "g", "o"}, "gru": {"r", "z", "n"}}
ANY_DIRECTION = st.booleans()


@dataclass
class Case:
    spec: NetworkSpec
    state: dict[str, np.ndarray]
    x: np.ndarray
    h0: np.ndarray | None
    c0: np.ndarray | None
    rng: np.random.Generator

    @property
    def lstm(self) -> bool:
        return self.spec.mode == "lstm"

    def net(self, dtype=np.float64) -> Network:
        return Network.from_state_dict(self.state, self.spec.mode, self.spec.head_activation, dtype=dtype)

    def forward(self, net: Network | None = None):
        net = net or self.net()
        return net.forward(self.x, self.h0, self.c0)

    def upstreams(self, trace) -> dict[str, np.ndarray | None]:
        """Random upstream gradients for every output the trace has."""
        r = self.rng
        return {
            "d_output": r.normal(size=trace.output.shape),
            "d_h_n": r.normal(size=trace.h_n.shape),
            "d_c_n": r.normal(size=trace.c_n.shape) if trace.c_n is not None else None,
            "d_y": r.normal(size=trace.y.shape) if trace.y is not None else None,
            "d_logits": r.normal(size=trace.y.shape) if trace.y is not None else None,
        }

    def directions(self):
        return list(itertools.product(range(self.spec.num_layers), range(self.spec.num_directions)))


@st.composite
def cases(draw, modes=MODES, bidirectional=ANY_DIRECTION, max_layers=3, scale=1.0):
    mode = draw(st.sampled_from(modes))
    layers = draw(st.integers(1, max_layers))
    bi = draw(bidirectional)
    H, I, T = draw(st.integers(1, 5)), draw(st.integers(1, 4)), draw(st.integers(1, 8))
    out = draw(st.integers(0, 3))
    act = draw(st.sampled_from([None, "softmax", "sigmoid"])) if out else None
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    spec = NetworkSpec(mode, I, H, layers, bi, out, act)
    state = {k: scale * rng.uniform(-0.7, 0.7, size=s) for k, s in spec.param_shapes().items()}
    LD = layers * spec.num_directions
    x = scale * rng.normal(size=(T, I))
    h0 = rng.normal(size=(LD, H)) if draw(st.booleans()) else None
    c0 = rng.normal(size=(LD, H)) if mode == "lstm" and draw(st.booleans()) else None
    return Case(spec, state, x, h0, c0, rng)


def bitwise_equal(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


# -- shapes ---------------------------------------------------------------------------------
@given(cases())
def test_shapes(case):
    s = case.spec
    T, H, D, L = case.x.shape[0], s.hidden_size, s.num_directions, s.num_layers
    net = case.net()
    trace = case.forward(net)
    assert trace.output.shape == (T, D * H)
    assert trace.h_n.shape == (L * D, H)
    assert (trace.c_n.shape == (L * D, H)) if case.lstm else (trace.c_n is None)
    if s.output_size:
        assert trace.y.shape == trace.y_logits.shape == (T, s.output_size)
    else:
        assert trace.y is None and trace.y_logits is None
    for layer, d in case.directions():
        assert trace.hidden(layer, d).shape == (T, H)
        assert trace.hidden_prev(layer, d).shape == (T, H)
        if case.lstm:
            assert trace.cell(layer, d).shape == (T, H)
        gates = trace.gates(layer, d)
        assert set(gates) == GATES[s.mode]
        assert all(g.shape == (T, H) for g in gates.values())
        assert all(p.shape == (T, H) for p in trace.preactivations(layer, d).values())
    grads = net.backward(trace, **case.upstreams(trace))
    expected = {k: v.shape for k, v in case.state.items()}
    expected.update(x=case.x.shape, h0=(L * D, H))
    if case.lstm:
        expected["c0"] = (L * D, H)
    assert {k: g.shape for k, g in grads.items()} == expected
    for layer, d in case.directions():
        norms = grads.dh_norm(layer, d)
        assert norms.shape == (T,)
        assert np.all(np.isfinite(norms)) and np.all(norms >= 0)


@given(cases(), st.data())
def test_trace_indexing_out_of_range_raises(case, data):
    trace = case.forward()
    with pytest.raises(IndexError):
        trace.hidden(case.spec.num_layers, 0)
    with pytest.raises(IndexError):
        trace.gates(0, case.spec.num_directions)
    with pytest.raises(IndexError):
        trace.step(0, 0, case.x.shape[0])
    if trace.y is not None:
        for t in (-1, case.x.shape[0]):  # -1 would silently read the last step
            with pytest.raises(IndexError):
                trace.head_step(t)


# -- determinism ------------------------------------------------------------------------------
@given(cases())
def test_same_input_gives_bit_identical_trace_and_gradients(case):
    runs = []
    for _ in range(2):
        net = case.net()
        trace = case.forward(net)
        rng_state = case.rng.bit_generator.state
        grads = net.backward(trace, **case.upstreams(trace))
        case.rng.bit_generator.state = rng_state  # the same upstreams the second time
        runs.append((trace, grads))
    (t1, g1), (t2, g2) = runs
    for name in ("output", "h_n", "c_n", "y_logits", "y"):
        assert bitwise_equal(getattr(t1, name), getattr(t2, name)), name
    for layer, d in case.directions():
        assert bitwise_equal(t1.hidden(layer, d), t2.hidden(layer, d))
        for k, g in t1.gates(layer, d).items():
            assert bitwise_equal(g, t2.gates(layer, d)[k]), k
        for k, p in t1.preactivations(layer, d).items():
            assert bitwise_equal(p, t2.preactivations(layer, d)[k]), k
        assert bitwise_equal(g1.dh_norm(layer, d), g2.dh_norm(layer, d))
    assert set(g1) == set(g2)
    for k in g1:
        assert bitwise_equal(g1[k], g2[k]), k


# -- the two directions -----------------------------------------------------------------------
def single_direction_net(case: Case, layer: int, d: int) -> Network:
    """A 1-layer unidirectional network holding layer ``layer``'s direction-``d`` weights."""
    sfx = f"_l{layer}" + ("_reverse" if d else "")
    state = {f"{n}_l0": case.state[n + sfx] for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    return Network.from_state_dict(state, case.spec.mode)


def initial(a, k):
    return None if a is None else a[k : k + 1]


@given(cases(bidirectional=st.just(True)))
def test_each_direction_is_a_unidirectional_run(case):
    """Direction 1 = the forward cell run on the reversed sequence; direction 0 = on the sequence."""
    trace = case.forward()
    D = 2
    inp = trace.x
    for layer in range(case.spec.num_layers):
        for d in range(D):
            k = layer * D + d
            seq = inp if d == 0 else inp[::-1]
            uni = single_direction_net(case, layer, d).forward(seq, initial(case.h0, k), initial(case.c0, k))
            flip = (lambda a: a) if d == 0 else (lambda a: a[::-1])
            close = dict(rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(trace.hidden(layer, d), flip(uni.hidden(0, 0)), **close)
            np.testing.assert_allclose(trace.h_n[k], uni.h_n[0], **close)
            for g, values in trace.gates(layer, d).items():
                np.testing.assert_allclose(values, flip(uni.gates(0, 0)[g]), **close, err_msg=g)
            for g, values in trace.preactivations(layer, d).items():
                np.testing.assert_allclose(values, flip(uni.preactivations(0, 0)[g]), **close, err_msg=g)
            if case.lstm:
                np.testing.assert_allclose(trace.cell(layer, d), flip(uni.cell(0, 0)), **close)
                np.testing.assert_allclose(trace.c_n[k], uni.c_n[0], **close)
        inp = np.concatenate([trace.hidden(layer, 0), trace.hidden(layer, 1)], axis=1)
    np.testing.assert_array_equal(inp, trace.output)


# -- precision --------------------------------------------------------------------------------
def assert_close_scaled(a, b, rtol, name):
    scale = max(1.0, float(np.abs(b).max(initial=0.0)))
    err = float(np.abs(np.asarray(a, dtype=np.float64) - b).max(initial=0.0))
    assert err <= rtol * scale, f"{name}: float32 differs from float64 by {err:.3g} (scale {scale:.3g})"


@given(cases())
def test_float32_is_close_to_float64(case):
    n64, n32 = case.net(np.float64), case.net(np.float32)
    t64, t32 = case.forward(n64), case.forward(n32)
    assert t32.output.dtype == np.float32
    for name in ("output", "h_n", "c_n", "y"):
        a, b = getattr(t32, name), getattr(t64, name)
        if b is not None:
            assert_close_scaled(a, b, 1e-4, name)
    for layer, d in case.directions():
        for g, values in t64.gates(layer, d).items():
            assert_close_scaled(t32.gates(layer, d)[g], values, 1e-4, g)
    ups = case.upstreams(t64)
    g64 = n64.backward(t64, **ups)
    g32 = n32.backward(t32, **{k: None if v is None else v.astype(np.float32) for k, v in ups.items()})
    assert all(g.dtype == np.float32 for g in g32.values())
    if case.spec.mode != "rnn_relu":  # ReLU's derivative jumps at 0, where float32 and float64 may disagree
        for k in g64:
            assert_close_scaled(g32[k], g64[k], 1e-3, f"grad {k}")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(case=cases(scale=25.0))
def test_saturated_network_stays_finite_without_warnings(case, dtype):
    """Weights ×25 and inputs ×25: σ, tanh, softmax and their gradients saturate, never overflow."""
    if dtype == np.float32 and case.spec.mode == "rnn_relu":
        return  # an unbounded ReLU recurrence at ×25 genuinely exceeds float32's range
    with warnings.catch_warnings(), np.errstate(over="warn", invalid="warn", divide="warn"):
        warnings.simplefilter("error")
        net = case.net(dtype)
        trace = case.forward(net)
        grads = net.backward(trace, **case.upstreams(trace))
    for name in ("output", "h_n", "c_n", "y_logits", "y"):
        a = getattr(trace, name)
        assert a is None or np.all(np.isfinite(a)), name
    for layer, d in case.directions():
        for g, values in trace.gates(layer, d).items():
            assert np.all(np.isfinite(values)), g
        assert np.all(np.isfinite(grads.dh_norm(layer, d)))
    for k, g in grads.items():
        assert np.all(np.isfinite(g)), k


# -- the state dict ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(case=cases())
def test_state_dict_round_trips_bitwise(case, dtype):
    state = {k: v.astype(dtype) for k, v in case.state.items()}
    net = Network.from_state_dict(state, case.spec.mode, case.spec.head_activation, dtype=dtype)
    back = net.state_dict()
    assert set(back) == set(state)
    for k, v in state.items():
        assert bitwise_equal(back[k], v), k
    before = net.forward(case.x).output.copy()
    for v in back.values():  # the caller's copy is theirs: changing it leaves the network alone
        v[...] = 0
    assert bitwise_equal(net.forward(case.x).output, before)
    again = Network.from_state_dict(net.state_dict(), case.spec.mode, case.spec.head_activation, dtype=dtype)
    assert bitwise_equal(again.forward(case.x).output, before)


@given(cases(), st.data())
def test_missing_key_is_named(case, data):
    key = data.draw(st.sampled_from(sorted(case.state)), label="key")
    state = {k: v for k, v in case.state.items() if k != key}
    with pytest.raises(ValueError) as err:
        Network.from_state_dict(state, case.spec.mode, case.spec.head_activation)
    assert repr(key) in str(err.value) or key in str(err.value)


def defines_a_size(key: str, dim: int, mode: str) -> bool:
    """Dimensions the engine reads sizes from: a change there is a different network, not an error.

    weight_ih_l0's columns are the input size, head.weight's rows the output size,
    and a vanilla weight_hh_l0 (H×H) carries the hidden size in both.
    """
    if key == "weight_ih_l0":
        return dim == 1
    if key == "head.weight":
        return dim == 0
    return key == "weight_hh_l0" and mode in ("rnn_tanh", "rnn_relu") and dim == 0


@given(cases(), st.data())
def test_wrong_shape_names_key_and_both_shapes(case, data):
    key = data.draw(st.sampled_from(sorted(case.state)), label="key")
    good = case.state[key].shape
    dims = [i for i in range(len(good)) if not defines_a_size(key, i, case.spec.mode)]
    if not dims:
        return
    dim = data.draw(st.sampled_from(dims), label="dim")
    bad = tuple(n + 1 if i == dim else n for i, n in enumerate(good))
    state = dict(case.state)
    state[key] = np.zeros(bad)
    with pytest.raises(ValueError) as err:
        Network.from_state_dict(state, case.spec.mode, case.spec.head_activation)
    msg = str(err.value)
    assert key in msg and str(good) in msg and str(bad) in msg, msg


# -- the trace is read-only -------------------------------------------------------------------
def trace_arrays(trace, case):
    """Every array a view can get from the trace (and that belongs to it)."""
    yield from (("x", trace.x), ("output", trace.output), ("h_n", trace.h_n), ("h0", trace.h0))
    for name in ("c_n", "c0", "y_logits", "y"):
        if getattr(trace, name) is not None:
            yield name, getattr(trace, name)
    for layer, d in case.directions():
        yield f"hidden {layer}/{d}", trace.hidden(layer, d)
        yield f"hidden_prev {layer}/{d}", trace.hidden_prev(layer, d)
        if case.lstm:
            yield f"cell {layer}/{d}", trace.cell(layer, d)
            yield f"cell_prev {layer}/{d}", trace.cell_prev(layer, d)
        for g, a in trace.gates(layer, d).items():
            yield f"gate {g} {layer}/{d}", a
        for g, a in trace.preactivations(layer, d).items():
            yield f"pre {g} {layer}/{d}", a
        for t in range(trace.steps):
            step = trace.step(layer, d, t)
            for name in ("x", "h_prev", "c_prev", "pre", "gates", "c", "h", "hn", "W_ih", "W_hh"):
                if getattr(step, name) is not None:
                    yield f"step({layer}, {d}, {t}).{name}", getattr(step, name)
    if trace.y is not None:
        head = trace.head_step(0)
        for name in ("h", "W", "b", "logits", "y"):
            yield f"head_step(0).{name}", getattr(head, name)


@given(cases())
def test_trace_arrays_are_read_only(case):
    trace = case.forward()
    writable = [name for name, a in trace_arrays(trace, case) if a.flags.writeable]
    assert not writable, f"writable trace arrays: {writable}"
    with pytest.raises(ValueError):
        trace.output[0, 0] = 1.0


# -- dL/dh_t ----------------------------------------------------------------------------------
@given(cases())
def test_dh_norm_at_the_last_step_is_the_upstream_there(case):
    """Where a direction ends (t = T−1 forward, t = 0 backward) nothing flows in from later steps.

    At the top layer, dL/dh_t there is exactly d_output at t (+ the head's share
    d_logits_t · W and d_y through the activation) + d_h_n.
    """
    net = case.net()
    trace = case.forward(net)
    ups = case.upstreams(trace)
    ups["d_y"] = None  # keep the head's share linear: d_logits @ W
    grads = net.backward(trace, **ups)
    s = case.spec
    H, D, top = s.hidden_size, s.num_directions, s.num_layers - 1
    d_out = ups["d_output"]
    if ups["d_logits"] is not None:
        d_out = d_out + ups["d_logits"] @ case.state["head.weight"]
    T = case.x.shape[0]
    for d in range(D):
        t = T - 1 if d == 0 else 0
        expected = d_out[t, d * H : (d + 1) * H] + ups["d_h_n"][top * D + d]
        np.testing.assert_allclose(grads.dh_norm(top, d)[t], np.linalg.norm(expected), rtol=1e-12)


# -- the same contracts on named cases (each failure names its own key) ----------------------
def lstm_2_layer_bi_with_head() -> Case:
    spec = NetworkSpec("lstm", 2, 3, 2, True, 3, "softmax")
    rng = np.random.default_rng(5)
    state = {k: rng.uniform(-0.7, 0.7, size=s) for k, s in spec.param_shapes().items()}
    return Case(spec, state, rng.normal(size=(4, 2)), None, None, rng)


@pytest.mark.parametrize(
    "key",
    [
        "bias_hh_l1",
        "weight_hh_l0_reverse",
        "head.bias",
        "weight_ih_l1",
        "weight_ih_l0_reverse",
        "head.weight",
    ],
)
def test_missing_key_named_for_each_kind_of_key(key):
    """Also the keys the engine infers depth, direction and head from."""
    case = lstm_2_layer_bi_with_head()
    state = {k: v for k, v in case.state.items() if k != key}
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        Network.from_state_dict(state, "lstm", "softmax")


def test_upper_layer_step_input_is_read_only():
    """step(layer ≥ 1, …).x is the layer below's output, which belongs to the trace."""
    case = lstm_2_layer_bi_with_head()
    trace = case.forward()
    x = trace.step(1, 0, 0).x
    with pytest.raises(ValueError):
        x[0] = 123.0
    assert trace.step(1, 0, 0).x[0] != 123.0


# -- the worked-math panel's numbers ----------------------------------------------------------
def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def check_step_equations(step, mode):
    """The terms of one step recombine into its pre-activations, gates and states."""
    H = step.hidden_size
    close = dict(rtol=1e-12, atol=1e-12)
    full = step.x_term + step.b_ih + step.h_term + step.b_hh
    if mode in ("rnn_tanh", "rnn_relu"):
        np.testing.assert_allclose(step.pre, full, **close)
        act = np.tanh(step.pre) if mode == "rnn_tanh" else np.maximum(step.pre, 0)
        np.testing.assert_allclose(step.h, act, **close)
        return
    if mode == "lstm":
        np.testing.assert_allclose(step.pre, full, **close)
        i, f, o = (sigmoid(step.block(step.pre, k)) for k in "ifo")
        g = np.tanh(step.block(step.pre, "g"))
        np.testing.assert_allclose(step.gates, np.concatenate([i, f, g, o]), **close)
        np.testing.assert_allclose(step.c, f * step.c_prev + i * g, **close)
        np.testing.assert_allclose(step.h, o * np.tanh(step.c), **close)
        return
    np.testing.assert_allclose(step.pre[: 2 * H], full[: 2 * H], **close)
    r, z = sigmoid(step.pre[:H]), sigmoid(step.pre[H : 2 * H])
    np.testing.assert_allclose(step.hn, step.block(step.h_term + step.b_hh, "n"), **close)
    a_n = step.block(step.x_term + step.b_ih, "n") + r * step.hn
    np.testing.assert_allclose(step.block(step.pre, "n"), a_n, **close)
    n = np.tanh(a_n)
    np.testing.assert_allclose(step.gates, np.concatenate([r, z, n]), **close)
    np.testing.assert_allclose(step.h, (1 - z) * n + z * step.h_prev, **close)


@given(cases())
def test_each_step_shows_numbers_that_satisfy_its_equations(case):
    trace = case.forward()
    T, D = case.x.shape[0], case.spec.num_directions
    for layer, d in case.directions():
        for t in range(T):
            step = trace.step(layer, d, t)
            check_step_equations(step, case.spec.mode)
            np.testing.assert_array_equal(step.h, trace.hidden(layer, d)[t])
            np.testing.assert_array_equal(step.h_prev, trace.hidden_prev(layer, d)[t])
        first = trace.step(layer, d, 0 if d == 0 else T - 1)  # where the direction starts
        np.testing.assert_array_equal(first.h_prev, trace.h0[layer * D + d])
    if trace.y is not None:
        W, b = case.state["head.weight"], case.state["head.bias"]
        for t in range(T):
            head = trace.head_step(t)
            np.testing.assert_allclose(head.logits, W @ trace.output[t] + b, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(head.W_h + head.b, head.logits, rtol=1e-12, atol=1e-12)
