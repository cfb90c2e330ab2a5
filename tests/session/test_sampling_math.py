"""Issue 16 §2: the step math of a generated run shows its sampling step: z_t, z_t/τ,
p = softmax(z_t/τ), the cumulative F and the draw u that picked the token.  No Qt."""

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.activations import softmax
from rnnviz.session import Session
from rnnviz.session.generation import GenerationSettings, generate_from_session, generated_computed
from rnnviz.session.stepmath import build_step_math
from rnnviz.session.stepmath.sampling import sampling_lines, with_sampling
from rnnviz.session.text import text_sequence

TEXT = "hello world. hello there. "


def char_session() -> Session:
    seq = text_sequence(TEXT, mode="char")
    V = len(seq.vocabulary)
    spec = NetworkSpec("gru", V, 8, output_size=V, head_activation="softmax")
    return Session(Network.from_spec(spec, seed=0), seq)


def run(tau: float, top_k=None, seed=3, prompt="he", length=12):
    s = char_session()
    c = generate_from_session(s, GenerationSettings(prompt, length, tau, top_k, seed), with_trace=True)[0]
    return s, c, generated_computed(s, c)


def test_each_draw_is_softmax_of_z_over_tau_cumulated_and_the_seeded_uniform():
    s, c, comp = run(tau=1.7)
    rng = np.random.default_rng(3)  # the seeded stream, by hand: one uniform per choice
    for n, k in enumerate(c.tokens):
        step = c.first_choice_step + n + 1  # 1-based
        lines = {ln.key: ln for ln in sampling_lines(comp.generated, comp.trace, step)}
        z = comp.trace.y_logits[step - 1]
        p = softmax(z / 1.7)
        np.testing.assert_allclose(lines["sample:scaled"].result.full[:, 0], z / 1.7, rtol=1e-15)
        np.testing.assert_allclose(lines["sample:p"].result.full[:, 0], p, rtol=1e-12)
        F = lines["sample:F"].result.full[:, 0]
        np.testing.assert_allclose(F, np.cumsum(p), rtol=1e-12)
        u = lines["sample:draw"].parts[0].full[0, 0]
        assert u == pytest.approx(rng.random() * F[-1], abs=1e-15)
        assert (F[k - 1] if k else 0.0) <= u < F[k]  # the token whose stretch holds u
        assert f"“{s.sequence.vocabulary[k].replace(' ', '␣')}”" in lines["sample:draw"].parts
        assert "▶" in lines["sample:p"].result.row_labels[lines["sample:p"].result.rows.index(k)]


def test_greedy_shows_the_argmax_and_top_k_zeroes_the_rest():
    _, c, comp = run(tau=0.0)
    step = c.first_choice_step + 1
    lines = sampling_lines(comp.generated, comp.trace, step)
    assert [ln.key for ln in lines] == ["sample:section", "sample:greedy"]
    assert int(np.argmax(comp.trace.y_logits[step - 1])) == c.tokens[0]
    _, c, comp = run(tau=2.0, top_k=3)
    p = {ln.key: ln for ln in sampling_lines(comp.generated, comp.trace, c.first_choice_step + 1)}["sample:p"]
    assert (
        np.count_nonzero(p.result.full) == 3
        and "top-3" in sampling_lines(comp.generated, comp.trace, 2)[0].title
    )


def test_prompt_steps_choose_nothing_and_the_sampling_comes_before_the_loss():
    _, c, comp = run(tau=1.0, prompt="hel")
    assert sampling_lines(comp.generated, comp.trace, 1) == []  # 'h' → 'e' is the prompt, not a choice
    step = c.first_choice_step + 1
    math = with_sampling(
        build_step_math(comp.trace, step=step, loss=comp.loss, targets=comp.session.sequence.targets),
        comp.generated,
        comp.trace,
    )
    keys = [ln.key for ln in math.lines]
    assert (
        keys.index("head:y")
        < keys.index("sample:section")
        < keys.index("sample:draw")
        < keys.index("loss:section")
    )
    plain = build_step_math(comp.trace, step=step)
    assert with_sampling(plain, None, comp.trace) is plain  # any other run: unchanged


def test_the_run_summary_counts_the_draws_that_were_not_the_models_first_choice():
    from rnnviz.session.generation import draw_summary

    s, c, comp = run(tau=0.0)
    assert draw_summary(s, c).startswith("greedy (τ = 0): 0 of 12 characters were not")
    s, c, comp = run(tau=3.0, length=40)
    z = comp.trace.y_logits[c.first_choice_step + np.arange(40)]  # [40, V] the forward pass's logits
    off = int(np.sum(c.tokens != z.argmax(axis=1)))
    mean = np.mean([softmax(z[n])[k] for n, k in enumerate(c.tokens)])
    assert off > 0
    assert draw_summary(s, c).startswith(
        f"at τ = 3.00: {off} of 40 characters were not the model's most likely"
    )
    assert f"p = {mean:.2f} on average" in draw_summary(s, c)
