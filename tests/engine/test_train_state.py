"""TrainState.to_json / from_json: a faithful round trip, and a file is never trusted."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.optim import SGD, Adam
from rnnviz.engine.train import TrainState, train


def lstm():
    return Network.from_spec(NetworkSpec("lstm", 2, 3, output_size=1), seed=0)


def data():
    r = np.random.default_rng(0)
    return [(r.normal(size=(8, 2)), r.normal(size=(8, 1))) for _ in range(3)]


def mid_run(optimizer=None, network=None):
    """A state in the middle of a sequence: every field filled."""
    net = network or lstm()
    run = train(net, data(), optimizer=optimizer or Adam(lr=0.01), epochs=3, bptt_window=3)
    for _ in range(4):
        next(run)
    return run.state(), run.network


def test_round_trip_keeps_every_field():
    state, net = mid_run()
    assert state.in_epoch and state.time_step > 0 and state.h is not None and state.c is not None
    meta, arrays = state.to_json()
    assert json.loads(json.dumps(meta)) == meta  # plain JSON
    assert all(isinstance(a, np.ndarray) and a.dtype == np.float64 for a in arrays.values())
    back = TrainState.from_json(json.loads(json.dumps(meta)), arrays, net)
    for name in ("updates", "epochs_done", "position", "time_step", "rng_state"):
        assert getattr(back, name) == getattr(state, name), name
    assert np.array_equal(back.order, state.order) and back.order.dtype == np.int64
    assert np.array_equal(back.h, state.h) and np.array_equal(back.c, state.c)
    assert back.optimizer["name"] == "adam"
    assert back.optimizer["hyperparameters"] == state.optimizer["hyperparameters"]
    for key, entry in state.optimizer["state"].items():
        assert back.optimizer["state"][key]["step"] == entry["step"]
        for buf in ("exp_avg", "exp_avg_sq"):
            assert np.array_equal(back.optimizer["state"][key][buf], entry[buf])
    arrays["h"][0, 0] = 99.0  # the state keeps copies
    assert back.h[0, 0] != 99.0 and state.h[0, 0] != 99.0


def test_round_trip_of_sgd_between_epochs_without_a_network():
    net = lstm()
    run = train(net, data(), optimizer=SGD(lr=0.1, momentum=0.9, nesterov=True), epochs=1)
    list(run)
    state = run.state()
    meta, arrays = state.to_json()
    assert meta["order"] == [] and "h" not in arrays
    assert sorted(arrays) == sorted(f"optimizer/{k}/momentum_buffer" for k in net.state_dict())
    back = TrainState.from_json(meta, arrays)
    assert back.optimizer["hyperparameters"]["nesterov"] is True and not back.in_epoch


def test_a_state_without_optimizer_round_trips():
    state, net = mid_run()
    meta, arrays = state.to_json()
    meta["optimizer"] = None
    arrays = {k: v for k, v in arrays.items() if not k.startswith("optimizer/")}
    assert TrainState.from_json(meta, arrays, net).optimizer is None


def hostile_cases():
    """(name, change(meta, arrays), words the message must contain)."""

    def set_meta(key, value):
        def change(meta, arrays):
            meta[key] = value

        return change

    def del_meta(key):
        return lambda meta, arrays: meta.pop(key)

    def set_array(key, value):
        def change(meta, arrays):
            arrays[key] = value(arrays[key]) if callable(value) else value

        return change

    def opt(path, value):
        def change(meta, arrays):
            d = meta["optimizer"]
            for p in path[:-1]:
                d = d[p]
            d[path[-1]] = value

        return change

    key = "optimizer/weight_hh_l0/exp_avg"
    return [
        ("missing updates", del_meta("updates"), "missing updates"),
        ("missing optimizer", del_meta("optimizer"), "missing optimizer"),
        ("unknown field", set_meta("lr", 0.1), "unknown fields lr"),
        ("newer version", set_meta("version", 2), "version 2"),
        ("negative updates", set_meta("updates", -1), "updates"),
        ("float updates", set_meta("updates", 3.0), "updates"),
        ("bool epochs", set_meta("epochs_done", True), "epochs_done"),
        ("order not a permutation", set_meta("order", [0, 0, 1]), "order"),
        ("order of strings", set_meta("order", ["a"]), "order"),
        ("order a dict", set_meta("order", {"a": 1}), "order"),
        ("position past order", set_meta("position", 3), "position 3"),
        ("string time step", set_meta("time_step", "3"), "time_step"),
        ("rng not a dict", set_meta("rng_state", 5), "rng_state"),
        ("rng other generator", lambda m, a: m["rng_state"].update(bit_generator="MT19937"), "PCG64"),
        ("rng even inc", lambda m, a: m["rng_state"]["state"].update(inc=2), "inc"),
        ("rng huge state", lambda m, a: m["rng_state"]["state"].update(state=2**129), "2**128"),
        ("rng float uinteger", lambda m, a: m["rng_state"].update(uinteger=0.5), "uinteger"),
        ("h wrong shape", set_array("h", np.zeros((2, 3))), "array h has shape (2, 3)"),
        ("h NaN", set_array("h", lambda h: np.full_like(h, np.nan)), "array h contains NaN"),
        ("h ints", set_array("h", lambda h: h.astype(int)), "array h must hold floats"),
        ("h a list", set_array("h", [[0.0, 0.0, 0.0]]), "array h must hold floats"),
        ("no c for an LSTM", lambda m, a: a.pop("c"), "needs the carried arrays ['c', 'h']"),
        ("carried state at a sequence start", set_meta("time_step", 0), "time_step is 0"),
        ("unknown array", set_array("weights", np.zeros(3)), "unknown arrays ['weights']"),
        ("wrong optimizer name", opt(["name"], "rmsprop"), "optimizer name must be one of sgd, adam"),
        ("optimizer missing state", lambda m, a: m["optimizer"].pop("state"), "optimizer"),
        ("lr negative", opt(["hyperparameters", "lr"], -1.0), "lr"),
        ("lr NaN", opt(["hyperparameters", "lr"], float("nan")), "lr"),
        ("beta missing", lambda m, a: m["optimizer"]["hyperparameters"].pop("betas"), "missing ['betas']"),
        ("one beta", opt(["hyperparameters", "betas"], [0.9]), "betas"),
        ("unknown hyperparameter", opt(["hyperparameters", "momentum"], 0.9), "unknown ['momentum']"),
        ("step zero", opt(["state", "weight_hh_l0", "step"], 0), "step"),
        ("step missing", lambda m, a: m["optimizer"]["state"]["weight_hh_l0"].pop("step"), "weight_hh_l0"),
        (
            "buffer wrong shape",
            set_array(key, np.zeros((2, 2))),
            "has shape (2, 2); the parameter has (12, 3)",
        ),
        ("buffer NaN", set_array(key, lambda b: b * np.nan), "exp_avg contains NaN"),
        ("buffer infinite", set_array(key, lambda b: b + np.inf), "exp_avg contains NaN or infinity"),
        ("buffer of strings", set_array(key, np.array(["x"])), "must be an array of floats"),
        ("negative exp_avg_sq", set_array(key + "_sq", lambda b: -b - 1), "exp_avg_sq must not be negative"),
        ("missing buffer", lambda m, a: a.pop(key), "weight_hh_l0 must have the fields"),
        ("buffer of no parameter", set_array("optimizer/weight_xx/exp_avg", np.zeros(3)), "belongs to no"),
        (
            "parameter the network lacks",
            lambda m, a: (
                m["optimizer"]["state"].update(weight_xx={"step": 1}),
                a.update(
                    {
                        "optimizer/weight_xx/exp_avg": np.zeros(3),
                        "optimizer/weight_xx/exp_avg_sq": np.zeros(3),
                    }
                ),
            ),
            "does not have: ['weight_xx']",
        ),
    ]


@pytest.mark.parametrize("name, change, words", hostile_cases(), ids=[c[0] for c in hostile_cases()])
def test_hostile_state_is_refused_with_a_message_naming_the_field(name, change, words):
    state, net = mid_run()
    meta, arrays = state.to_json()
    meta = copy.deepcopy(meta)
    change(meta, arrays)
    with pytest.raises(ValueError) as err:
        TrainState.from_json(meta, arrays, net)
    assert words in str(err.value)


def test_state_for_another_network_is_refused():
    state, _ = mid_run()
    other = Network.from_spec(NetworkSpec("lstm", 2, 5, output_size=1), seed=0)
    with pytest.raises(ValueError, match="array h has shape"):
        TrainState.from_json(*state.to_json(), network=other)
    with pytest.raises(ValueError, match="resume: |array h has shape"):
        train(other, data(), epochs=1, resume=state)


def test_gru_state_must_not_carry_c():
    net = Network.from_spec(NetworkSpec("gru", 2, 3, output_size=1), seed=0)
    state, net = mid_run(network=net)
    meta, arrays = state.to_json()
    assert "c" not in arrays
    arrays["c"] = arrays["h"].copy()
    with pytest.raises(ValueError, match="it has \\['c', 'h'\\]"):
        TrainState.from_json(meta, arrays, net)


@pytest.mark.parametrize("meta, arrays", [([], {}), ({}, []), (None, None)])
def test_not_mappings(meta, arrays):
    with pytest.raises(ValueError, match="mapping|missing"):
        TrainState.from_json(meta, arrays)
