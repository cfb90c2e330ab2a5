"""Sequence generators: shapes, seeds, hand values and each task's defining property."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnviz.engine.losses import mse_loss
from rnnviz.engine.sequences import (
    GENERATOR_TITLES,
    GENERATORS,
    MAX_LENGTH,
    adding_task,
    copy_task,
    generator_parameters,
    impulse,
    make_sequence,
    parity_task,
    random_walk,
    sawtooth,
    sine,
    square,
    step,
    white_noise,
)

SIGNALS = ["sine", "square", "sawtooth", "step", "impulse", "white_noise", "random_walk"]
RANDOM = ["white_noise", "random_walk", "copy", "adding", "parity"]


@pytest.mark.parametrize("name", GENERATORS)
def test_shapes_names_and_read_only(name):
    s = make_sequence(name, length=37)
    assert s.steps == 37
    assert s.inputs.ndim == 2 and s.inputs.shape[0] == 37
    assert s.targets.shape[0] == 37
    assert len(s.input_names) == s.inputs.shape[1] and len(s.target_names) == s.targets.shape[1]
    assert s.shape in ("many_to_many", "many_to_one") and s.title
    assert np.all(np.isfinite(s.inputs))
    with pytest.raises(ValueError):
        s.inputs[0, 0] = 5.0
    assert name in GENERATOR_TITLES


@pytest.mark.parametrize("name", SIGNALS)
def test_signal_targets_are_the_next_value(name):
    s = make_sequence(name, length=50, **({} if name in ("white_noise", "random_walk") else {"noise": 0.1}))
    np.testing.assert_array_equal(s.targets[:-1], s.inputs[1:])
    assert s.shape == "many_to_many"


@pytest.mark.parametrize("name", RANDOM + ["sine"])
def test_same_seed_same_sequence_other_seed_other_sequence(name):
    kw = {"noise": 0.2} if name == "sine" else {}
    a, b, c = (make_sequence(name, length=60, seed=s, **kw) for s in (3, 3, 4))
    np.testing.assert_array_equal(a.inputs, b.inputs)
    np.testing.assert_array_equal(a.targets, b.targets)
    assert not np.array_equal(a.inputs, c.inputs)


def test_sine_by_hand():
    s = sine(length=5, period=4, amplitude=2.0)
    np.testing.assert_allclose(s.inputs[:, 0], [0, 2, 0, -2, 0], atol=1e-12)
    np.testing.assert_allclose(s.targets[-1], [2.0], atol=1e-12)  # v_5 = 2 sin(2π·5/4)
    shifted = sine(length=3, period=4, phase=np.pi / 2)
    np.testing.assert_allclose(shifted.inputs[:, 0], [1, 0, -1], atol=1e-12)


def test_square_and_sawtooth_by_hand():
    np.testing.assert_array_equal(square(length=6, period=4).inputs[:, 0], [1, 1, -1, -1, 1, 1])
    np.testing.assert_allclose(sawtooth(length=5, period=4).inputs[:, 0], [-1, -0.5, 0, 0.5, -1])


def test_step_and_impulse_by_hand():
    assert step(length=6, amplitude=3.0, at=2).inputs[:, 0].tolist() == [0, 0, 3, 3, 3, 3]
    assert step(length=4).inputs[:, 0].tolist() == [0, 0, 1, 1]  # default: the middle
    assert impulse(length=5, at=1).inputs[:, 0].tolist() == [0, 1, 0, 0, 0]
    assert impulse(length=5).targets[:, 0].tolist() == [0, 0, 0, 0, 0]
    assert impulse(length=8, at=1, period=3).inputs[:, 0].tolist() == [0, 1, 0, 0, 1, 0, 0, 1]


def test_noise_has_the_requested_spread():
    clean = sine(length=20000, period=50)
    noisy = sine(length=20000, period=50, noise=0.3, seed=1)
    residual = noisy.inputs - clean.inputs
    assert residual.std() == pytest.approx(0.3, rel=0.03)
    assert abs(residual.mean()) < 0.01


def test_white_noise_and_random_walk_statistics():
    w = white_noise(length=20000, amplitude=2.0, seed=1).inputs[:, 0]
    assert abs(w.mean()) < 0.05 and w.std() == pytest.approx(2.0, rel=0.03)
    r = random_walk(length=20000, amplitude=0.5, seed=1).inputs[:, 0]
    assert r[0] == 0.0
    assert np.diff(r).std() == pytest.approx(0.5, rel=0.03)


@given(length=st.integers(1, 200), delay=st.integers(0, 199), seed=st.integers(0, 2**32))
def test_copy_target_is_the_input_k_steps_back(length, delay, seed):
    delay = min(delay, length - 1)
    s = copy_task(length=length, delay=delay, seed=seed, amplitude=0.5)
    x, y = s.inputs[:, 0], s.targets[:, 0]
    assert set(np.unique(x)) <= {0.0, 0.5}
    for t in range(length):
        assert y[t] == (x[t - delay] if t >= delay else 0.0)


@given(length=st.integers(2, 300), seed=st.integers(0, 2**32))
def test_adding_target_is_the_sum_of_the_marked_values(length, seed):
    s = adding_task(length=length, seed=seed)
    values, markers = s.inputs[:, 0], s.inputs[:, 1]
    marked = np.flatnonzero(markers == 1)
    assert len(marked) == 2 and markers.sum() == 2
    assert marked[0] < length // 2 <= marked[1]  # one marker in each half
    assert np.all((0 <= values) & (values < 1))
    assert s.targets[-1, 0] == values[marked[0]] + values[marked[1]]
    assert np.isnan(s.targets[:-1]).all()  # no target before the last step
    assert s.shape == "many_to_one"


@given(length=st.integers(1, 300), seed=st.integers(0, 2**32))
def test_parity_is_the_running_xor(length, seed):
    s = parity_task(length=length, seed=seed)
    bits, parity = s.inputs[:, 0].astype(int), s.targets[:, 0]
    acc = 0
    for t in range(length):
        assert bits[t] in (0, 1)
        acc ^= bits[t]
        assert parity[t] == acc


def test_adding_task_trains_on_its_last_step_only():
    s = adding_task(length=10, seed=0)
    r = mse_loss(np.zeros((10, 1)), s.targets, s.shape)
    assert r.loss == pytest.approx(s.targets[-1, 0] ** 2)


def test_generator_parameters_for_the_gui():
    assert list(generator_parameters("sine")) == ["length", "period", "amplitude", "noise", "seed", "phase"]
    assert generator_parameters("copy")["delay"] == 5
    assert "period" not in generator_parameters("parity")


@pytest.mark.parametrize(
    "name, kwargs, word",
    [
        ("sine", dict(length=0), "length"),
        ("sine", dict(length=MAX_LENGTH + 1), "length"),
        ("sine", dict(length=2.5), "length"),
        ("sine", dict(period=0), "period"),
        ("square", dict(period=float("inf")), "period"),
        ("sawtooth", dict(amplitude=float("nan")), "amplitude"),
        ("sine", dict(amplitude=-1), "amplitude"),
        ("sine", dict(noise=-0.1), "noise"),
        ("random_walk", dict(seed=-1), "seed"),
        ("sine", dict(phase=float("nan")), "phase"),
        ("step", dict(length=10, at=10), "at"),
        ("impulse", dict(period=0), "period"),
        ("copy", dict(length=5, delay=5), "delay"),
        ("adding", dict(length=1), "length"),
        ("parity", dict(period=3), "no parameter 'period'"),
        ("zigzag", dict(), "unknown generator"),
    ],
)
def test_bad_arguments_are_named(name, kwargs, word):
    with pytest.raises(ValueError, match=word):
        make_sequence(name, **kwargs)
