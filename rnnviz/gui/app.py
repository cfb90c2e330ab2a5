"""Start the app: ``rnnviz [FILE] [--export-png OUT [--step t] [--view V] [--backward] [--size WxH]]
[--export-math OUT [--page forward|backward]] [--export-trace OUT.csv]
[--export-video OUT.gif|OUT.mp4 …] [--export-pdf OUT.pdf …]`` (rnnviz.gui.export.headless); ``rnnviz train …``
(rnnviz.session.cli) is dispatched before this."""

from __future__ import annotations

import argparse
import os
import sys
import time

_T_START = time.perf_counter()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit code 2 (argparse would print the usage too)
        self.exit(2, f"{self.prog}: error: {message}\n")


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = _Parser(
        prog="rnnviz",
        description="See how recurrent neural networks work: build an RNN, LSTM or GRU, "
        "feed it a sequence, watch every gate and state.",
    )
    from rnnviz import __version__

    p.add_argument("--version", action="version", version=f"rnnviz {__version__}")
    p.add_argument("file", nargs="?", help="a session file (.rnnviz) to open")
    p.add_argument("--export-png", metavar="OUT", help="render the main window at 1400×900 to OUT and exit")
    p.add_argument(
        "--export-math", metavar="OUT", help="write the step's worked math as Markdown to OUT and exit"
    )
    p.add_argument(
        "--export-trace",
        metavar="OUT",
        help="write the trace as CSV to OUT (with the loss and ∂L/∂h_t when the targets fit) and exit",
    )
    p.add_argument("--step", type=int, default=None, help="the step t (0..T) to show when exporting")
    p.add_argument(
        "--view",
        choices=("diagrams", "math", "plots", "training", "generate", "statespace"),
        default="diagrams",
        help="the central view to show in --export-png (default: diagrams)",
    )
    p.add_argument(
        "--page",
        choices=("forward", "backward"),
        default="forward",
        help="the step math's page for --export-math and --export-png --view math: the forward pass "
        "and the loss, or the error flowing back (BPTT)",
    )
    p.add_argument(
        "--backward",
        action="store_true",
        help="--export-png --view diagrams: the Backward mode (∂L/∂h_t flowing back)",
    )
    from .export.headless import add_arguments

    add_arguments(p)  # --export-video, --export-pdf, --steps, --fps, --size, --theme, --present
    from .generate_headless import add_arguments as add_generate_arguments

    add_generate_arguments(p)  # --prompt, --length, --temperature, --top-k, --seed
    p.add_argument("--startup-probe", action="store_true", help=argparse.SUPPRESS)  # benchmarks
    return p.parse_args(argv)


def load_initial_session(path: str | None):
    """The session to open: FILE, or seed 003's next-word example."""
    from rnnviz.session.defaults import default_session

    if not path:
        return default_session()
    from rnnviz.session.files import load_session

    return load_session(path)


def limit_blas_threads() -> None:
    """One BLAS thread unless the user chose otherwise.  The app's matrices are small:
    a multi-threaded BLAS spins its threads against the GUI thread and made an edit of a
    2-layer bidirectional LSTM (H = 64, T = 200) 6× slower (45 ms instead of 7 ms)."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def run(argv: list[str]) -> int:
    limit_blas_threads()  # before NumPy is imported
    args = parse_args(argv)
    if args.export_trace is not None:  # no Qt: the same writer as File > Export trace as CSV
        if args.export_png or args.export_math:
            print(
                "rnnviz: --export-trace cannot be combined with --export-png or --export-math",
                file=sys.stderr,
            )
            return 2
        from rnnviz.session.headless import export_trace

        return export_trace(args.export_trace, args.file)
    films = [flag for flag, given in (("--export-video", args.export_video), ("--export-pdf", args.export_pdf),
                                      ("--export-png", args.export_png), ("--export-math", args.export_math)) if given]  # fmt: skip
    if len(films) > 1 and (args.export_video or args.export_pdf):
        print(
            f"rnnviz: error: {' and '.join(films)} cannot be combined; export one at a time", file=sys.stderr
        )
        return 2
    headless = bool(films)
    if headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before the QApplication exists
    startup_error = None
    try:
        session = load_initial_session(args.file)
    except Exception as exc:  # noqa: BLE001 - SessionFileError/OSError, or a loader bug: never a traceback
        print(f"rnnviz: cannot open {args.file}: {exc}", file=sys.stderr)
        if headless or args.startup_probe:
            return 2
        session, startup_error = load_initial_session(None), str(exc)  # the window shows the error
    if args.step is not None:
        session = session.with_view(step=max(0, min(args.step, session.sequence.steps)))
    if args.export_math:
        return export_math(session, args.export_math, args.page)
    if args.prompt is not None:
        from .generate_headless import check

        if check(session, args):
            return 2
    if args.theme and not (args.export_png or args.export_video):  # (the exports check their own)
        from .export.headless import check_theme_option

        if check_theme_option(args.theme):
            return 2
    png_size = None
    if args.export_png:
        from .export.headless import check_png_options

        png_size = check_png_options(args)
        if isinstance(png_size, int):
            return png_size

    from PySide6 import QtWidgets

    from .main_window import MainWindow
    from .theme import apply_theme

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([sys.argv[0]])
    app.setApplicationName("rnnviz")
    app.setOrganizationName("rnnviz")
    _set_appearance(args, headless)
    apply_theme(app)
    if args.export_video or args.export_pdf:
        from .export.headless import export_pdf_main, export_video_main

        return (export_video_main if args.export_video else export_pdf_main)(args, session)
    window = MainWindow(session, threading="sync" if headless else "auto", view=args.view)
    window.math_panel.set_page(args.page)
    if args.backward:
        window.diagrams_view.set_backward(True)
    if args.prompt is not None:
        from .generate_headless import generate_in_window

        generate_in_window(window, args)
    if args.export_png:
        if args.present:
            window.presentation.enter(full_screen=False)  # laid out as presented, at the export's size
        return export_png(window, args.export_png, png_size)
    if not args.startup_probe:  # File menu, title, drag and drop, autosave and recovery
        from .files import FileActions

        path = None if startup_error else args.file
        window.file_actions = FileActions(window, window.controller, path=path, startup_error=startup_error)
    if not args.startup_probe:  # the geometry and dock layout of the last run (rnnviz.gui.window_memory)
        from .window_memory import WindowMemory

        window.window_memory = WindowMemory(window)
    window.show()
    if args.present:
        window.presentation.enter()
    if args.startup_probe:
        app.processEvents()
        window.grab()  # the first frame, painted
        print(f"startup_to_first_frame_s {time.perf_counter() - _T_START:.3f}")
        window.close()
        return 0
    window.lazy_views.build_later()  # the pyqtgraph views, after the first frame
    return app.exec()


def _set_appearance(args, headless: bool) -> None:
    """``--theme``, else (the window, not an export) the theme and zoom chosen last time."""
    from .theme import THEMES, appearance

    if not headless and not args.startup_probe:
        from .appearance_menu import load_preferences, remember_preferences
        from .settings import app_settings

        settings = app_settings()
        load_preferences(settings)
        remember_preferences(settings)
    if args.theme in THEMES:  # (an unknown one is refused by the export's own checks)
        appearance().set_theme(args.theme)


def export_png(window, path: str, size: tuple[int, int] | None = None) -> int:
    """Lay the window out at ``size`` (default 1400×900), paint it and save it."""
    from PySide6 import QtCore, QtWidgets

    from .main_window import EXPORT_SIZE, PNG_QUALITY

    window.resize(QtCore.QSize(*size) if size else EXPORT_SIZE)
    window.diagrams_view.hold_still()  # a still picture: no pulse caught mid-flight
    window.note_bar.hide()  # a slide shows the network, not the session's note
    window.show()
    app = QtWidgets.QApplication.instance()
    for _ in range(3):
        app.processEvents()
    if size:  # exactly WxH: a window that cannot be so small is painted scaled down
        from .export.frames import paint_scaled

        ok = paint_scaled(window, size).save(path, "PNG", PNG_QUALITY)
    else:
        ok = window.export_png(path)
    window.close()
    if not ok:
        print(f"rnnviz: could not write {path}", file=sys.stderr)
        return 1
    return 0


def export_math(session, path: str, page: str = "forward") -> int:
    """``--export-math OUT [--step t] [--page forward|backward]``: the worked-math panel writes the body."""
    from .math_panel import export_step_markdown

    return export_step_markdown(session, path, page=page)
