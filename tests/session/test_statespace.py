"""The state space: PCA against an SVD of the same states, the flow field against one-step
forward passes of the engine, and the trace CSV's pc columns."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.session.defaults import default_session
from rnnviz.session.exporters import session_trace_csv
from rnnviz.session.statespace import flow_field, principal, project


@pytest.mark.parametrize("H", [3, 8, 40])
def test_pca_equals_an_svd_of_the_centred_states_up_to_sign(H):
    rng = np.random.default_rng(H)
    h = rng.normal(size=(200, H)) @ rng.normal(size=(H, H))  # correlated states
    p = principal(h)
    centred = h - h.mean(axis=0)
    U, S, Vt = np.linalg.svd(centred, full_matrices=False)
    for k in range(2):
        sign = np.sign(p.axes[k] @ Vt[k])
        np.testing.assert_allclose(p.axes[k], sign * Vt[k], atol=1e-9)
        np.testing.assert_allclose(p.xy[:, k], sign * U[:, k] * S[k], atol=1e-8)
    np.testing.assert_allclose(p.explained, S[:2] ** 2 / np.sum(S**2), rtol=1e-10)
    assert p.names == ("PC1", "PC2") and not p.plane


def test_two_units_are_their_own_plane_and_one_unit_is_a_line():
    h = np.random.default_rng(0).normal(size=(30, 2))
    p = project(h)
    assert p.plane and p.names == ("h1", "h2")
    np.testing.assert_array_equal(p.xy, h)
    one = principal(np.arange(10.0)[:, None])
    np.testing.assert_array_equal(one.xy[:, 1], 0.0) and np.testing.assert_allclose(one.explained, [1, 0])


@pytest.mark.parametrize("mode", ["rnn_tanh", "rnn_relu", "gru", "lstm"])
@pytest.mark.parametrize("direction", [0, 1])
def test_the_flow_field_is_one_forward_step_from_each_grid_point(mode, direction):
    net = Network.from_spec(NetworkSpec(mode, 3, 2, 2, True, 1, None), seed=1)
    x = np.random.default_rng(2).normal(size=(6, 3))
    trace = net.forward(x)
    t = 4
    f = flow_field(trace, 1, direction, t, grid=5)
    assert f.points.shape == (25, 2) and f.t == t
    # the truth: a one-step run of layer 1 alone, from each point as its initial state
    one = Network.from_spec(NetworkSpec(mode, 2 * 2, 2, 1, False, 0, None), seed=0)
    sfx = "_l1" + ("_reverse" if direction else "")
    params = {k.replace("_l0", ""): net.param(k.replace("_l0", "") + sfx) for k in one.spec.param_shapes()}
    single = Network(one.spec, {k + "_l0": v for k, v in params.items()})
    x_t = trace.layer_inputs[1][t - 1][None, :]
    for point, move in zip(f.points, f.moves, strict=True):
        c0 = None if mode != "lstm" else f.held_c[None, :]
        h1 = single.forward(x_t, h0=point[None, :], c0=c0).hidden()[0]
        np.testing.assert_allclose(point + move, h1, atol=1e-12)


def test_the_trace_csv_has_each_layers_principal_components():
    s = default_session()
    rows = list(csv.reader(io.StringIO(session_trace_csv(s, digits=17))))
    head, table = rows[0], np.array(rows[1:], dtype=float)
    j = head.index("pc1_l0_fwd")
    assert head[j + 1] == "pc2_l0_fwd"
    want = principal(s.network.forward(s.inputs).hidden())
    np.testing.assert_allclose(table[:, j : j + 2], want.xy, atol=1e-12)


def test_a_big_trajectory_keeps_its_axes_to_a_pictures_accuracy():
    from rnnviz.session.statespace import BIG

    rng = np.random.default_rng(5)
    H = 64
    h = rng.normal(size=(BIG // H + 100, H)) * np.linspace(3, 0.5, H)  # distinct variances
    p = principal(h)
    _, _, Vt = np.linalg.svd(h - h.mean(axis=0), full_matrices=False)
    for k in range(2):
        assert abs(abs(p.axes[k] @ Vt[k]) - 1) < 1e-6
