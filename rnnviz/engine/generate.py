"""One-to-many generation: the network's output becomes its next input.

Starting from ``x_1 = first_input`` and the initial state (h_0, c_0)::

    h_t, c_t = cell(x_t, h_{t-1}, c_{t-1})        y_t = head(h_t)    (logits z_t)
    x_{t+1} = onehot(argmax_k z_tk)                                    mode "argmax"
    x_{t+1} = onehot(k),  k ~ softmax(z_t / τ)                         mode "sample"
    x_{t+1} = y_t                                                      mode "value"

for t = 1 … steps.  The default mode is "argmax" for a softmax or sigmoid head
(a vocabulary of tokens) and "value" for a linear head (a signal).  A sampled
run is repeatable: it draws from the ``np.random.Generator`` it is given
(``default_rng(0)`` when none is).  As τ → 0 sampling becomes argmax; large τ
makes every token equally likely.

The result holds the inputs that were fed and a :class:`Trace` of
``network.forward(inputs, h0, c0)``: the same numbers as the step-by-step run,
so every view plays a generated sequence like any other.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from .activations import softmax
from .network import Network
from .stepper import Stepper
from .trace import Trace

GENERATION_MODES = ("argmax", "sample", "value")
MAX_GENERATED_STEPS = 100_000


@dataclass(frozen=True, eq=False)
class Generation:
    """A generated run: what was fed in, what was chosen, and the full trace."""

    inputs: np.ndarray  # [T, I] row 0 = first_input, row t+1 = feedback of output t
    tokens: np.ndarray | None  # [T] int: the token chosen from each step's output (None for "value")
    trace: Trace  # network.forward(inputs, h0, c0)
    mode: str
    temperature: float

    @property
    def outputs(self) -> np.ndarray:
        """y_t [T, out]: the head's output at every step."""
        return self.trace.y

    @property
    def steps(self) -> int:
        return self.inputs.shape[0]


def _check_network(network: Network) -> None:
    if network.num_directions != 1:
        raise ValueError(
            "generation needs a unidirectional network: a bidirectional one reads the future, "
            "which does not exist yet while generating"
        )
    if not network.has_head:
        raise ValueError("generation feeds the output head's result back as input; this network has no head")
    out, inp = network.spec.output_size, network.input_size
    if out != inp:
        raise ValueError(
            f"generation feeds each output back as the next input, so the head size ({out}) "
            f"must equal the input size ({inp})"
        )


def _first_input(network: Network, first_input) -> np.ndarray:
    I = network.input_size
    if isinstance(first_input, int | np.integer) and not isinstance(first_input, bool):
        if not 0 <= first_input < I:
            raise ValueError(f"first_input token {first_input} is out of range 0..{I - 1}")
        x = np.zeros(I, dtype=network.dtype)
        x[int(first_input)] = 1.0
        return x  # [I] one-hot
    x = np.asarray(first_input, dtype=network.dtype).reshape(-1)
    if x.shape != (I,):
        raise ValueError(
            f"first_input: expected {I} values (or a token index); got shape {np.shape(first_input)}"
        )
    if not np.all(np.isfinite(x)):
        raise ValueError("first_input contains NaN or infinity")
    return x


def _resolve_mode(network: Network, mode: str | None) -> str:
    if mode is None:
        return "value" if network.head_activation is None else "argmax"
    if mode not in GENERATION_MODES:
        raise ValueError(f"mode must be one of {', '.join(GENERATION_MODES)}; got {mode!r}")
    return mode


def sample_index(logits: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    """k ~ softmax(logits / τ), by inverting the cumulative distribution with one uniform draw."""
    z = np.asarray(logits, dtype=np.float64)  # [out]
    with np.errstate(over="ignore"):  # far-below-max logits may reach −inf: probability 0
        z = (z - z.max()) / temperature  # [out], the maximum is exactly 0
    p = softmax(z)  # [out]
    cdf = np.cumsum(p)  # [out]
    u = rng.random() * cdf[-1]
    return min(int(np.searchsorted(cdf, u, side="right")), p.shape[0] - 1)


def generate(
    network: Network,
    first_input,
    steps: int,
    mode: str | None = None,
    temperature: float = 1.0,
    rng: np.random.Generator | int | None = None,
    h0=None,
    c0=None,
) -> Generation:
    """Run ``steps`` steps, feeding each output back as the next input (see the module docstring).

    ``first_input`` is a vector [I] or a token index (one-hot).  ``rng`` is a
    ``np.random.Generator`` or a seed; it is only drawn from in mode "sample".
    """
    _check_network(network)
    mode = _resolve_mode(network, mode)
    if (
        isinstance(steps, bool)
        or not isinstance(steps, int | np.integer)
        or not 1 <= steps <= MAX_GENERATED_STEPS
    ):
        raise ValueError(f"steps must be an integer in [1, {MAX_GENERATED_STEPS:,}]; got {steps!r}")
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, numbers.Real)
        or not (math.isfinite(temperature) and temperature > 0)
    ):
        raise ValueError(f"temperature must be a positive number; got {temperature!r}")
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(0 if rng is None else rng)
    I = network.input_size
    inputs = np.zeros((steps, I), dtype=network.dtype)  # [T, I]
    tokens = np.zeros(steps, dtype=np.int64)  # [T]
    inputs[0] = _first_input(network, first_input)
    h0_used = network._initial(h0, "h0")  # [L, H] validated
    c0_used = network._initial(c0, "c0") if network.mode == "lstm" else None
    stepper = Stepper(network, h0_used, c0_used)  # one cell call per layer and step, no Trace
    for t in range(steps):
        z = stepper.step(x=inputs[t])  # [out] logits z_t
        if mode == "argmax":
            tokens[t] = int(np.argmax(z))
        elif mode == "sample":
            tokens[t] = sample_index(z, float(temperature), rng)
        if t + 1 < steps:
            if mode == "value":
                y = network._head_act(z)  # [out]
                if not np.all(np.isfinite(y)):
                    raise ValueError(
                        f"generation diverged: the output at step t={t + 1} is infinite or NaN, "
                        "so it cannot be fed back as the next input"
                    )
                inputs[t + 1] = y
            else:
                inputs[t + 1, tokens[t]] = 1.0  # one-hot
    trace = network.forward(inputs, h0=h0_used, c0=c0_used)
    return Generation(
        inputs=trace.x,
        tokens=None if mode == "value" else tokens,
        trace=trace,
        mode=mode,
        temperature=float(temperature),
    )
