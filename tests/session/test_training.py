"""The session side of training: settings, the loss policy, the job, the history and its
thinning, and training that goes on exactly where it stopped."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rnnviz.engine import SGD, Adam, Network, NetworkSpec, train
from rnnviz.engine.losses import LOSS_FORMULAS, LOSS_TITLES, LOSSES, SEQUENCE_SHAPES, SHAPES, compute_loss
from rnnviz.session import (
    Run,
    Sequence,
    Session,
    Training,
    TrainingJob,
    TrainingSettings,
    loss_for,
    reset_training,
)
from rnnviz.session import model as session_model
from rnnviz.session.defaults import default_session
from rnnviz.session.history import (
    MAX_SNAPSHOT_BYTES,
    MAX_SNAPSHOTS,
    HistoryBuilder,
    TrainingHistory,
    is_kept,
    kept_updates,
    snapshot_capacity,
)

from .training_helpers import assert_same_training, sine_session


def _run(job: TrainingJob, limit: int | None = None) -> list:
    ticks = []
    for tick in job.steps():
        ticks.append(tick)
        if limit is not None and len(ticks) == limit:
            break
    return ticks


# -- settings ------------------------------------------------------------------


def test_defaults_are_the_engines():
    s = TrainingSettings()
    assert (s.optimizer, s.lr, s.epochs, s.clip, s.bptt_window, s.loss) == ("adam", 0.01, 100, 0.0, 0, "")
    assert s.betas == (0.9, 0.999)


@pytest.mark.parametrize(
    "field, value",
    [
        ("loss", "hinge"),
        ("optimizer", "rmsprop"),
        ("lr", 0.0),
        ("lr", float("nan")),
        ("momentum", 1.0),
        ("beta1", -0.1),
        ("beta2", 1.0),
        ("weight_decay", -1.0),
        ("clip", -0.5),
        ("epochs", 0),
        ("epochs", 10**7),
        ("seed", -1),
        ("bptt_window", -3),
        ("epochs", 2.5),
        ("nesterov", "yes"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        TrainingSettings(**{field: value})


def test_nesterov_needs_momentum_for_sgd():
    with pytest.raises(ValueError, match="nesterov needs momentum"):
        TrainingSettings(optimizer="sgd", nesterov=True)
    TrainingSettings(optimizer="sgd", nesterov=True, momentum=0.9)


def test_numpy_numbers_become_plain_ones():
    s = TrainingSettings(lr=np.float32(0.5), epochs=np.int64(3))
    assert type(s.lr) is float and type(s.epochs) is int


# -- which loss fits which head ----------------------------------------------------


@pytest.mark.parametrize(
    "head, out, loss",
    [("softmax", 3, "cross_entropy"), ("sigmoid", 2, "bce"), (None, 1, "mse"), (None, 0, "mse")],
)
def test_loss_for_the_head(head, out, loss):
    net = Network.from_spec(NetworkSpec("gru", 2, 3, output_size=out, head_activation=head))
    assert loss_for(net) == loss


def test_every_loss_has_one_title_and_formula():
    assert set(LOSS_TITLES) == set(LOSS_FORMULAS) == set(LOSSES)


def test_the_formula_text_says_what_the_engine_computes():
    """Each LOSS_FORMULAS line, computed by hand in NumPy, equals the engine's loss."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(5, 3))  # [T, O]
    target = rng.uniform(size=(5, 3))
    O = z.shape[1]
    mse = np.mean(np.sum((z - target) ** 2, axis=1) / O)  # mean over steps of ‖y_t − target_t‖² / O
    assert "‖y_t − target_t‖² / O" in LOSS_FORMULAS["mse"]
    np.testing.assert_allclose(compute_loss("mse", z, target).loss, mse, rtol=1e-12)
    p = target / target.sum(axis=1, keepdims=True)
    log_softmax = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    ce = np.mean(-np.sum(p * log_softmax, axis=1))  # mean over steps of −Σ_k target·log softmax
    assert "log softmax(z_t)_k" in LOSS_FORMULAS["cross_entropy"]
    np.testing.assert_allclose(compute_loss("cross_entropy", z, p).loss, ce, rtol=1e-12)
    sig = 1 / (1 + np.exp(-z))
    bce = np.mean(-(target * np.log(sig) + (1 - target) * np.log(1 - sig)))  # over steps and outputs
    assert "steps and outputs" in LOSS_FORMULAS["bce"]
    np.testing.assert_allclose(compute_loss("bce", z, target).loss, bce, rtol=1e-12)


def test_the_session_offers_the_engines_shapes():
    assert session_model.SHAPES is SEQUENCE_SHAPES and set(SHAPES) < set(SEQUENCE_SHAPES)


# -- the job ---------------------------------------------------------------------


def test_a_session_without_targets_is_refused_at_once():
    s = sine_session()
    s = dataclasses.replace(s, sequence=Sequence(s.inputs))
    with pytest.raises(ValueError, match="^the session has no targets to train on$"):
        TrainingJob(s)


def test_a_loss_that_does_not_fit_the_head_is_refused_at_once():
    with pytest.raises(ValueError, match="BCE needs a sigmoid"):
        TrainingJob(default_session(), TrainingSettings(loss="bce"))


def test_the_job_is_the_engines_training_bit_for_bit():
    """Same settings, same numbers: TrainingJob adds bookkeeping, never arithmetic."""
    s = sine_session()
    settings = TrainingSettings(optimizer="sgd", lr=0.05, momentum=0.9, clip=0.5, epochs=30, seed=3)
    ticks = _run(TrainingJob(s, settings))
    opt = SGD(lr=0.05, momentum=0.9)
    ref = list(train(s.network, (s.inputs, s.targets), "mse", optimizer=opt, epochs=30, clip=0.5, seed=3))
    assert [t.loss for t in ticks] == [p.loss for p in ref]
    assert [t.grad_norm for t in ticks] == [p.grad_norm for p in ref]
    for key, value in ref[-1].network.state_dict().items():
        assert ticks[-1].network.param(key).tobytes() == value.tobytes()
    assert [t.update for t in ticks] == list(range(1, 31)) and ticks[-1].total_updates == 30


def test_twenty_then_fifteen_epochs_equal_thirty_five_and_the_engine():
    s = sine_session()
    settings = TrainingSettings(lr=0.03, epochs=20, weight_decay=1e-3)
    first = TrainingJob(s, settings)
    _run(first)
    second = TrainingJob(first.result(), epochs=15)
    ticks = _run(second)
    assert ticks[0].update == 21 and ticks[0].epoch == 21 and ticks[-1].total_epochs == 35
    once = TrainingJob(s, dataclasses.replace(settings, epochs=35))
    _run(once)
    assert_same_training(second.result(), once.result())
    opt = Adam(lr=0.03, weight_decay=1e-3)
    ref = list(train(s.network, (s.inputs, s.targets), "mse", optimizer=opt, epochs=35))
    np.testing.assert_array_equal(second.result().training.history.loss, [p.loss for p in ref])
    for key, value in ref[-1].network.state_dict().items():
        assert second.result().network.param(key).tobytes() == value.tobytes()


def test_stopping_mid_epoch_of_truncated_bptt_goes_on_exactly():
    """The window stops pulling after 7 updates (inside epoch 3 of 4-step chunks)."""
    s = sine_session("gru")
    settings = TrainingSettings(optimizer="sgd", lr=0.1, momentum=0.5, nesterov=True, bptt_window=4, epochs=6)
    part = TrainingJob(s, settings)
    assert len(_run(part, limit=7)) == 7
    paused = part.result()
    assert paused.training.state.in_epoch and paused.training.history.epoch.tolist() == [1, 1, 1, 2, 2, 2, 3]
    rest = TrainingJob(paused, epochs=4)  # the epoch in progress counts as the first of the four
    _run(rest)
    whole = TrainingJob(s, settings)
    _run(whole)
    assert rest.result().training.updates == 18
    assert_same_training(rest.result(), whole.result())


def test_result_between_steps_is_the_session_so_far():
    s = sine_session()
    job = TrainingJob(s, TrainingSettings(epochs=10))
    steps = job.steps()
    next(steps)
    next(steps)
    mid = job.result()
    assert mid.training.updates == 2 and mid.training.state.updates == 2
    assert mid.network is not s.network and mid.title == "sine"
    assert job.result().training.initial is s.network


def test_a_nan_stops_with_the_engines_message_and_keeps_the_last_good_weights():
    s = sine_session("rnn_tanh")
    ticks = _run(TrainingJob(s, TrainingSettings(optimizer="sgd", lr=1e150, epochs=50)))
    stop = ticks[-1]
    assert stop.stopped and 1 < len(ticks) < 50
    assert "training stopped and kept the weights from before this step" in stop.stopped_reason
    assert f"step {stop.update}" in stop.stopped_reason
    assert stop.network is ticks[-2].network


def test_the_history_says_where_training_stopped():
    s = sine_session("rnn_tanh")
    job = TrainingJob(s, TrainingSettings(optimizer="sgd", lr=1e150, epochs=50))
    ticks = _run(job)
    result = job.result()
    h = result.training.history
    assert h.updates == len(ticks) - 1 and h.stopped_update == ticks[-1].update
    assert h.stopped_reason == ticks[-1].stopped_reason
    assert np.isfinite(h.loss).all()
    assert result.network is ticks[-2].network
    assert h.snapshot(h.updates)["weight_hh_l0"].tobytes() == result.network.param("weight_hh_l0").tobytes()


def test_reset_gives_the_weights_before_training_and_keeps_the_settings():
    s = sine_session()
    settings = TrainingSettings(lr=0.02, epochs=5)
    job = TrainingJob(s, settings)
    _run(job)
    job2 = TrainingJob(job.result(), epochs=3)
    _run(job2)
    back = reset_training(job2.result())
    assert back.network is s.network
    assert back.training.updates == 0 and back.training.state is None
    assert back.training.settings == dataclasses.replace(settings, epochs=3)  # the last run's


def test_job_steps_run_once():
    job = TrainingJob(sine_session(), TrainingSettings(epochs=2))
    _run(job)
    with pytest.raises(RuntimeError):
        list(job.steps())


# -- the history and its thinning ------------------------------------------------


@pytest.mark.parametrize("capacity", [1, 2, 5, 17, 64])
def test_kept_snapshots_are_bounded_newest_first_and_only_ever_dropped(capacity):
    previous: set[int] = set()
    for U in range(1, 3000):
        kept = kept_updates(U, capacity)
        assert len(kept) <= capacity and U in kept
        assert set(kept) <= previous | {U}  # nothing dropped comes back: resuming thins alike
        if U % 97 == 0:  # the rule the job applies update by update says the same
            assert [u for u in range(1, U + 1) if is_kept(u, U, capacity)] == list(kept)
        previous = set(kept)
    newest = capacity // 4 or 1
    assert kept[-newest:] == tuple(range(U - newest + 1, U + 1))  # the newest, densely


@pytest.mark.parametrize("capacity", [0, 1, 2, 5, 17, 64])
def test_the_builder_keeps_exactly_the_rule_s_snapshots_update_by_update(capacity):
    """The builder prunes incrementally; after every update it holds what the rule keeps,
    also when it goes on from a history that was saved part way (the resume path)."""
    net = sine_session().network
    builder = HistoryBuilder(TrainingHistory(), capacity)
    for U in range(1, 700):
        builder.add(1.0, 0.5, 1, net)
        assert tuple(sorted(builder.snapshots)) == kept_updates(U, capacity), U
        if U == 333:  # saved and opened: a new builder goes on from the built history
            builder = HistoryBuilder(builder.build(), capacity)


def test_snapshot_memory_is_bounded_for_a_big_network():
    net = Network.from_spec(NetworkSpec("lstm", 200, 400, num_layers=2))  # ≈ 2.2 M parameters, 18 MB
    cap = snapshot_capacity(net)
    assert 1 <= cap < MAX_SNAPSHOTS
    assert TrainingHistory.bytes_bound(net) <= MAX_SNAPSHOT_BYTES
    builder = HistoryBuilder(TrainingHistory(), cap)
    for u in range(1, 200):
        builder.add(1.0 / u, 0.5, u, net)
    history = builder.build()
    assert len(history.snapshot_updates) <= cap
    assert history.nbytes <= TrainingHistory.bytes_bound(net) + 24 * history.updates


def test_small_networks_keep_64_snapshots():
    assert snapshot_capacity(sine_session().network) == MAX_SNAPSHOTS


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(loss=[1.0, np.nan], grad_norm=[1, 1], epoch=[1, 1]), "loss of update 2"),
        (dict(loss=[1.0], grad_norm=[1, 2], epoch=[1]), "grad_norm"),
        (dict(loss=[1.0, 2.0], grad_norm=[1, 1], epoch=[2, 1]), "never decrease"),
        (dict(loss=[1.0], grad_norm=[-1.0], epoch=[1]), "negative"),
        (dict(loss=[1.0], grad_norm=[1.0], epoch=[1], snapshots={3: {}}), "update 3"),
    ],
)
def test_an_inconsistent_history_is_refused(kwargs, words):
    with pytest.raises(ValueError, match=words):
        TrainingHistory(**kwargs)


def test_history_arrays_are_read_only():
    h = TrainingHistory([1.0], [2.0], [1])
    with pytest.raises(ValueError):
        h.loss[0] = 5.0


# -- the session model ---------------------------------------------------------------


def test_old_constructor_calls_still_work_and_are_untrained():
    s = Session(default_session().network, default_session().sequence)
    assert s.training.updates == 0 and s.training.settings == TrainingSettings() and s.other_runs == ()


def test_runs_start_with_the_active_one():
    s = sine_session()
    other = Run("GRU", Network.from_spec(NetworkSpec("gru", 2, 3, output_size=1)))
    s = dataclasses.replace(s, other_runs=(other,), run_name="LSTM")
    runs = s.runs
    assert [r.name for r in runs] == ["LSTM", "GRU"]
    assert runs[0].network is s.network and runs[0].training is s.training and runs[1] is other


def test_a_run_must_fit_the_sequence():
    s = sine_session()
    wrong = Run("wide", Network.from_spec(NetworkSpec("gru", 5, 3)))
    with pytest.raises(ValueError, match="expects 5"):
        dataclasses.replace(s, other_runs=(wrong,))


def test_a_rebuilt_network_has_no_training_but_keeps_the_settings():
    job = TrainingJob(sine_session(), TrainingSettings(lr=0.2, epochs=3))
    _run(job)
    trained = job.result()
    bigger = Network.from_spec(NetworkSpec("lstm", 2, 4, output_size=1))
    rebuilt = trained.with_network(bigger)
    assert rebuilt.training.updates == 0 and rebuilt.training.settings.lr == 0.2
    edited = trained.with_network(trained.network.with_params({"head.bias": np.array([0.5])}))
    assert edited.training is trained.training  # the same shape: an edited weight trains on


def test_training_needs_the_weights_before_it():
    with pytest.raises(ValueError, match="weights from before"):
        Training(history=TrainingHistory([1.0], [1.0], [1]))


def test_switching_optimizer_trains_on_with_a_fresh_one():
    """Adam's moments mean nothing to SGD: the SGD run starts fresh from the trained weights,
    in the same place of the data order, and the update count goes on."""
    s = sine_session()
    adam = TrainingJob(s, TrainingSettings(epochs=4))
    _run(adam)
    trained = adam.result()
    sgd = TrainingJob(trained, TrainingSettings(optimizer="sgd", lr=0.1, momentum=0.9, epochs=3))
    ticks = _run(sgd)
    assert [t.update for t in ticks] == [5, 6, 7] and sgd.result().training.state.optimizer["name"] == "sgd"
    opt = SGD(lr=0.1, momentum=0.9)
    ref = list(train(trained.network, (s.inputs, s.targets), "mse", optimizer=opt, epochs=3))
    assert [t.loss for t in ticks] == [p.loss for p in ref]


def test_a_run_that_belongs_to_another_network_has_no_training():
    job = TrainingJob(sine_session(), TrainingSettings(epochs=2))
    _run(job)
    other = Network.from_spec(NetworkSpec("gru", 2, 3, output_size=1))
    run = Run("gru", other, training=job.result().training)
    assert run.training.updates == 0


def test_result_between_steps_is_always_consistent_and_resumes_exactly():
    """The window (or the training process) asks for the session between updates: every
    answer has as many updates in its engine state as in its history and snapshots, and
    training on from any of them equals training on without stopping."""
    s = sine_session("rnn_tanh", steps=3)
    settings = TrainingSettings(epochs=40)
    job = TrainingJob(s, settings)
    ticks = job.steps()
    for k in range(1, 41):
        next(ticks)
        r = job.result()
        t = r.training
        assert t.state.updates == t.updates == k and t.history.snapshot_updates[-1] == k
        assert r.network.param("weight_hh_l0") is t.history.snapshot(k)["weight_hh_l0"]
        if k == 17:
            on = TrainingJob(r, settings)  # 40 more epochs: pulled only up to update 40
            _run(on, 40 - 17)
            middle = on.result()
    straight = job.result()
    assert middle.training.updates == straight.training.updates == 40
    assert middle.network.param("weight_hh_l0").tolist() == straight.network.param("weight_hh_l0").tolist()
    assert middle.training.history.loss.tolist() == straight.training.history.loss.tolist()


def test_a_sequence_shortened_under_an_epoch_in_progress_trains_on_from_the_next_epoch():
    s = sine_session("lstm")
    job = TrainingJob(s, TrainingSettings(bptt_window=5, epochs=3))
    _run(job, limit=2)  # stopped at time step 10 of 12
    paused = job.result()
    assert paused.training.state.time_step == 10
    short = Sequence(s.inputs[:8], s.targets[:8])
    ticks = _run(TrainingJob(dataclasses.replace(paused, sequence=short), epochs=2))
    assert [t.epoch for t in ticks] == [2, 2, 3, 3] and ticks[0].update == 3


def test_forget_training_keeps_the_network_and_the_settings():
    from rnnviz.session import forget_training

    job = TrainingJob(sine_session(), TrainingSettings(lr=0.2, epochs=3))
    _run(job)
    trained = job.result()
    fresh = forget_training(trained)
    assert fresh.network is trained.network and fresh.training.updates == 0
    assert fresh.training.state is None and fresh.training.settings == trained.training.settings
