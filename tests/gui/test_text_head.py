"""Issue 16 §1 in the window: the Text tab sets up the head that fits, and says so."""

from __future__ import annotations


def test_text_tab_characters_give_a_softmax_head_and_cross_entropy(main_window):
    w = main_window
    c = w.controller
    g = w.sequence_dock.generator_widget
    g.kind_combo.setCurrentIndex(g.kind_combo.findData("sine"))
    g.generate()  # a signal: the next-word example's softmax becomes a linear head (MSE)
    assert c.session.network.head_activation is None and c.loss.name == "mse"
    assert "now linear (was softmax)" in w.statusBar().currentMessage()

    text = w.sequence_dock.text_widget
    text.mode_combo.setCurrentIndex(text.mode_combo.findData("char"))
    text.text_edit.setText("hello there")
    text.build()
    net, seq = c.session.network, c.session.sequence
    V = len(seq.vocabulary)
    assert seq.token_mode == "char" and V == 8  # h e l o ␣ t r and the end token "_"
    assert net.head_activation == "softmax" and net.spec.output_size == V
    assert c.loss.name == "cross_entropy"
    message = w.statusBar().currentMessage()
    assert f"softmax over the {V}-token vocabulary, trained with cross-entropy" in message
    assert "was a linear head (MSE)" in message


def test_a_linear_head_chosen_for_text_is_kept_but_said(main_window):
    w = main_window
    c = w.controller
    assert c.set_structure("rnn_tanh", 3, 1, False, 5, None)  # linear head on the next-word example
    assert c.session.network.head_activation is None and c.loss.name == "mse"
    assert (
        "a softmax over the 5-token vocabulary with cross-entropy fits them" in w.statusBar().currentMessage()
    )
