"""File handling in the window: title and unsaved mark, bad files, asking before
losing work, save / save as / revert / recent, drag and drop, weights in and out,
autosave and recovery after a crash, and a second running copy."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from rnnviz.session import load_session, save_session
from rnnviz.session.defaults import default_session
from rnnviz.session.examples import list_examples


def _never(*args):
    raise AssertionError(f"unexpected dialog {args}")


def _make_files(window, tmp_path, state="state", **kw):
    from rnnviz.gui.files import FileActions

    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    files = FileActions(window, window.controller, settings=settings, state_dir=tmp_path / state, **kw)
    files.ask_unsaved = lambda name: "discard"  # the fixture closes the window at the end
    files.ask_recover = lambda info: False
    for name in ("ask_revert", "choose_open_path", "choose_save_path", "show_error_dialog"):
        setattr(files, name, _never)
    files.transfer.choose_path = _never
    return files


@pytest.fixture
def files(main_window, tmp_path):
    return _make_files(main_window, tmp_path)


@pytest.fixture
def saved(tmp_path) -> Path:
    path = tmp_path / "work.rnnviz"
    save_session(default_session(), path)
    return path


def _edit(window) -> None:
    w = window.controller.session.network.param("bias_ih_l0").copy()
    w[0] += 0.5
    assert window.controller.set_param("bias_ih_l0", w)


def test_title_shows_file_name_and_unsaved_mark(main_window, files, saved):
    assert files.open_path(saved)
    assert main_window.windowTitle() == "work.rnnviz[*] — rnnviz"
    assert not main_window.isWindowModified() and not files.dirty
    _edit(main_window)
    assert main_window.isWindowModified() and files.dirty
    main_window.controller.set_view(step=3)  # scrubbing is not an edit of the work
    assert files.save()
    assert not main_window.isWindowModified()
    reloaded = load_session(saved)
    assert reloaded.network.param("bias_ih_l0")[0] == pytest.approx(0.6)


def test_a_bad_file_shows_the_error_and_changes_nothing(main_window, files, saved, tmp_path):
    files.open_path(saved)
    _edit(main_window)
    before = main_window.controller.session
    bad = tmp_path / "bad.rnnviz"
    bad.write_bytes(b"PK\x03\x04 definitely not a session")
    shown = []
    files.show_error_dialog = lambda title, message: shown.append(message)
    files.ask_unsaved = lambda name: "discard"
    assert not files.open_path(bad)
    assert len(shown) == 1 and "bad.rnnviz" in shown[0]
    assert main_window.controller.session is before
    assert files.path == str(saved) and files.dirty


def test_an_unexpected_loader_error_is_shown_and_the_session_kept(
    qtbot, main_window, files, tmp_path, monkeypatch
):
    """Even a loader bug (not a SessionFileError) becomes a dialog, never a lost session."""
    before = main_window.controller.session

    def broken(path):
        raise OverflowError("int too large to convert to float")

    monkeypatch.setattr("rnnviz.gui.files.opensave.load_session", broken)
    shown = []
    files.show_error_dialog = lambda title, message: shown.append(message)
    assert not files.open_path(tmp_path / "odd.rnnviz", ask=False)
    assert len(shown) == 1 and "odd.rnnviz" in shown[0] and "OverflowError" in shown[0]
    assert main_window.controller.session is before


def test_a_bad_file_on_the_command_line_is_shown_over_the_default_session(qtbot, main_window, tmp_path):
    files = _make_files(main_window, tmp_path, startup_error="broken.rnnviz: not a zip archive")
    shown = []
    files.show_error_dialog = lambda title, message: shown.append(message)
    qtbot.waitUntil(lambda: shown == ["broken.rnnviz: not a zip archive"], timeout=2000)
    assert files.path is None and not files.dirty


@pytest.mark.parametrize("how", ["refused", "cancelled"])
def test_a_session_refused_in_the_worker_leaves_file_and_title_as_they_were(
    qtbot, main_window, files, saved, tmp_path, monkeypatch, how
):
    c = main_window.controller
    assert files.open_path(saved)
    c.threading = "async"  # as a long session is computed in the app
    other = tmp_path / "other.rnnviz"
    save_session(default_session().with_view(step=3), other)
    if how == "refused":
        monkeypatch.setattr("rnnviz.session.compute.MAX_TRACE_BYTES", 1)  # "too big for memory"
    shown = []
    files.show_error_dialog = lambda title, message: shown.append(message)
    before = c.session
    with qtbot.waitSignal(c.sig_busy_changed, check_params_cb=lambda busy: not busy, timeout=30_000):
        assert files.open_path(other)
        if how == "cancelled":
            c.cancel()
    assert c.session is before
    assert files.path == str(saved) and not files.dirty  # Save would not write the old work over it
    assert main_window.windowTitle().startswith("work.rnnviz")
    assert main_window.playback.step == before.view.step
    if how == "refused":
        assert len(shown) == 1 and shown[0].startswith("other.rnnviz: ") and "GB" in shown[0]
    else:
        assert shown == []


def test_closing_with_unsaved_work_asks(main_window, files, saved):
    files.open_path(saved)
    _edit(main_window)
    asked = []
    files.ask_unsaved = lambda name: asked.append(name) or "cancel"
    assert not main_window.close()
    assert main_window.isVisible() and asked == ["work.rnnviz"]
    files.ask_unsaved = lambda name: "save"
    assert main_window.close()
    assert load_session(saved).network.param("bias_ih_l0")[0] == pytest.approx(0.6)


def test_opening_another_file_with_unsaved_work_asks(main_window, files, saved):
    _edit(main_window)
    files.ask_unsaved = lambda name: "cancel"
    edited = main_window.controller.session
    assert not files.open_path(saved)
    assert main_window.controller.session is edited
    files.ask_unsaved = lambda name: "discard"
    assert files.open_path(saved) and not files.dirty


def test_save_as_adds_the_suffix_and_remembers_recent_files(main_window, files, tmp_path):
    files.choose_save_path = lambda suggested: str(tmp_path / "mine")
    assert files.save_as()
    assert files.path == str(tmp_path / "mine.rnnviz") and (tmp_path / "mine.rnnviz").exists()
    assert files.recent_files()[0] == str((tmp_path / "mine.rnnviz").resolve())
    files._rebuild_recent_menu()
    assert files.recent_menu.actions()[0].text() == "&1 mine.rnnviz"


def test_revert_reloads_the_saved_file(main_window, files, saved):
    assert not files.action_revert.isEnabled()  # nothing on disk to revert to
    files.open_path(saved)
    assert files.action_revert.isEnabled()
    _edit(main_window)
    files.ask_revert = lambda name: True
    assert files.revert()
    assert main_window.controller.session.network.param("bias_ih_l0")[0] == pytest.approx(0.1)
    assert not files.dirty


def test_title_and_note_are_edited_saved_and_mark_the_work_unsaved(main_window, files, saved):
    files.open_path(saved)
    files.ask_title_note = lambda title, note: ("My lesson", note + "\nLook at step 2.")
    assert files.edit_title_note()
    assert files.dirty and main_window.controller.session.title == "My lesson"
    assert files.save()
    assert load_session(saved).note.endswith("Look at step 2.")
    files.ask_title_note = lambda title, note: None
    assert not files.edit_title_note() and not files.dirty


def test_new_and_examples(main_window, files):
    path = list_examples()[3][1]  # the LSTM
    assert files.open_example(path)
    assert main_window.controller.session.network.mode == "lstm"
    assert files.path is None and main_window.windowTitle().startswith("LSTM remembers")
    assert files.new_session() and main_window.controller.session.network.mode == "rnn_tanh"


def test_a_dropped_session_file_opens(qtbot, main_window, files, saved):
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(saved))])
    pos = QtCore.QPointF(100, 100)
    buttons, mods = QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier
    enter = QtGui.QDragEnterEvent(pos.toPoint(), QtCore.Qt.DropAction.CopyAction, mime, buttons, mods)
    QtWidgets.QApplication.sendEvent(main_window, enter)
    assert enter.isAccepted()
    drop = QtGui.QDropEvent(pos, QtCore.Qt.DropAction.CopyAction, mime, buttons, mods)
    QtWidgets.QApplication.sendEvent(main_window, drop)
    qtbot.waitUntil(lambda: files.path == str(saved), timeout=2000)


def _drop(window, path) -> bool:
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
    pos = QtCore.QPointF(100, 100)
    buttons, mods = QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier
    enter = QtGui.QDragEnterEvent(pos.toPoint(), QtCore.Qt.DropAction.CopyAction, mime, buttons, mods)
    QtWidgets.QApplication.sendEvent(window, enter)
    drop = QtGui.QDropEvent(pos, QtCore.Qt.DropAction.CopyAction, mime, buttons, mods)
    QtWidgets.QApplication.sendEvent(window, drop)
    return enter.isAccepted()


def test_a_dropped_table_loads_as_the_sequence_and_other_files_are_named(qtbot, main_window, files, tmp_path):
    table = tmp_path / "wave.csv"
    table.write_text("x,y\n0.1,0.2\n0.3,0.4\n0.5,0.6\n")
    main_window.sequence_dock.file_widget.choose_roles = lambda t: ([0], [1])
    assert _drop(main_window, table)
    qtbot.waitUntil(lambda: main_window.controller.session.sequence.steps == 3, timeout=2000)
    assert main_window.controller.session.sequence.input_names == ("x",)
    before = main_window.controller.session
    picture = tmp_path / "slide.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n")
    with qtbot.waitSignal(main_window.controller.sig_error) as blocker:
        assert _drop(main_window, picture)
    assert blocker.args[0].startswith("slide.png is neither an rnnviz session (.rnnviz) nor a table")
    assert main_window.controller.session is before


def test_weights_in_and_out(main_window, files, tmp_path):
    t = files.transfer
    assert t.export_weights(str(tmp_path / "w.npz"))
    with np.load(tmp_path / "w.npz", allow_pickle=False) as f:
        assert "rnn.weight_ih_l0" in f.files
    before = main_window.controller.session
    np.savez(tmp_path / "bad.npz", **{"rnn.weight_ih_l0": np.zeros((4, 4))})
    shown = []
    files.show_error_dialog = lambda title, message: shown.append(message)
    assert not t.import_weights(str(tmp_path / "bad.npz"))
    assert "weight_ih_l0" in shown[0] and "(4, 4)" in shown[0] and "(3, 5)" in shown[0]
    assert main_window.controller.session is before
    state = {k: v + 1.0 for k, v in before.network.state_dict().items()}
    np.savez(tmp_path / "good.npz", **state)
    assert t.import_weights(str(tmp_path / "good.npz"))
    np.testing.assert_array_equal(
        main_window.controller.session.network.param("head.bias"), state["head.bias"]
    )
    bare = {"rnn." + k: v for k, v in state.items() if not k.startswith("head.")}
    np.savez(tmp_path / "bare.npz", **bare)
    messages = []
    main_window.controller.sig_message.connect(messages.append)
    assert t.import_weights(str(tmp_path / "bare.npz"))
    assert "current head is kept" in messages[-1]
    t.ask = lambda kind, text: False  # load weights.npz rather than embed them
    assert "nn.RNN(" in t.copy_pytorch_code()
    assert "nn.RNN(" in QtGui.QGuiApplication.clipboard().text()
    assert t.export_csv(str(tmp_path / "trace.csv"))
    assert (tmp_path / "trace.csv").read_text().startswith("t,x_I,")


def test_a_long_trace_is_exported_in_a_worker(qtbot, main_window, files, tmp_path, monkeypatch):
    from rnnviz.session import Sequence

    monkeypatch.setattr("rnnviz.gui.transfer_actions.BACKGROUND_EXPORT_STEPS", 10)  # 30 steps is long
    c = main_window.controller
    assert c.set_sequence(Sequence(inputs=np.zeros((30, 5))))
    t = files.transfer
    with qtbot.waitSignal(t.sig_export_finished, timeout=30_000) as blocker:
        assert t.export_csv(str(tmp_path / "long.csv"))
        assert not t.action_export_csv.isEnabled()  # one export at a time
    assert blocker.args == [True] and t.action_export_csv.isEnabled()
    assert len((tmp_path / "long.csv").read_text().splitlines()) == 31
    shown = []
    files.show_error_dialog = lambda title, message: shown.append(message)
    with qtbot.waitSignal(t.sig_export_finished, timeout=30_000) as blocker:
        t.export_csv(str(tmp_path / "gone" / "x.csv"), background=True)
    assert blocker.args == [False] and shown[0].startswith("Cannot save x.csv: the folder")
    assert not t.export_weights(str(tmp_path / "gone" / "w.npz"))
    assert shown[1].startswith("Cannot save w.npz: the folder") and ".tmp" not in shown[1]


def test_a_failed_save_says_where_and_why_and_keeps_the_work(
    main_window, files, saved, tmp_path, monkeypatch
):
    files.open_path(saved)
    _edit(main_window)
    shown = []
    files.show_error_dialog = lambda title, message: shown.append(message)
    folder = tmp_path / "a folder.rnnviz"
    folder.mkdir()
    for chosen in (tmp_path / "gone" / "x.rnnviz", folder):
        files.choose_save_path = lambda suggested, chosen=chosen: str(chosen)
        assert not files.save_as()
    assert "the folder" in shown[0] and "does not exist" in shown[0] and ".tmp" not in shown[0]
    assert shown[1].endswith("a folder.rnnviz is a folder; choose a file name inside it")

    def read_only(session, path):  # as a read-only folder answers (the tests may run as root)
        raise PermissionError(13, "Permission denied", str(Path(path).parent / ".x.rnnviz.abc.tmp"))

    monkeypatch.setattr("rnnviz.gui.files.opensave.save_session", read_only)
    files.choose_save_path = lambda suggested: str(tmp_path / "x.rnnviz")
    assert not files.save_as()
    assert (
        shown[2]
        == f"Cannot save x.rnnviz in {tmp_path}: Permission denied. Your work is still open; save it elsewhere."
    )
    assert files.dirty and files.path == str(saved)  # nothing lost, nothing renamed


def test_a_state_folder_that_cannot_be_made_turns_autosave_off(qtbot, main_window, tmp_path):
    (tmp_path / "state").write_text("a file where the folder should be")
    messages = []
    main_window.controller.sig_error.connect(messages.append)
    files = _make_files(main_window, tmp_path)  # no crash at start
    assert not files.recovery.primary and not files.autosave_timer.isActive()
    qtbot.waitUntil(lambda: bool(messages), timeout=2000)
    assert messages[0].startswith("Autosave is off: cannot create") and "state" in messages[0]
    _edit(main_window)
    assert not files.autosave_now()


def test_an_edit_still_being_built_is_unsaved_work_and_is_saved(qtbot, main_window, files, saved):
    files.open_path(saved)
    c = main_window.controller
    c.threading = "async"  # a big network is built in the worker, as in the app
    assert c.set_structure("lstm", 512, 2, False, 5, "softmax")
    assert c.building and files.dirty and main_window.isWindowModified()
    asked = []
    files.ask_unsaved = lambda name: asked.append(name) or "cancel"
    assert not main_window.close() and asked  # closing now would lose it: asked first
    assert files.save()  # waits for the edit, then writes it (a big one: in the worker)
    assert not c.busy
    qtbot.waitUntil(lambda: not files.jobs.busy("file"), timeout=30_000)
    assert not files.dirty
    assert load_session(saved).network.hidden_size == 512


# -- autosave and recovery -------------------------------------------------------------


def test_autosave_only_writes_unsaved_work(main_window, files):
    assert files.recovery.primary
    assert not files.autosave_now() and not files.recovery.recovery_path.exists()
    _edit(main_window)
    assert files.autosave_now() and files.recovery.recovery_path.exists()
    assert not files.autosave_now()  # nothing new since
    files.choose_save_path = lambda suggested: suggested.replace(
        str(Path.home()), str(files.recovery.state_dir)
    )
    assert files.save()
    assert not files.recovery.recovery_path.exists()  # saved: nothing to recover


def test_recovery_after_a_crash(qtbot, main_window, files, saved, tmp_path):
    from rnnviz.gui.main_window import MainWindow

    files.open_path(saved)
    _edit(main_window)
    edited = main_window.controller.session
    assert files.autosave_now()
    files.recovery._lock.unlock()  # the process "dies": its lock goes stale, the files stay
    files.recovery.primary = False

    second = MainWindow(default_session(), threading="sync")
    qtbot.addWidget(second)
    again = _make_files(second, tmp_path)
    assert again.recovery.primary
    offered = []
    again.ask_recover = lambda info: offered.append(info) or True
    assert again.offer_recovery()
    assert offered[0]["path"] == str(saved)
    recovered = second.controller.session
    assert recovered.network.param("bias_ih_l0").tobytes() == edited.network.param("bias_ih_l0").tobytes()
    assert again.dirty and again.path == str(saved)
    again.shutdown()
    assert not again.recovery.recovery_path.exists()
    second.close()


def test_a_crash_while_autosaving_never_leaves_work_without_its_path(
    qtbot, main_window, files, saved, monkeypatch
):
    files.open_path(saved)
    _edit(main_window)

    def crash(session, path):  # the process dies while the session is being written
        raise KeyboardInterrupt

    monkeypatch.setattr("rnnviz.gui.recovery.save_session", crash)
    with pytest.raises(KeyboardInterrupt):
        files.autosave_now()
    # no recovery session yet, but the path it belongs to is already written down
    assert not files.recovery.recovery_path.exists()
    monkeypatch.undo()
    save_session(main_window.controller.latest, files.recovery.recovery_path)  # an earlier autosave
    assert files.recovery.crashed_work()["path"] == str(saved)


def test_an_unreadable_recovery_file_is_set_aside_not_deleted(qtbot, main_window, tmp_path):
    from rnnviz.gui.recovery import RECOVERY_NAME

    state = tmp_path / "state"
    state.mkdir()
    (state / RECOVERY_NAME).write_bytes(b"PK\x03\x04 written by a newer rnnviz, or damaged")
    files = _make_files(main_window, tmp_path)
    files.ask_recover = lambda info: True
    shown = []
    files.show_error_dialog = lambda title, message: shown.append(message)
    before = main_window.controller.session
    assert not files.offer_recovery()
    kept = list(state.glob("recovery-kept-*.rnnviz"))
    assert len(kept) == 1 and kept[0].read_bytes().endswith(b"or damaged")
    assert str(kept[0]) in shown[0]
    assert files.recovery.crashed_work() is None  # not offered again
    assert main_window.controller.session is before
    files.recovery.recovery_path.write_bytes(b"another")  # a second one, the same second
    second = files.recovery.set_aside()
    assert second != kept[0] and kept[0].read_bytes().endswith(b"or damaged")


@pytest.mark.parametrize("threading", ["sync", "async"])
def test_recovered_work_too_big_to_show_is_kept(qtbot, main_window, tmp_path, monkeypatch, threading):
    from rnnviz.gui.recovery import RECOVERY_NAME

    state = tmp_path / "state"
    state.mkdir()
    save_session(default_session(), state / RECOVERY_NAME)
    files = _make_files(main_window, tmp_path)
    files.ask_recover = lambda info: True
    shown = []
    files.show_error_dialog = lambda title, message: shown.append(message)
    monkeypatch.setattr("rnnviz.session.compute.MAX_TRACE_BYTES", 1)  # "too big for memory"
    c = main_window.controller
    c.threading = threading
    before = c.session
    if threading == "sync":
        assert not files.offer_recovery()
    else:
        with qtbot.waitSignal(c.sig_busy_changed, check_params_cb=lambda busy: not busy, timeout=30_000):
            assert files.offer_recovery()
    # the recovered work was not committed (the window may have stored its dock layout meanwhile)
    assert c.session.network is before.network and c.session.sequence is before.sequence
    assert not files.dirty
    kept = list(state.glob("recovery-kept-*.rnnviz"))
    assert len(kept) == 1 and str(kept[0]) in shown[0] and "GB" in shown[0]
    assert load_session(kept[0]).sequence.steps == 4  # the work is all there
    assert not files.autosave_now() and kept[0].exists()


LOCK_HOLDER = textwrap.dedent(
    """
    import sys, time
    from PySide6 import QtCore
    app = QtCore.QCoreApplication([])
    lock = QtCore.QLockFile(sys.argv[1]); lock.setStaleLockTime(0)
    print(lock.tryLock(0), flush=True)
    time.sleep(60)
    """
)


@pytest.mark.parametrize("crash", [True, False], ids=["crashed-copy", "second-running-copy"])
def test_lock_tells_a_crash_from_a_second_copy(qtbot, tmp_path, crash):
    from rnnviz.gui.main_window import MainWindow
    from rnnviz.gui.recovery import LOCK_NAME, RECOVERY_NAME

    state = tmp_path / "state"
    state.mkdir()
    save_session(default_session(), state / RECOVERY_NAME)
    child = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(state / LOCK_NAME)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "True"
        if crash:
            child.kill()
            child.wait(timeout=30)
        window = MainWindow(default_session(), threading="sync")
        qtbot.addWidget(window)
        files = _make_files(window, tmp_path)
        assert files.recovery.primary is crash
        assert (files.recovery.crashed_work() is not None) is crash
        if not crash:
            _edit(window)
            assert not files.autosave_now()  # never overwrites the running copy's autosave
        window.close()
    finally:
        child.kill()
        child.wait(timeout=30)
        child.stdout.close()


# -- the real dialogs, answered by a timer --------------------------------------------


def _answer_later(action) -> None:
    def run():
        dialog = QtWidgets.QApplication.activeModalWidget()
        if dialog is None:
            QtCore.QTimer.singleShot(20, run)
            return
        action(dialog)

    QtCore.QTimer.singleShot(20, run)


def _press(button):
    return lambda box: box.button(button).click()


def test_the_dialogs_return_what_was_chosen(qtbot):
    from rnnviz.gui import file_dialogs as d

    parent = QtWidgets.QWidget()
    qtbot.addWidget(parent)
    B = QtWidgets.QMessageBox.StandardButton
    for button, answer in ((B.Save, "save"), (B.Discard, "discard"), (B.Cancel, "cancel")):
        _answer_later(_press(button))
        assert d.ask_unsaved(parent, "x.rnnviz") == answer
    _answer_later(_press(B.Discard))
    assert d.ask_revert(parent, "x.rnnviz") is True
    _answer_later(_press(B.Yes))
    assert d.ask_recover(parent, {"path": "/a/x.rnnviz", "saved": "2026-01-01T00:00:00+00:00"}) is True
    _answer_later(_press(B.Ok))
    d.show_error(parent, "Cannot open", "x.rnnviz: not a zip archive")

    def edit(dialog):
        dialog.findChild(QtWidgets.QLineEdit).setText("New title")
        dialog.accept()

    _answer_later(edit)
    assert d.edit_note(parent, "Old", "note") == ("New title", "note")
    _answer_later(lambda dialog: dialog.reject())
    assert d.edit_note(parent, "Old", "note") is None


def test_a_second_running_copy_says_it_does_not_autosave(qtbot, main_window, tmp_path):
    from rnnviz.gui.main_window import MainWindow

    first = _make_files(main_window, tmp_path)
    assert first.recovery.primary
    other = MainWindow(default_session(), threading="sync")
    qtbot.addWidget(other)
    said = []
    other.controller.sig_message.connect(said.append)
    second = _make_files(other, tmp_path)  # the same state folder: the lock is taken
    assert not second.recovery.primary and not second.autosave_timer.isActive()
    qtbot.waitUntil(lambda: bool(said), timeout=2000)
    assert "Another rnnviz is running" in said[0] and "does not autosave" in said[0]
    other.close()


def test_a_session_computed_in_the_worker_at_start_is_not_unsaved_work(qtbot, tmp_path, saved):
    """rnnviz BIG.rnnviz: the window is made while the big session's trace is computed in
    the worker; once it is shown, it is the file's work, not unsaved work (issue 18 §7.5)."""
    from rnnviz.gui.main_window import MainWindow

    window = MainWindow(load_session(saved), threading="async")  # as a big session in the app
    qtbot.addWidget(window)
    assert window.controller.busy and window.controller.session is None
    files = _make_files(window, tmp_path, path=str(saved))
    assert not files.dirty
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=30_000)
    assert window.controller.session is not None
    assert not files.dirty and not window.isWindowModified()
    assert window.windowTitle() == "work.rnnviz[*] — rnnviz"
    window.close()
