"""Training in a child process equals training here, bit for bit, through every command."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest

from rnnviz.session.training import TrainingJob, TrainingSettings, TrainingTick
from rnnviz.session.training_process import (
    Paused,
    Snapshot,
    TrainingProcess,
    TrainingProcessError,
    read_message,
    write_message,
)

from .training_helpers import assert_same_training, sine_session


def _here(session, settings, updates: int | None = None):
    """The same training run here, ``updates`` of it (all by default)."""
    job = TrainingJob(session, settings)
    for n, tick in enumerate(job.steps(), 1):
        if tick.stopped or n == updates:
            break
    return job.result()


def test_a_whole_run_equals_training_here_and_streams_every_update_in_order():
    s = sine_session("lstm")
    settings = TrainingSettings(epochs=30)
    job = TrainingProcess(s, settings)
    events = list(job.events())
    ticks = [e for e in events if isinstance(e, TrainingTick)]
    assert [t.update for t in ticks] == list(range(1, 31))
    assert all(isinstance(e, TrainingTick | Snapshot) for e in events)
    assert job.updates == 30 and job.settings == settings and job.loss == "mse"
    here = _here(s, settings)
    assert [t.loss for t in ticks] == here.training.history.loss.tolist()
    assert [t.grad_norm for t in ticks] == here.training.history.grad_norm.tolist()
    assert_same_training(job.result(), here)
    assert job.result().title == s.title and job.result().sequence is s.sequence


def test_step_pauses_after_its_updates_then_resume_goes_on_exactly():
    s = sine_session("gru")
    settings = TrainingSettings(optimizer="sgd", lr=0.1, momentum=0.9, epochs=20)
    job = TrainingProcess(s, settings, updates=3)
    events = job.events()
    ticks = []
    for event in events:
        if isinstance(event, Paused):
            break
        ticks.append(event)
    assert [t.update for t in ticks if isinstance(t, TrainingTick)] == [1, 2, 3]
    assert_same_training(job.result(), _here(s, settings, 3))
    assert event.network is job.result().network
    job.resume(2)  # Step twice more
    for event in events:
        if isinstance(event, Paused):
            break
    assert job.result().training.updates == 5
    job.resume()  # Train: to the end
    for _ in events:
        pass
    assert_same_training(job.result(), _here(s, settings))


def test_pause_asked_mid_run_holds_between_updates_and_loses_nothing():
    s = sine_session("rnn_tanh", steps=3)
    settings = TrainingSettings(epochs=200_000)
    job = TrainingProcess(s, settings)
    events = job.events()
    for event in events:
        if isinstance(event, TrainingTick) and event.update == 50:
            job.pause()
        if isinstance(event, Paused):
            break
    paused = job.result()
    n = paused.training.updates
    assert n >= 50 and job.updates == n
    assert_same_training(paused, _here(s, settings, n))
    job.stop()  # while paused: the child ends with nothing new
    assert list(events) == []
    assert job.result() is paused


def test_stop_ends_after_the_update_in_progress_with_what_it_trained():
    s = sine_session("lstm", steps=4)
    settings = TrainingSettings(epochs=1_000_000)
    job = TrainingProcess(s, settings)
    seen = 0
    for event in job.events():
        if isinstance(event, TrainingTick):
            seen = event.update
            if seen == 20:
                job.stop()
    n = job.result().training.updates
    assert n == seen >= 20
    assert_same_training(job.result(), _here(s, settings, n))


def test_a_nan_stop_keeps_the_last_good_weights_as_training_here_does():
    s = sine_session("rnn_tanh")
    settings = TrainingSettings(optimizer="sgd", lr=1e150, epochs=50)
    job = TrainingProcess(s, settings)
    ticks = [e for e in job.events() if isinstance(e, TrainingTick)]
    assert ticks[-1].stopped and "kept the weights from before this step" in ticks[-1].stopped_reason
    here = _here(s, settings)
    assert job.result().training.history.stopped_reason == here.training.history.stopped_reason
    assert_same_training(job.result(), here)


def test_a_session_that_cannot_train_is_refused_at_once_without_a_process():
    s = sine_session()
    no_targets = type(s)(s.network, type(s.sequence)(s.sequence.inputs, None), title="x")
    with pytest.raises(ValueError, match="no targets"):
        TrainingProcess(no_targets, TrainingSettings())


def test_a_dead_training_process_is_a_clear_error_not_a_hang():
    job = TrainingProcess(sine_session("rnn_tanh", steps=3), TrainingSettings(epochs=1_000_000))
    events = job.events()
    with pytest.raises(TrainingProcessError, match="ended unexpectedly .*exit code -9"):
        for event in events:
            if isinstance(event, TrainingTick) and event.update == 10:
                job._proc.kill()
    assert job.result().training.updates == 0  # nothing came back: the session as it was


def test_closing_the_stream_early_ends_the_child():
    job = TrainingProcess(sine_session("rnn_tanh", steps=3), TrainingSettings(epochs=1_000_000))
    events = job.events()
    next(events)
    proc = job._proc
    events.close()  # a dropped job
    assert proc.poll() is not None and job._proc is None


def test_messages_round_trip_and_sizes_are_never_trusted():
    buf = io.BytesIO()
    write_message(buf, {"type": "snapshot", "update": 3}, np.arange(4, dtype=np.float64))
    write_message(buf, {"type": "ticks", "rows": [[1, 1, 2, 2, float("nan"), 0.5, None]]})
    buf.seek(0)
    header, payload = read_message(buf, 32)
    assert header == {"type": "snapshot", "update": 3}
    assert np.frombuffer(payload).tolist() == [0.0, 1.0, 2.0, 3.0]
    header, payload = read_message(buf, 32)
    assert np.isnan(header["rows"][0][4]) and payload == b""
    assert read_message(buf, 32) is None  # a clean end
    huge = io.BytesIO(struct.pack("<IQ", 10, 2**40) + b"{}")
    with pytest.raises(TrainingProcessError, match="at most"):
        read_message(huge, 32)
    cut = io.BytesIO(struct.pack("<IQ", 100, 0) + b'{"type"')
    with pytest.raises(TrainingProcessError, match="middle of a message"):
        read_message(cut, 32)


def test_a_comparison_trains_every_run_in_the_process_as_here_round_by_round():
    from dataclasses import replace

    from rnnviz.session.compare import RunsJob, compare_sessions, run_session

    a, b = sine_session("rnn_tanh"), sine_session("gru")
    s = compare_sessions([("tanh", a), ("GRU", b)])
    settings = TrainingSettings(epochs=8)
    job = TrainingProcess(s, settings, updates=3)  # Step ×3: three rounds
    events = job.events()
    for event in events:
        if isinstance(event, Paused):
            break
    assert [r.training.updates for r in job.result().runs] == [3, 3]
    job.resume()
    snapshots = [e for e in events if isinstance(e, Snapshot)]
    here = RunsJob(s, settings)
    for _ in here.steps():
        pass
    for k in range(2):
        assert_same_training(run_session(job.result(), k), run_session(here.result(), k))
    assert all(len(snap.networks) == 2 for snap in snapshots)
    assert job.result().runs[1].name == "GRU" and replace(job.result()).other_runs
