"""The session side of generation: prompts in the session's tokens, the problems named,
and the generated run as a one-to-many session whose computation is the continuation's."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.session import Session
from rnnviz.session.compute import compute
from rnnviz.session.generation import (
    GenerationError,
    GenerationSettings,
    continuation_text,
    generate_from_session,
    generated_session,
    generation_problem,
    prompt_tokens,
)
from rnnviz.session.text import text_sequence


def session(text="the cat sat on the mat", mode="word", head="softmax", bidirectional=False, out=None):
    seq = text_sequence(text, mode=mode)
    V = len(seq.vocabulary)
    spec = NetworkSpec(
        "gru", V, 6, output_size=V if out is None else out, head_activation=head, bidirectional=bidirectional
    )
    return Session(Network.from_spec(spec, seed=1), seq)


def test_the_prompt_is_split_like_the_sessions_text():
    s = session()
    vocab = s.sequence.vocabulary
    assert prompt_tokens(s, "the mat, the cat!") == [vocab.index(w) for w in ("the", "mat", "the", "cat")]
    c = session("ab ba", mode="char")
    assert prompt_tokens(c, "a b") == [0, 2, 1]
    with pytest.raises(GenerationError, match="word 'dog' is not in the vocabulary"):
        prompt_tokens(s, "the dog")
    with pytest.raises(GenerationError, match="character 'c' is not in the vocabulary"):
        prompt_tokens(c, "abc")


def test_problems_are_named():
    assert generation_problem(session()) is None
    assert "bidirectional network reads the future" in generation_problem(session(bidirectional=True))
    assert "head has 3 outputs" in generation_problem(session(out=3))


def test_the_generated_run_is_a_one_to_many_session_computed_like_the_continuation():
    s = session()
    settings = GenerationSettings("the cat", length=6, temperature=1.0, seed=3)
    (c,) = generate_from_session(s, settings, with_trace=True)
    g = generated_session(s, c)
    seq = g.sequence
    assert seq.shape == "one_to_many" and seq.steps == 2 + 6 - 1
    assert seq.tokens[:2] == ("the", "cat")
    assert " ".join(seq.tokens[2:]) + " " + s.sequence.vocabulary[c.tokens[-1]] == continuation_text(s, c)
    # the target at each step is the token read next (the chosen one from the prompt's last step on)
    assert seq.targets[1:-1].argmax(axis=1).tolist() == seq.inputs[2:].argmax(axis=1).tolist()
    assert seq.targets[-1].argmax() == c.tokens[-1]
    computed = compute(g)
    np.testing.assert_array_equal(computed.trace.y_logits, c.trace.y_logits)
    # the loss at a step is the surprise of the chosen token: −log p
    p = computed.trace.y[np.arange(seq.steps), seq.targets.argmax(axis=1)]
    np.testing.assert_allclose(computed.loss.per_step, -np.log(p), rtol=1e-12)
