"""Property tests of training over its settings (optimiser, lr, momentum, clip,
weight decay, truncation window, cell, loss shape).

* A run stopped after any update and resumed from ``state()`` (through JSON and
  npz) equals the uninterrupted run, bit for bit.
* The loss each progress reports is the loss of its window before the update:
  recomputed here from ``Network.forward`` and ``compute_loss`` alone, carrying
  the truncated-BPTT state by hand.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.losses import compute_loss
from rnnviz.engine.optim import SGD, Adam
from rnnviz.engine.train import TrainState, train


@st.composite
def settings(draw):
    if draw(st.booleans()):
        momentum = draw(st.sampled_from([0.0, 0.5, 0.9]))
        nesterov = momentum > 0 and draw(st.booleans())
        dampening = 0.0 if nesterov else draw(st.sampled_from([0.0, 0.2]))
        optimizer = SGD(
            lr=draw(st.floats(1e-3, 0.3)),
            momentum=momentum,
            dampening=dampening,
            nesterov=nesterov,
            weight_decay=draw(st.sampled_from([0.0, 1e-3, 0.05])),
        )
    else:
        optimizer = Adam(
            lr=draw(st.floats(1e-3, 0.1)),
            betas=(draw(st.sampled_from([0.5, 0.9])), draw(st.sampled_from([0.9, 0.999]))),
            weight_decay=draw(st.sampled_from([0.0, 1e-3])),
        )
    return dict(
        optimizer=optimizer,
        clip=draw(st.sampled_from([None, 0.05, 1.0])),
        bptt_window=draw(st.sampled_from([None, 1, 2, 3, 5])),
        shape=draw(st.sampled_from(["many_to_many", "many_to_one"])),
        seed=draw(st.integers(0, 2**32)),
    )


@st.composite
def problems(draw):
    mode = draw(st.sampled_from(["rnn_tanh", "rnn_relu", "lstm", "gru"]))
    bi = draw(st.booleans())
    net = Network.from_spec(
        NetworkSpec(mode, 2, 3, num_layers=draw(st.sampled_from([1, 2])), bidirectional=bi, output_size=1),
        seed=draw(st.integers(0, 100)),
    )
    r = np.random.default_rng(draw(st.integers(0, 1000)))
    lengths = draw(st.lists(st.integers(1, 7), min_size=1, max_size=3))
    data = [(r.normal(size=(T, 2)), r.normal(size=(T, 1))) for T in lengths]
    return net, data


def fresh(kw):
    return {**kw, "optimizer": kw["optimizer"].fresh()}


def through_file(state: TrainState, net: Network) -> TrainState:
    meta, arrays = state.to_json()
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    buf.seek(0)
    with np.load(buf, allow_pickle=False) as z:
        return TrainState.from_json(json.loads(json.dumps(meta)), {k: z[k] for k in z.files}, net)


@given(problems(), settings(), st.data())
def test_resume_anywhere_equals_the_uninterrupted_run(problem, kw, data):
    net, pairs = problem
    epochs = 2
    whole = list(train(net, pairs, epochs=epochs, **fresh(kw)))
    assert len(whole) == whole[-1].total_steps and not whole[-1].stopped
    cut = data.draw(st.integers(1, len(whole)), label="cut")
    run = train(net, pairs, epochs=epochs, **fresh(kw))
    first = [next(run) for _ in range(cut)]
    state = through_file(run.state(), run.network)
    left = epochs - state.epochs_done
    rest = list(train(run.network, pairs, epochs=left, **fresh(kw), resume=state)) if left else []
    both = first + rest
    assert [p.loss for p in both] == [p.loss for p in whole]
    assert [(p.sequence, p.window, p.step, p.epoch) for p in both] == [
        (p.sequence, p.window, p.step, p.epoch) for p in whole
    ]
    for key, w in whole[-1].network.state_dict().items():
        assert np.array_equal(both[-1].network.param(key), w), key


def chunk_losses_by_hand(net_before, x, target, window, shape, stop):
    """Forward the chunks of ``x`` up to ``stop`` with ``net_before``, carrying h/c; the
    loss of the chunk ending at ``stop`` and its final state."""
    T = x.shape[0]
    w = window or T
    h = c = None
    for s in range(0, T, w):
        e = min(T, s + w)
        trace = net_before.forward(x[s:e], h, c)
        if e == stop:
            if shape == "many_to_many":
                return compute_loss("mse", trace.y, target[s:e]).loss
            return compute_loss("mse", trace.y[-1:], target[-1:]).loss
        h, c = trace.h_n, trace.c_n
    raise AssertionError("no chunk ends at stop")


@given(problems(), settings())
def test_reported_loss_is_the_windows_loss_before_the_update(problem, kw):
    net, pairs = problem
    prev = net
    carried = {}  # sequence → (network that computed the carried state, stop of the last chunk)
    for p in train(net, pairs, epochs=2, **fresh(kw)):
        x, t = pairs[p.sequence]
        T = x.shape[0]
        start, stop = p.window
        if kw["bptt_window"] is None:
            assert (start, stop) == (0, T)
        # the state entering the chunk was computed chunk by chunk with the weights of each moment:
        # replay the sequence's updates so far with the networks recorded then
        history = carried.get(p.sequence, []) if start > 0 else []
        h = c = None
        for net_then, (a, b) in history:
            tr = net_then.forward(x[a:b], h, c)
            h, c = tr.h_n, tr.c_n
        if kw["shape"] == "many_to_one" and not history:
            expected = chunk_losses_by_hand(prev, x, t, kw["bptt_window"], "many_to_one", stop)
        else:
            trace = prev.forward(x[start:stop], h, c)
            expected = compute_loss("mse", trace.y, t[start:stop]).loss
        assert p.loss == pytest.approx(expected, rel=1e-13, abs=1e-15)
        carried[p.sequence] = [*history, (prev, (start, stop))] if stop < T else []
        prev = p.network
