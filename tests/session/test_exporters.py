"""Trace CSV: one row per step, named columns, numbers that read back."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.session.defaults import default_session
from rnnviz.session.exporters import export_trace_csv, session_trace_csv, trace_columns, trace_csv


def _net(mode: str, layers=2, bi=True, out=2) -> Network:
    spec = NetworkSpec(mode, 2, 3, layers, bi, out, "softmax" if out else None)
    rng = np.random.default_rng(0)
    return Network(spec, {k: rng.uniform(-0.5, 0.5, s) for k, s in spec.param_shapes().items()})


def _read(text: str) -> tuple[list[str], np.ndarray]:
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], np.array(rows[1:], dtype=float)


def test_default_session_csv():
    header, table = _read(session_trace_csv(default_session(), digits=17))
    assert header[:7] == ["t", "x_I", "x_love", "x_deep", "x_learning", "x__", "h_l0_fwd_u1"]
    assert "y_deep" in header and header.index("target_next=_") + 1 == header.index("loss_t")
    assert header[-1] == "dLdh_norm_l0_fwd"  # the targets fit the softmax head: loss and ∂L/∂h_t
    np.testing.assert_array_equal(table[:, 0], [1, 2, 3, 4])
    h = table[:, header.index("h_l0_fwd_u1") : header.index("h_l0_fwd_u3") + 1]
    np.testing.assert_allclose(h[0], [0.2913, 0.5370, -0.1974], atol=5e-5)
    trace = default_session().network.forward(default_session().inputs)
    np.testing.assert_array_equal(h, trace.hidden())


@pytest.mark.parametrize("mode, gates", [("lstm", "ifgo"), ("gru", "rzn"), ("rnn_tanh", "")])
def test_columns_per_layer_direction_and_gate(mode, gates):
    net = _net(mode)
    trace = net.forward(np.random.default_rng(1).normal(size=(5, 2)))
    names, table = trace_columns(trace)
    assert table.shape == (5, len(names))
    per_dir = 3 * (1 + (mode == "lstm") + len(gates)) + 2  # and pc1, pc2
    assert len(names) == 1 + 2 + 2 * 2 * per_dir + 2
    for layer in (0, 1):
        for d, tag in enumerate(("fwd", "bwd")):
            j = names.index(f"h_l{layer}_{tag}_u1")
            np.testing.assert_array_equal(table[:, j : j + 3], trace.hidden(layer, d))
            for g in gates:
                j = names.index(f"{g}_l{layer}_{tag}_u1")
                np.testing.assert_array_equal(table[:, j : j + 3], trace.gates(layer, d)[g])
    if mode == "lstm":
        j = names.index("c_l1_bwd_u1")
        np.testing.assert_array_equal(table[:, j : j + 3], trace.cell(1, 1))
    assert names[-2:] == ["y_1", "y_2"]


def test_csv_file_written_and_read_back(tmp_path):
    trace = _net("lstm", layers=1, bi=False, out=0).forward(np.ones((3, 2)))
    export_trace_csv(trace, tmp_path / "t.csv", input_names=("a", "b"), targets=np.zeros((3, 1)), digits=17)
    header, table = _read((tmp_path / "t.csv").read_text())
    assert header[:3] == ["t", "x_a", "x_b"] and header[-1] == "target_1"
    np.testing.assert_array_equal(table[:, header.index("o_l0_fwd_u2")], trace.gates()["o"][:, 1])


def test_mismatched_targets_are_refused():
    trace = _net("gru", 1, False, 0).forward(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"expected 3 rows .* got shape \(4, 1\)"):
        trace_csv(trace, targets=np.zeros((4, 1)))
    with pytest.raises(ValueError, match="expected 3 rows"):
        trace_csv(trace, targets=np.zeros((3, 1, 1)))


def test_a_single_target_column_may_be_a_vector():
    trace = _net("gru", 1, False, 0).forward(np.ones((3, 2)))
    header, table = _read(trace_csv(trace, targets=np.array([0.5, np.nan, 2.0]), digits=17))
    assert header[-1] == "target_1"
    np.testing.assert_array_equal(table[:, -1], [0.5, np.nan, 2.0])
