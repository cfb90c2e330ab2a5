"""Resuming a run bit for bit: ``run.state()`` → ``train(..., resume=state)``.

The truth here is the uninterrupted run: any split (at an epoch boundary, in the
middle of an epoch, in the middle of a sequence under truncated BPTT), through
``to_json`` → JSON text and npz bytes → ``from_json``, must give the very same
losses, gradient norms, order and final weights.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.optim import SGD, Adam
from rnnviz.engine.train import TrainRun, TrainState, train


def make_data(n=3, T=9, I=2, O=1, seed=0):
    r = np.random.default_rng(seed)
    return [(r.normal(size=(T + k, I)), 0.5 * r.normal(size=(T + k, O))) for k in range(n)]


def lstm(seed=0):
    return Network.from_spec(NetworkSpec("lstm", 2, 4, output_size=1), seed=seed)


def through_file(state: TrainState, network: Network) -> TrainState:
    """What a session file does: JSON text for the manifest, npz bytes for the arrays."""
    meta, arrays = state.to_json()
    text = json.dumps(meta)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    buf.seek(0)
    with np.load(buf, allow_pickle=False) as z:
        back = {k: z[k] for k in z.files}
    return TrainState.from_json(json.loads(text), back, network)


def assert_same(a, b):
    """Two lists of progress: identical numbers, order and final weights (==, not ≈)."""
    assert [p.loss for p in a] == [p.loss for p in b]
    assert [p.grad_norm for p in a] == [p.grad_norm for p in b]
    assert [(p.epoch, p.step, p.sequence, p.window) for p in a] == [
        (p.epoch, p.step, p.sequence, p.window) for p in b
    ]
    for key, w in a[-1].network.state_dict().items():
        assert np.array_equal(w, b[-1].network.param(key)), key


SETTINGS = {
    "sgd_momentum": dict(optimizer=SGD(lr=0.05, momentum=0.9)),
    "sgd_nesterov_decay": dict(optimizer=SGD(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01)),
    "sgd_dampening": dict(optimizer=SGD(lr=0.05, momentum=0.5, dampening=0.3)),
    "adam": dict(optimizer=Adam(lr=0.02, betas=(0.8, 0.99), weight_decay=0.001)),
    "adam_clip": dict(optimizer=Adam(lr=0.05), clip=0.2),
    "sgd_clip_tbptt": dict(optimizer=SGD(lr=0.1, momentum=0.9), clip=0.3, bptt_window=4),
    "adam_tbptt": dict(optimizer=Adam(lr=0.02), bptt_window=3),
}


def run_with(settings, network, data, epochs, **kw):
    settings = dict(settings)
    settings["optimizer"] = settings["optimizer"].fresh()
    return train(network, data, epochs=epochs, seed=7, **settings, **kw)


@pytest.mark.parametrize("name", SETTINGS)
def test_twenty_then_fifteen_epochs_equal_thirty_five(name):
    net, data = lstm(), make_data(n=2, T=5)
    whole = list(run_with(SETTINGS[name], net, data, 35))
    run = run_with(SETTINGS[name], net, data, 20)
    first = list(run)
    state = through_file(run.state(), first[-1].network)
    assert state.epochs_done == 20 and not state.in_epoch and state.updates == len(first)
    rest = list(run_with(SETTINGS[name], first[-1].network, data, 15, resume=state))
    assert rest[0].epoch == 21 and rest[0].step == len(first) + 1
    assert rest[-1].total_steps == whole[-1].total_steps == len(whole)
    assert_same(whole, first + rest)


@pytest.mark.parametrize("name", SETTINGS)
def test_stopping_after_any_update_and_resuming_equals_the_whole_run(name):
    net, data = lstm(), make_data(n=3, T=6)
    whole = list(run_with(SETTINGS[name], net, data, 2))
    for cut in range(1, len(whole)):
        run = run_with(SETTINGS[name], net, data, 2)
        first = [next(run) for _ in range(cut)]
        state = through_file(run.state(), run.network)
        assert state.updates == cut and run.network is first[-1].network
        rest = list(run_with(SETTINGS[name], first[-1].network, data, 2 - state.epochs_done, resume=state))
        assert_same(whole, first + rest)


def test_resume_without_an_optimizer_rebuilds_the_saved_one():
    net, data = lstm(), make_data()
    opt = Adam(lr=0.03, betas=(0.7, 0.95), eps=1e-6)
    whole = list(train(net, data, optimizer=opt.fresh(), epochs=3, seed=1))
    run = train(net, data, optimizer=opt.fresh(), epochs=3, seed=1)
    first = [next(run) for _ in range(4)]
    state = run.state()
    assert state.epochs_done == 1 and state.position == 1
    rest = list(train(first[-1].network, data, epochs=3 - state.epochs_done, resume=state))
    assert_same(whole, first + rest)


def test_a_given_optimizer_keeps_its_hyperparameters_and_takes_the_saved_buffers():
    net, data = lstm(), make_data()
    run = train(net, data, optimizer=SGD(lr=0.05, momentum=0.9), epochs=2)
    first = [next(run) for _ in range(2)]
    state = run.state()
    slower = SGD(lr=0.01, momentum=0.9)
    rest = list(train(first[-1].network, data, optimizer=slower, epochs=2, resume=state))
    assert slower.lr == 0.01
    # by hand: the first resumed update uses the saved momentum buffer with the new lr
    x, t = data[int(state.order[state.position])]
    from rnnviz.engine.train import loss_and_grads

    _, _, grads = loss_and_grads(first[-1].network, x, t)
    for key, w in first[-1].network.state_dict().items():
        buf = 0.9 * state.optimizer["state"][key]["momentum_buffer"] + grads[key]
        np.testing.assert_allclose(rest[0].network.param(key), w - 0.01 * buf, rtol=1e-13, atol=1e-15)


def test_resume_with_another_optimizer_kind_is_refused():
    net, data = lstm(), make_data()
    run = train(net, data, optimizer=Adam(lr=0.01), epochs=2)
    next(run)
    with pytest.raises(ValueError, match="for adam; this optimizer is sgd"):
        train(run.network, data, optimizer=SGD(lr=0.1), epochs=1, resume=run.state())


def test_state_is_a_copy_taken_at_the_last_yield():
    net, data = lstm(), make_data()
    run = train(net, data, optimizer=Adam(lr=0.01), epochs=2, bptt_window=4)
    start = run.state()
    assert start.updates == 0 and start.optimizer["state"] == {} and not start.in_epoch
    assert start.rng_state == np.random.default_rng(0).bit_generator.state
    next(run)
    s1 = run.state()
    assert s1.time_step == 4 and s1.h.shape == (1, 4) and s1.c.shape == (1, 4)
    m1 = s1.optimizer["state"]["weight_hh_l0"]["exp_avg"].copy()
    next(run)
    assert np.array_equal(s1.optimizer["state"]["weight_hh_l0"]["exp_avg"], m1)  # not aliased
    assert run.state().updates == 2 and s1.updates == 1


def test_window_at_least_the_sequence_is_full_bptt():
    net, data = lstm(), make_data(T=6)
    full = list(train(net, data, optimizer=SGD(lr=0.1), epochs=2))
    windowed = list(train(net, data, optimizer=SGD(lr=0.1), epochs=2, bptt_window=100))
    assert_same(full, windowed)
    assert all(p.window == (0, data[p.sequence][0].shape[0]) and p.chunk == 0 for p in full)


def test_truncated_bptt_chunks_each_sequence_in_order():
    net, data = lstm(), make_data(n=2, T=7)  # lengths 7 and 8
    ps = list(train(net, data, optimizer=SGD(lr=0.01), epochs=2, bptt_window=3, seed=4))
    r = np.random.default_rng(4)
    order = [int(k) for _ in range(2) for k in r.permutation(2)]
    expected = []
    for k in order:
        T = data[k][0].shape[0]
        expected += [(k, (s, min(T, s + 3)), s // 3) for s in range(0, T, 3)]
    assert [(p.sequence, p.window, p.chunk) for p in ps] == expected
    assert ps[-1].total_steps == len(expected) == ps[-1].step


def test_many_to_one_chunks_before_the_last_make_no_update():
    net, data = lstm(), make_data(n=2, T=7)
    data = [(x, t[-1:]) for x, t in data]
    ps = list(train(net, data, shape="many_to_one", optimizer=SGD(lr=0.1), epochs=1, bptt_window=3))
    assert [p.window[1] for p in ps] == [data[p.sequence][0].shape[0] for p in ps] and len(ps) == 2
    # the one update of a sequence sees the state carried through the earlier chunks
    x, t = data[ps[0].sequence]
    T, start = x.shape[0], ps[0].window[0]
    trace = net.forward(x)  # weights unchanged before the first update
    part = net.forward(x[start:], trace.hidden(0)[start - 1 : start], trace.cell(0)[start - 1 : start])
    np.testing.assert_allclose(ps[0].loss, np.mean((part.y[-1] - t[0]) ** 2), rtol=1e-14)
    assert T - start <= 3


def test_a_stop_leaves_a_state_that_resumes_with_a_smaller_learning_rate():
    x = np.random.default_rng(2).normal(size=(10, 2))
    data = [(x, 3 * x[:, :1] + 1), (x, -3 * x[:, :1])]
    opt = SGD(lr=1e308, momentum=0.9)  # the first update overflows
    run = train(lstm(), data, optimizer=opt, epochs=3)
    ps = list(run)
    assert ps[-1].stopped and "overflow" in ps[-1].stopped_reason and len(ps) == 1
    state = run.state()
    assert state.updates == 0 and state.in_epoch and state.position == 0
    assert opt.momentum_buffer == {} and state.optimizer["state"] == {}  # the failed step was rolled back
    slower = SGD(lr=0.01, momentum=0.9)
    ok = list(train(ps[-1].network, data, optimizer=slower, epochs=3, resume=state))
    fresh = list(train(lstm(), data, optimizer=SGD(lr=0.01, momentum=0.9), epochs=3))
    assert_same(fresh, ok)


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda d: d[:2], "visits 3 sequences; the data has 2"),
        (lambda d: [(x[:3], t[:3]) for x, t in d], "past sequence"),
    ],
)
def test_resume_must_fit_the_data(change, match):
    net, data = lstm(), make_data(n=3, T=9)
    run = train(net, data, optimizer=SGD(lr=0.01), epochs=2, bptt_window=4)
    next(run)
    with pytest.raises(ValueError, match=match):
        train(run.network, change(data), optimizer=SGD(lr=0.01), epochs=1, bptt_window=4, resume=run.state())


def test_resume_must_be_a_train_state():
    with pytest.raises(ValueError, match="resume must be a TrainState"):
        train(lstm(), make_data(), resume={"updates": 3})


def test_train_returns_a_train_run_that_iterates():
    run = train(lstm(), make_data(n=1), epochs=2)
    assert isinstance(run, TrainRun) and iter(run) is run
    assert len(list(run)) == 2 and list(run) == []


def test_a_stop_under_truncated_bptt_names_the_time_steps():
    x = np.random.default_rng(2).normal(size=(10, 2))
    data = [(x, 3 * x[:, :1] + 1), (x, -3 * x[:, :1])]
    ps = list(train(lstm(), data, optimizer=SGD(lr=1e308), epochs=1, bptt_window=4))
    stop = ps[-1]
    assert stop.stopped and stop.window == (0, 4) and stop.chunk == 0
    assert (
        f"the update at epoch 1, step 1 (sequence {stop.sequence + 1}, time steps 1–4) made"
        in stop.stopped_reason
    )


def test_a_state_that_overflows_before_it_is_carried_stops_training():
    net = Network.from_spec(NetworkSpec("rnn_relu", 2, 3, output_size=1), seed=0)
    net = net.with_params({"weight_ih_l0": np.full((3, 2), 1e200), "weight_hh_l0": np.full((3, 3), 1e200)})
    x = np.ones((6, 2))
    run = train(net, (x, np.ones((1, 1))), shape="many_to_one", optimizer=SGD(lr=0.1), epochs=1, bptt_window=3)
    ps = list(run)
    assert len(ps) == 1 and "hidden state became infinite or NaN" in ps[0].stopped_reason
    assert ps[0].window == (0, 3) and ps[0].network is net
    assert run.state().time_step == 0 and run.state().h is None  # nothing was carried
