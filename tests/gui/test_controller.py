"""The session controller: edits, refused edits, and the worker path for long sequences."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.gui.controller import SessionController
from rnnviz.session import InitSettings, Sequence, Session
from rnnviz.session.compute import adapt_network, estimated_cost, head_suits_targets


def long_session(steps: int, hidden: int = 32) -> Session:
    spec = NetworkSpec("lstm", 1, hidden, 1, False, 1, None)
    x = np.sin(np.arange(steps) / 5.0)[:, None]
    return Session(network=Network.from_spec(spec, seed=1), sequence=Sequence(inputs=x, targets=x))


def test_small_sessions_are_synchronous_and_large_ones_are_not(session):
    from rnnviz.session.compute import SYNC_COST_LIMIT

    assert estimated_cost(session) <= SYNC_COST_LIMIT
    assert estimated_cost(long_session(5000)) > SYNC_COST_LIMIT
    # the largest network of the 50 ms edit goal (issue 18: T ≤ 200, H ≤ 64, 2 layers,
    # both directions) is computed at once: through the worker it reached the screen later
    x = np.sin(np.arange(200) / 5.0)[:, None]
    spec = NetworkSpec("lstm", 1, 64, 2, True, 1, None)
    big = Session(network=Network.from_spec(spec, seed=1), sequence=Sequence(inputs=x, targets=x))
    assert estimated_cost(big) <= SYNC_COST_LIMIT
    spec = NetworkSpec("lstm", 1, 128, 1, False, 1, None)
    x = np.sin(np.arange(1000) / 5.0)[:, None]
    playback = Session(network=Network.from_spec(spec, seed=1), sequence=Sequence(inputs=x, targets=x))
    assert estimated_cost(playback) > SYNC_COST_LIMIT


def test_structure_edit_keeps_the_sequence_and_uses_the_init_settings(controller):
    seq = controller.session.sequence
    controller.set_init(InitSettings(scheme="xavier", seed=7))
    assert controller.set_structure("gru", 4, 2, True, 5, "softmax")
    s = controller.session
    assert s.sequence is seq
    assert (s.network.mode, s.network.hidden_size, s.network.num_layers, s.network.num_directions) == (
        "gru",
        4,
        2,
        2,
    )
    expected = Network.from_spec(s.network.spec, init="xavier", seed=7)
    np.testing.assert_array_equal(
        s.network.param("weight_hh_l1_reverse"), expected.param("weight_hh_l1_reverse")
    )
    assert controller.trace.network is s.network


def test_feature_count_change_rebuilds_layer_0_only(controller):
    before = controller.session.network
    x = np.ones((4, 2))
    assert controller.set_sequence(Sequence(inputs=x))
    net = controller.session.network
    assert net.input_size == 2 and net.param("weight_ih_l0").shape == (3, 2)
    np.testing.assert_array_equal(net.param("weight_hh_l0"), before.param("weight_hh_l0"))
    np.testing.assert_array_equal(net.param("head.weight"), before.param("head.weight"))
    assert controller.loss is None  # no targets, no loss


def test_head_follows_the_target_width(session):
    seq = Sequence(inputs=np.ones((3, 5)), targets=np.zeros((3, 2)))
    net = adapt_network(session, seq)
    assert net.spec.output_size == 2 and net.input_size == 5
    np.testing.assert_array_equal(net.param("weight_ih_l0"), session.network.param("weight_ih_l0"))


def test_a_head_that_cannot_fit_the_targets_becomes_linear(session):
    """The next-word example's softmax head, given a sine: one column of real numbers."""
    sine = Sequence(inputs=np.sin(np.arange(8.0))[:, None], targets=np.sin(np.arange(1.0, 9.0))[:, None])
    net = adapt_network(session, sine)
    assert net.spec.output_size == 1 and net.head_activation is None
    probs = Sequence(inputs=np.ones((3, 5)), targets=np.eye(5)[[1, 2, 3]])
    assert adapt_network(session, probs).head_activation == "softmax"
    assert head_suits_targets("sigmoid", np.array([[0.0], [1.0], [np.nan]]))
    assert not head_suits_targets("sigmoid", np.array([[0.0], [1.5]]))
    assert not head_suits_targets("softmax", np.array([[0.2, -0.1]]))
    assert head_suits_targets(None, np.array([[-3.0]]))


def test_one_bad_target_typed_in_does_not_change_the_head(controller):
    """A sigmoid head, and a target of 1.5 typed by mistake: the head stays sigmoid (its
    loss is missing, and said), and typing 1.0 back restores the loss."""
    assert controller.set_structure("rnn_tanh", 3, 1, False, 1, "sigmoid")
    seq = controller.session.sequence
    x = seq.inputs
    good = Sequence(inputs=x, targets=np.ones((x.shape[0], 1)))
    assert controller.set_sequence(good)
    assert controller.session.network.head_activation == "sigmoid" and controller.loss.name == "bce"
    warnings = []
    controller.sig_warning.connect(warnings.append)
    bad = good.targets.copy()
    bad[1, 0] = 1.5
    assert controller.set_sequence(Sequence(inputs=x, targets=bad))
    assert controller.session.network.head_activation == "sigmoid" and controller.loss is None
    assert "binary cross-entropy" in warnings[-1]
    assert controller.set_sequence(good)
    assert controller.loss is not None and controller.loss.name == "bce"


def test_a_loss_that_cannot_be_computed_is_said(controller):
    """No head, and targets narrower than h_t: no loss panel, and a warning says why."""
    warnings = []
    controller.sig_warning.connect(warnings.append)
    assert controller.set_structure("rnn_tanh", 3, 1, False, 0, None)
    assert controller.loss is None
    assert warnings and "No loss" in warnings[-1] and "5 target column(s) for 3 hidden units" in warnings[-1]


def test_loss_by_head(controller):
    from rnnviz.engine.losses import cross_entropy_loss

    s = controller.session
    expected = cross_entropy_loss(controller.trace.y_logits, s.targets)
    np.testing.assert_allclose(controller.loss.per_step, expected.per_step)
    assert controller.set_structure("rnn_tanh", 3, 1, False, 5, "sigmoid")
    assert controller.loss.name == "bce"
    assert controller.set_structure("rnn_tanh", 3, 1, False, 5, None)
    assert controller.loss.name == "mse"


def test_refused_edit_keeps_the_session(controller, qtbot):
    before = controller.session
    with qtbot.waitSignal(controller.sig_error):
        assert not controller.set_param("weight_ih_l0", np.ones((2, 2)))
    assert controller.session is before


@pytest.mark.parametrize(
    "mode, huge, where",
    [
        ("rnn_relu", {"weight_hh_l0": 1e308}, "h at step t = 2 (layer 1)"),
        ("lstm", {"head.weight": 1e308, "head.bias": 1.7e308}, "the output logits at step t = 1"),
    ],
)
def test_an_overflowing_forward_pass_is_committed_and_said(controller, qtbot, mode, huge, where):
    spec = replace(controller.session.network.spec, mode=mode)
    net = Network.from_spec(spec, seed=0)
    with qtbot.waitSignal(controller.sig_warning) as blocker:  # and no RuntimeWarning
        assert controller.set_network(
            net.with_params({k: np.full(spec.param_shapes()[k], v) for k, v in huge.items()})
        )
    assert controller.session.network.mode == mode  # the edit stands
    message = blocker.args[0]
    assert "overflowed" in message and where in message, message
    with qtbot.assertNotEmitted(controller.sig_warning):
        assert controller.set_network(net)  # finite again: nothing said


# -- the worker path ---------------------------------------------------------------------


@pytest.fixture
def async_controller(qtbot, session):
    c = SessionController(session, threading="sync")
    c.threading = "async"
    yield c
    c.cancel()
    c.wait()


def test_worker_result_arrives(async_controller, qtbot):
    c = async_controller
    busy = []
    c.sig_busy_changed.connect(busy.append)
    with qtbot.waitSignal(c.sig_trace_changed, timeout=60_000) as blocker:
        assert c.set_session(long_session(3000))
        assert c.busy and busy == [True]
    assert blocker.args[0].steps == 3000
    assert c.trace.steps == 3000 and not c.busy and busy == [True, False]


def test_cancel_drops_the_result(async_controller, qtbot):
    c = async_controller
    before = c.session
    traces = []
    c.sig_trace_changed.connect(traces.append)
    c.set_session(long_session(3000))
    with qtbot.waitSignal(c.sig_busy_changed) as blocker:
        c.cancel()
    assert blocker.args == [False]
    c.wait()
    qtbot.wait(50)  # let a queued result arrive, if one were (wrongly) delivered
    assert traces == [] and c.session is before and c.trace.steps == 4


def test_stale_results_are_dropped(async_controller, qtbot):
    c = async_controller
    traces = []
    c.sig_trace_changed.connect(traces.append)
    c.set_session(long_session(4000))
    with qtbot.waitSignal(c.sig_trace_changed, timeout=60_000):
        c.set_session(long_session(1500))
    c.wait()
    qtbot.wait(50)
    assert [t.steps for t in traces] == [1500]
    assert c.session.sequence.steps == 1500


def test_worker_error_keeps_the_session(async_controller, qtbot, monkeypatch):
    """An engine error raised in the worker reaches the user; the old session stays.

    A Sequence can no longer hold NaN inputs, so the engine's refusal is simulated.
    """
    from rnnviz.engine import Network

    def refuse(self, x, h0=None, c0=None):
        raise ValueError("input contains NaN or infinity at step t=11, feature 1")

    c = async_controller
    before = c.session
    monkeypatch.setattr(Network, "forward", refuse)
    with qtbot.waitSignal(c.sig_error, timeout=60_000) as blocker:
        c.set_session(long_session(3000))
    assert "t=11" in blocker.args[0]
    assert c.session is before and not c.busy


def test_main_window_shows_progress_and_cancel(main_window, qtbot):
    w = main_window
    w.controller.threading = "async"
    w.controller.set_session(long_session(3000))
    assert w.progress.isVisible() and w.cancel_button.isVisible()
    with qtbot.waitSignal(w.controller.sig_busy_changed):
        w.cancel_button.click()
    assert not w.progress.isVisible()
    assert w.controller.session.sequence.steps == 4
    w.controller.wait()


def test_big_networks_are_built_in_the_worker(async_controller, qtbot):
    c = async_controller
    seq = c.session.sequence
    with qtbot.waitSignal(c.sig_trace_changed, timeout=60_000):
        assert c.set_structure("lstm", 256, 2, True, 5, "softmax")
        assert c.busy and c.session.network.hidden_size == 3  # nothing built on the GUI thread yet
        c.set_structure("lstm", 200, 2, True, 5, "softmax")  # chained onto the pending edit
    c.wait()
    qtbot.wait(20)
    net = c.session.network
    assert net.hidden_size == 200 and net.num_layers == 2 and c.session.sequence is seq
    assert not c.busy


def test_errors_while_building_in_the_worker_keep_the_session(async_controller, qtbot):
    c = async_controller
    with qtbot.waitSignal(c.sig_trace_changed, timeout=60_000):
        c.set_structure("gru", 300, 2, False, 5, "softmax")
    before = c.session
    with qtbot.waitSignal(c.sig_error, timeout=60_000) as blocker:
        c.reinitialise(InitSettings(scheme="bogus"))
    assert "bogus" in blocker.args[0]
    assert c.session is before and not c.busy


def test_a_trace_too_big_for_memory_is_refused(controller, qtbot, monkeypatch):
    import rnnviz.session.compute as ctl

    monkeypatch.setattr(ctl, "MAX_TRACE_BYTES", 10_000)
    before = controller.session
    with qtbot.waitSignal(controller.sig_error) as blocker:
        assert not controller.set_sequence(Sequence(inputs=np.zeros((400, 5))))
    assert "400 steps" in blocker.args[0] and "GB" in blocker.args[0]
    assert controller.session is before


def test_view_changes_while_a_big_edit_builds_are_kept(async_controller, qtbot):
    c = async_controller
    with qtbot.waitSignal(c.sig_trace_changed, timeout=60_000):
        c.set_structure("lstm", 256, 2, True, 5, "softmax")
        c.set_view(step=3, unit=2)
        c.set_text(title="mine")
    assert c.session.view.step == 3 and c.session.view.unit == 2 and c.session.title == "mine"


def test_finish_commits_the_running_computation_now(async_controller):
    assert async_controller.finish()  # nothing running
    assert async_controller.set_structure("lstm", 256, 8, False, 5, "softmax")
    assert async_controller.building
    assert async_controller.finish()
    assert not async_controller.busy and async_controller.session.network.num_layers == 8


def test_cancel_a_big_build(async_controller, qtbot):
    c = async_controller
    before = c.session
    traces = []
    c.sig_trace_changed.connect(traces.append)
    c.set_structure("lstm", 300, 2, True, 5, "softmax")
    assert c.busy
    c.cancel()
    c.wait()
    qtbot.wait(50)
    assert traces == [] and c.session is before and not c.busy


def test_structure_edits_are_a_fresh_build_or_say_what_they_kept(controller):
    """Issue 18 §1: the builder never silently mixes the user's weights with new draws."""
    from rnnviz.engine import init_state_dict

    messages = []
    controller.sig_message.connect(messages.append)
    hand_set = controller.session.network  # seed 003's weights, set by hand
    assert controller.set_structure("rnn_tanh", 3, 2, False, 5, "softmax")
    net = controller.session.network
    np.testing.assert_array_equal(net.param("weight_hh_l0"), hand_set.param("weight_hh_l0"))
    assert "kept your weights" in messages[-1] and "re-drew layer 2 with" in messages[-1]
    assert controller.reinitialise()  # now the init's own draw: the next change is a fresh build
    count = len(messages)
    assert controller.set_structure("gru", 4, 1, True, 5, "softmax")
    spec = controller.session.network.spec
    for key, value in init_state_dict(spec, "pytorch", 0).items():
        np.testing.assert_array_equal(controller.session.network.param(key), value)
    assert not [m for m in messages[count:] if "kept" in m]
