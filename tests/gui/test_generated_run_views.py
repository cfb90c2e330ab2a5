"""Issue 16 §2: a generated run plays in every view: the unrolled diagram draws each
chosen token fed back as the next input, the plots show the distribution each token
was drawn from with the drawn token marked, the step math shows the sampling step."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.activations import softmax
from rnnviz.session import Session
from rnnviz.session.text import text_sequence

TEXT = "hello world. hello there. "
TAU = 1.5


@pytest.fixture
def session():
    seq = text_sequence(TEXT, mode="char")
    V = len(seq.vocabulary)
    spec = NetworkSpec("gru", V, 8, output_size=V, head_activation="softmax")
    return Session(Network.from_spec(spec, seed=0), seq)


@pytest.fixture
def generated(main_window):
    """'he' then 10 tokens sampled at τ = 1.5; the cursor on the first choice (step 2)."""
    w = main_window
    # wide enough for the unrolled chain to show all 11 steps (it had relied on the Generate
    # view's long plot title, which did not wrap, widening the window to 1608 px)
    w.resize(1700, 900)
    w.show_view("generate")
    g = w.generate_view
    g.prompt.setText("he")
    g.length.setValue(10)
    g.sample.setChecked(True)
    g.temperature.setValue(int(TAU * 100))
    g.seed.setValue(4)
    g.generate(1)
    computed = w.controller.computed
    assert computed.generated is not None and computed.session.sequence.steps == 11
    return w, computed


def test_the_unrolled_diagram_feeds_each_chosen_token_back(generated):
    w, computed = generated
    w.show_view("diagrams")
    unrolled = w.diagrams_view.unrolled
    c = computed.generated.continuation
    vocab = computed.session.sequence.vocabulary
    columns = {col.t: col for col in unrolled.unrolled_scene.columns}
    T = computed.trace.steps
    for t in range(1, T + 1):
        fb = columns[t].feedback
        fed = t >= 2 and t < T  # step 1 reads the prompt's 'h' → 'e' is the prompt; the last feeds nothing
        assert fb.arrow.isVisible() == fed
        if fed:
            token = vocab[c.tokens[t - 2]].replace(" ", "␣")
            assert fb.label.text() == token
            assert columns[t + 1].x_text.text().endswith(token)  # the next input is that token
            assert columns[t + 1].x_box.opacity() == 1.0  # a real input, not a faded one-to-many one
    assert "orange: each drawn token, fed back as the next input" in w.diagrams_view.legend_text.text()
    w.generate_view.show_work()  # the work again: no feedback arrows
    w.show_view("diagrams")
    assert "orange" not in w.diagrams_view.legend_text.text()
    for col in unrolled.unrolled_scene.columns:
        fb = getattr(col, "feedback", None)  # a rebuilt scene has none
        assert fb is None or not fb.arrow.isVisible()


def test_the_output_bars_are_the_distribution_drawn_from_with_the_drawn_token_marked(generated):
    w, computed = generated
    w.show_view("plots")
    panel = w.plots_view.output_panel
    c = computed.generated.continuation
    vocab = computed.session.sequence.vocabulary
    for step in (2, 5):
        w.controller.set_view(step=step)
        z = computed.trace.y_logits[step - 1]
        np.testing.assert_allclose(panel.bar_heights, softmax(z / TAU), rtol=1e-12)
        np.testing.assert_allclose(panel.own_bars.opts["height"], softmax(z), rtol=1e-12)
        k = int(c.tokens[step - 2])
        assert (
            panel.target_label.isVisible()
            and panel.target_label.textItem.toPlainText() == f"drawn: {vocab[k].replace(' ', '␣')}"
        )
        assert panel.target_label.pos().x() == k
        assert "drawn: " in panel.bars_caption.text() and "τ = 1.50" in panel.bars_caption.text()
    w.controller.set_view(step=1)  # a prompt step: the model's y_1 and its target, as always
    np.testing.assert_allclose(panel.bar_heights, computed.trace.y[0], rtol=1e-12)
    assert len(panel.own_bars.opts["height"]) == 0


def test_the_step_math_shows_the_sampling_step(generated):
    w, computed = generated
    w.show_view("math")
    w.controller.set_view(step=3)
    text = w.math_panel.text()
    assert "Choosing generated token 2 from z" in text and "sampling at τ = 1.5" in text
    assert "the draw:" in text and "fed back" in text
    w.controller.set_view(step=1)
    assert "Choosing" not in w.math_panel.text()


def test_the_timeline_names_the_generated_runs_input(generated):
    w, computed = generated
    w.controller.set_view(step=3)
    token = computed.session.sequence.tokens[2].replace(" ", "␣")
    assert w.timeline.step_label.text() == f"t = 3 / 11  (input: {token})"
    w.generate_view.show_work()
    assert w.timeline.step_label.text().startswith("t = 3 / 26  (input: l)")  # hel|lo
