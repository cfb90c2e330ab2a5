"""The trace CSV's loss and gradient columns, against PyTorch autograd.

The references in fixtures/trace_export/ are made by scripts/make_trace_export_fixtures.py
with torch 2.13.0 (the loss the head implies, from torch.nn.functional; ∂L/∂h_t and
∂L/∂c_t by autograd through a per-step loop); these tests never import torch.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from rnnviz.engine import Network
from rnnviz.session import Sequence, Session
from rnnviz.session.defaults import default_session
from rnnviz.session.exporters import (
    LOSS_BY_HEAD,
    head_loss,
    session_gradients,
    session_trace_csv,
    trace_csv,
)

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "trace_export").glob("*.npz"))
DIRS = ("fwd", "bwd")


def _read(text: str) -> tuple[list[str], np.ndarray]:
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], np.array(rows[1:], dtype=float)


def _fixture(path: Path) -> tuple[dict, dict[str, np.ndarray], Session]:
    with np.load(path, allow_pickle=False) as z:
        a = {k: z[k] for k in z.files}
    meta = json.loads(str(a.pop("meta")))
    state = {k[len("param/") :]: v for k, v in a.items() if k.startswith("param/")}
    act = meta["head"] if meta["head"] in ("softmax", "sigmoid") else None
    net = Network.from_state_dict(state, meta["mode"], head_activation=act)
    seq = Sequence(inputs=a["x"], targets=a["targets"], shape=meta["shape"])
    return meta, a, Session(net, seq)


def test_every_head_and_shape_has_a_fixture():
    metas = [_fixture(p)[0] for p in FIXTURES]
    assert {m["loss"] for m in metas} == {"mse", "cross_entropy", "bce"}
    assert {m["head"] for m in metas} == {"softmax", "sigmoid", "linear", "none"}
    assert {m["shape"] for m in metas} == {"many_to_many", "many_to_one"}
    assert any(m["bidirectional"] for m in metas) and any(m["layers"] > 1 for m in metas)
    assert all(m["torch"].startswith("2.13.0") for m in metas)


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_loss_and_gradient_columns_match_torch_autograd(path):
    meta, ref, session = _fixture(path)
    assert head_loss(session.network) == meta["loss"]
    header, table = _read(session_trace_csv(session, digits=17))
    net = session.network
    H, units = net.hidden_size, range(1, net.hidden_size + 1)
    expected = ["loss_t"]
    for layer in range(net.num_layers):
        for d in range(net.num_directions):
            tag = f"l{layer}_{DIRS[d]}"
            expected += [f"dLdh_{tag}_u{k}" for k in units] + [f"dLdh_norm_{tag}"]
            expected += [f"dLdc_{tag}_u{k}" for k in units] if net.mode == "lstm" else []
    seq = session.sequence
    today = trace_csv(net.forward(seq.inputs), seq.input_names, (), seq.targets, seq.target_names)
    assert header[: header.index("loss_t")] == today.splitlines()[0].split(",")  # today's columns first
    assert header[header.index("loss_t") :] == expected

    def cols(name: str, n: int) -> np.ndarray:
        j = header.index(name)
        return table[:, j : j + n]

    np.testing.assert_allclose(cols("loss_t", 1)[:, 0], ref["loss_t"], rtol=1e-10, atol=0)  # NaN: not counted
    assert np.nanmean(cols("loss_t", 1)) == pytest.approx(float(ref["loss"]), rel=1e-12)
    for layer in range(net.num_layers):
        for d in range(net.num_directions):
            tag = f"l{layer}_{DIRS[d]}"
            dh = ref[f"dh/l{layer}/d{d}"]  # [T, H] torch autograd
            np.testing.assert_allclose(cols(f"dLdh_{tag}_u1", H), dh, rtol=1e-9, atol=1e-14)
            norm = cols(f"dLdh_norm_{tag}", 1)[:, 0]
            np.testing.assert_allclose(norm, np.linalg.norm(dh, axis=1), rtol=1e-9, atol=1e-14)
            if net.mode == "lstm":
                dc = ref[f"dc/l{layer}/d{d}"]
                np.testing.assert_allclose(cols(f"dLdc_{tag}_u1", H), dc, rtol=1e-9, atol=1e-14)
    if meta["shape"] == "many_to_one":  # the loss sees the last step only
        assert np.isnan(cols("loss_t", 1)[:-1]).all()


def test_a_session_without_targets_keeps_todays_columns():
    s = default_session()
    bare = Session(
        s.network,
        Sequence(inputs=s.inputs, input_names=s.sequence.input_names, vocabulary=s.sequence.vocabulary),
    )
    text = session_trace_csv(bare, digits=17)
    trace = s.network.forward(s.inputs)
    assert text == trace_csv(trace, bare.sequence.input_names, s.sequence.vocabulary, digits=17)
    assert "loss_t" not in text and "dLdh" not in text


@pytest.mark.parametrize(
    "targets, shape, why",
    [
        (np.zeros((4, 2)), "many_to_many", "2 target columns for 5 outputs"),
        (np.r_[np.eye(5)[:3], np.full((1, 5), np.nan)], "many_to_many", "NaN at a counted step"),
        (np.r_[np.eye(5)[:3], np.full((1, 5), np.nan)], "many_to_one", "no target at the last step"),
    ],
)
def test_targets_that_do_not_fit_the_head_give_the_trace_alone(targets, shape, why):
    s = default_session()
    seq = Sequence(inputs=s.inputs, targets=targets, shape=shape)
    trace, loss, grads = session_gradients(Session(s.network, seq))
    assert loss is None and grads is None, why
    header = session_trace_csv(Session(s.network, seq)).splitlines()[0].split(",")
    assert header[-1].startswith("target_") and "loss_t" not in header


def test_one_to_many_counts_every_step_and_the_policy_is_the_courses():
    s = default_session()  # softmax head: cross-entropy
    assert LOSS_BY_HEAD == {"softmax": "cross_entropy", "sigmoid": "bce", None: "mse"}
    one_to_many = Session(s.network, Sequence(inputs=s.inputs, targets=s.targets, shape="one_to_many"))
    _, loss, _ = session_gradients(one_to_many)
    assert loss.name == "cross_entropy" and loss.mask.all()
