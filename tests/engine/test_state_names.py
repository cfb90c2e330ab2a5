"""A real model's state_dict loads: one recurrent module under any prefix, the output
layer by name or by shape; ambiguity is refused naming the candidates."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.engine import Network
from rnnviz.engine.state_names import canonical_names


def _shapes(prefix="rnn.", head="classifier", H=5, D=1, extra=()):
    s = {f"{prefix}weight_ih_l0": (3 * H, 2), f"{prefix}weight_hh_l0": (3 * H, H),
         f"{prefix}bias_ih_l0": (3 * H,), f"{prefix}bias_hh_l0": (3 * H,)}  # fmt: skip
    if D == 2:
        s.update({k + "_reverse": v for k, v in list(s.items())})
    if head:
        s.update({f"{head}.weight": (4, D * H), f"{head}.bias": (4,)})
    s.update(dict(extra))
    return s


@pytest.mark.parametrize("prefix", ["", "rnn.", "lstm.", "gru.", "encoder.", "module.", "model.core.gru."])
@pytest.mark.parametrize("head", ["head", "fc", "linear", "out", "output", "classifier", "decoder", "proj"])
def test_any_one_prefix_and_a_named_or_fitting_head(prefix, head):
    names = canonical_names(_shapes(prefix, head, D=2))
    assert names[f"{prefix}weight_hh_l0_reverse"] == "weight_hh_l0_reverse"
    assert names[f"{head}.weight"] == "head.weight" and names[f"{head}.bias"] == "head.bias"


def test_module_dot_from_data_parallel_is_dropped():
    names = canonical_names({"module." + k: v for k, v in _shapes("lstm.", "fc").items()})
    assert names["module.lstm.bias_ih_l0"] == "bias_ih_l0" and names["module.fc.weight"] == "head.weight"


def test_two_recurrent_modules_or_two_output_layers_are_refused_naming_them():
    both = {**_shapes("enc.", None), **_shapes("dec.", None)}
    with pytest.raises(ValueError, match=r"more than one module: dec \(dec\.weight_ih_l0\), enc"):
        canonical_names(both)
    with pytest.raises(ValueError, match="more than one output layer: classifier, fc"):
        canonical_names(_shapes("rnn.", "fc", extra={"classifier.weight": (4, 5), "classifier.bias": (4,)}))
    with pytest.raises(ValueError, match="which is the output layer\\? a, b"):
        canonical_names(_shapes("rnn.", "a", extra={"b.weight": (7, 5)}))


def test_other_layers_keep_their_names_and_the_network_refuses_them():
    s = _shapes("rnn.", "fc", extra={"embedding.weight": (10, 2)})
    assert "embedding.weight" not in canonical_names(s)
    state = {k: np.zeros(v) for k, v in s.items()}
    with pytest.raises(ValueError, match="unexpected key 'embedding.weight'"):
        Network.from_state_dict(state, "gru")


def test_a_real_models_state_dict_reproduces_its_output():
    torch = pytest.importorskip("torch")

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = torch.nn.GRU(3, 5, num_layers=2, bidirectional=True)
            self.classifier = torch.nn.Linear(10, 4)

        def forward(self, x):
            return self.classifier(self.encoder(x)[0])

    torch.manual_seed(0)
    model = Model().double()
    state = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    net = Network.from_state_dict(state, "gru")
    x = np.random.default_rng(0).normal(size=(7, 3))
    with torch.no_grad():
        want = model(torch.from_numpy(x)[:, None, :])[:, 0, :].numpy()
    np.testing.assert_allclose(net.forward(x).y, want, rtol=1e-12, atol=1e-12)
    assert (net.spec.num_layers, net.spec.bidirectional, net.spec.output_size) == (2, True, 4)
