"""Big files are read and written off the GUI thread through the controller's Jobs
(lanes "file" and "autosave"): open and save start the work and return, the window
keeps processing events (no nested event loop), a progress dialog says what is
happening after a moment, opening can be cancelled (nothing changes), saving cannot be
cut short, and a big autosave never blocks the window nor outlives the recovery files
it belongs to."""

from __future__ import annotations

import sys
import threading
import time

import pytest
from PySide6 import QtCore, QtGui, QtWidgets
from test_file_actions import _edit, _make_files

from rnnviz.gui.files.progress import DELAY_MS
from rnnviz.session import load_session, save_session
from rnnviz.session.defaults import default_session

WAIT = 30.0  # seconds a worker may take at most before a test gives up on it
LOAD = "rnnviz.gui.files.opensave.load_session"
SAVE = "rnnviz.gui.files.opensave.save_session"


def _progress_dialogs() -> list[QtWidgets.QProgressDialog]:
    return [
        w
        for w in QtWidgets.QApplication.topLevelWidgets()
        if isinstance(w, QtWidgets.QProgressDialog) and w.isVisible()
    ]


class _Ticks:
    """A GUI-thread timer counting its ticks: it goes on only if the event loop runs."""

    def __init__(self, interval_ms: int = 20):
        self.count = 0
        self.timer = QtCore.QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        self.count += 1


@pytest.fixture
def files(main_window, tmp_path):
    main_window.controller.threading = "async"  # jobs run in worker threads, as in the app
    f = _make_files(main_window, tmp_path)
    f.background_io = True  # every file, however small, goes through the worker
    return f


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "work.rnnviz"
    save_session(default_session(), path)
    return path


def _settle(qtbot, files) -> None:
    """Every file job and computation has ended and its results have arrived."""
    qtbot.waitUntil(lambda: not files.jobs.busy("file") and not files.autosaving, timeout=int(WAIT * 1000))
    qtbot.waitUntil(lambda: not files.controller.busy, timeout=int(WAIT * 1000))


def _blocked_load(monkeypatch) -> threading.Event:
    """Reading a session waits for the returned event (as a slow disk would)."""
    release = threading.Event()
    real = load_session
    monkeypatch.setattr(LOAD, lambda path: (release.wait(WAIT), real(path))[1])
    return release


# -- opening --------------------------------------------------------------------------
def test_a_big_file_opens_in_the_worker(qtbot, main_window, files, saved, monkeypatch):
    threads = []
    real = load_session
    monkeypatch.setattr(LOAD, lambda path: (threads.append(threading.get_ident()), real(path))[1])
    with qtbot.waitSignal(files.sig_file_finished, check_params_cb=bool, timeout=int(WAIT * 1000)):
        assert files.open_path(saved)
    _settle(qtbot, files)
    assert threads and threads[0] != threading.get_ident()
    assert files.path == str(saved) and not files.dirty
    assert (main_window.controller.session.inputs == load_session(saved).inputs).all()


def test_the_window_keeps_processing_events_while_a_big_file_loads(
    qtbot, main_window, files, saved, monkeypatch
):
    release = _blocked_load(monkeypatch)
    ticks = _Ticks()
    before = main_window.controller.session
    assert files.open_path(saved)  # returns at once: the reading goes on in the worker
    assert files.jobs.busy("file") and ticks.count == 0
    qtbot.waitUntil(lambda: ticks.count >= 10, timeout=5000)  # the application's own loop runs
    main_window.controller.set_view(step=2)  # the window still answers (scrubbing)
    assert main_window.controller.cursor.step == 2 and files.jobs.busy("file")
    assert main_window.controller.session.network is before.network  # nothing opened yet
    release.set()
    _settle(qtbot, files)
    assert files.path == str(saved) and not files.dirty


def test_no_nested_event_loop_runs_during_an_open_or_a_save(
    qtbot, main_window, files, saved, tmp_path, monkeypatch
):
    nested = []  # rnnviz's own calls of exec() (the test's waits run loops of their own)
    for cls in (QtCore.QEventLoop, QtWidgets.QDialog):
        real_exec = cls.exec

        def spy(self, *args, _real=real_exec, **kwargs):
            caller = sys._getframe(1).f_globals.get("__name__", "")
            if caller.startswith("rnnviz"):
                nested.append(caller)
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(cls, "exec", spy)
    release = _blocked_load(monkeypatch)
    assert files.open_path(saved)
    qtbot.waitUntil(lambda: bool(_progress_dialogs()), timeout=5000)  # past the first moment
    release.set()
    _settle(qtbot, files)
    assert files.path == str(saved) and not _progress_dialogs()
    _edit(main_window)
    real = save_session
    monkeypatch.setattr(SAVE, lambda s, p: (time.sleep((DELAY_MS + 300) / 1000), real(s, p)))
    files.choose_save_path = lambda suggested: str(tmp_path / "out.rnnviz")
    assert files.save_as()
    qtbot.waitUntil(lambda: bool(_progress_dialogs()), timeout=5000)
    _settle(qtbot, files)
    assert files.path == str(tmp_path / "out.rnnviz") and not files.dirty
    assert nested == []


def test_quick_work_shows_no_dialog(qtbot, main_window, files, saved, monkeypatch):
    real = load_session
    monkeypatch.setattr(LOAD, lambda path: (time.sleep(0.075), real(path))[1])  # a quarter of the moment
    seen = []  # every 10 ms: is a progress dialog on screen?
    probe = QtCore.QTimer()
    probe.setInterval(10)
    probe.timeout.connect(lambda: seen.append(bool(_progress_dialogs())))
    probe.start()
    assert files.open_path(saved)
    _settle(qtbot, files)
    qtbot.wait(DELAY_MS + 100)  # the dialog's moment has passed
    probe.stop()
    assert len(seen) >= 5 and not any(seen) and files.path == str(saved)


@pytest.mark.parametrize("how", ["button", "escape"])
def test_cancelling_an_open_changes_nothing(qtbot, main_window, files, saved, monkeypatch, how):
    _settle(qtbot, files)
    release = _blocked_load(monkeypatch)
    messages, finished = [], []
    main_window.controller.sig_message.connect(messages.append)
    files.sig_file_finished.connect(finished.append)
    before, path_before = main_window.controller.session, files.path
    assert files.open_path(saved)
    qtbot.waitUntil(lambda: bool(_progress_dialogs()), timeout=5000)
    (dialog,) = _progress_dialogs()
    assert "work.rnnviz" in dialog.labelText() and "MB" in dialog.labelText()
    # modal to the window: while it is up, no click on the window can start other work
    assert dialog.windowModality() == QtCore.Qt.WindowModality.WindowModal
    if how == "button":
        dialog.findChildren(QtWidgets.QPushButton)[0].click()
    else:
        qtbot.keyClick(dialog, QtCore.Qt.Key.Key_Escape)
    assert not files.jobs.busy("file") and finished == [False] and not _progress_dialogs()
    assert any("cancelled" in m and "nothing changed" in m for m in messages)
    release.set()
    qtbot.wait(200)  # the abandoned worker ends; its result is dropped
    now = main_window.controller.session  # (the window may have stored where the user looks)
    assert now.network is before.network and now.sequence is before.sequence and files.path == path_before
    assert finished == [False]


def test_work_edited_while_a_file_is_read_is_not_lost_without_asking(
    qtbot, main_window, files, saved, monkeypatch
):
    _settle(qtbot, files)
    release = _blocked_load(monkeypatch)
    assert files.open_path(saved)  # nothing unsaved yet: no question
    _edit(main_window)  # within the first moment, before the dialog covers the window
    qtbot.waitUntil(lambda: not main_window.controller.busy, timeout=int(WAIT * 1000))
    edited = main_window.controller.session.network
    asked = []
    files.ask_unsaved = lambda name: asked.append(name) or "cancel"
    release.set()
    _settle(qtbot, files)
    assert asked  # the file read would replace the edit: asked first
    assert main_window.controller.session.network is edited and files.path is None and files.dirty


def test_a_loader_error_in_the_worker_is_shown_and_the_session_kept(qtbot, main_window, files, tmp_path):
    bad = tmp_path / "bad.rnnviz"
    bad.write_bytes(b"not a zip at all")
    shown = []
    files.show_error_dialog = lambda title, message: shown.append((title, message))
    _settle(qtbot, files)
    before = main_window.controller.session
    assert files.open_path(bad)  # started
    _settle(qtbot, files)
    assert shown and shown[0][0] == "Cannot open this file" and "bad.rnnviz" in shown[0][1]
    assert main_window.controller.session.network is before.network and files.path is None


# -- saving ---------------------------------------------------------------------------
def test_a_big_save_runs_in_the_worker_and_cannot_be_cancelled(
    qtbot, main_window, files, tmp_path, monkeypatch
):
    release = threading.Event()
    threads = []
    real = save_session

    def slow_save(session, path):
        threads.append(threading.get_ident())
        release.wait(WAIT)
        real(session, path)

    monkeypatch.setattr(SAVE, slow_save)
    _edit(main_window)
    target = tmp_path / "out.rnnviz"
    files.choose_save_path = lambda suggested: str(target)
    assert files.save_as()
    qtbot.waitUntil(lambda: bool(_progress_dialogs()), timeout=5000)
    (dialog,) = _progress_dialogs()
    assert not dialog.findChildren(QtWidgets.QPushButton)  # no Cancel
    qtbot.keyClick(dialog, QtCore.Qt.Key.Key_Escape)
    dialog.close()
    qtbot.wait(50)
    assert _progress_dialogs() and files.jobs.busy("file")  # still shown, still saving
    release.set()
    _settle(qtbot, files)
    assert threads[0] != threading.get_ident() and not _progress_dialogs()
    assert not files.dirty and files.path == str(target)
    written = load_session(target).network.param("bias_ih_l0")
    assert (written == main_window.controller.session.network.param("bias_ih_l0")).all()


def test_a_failed_save_in_the_worker_says_why(qtbot, main_window, files, tmp_path):
    _edit(main_window)
    shown = []
    files.show_error_dialog = lambda title, message: shown.append(message)
    files.choose_save_path = lambda suggested: str(tmp_path / "missing" / "x.rnnviz")
    assert files.save_as()
    _settle(qtbot, files)
    assert "does not exist" in shown[0] and files.dirty


# -- autosave -------------------------------------------------------------------------
def _block_recovery_writes(monkeypatch) -> threading.Event:
    """Autosave's write of the recovery file waits for the returned event (inside
    Recovery.autosave, past its checks, as a slow disk would)."""
    release = threading.Event()
    real = save_session

    def slow(session, path):
        release.wait(WAIT)
        real(session, path)

    monkeypatch.setattr("rnnviz.gui.recovery.save_session", slow)
    return release


def test_a_big_autosave_runs_in_the_worker_and_save_waits_for_it(
    qtbot, main_window, files, tmp_path, monkeypatch
):
    rec = files.recovery
    release = _block_recovery_writes(monkeypatch)
    _edit(main_window)
    assert files.autosave_now()  # started, not finished
    assert files.autosaving and not rec.recovery_path.exists()
    assert not files.autosave_now()  # one at a time
    # the autosave ends while Save waits for it (the GUI thread blocks there: a timer cannot fire)
    threading.Timer((DELAY_MS + 200) / 1000, release.set).start()
    files.choose_save_path = lambda suggested: str(tmp_path / "saved.rnnviz")
    assert files.save_as()
    _settle(qtbot, files)
    # the autosave finished before Save removed the recovery files: none is left behind
    assert not rec.recovery_path.exists() and not rec.info_path.exists()
    assert not files.dirty


def test_a_finished_background_autosave_is_recovery_material(qtbot, main_window, files):
    _edit(main_window)
    assert files.autosave_now()
    qtbot.waitUntil(lambda: not files.autosaving, timeout=int(WAIT * 1000))
    rec = files.recovery
    assert rec.recovery_path.exists() and rec.info_path.exists()
    recovered = load_session(rec.recovery_path)
    latest = main_window.controller.latest
    assert (recovered.network.param("bias_ih_l0") == latest.network.param("bias_ih_l0")).all()
    assert not files.autosave_now()  # nothing new since


def test_closing_waits_for_a_running_autosave_and_leaves_no_recovery_files(
    qtbot, main_window, files, monkeypatch
):
    rec = files.recovery
    release = _block_recovery_writes(monkeypatch)
    _edit(main_window)
    assert files.autosave_now()
    threading.Timer((DELAY_MS + 200) / 1000, release.set).start()
    files.shutdown()
    assert not files.autosaving
    assert not rec.recovery_path.exists() and not rec.info_path.exists()


# -- one file at a time, closing and quitting -------------------------------------------
def test_other_file_work_drops_and_closing_wait_while_a_file_is_read(
    qtbot, main_window, files, saved, monkeypatch
):
    _settle(qtbot, files)
    release = _blocked_load(monkeypatch)
    assert files.open_path(saved)
    # what a timer, a shortcut, a drop or the window manager may do meanwhile
    assert not files.open_path(saved, ask=False)
    assert not files.save() and not files.new_session() and not files.autosave_now()
    assert not files.action_open.isEnabled() and not files.action_save.isEnabled()  # greyed out
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(saved))])
    drop = QtGui.QDropEvent(QtCore.QPointF(5, 5), QtCore.Qt.DropAction.CopyAction, mime,
                            QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QtWidgets.QApplication.sendEvent(main_window, drop)
    assert not drop.isAccepted()
    main_window.close()
    assert main_window.isVisible()
    finished = []
    files.sig_file_finished.connect(finished.append)
    release.set()
    qtbot.waitUntil(
        lambda: not main_window.isVisible(), timeout=int(WAIT * 1000)
    )  # then the close went ahead
    assert finished == [True]  # the open that was under way finished first
    assert files.action_open.isEnabled() and files.action_save.isEnabled()


def test_quitting_mid_read_drops_the_read(qtbot, main_window, files, saved, monkeypatch):
    _settle(qtbot, files)
    release = _blocked_load(monkeypatch)
    before = main_window.controller.session
    assert files.open_path(saved)
    QtWidgets.QApplication.instance().aboutToQuit.emit()  # a logout: the event loop ends
    assert not files.jobs.busy("file")
    release.set()
    qtbot.wait(DELAY_MS + 100)
    assert main_window.controller.session.network is before.network and files.path is None
    assert not _progress_dialogs()


def test_quitting_mid_save_finishes_the_save(qtbot, main_window, files, tmp_path, monkeypatch):
    release = threading.Event()
    real = save_session
    monkeypatch.setattr(SAVE, lambda s, p: (release.wait(WAIT), real(s, p)))
    _edit(main_window)
    target = tmp_path / "out.rnnviz"
    files.choose_save_path = lambda suggested: str(target)
    assert files.save_as()
    threading.Timer((DELAY_MS + 200) / 1000, release.set).start()
    QtWidgets.QApplication.instance().aboutToQuit.emit()
    assert target.exists() and not files.dirty and files.path == str(target)


# -- recovery and small files ------------------------------------------------------------
def test_an_autosave_tick_while_recovery_is_offered_keeps_the_crashed_work(qtbot, main_window, tmp_path):
    from rnnviz.gui.recovery import RECOVERY_NAME

    state = tmp_path / "state"
    state.mkdir()
    crashed = default_session()
    save_session(crashed, state / RECOVERY_NAME)
    files = _make_files(main_window, tmp_path)
    ticks = []

    def ask(info):  # the question stays open past a minute: the autosave timer fires
        ticks.append(files.autosave_now())
        return True

    files.ask_recover = ask
    assert files.offer_recovery()
    assert ticks == [False]  # the tick wrote nothing and removed nothing
    assert (main_window.controller.session.inputs == crashed.inputs).all() and files.dirty


def test_a_big_recovery_file_is_read_in_the_worker(qtbot, main_window, tmp_path):
    from rnnviz.gui.recovery import RECOVERY_NAME

    state = tmp_path / "state"
    state.mkdir()
    save_session(default_session().with_view(step=3), state / RECOVERY_NAME)
    main_window.controller.threading = "async"
    files = _make_files(main_window, tmp_path)
    files.background_io = True
    files.ask_recover = lambda info: True
    assert files.offer_recovery()  # the reading started
    assert files.jobs.busy("file") and not files.autosave_now()
    _settle(qtbot, files)
    assert files.dirty and main_window.controller.cursor.step == 3


def test_small_files_stay_on_the_gui_thread_by_default(qtbot, main_window, tmp_path, saved, monkeypatch):
    f = _make_files(main_window, tmp_path, state="state2")
    main_window.controller.threading = "auto"
    threads = []
    real = load_session
    monkeypatch.setattr(LOAD, lambda p: (threads.append(threading.get_ident()), real(p))[1])
    assert f.open_path(saved)
    assert threads == [threading.get_ident()]  # a small file: no thread, no event loop in between
    assert f.path == str(saved)
