"""Training: it learns, it repeats bit for bit, it stops cleanly, clipping bounds the update."""

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.losses import compute_loss
from rnnviz.engine.optim import SGD, Adam, global_norm
from rnnviz.engine.train import TrainProgress, loss_and_grads, sequence_loss, train


def rng(seed=0):
    return np.random.default_rng(seed)


def echo_data(n=5, T=20, seed=0):
    r = rng(seed)
    xs = [r.uniform(-1, 1, (T, 1)) for _ in range(n)]
    return [(x, x.copy()) for x in xs]


def copy_data(n=10, T=15, k=2, seed=0):
    r, pairs = rng(seed), []
    for _ in range(n):
        x = r.integers(0, 2, (T, 1)).astype(float)
        t = np.zeros_like(x)
        t[k:] = x[:-k]  # target[t] = x[t − k]
        pairs.append((x, t))
    return pairs


def vanilla(seed=0, head=1, act=None):
    return Network.from_spec(NetworkSpec("rnn_tanh", 1, 8, output_size=head, head_activation=act), seed=seed)


def diff_norm(a: Network, b: Network) -> float:
    sa, sb = a.state_dict(), b.state_dict()
    return global_norm({k: sa[k] - sb[k] for k in sa})


# -- it learns --------------------------------------------------------------


def test_vanilla_rnn_learns_to_echo_its_input():
    ps = list(train(vanilla(), echo_data(), optimizer=Adam(lr=0.02), epochs=40))
    assert len(ps) == 200 and ps[-1].step == 200 and ps[-1].epoch == 40 and ps[-1].total_steps == 200
    first, last = np.mean([p.loss for p in ps[:5]]), np.mean([p.loss for p in ps[-5:]])
    assert last < 0.05 * first
    assert not any(p.stopped for p in ps)


def test_lstm_learns_to_copy_after_a_delay():
    net = Network.from_spec(NetworkSpec("lstm", 1, 8, output_size=1), seed=0)
    ps = list(train(net, copy_data(), optimizer=Adam(lr=0.02), epochs=30))
    last_epoch = np.mean([p.loss for p in ps[-10:]])
    assert last_epoch < 0.05  # guessing 0.5 every step scores 0.25
    # the trained network copies: its output rounds to the input two steps back
    x, t = copy_data(n=1, seed=99)[0]  # a sequence it has not seen
    y = ps[-1].network.forward(x).y
    assert np.array_equal(np.round(y[2:]), t[2:])


def test_softmax_head_learns_next_word_with_cross_entropy():
    """Seed 003's sentence: the next word of 'I love deep learning'."""
    eye = np.eye(5)
    x, target = eye[[0, 1, 2, 3]], np.array([1, 2, 3, 4])
    net = Network.from_spec(NetworkSpec("rnn_tanh", 5, 3, output_size=5, head_activation="softmax"), seed=3)
    ps = list(train(net, (x, target), loss="cross_entropy", optimizer=Adam(lr=0.05), epochs=150))
    assert ps[-1].loss < 0.1 * ps[0].loss
    assert np.array_equal(ps[-1].network.forward(x).y.argmax(axis=1), target)


def test_sigmoid_head_with_bce_many_to_one():
    xs = rng(1).normal(size=(8, 6, 1))
    data = [(x, np.array([[float(x.sum() > 0)]])) for x in xs]
    ps = list(train(vanilla(act="sigmoid"), data, loss="bce", shape="many_to_one", epochs=40))
    assert np.mean([p.loss for p in ps[-8:]]) < 0.5 * np.mean([p.loss for p in ps[:8]])


def test_network_without_head_trains_its_output():
    net = Network.from_spec(NetworkSpec("gru", 1, 1), seed=1)
    x = rng(2).uniform(-0.5, 0.5, (10, 1))
    ps = list(train(net, (x, 0.5 * x), optimizer=Adam(lr=0.05), epochs=60))
    assert ps[-1].loss < 0.2 * ps[0].loss


# -- exactly what one step does ---------------------------------------------


def test_one_step_is_loss_backward_and_update():
    net, (x, t) = vanilla(), echo_data(1)[0]
    (p,) = train(net, (x, t), optimizer=SGD(lr=0.3), epochs=1)
    _, result, grads = loss_and_grads(net, x, t)
    assert p.loss == result.loss
    assert p.grad_norm == pytest.approx(grads.global_norm(), rel=1e-14)
    for key, w in net.state_dict().items():
        np.testing.assert_allclose(p.network.param(key), w - 0.3 * grads[key], rtol=1e-14)


def test_reported_loss_is_before_the_update():
    data = echo_data(3)
    ps = list(train(vanilla(), data, optimizer=Adam(lr=0.05), epochs=2))
    prev = vanilla()
    for p in ps:
        x, t = data[p.sequence]
        assert p.loss == sequence_loss(prev, prev.forward(x), t).loss
        prev = p.network


def test_each_epoch_visits_every_sequence_in_a_seeded_order():
    ps = list(train(vanilla(), echo_data(4), epochs=3, seed=11))
    rng = np.random.default_rng(11)
    expected = [int(k) for _ in range(3) for k in rng.permutation(4)]
    assert [p.sequence for p in ps] == expected
    assert [p.epoch for p in ps] == [1] * 4 + [2] * 4 + [3] * 4


# -- determinism -------------------------------------------------------------


def test_two_runs_are_bit_identical():
    data = copy_data(4)
    opt = SGD(lr=0.1, momentum=0.9)
    a = list(train(vanilla(), data, optimizer=opt.fresh(), epochs=3, clip=1.0, seed=5))
    b = list(train(vanilla(), data, optimizer=opt.fresh(), epochs=3, clip=1.0, seed=5))
    assert [p.loss for p in a] == [p.loss for p in b]
    assert [p.grad_norm for p in a] == [p.grad_norm for p in b]
    for key, w in a[-1].network.state_dict().items():
        assert np.array_equal(w, b[-1].network.param(key))
    c = list(train(vanilla(), data, optimizer=opt.fresh(), epochs=3, clip=1.0, seed=6))
    assert [p.sequence for p in c] != [p.sequence for p in a]


# -- non-finite values stop training -----------------------------------------


def test_huge_learning_rate_stops_with_last_good_weights():
    x = rng(2).normal(size=(10, 1))
    ps = list(train(vanilla(), (x, 3 * x), optimizer=SGD(lr=1e150), epochs=50))
    stop = ps[-1]
    assert stop.stopped and len(ps) < 50
    assert all(not p.stopped for p in ps[:-1])
    assert f"epoch {stop.epoch}, step {stop.step}" in stop.stopped_reason
    assert "infinite" in stop.stopped_reason or "NaN" in stop.stopped_reason
    assert not np.isfinite(stop.loss) or not np.isfinite(stop.grad_norm)
    assert stop.network is ps[-2].network  # the last good weights
    assert all(np.all(np.isfinite(w)) for w in stop.network.state_dict().values())


def test_stop_at_the_first_step_keeps_the_original_network():
    net = vanilla()
    net = net.with_params({"head.weight": net.param("head.weight") * 1e200})
    x = rng(2).normal(size=(5, 1))
    ps = list(train(net, (x, x), optimizer=SGD(lr=0.1), epochs=5))
    assert len(ps) == 1
    assert ps[0].network is net
    assert ps[0].stopped_reason.startswith("loss became infinite at epoch 1, step 1")


def test_overflowing_update_stops():
    x = rng(2).normal(size=(5, 1))
    ps = list(train(vanilla(), (x, x + 1), optimizer=SGD(lr=1e308), epochs=3))
    assert ps[-1].stopped
    assert all(np.all(np.isfinite(w)) for w in ps[-1].network.state_dict().values())


# -- clipping -----------------------------------------------------------------


def test_clipping_bounds_every_update():
    data = [(x, 10 * x) for x, _ in echo_data(3)]  # big errors: big gradients
    lr, max_norm = 1.0, 0.1
    prev = vanilla()
    ps = list(train(prev, data, optimizer=SGD(lr=lr), epochs=2, clip=max_norm))
    assert max(p.grad_norm for p in ps) > 10 * max_norm  # the clip did bite
    for p in ps:
        assert diff_norm(p.network, prev) <= lr * max_norm * (1 + 1e-9)
        if p.grad_norm < max_norm:
            assert diff_norm(p.network, prev) == pytest.approx(lr * p.grad_norm, rel=1e-9)
        prev = p.network


# -- the loss panel helper and bad arguments ---------------------------------


def test_sequence_loss_uses_the_heads_output():
    net, (x, t) = vanilla(act="sigmoid"), echo_data(1)[0]
    trace = net.forward(x)
    t01 = (t > 0).astype(float)
    assert sequence_loss(net, trace, t01, "bce").loss == compute_loss("bce", trace.y_logits, t01).loss
    assert sequence_loss(net, trace, t, "mse").loss == compute_loss("mse", trace.y, t).loss


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(loss="hinge"), "loss must be"),
        (dict(shape="one_to_many"), "shape must be"),
        (dict(epochs=0), "epochs"),
        (dict(clip=-1.0), "clip"),
        (dict(seed=-3), "seed"),
        (dict(optimizer="adam"), "optimizer"),
        (dict(data=[]), "non-empty"),
        (
            dict(data=[(np.zeros((4, 1)), np.zeros((4, 1))), (np.zeros((4, 1)), np.zeros((3, 1)))]),
            "sequence 2",
        ),
        (dict(data=(np.zeros((4, 2)), np.zeros((4, 1)))), "input"),
        (dict(data=(np.zeros((4, 1)), None)), "no target"),
    ],
)
def test_bad_arguments_fail_before_the_first_step(kwargs, match):
    kwargs = {"data": echo_data(1), **kwargs}
    with pytest.raises(ValueError, match=match):
        train(vanilla(), **kwargs)  # raised at the call, not at the first next()


def test_loss_and_head_must_agree():
    with pytest.raises(ValueError, match="softmax"):
        train(vanilla(act="softmax"), echo_data(1), loss="bce")
    with pytest.raises(ValueError, match="sigmoid"):
        train(vanilla(act="sigmoid"), echo_data(1), loss="cross_entropy")


def test_progress_is_frozen():
    p = next(train(vanilla(), echo_data(1), epochs=1))
    assert isinstance(p, TrainProgress)
    with pytest.raises(AttributeError):
        p.loss = 0.0


def test_float32_network_trains_in_float32_from_plain_lists():
    spec = NetworkSpec("lstm", 3, 4, output_size=3, head_activation="softmax")
    net = Network.from_spec(spec, seed=0, dtype=np.float32)
    x = np.eye(3)[[0, 1, 2, 0]].tolist()  # a tuple (x, target) of plain lists is one pair
    ps = list(train(net, (x, [1, 2, 0, 1]), loss="cross_entropy", optimizer=Adam(lr=0.05), epochs=20))
    assert ps[-1].network.dtype == np.float32
    assert ps[-1].network.param("weight_hh_l0").dtype == np.float32
    assert ps[-1].loss < 0.5 * ps[0].loss


def test_stop_reason_reads_as_a_sentence():
    x = rng(2).normal(size=(10, 1))
    data = [(x, 3 * x), (x, -3 * x)]
    stop = list(train(vanilla(), data, optimizer=SGD(lr=1e150), epochs=50))[-1]
    assert stop.stopped_reason.endswith("try a smaller learning rate or gradient clipping.")
    assert f"(sequence {stop.sequence + 1}): training stopped" in stop.stopped_reason
