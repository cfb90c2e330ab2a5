"""Generating text from a session's network: the prompt typed in the session's
tokens, the continuation, and a session that shows the generated run.  Qt-free.

    settings = GenerationSettings(prompt="hello", length=40, temperature=0.3, seed=1)
    texts = [continuation_text(session, c) for c in generate_from_session(session, settings)]

The prompt is split the way the session's text was (:func:`rnnviz.session.text.tokenize`
with the sequence's token mode) and every token is looked up in the vocabulary;
an unknown one is named.  ``rnnviz generate`` and the window's Generate panel
both call these functions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from rnnviz.engine.continuation import (
    Continuation,
    check_generation_network,
    check_temperature,
    check_top_k,
    sample_continuations,
)
from rnnviz.engine.generate import generate

from .compute import Computed, compute
from .model import Sequence, Session
from .text import tokenize

#: the longest continuation the panel and the command accept
MAX_GENERATE_LENGTH = 10_000
MAX_SAMPLES = 100


class GenerationError(ValueError):
    """Settings or a session that cannot generate: the message names the problem."""


@dataclass(frozen=True)
class GenerationSettings:
    """What to generate: τ = 0 is greedy; ``samples`` continuations from one stream seeded ``seed``."""

    prompt: str
    length: int = 100
    temperature: float = 0.0
    top_k: int | None = None
    seed: int | None = 0
    samples: int = 1


def token_mode(session: Session) -> str:
    """How the session's text was split: "char" or "word"."""
    seq = session.sequence
    if seq.token_mode in ("char", "word"):
        return seq.token_mode
    return "char" if all(len(w) == 1 for w in seq.vocabulary) else "word"


def feeds_values_back(session: Session) -> bool:
    """A signal (no vocabulary) with a linear head as wide as the input: each output
    can be fed back as the next input (value feedback)."""
    net = session.network
    return (
        not session.sequence.vocabulary
        and net.num_directions == 1
        and net.has_head
        and net.head_activation is None
        and net.spec.output_size == net.input_size
    )


def generation_problem(session: Session, values: bool = False) -> str | None:
    """Why this session's network cannot continue a text prompt (with ``values``: nor feed
    its values back), or None when it can."""
    net = session.network
    if net.num_directions != 1:
        return "a bidirectional network reads the future, which does not exist yet while generating"
    if values and feeds_values_back(session):
        return None
    if not session.sequence.vocabulary:
        return "the sequence has no vocabulary (it is not text), so there are no tokens to write"
    if not net.has_head:
        return "the network has no output head, so it gives no next token"
    if net.spec.output_size != len(session.sequence.vocabulary):
        return (
            f"the head has {net.spec.output_size} outputs but the vocabulary {len(session.sequence.vocabulary)} "
            "tokens: each output must score one token"
        )
    try:
        check_generation_network(net)
    except ValueError as e:
        return str(e)
    return None


def prompt_tokens(session: Session, prompt: str) -> list[int]:
    """The prompt's token indices; a GenerationError names an unknown token."""
    vocab = session.sequence.vocabulary
    index = {w: k for k, w in enumerate(vocab)}
    tokens = tokenize(prompt, token_mode(session))
    if not tokens:
        raise GenerationError("the prompt has no tokens: type at least one " + _what(session))
    for w in tokens:
        if w not in index:
            raise GenerationError(f"the prompt's {_what(session)} {w!r} is not in the vocabulary")
    return [index[w] for w in tokens]


def _what(session: Session) -> str:
    return "character" if token_mode(session) == "char" else "word"


def check_settings(session: Session, settings: GenerationSettings) -> list[int]:
    """The prompt's tokens, after checking the session and every setting (GenerationError)."""
    problem = generation_problem(session)
    if problem is not None:
        raise GenerationError(f"cannot generate: {problem}")
    length = settings.length
    if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= MAX_GENERATE_LENGTH:
        raise GenerationError(
            f"the length must be a whole number from 1 to {MAX_GENERATE_LENGTH:,}; got {length!r}"
        )
    if not isinstance(settings.samples, int) or not 1 <= settings.samples <= MAX_SAMPLES:
        raise GenerationError(
            f"the number of samples must be from 1 to {MAX_SAMPLES}; got {settings.samples!r}"
        )
    try:
        check_temperature(settings.temperature)
        check_top_k(settings.top_k, session.network.input_size)
    except ValueError as e:
        raise GenerationError(str(e)) from None
    return prompt_tokens(session, settings.prompt)


def generate_from_session(
    session: Session, settings: GenerationSettings, with_trace: bool = False
) -> list[Continuation]:
    """``settings.samples`` continuations of the prompt (see :mod:`rnnviz.engine.continuation`)."""
    prompt = check_settings(session, settings)
    return sample_continuations(
        session.network,
        prompt,
        settings.length,
        settings.samples,
        settings.temperature,
        settings.top_k,
        settings.seed,
        with_trace,
    )


def join_tokens(session: Session, tokens) -> str:
    """Characters concatenated, words separated by spaces."""
    vocab = session.sequence.vocabulary
    sep = "" if token_mode(session) == "char" else " "
    return sep.join(vocab[int(k)] for k in tokens)


def continuation_text(session: Session, continuation: Continuation) -> str:
    """Only the generated tokens, as text."""
    return join_tokens(session, continuation.tokens)


def generated_sequence(session: Session, continuation: Continuation) -> Sequence:
    """The generated run as a one-to-many sequence: the prompt then each chosen token
    fed back; each step's target is the token that came next (a chosen one from the
    prompt's last step on), so the loss at a step is −log p(the token that was chosen)."""
    vocab = session.sequence.vocabulary
    V = len(vocab)
    steps = continuation.input_tokens  # [T]
    nxt = np.concatenate([continuation.prompt[1:], continuation.tokens])  # [T] the token after each step
    eye = np.eye(V)
    return Sequence(
        inputs=eye[steps],  # [T, V] one-hot
        targets=eye[nxt],  # [T, V] one-hot
        input_names=vocab,
        target_names=tuple(f"next={w}" for w in vocab),
        vocabulary=vocab,
        tokens=tuple(vocab[int(k)] for k in steps),
        token_mode=token_mode(session),
        shape="one_to_many",
    )


def generated_values(session: Session, length: int) -> Sequence:
    """Value feedback: from the sequence's first input, each output becomes the next
    input, ``length`` steps (a one-to-many sequence without targets)."""
    if not feeds_values_back(session):
        raise GenerationError(
            f"cannot feed values back: {generation_problem(session) or 'the head is not linear'}"
        )
    if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= MAX_GENERATE_LENGTH:
        raise GenerationError(
            f"the length must be a whole number from 1 to {MAX_GENERATE_LENGTH:,}; got {length!r}"
        )
    try:
        g = generate(session.network, session.sequence.inputs[0], length, mode="value")
    except ValueError as e:
        raise GenerationError(str(e)) from None
    return Sequence(inputs=g.inputs, input_names=session.sequence.input_names, shape="one_to_many")


def generated_session(session: Session, continuation: Continuation) -> Session:
    """``session`` with the generated run as its sequence (network and training kept)."""
    return session.with_sequence(generated_sequence(session, continuation))


@dataclass(frozen=True, eq=False)
class GeneratedRun:
    """How a generated run was made, for the views: from step ``first_choice_step``
    (0-based) on, each step's output chose the next step's input."""

    first_choice_step: int
    continuation: Continuation | None  # tokens, τ, top-k and draws; None: values fed back
    vocabulary: tuple[str, ...] = ()

    def choice(self, t: int) -> int | None:
        """n (0-based) when step ``t`` (0-based) chose the n-th generated token, else None."""
        c = self.continuation
        n = t - self.first_choice_step
        return n if c is not None and 0 <= n < c.tokens.shape[0] else None

    def feeds_back(self, t: int, steps: int) -> bool:
        """Whether step ``t``'s (0-based) output became the input of step t + 1."""
        return self.first_choice_step <= t < steps - 1


def generated_computed(session: Session, continuation: Continuation) -> Computed:
    """The generated run computed like any sequence, with its :class:`GeneratedRun`."""
    computed = compute(generated_session(session, continuation))
    run = GeneratedRun(continuation.first_choice_step, continuation, session.sequence.vocabulary)
    return replace(computed, generated=run)


def generated_values_computed(session: Session, length: int) -> Computed:
    """Value feedback computed, every output fed back from step 1 on."""
    computed = compute(session.with_sequence(generated_values(session, length)))
    return replace(computed, generated=GeneratedRun(0, None))


def draw_summary(session: Session, continuation: Continuation) -> str:
    """How far a run strayed from the model's own first choices: why a high τ writes
    gibberish ("at τ = 2.00, 21 of 40 characters were not the model's most likely …")."""
    trace = continuation.trace
    if trace is None or trace.y_logits is None:
        return ""
    N = continuation.tokens.shape[0]
    steps = continuation.first_choice_step + np.arange(N)  # [N] the steps whose logits chose
    z = trace.y_logits[steps]  # [N, V]
    best = np.argmax(z, axis=1)  # [N]
    own = np.exp(z - z.max(axis=1, keepdims=True))
    own /= own.sum(axis=1, keepdims=True)  # [N, V] softmax(z), τ = 1
    p = own[np.arange(N), continuation.tokens]  # [N] the model's own odds of each drawn token
    off = int(np.count_nonzero(continuation.tokens != best))
    what = "characters" if token_mode(session) == "char" else "words"
    tau = continuation.temperature
    how = "greedy (τ = 0)" if tau == 0 else f"at τ = {tau:.2f}"
    return (
        f"{how}: {off} of {N} {what} were not the model's most likely choice; the model gave the "
        f"drawn ones p = {p.mean():.2f} on average (its own odds, τ = 1), the least likely {p.min():.2g}"
    )
