"""A session's training in its file: exact round trips, training on after opening, and
hostile training members refused by name."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from rnnviz.engine import Adam, train
from rnnviz.session import SessionFileError, TrainingJob, TrainingSettings, load_session, save_session
from rnnviz.session.defaults import default_session
from rnnviz.session.migrations import SCHEMA_VERSION

from .helpers import assert_sessions_equal, members_of, npy, write_zip
from .training_helpers import assert_same_training, sine_session

FIXTURES = Path(__file__).parent / "fixtures"


def _trained(session, settings: TrainingSettings, limit: int | None = None):
    job = TrainingJob(session, settings)
    for k, _ in enumerate(job.steps(), 1):
        if k == limit:
            break
    return job.result()


def _round_trip(tmp_path, session):
    save_session(session, tmp_path / "t.rnnviz")
    return load_session(tmp_path / "t.rnnviz")


CASES = {
    "adam-lstm": lambda: _trained(sine_session(), TrainingSettings(epochs=80)),
    "float32": lambda: _trained(sine_session(dtype=np.float32), TrainingSettings(epochs=10)),
    "sgd-mid-chunk": lambda: _trained(
        sine_session("lstm"),
        TrainingSettings(optimizer="sgd", lr=0.1, momentum=0.9, bptt_window=5, epochs=9, seed=2),
        limit=8,
    ),
    "cross-entropy": lambda: _trained(default_session(), TrainingSettings(epochs=3, clip=1.0)),
    "untrained-settings": lambda: dataclasses.replace(
        sine_session(),
        training=dataclasses.replace(sine_session().training, settings=TrainingSettings(lr=0.5)),
    ),
}


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
def test_round_trip_is_exact(tmp_path, make):
    s = make()
    loaded = _round_trip(tmp_path, s)
    assert_sessions_equal(s, loaded)
    assert_same_training(s, loaded)
    assert loaded.training.settings == s.training.settings and loaded.run_name == s.run_name


def test_the_file_keeps_the_snapshots_and_their_updates(tmp_path):
    from rnnviz.session.history import kept_updates

    s = CASES["adam-lstm"]()
    assert s.training.history.snapshot_updates == kept_updates(80, 64)  # every 2nd, then 65…80
    loaded = _round_trip(tmp_path, s)
    assert loaded.training.history.snapshot_updates == s.training.history.snapshot_updates
    with zipfile.ZipFile(tmp_path / "t.rnnviz") as zf:
        m = json.loads(zf.read("manifest.json"))
        assert zf.read("training/snapshots.npy")[:6] == b"\x93NUMPY"
    assert m["schema_version"] == SCHEMA_VERSION == 2 and m["training"]["updates"] == 80
    assert m["training"]["settings"]["epochs"] == 80 and m["training"]["state"]["optimizer"]["name"] == "adam"


def test_twenty_epochs_saved_opened_and_fifteen_more_equal_thirty_five(tmp_path):
    s = sine_session("gru")
    settings = TrainingSettings(lr=0.02, beta1=0.8, clip=2.0, epochs=20)
    save_session(_trained(s, settings), tmp_path / "20.rnnviz")
    job = TrainingJob(load_session(tmp_path / "20.rnnviz"), epochs=15)  # the file's settings
    for _ in job.steps():
        pass
    save_session(job.result(), tmp_path / "35.rnnviz")
    once = _trained(s, dataclasses.replace(settings, epochs=35))
    assert_same_training(load_session(tmp_path / "35.rnnviz"), once)
    opt = Adam(lr=0.02, betas=(0.8, 0.999))
    ref = list(train(s.network, (s.inputs, s.targets), "mse", optimizer=opt, epochs=35, clip=2.0))
    np.testing.assert_array_equal(once.training.history.loss, [p.loss for p in ref])
    for key, value in ref[-1].network.state_dict().items():
        assert once.network.param(key).tobytes() == value.tobytes(), key


def test_a_stop_on_nan_is_saved_with_its_reason(tmp_path):
    s = _trained(sine_session("rnn_tanh"), TrainingSettings(optimizer="sgd", lr=1e150, epochs=50))
    loaded = _round_trip(tmp_path, s)
    h = loaded.training.history
    assert h.stopped_reason and h.stopped_reason == s.training.history.stopped_reason
    assert h.stopped_update == h.updates + 1
    assert_same_training(s, loaded)


# -- old versions ----------------------------------------------------------------


def test_a_version_1_file_opens_untrained():
    s = load_session(FIXTURES / "v1_seed003_default.rnnviz")
    assert s.training.updates == 0 and s.training.settings == TrainingSettings() and s.training.state is None
    assert s.run_name == "Run 1" and s.other_runs == ()


def test_a_version_1_file_with_a_stray_training_key_ignores_it_as_version_1_did(tmp_path):
    with zipfile.ZipFile(FIXTURES / "v1_seed003_default.rnnviz") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    m = json.loads(members["manifest.json"])
    m["training"] = {"updates": 3}  # not valid version 2: would be refused if it were read
    members["manifest.json"] = json.dumps(m).encode()
    assert load_session(write_zip(tmp_path / "v1.rnnviz", members)).training.updates == 0


def test_the_version_2_fixture_opens_and_trains_on():
    """Written once by make_fixtures.py (schema 2, 12 Adam epochs of truncated BPTT that
    stopped inside epoch 5); kept forever.  Training on gives what a run from its first
    weights gives (to 1e-9: another machine's BLAS may round differently)."""
    from .fixtures.make_fixtures import V2_SETTINGS, V2_STOP_AFTER

    s = load_session(FIXTURES / "v2_trained_lstm.rnnviz")
    t = s.training
    assert t.settings == V2_SETTINGS and t.updates == V2_STOP_AFTER and t.state.in_epoch
    assert t.history.snapshot_updates[-1] == V2_STOP_AFTER
    job = TrainingJob(s, epochs=3)
    for _ in job.steps():
        pass
    fresh = dataclasses.replace(s, network=t.initial, training=type(t)(settings=t.settings))
    ref = TrainingJob(fresh, epochs=t.state.epochs_done + 3)
    for _ in ref.steps():
        pass
    np.testing.assert_allclose(
        job.result().training.history.loss, ref.result().training.history.loss, rtol=1e-9
    )


# -- hostile training members ----------------------------------------------------


def _members():
    return members_of(CASES["sgd-mid-chunk"]())


def _load(tmp_path, members) -> str:
    path = write_zip(tmp_path / "bad.rnnviz", members)
    with pytest.raises(SessionFileError) as info:
        load_session(path)
    return str(info.value)


def _change(tmp_path, edit) -> str:
    members = _members()
    m = json.loads(members["manifest.json"])
    edit(m["training"])
    members["manifest.json"] = json.dumps(m).encode()
    return _load(tmp_path, members)


@pytest.mark.parametrize(
    "member, array, words",
    [
        ("training/loss.npy", np.zeros(7), ("training loss", "(7,)", "(8,)")),
        ("training/grad_norm.npy", np.zeros((8, 1)), ("training grad_norm", "(8, 1)")),
        ("training/snapshots.npy", np.zeros((8, 10)), ("training snapshots", "(8, 10)")),
        ("training/initial.npy", np.zeros(3), ("the weights before training", "(3,)")),
        ("training/state_values.npy", np.zeros(5), ("training state", "(5,)")),
        ("training/loss.npy", np.array([1.0] * 7 + [np.nan]), ("training loss", "NaN", "(7,)")),
        ("training/state_values.npy", None, ("training state", "infinity")),
        ("training/snapshots.npy", None, ("training snapshots", "NaN")),
        ("training/epoch.npy", np.full(8, 1.5), ("epoch", "whole numbers")),
        ("training/epoch.npy", np.array([1, 1, 2, 1, 2, 2, 2, 2]), ("never decrease",)),
        ("training/grad_norm.npy", -np.ones(8), ("negative",)),
    ],
    ids=[
        "loss-short", "grad-2d", "snap-shape", "initial-shape", "state-size", "loss-nan", "state-inf",
        "snap-nan", "epoch-fraction", "epoch-back", "norm-negative",
    ],
)  # fmt: skip
def test_a_bad_array_member_is_refused_by_name(tmp_path, member, array, words):
    members = _members()
    if array is None:  # poison the real array
        a = np.load(__import__("io").BytesIO(members[member]))
        a = a.copy()
        a.flat[1] = np.inf if "state" in member else np.nan
        array = a
    members[member] = npy(array)
    msg = _load(tmp_path, members)
    for w in words:
        assert w in msg, msg


@pytest.mark.parametrize(
    "edit, words",
    [
        (lambda t: t["settings"].__setitem__("lr", -1.0), ("training", "lr")),
        (lambda t: t["settings"].__setitem__("optimizer", "lbfgs"), ("optimizer",)),
        (lambda t: t["settings"].__setitem__("epochs", "many"), ("settings", "epochs", "int")),
        (lambda t: t.__setitem__("updates", 9), ("(9,)",)),
        (lambda t: t.__setitem__("updates", -1), ("updates",)),
        (lambda t: t.__setitem__("snapshot_updates", [3, 2] + t["snapshot_updates"][2:]), ("increase",)),
        (lambda t: t["snapshot_updates"].__setitem__(-1, 99), ("snapshot_updates[7]", "[1, 8]")),
        (lambda t: t.__setitem__("snapshot_updates", list(range(1, 70))), ("69 snapshots", "64")),
        (lambda t: t.__setitem__("initial", None), ("initial",)),
        (lambda t: t["state"].__setitem__("updates", 5), ("state counts 5", "history 8")),
        (lambda t: t["state"]["rng_state"].__setitem__("bit_generator", "MT19937"), ("rng_state", "PCG64")),
        (lambda t: t["state"]["optimizer"].__setitem__("name", "adam"), ("optimizer",)),
        (lambda t: t["state"].__setitem__("version", 9), ("training state version 9",)),
        (lambda t: t["state"].__setitem__("position", 4), ("position",)),
        (lambda t: t["state_arrays"].__setitem__(0, ["h", [2, 3]]), ("state",)),
        (lambda t: t["state_arrays"].append(["extra", [10**9]]), ("state arrays hold", "at most")),
        (lambda t: t["state_arrays"].append("h"), ("state_arrays[",)),
        (lambda t: t.__setitem__("state", None), ("state_arrays",)),
        (lambda t: t.__setitem__("stopped_reason", 3), ("stopped_reason",)),
        (lambda t: t.__setitem__("loss", "training/nowhere.npy"), ("training/nowhere.npy", "missing")),
    ],
    ids=[
        "lr", "optimizer", "epochs-type", "updates-more", "updates-negative", "snaps-order", "snaps-range",
        "snaps-many", "no-initial", "state-updates", "rng", "opt-name", "state-version", "position",
        "h-shape", "state-huge", "state-list", "state-missing", "reason-type", "member-missing",
    ],
)  # fmt: skip
def test_a_bad_training_manifest_is_refused_by_name(tmp_path, edit, words):
    msg = _change(tmp_path, edit)
    assert "bad.rnnviz" in msg
    for w in words:
        assert w in msg, msg


def test_a_newer_schema_is_refused_naming_both_versions(tmp_path):
    members = _members()
    m = json.loads(members["manifest.json"])
    m["schema_version"] = 3
    members["manifest.json"] = json.dumps(m).encode()
    msg = _load(tmp_path, members)
    assert "schema version 3" in msg and "up to 2" in msg


def test_training_arrays_count_against_the_session_budget(tmp_path, monkeypatch):
    from rnnviz.session import archive

    members = _members()
    monkeypatch.setattr(
        archive, "MAX_TOTAL_BYTES", 8 * (200 + 60 + 4 * 12 + 8 * 3)
    )  # weights, inputs…, curves
    msg = _load(tmp_path, members)
    assert "limit for a session's arrays" in msg


# -- other runs (compare mode) ------------------------------------------------------


def _with_runs():
    from rnnviz.engine import Network, NetworkSpec
    from rnnviz.session import InitSettings, Run

    s = sine_session()
    gru = _trained(dataclasses.replace(s, network=Network.from_spec(NetworkSpec("gru", 2, 4, output_size=1))),
                   TrainingSettings(optimizer="sgd", lr=0.1, momentum=0.5, epochs=6))  # fmt: skip
    rnn = Network.from_spec(NetworkSpec("rnn_relu", 2, 2, num_layers=2), seed=9, dtype=np.float32)
    runs = (Run("GRU", gru.network, InitSettings(seed=5), gru.training), Run("ReLU, float32", rnn))
    return dataclasses.replace(_trained(s, TrainingSettings(epochs=5)), run_name="LSTM", other_runs=runs)


def test_other_runs_round_trip_exactly(tmp_path):
    s = _with_runs()
    loaded = _round_trip(tmp_path, s)
    assert [r.name for r in loaded.runs] == ["LSTM", "GRU", "ReLU, float32"]
    for a, b in zip(s.runs, loaded.runs, strict=True):
        assert a.network.spec == b.network.spec and a.init == b.init
        session_a = dataclasses.replace(s, network=a.network, training=a.training, other_runs=())
        session_b = dataclasses.replace(s, network=b.network, training=b.training, other_runs=())
        assert_same_training(session_a, session_b)
    with zipfile.ZipFile(tmp_path / "t.rnnviz") as zf:
        assert {"runs/1/weights.npy", "runs/1/training/loss.npy", "runs/2/weights.npy"} <= set(zf.namelist())


def _change_runs(tmp_path, edit) -> str:
    members = members_of(_with_runs())
    m = json.loads(members["manifest.json"])
    edit(m)
    members["manifest.json"] = json.dumps(m).encode()
    return _load(tmp_path, members)


@pytest.mark.parametrize(
    "edit, words",
    [
        (lambda m: m.__setitem__("runs", {"a": 1}), ("'runs' must be a list",)),
        (lambda m: m["runs"].__setitem__(0, 3), ("runs[0] must be an object",)),
        (lambda m: m["runs"][0]["network"].__setitem__("hidden_size", 5), ("runs/1/weights.npy", "the run's weights", "(141,)")),
        (lambda m: m["runs"][1]["network"].__setitem__("input_size", 3), ("runs/2/weights.npy", "(24,)", "(26,)")),
        (lambda m: m["runs"][0]["training"]["settings"].__setitem__("lr", 0), ("runs[0]: training: settings", "lr")),
        (lambda m: m["runs"][0]["training"].__setitem__("updates", 2), ("runs[0]: training", "snapshot_updates")),
        (lambda m: m["runs"][1].__setitem__("name", None), ("runs[1]", "'name'")),
        (lambda m: m.__setitem__("runs", m["runs"] * 9), ("18 runs", "limit is 16")),
    ],
    ids=["not-list", "not-object", "weights-shape", "inputs", "settings", "updates", "name", "too-many"],
)  # fmt: skip
def test_a_bad_run_is_refused_by_name(tmp_path, edit, words):
    msg = _change_runs(tmp_path, edit)
    for w in words:
        assert w in msg, msg


def test_a_run_whose_network_does_not_fit_the_sequence_is_refused(tmp_path):
    members = members_of(_with_runs())
    m = json.loads(members["manifest.json"])
    m["runs"][1]["network"]["input_size"] = 3  # 2-layer ReLU, H = 2: 24 weights become 26
    members["manifest.json"] = json.dumps(m).encode()
    members["runs/2/weights.npy"] = npy(np.zeros(26, dtype=np.float32))
    # the weights now fit the declared network; the sequence (2 features) does not
    assert "expects 3" in _load(tmp_path, members)


def test_a_session_too_big_to_open_again_is_refused_before_writing(tmp_path, monkeypatch):
    """The loader counts 14,352 bytes of arrays for this session with its runs, 6,840
    without them; with a limit between, the runs make saving fail, naming the limit."""
    from rnnviz.session import archive

    s = _with_runs()
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 10_000)
    save_session(dataclasses.replace(s, other_runs=()), tmp_path / "a.rnnviz")
    assert load_session(tmp_path / "a.rnnviz").training.updates == 5
    with pytest.raises(ValueError, match="a session file holds at most 10,000"):
        save_session(s, tmp_path / "b.rnnviz")
    assert not (tmp_path / "b.rnnviz").exists()
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 14_352)
    save_session(s, tmp_path / "c.rnnviz")
    assert len(load_session(tmp_path / "c.rnnviz").runs) == 3  # the limit is the loader's, exactly
