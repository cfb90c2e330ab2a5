"""Comparisons: several runs on one sequence, built, saved, trained and exported."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.session import load_session, save_session
from rnnviz.session.cli import main as train_main
from rnnviz.session.cli_compare import main as compare_main
from rnnviz.session.compare import compare_sessions, run_session, train_runs
from rnnviz.session.exporters import session_trace_csv
from rnnviz.session.training import TrainingJob, TrainingSettings

from .training_helpers import assert_same_training, sine_session


def _three():
    a = replace(sine_session("rnn_tanh"), title="tanh RNN")
    b = replace(sine_session("lstm"), title="LSTM")
    c = replace(sine_session("gru"), title="GRU")
    return a, b, c


def _trained(session, epochs=3):
    job = TrainingJob(session, TrainingSettings(epochs=epochs))
    for _ in job.steps():
        pass
    return job.result()


def test_a_comparison_has_the_first_sequence_and_a_run_per_session():
    a, b, c = _three()
    b = _trained(b)  # its history belongs to its own sequence
    s = compare_sessions([("tanh RNN", a), ("LSTM", b), ("GRU", c)])
    assert [r.name for r in s.runs] == ["tanh RNN", "LSTM", "GRU"]
    assert [r.network.mode for r in s.runs] == ["rnn_tanh", "lstm", "gru"]
    assert s.sequence is a.sequence and s.network is a.network
    assert s.runs[1].network is b.network and not s.runs[1].training.trained  # weights kept, history not
    assert "tanh RNN vs LSTM vs GRU" == s.title


def test_repeated_names_are_told_apart_and_at_most_four_runs():
    a, b, _ = _three()
    s = compare_sessions([("LSTM", a), ("LSTM", b)])
    assert [r.name for r in s.runs] == ["LSTM", "LSTM (2)"]
    with pytest.raises(ValueError, match="at most 4"):
        compare_sessions([("x", a)] * 5)


def test_mismatched_input_sizes_are_refused_naming_both():
    a, _, _ = _three()
    seq3 = replace(a.sequence, inputs=np.zeros((5, 3)), input_names=(), targets=np.zeros((5, 1)))
    wide = replace(a, network=Network.from_spec(NetworkSpec("lstm", 3, 4, output_size=1)), sequence=seq3)
    with pytest.raises(ValueError, match="wide has a network of input size 3 but narrow has input size 2"):
        compare_sessions([("narrow", a), ("wide", wide)])


def test_runs_round_trip_through_a_file(tmp_path):
    a, b, c = _three()
    s = compare_sessions([("tanh RNN", a), ("LSTM", _trained(b)), ("GRU", c)])
    s, _ = train_runs(s, TrainingSettings(epochs=2))
    save_session(s, tmp_path / "cmp.rnnviz")
    back = load_session(tmp_path / "cmp.rnnviz")
    assert [r.name for r in back.runs] == [r.name for r in s.runs]
    for k in range(3):
        assert_same_training(run_session(back, k), run_session(s, k))


def test_every_run_trains_as_a_separate_training_would():
    a, b, c = _three()
    s = compare_sessions([("tanh RNN", a), ("LSTM", b), ("GRU", c)])
    settings = TrainingSettings(optimizer="sgd", lr=0.1, momentum=0.5, epochs=4)
    trained, lasts = train_runs(s, settings)
    assert [t.update for t in lasts] == [4, 4, 4]
    for k, alone in enumerate((a, b, c)):
        assert_same_training(run_session(trained, k), replace(_alone(alone, settings), title=trained.title))
    assert trained.runs[0].name == "tanh RNN"  # the active run stays first


def _alone(session, settings):
    job = TrainingJob(session, settings)
    for _ in job.steps():
        pass
    return job.result()


def test_the_cli_compares_then_trains_every_run(tmp_path):
    a, b, c = _three()
    for name, s in (("a", a), ("b", b), ("c", c)):
        save_session(s, tmp_path / f"{name}.rnnviz")
    err = io.StringIO()
    files = [str(tmp_path / f"{n}.rnnviz") for n in "abc"]
    assert compare_main(files + ["-o", str(tmp_path / "cmp.rnnviz")], err=err) == 0, err.getvalue()
    cmp = load_session(tmp_path / "cmp.rnnviz")
    assert [r.name for r in cmp.runs] == ["tanh RNN", "LSTM", "GRU"]
    err = io.StringIO()
    code = train_main(
        [str(tmp_path / "cmp.rnnviz"), "-o", str(tmp_path / "t.rnnviz"), "--epochs", "3"], err=err
    )
    assert code == 0, err.getvalue()
    assert "LSTM: epoch 1/3" in err.getvalue() and "GRU: " in err.getvalue()
    trained = load_session(tmp_path / "t.rnnviz")
    assert [r.training.updates for r in trained.runs] == [3, 3, 3]
    settings = replace(cmp.training.settings, epochs=3)
    assert_same_training(run_session(trained, 2), replace(_alone(c, settings), title=trained.title))


def test_the_cli_refuses_mismatched_inputs_and_writes_nothing(tmp_path):
    a, _, _ = _three()
    seq3 = replace(a.sequence, inputs=np.zeros((5, 3)), input_names=(), targets=np.zeros((5, 1)))
    wide = replace(a, network=Network.from_spec(NetworkSpec("lstm", 3, 4, output_size=1)), sequence=seq3,
                   title="wide")  # fmt: skip
    save_session(a, tmp_path / "a.rnnviz")
    save_session(wide, tmp_path / "w.rnnviz")
    err = io.StringIO()
    out = tmp_path / "cmp.rnnviz"
    assert (
        compare_main([str(tmp_path / "a.rnnviz"), str(tmp_path / "w.rnnviz"), "-o", str(out)], err=err) == 2
    )
    line = err.getvalue().strip()
    assert "\n" not in line and "input size 3" in line and "input size 2" in line
    assert not out.exists()
    err = io.StringIO()
    assert compare_main([str(tmp_path / "a.rnnviz"), "-o", str(out)], err=err) == 2
    assert "2 to 4 session files" in err.getvalue() and not out.exists()


def test_the_trace_csv_prefixes_each_run_and_one_run_keeps_its_names():
    a, b, _ = _three()
    one = list(csv.reader(io.StringIO(session_trace_csv(a))))
    assert one[0][0] == "t" and "h_l0_fwd_u1" in one[0] and not any(n.startswith("run") for n in one[0])
    s = compare_sessions([("tanh RNN", a), ("LSTM", b)])
    rows = list(csv.reader(io.StringIO(session_trace_csv(s))))
    head = rows[0]
    assert head[0] == "t" and head.count("x_1") + head.count("x_x1") <= 1
    assert "run1_h_l0_fwd_u1" in head and "run2_c_l0_fwd_u1" in head and "run2_dLdh_norm_l0_fwd" in head
    assert not any(n.startswith("run2_x_") or n.startswith("run2_target") for n in head)
    alone = list(csv.reader(io.StringIO(session_trace_csv(b))))  # the LSTM on its own (the same sequence)
    col, alone_col = head.index("run2_h_l0_fwd_u3"), alone[0].index("h_l0_fwd_u3")
    assert [r[col] for r in rows[1:]] == [r[alone_col] for r in alone[1:]]


def test_computing_a_comparison_computes_every_run_as_it_would_alone():
    from rnnviz.session.compute import compute, estimated_cost

    a, b, c = _three()
    s = compare_sessions([("tanh RNN", a), ("LSTM", b), ("GRU", c)])
    got = compute(s)
    assert [r.session.run_name for r in got.runs] == ["tanh RNN", "LSTM", "GRU"]
    for mine, alone in zip(got.runs, (a, b, c), strict=True):
        want = compute(alone)
        np.testing.assert_array_equal(mine.trace.hidden(0, 0), want.trace.hidden(0, 0))
        np.testing.assert_array_equal(mine.grads.dh_norm(0, 0), want.grads.dh_norm(0, 0))
        assert mine.loss.loss == want.loss.loss
    assert compute(a).others == () and estimated_cost(s) == sum(estimated_cost(x) for x in (a, b, c))


def test_a_runs_job_interleaves_rounds_and_a_nan_stops_only_its_run():
    from rnnviz.session.compare import RunsJob

    a, b, c = _three()
    s = compare_sessions([("tanh RNN", a), ("LSTM", b), ("GRU", c)])
    settings = TrainingSettings(epochs=3)
    ticks = list(RunsJob(s, settings).steps())
    assert [(t.run, t.update, t.round_end) for t in ticks[:4]] == [(0, 1, False), (1, 1, False), (2, 1, True),
                                                                  (0, 2, False)]  # fmt: skip
    relu = Network.from_spec(NetworkSpec("rnn_relu", 2, 3, output_size=1), seed=1)
    huge = relu.with_params({k: 1e200 * np.abs(relu.param(k)) for k in ("weight_ih_l0", "weight_hh_l0")})
    s = compare_sessions([("tanh RNN", a), ("ReLU", replace(b, network=huge))])  # its h overflows at once
    job = RunsJob(s, TrainingSettings(optimizer="sgd", lr=0.1, epochs=6))
    ticks = list(job.steps())
    stopped = [t for t in ticks if t.stopped]
    assert stopped and {t.run for t in stopped} == {1}
    assert max(t.update for t in ticks if t.run == 0) == 6  # the other run trains on to its end
    result = job.result()
    assert result.runs[1].training.history.stopped_reason and result.runs[0].training.updates == 6


def test_an_edit_of_the_active_run_reuses_the_others_computation():
    from rnnviz.session.compute import compute

    a, b, c = _three()
    s = compare_sessions([("tanh RNN", a), ("LSTM", b), ("GRU", c)])
    first = compute(s)
    w = np.array(s.network.param("weight_hh_l0"))
    w[0, 0] += 0.5
    edited = compute(s.with_network(s.network.with_params({"weight_hh_l0": w})))
    assert edited.others[0].trace is first.others[0].trace  # the LSTM was not recomputed
    assert edited.trace is not first.trace and edited.others[0].session.run_name == "LSTM"
    moved = compute(with_runs_changed(s))
    assert moved.others[0].trace is not first.others[0].trace  # its network changed: computed anew


def with_runs_changed(s):
    from rnnviz.session.compare import with_runs

    runs = list(s.runs)
    lstm = runs[1].network
    runs[1] = replace(runs[1], network=lstm.with_params({"weight_hh_l0": 2 * lstm.param("weight_hh_l0")}))
    return with_runs(s, runs)
