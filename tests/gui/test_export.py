"""Animation and handout export: frames from (step, phase), the window's run with
Cancel, and the headless commands (bad requests exit 2 and write nothing)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.session.compute import compute
from rnnviz.session.examples import examples_dir
from rnnviz.session.export_plan import handout_request, video_request
from rnnviz.session.files import load_session

LSTM = examples_dir() / "04_lstm_remembers_impulse.rnnviz"
SMALL = (480, 270)


@pytest.fixture
def computed():
    return compute(load_session(LSTM))


@pytest.fixture
def renderer_of(qtbot, computed):
    from rnnviz.gui.export.frames import FrameRenderer

    made = []

    def make(view="diagrams", size=SMALL):
        r = FrameRenderer(computed, view, size)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


@pytest.mark.parametrize("view", ["diagrams", "math", "plots", "training"])
def test_frames_have_the_size_and_follow_the_step(renderer_of, view):
    r = renderer_of(view)
    a, b, a_again = r.rgb(4), r.rgb(5), r.rgb(4)
    assert a.shape == (SMALL[1], SMALL[0], 3)
    assert not np.array_equal(a, b)  # the step changed: the caption at least
    assert np.array_equal(a, a_again)  # a frame is a function of the step, not of the clock


def test_the_pulse_is_sought_not_played(renderer_of):
    r = renderer_of("diagrams")
    still, early, late, rest = r.rgb(5, None), r.rgb(5, 0.1), r.rgb(5, 0.6), r.rgb(5, 0.95)
    assert not np.array_equal(early, late)  # the dots moved along the wires
    assert not np.array_equal(still, early)
    assert np.array_equal(still, rest)  # past the run the dots are gone, as when played
    assert np.array_equal(early, r.rgb(5, 0.1))
    assert not any(p.running for p in r.view.pulses.values())  # no animation clock ran


def test_no_note_bar_dialog_or_export_button_in_a_frame(renderer_of):
    r = renderer_of("diagrams")
    assert not r.view.export_button.isVisible() and not r.view.animate_box.isVisible()
    r.render(3)
    assert r.caption.text().startswith("t = 3 / 40")


def _window_export(main_window, tmp_path, qtbot, **kw):
    from PySide6 import QtWidgets

    actions = main_window.export_actions
    request = video_request(str(tmp_path / "film.gif"), main_window.controller.trace.steps, size=SMALL, **kw)
    actions.start_animation(request)
    return actions, request, QtWidgets


def test_the_window_makes_a_film_in_the_export_lane(main_window, tmp_path, qtbot):
    main_window.controller.jobs.sync = False  # the real worker, frames painted in timer slices
    actions, request, _ = _window_export(main_window, tmp_path, qtbot, frames_per_step=2, fps=8)
    assert main_window.controller.jobs.busy("export")
    qtbot.waitUntil(lambda: actions.last_result is not None, timeout=60000)
    assert actions.last_result == (request.path, "")
    from PIL import Image

    with Image.open(request.path) as im:
        assert im.n_frames == request.frame_count and im.size == SMALL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.gif"]


def test_cancel_leaves_no_file(main_window, tmp_path, qtbot):
    main_window.controller.jobs.sync = False
    actions, request, _ = _window_export(main_window, tmp_path, qtbot, frames_per_step=10, fps=30)
    export = actions.export
    qtbot.waitUntil(lambda: any(tmp_path.iterdir()), timeout=20000)  # the temp file is being written
    export.cancel()
    qtbot.waitUntil(lambda: actions.last_result is not None, timeout=20000)
    assert actions.last_result == ("", "")
    assert list(tmp_path.iterdir()) == []
    assert "cancelled" in main_window.statusBar().currentMessage()


def test_a_synchronous_run_writes_the_same_film(main_window, tmp_path, qtbot):
    actions, request, _ = _window_export(main_window, tmp_path, qtbot)  # Jobs(sync=True)
    assert actions.last_result == (request.path, "")
    first = (tmp_path / "film.gif").read_bytes()
    (tmp_path / "film.gif").unlink()
    main_window.controller.jobs.sync = False
    actions.last_result = None
    _window_export(main_window, tmp_path, qtbot)
    qtbot.waitUntil(lambda: actions.last_result is not None, timeout=60000)
    assert (tmp_path / "film.gif").read_bytes() == first


def test_the_handout_has_a_page_per_step_at_least(qtbot, computed, tmp_path):
    from rnnviz.gui.export.handout import handout_pages, write_handout

    request = handout_request(str(tmp_path / "h.pdf"), computed.trace.steps, "4:5")
    assert write_handout(computed, request) == 2
    data = (tmp_path / "h.pdf").read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") + data.count(b"/Type/Page\n") >= 2
    (tmp_path / "h.pdf").unlink()
    pages = handout_pages(computed, request)
    next(pages)
    pages.close()  # Cancel
    assert list(tmp_path.iterdir()) == []


# -- headless --------------------------------------------------------------------------------
def run_cli(*argv):
    from rnnviz.gui.app import run

    return run([str(a) for a in argv])


def test_headless_gif_and_mp4(qtbot, tmp_path, capsys):
    av = pytest.importorskip("av")
    assert run_cli("--export-video", tmp_path / "a.mp4", LSTM, "--steps", "3:6", "--fps", "4",
                   "--size", "640x360", "--frames-per-step", "2") == 0  # fmt: skip
    with av.open(str(tmp_path / "a.mp4")) as c:
        s = c.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(s)]
        assert float(s.duration * s.time_base) == pytest.approx(2.0)
    assert len(frames) == 8 and frames[0].shape == (360, 640, 3)
    assert run_cli("--export-video", tmp_path / "a.gif", LSTM, "--view", "math", "--steps", "3:4") == 0
    from PIL import Image

    with Image.open(tmp_path / "a.gif") as im:
        assert (im.n_frames, im.size) == (2, (1280, 720))
        first = np.asarray(im.convert("RGB"))
        im.seek(1)
        assert not np.array_equal(first, np.asarray(im.convert("RGB")))  # step 3, then step 4
    assert not np.array_equal(frames[1], frames[2])  # the MP4's step 3 → 4
    assert run_cli("--export-pdf", tmp_path / "h.pdf", LSTM, "--steps", "2:3") == 0
    assert (tmp_path / "h.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    "args",
    [
        ["--steps", "5:2"], ["--steps", "0:3"], ["--steps", "1:41"], ["--steps", ""],
        ["--size", "319x240"], ["--size", "7681x4320"], ["--fps", "0"], ["--fps", "61"],
        ["--theme", "purple"], ["--view", "generate"],
    ],
)  # fmt: skip
def test_headless_bad_requests_exit_2_and_write_nothing(qtbot, tmp_path, capsys, args):
    assert run_cli("--export-video", tmp_path / "a.gif", LSTM, *args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rnnviz: error:") and "Traceback" not in err[0]
    assert list(tmp_path.iterdir()) == []


def test_headless_unknown_extension_and_bad_pdf_range(qtbot, tmp_path, capsys):
    assert run_cli("--export-video", tmp_path / "a.avi", LSTM) == 2
    assert run_cli("--export-pdf", tmp_path / "a.pdf", LSTM, "--steps", "9:3") == 2
    assert run_cli("--export-png", tmp_path / "a.png", LSTM, "--size", "100x100") == 2
    assert list(tmp_path.iterdir()) == []


def test_headless_png_takes_a_size(qtbot, tmp_path):
    from PySide6 import QtGui

    assert run_cli("--export-png", tmp_path / "a.png", LSTM, "--size", "1024x768") == 0
    assert QtGui.QImage(str(tmp_path / "a.png")).size().toTuple() == (1024, 768)


@pytest.mark.parametrize("ext", ["gif", "mp4"])
def test_headless_films_are_identical_run_to_run(tmp_path, ext):
    """Two separate runs of ``rnnviz --export-video`` (the frames come from the frame
    index, never from a clock) write the same bytes."""
    import subprocess
    import sys

    for name in ("a", "b"):
        argv = [sys.executable, "-m", "rnnviz", "--export-video", str(tmp_path / f"{name}.{ext}"), str(LSTM),
                "--steps", "3:8", "--fps", "10", "--frames-per-step", "3", "--size", "480x270"]  # fmt: skip
        assert subprocess.run(argv, capture_output=True, timeout=120).returncode == 0
    assert (tmp_path / f"a.{ext}").read_bytes() == (tmp_path / f"b.{ext}").read_bytes()


def test_the_dialog_builds_the_request_and_says_what_is_wrong(qtbot, tmp_path):
    from rnnviz.gui.export.dialog import ExportAnimationDialog

    d = ExportAnimationDialog(40, "math")
    qtbot.addWidget(d)
    d.range.first.setValue(3)
    d.range.last.setValue(12)
    d.between_spin.setValue(3)
    d.fps_spin.setValue(8)
    d.size_combo.setCurrentIndex(1)  # 1920×1080
    r = d.request(str(tmp_path / "a.gif"))
    assert (r.view, r.first, r.last, r.frames_per_step, r.size, r.fps) == ("math", 3, 12, 4, (1920, 1080), 8)
    assert "10 steps × 4 frames = 40 frames, 5.0 s" in d.summary.text()
    d.size_combo.setCurrentIndex(d.size_combo.count() - 1)  # custom
    assert d.width_spin.isEnabled()
    d.fps_spin.setValue(55)  # too fast for a GIF
    assert "GIF" in d.error_label.text() and d.summary.text() == "" and not d.ok_button.isEnabled()
    d.format_combo.setCurrentIndex(1)  # MP4 plays it
    assert d.error_label.text() == "" and d.suffix == ".mp4" and d.ok_button.isEnabled()
    d.range.first.setValue(20)  # reversed
    assert "reversed" in d.error_label.text()


def test_closing_the_window_cancels_the_film(main_window, tmp_path, qtbot):
    main_window.controller.jobs.sync = False
    actions, request, _ = _window_export(main_window, tmp_path, qtbot, frames_per_step=10, fps=30)
    main_window.close()
    qtbot.waitUntil(lambda: actions.last_result is not None, timeout=20000)
    assert actions.last_result == ("", "") and list(tmp_path.iterdir()) == []


def test_a_film_in_another_theme_is_painted_in_it_and_the_window_gets_its_own_back(
    main_window, tmp_path, qtbot
):
    import numpy as np

    from rnnviz.gui.export.dialog import ExportAnimationDialog
    from rnnviz.gui.theme import appearance

    actions, request, _ = _window_export(main_window, tmp_path, qtbot, view="diagrams", theme="dark")
    qtbot.waitUntil(lambda: actions.last_result is not None, timeout=60000)
    assert actions.last_result == (request.path, "")
    assert appearance().theme.name == "light"  # the window's theme again
    from PIL import Image

    with Image.open(request.path) as im:
        im.seek(0)
        mean = float(np.asarray(im.convert("L")).mean())
    assert mean < 90, mean  # a dark frame (a light one averages above 200)
    dialog = ExportAnimationDialog(4)
    qtbot.addWidget(dialog)
    assert dialog.settings()["theme"] == "light"  # the dialog offers the window's theme first
