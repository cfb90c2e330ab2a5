"""Issue 18 §4: a weights file builds its network: the architecture is read from the file
(cell from the gate count, sizes, layers, direction, head), and a file that does not fit
the current network says which architecture it describes."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec, init_state_dict
from rnnviz.session.defaults import default_session
from rnnviz.session.weights import (
    WeightsFileError,
    import_weights,
    network_from_weights,
    one_gate_rnn,
    proposed_network,
)

GRU = NetworkSpec("gru", 5, 4, 2, True, 5, None)


def save(tmp_path, spec: NetworkSpec, prefix="encoder.", head="classifier.", name="w.npz"):
    state = init_state_dict(spec, seed=3)
    named = {(head + k[5:] if k.startswith("head.") else prefix + k): v for k, v in state.items()}
    np.savez(tmp_path / name, **named)
    return tmp_path / name, state


def test_the_file_names_its_architecture_when_it_does_not_fit(tmp_path):
    path, _ = save(tmp_path, GRU)
    with pytest.raises(WeightsFileError) as info:
        import_weights(path, default_session().network)
    assert "the file describes a 2-layer bidirectional gru with 5 inputs and 4 hidden units" in str(
        info.value
    )


def test_the_network_is_read_from_the_file(tmp_path):
    path, state = save(tmp_path, GRU)
    net = network_from_weights(path)
    assert net.spec == GRU
    for k, v in state.items():
        np.testing.assert_array_equal(net.param(k), v)


def test_the_proposal_keeps_the_head_activation_when_the_head_fits(tmp_path):
    s = default_session()
    path, state = save(tmp_path, GRU)
    net, note = proposed_network(path, s.network, s.sequence.num_features)
    assert net.spec == NetworkSpec("gru", 5, 4, 2, True, 5, "softmax")  # the example's softmax over 5 words
    assert "2-layer bidirectional gru" in note
    np.testing.assert_array_equal(net.param("weight_hh_l1_reverse"), state["weight_hh_l1_reverse"])


def test_a_one_gate_rnn_is_tanh_headless_with_a_note_and_relu_when_asked(tmp_path):
    s = default_session()
    path, _ = save(tmp_path, NetworkSpec("rnn_tanh", 5, 6, 1, False, 2, None), prefix="rnn.", head="fc.")
    assert one_gate_rnn(path)
    net, note = proposed_network(path, s.network, 5)
    assert net.mode == "rnn_tanh" and "taken as tanh" in note
    net, note = proposed_network(path, s.network, 5, relu=True)
    assert net.mode == "rnn_relu" and "tanh" not in note
    assert not one_gate_rnn(save(tmp_path, GRU, name="g.npz")[0])


def test_a_file_whose_inputs_do_not_fit_the_sequence_names_both(tmp_path):
    path, _ = save(tmp_path, NetworkSpec("lstm", 7, 2, 1, False, 0, None))
    with pytest.raises(
        WeightsFileError, match="describes a 1-layer lstm with 7 inputs.*sequence has 5 input"
    ):
        proposed_network(path, default_session().network, 5)


def test_gate_counts_that_fit_no_cell_are_named(tmp_path):
    np.savez(tmp_path / "odd.npz", weight_ih_l0=np.ones((6, 5)), weight_hh_l0=np.ones((6, 3)))
    with pytest.raises(WeightsFileError, match=r"\(6, 3\).*G = 1 \(RNN\), 3 \(GRU\) or 4 \(LSTM\)"):
        network_from_weights(tmp_path / "odd.npz")


def test_network_from_state_dict_and_the_file_reader_agree(tmp_path):
    path, state = save(tmp_path, GRU)
    with np.load(path, allow_pickle=False) as f:
        direct = Network.from_state_dict({k: f[k] for k in f.files})
    assert direct.spec == network_from_weights(path).spec
