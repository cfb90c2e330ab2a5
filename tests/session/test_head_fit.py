"""Issue 16 §1: next-token text gets a softmax head with cross-entropy, a signal a linear
head with MSE, and a head that does not fit is never kept silently.  No Qt."""

import numpy as np

from rnnviz.engine import Network, NetworkSpec
from rnnviz.session import Sequence, Session
from rnnviz.session.compute import adapt_network, compute, head_change_message, loss_for, with_sequence
from rnnviz.session.defaults import default_session
from rnnviz.session.head_fit import head_fit_warning, predicts_tokens
from rnnviz.session.text import text_sequence

SINE = Sequence(inputs=np.sin(np.arange(8.0))[:, None], targets=np.sin(np.arange(1.0, 9.0))[:, None])


def signal_session(head="linear", out=1) -> Session:
    act = None if head in ("linear", "none") else head
    spec = NetworkSpec("lstm", 1, 6, output_size=0 if head == "none" else out, head_activation=act)
    return Session(Network.from_spec(spec, seed=2), SINE)


def test_characters_after_a_linear_head_get_a_softmax_over_the_vocabulary():
    s = signal_session("linear")
    chars = text_sequence("hello there", mode="char")
    V = len(chars.vocabulary)
    net = adapt_network(s, chars)
    assert net.head_activation == "softmax" and net.spec.output_size == V and net.input_size == V
    assert loss_for(net) == "cross_entropy"
    np.testing.assert_array_equal(net.param("weight_hh_l0"), s.network.param("weight_hh_l0"))  # kept
    message = head_change_message(s, chars)
    assert f"softmax over the {V}-token vocabulary" in message and "cross-entropy" in message
    assert "was a linear head (MSE)" in message
    c = compute(with_sequence(s, chars))
    assert c.loss.name == "cross_entropy" and c.warning is None


def test_a_network_without_a_head_gets_one_for_next_token_text():
    s = signal_session("none")
    words = text_sequence("I love deep learning", mode="word")
    net = adapt_network(s, words)
    assert net.has_head and net.head_activation == "softmax" and net.spec.output_size == 5
    assert "(was no output head)" in head_change_message(s, words)


def test_a_sigmoid_head_on_next_token_text_becomes_a_softmax():
    """The sentiment example's one sigmoid output, given next-token text: five sigmoids
    trained with BCE would be kept silently otherwise."""
    spec = NetworkSpec("rnn_tanh", 5, 3, output_size=1, head_activation="sigmoid")
    s = Session(Network.from_spec(spec, seed=0), Sequence(inputs=np.eye(5), targets=np.ones((5, 1))))
    words = text_sequence("the cat saw the dog", mode="word")
    assert adapt_network(s, words).head_activation == "softmax"
    assert "was a sigmoid head (binary cross-entropy)" in head_change_message(s, words)


def test_switching_words_to_characters_resizes_the_softmax_and_says_so():
    s = default_session()  # the next-word example: softmax over 5 words
    chars = text_sequence("I love deep learning", mode="char")
    net = adapt_network(s, chars)
    assert net.head_activation == "softmax" and net.spec.output_size == len(chars.vocabulary)
    assert "was a softmax over 5 outputs" in head_change_message(s, chars)
    assert head_change_message(s, s.sequence) is None  # the same text: nothing to say


def test_a_signal_after_text_gets_a_linear_head_even_with_as_many_columns():
    """Text of two tokens (softmax over 2), then a 2-column real signal: linear, MSE."""
    two = text_sequence("abab", mode="char", vocabulary=("a", "b"), end_token="b")
    spec = NetworkSpec("gru", 2, 4, output_size=2, head_activation="softmax")
    s = Session(Network.from_spec(spec, seed=1), two)
    rng = np.random.default_rng(0)
    signal = Sequence(inputs=rng.normal(size=(6, 2)), targets=rng.normal(size=(6, 2)))
    net = adapt_network(s, signal)
    assert net.head_activation is None and loss_for(net) == "mse"
    assert "now linear (was softmax)" in head_change_message(s, signal)


def test_text_with_a_label_is_not_next_token_text():
    """The sentiment example: text inputs, one label column; its sigmoid head stays."""
    seq = Sequence(
        inputs=np.eye(3), targets=np.array([[np.nan], [np.nan], [1.0]]), vocabulary=("a", "b", "c")
    )
    assert not predicts_tokens(seq)
    assert predicts_tokens(text_sequence("abc", mode="char"))


def test_a_head_chosen_by_hand_that_does_not_fit_is_said_on_every_compute():
    words = text_sequence("I love deep learning", mode="word")
    spec = NetworkSpec("rnn_tanh", 5, 3, output_size=5, head_activation=None)
    c = compute(Session(Network.from_spec(spec, seed=0), words))
    assert c.loss.name == "mse"  # the user's choice stands …
    assert "the network has a linear head (MSE)" in c.warning  # … but not silently
    assert "softmax over the 5-token vocabulary with cross-entropy" in c.warning
    assert head_fit_warning(default_session().network.spec, words) is None
