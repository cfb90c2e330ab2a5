"""Big files are read and written off the GUI thread: the window keeps painting and
its timers running, a progress dialog says what is happening, opening can be
cancelled (nothing changes), saving cannot be cut short, and a big autosave never
blocks the window nor outlives the recovery files it belongs to."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import pytest
from PySide6 import QtCore, QtWidgets
from test_file_actions import _edit, _make_files

from rnnviz.gui.background import DELAY_MS, run_with_progress
from rnnviz.session import load_session, save_session
from rnnviz.session.defaults import default_session

WAIT = 30.0  # seconds a worker may take at most before a test gives up on it


@pytest.fixture
def pool(qtbot):
    p = QtCore.QThreadPool()
    yield p
    p.waitForDone(int(WAIT * 1000))


def _progress_dialogs() -> list[QtWidgets.QProgressDialog]:
    return [
        w
        for w in QtWidgets.QApplication.topLevelWidgets()
        if isinstance(w, QtWidgets.QProgressDialog) and w.isVisible()
    ]


def _later(ms: int, fn) -> None:
    """Run ``fn`` on the GUI thread while the caller is waiting in run_with_progress."""
    QtCore.QTimer.singleShot(ms, fn)


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


# -- the helper -------------------------------------------------------------------------
def test_quick_work_returns_its_value_without_a_dialog(qtbot, pool):
    seen = []  # what is on screen a quarter of the first moment in, while the work runs
    _later(DELAY_MS // 4, lambda: seen.append(_progress_dialogs()))

    def work():
        time.sleep(DELAY_MS / 2 / 1000)
        return threading.get_ident()

    outcome = run_with_progress(None, "quick", work, cancellable=True, pool=pool)
    assert outcome.value != threading.get_ident()  # it ran in another thread
    assert not outcome.cancelled and outcome.error is None
    assert seen == [[]]  # the loop ran meanwhile (the probe), and showed no dialog
    assert not _progress_dialogs()


def test_an_error_in_the_work_is_raised_on_the_gui_thread(qtbot, pool):
    def fail():
        raise KeyError("the member is missing")

    outcome = run_with_progress(None, "failing", fail, cancellable=True, pool=pool)
    with pytest.raises(KeyError, match="the member is missing"):
        outcome.result()


def test_slow_work_keeps_the_loop_running_and_can_be_cancelled(qtbot, pool):
    release = threading.Event()
    ticks = _Ticks()
    labels = []

    def press_cancel():
        (dialog,) = _progress_dialogs()
        labels.append(dialog.labelText())
        # modal: while it is up, no click on the window can start other work
        assert dialog.windowModality() == QtCore.Qt.WindowModality.ApplicationModal
        (button,) = dialog.findChildren(QtWidgets.QPushButton)
        button.click()

    _later(DELAY_MS + 400, press_cancel)
    t0 = time.perf_counter()
    outcome = run_with_progress(
        None, "Opening big.rnnviz (300 MB)…", lambda: release.wait(WAIT), cancellable=True, pool=pool
    )
    waited = time.perf_counter() - t0
    release.set()
    assert outcome.cancelled and outcome.value is None
    assert labels == ["Opening big.rnnviz (300 MB)…"]
    assert waited < WAIT / 2  # it returned on Cancel, not when the work ended
    assert ticks.count >= 5  # timers went on all along (20 ms ticks over ≥ 0.7 s)
    assert not _progress_dialogs()


def test_escape_cancels_cancellable_work(qtbot, pool):
    release = threading.Event()
    _later(DELAY_MS + 300, lambda: qtbot.keyClick(_progress_dialogs()[0], QtCore.Qt.Key.Key_Escape))
    outcome = run_with_progress(None, "reading", lambda: release.wait(WAIT), cancellable=True, pool=pool)
    release.set()
    assert outcome.cancelled


def test_work_that_cannot_be_cancelled_has_no_button_and_ignores_escape(qtbot, pool):
    release = threading.Event()
    seen = []

    def try_to_stop():
        (dialog,) = _progress_dialogs()
        seen.append(len(dialog.findChildren(QtWidgets.QPushButton)))
        qtbot.keyClick(dialog, QtCore.Qt.Key.Key_Escape)
        dialog.close()
        _later(100, lambda: (seen.append(bool(_progress_dialogs())), release.set()))

    _later(DELAY_MS + 300, try_to_stop)
    outcome = run_with_progress(
        None, "Saving…", lambda: release.wait(WAIT) and "written", cancellable=False, pool=pool
    )
    assert seen == [0, True]  # no button; still shown after Esc and the close box
    assert outcome.value == "written" and not outcome.cancelled


# -- files --------------------------------------------------------------------------------
@pytest.fixture
def files(main_window, tmp_path):
    f = _make_files(main_window, tmp_path)
    f.background_io = True  # every file, however small, goes through the worker
    return f


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "work.rnnviz"
    save_session(default_session(), path)
    return path


def test_a_big_file_opens_in_the_worker(qtbot, main_window, files, saved, monkeypatch):
    threads = []
    real = load_session

    def load(path):
        threads.append(threading.get_ident())
        return real(path)

    monkeypatch.setattr("rnnviz.gui.file_actions.load_session", load)
    assert files.open_path(saved)
    assert threads and threads[0] != threading.get_ident()
    assert files.path == str(saved) and not files.dirty
    expected = load_session(saved)
    assert (main_window.controller.session.inputs == expected.inputs).all()


def test_cancelling_an_open_changes_nothing(qtbot, main_window, files, saved, monkeypatch):
    release = threading.Event()
    real = load_session
    monkeypatch.setattr(
        "rnnviz.gui.file_actions.load_session", lambda path: (release.wait(WAIT), real(path))[1]
    )
    messages = []
    main_window.controller.sig_message.connect(messages.append)
    before, path_before = main_window.controller.session, files.path
    ticks = _Ticks()

    def cancel():
        (dialog,) = _progress_dialogs()
        assert "work.rnnviz" in dialog.labelText() and "MB" in dialog.labelText()
        dialog.findChildren(QtWidgets.QPushButton)[0].click()

    _later(DELAY_MS + 300, cancel)
    assert not files.open_path(saved)
    release.set()
    now = main_window.controller.session  # (the window may have stored where the user looks)
    assert now.network is before.network and now.sequence is before.sequence and files.path == path_before
    assert any("cancelled" in m and "nothing changed" in m for m in messages)
    assert ticks.count >= 5
    qtbot.wait(100)  # the abandoned worker ends; its result is dropped
    assert main_window.controller.session.network is before.network


def test_a_loader_error_in_the_worker_is_shown_and_the_session_kept(qtbot, main_window, files, tmp_path):
    bad = tmp_path / "bad.rnnviz"
    bad.write_bytes(b"not a zip at all")
    shown = []
    files.show_error_dialog = lambda title, message: shown.append((title, message))
    before = main_window.controller.session
    assert not files.open_path(bad)
    assert shown and shown[0][0] == "Cannot open this file" and "bad.rnnviz" in shown[0][1]
    assert main_window.controller.session is before


def test_a_big_save_runs_in_the_worker_and_cannot_be_cancelled(
    qtbot, main_window, files, tmp_path, monkeypatch
):
    real = save_session
    threads = []

    def slow_save(session, path):
        threads.append(threading.get_ident())
        time.sleep((DELAY_MS + 400) / 1000)
        real(session, path)

    monkeypatch.setattr("rnnviz.gui.file_actions.save_session", slow_save)
    _edit(main_window)
    buttons = []
    _later(
        DELAY_MS + 200,
        lambda: buttons.extend(len(d.findChildren(QtWidgets.QPushButton)) for d in _progress_dialogs()),
    )
    target = tmp_path / "out.rnnviz"
    files.choose_save_path = lambda suggested: str(target)
    assert files.save_as()
    assert buttons == [0] and threads[0] != threading.get_ident()
    assert not files.dirty and files.path == str(target)
    assert (
        load_session(target).network.param("bias_ih_l0")
        == main_window.controller.session.network.param("bias_ih_l0")
    ).all()


def test_a_failed_save_in_the_worker_says_why(qtbot, main_window, files, tmp_path):
    _edit(main_window)
    shown = []
    files.show_error_dialog = lambda title, message: shown.append(message)
    files.choose_save_path = lambda suggested: str(tmp_path / "missing" / "x.rnnviz")
    assert not files.save_as()
    assert "does not exist" in shown[0] and files.dirty


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


def _settle(qtbot, files) -> None:
    """Every worker has ended and its queued results have arrived."""
    assert files._io_pool.waitForDone(int(WAIT * 1000))
    qtbot.wait(50)


def test_a_big_autosave_runs_in_the_worker_and_save_waits_for_it(
    qtbot, main_window, files, tmp_path, monkeypatch
):
    rec = files.recovery
    release = _block_recovery_writes(monkeypatch)
    _edit(main_window)
    t0 = time.perf_counter()
    assert files.autosave_now()  # started, not finished
    assert time.perf_counter() - t0 < 1.0 and not rec.recovery_path.exists()
    assert not files.autosave_now()  # one at a time
    _later(DELAY_MS + 200, release.set)  # the autosave ends while Save waits for it
    files.choose_save_path = lambda suggested: str(tmp_path / "saved.rnnviz")
    assert files.save_as()
    release.set()
    _settle(qtbot, files)
    # the autosave finished before Save removed the recovery files: none is left behind
    assert not rec.recovery_path.exists() and not rec.info_path.exists()
    assert not files.dirty


def test_a_finished_background_autosave_is_recovery_material(qtbot, main_window, files):
    _edit(main_window)
    assert files.autosave_now()
    qtbot.waitUntil(lambda: files._autosave_job is None, timeout=int(WAIT * 1000))
    rec = files.recovery
    assert rec.recovery_path.exists() and rec.info_path.exists()
    recovered = load_session(rec.recovery_path)
    assert (
        recovered.network.param("bias_ih_l0") == main_window.controller.latest.network.param("bias_ih_l0")
    ).all()
    assert not files.autosave_now()  # nothing new since


def test_closing_waits_for_a_running_autosave_and_leaves_no_recovery_files(
    qtbot, main_window, files, monkeypatch
):
    rec = files.recovery
    release = _block_recovery_writes(monkeypatch)
    _edit(main_window)
    assert files.autosave_now()
    _later(DELAY_MS + 200, release.set)
    files.shutdown()
    release.set()
    _settle(qtbot, files)
    assert not rec.recovery_path.exists() and not rec.info_path.exists()


def test_other_file_work_and_closing_wait_while_a_file_is_read(qtbot, main_window, files, saved, monkeypatch):
    release = threading.Event()
    real = load_session
    monkeypatch.setattr(
        "rnnviz.gui.file_actions.load_session", lambda path: (release.wait(WAIT), real(path))[1]
    )
    during = {}

    def meanwhile():  # the dialog is up: what a timer, a shortcut or the window manager may do
        during["open"] = files.open_path(saved, ask=False)
        during["save"] = files.save()
        during["new"] = files.new_session()
        during["autosave"] = files.autosave_now()
        main_window.close()
        during["visible"] = main_window.isVisible()
        release.set()

    _later(DELAY_MS + 200, meanwhile)
    assert files.open_path(saved)
    assert during == {"open": False, "save": False, "new": False, "autosave": False, "visible": True}
    assert files.path == str(saved)  # the open that was under way finished
    qtbot.waitUntil(lambda: not main_window.isVisible(), timeout=5000)  # then the close went ahead


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


def test_small_files_stay_on_the_gui_thread_by_default(qtbot, main_window, tmp_path, saved, monkeypatch):
    f = _make_files(main_window, tmp_path, state="state2")
    main_window.controller.threading = "auto"
    threads = []
    real = load_session
    monkeypatch.setattr(
        "rnnviz.gui.file_actions.load_session", lambda p: (threads.append(threading.get_ident()), real(p))[1]
    )
    assert f.open_path(saved)
    assert threads == [threading.get_ident()]  # a small file: no thread, no event loop in between


QUIT_DURING_WAIT = textwrap.dedent(
    """
    import os, sys, threading, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6 import QtCore, QtWidgets
    from rnnviz.gui.background import DELAY_MS, run_with_progress

    app = QtWidgets.QApplication([])
    pool = QtCore.QThreadPool()
    cancellable = sys.argv[1] == "cancellable"
    release = threading.Event()
    threading.Timer((DELAY_MS + 800) / 1000, release.set).start()  # the work ends by itself
    QtCore.QTimer.singleShot(DELAY_MS + 200, lambda: QtCore.QCoreApplication.exit(0))  # logout
    c0, t0 = time.process_time(), time.perf_counter()
    out = run_with_progress(None, "work", lambda: release.wait(30) and "done", cancellable=cancellable, pool=pool)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    print(out.cancelled, out.value, round(cpu / wall, 2), round(wall, 2))
    pool.waitForDone()
    """
)


@pytest.mark.parametrize("kind", ["cancellable", "must-finish"])
def test_the_application_quitting_during_a_wait_neither_spins_nor_cuts_work_short(kind):
    """Quitting (a logout) ends every event loop at once, and any loop started after it
    returns at once too: the wait must notice instead of spinning."""
    run = subprocess.run(
        [sys.executable, "-c", QUIT_DURING_WAIT, kind], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    cancelled, value, cpu_share, wall = run.stdout.split()
    if kind == "cancellable":
        assert (cancelled, value) == ("True", "None")  # the reading is dropped
        assert float(wall) < (DELAY_MS + 700) / 1000  # at once, not when the work ends
    else:
        assert (cancelled, value) == ("False", "done")  # a save is waited for to its end
        assert float(wall) >= (DELAY_MS + 700) / 1000
    assert float(cpu_share) < 0.5  # waiting, not spinning (it was 0.97 before)
