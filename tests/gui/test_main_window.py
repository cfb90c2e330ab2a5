"""The main window opens with seed 003's example and real numbers; --export-png works."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from PySide6 import QtCore, QtGui

from rnnviz.session.defaults import SEED003_VOCAB


def test_opens_with_the_default_example(main_window):
    w = main_window
    s = w.controller.session
    assert s.sequence.vocabulary == SEED003_VOCAB
    assert s.network.mode == "rnn_tanh" and s.network.hidden_size == 3
    assert "I love deep learning" in w.windowTitle()
    h1 = w.controller.trace.hidden(0, 0)[0]
    np.testing.assert_allclose(h1, [0.2913, 0.5370, -0.1974], atol=5e-5)
    assert w.playback.length == 4 and w.playback.step == 1
    assert w.timeline.step_label.text() == "t = 1 / 4  (input: I)"
    # the weight editor shows the lecture's W_h in its first cell
    model = w.weights_dock.models["weight_ih_l0"]
    assert model.data(model.index(0, 0)) == "0.2000"
    assert w.weights_dock.titles["weight_ih_l0"].text() == "W_hx — weight_ih_l0 (3×5)"
    # the loss exists: softmax head → cross-entropy per step
    assert w.controller.loss is not None and w.controller.loss.per_step.shape == (4,)


def test_views_follow_the_clock(main_window, probe_view):
    w = main_window
    seen = probe_view.seen
    w.add_central_view(probe_view, "Probe")
    w.central_tabs.setCurrentWidget(probe_view)
    assert ("trace", 4) in seen
    w.playback.set_step(3)
    assert seen[-1] == ("step", 3)
    assert w.controller.cursor.step == 3 and w.playback.step == 3
    assert w.controller.session.view.step == 3  # the document saved holds the cursor
    assert w.central_tabs.count() == 7  # diagrams, step math, plots, training, generate, state space, probe


def test_a_view_behind_a_tab_catches_up_when_shown(main_window, probe_view):
    """Hidden tabs cost nothing per step; shown again, they get the trace, selection and step."""
    w = main_window
    seen = probe_view.seen
    w.add_central_view(probe_view, "Probe")
    w.show_view("diagrams")
    seen.clear()
    for t in (0, 1, 2, 3):
        w.playback.set_step(t)
    w.diagrams_view.sig_unit_selected.emit(2)  # a click on unit 2 in another view
    assert seen == []  # nothing while hidden
    w.central_tabs.setCurrentWidget(probe_view)
    assert seen == [("trace", 4), ("selection", (0, 0, 2, "")), ("step", 3)]
    assert w.diagrams_view.step == 3  # and the diagrams, behind a tab now, had kept up


def test_a_view_request_moves_the_one_cursor_and_every_view_follows(main_window, probe_view):
    """A view asks; the workspace clamps and owns the cursor; every view (the asker too) is told."""
    w = main_window
    w.add_central_view(probe_view, "Probe")
    w.central_tabs.setCurrentWidget(probe_view)
    probe_view.sig_cursor_requested.emit({"step": 99, "unit": 1})
    assert w.controller.cursor.step == 4 and w.controller.cursor.unit == 1  # clamped to T = 4
    assert probe_view.seen[-2:] == [("selection", (0, 0, 1, "")), ("step", 4)]
    assert w.playback.step == 4 and w.timeline.slider.value() == 4
    w.show_view("plots")
    assert w.plots_view._unit == 1 and w.plots_view._step == 4


def test_engine_error_keeps_the_previous_session(main_window, qtbot):
    w = main_window
    before = w.controller.session
    with qtbot.waitSignal(w.controller.sig_error) as blocker:
        w.controller.set_structure("lstm", 0, 1, False, 5, "softmax")  # hidden size 0
    assert "hidden_size" in blocker.args[0]
    assert w.controller.session is before
    assert "hidden_size" in w.statusBar().currentMessage()


def test_export_png_subprocess(tmp_path):
    out = tmp_path / "window.png"
    proc = subprocess.run(
        [sys.executable, "-m", "rnnviz", "--export-png", str(out), "--step", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    image = QtGui.QImage(str(out))
    assert (image.width(), image.height()) == (1400, 900)


def test_export_png_of_an_example_file_with_each_view(tmp_path):
    from rnnviz._resources import resource_path

    example = resource_path("examples", "04_lstm_remembers_impulse.rnnviz")
    sizes = {}
    for view in ("diagrams", "math", "plots"):
        out = tmp_path / f"{view}.png"
        args = [sys.executable, "-m", "rnnviz", "--export-png", str(out), str(example), "--view", view]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        image = QtGui.QImage(str(out))
        sizes[view] = (image.width(), image.height())
        assert out.read_bytes() not in {(tmp_path / f"{v}.png").read_bytes() for v in sizes if v != view}
    assert set(sizes.values()) == {(1400, 900)}


def test_show_view_brings_each_central_view_forward(main_window):
    for name, widget in (("math", main_window.math_panel), ("plots", main_window.plots_view)):
        main_window.show_view(name)
        assert main_window.central_tabs.currentWidget() is widget


def test_export_png_bad_file_argument_fails_cleanly(tmp_path):
    bad = tmp_path / "broken.rnnviz"
    bad.write_bytes(b"not a zip")
    proc = subprocess.run(
        [sys.executable, "-m", "rnnviz", str(bad), "--export-png", str(tmp_path / "x.png")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "broken.rnnviz" in proc.stderr


def test_opening_a_session_restores_its_step_also_from_the_worker(main_window, qtbot):
    from rnnviz.session.defaults import default_session

    w = main_window
    w.set_session(default_session().with_view(step=3))
    assert w.playback.step == 3
    w.controller.threading = "async"
    with qtbot.waitSignal(w.controller.sig_trace_changed, timeout=60_000):
        w.set_session(default_session().with_view(step=2, speed=7.5))
    assert w.playback.step == 2 and w.playback.speed == 7.5
    w.controller.wait()


def test_view_menu_toggles_docks_and_resets_the_layout(main_window):
    w = main_window
    toggles = {a.text(): a for a in w.view_menu.actions()}
    assert {"Network", "Weights", "Sequence", "&Reset layout"} <= set(toggles)
    toggles["Network"].trigger()
    assert not w.network_dock.isVisible()
    w.sequence_dock.setFloating(True)
    w.action_reset_layout.trigger()
    assert w.network_dock.isVisible() and not w.sequence_dock.isFloating()


def test_dock_layout_travels_with_the_session(main_window, qtbot):
    from rnnviz.session.defaults import default_session

    w = main_window
    w.weights_dock.raise_()
    w.removeDockWidget(w.sequence_dock)
    w.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, w.sequence_dock)
    w.sequence_dock.show()
    w.store_layout()
    state = w.controller.session.view.dock_state
    assert state
    w.reset_layout()
    assert w.dockWidgetArea(w.sequence_dock) == QtCore.Qt.DockWidgetArea.LeftDockWidgetArea
    w.set_session(default_session().with_view(dock_state=state))
    assert w.dockWidgetArea(w.sequence_dock) == QtCore.Qt.DockWidgetArea.RightDockWidgetArea


def test_an_error_in_the_status_bar_ends_with_the_next_edit(main_window):
    w = main_window
    model = w.sequence_dock.model
    assert not model.setData(model.index(0, 0), "x")  # refused: said in red
    assert "'x' is not a number" in w.statusBar().currentMessage()
    assert model.setData(model.index(0, 0), "0.5")  # an edit that went through
    assert w.statusBar().currentMessage() == ""


def test_an_overflow_is_said_in_the_status_bar(main_window):
    from dataclasses import replace

    from rnnviz.engine import Network

    w = main_window
    spec = replace(w.controller.session.network.spec, mode="rnn_relu")
    huge = Network.from_spec(spec).with_params({"weight_hh_l0": np.full((3, 3), 1e308)})
    assert w.controller.set_network(huge)
    assert "overflowed: h at step t = 2" in w.statusBar().currentMessage()
    assert w.controller.session.network is huge  # shown, not refused
    w.playback.last()  # the views leave what is not finite blank


def test_the_two_animation_switches_are_one(main_window):
    """View > Animate steps and the diagrams' "Animate the flow" box always agree."""
    w = main_window
    pulses = w.diagrams_view.pulses.values()
    w.diagrams_view.animate_box.setChecked(False)
    assert not w.action_animate.isChecked()
    assert not any(p.enabled for p in pulses)
    w.action_animate.setChecked(True)
    assert w.diagrams_view.animate_box.isChecked()
    assert all(p.enabled for p in pulses)


def test_the_session_note_is_shown_whatever_the_step_and_view(main_window, qtbot):
    """An example's note says what to look at: it is on screen as the session opens
    (collapsed to its first paragraph), unfolds, hides, and comes back with a new note."""
    from rnnviz.session import load_session
    from rnnviz.session.examples import list_examples

    w, bar = main_window, main_window.note_bar
    first = w.controller.session.note.splitlines()[0]
    assert bar.isVisible() and w.action_note.isChecked()
    assert bar.shown_paragraphs() == [first] and "0.0583" not in first
    assert "predict the next word" in bar.label.text()
    bar.more_button.click()
    assert any("0.0583" in p for p in bar.shown_paragraphs())  # the whole note: the slip in y_1
    bar.close_button.click()
    assert not bar.isVisible() and not w.action_note.isChecked()
    w.action_note.setChecked(True)
    assert bar.isVisible()
    bar.close_button.click()
    lstm = next(p for _, p in list_examples() if "lstm_remembers" in p.name)
    s = load_session(lstm)
    assert s.view.step > 1  # opens mid-sequence, with the diagrams in front
    w.set_session(s)
    assert bar.isVisible() and bar.shown_paragraphs() == [s.note.splitlines()[0]]
    bar.close_button.click()
    w.set_session(s.with_view(step=2))  # the same note again: the user's choice (hidden) stands
    assert not bar.isVisible()
    w.action_note.setChecked(True)
    w.controller.set_text(note="")
    assert not bar.isVisible() and not w.action_note.isEnabled()


def test_a_hard_wrapped_note_reads_as_whole_sentences(qtbot):
    from rnnviz.gui.note_bar import NoteBar

    bar = NoteBar()
    qtbot.addWidget(bar)
    bar.set_note("An RNN: s_t = tanh(W·x + b),\nwith W = [0.7 0.3].\nStep 1 gives 0.5299.\n\nLook.")
    assert bar.paragraphs() == [
        "An RNN: s_t = tanh(W·x + b), with W = [0.7 0.3].",
        "Step 1 gives 0.5299.",
        "Look.",
    ]
    assert bar.shown_paragraphs() == ["An RNN: s_t = tanh(W·x + b), with W = [0.7 0.3]."]
