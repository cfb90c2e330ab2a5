"""Training in the window: the same numbers as rnnviz.engine.train, pause / resume / step /
stop / reset, NaN stops that keep the weights, and a worker that never touches widgets."""

import threading

import numpy as np
from PySide6 import QtWidgets

from rnnviz.engine.train import train
from rnnviz.session.training import TrainingJob, TrainingSettings, TrainingTick


def engine_run(session, settings, epochs):
    opt = settings.make_optimizer()
    data = (session.sequence.inputs, session.sequence.targets)
    run = list(
        train(session.network, data, "cross_entropy", "many_to_many", opt, epochs, None, settings.seed)
    )
    return run


def test_training_in_the_window_equals_the_engine(main_window):
    w = main_window
    before = w.controller.session
    settings = TrainingSettings(optimizer="sgd", lr=0.3, momentum=0.5, epochs=25)
    assert w.trainer.train(settings)  # synchronous in tests: runs to its end
    s = w.controller.session
    ref = engine_run(before, settings, 25)
    np.testing.assert_array_equal(s.training.history.loss, [p.loss for p in ref])
    for key, value in ref[-1].network.state_dict().items():
        np.testing.assert_array_equal(s.network.param(key), value)
    # every view shows the trained weights: the committed trace is theirs
    assert w.controller.trace.network is s.network
    assert s.training.settings == settings
    assert w.trainer.state == "idle" and w.network_dock.widget().isEnabled()


def test_step_pause_resume_and_stop(main_window):
    w = main_window
    t = w.trainer
    settings = TrainingSettings(lr=0.05, epochs=10)
    w.show_view("training")
    w.training_view.lr_spin.setValue(0.05)  # the panel's settings are the session's
    w.training_view.epochs_spin.setValue(10)
    assert w.controller.session.training.settings == settings
    assert t.step()  # one update, then paused
    assert t.state == "paused" and w.controller.session.training.updates == 1
    assert not w.network_dock.widget().isEnabled()  # locked while a run is live
    assert t.step() and w.controller.session.training.updates == 2
    t.resume()  # the rest of the run
    assert t.state == "idle" and w.controller.session.training.updates == 10
    ref = engine_run(_untrained(w), settings, 10)
    np.testing.assert_array_equal(w.controller.session.training.history.loss, [p.loss for p in ref])
    assert w.network_dock.widget().isEnabled()


def _untrained(w):
    from rnnviz.session.training import reset_training

    return reset_training(w.controller.session)


def test_stop_keeps_what_was_trained_and_reset_is_undoable(main_window):
    w = main_window
    w.show_view("training")
    t = w.trainer
    t.train(TrainingSettings(lr=0.05, epochs=10), updates=3)
    assert t.state == "paused"
    t.stop()
    s = w.controller.session
    assert t.state == "idle" and s.training.updates == 3
    trained = s.network
    assert t.reset()
    assert w.controller.session.network is s.training.initial and not w.controller.session.training.trained
    assert w.training_view.reset_button.text() == "Undo reset"
    assert t.undo_reset()
    assert w.controller.session.network is trained and w.controller.session.training.updates == 3


def test_a_nan_stops_training_with_the_engines_message_and_keeps_the_last_good_weights(main_window, qtbot):
    w = main_window
    w.show_view("training")
    errors = []
    w.controller.sig_error.connect(errors.append)
    w.controller.set_param("head.weight", np.full((5, 3), 1e308))  # logits overflow: the loss is not finite
    before = w.controller.session.network
    w.trainer.train(TrainingSettings(optimizer="sgd", lr=0.1, epochs=5))
    s = w.controller.session
    assert s.training.history.stopped_reason and "training stopped" in s.training.history.stopped_reason
    assert errors and "Training stopped" in errors[-1]
    assert s.training.history.stopped_update == 1 and s.training.updates == 0
    for key in before.spec.param_shapes():  # the last good weights: those before the refused update
        np.testing.assert_array_equal(s.network.param(key), before.param(key))
    assert w.training_view.stop_line.isVisible()


def test_a_session_without_targets_cannot_train_and_says_why(main_window):
    from rnnviz.session import Sequence

    w = main_window
    w.show_view("training")
    s = w.controller.session
    w.controller.set_sequence(Sequence(inputs=s.inputs))
    errors = []
    w.controller.sig_error.connect(errors.append)
    assert not w.trainer.train()
    assert "no targets" in errors[-1]
    assert not w.training_view.train_button.isEnabled()


def test_the_history_slider_shows_a_kept_update_and_can_use_it(main_window):
    w = main_window
    w.trainer.train(TrainingSettings(lr=0.05, epochs=8))
    view = w.training_view
    w.show_view("training")
    s = w.controller.session
    kept = s.training.history.snapshot_updates
    assert kept[-1] == 8 and view.history_slider.maximum() == len(kept)  # 0 (before) and each kept update
    view.history_slider.setValue(1)  # the first kept update
    u = kept[0]
    assert (
        w.controller.trace.network.param("weight_hh_l0").tolist()
        == s.training.history.snapshot(u)["weight_hh_l0"].tolist()
    )
    assert w.controller.session.network is s.network  # only shown: the work is unchanged
    view.use_button.click()
    s2 = w.controller.session
    assert (
        s2.training.updates == u
        and s2.network.param("weight_hh_l0").tolist()
        == s.training.history.snapshot(u)["weight_hh_l0"].tolist()
    )


def test_async_training_streams_to_the_training_view_and_the_worker_never_touches_widgets(
    qtbot, session, monkeypatch
):
    from rnnviz.gui.main_window import MainWindow

    w = MainWindow(session, threading="sync")
    qtbot.addWidget(w)
    w.controller.threading = "async"
    gui = threading.get_ident()
    touched = []
    for cls in (QtWidgets.QWidget, QtWidgets.QLabel, QtWidgets.QAbstractButton, QtWidgets.QProgressBar):
        for name in ("setText", "setEnabled", "setValue", "update", "setVisible"):
            original = getattr(cls, name, None)
            if original is None:
                continue

            def spy(self, *a, _orig=original, **k):
                if threading.get_ident() != gui:
                    touched.append(type(self).__name__)
                return _orig(self, *a, **k)

            monkeypatch.setattr(cls, name, spy)
    batches = []
    w.trainer.sig_telemetry.connect(batches.append)
    shown, documents = [], []
    w.controller.sig_computed.connect(shown.append)
    w.controller.sig_session_changed.connect(documents.append)  # docks refill on this
    assert w.trainer.train(TrainingSettings(lr=0.05, epochs=3000))
    qtbot.waitUntil(lambda: w.trainer.state == "idle" and not w.controller.busy, timeout=60_000)
    ticks = [t for b in batches for t in b]
    assert [t.update for t in ticks] == list(range(1, 3001))  # every update, in order
    assert all(isinstance(t, TrainingTick) for t in ticks)
    assert len(batches) < 3000  # batched
    assert touched == []
    assert w.controller.session.training.updates == 3000
    assert shown[-1].session.network is w.controller.session.network
    streamed = [c for c in shown[:-1] if c.session.training.updates == 0]  # the weights as they trained
    assert len(streamed) >= 1, "the views were not shown the weights during the run"
    assert len(documents) <= 2  # the docks and the title refill when the run ends, not at 5 Hz


def test_reinitialising_forgets_the_training_of_the_old_weights(main_window):
    w = main_window
    w.trainer.train(TrainingSettings(lr=0.05, epochs=3))
    assert w.controller.session.training.updates == 3
    w.controller.reinitialise()
    s = w.controller.session
    assert not s.training.trained and s.training.settings.epochs == 3  # the settings stay


def test_another_session_cannot_replace_one_being_trained(main_window):
    from rnnviz.session.defaults import default_session

    w = main_window
    w.trainer.step()  # paused after one update: the run is live
    errors = []
    w.controller.sig_error.connect(errors.append)
    assert not w.set_session(default_session())
    assert "Stop training first" in errors[-1]
    w.trainer.stop()
    assert w.controller.session.training.updates == 1
    assert w.set_session(default_session())


def test_closing_the_window_ends_a_live_run_and_keeps_what_it_trained(qtbot, session):
    from rnnviz.gui.main_window import MainWindow

    w = MainWindow(session, threading="sync")
    qtbot.addWidget(w)
    w.controller.threading = "async"
    w.show()
    assert w.trainer.train(TrainingSettings(lr=0.05, epochs=1_000_000))  # never ends by itself
    job = w.trainer.job
    w.close()  # at once: no waiting loop (a busy event loop starved pytest-qt's timers in full runs)
    assert w.trainer.state == "idle" and not w.controller.jobs.busy("train")
    assert w.controller.session.training.updates == job.updates  # what it trained is the work


def test_save_during_a_run_saves_what_it_trained_and_training_goes_on_exactly(main_window, tmp_path):
    from rnnviz.gui.files import FileActions
    from rnnviz.session import load_session

    w = main_window
    fa = FileActions(w, w.controller, settings=None, state_dir=tmp_path / "state", recovery=False)
    fa.choose_save_path = lambda suggested: str(tmp_path / "run.rnnviz")
    fa.ask_unsaved = lambda name: "discard"  # the window closes at the end of the test
    w.trainer.train(TrainingSettings(lr=0.05, epochs=10), updates=4)  # live (paused) after 4 updates
    assert fa.save()
    assert w.trainer.state == "idle"
    saved = load_session(tmp_path / "run.rnnviz")
    assert saved.training.updates == 4
    w.trainer.train(TrainingSettings(lr=0.05, epochs=6))  # the rest of the 10 epochs
    whole = engine_run(_untrained(w), TrainingSettings(lr=0.05, epochs=10), 10)
    np.testing.assert_array_equal(w.controller.session.training.history.loss, [p.loss for p in whole])


def test_the_window_trains_in_a_child_process_with_step_pause_resume_and_stop(qtbot, session):
    """Threaded work (the window) trains in a child process; every command holds, and the
    result is the engine's, bit for bit."""
    from rnnviz.gui.main_window import MainWindow
    from rnnviz.session.training_process import TrainingProcess

    w = MainWindow(session, threading="sync")
    qtbot.addWidget(w)
    w.controller.threading = "async"
    t = w.trainer
    before = w.controller.session
    settings = TrainingSettings(lr=0.05, epochs=1_000_000)
    assert t.train(settings, updates=2)  # Step, Step
    assert isinstance(t.job, TrainingProcess)
    qtbot.waitUntil(lambda: t.state == "paused" and not w.controller.busy, timeout=30_000)
    assert w.controller.session.training.updates == 2
    assert t.train()  # Train on from the pause
    qtbot.waitUntil(lambda: t.job.updates >= 30, timeout=30_000)
    t.pause()
    qtbot.waitUntil(lambda: t.state == "paused" and not w.controller.busy, timeout=30_000)
    paused = w.controller.session.training.updates
    assert paused >= 30 and w.controller.trace.network is w.controller.session.network
    t.resume()
    qtbot.waitUntil(lambda: t.state == "running" and t.job.updates > paused + 10, timeout=30_000)
    t.stop()
    qtbot.waitUntil(lambda: t.state == "idle" and not w.controller.busy, timeout=30_000)
    s = w.controller.session
    n = s.training.updates
    assert n > paused + 10
    job = TrainingJob(before, settings)  # the same updates, here
    steps = job.steps()
    for _ in range(n):
        next(steps)
    here = job.result()
    np.testing.assert_array_equal(s.training.history.loss, here.training.history.loss)
    for key, value in here.network.state_dict().items():
        np.testing.assert_array_equal(s.network.param(key), value)


def test_no_commits_are_computed_while_only_the_training_tab_shows(qtbot, session):
    """With the Training tab in front no view shows the weights as they train: the worker
    computes no 5 Hz commits (it did, for nobody); the run's end is committed as ever."""
    from rnnviz.gui.main_window import MainWindow

    w = MainWindow(session, threading="sync")
    qtbot.addWidget(w)
    w.controller.threading = "async"
    w.show_view("training")
    assert not w.trainer.commits_wanted
    shown = []
    w.controller.sig_computed.connect(shown.append)
    assert w.trainer.train(TrainingSettings(lr=0.05, epochs=3000))
    qtbot.waitUntil(lambda: w.trainer.state == "idle" and not w.controller.busy, timeout=60_000)
    assert w.controller.session.training.updates == 3000
    assert [c for c in shown if c.session.training.updates == 0] == []  # nothing streamed
    assert shown[-1].session.network is w.controller.session.network
    w.show_view("diagrams")
    assert w.trainer.commits_wanted
