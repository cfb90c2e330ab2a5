"""loss_warning: an infinite loss from huge but finite numbers is named, step and cause."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.losses import compute_loss
from rnnviz.session import Sequence, Session
from rnnviz.session.defaults import default_session
from rnnviz.session.loss_check import loss_warning

SPEC = NetworkSpec("rnn_tanh", 1, 4, 1, False, 1, None)  # a linear head: MSE on y


def _session(targets, head_scale: float = 1.0) -> Session:
    net = Network.from_spec(SPEC, init="pytorch", seed=0)
    params = dict(net.state_dict())
    params["head.weight"] = params["head.weight"] * head_scale
    seq = Sequence(inputs=np.linspace(0, 1, 10)[:, None], targets=targets, target_names=("next",))
    return Session(network=Network(SPEC, params), sequence=seq)


def _warning(session: Session) -> tuple[str | None, object]:
    with np.errstate(over="ignore", invalid="ignore"):  # as the app computes it
        trace = session.network.forward(session.inputs)
        loss = compute_loss("mse", trace.y, session.targets)
    return loss_warning(session, trace, loss), loss


def test_a_huge_target_names_its_first_step_and_the_target():
    targets = np.zeros((10, 1))
    targets[3, 0], targets[6, 0] = 1e200, 1e308
    message, loss = _warning(_session(targets))
    assert np.isinf(loss.loss) and np.isfinite(loss.per_step[:3]).all()  # the engine's view
    assert message.startswith("The loss is infinite at step t = 4 (also t = 7): the target 'next' is 1e+200")
    assert "(y − y*)² passes 1.8e+308" in message


def test_huge_head_weights_name_the_output():
    session = _session(np.zeros((10, 1)), head_scale=1e200)
    message, _ = _warning(session)
    assert message.startswith("The loss is infinite at step t = 1 (also t = 2, 3, 4, 5, 6, …)")
    assert "the output y 'next' is" in message and "head's weights" in message


def test_steps_each_finite_whose_mean_overflows_are_said():
    message, loss = _warning(_session(np.full((10, 1), 1e154)))  # each ℓ_t ≈ 1e308, the sum ∞
    assert np.isfinite(loss.per_step).all() and np.isinf(loss.loss)
    assert message.startswith("The loss L is infinite: every ℓ_t is finite, but their sum passes")


def test_a_finite_loss_or_none_gives_no_warning():
    assert _warning(_session(np.ones((10, 1))))[0] is None
    s = default_session()
    trace = s.network.forward(s.inputs)
    assert loss_warning(s, trace, None) is None
    logits = trace.y_logits
    assert loss_warning(s, trace, compute_loss("cross_entropy", logits, s.targets)) is None


def test_an_overflowed_output_is_named_as_such():
    s = default_session()
    params = dict(s.network.state_dict())
    params["head.weight"] = np.full_like(params["head.weight"], 1e308)
    params["head.bias"] = np.full_like(params["head.bias"], 1.7e308)  # the logits overflow to ∞
    s = replace(s, network=Network(s.network.spec, params))
    with np.errstate(all="ignore"):
        trace = s.network.forward(s.inputs)
        loss = compute_loss("cross_entropy", trace.y_logits, s.targets)
    message = loss_warning(s, trace, loss)
    assert message.startswith("The loss is not a number at step t = 1") or message.startswith(
        "The loss is infinite at step t = 1"
    )
    assert "the output the logit is itself infinite or not a number" in message
