"""What the app computes from a session: trace, loss and gradients, and the policies (no Qt)."""

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.train import loss_and_grads
from rnnviz.session import Sequence, Session
from rnnviz.session.compute import (
    LOSS_BY_HEAD,
    compute,
    estimated_cost,
    head_change_message,
    loss_for,
    trace_bytes,
)
from rnnviz.session.defaults import default_session


def test_the_default_example_has_the_course_loss_and_gradients():
    c = compute(default_session())
    # seed 003, step 1: the target is "love", y_1[love] = 0.1707, ℓ_1 = −ln 0.1707
    assert c.loss.name == "cross_entropy"
    assert round(c.trace.y[0, 1], 4) == 0.1707 and round(c.loss.per_step[0], 4) == 1.7676
    assert c.grads is not None and c.grads.dh(0, 0).shape == (4, 3)


@pytest.mark.parametrize("head", ["softmax", "sigmoid", None])
def test_gradients_are_the_engines_for_the_loss_the_head_implies(head):
    rng = np.random.default_rng(0)
    net = Network.from_spec(NetworkSpec("lstm", 2, 3, 1, False, 2, head), seed=1)
    targets = rng.random((6, 2))
    if head == "softmax":
        targets = np.eye(2)[rng.integers(0, 2, 6)]
    session = Session(network=net, sequence=Sequence(inputs=rng.normal(size=(6, 2)), targets=targets))
    c = compute(session)
    name = LOSS_BY_HEAD[head]
    assert loss_for(net) == name and c.loss.name == name
    _, ref_loss, ref = loss_and_grads(net, session.inputs, targets, name)
    assert c.loss.loss == ref_loss.loss
    for key in ref.parameter_keys():
        np.testing.assert_array_equal(c.grads[key], ref[key])


def test_without_targets_there_is_no_loss_and_no_gradient_and_the_cost_is_the_forward_pass():
    s = default_session()
    bare = Session(network=s.network, sequence=Sequence(inputs=s.inputs))
    c = compute(bare)
    assert c.loss is None and c.grads is None and c.warning is None
    assert estimated_cost(s) == 3 * estimated_cost(bare)  # backward ≈ 2 forward passes
    assert trace_bytes(s) > trace_bytes(bare)


def test_targets_that_do_not_fit_say_so_and_keep_the_trace():
    s = default_session()
    wrong = Session(network=s.network, sequence=Sequence(inputs=s.inputs, targets=np.ones((4, 2))))
    c = compute(wrong)
    assert c.loss is None and c.grads is None and c.trace is not None
    assert "2 target column(s) for 5 outputs" in c.warning


def test_head_change_message_names_both_heads():
    s = default_session()
    sine = Sequence(inputs=s.inputs, targets=np.sin(np.arange(4.0))[:, None])
    assert "now linear (was softmax)" in head_change_message(s, sine)
    assert head_change_message(s, s.sequence) is None
