"""Sequence generators: signals to predict and memory tasks to learn.

Signals (one feature; the target is the next value, many-to-many)::

    sine       v_t = A sin(2π t / P + φ)
    square     v_t = +A for the first half of each period, −A for the second
    sawtooth   v_t = A (2 frac(t / P) − 1)
    step       v_t = A for t ≥ at, else 0
    impulse    v_t = A at t = at (and every P steps after it, if a period is given), else 0
    white_noise v_t ~ N(0, A²) independently
    random_walk v_t = v_{t−1} + ε_t,  ε_t ~ N(0, A²),  v_0 = 0

plus ``noise`` σ: v_t += N(0, σ²).  T + 1 values are drawn; the inputs are
v_0 … v_{T−1} and the targets v_1 … v_T, so ``target[t] = input[t + 1]``.

Memory tasks::

    copy      x_t ∈ {0, A} random;  target[t] = x_{t−k}  (0 for t < k)           many-to-many
    adding    x_t = (u_t, m_t), u_t ~ U(0, 1), exactly two markers m = 1, one in each
              half;  target at the last step = Σ_t m_t u_t (NaN before: no target)  many-to-one
    parity    x_t ∈ {0, 1} random;  target[t] = x_0 ⊕ … ⊕ x_t (running parity)     many-to-many

Every generator is seeded (``np.random.default_rng(seed)``): the same
arguments give the same sequence.  Steps are indexed from 0 here; the app
shows them as 1..T.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

MAX_LENGTH = 1_000_000


@dataclass(frozen=True, eq=False)
class GeneratedSequence:
    """A generated sequence: inputs, targets and what to call them."""

    inputs: np.ndarray  # [T, I]
    targets: np.ndarray | None  # [T, O]; NaN at steps without a target
    input_names: tuple[str, ...]
    target_names: tuple[str, ...]
    shape: str  # where the loss applies: "many_to_many" | "many_to_one"
    title: str

    def __post_init__(self) -> None:
        self.inputs.setflags(write=False)
        if self.targets is not None:
            self.targets.setflags(write=False)

    @property
    def steps(self) -> int:
        return self.inputs.shape[0]


# -- argument checks --------------------------------------------------------


def _int(name: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer in [{lo:,}, {hi:,}]; got {value!r}")
    return int(value)


def _float(name: str, value, positive: bool = False) -> float:
    ok = isinstance(value, int | float | np.floating | np.integer) and not isinstance(value, bool)
    if ok:
        value = float(value)
        ok = math.isfinite(value) and (value > 0 if positive else value >= 0)
    if not ok:
        raise ValueError(f"{name} must be a finite number {'> 0' if positive else '≥ 0'}; got {value!r}")
    return value


def _common(length, amplitude, noise, seed) -> tuple[int, float, float, np.random.Generator]:
    length = _int("length", length, 1, MAX_LENGTH)
    amplitude = _float("amplitude", amplitude, positive=True)
    noise = _float("noise", noise)
    rng = np.random.default_rng(_int("seed", seed, 0, 2**63 - 1))
    return length, amplitude, noise, rng


def _next_value(v: np.ndarray, noise: float, rng, title: str) -> GeneratedSequence:
    """T + 1 values → inputs v_0..v_{T−1}, targets v_1..v_T."""
    if noise:
        v = v + rng.normal(0.0, noise, size=v.shape)  # [T+1]
    return GeneratedSequence(
        inputs=v[:-1, None].copy(),  # [T, 1]
        targets=v[1:, None].copy(),  # [T, 1]
        input_names=("x",),
        target_names=("next x",),
        shape="many_to_many",
        title=title,
    )


# -- signals ----------------------------------------------------------------


def sine(length=100, period=20.0, amplitude=1.0, noise=0.0, seed=0, phase=0.0) -> GeneratedSequence:
    """A sine wave of ``period`` steps; predict the next value."""
    length, amplitude, noise, rng = _common(length, amplitude, noise, seed)
    period = _float("period", period, positive=True)
    phase = float(phase)
    if not math.isfinite(phase):
        raise ValueError(f"phase must be a finite number; got {phase!r}")
    t = np.arange(length + 1)
    return _next_value(
        amplitude * np.sin(2 * np.pi * t / period + phase), noise, rng, f"sine, period {period:g}"
    )


def square(length=100, period=20.0, amplitude=1.0, noise=0.0, seed=0) -> GeneratedSequence:
    """+A for the first half of each period, −A for the second; predict the next value."""
    length, amplitude, noise, rng = _common(length, amplitude, noise, seed)
    period = _float("period", period, positive=True)
    frac = np.mod(np.arange(length + 1) / period, 1.0)
    return _next_value(np.where(frac < 0.5, amplitude, -amplitude), noise, rng, f"square, period {period:g}")


def sawtooth(length=100, period=20.0, amplitude=1.0, noise=0.0, seed=0) -> GeneratedSequence:
    """A ramp from −A to A over each period; predict the next value."""
    length, amplitude, noise, rng = _common(length, amplitude, noise, seed)
    period = _float("period", period, positive=True)
    frac = np.mod(np.arange(length + 1) / period, 1.0)
    return _next_value(amplitude * (2 * frac - 1), noise, rng, f"sawtooth, period {period:g}")


def step(length=100, amplitude=1.0, noise=0.0, seed=0, at=None) -> GeneratedSequence:
    """0 before step ``at`` (default: the middle), A from it on; predict the next value."""
    length, amplitude, noise, rng = _common(length, amplitude, noise, seed)
    at = length // 2 if at is None else _int("at", at, 0, length - 1)
    v = np.where(np.arange(length + 1) >= at, amplitude, 0.0)
    return _next_value(v, noise, rng, f"step at t={at + 1}")


def impulse(length=100, amplitude=1.0, noise=0.0, seed=0, at=0, period=None) -> GeneratedSequence:
    """A at step ``at`` (and every ``period`` steps after it), 0 elsewhere; predict the next value."""
    length, amplitude, noise, rng = _common(length, amplitude, noise, seed)
    at = _int("at", at, 0, length - 1)
    t = np.arange(length + 1)
    if period is None:
        hit = t == at
    else:
        period = _int("period", period, 1, MAX_LENGTH)
        hit = (t >= at) & ((t - at) % period == 0)
    title = f"impulse at t={at + 1}" + (f", every {period} steps" if period else "")
    return _next_value(np.where(hit, amplitude, 0.0), noise, rng, title)


def white_noise(length=100, amplitude=1.0, seed=0) -> GeneratedSequence:
    """Independent N(0, A²) values: nothing to predict, a baseline for the loss."""
    length, amplitude, _, rng = _common(length, amplitude, 0.0, seed)
    return _next_value(rng.normal(0.0, amplitude, size=length + 1), 0.0, rng, "white noise")


def random_walk(length=100, amplitude=1.0, seed=0) -> GeneratedSequence:
    """A cumulative sum of N(0, A²) steps from 0; predict the next value."""
    length, amplitude, _, rng = _common(length, amplitude, 0.0, seed)
    v = np.concatenate([[0.0], np.cumsum(rng.normal(0.0, amplitude, size=length))])  # [T+1]
    return _next_value(v, 0.0, rng, "random walk")


# -- memory tasks -----------------------------------------------------------


def copy_task(length=50, delay=5, amplitude=1.0, seed=0) -> GeneratedSequence:
    """Random bits {0, A}; the target repeats the input ``delay`` steps later."""
    length, amplitude, _, rng = _common(length, amplitude, 0.0, seed)
    delay = _int("delay", delay, 0, length - 1)
    x = amplitude * rng.integers(0, 2, size=(length, 1)).astype(np.float64)  # [T, 1]
    target = np.zeros_like(x)  # [T, 1]
    target[delay:] = x[: length - delay]
    return GeneratedSequence(
        x, target, ("x",), (f"x(t−{delay})",), "many_to_many", f"copy after {delay} steps"
    )


def adding_task(length=50, seed=0) -> GeneratedSequence:
    """Values and markers; at the last step, output the sum of the two marked values."""
    length = _int("length", length, 2, MAX_LENGTH)
    rng = np.random.default_rng(_int("seed", seed, 0, 2**63 - 1))
    values = rng.uniform(0.0, 1.0, size=length)  # [T]
    half = length // 2
    first, second = int(rng.integers(0, half)), int(rng.integers(half, length))
    markers = np.zeros(length)  # [T]
    markers[[first, second]] = 1.0
    target = np.full((length, 1), np.nan)  # [T, 1] no target before the last step
    target[-1, 0] = values[first] + values[second]
    inputs = np.stack([values, markers], axis=1)  # [T, 2]
    return GeneratedSequence(inputs, target, ("value", "marker"), ("sum",), "many_to_one", "adding problem")


def parity_task(length=50, seed=0) -> GeneratedSequence:
    """Random bits; the target is the parity (XOR) of all bits so far."""
    length = _int("length", length, 1, MAX_LENGTH)
    rng = np.random.default_rng(_int("seed", seed, 0, 2**63 - 1))
    bits = rng.integers(0, 2, size=length)  # [T]
    parity = np.cumsum(bits) % 2  # [T]
    return GeneratedSequence(
        bits[:, None].astype(np.float64),
        parity[:, None].astype(np.float64),
        ("bit",),
        ("parity so far",),
        "many_to_many",
        "running parity",
    )


GENERATORS: dict[str, Callable[..., GeneratedSequence]] = {
    "sine": sine,
    "square": square,
    "sawtooth": sawtooth,
    "step": step,
    "impulse": impulse,
    "white_noise": white_noise,
    "random_walk": random_walk,
    "copy": copy_task,
    "adding": adding_task,
    "parity": parity_task,
}

GENERATOR_TITLES: dict[str, str] = {
    "sine": "Sine",
    "square": "Square wave",
    "sawtooth": "Sawtooth",
    "step": "Step",
    "impulse": "Impulse",
    "white_noise": "White noise",
    "random_walk": "Random walk",
    "copy": "Copy after a delay",
    "adding": "Adding problem",
    "parity": "Parity",
}


def generator_parameters(name: str) -> dict[str, object]:
    """The parameters a generator takes, with their defaults (for the GUI's form)."""
    if name not in GENERATORS:
        raise ValueError(f"unknown generator {name!r}; choose one of {', '.join(GENERATORS)}")
    return {p.name: p.default for p in inspect.signature(GENERATORS[name]).parameters.values()}


def make_sequence(name: str, **params) -> GeneratedSequence:
    """``make_sequence("sine", length=200, period=25)``; unknown parameters are an error."""
    allowed = generator_parameters(name)
    for key in params:
        if key not in allowed:
            raise ValueError(f"the {name} generator has no parameter {key!r}; it takes {', '.join(allowed)}")
    return GENERATORS[name](**params)
