"""Continuing a prompt: the network reads the prompt, then writes what comes next.

With prompt tokens p_1 … p_P and the chosen tokens g_1 … g_N::

    inputs  x = p_1 … p_P, g_1 … g_{N−1}        (T = P + N − 1 steps, one-hot)
    g_n   is chosen from z_{P+n−1}, the logits after input x_{P+n−1}

so the first choice uses the state after the prompt's last token, and every
choice after it is fed back as the next input.  A choice is

    τ = 0:   g = argmax_k z_k                                          (greedy)
    τ > 0:   g ~ p,  p = softmax(z / τ) over the k largest logits (top-k), 0 elsewhere

drawn by inverting the cumulative distribution with one uniform number from
the given ``np.random.Generator``.  K samples (:func:`sample_continuations`)
draw one after the other from one seeded stream, so a seed gives the same K.

The steps run on a :class:`Stepper` (no Trace per step); the result's trace is
``network.forward(inputs)``, computed once at the end, so every view shows the
same numbers as any other run of those inputs.
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

MAX_LENGTH = 100_000


@dataclass(frozen=True, eq=False)
class Continuation:
    """A prompt and what the network wrote after it."""

    prompt: np.ndarray  # [P] int token indices
    tokens: np.ndarray  # [N] int: the generated tokens
    temperature: float
    top_k: int | None
    trace: Trace | None  # network.forward(inputs), or None when not asked for
    # [N] where each draw landed on the cumulative distribution, u·F_V with u ~ U[0, 1)
    # (the token is the first k with F_k > it); None at τ = 0 (greedy draws nothing)
    draws: np.ndarray | None = None

    @property
    def inputs(self) -> np.ndarray:
        """The one-hot inputs [P + N − 1, V]: the prompt, then each choice fed back."""
        V = (
            self.trace.network.input_size
            if self.trace is not None
            else int(max(self.all_tokens.max() + 1, 1))
        )
        return np.eye(V)[self.input_tokens]  # [T, V]

    @property
    def input_tokens(self) -> np.ndarray:
        """The token read at each step [P + N − 1]."""
        return np.concatenate([self.prompt, self.tokens[:-1]])

    @property
    def all_tokens(self) -> np.ndarray:
        return np.concatenate([self.prompt, self.tokens])

    @property
    def first_choice_step(self) -> int:
        """The step (0-based) whose output gives g_1: the prompt's last token."""
        return self.prompt.shape[0] - 1


def check_generation_network(network: Network) -> None:
    """A ValueError saying why ``network`` cannot continue a prompt of tokens."""
    if network.num_directions != 1:
        raise ValueError(
            "a bidirectional network reads the future, which does not exist yet while generating"
        )
    if not network.has_head:
        raise ValueError("the network has no output head, so it gives no next token")
    if network.spec.output_size != network.input_size:
        raise ValueError(
            f"each chosen token is fed back as the next input, so the head size ({network.spec.output_size}) "
            f"must equal the input size ({network.input_size})"
        )


def check_temperature(temperature) -> float:
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, numbers.Real)
        or not (math.isfinite(temperature) and temperature >= 0)
    ):
        raise ValueError(f"the temperature must be a number ≥ 0 (0 is greedy); got {temperature!r}")
    return float(temperature)


def check_top_k(top_k, vocabulary: int) -> int | None:
    if top_k is None:
        return None
    if isinstance(top_k, bool) or not isinstance(top_k, int | np.integer) or top_k < 1:
        raise ValueError(f"top-k must be a whole number ≥ 1; got {top_k!r}")
    return min(int(top_k), vocabulary)


def next_distribution(logits: np.ndarray, temperature: float, top_k: int | None = None) -> np.ndarray:
    """p [V]: softmax(z / τ) over the k largest logits (0 elsewhere); τ = 0 puts all of it on the argmax."""
    z = np.asarray(logits, dtype=np.float64)  # [V]
    if temperature == 0:
        p = np.zeros_like(z)
        p[int(np.argmax(z))] = 1.0
        return p
    keep = np.ones(z.shape[0], dtype=bool)
    if top_k is not None and top_k < z.shape[0]:
        keep[:] = False
        keep[np.argsort(-z, kind="stable")[:top_k]] = True
    with np.errstate(over="ignore"):  # far-below-max logits may reach −inf: probability 0
        s = (z - z[keep].max()) / temperature  # [V], the kept maximum is exactly 0
    s[~keep] = -np.inf
    return softmax(s)


def choose(logits: np.ndarray, temperature: float, top_k: int | None, rng: np.random.Generator) -> int:
    """One token from ``logits``: the argmax at τ = 0, else one draw from :func:`next_distribution`."""
    return draw(logits, temperature, top_k, rng)[0]


def draw(
    logits: np.ndarray, temperature: float, top_k: int | None, rng: np.random.Generator
) -> tuple[int, float]:
    """(the token, where the draw landed on the cumulative distribution F; NaN at τ = 0)."""
    if temperature == 0:
        return int(np.argmax(logits)), math.nan
    p = next_distribution(logits, temperature, top_k)  # [V]
    cdf = np.cumsum(p)  # [V]
    u = rng.random() * cdf[-1]
    k = min(int(np.searchsorted(cdf, u, side="right")), p.shape[0] - 1)
    while p[k] == 0:  # u landed on a flat stretch's edge (rounding): step back to a token that can be drawn
        k -= 1
    return k, float(u)


def _check_prompt(network: Network, prompt) -> np.ndarray:
    p = np.asarray(prompt)
    if p.ndim != 1 or p.shape[0] == 0 or p.dtype.kind not in "iu":
        raise ValueError("the prompt must be at least one token index")
    V = network.input_size
    bad = np.flatnonzero((p < 0) | (p >= V))
    if bad.size:
        raise ValueError(f"prompt token {int(p[bad[0]])} is out of range 0..{V - 1}")
    return p.astype(np.int64)


def continue_prompt(
    network: Network,
    prompt,
    length: int,
    temperature: float = 0.0,
    top_k: int | None = None,
    rng: np.random.Generator | int | None = None,
    with_trace: bool = True,
) -> Continuation:
    """Read ``prompt`` (token indices), then choose ``length`` tokens (see the module docstring)."""
    check_generation_network(network)
    prompt = _check_prompt(network, prompt)
    if isinstance(length, bool) or not isinstance(length, int | np.integer) or not 1 <= length <= MAX_LENGTH:
        raise ValueError(f"the length must be a whole number from 1 to {MAX_LENGTH:,}; got {length!r}")
    temperature = check_temperature(temperature)
    top_k = check_top_k(top_k, network.input_size)
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(0 if rng is None else rng)
    stepper = Stepper(network)
    for k in prompt[:-1]:
        stepper.step(token=int(k))
    tokens = np.empty(int(length), dtype=np.int64)  # [N]
    draws = np.full(int(length), np.nan)  # [N]
    k = int(prompt[-1])
    for n in range(int(length)):
        k, draws[n] = draw(stepper.step(token=k), temperature, top_k, rng)
        tokens[n] = k
    trace = None
    if with_trace:
        steps = np.concatenate([prompt, tokens[:-1]])  # [T]
        trace = network.forward(np.eye(network.input_size, dtype=network.dtype)[steps])
    return Continuation(prompt, tokens, temperature, top_k, trace, None if temperature == 0 else draws)


def sample_continuations(
    network: Network,
    prompt,
    length: int,
    samples: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    seed: int | None = 0,
    with_trace: bool = False,
) -> list[Continuation]:
    """``samples`` continuations, one after the other from one stream seeded with ``seed``."""
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 1:
        raise ValueError(f"the number of samples must be a whole number ≥ 1; got {samples!r}")
    rng = np.random.default_rng(seed)
    return [
        continue_prompt(network, prompt, length, temperature, top_k, rng, with_trace)
        for _ in range(int(samples))
    ]
