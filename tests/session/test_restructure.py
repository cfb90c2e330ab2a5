"""Issue 18 §1: after any structure change the weights are exactly a fresh build's
(``init_state_dict`` of the new structure); the user's own weights are kept only where the
shapes match, and a message says what was kept and what was re-drawn."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec, init_state_dict
from rnnviz.session import InitSettings, Session
from rnnviz.session.compute import adapted_network, sequence_change_message
from rnnviz.session.restructure import initialised, restructured
from rnnviz.session.text import text_sequence

INIT = InitSettings(scheme="pytorch", seed=0)
BASE = NetworkSpec("rnn_tanh", 5, 3, 1, False, 5, "softmax")

CHANGES = {
    "input size": dict(input_size=6),
    "hidden size": dict(hidden_size=4),
    "layers": dict(num_layers=2),
    "direction": dict(bidirectional=True),
    "cell lstm": dict(mode="lstm"),
    "cell gru": dict(mode="gru"),
    "cell relu": dict(mode="rnn_relu"),
    "head size": dict(output_size=6),
    "head activation": dict(head_activation=None),
    "no head": dict(output_size=0, head_activation=None),
}


def assert_fresh(network: Network, spec: NetworkSpec, init: InitSettings = INIT) -> None:
    expected = init_state_dict(spec, init.scheme, init.seed)
    assert network.spec == spec and set(network.state_dict()) == set(expected)
    for key, value in expected.items():
        np.testing.assert_array_equal(network.param(key), value, err_msg=key)


@pytest.mark.parametrize("change", CHANGES)
def test_every_structure_change_of_initial_weights_is_a_fresh_build(change):
    spec = replace(BASE, **CHANGES[change])
    net, message = restructured(initialised(BASE, INIT), spec, INIT)
    assert_fresh(net, spec)
    assert message is None


def test_a_growing_vocabulary_redraws_every_weight_as_a_fresh_build():
    """The issue's case: 5 → 6 tokens re-drew only W_ih, and W_hh kept the 5-input draw."""
    five = text_sequence("a b c d")  # a b c d _
    six = text_sequence("a b c d e")
    assert five.num_features == 5 and six.num_features == 6
    session = Session(network=initialised(BASE, INIT), sequence=five, init=INIT)
    net, message = adapted_network(session, six)
    assert_fresh(net, replace(BASE, input_size=6, output_size=6))
    assert message is None and "kept" not in sequence_change_message(session, six)
    # and not the old bug: W_hh is not the 5-input draw
    assert not np.array_equal(net.param("weight_hh_l0"), session.network.param("weight_hh_l0"))


def test_hand_set_weights_are_kept_where_shapes_match_and_the_message_says_so():
    own = initialised(BASE, INIT).with_params({"weight_hh_l0": np.full((3, 3), 0.25)})
    spec = replace(BASE, input_size=6)
    net, message = restructured(own, spec, INIT)
    fresh = init_state_dict(spec, "pytorch", 0)
    np.testing.assert_array_equal(net.param("weight_hh_l0"), np.full((3, 3), 0.25))
    np.testing.assert_array_equal(net.param("weight_ih_l0"), fresh["weight_ih_l0"])  # a fresh build's
    np.testing.assert_array_equal(net.param("head.weight"), own.param("head.weight"))
    assert "kept your weights" in message and "weight_hh_l0" in message.split("re-drew")[0]
    assert "re-drew weight_ih_l0" in message and "seed 0" in message


def test_nothing_of_the_users_fits_gives_a_fresh_build():
    own = initialised(BASE, INIT).with_params({"weight_hh_l0": np.full((3, 3), 0.25)})
    spec = replace(BASE, hidden_size=4, output_size=0, head_activation=None)
    net, message = restructured(own, spec, INIT)
    assert_fresh(net, spec)
    assert message is None


def test_the_other_init_settings_are_followed():
    init = InitSettings(scheme="xavier", seed=7)
    spec = replace(BASE, num_layers=2, bidirectional=True)
    net, _ = restructured(initialised(BASE, init), spec, init)
    assert_fresh(net, spec, init)
