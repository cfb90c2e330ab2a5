"""Weights in and out with PyTorch names; the PyTorch snippet reproduces the engine."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.session.defaults import default_session
from rnnviz.session.weights import (
    WeightsFileError,
    canonical_key,
    export_names,
    export_weights,
    import_weights,
    network_from_weights,
    pytorch_code,
    read_weights,
)

from .helpers import npy, write_zip


def _random_network(
    mode, layers=1, bidirectional=False, out=2, act=None, dtype=np.float64, seed=0
) -> Network:
    spec = NetworkSpec(mode, 3, 4, layers, bidirectional, out, act)
    rng = np.random.default_rng(seed)
    state = {k: rng.uniform(-0.6, 0.6, size=shape) for k, shape in spec.param_shapes().items()}
    return Network(spec, state, dtype=dtype)


def _npz(tmp_path, arrays: dict[str, np.ndarray], name="w.npz"):
    np.savez(tmp_path / name, **arrays)
    return tmp_path / name


@pytest.mark.parametrize(
    "name, key",
    [
        ("weight_ih_l0", "weight_ih_l0"),
        ("rnn.weight_hh_l1_reverse", "weight_hh_l1_reverse"),
        ("lstm.bias_ih_l0", "bias_ih_l0"),
        ("gru.bias_hh_l2", "bias_hh_l2"),
        ("module.rnn.weight_ih_l0", "weight_ih_l0"),
        ("fc.weight", "head.weight"),
        ("head.bias", "head.bias"),
        ("linear.bias", "head.bias"),
    ],
)
def test_canonical_keys(name, key):
    assert canonical_key(name) == key


@pytest.mark.parametrize("name", ["encoder.weight", "rnn.weight_ih", "fc.weight.extra", "lstm.weight_hr_l0"])
def test_unknown_keys_are_named(name):
    with pytest.raises(WeightsFileError, match=repr(name).replace(".", r"\.")):
        canonical_key(name)


def test_round_trip_through_npz(tmp_path):
    net = _random_network("lstm", layers=2, bidirectional=True, out=3, act="softmax")
    export_weights(net, tmp_path / "w.npz")
    with np.load(tmp_path / "w.npz", allow_pickle=False) as f:
        assert set(f.files) == set(export_names(net).values())
        assert "rnn.weight_ih_l1_reverse" in f.files and "head.weight" in f.files
    other = _random_network("lstm", layers=2, bidirectional=True, out=3, act="softmax", seed=1)
    loaded = import_weights(tmp_path / "w.npz", other)
    for k in net.spec.param_shapes():
        assert loaded.param(k).tobytes() == net.param(k).tobytes()


@pytest.mark.parametrize("prefix, head_prefix", [("", "fc."), ("lstm.", "head."), ("rnn.", "fc.")])
def test_import_accepts_module_prefixes(tmp_path, prefix, head_prefix):
    net = _random_network("lstm", out=2)
    names = export_names(net, prefix, head_prefix)
    path = _npz(tmp_path, {names[k]: net.param(k) for k in names})
    loaded = import_weights(path, _random_network("lstm", out=2, seed=5))
    np.testing.assert_array_equal(loaded.param("head.weight"), net.param("head.weight"))


def test_bad_shape_names_the_key_and_both_shapes(tmp_path):
    net = default_session().network
    state = {k: v for k, v in net.state_dict().items()}
    state["weight_hh_l0"] = np.zeros((4, 4))
    path = _npz(tmp_path, {"rnn." + k if not k.startswith("head.") else k: v for k, v in state.items()})
    with pytest.raises(WeightsFileError) as info:
        import_weights(path, net)
    msg = str(info.value)
    assert "weight_hh_l0" in msg and "'rnn.weight_hh_l0'" in msg and "(4, 4)" in msg and "(3, 3)" in msg
    assert msg.startswith("w.npz: ")


def test_key_the_network_does_not_have(tmp_path):
    net = default_session().network
    state = net.state_dict()
    state["weight_ih_l1"] = np.zeros((3, 3))
    with pytest.raises(WeightsFileError, match="weight_ih_l1: this network has no such parameter"):
        import_weights(_npz(tmp_path, state), net)


def test_missing_key_and_partial_import(tmp_path):
    net = default_session().network
    state = net.state_dict()
    head_only = {"fc.weight": np.ones((5, 3)), "fc.bias": np.zeros(5)}
    path = _npz(tmp_path, head_only)
    with pytest.raises(WeightsFileError, match=r"has no weight_ih_l0 \(shape \(3, 5\)\)"):
        import_weights(path, net)
    partial = import_weights(path, net, require_all=False)
    np.testing.assert_array_equal(partial.param("head.weight"), 1.0)
    np.testing.assert_array_equal(partial.param("weight_ih_l0"), state["weight_ih_l0"])


def test_a_bare_rnn_state_dict_can_keep_the_current_head(tmp_path):
    net = default_session().network
    bare = {k: v + 1.0 for k, v in net.state_dict().items() if not k.startswith("head.")}
    path = _npz(tmp_path, bare)
    with pytest.raises(WeightsFileError, match="has no head.weight"):
        import_weights(path, net)
    loaded = import_weights(path, net, optional_head=True)
    np.testing.assert_array_equal(loaded.param("weight_hh_l0"), bare["weight_hh_l0"])
    np.testing.assert_array_equal(loaded.param("head.weight"), net.param("head.weight"))
    del bare["bias_hh_l0"]
    with pytest.raises(WeightsFileError, match="has no bias_hh_l0"):
        import_weights(_npz(tmp_path, bare, "b.npz"), net, optional_head=True)


def test_duplicate_keys_after_prefixes(tmp_path):
    path = _npz(tmp_path, {"fc.weight": np.ones((5, 3)), "head.weight": np.ones((5, 3))})
    with pytest.raises(WeightsFileError, match="more than one output layer: fc, head"):
        read_weights(path, default_session().network.spec)


def test_pickled_and_object_arrays_are_refused(tmp_path):
    path = write_zip(tmp_path / "o.npz", {"weight_ih_l0.npy": npy(np.array([None] * 15).reshape(3, 5), True)})
    with pytest.raises(WeightsFileError, match="object"):
        read_weights(path, default_session().network.spec)


def test_nan_is_refused(tmp_path):
    state = default_session().network.state_dict()
    state["bias_ih_l0"][1] = np.nan
    with pytest.raises(WeightsFileError, match=r"bias_ih_l0 contains NaN at index \(1,\)"):
        import_weights(_npz(tmp_path, state), default_session().network)


def test_not_an_npz(tmp_path):
    (tmp_path / "x.npz").write_bytes(b"\x93NUMPY not really")
    with pytest.raises(WeightsFileError, match="x.npz: .*not a zip"):
        read_weights(tmp_path / "x.npz", default_session().network.spec)


def test_network_from_weights_infers_the_spec(tmp_path):
    net = _random_network("gru", layers=2, bidirectional=True, out=2, act="sigmoid")
    export_weights(net, tmp_path / "w.npz", prefix="gru.", head_prefix="fc.")
    loaded = network_from_weights(tmp_path / "w.npz", "gru", "sigmoid")
    assert loaded.spec == net.spec
    with pytest.raises(WeightsFileError, match="w.npz: "):
        network_from_weights(tmp_path / "w.npz", "lstm")


def test_pytorch_code_is_valid_python_without_torch():
    net = _random_network("lstm", layers=2, bidirectional=True, out=3, act="softmax")
    code = pytorch_code(net, "w.npz", inputs=np.ones((4, 3)))
    compile(code, "<snippet>", "exec")
    assert "nn.LSTM(input_size=3, hidden_size=4, num_layers=2" in code and "nn.Linear(8, 3)" in code
    long = pytorch_code(net, inputs=np.ones((51, 3)))
    assert "np.load('inputs.npy'" in long and "[1.0, 1.0, 1.0]" not in long
    compile(long, "<snippet>", "exec")


CASES = [
    ("rnn_tanh", 1, False, 0, None, np.float64),
    ("rnn_relu", 2, True, 2, None, np.float64),
    ("lstm", 2, True, 3, "softmax", np.float64),
    ("gru", 1, False, 1, "sigmoid", np.float64),
    ("lstm", 1, False, 2, None, np.float32),
]


@pytest.mark.parametrize("mode, layers, bi, out, act, dtype", CASES)
def test_pytorch_code_reproduces_the_engine(tmp_path, monkeypatch, mode, layers, bi, out, act, dtype):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    net = _random_network(mode, layers, bi, out, act, dtype)
    x = np.random.default_rng(3).normal(size=(7, 3))
    export_weights(net, tmp_path / "weights.npz")
    monkeypatch.chdir(tmp_path)
    code = pytorch_code(net, "weights.npz", inputs=x).replace("print(", "str(")
    scope: dict = {}
    exec(compile(code, "<snippet>", "exec"), scope)
    trace = net.forward(x)
    expected = trace.y if trace.y is not None else trace.output
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(scope["y"].numpy(), expected, rtol=tol, atol=tol)


def test_running_out_of_memory_is_a_weights_file_error(tmp_path, monkeypatch):
    from rnnviz.session import archive

    net = default_session().network
    export_weights(net, tmp_path / "w.npz")

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(archive, "read_npy", no_memory)
    for read in (
        lambda: import_weights(tmp_path / "w.npz", net),
        lambda: network_from_weights(tmp_path / "w.npz", "rnn_tanh"),
    ):
        with pytest.raises(WeightsFileError, match="w.npz: there is not enough memory"):
            read()


def test_an_npz_of_a_real_models_state_dict_opens_as_its_network(tmp_path):
    """The file import and Network.from_state_dict read names alike: any one prefix, the
    output layer by name or by its shape."""
    from rnnviz.session.weights import network_from_weights

    net = _random_network("gru", layers=2, bidirectional=True, out=3)
    arrays = {("encoder." + k if not k.startswith("head.") else "proj." + k[5:]): v
              for k, v in net.state_dict().items()}  # fmt: skip
    path = _npz(tmp_path, arrays)
    back = network_from_weights(path, "gru")
    for k in net.spec.param_shapes():
        assert back.param(k).tobytes() == net.param(k).tobytes()
    again = Network.from_state_dict(arrays, "gru")
    assert again.spec == back.spec
