"""The Generate tab: enabled only when the network can write, prompts checked, the
preview's bars = softmax(z/τ), a generated run shown in every view and kept on request."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.activations import softmax
from rnnviz.session import Session
from rnnviz.session.text import text_sequence

TEXT = "hello world. hello there. "


def char_session(bidirectional=False, head="softmax") -> Session:
    seq = text_sequence(TEXT, mode="char")
    V = len(seq.vocabulary)
    spec = NetworkSpec("gru", V, 8, output_size=V, head_activation=head, bidirectional=bidirectional)
    return Session(Network.from_spec(spec, seed=0), seq)


@pytest.fixture
def setup(qtbot):
    from PySide6 import QtWidgets

    from rnnviz.gui.controller import SessionController
    from rnnviz.gui.generate_view import GenerateView
    from rnnviz.gui.views import ViewBinder

    controller = SessionController(char_session(), threading="sync")
    tabs = QtWidgets.QTabWidget()
    qtbot.addWidget(tabs)
    view = GenerateView(controller)
    tabs.addTab(view, "Generate")
    ViewBinder(controller, tabs, tabs).bind(view)
    tabs.setCurrentWidget(view)
    view.set_computed(controller.computed)
    return controller, view


def test_a_bidirectional_network_disables_the_panel_and_says_why(setup):
    controller, view = setup
    assert view.generate_button.isEnabled() and view.problem() is None
    controller.set_session(char_session(bidirectional=True))
    view.set_computed(controller.computed)
    assert not view.generate_button.isEnabled()
    assert "bidirectional network reads the future" in view.generate_button.toolTip()
    assert "bidirectional" in view.reason.text()


def test_the_preview_bars_are_softmax_of_z_over_tau(setup):
    controller, view = setup
    s = controller.session
    view.prompt.setText("hel")
    view.temperature.setValue(250)
    z = s.network.forward(s.inputs[[0, 1, 2]]).y_logits[-1]
    np.testing.assert_allclose(view.bars.opts["height"], softmax(z / 2.5), rtol=1e-12)
    np.testing.assert_allclose(view.model_bars.opts["height"], softmax(z), rtol=1e-12)
    view.top_k.setValue(2)
    assert np.count_nonzero(view.bars.opts["height"]) == 2


def test_an_unknown_prompt_token_is_named(setup):
    _, view = setup
    view.prompt.setText("hex")
    assert "'x' is not in the vocabulary" in view.prompt_error.text()


def test_generate_shows_the_run_in_every_view_and_keeps_the_work(setup):
    controller, view = setup
    work = controller.session
    view.prompt.setText("he")
    view.length.setValue(10)
    view.greedy.setChecked(True)
    view.generate(1)
    shown = controller.computed.session
    assert shown.sequence.shape == "one_to_many" and shown.sequence.steps == 2 + 10 - 1
    assert shown.sequence.tokens[:2] == ("h", "e")
    assert controller.session.sequence is work.sequence  # the work is unchanged
    text = view.generated_texts()[0]
    assert text.startswith("[he]") and len(text) == len("[he]") + 10
    assert view.chosen_bar.opts["x"] == [
        shown.sequence.inputs[2].argmax()
    ]  # the cursor's step: the first choice
    controller.set_view(step=6)  # the cursor's step 6 (1-based): its output chose the token read at step 7
    assert controller.workspace.cursor.step == 6
    assert (
        view.chosen_bar.opts["x"]
        == [shown.sequence.targets[5].argmax()]
        == [shown.sequence.inputs[6].argmax()]
    )
    view.show_work()
    assert controller.computed.session.sequence is work.sequence


def test_sample_five_lists_five_texts_and_use_as_sequence_keeps_the_run(setup):
    controller, view = setup
    view.prompt.setText("h")
    view.length.setValue(8)
    view.generate(5)
    assert len(view.generated_texts()) == 5
    shown = controller.computed.session.sequence
    view.use_as_sequence()
    assert controller.session.sequence.tokens == shown.tokens
    assert controller.session.sequence.shape == "one_to_many"


def test_a_linear_head_on_a_signal_feeds_values_back(setup):
    controller, view = setup
    net = Network.from_spec(NetworkSpec("gru", 2, 4, output_size=2), seed=1)
    seq = dataclasses.replace(char_session().sequence, inputs=np.ones((3, 2)), targets=None, vocabulary=(),
                              tokens=(), token_mode="", input_names=(), target_names=())  # fmt: skip
    controller.set_session(Session(net, seq))
    view.set_computed(controller.computed)
    assert view.generate_button.isEnabled() and not view.sample_button.isEnabled()
    view.length.setValue(6)
    view.generate(1)
    x = controller.computed.session.sequence.inputs
    assert x.shape == (6, 2)
    np.testing.assert_allclose(x[1:], controller.computed.trace.y[:-1], atol=1e-15)
