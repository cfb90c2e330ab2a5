"""Issue 18 §4: ``Network.from_state_dict`` reads a real model's ``state_dict``: one module
prefix on the recurrent keys, the output Linear by name or by the one shape that fits, the
cell from the gate count; a file that does not fit names the architecture it describes.
Checked against torch modules built here."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec, init_state_dict

torch = pytest.importorskip("torch")
nn = torch.nn


class Model(nn.Module):
    def __init__(self, cell, head_name: str, layers=1, bidirectional=False, nonlinearity="tanh"):
        super().__init__()
        kw = {"nonlinearity": nonlinearity} if cell is nn.RNN else {}
        self.rnn = cell(5, 3, num_layers=layers, bidirectional=bidirectional, **kw)
        self.head_name = head_name
        setattr(self, head_name, nn.Linear(3 * (2 if bidirectional else 1), 4))

    def forward(self, x):
        out, _ = self.rnn(x)
        return getattr(self, self.head_name)(out)


def numpy_state(module: nn.Module, rename=lambda k: k) -> dict[str, np.ndarray]:
    return {rename(k): v.detach().double().numpy() for k, v in module.state_dict().items()}


def torch_output(model: nn.Module, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model.double()(torch.from_numpy(x)).numpy()


X = np.random.default_rng(0).normal(size=(6, 5))


def test_the_readme_example_loads_an_rnn_with_a_classifier():
    torch.manual_seed(0)
    model = Model(nn.RNN, "classifier")
    state = numpy_state(model)
    assert "rnn.weight_ih_l0" in state and "classifier.weight" in state
    net = Network.from_state_dict(state)  # the cell read from the gate count: 1 → tanh RNN
    assert net.spec == NetworkSpec("rnn_tanh", 5, 3, 1, False, 4, None)
    np.testing.assert_allclose(net.forward(X).y, torch_output(model, X), atol=1e-12)


@pytest.mark.parametrize("cell, mode", [(nn.LSTM, "lstm"), (nn.GRU, "gru")])
@pytest.mark.parametrize("head", ["head", "fc", "linear", "out", "output", "classifier", "decoder", "proj"])
def test_every_head_name_and_the_cell_from_the_gate_count(cell, mode, head):
    torch.manual_seed(1)
    model = Model(cell, head, layers=2, bidirectional=True)
    net = Network.from_state_dict(numpy_state(model))  # "proj": the one Linear whose shape fits
    assert net.spec == NetworkSpec(mode, 5, 3, 2, True, 4, None)
    np.testing.assert_allclose(net.forward(X).y, torch_output(model, X), atol=1e-12)


@pytest.mark.parametrize("prefix", ["", "rnn.", "lstm.", "gru.", "encoder.", "module.", "model.core."])
def test_one_module_prefix_of_any_name(prefix):
    torch.manual_seed(2)
    model = Model(nn.LSTM, "fc")
    state = numpy_state(model, lambda k: prefix + k.removeprefix("rnn.") if k.startswith("rnn.") else k)
    net = Network.from_state_dict(state, "lstm")
    np.testing.assert_allclose(net.forward(X).y, torch_output(model, X), atol=1e-12)


def test_relu_is_asked_for_not_guessed():
    torch.manual_seed(3)
    model = Model(nn.RNN, "fc", nonlinearity="relu")
    net = Network.from_state_dict(numpy_state(model), "rnn_relu")
    np.testing.assert_allclose(net.forward(X).y, torch_output(model, X), atol=1e-12)


def test_a_wrong_mode_names_the_architecture_the_weights_describe():
    state = numpy_state(Model(nn.GRU, "fc", layers=2, bidirectional=True))
    with pytest.raises(
        ValueError, match="describe a 2-layer bidirectional gru with 5 inputs and 3 hidden units"
    ):
        Network.from_state_dict(state, "lstm")


def test_ambiguous_heads_and_prefixes_list_the_candidates():
    state = {("rnn." + k if not k.startswith("head.") else k): v
             for k, v in init_state_dict(NetworkSpec("rnn_tanh", 5, 3, 1, False, 4)).items()}  # fmt: skip
    two_fitting = {k: v for k, v in state.items() if not k.startswith("head.")}
    two_fitting.update({"a.weight": np.ones((4, 3)), "a.bias": np.zeros(4)})
    two_fitting.update({"b.weight": np.ones((2, 3)), "b.bias": np.zeros(2)})
    with pytest.raises(ValueError, match="more than one Linear could be the output head: a, b"):
        Network.from_state_dict(two_fitting)
    two_named = {**state, "fc.weight": np.ones((4, 3)), "fc.bias": np.zeros(4)}
    with pytest.raises(ValueError, match="more than one output layer: fc, head"):
        Network.from_state_dict(two_named)
    two_prefixes = {**state, "gru.weight_ih_l0": state["rnn.weight_ih_l0"]}
    with pytest.raises(ValueError, match="more than one module: 'gru.', 'rnn.'"):
        Network.from_state_dict(two_prefixes)
