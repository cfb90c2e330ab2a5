"""The Runs menu: runs added, made active, renamed and removed as edits of the one session;
the plots overlay them; a file of another input size is refused in words."""

from __future__ import annotations

import numpy as np

from rnnviz.session import save_session
from rnnviz.session.compare import MAX_RUNS
from rnnviz.session.compute import compute


def test_add_runs_of_each_cell_and_every_view_gets_them(main_window):
    w = main_window
    menu = w.runs_menu
    assert not menu.action_remove.isEnabled() and not menu.active_menu.isEnabled()
    assert menu.add_cell("lstm") and menu.add_cell("gru")
    s = w.controller.session
    assert [r.network.mode for r in s.runs] == ["rnn_tanh", "lstm", "gru"]
    assert [r.name for r in s.runs][1:] == ["LSTM", "GRU"]
    assert all(r.network.hidden_size == s.network.hidden_size for r in s.runs)
    c = w.controller.computed
    assert len(c.others) == 2
    np.testing.assert_array_equal(c.others[0].trace.hidden(0, 0), compute(s).others[0].trace.hidden(0, 0))
    w.show_view("plots")
    assert len(w.plots_view.gradient_panels.norms.overlay.curves) == 3  # the gradient of each, overlaid
    menu.refresh()
    assert menu.action_remove.isEnabled() and [a.text() for a in menu.active_menu.actions()][1] == "LSTM"


def test_make_active_rename_remove_and_at_most_four(main_window):
    w = main_window
    menu = w.runs_menu
    menu.add_cell("lstm")
    menu.add_copy()
    assert [r.name for r in w.controller.session.runs] == ["Run 1", "LSTM", "Run 1 (copy)"]
    assert menu.make_active(1)
    s = w.controller.session
    assert s.network.mode == "lstm" and s.run_name == "LSTM"
    assert w.controller.trace.network is s.network  # the views show the active run
    assert menu.rename_active("long & <memory>")
    assert w.controller.session.run_name == "long & <memory>"
    menu.refresh()
    assert menu.active_menu.actions()[0].text() == "long && <memory>"  # "&" is no mnemonic
    errors = []
    w.controller.sig_error.connect(errors.append)
    assert not menu.rename_active("Run 1")
    menu.add_cell("gru")
    assert len(w.controller.session.runs) == MAX_RUNS
    menu.refresh()
    assert not menu.add_menu.isEnabled()
    assert not menu.add_cell("rnn_tanh") and len(w.controller.session.runs) == MAX_RUNS
    assert menu.remove_active()
    assert [r.name for r in w.controller.session.runs] == ["Run 1", "Run 1 (copy)", "GRU"]


def test_a_run_from_a_file_needs_the_same_input_size(main_window, tmp_path, qtbot):
    from dataclasses import replace

    from rnnviz.engine import Network, NetworkSpec
    from rnnviz.session.defaults import default_session

    w = main_window
    shown = []
    w.show_error = shown.append
    good = default_session()
    good = replace(
        good, network=Network.from_spec(replace(good.network.spec, mode="gru"), seed=3), title="My GRU"
    )
    save_session(good, tmp_path / "gru.rnnviz")
    w.runs_menu.add_from_file(str(tmp_path / "gru.rnnviz"))
    qtbot.waitUntil(lambda: len(w.controller.session.runs) == 2, timeout=10_000)
    assert w.controller.session.runs[1].name == "My GRU"
    np.testing.assert_array_equal(w.controller.session.runs[1].network.param("weight_hh_l0"),
                                  good.network.param("weight_hh_l0"))  # fmt: skip
    from rnnviz.session.model import Sequence

    wide = replace(good, network=Network.from_spec(NetworkSpec("lstm", 3, 4, output_size=1)),
                   sequence=Sequence(np.zeros((4, 3))), title="wide")  # fmt: skip
    save_session(wide, tmp_path / "wide.rnnviz")
    w.runs_menu.add_from_file(str(tmp_path / "wide.rnnviz"))
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert "input size 3" in shown[-1] and "5 input features" in shown[-1]
    assert len(w.controller.session.runs) == 2


def test_a_new_sequence_adapts_every_run(main_window):

    from rnnviz.session.model import Sequence

    w = main_window
    w.show_view("plots")
    w.runs_menu.add_cell("lstm")
    seq = w.controller.session.sequence
    more = Sequence(np.hstack([seq.inputs, np.zeros((seq.steps, 1))]), seq.targets)
    assert w.controller.set_sequence(more)
    s = w.controller.session
    assert [r.network.input_size for r in s.runs] == [6, 6]


def test_training_trains_every_run_as_each_would_alone_and_reset_resets_all(main_window):
    from rnnviz.session.compare import run_session
    from rnnviz.session.training import TrainingJob, TrainingSettings

    w = main_window
    w.runs_menu.add_cell("gru")
    before = w.controller.session
    settings = TrainingSettings(epochs=6)
    assert w.trainer.train(settings)  # synchronous in tests: to the end
    s = w.controller.session
    assert [r.training.updates for r in s.runs] == [6, 6]
    alone = TrainingJob(run_session(before, 1), settings)
    for _ in alone.steps():
        pass
    np.testing.assert_array_equal(s.runs[1].training.history.loss, alone.result().training.history.loss)
    np.testing.assert_array_equal(s.runs[1].network.param("weight_hh_l0"), alone.result().network.param("weight_hh_l0"))
    assert w.trainer.reset()
    assert [r.training.updates for r in w.controller.session.runs] == [0, 0]
    np.testing.assert_array_equal(w.controller.session.runs[1].network.param("weight_hh_l0"),
                                  before.runs[1].network.param("weight_hh_l0"))  # fmt: skip


def test_the_diagrams_stack_every_runs_chain_on_the_shared_cursor(main_window):
    w = main_window
    dv = w.diagrams_view
    assert dv.tabs.indexOf(dv.runs) < 0  # one run: no such tab
    w.runs_menu.add_cell("lstm")
    w.runs_menu.add_cell("gru")
    assert dv.tabs.indexOf(dv.runs) >= 0
    dv.tabs.setCurrentWidget(dv.runs)
    assert not dv.cell.isVisibleTo(dv)  # the stacked chains take the height
    c = w.controller.computed
    shown = [d for d in dv.runs.diagrams if d.isVisibleTo(dv.runs)]
    assert [d.trace for d in shown] == [r.trace for r in c.runs]
    assert [lab.text() for lab in dv.runs.labels] == ["Run 1 (active)", "LSTM", "GRU"]
    w.controller.request_cursor(step=2)
    assert all(d.step == 2 for d in shown)
    dv.set_backward(True)
    assert all(d._backward for d in shown)
    dv.tabs.setCurrentIndex(0)
    assert dv.cell.isVisibleTo(dv)
    w.runs_menu.remove_active()
    w.runs_menu.remove_active()
    assert dv.tabs.indexOf(dv.runs) < 0


def test_another_hidden_size_or_seed_is_a_fresh_draw_of_the_active_structure(main_window):
    from dataclasses import replace

    from rnnviz.engine import Network

    w = main_window
    s = w.controller.session
    assert w.runs_menu.add_hidden_size(6) and w.runs_menu.add_seed(7)
    runs = w.controller.session.runs
    assert [r.name for r in runs] == ["Run 1", "Run 1, H = 6", "Run 1, seed 7"]
    assert runs[1].network.hidden_size == 6 and runs[1].network.mode == s.network.mode
    want = Network.from_spec(replace(s.network.spec, hidden_size=6), s.init.scheme, seed=s.init.seed)
    np.testing.assert_array_equal(runs[1].network.param("weight_hh_l0"), want.param("weight_hh_l0"))
    assert runs[2].init.seed == 7
    want = Network.from_spec(s.network.spec, s.init.scheme, seed=7)
    np.testing.assert_array_equal(runs[2].network.param("weight_ih_l0"), want.param("weight_ih_l0"))
