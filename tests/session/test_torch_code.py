"""Issue 18 §3: "Copy as PyTorch code" runs as it is (weights embedded, or loaded from the
exported .npz), loads a long sequence from a file, prints h_t as well as y_t, and its
header describes the network, not a stale title.  Run under torch and compared with the
app's trace."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.session.defaults import default_session
from rnnviz.session.torch_code import MAX_INLINE_STEPS, pytorch_code
from rnnviz.session.weights import export_weights

torch = pytest.importorskip("torch")


def run(code: str, cwd) -> tuple[dict, str]:
    """Execute the snippet as a user would, in ``cwd``; its variables and what it printed."""
    scope: dict = {}
    out = io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out):
        exec(compile(code, "<snippet>", "exec"), scope)
    return scope, out.getvalue()


def test_seed003_with_embedded_weights_runs_as_it_is_and_prints_h_and_y(tmp_path):
    s = default_session()
    code = pytorch_code(s.network, inputs=s.inputs, embed_weights=True)
    assert "np.load" not in code and "Seed 003" not in code.splitlines()[0]
    assert code.startswith(
        "# rnnviz: a 1-layer rnn_tanh with 5 inputs and 3 hidden units, softmax head of 5."
    )
    (tmp_path / "snippet.py").write_text(code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "snippet.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    # the course's numbers: h_1 = (0.2913, 0.5370, −0.1974), y_1[love] = 0.1707
    assert "0.2913" in done.stdout and "0.5370" in done.stdout and "-0.1974" in done.stdout
    assert "0.1707" in done.stdout and done.stdout.index("h_t") < done.stdout.index("y_t")
    scope, _ = run(code, tmp_path)
    trace = s.network.forward(s.inputs)
    np.testing.assert_allclose(scope["h"].numpy(), trace.output, rtol=0, atol=1e-15)
    np.testing.assert_allclose(scope["y"].numpy(), trace.y, rtol=0, atol=1e-15)


@pytest.mark.parametrize("embed", [True, False])
def test_a_long_sequence_is_loaded_from_a_file_and_reproduced(tmp_path, embed):
    spec = NetworkSpec("lstm", 2, 4, 2, True, 3, "sigmoid")
    net = Network.from_spec(spec, seed=4)
    x = np.random.default_rng(1).normal(size=(MAX_INLINE_STEPS + 250, 2))
    np.save(tmp_path / "seq.npy", x)
    export_weights(net, tmp_path / "weights.npz")
    code = pytorch_code(net, "weights.npz", inputs=x, embed_weights=embed, inputs_file="seq.npy")
    assert "np.load('seq.npy'" in code and repr(float(x[100, 0])) not in code
    assert ("np.load('weights.npz'" in code) is not embed
    scope, printed = run(code, tmp_path)
    trace = net.forward(x)
    np.testing.assert_allclose(scope["h"].numpy(), trace.output, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(scope["y"].numpy(), trace.y, rtol=1e-12, atol=1e-12)
    assert "h_t (hidden states" in printed and "y_t (outputs)" in printed


def test_short_sequences_are_pasted():
    s = default_session()
    code = pytorch_code(s.network, inputs=s.inputs)
    assert "x = torch.tensor([" in code and "inputs.npy" not in code
