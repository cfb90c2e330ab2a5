"""Appearance benchmark of the pyqtgraph views: a zoom or theme change → the view repainted.

    python benchmarks/bench_appearance_plots.py [plots] [training] [generate] [statespace] [FILE.rnnviz …]

For each pyqtgraph view in front of a 1400×900 window: the time from
``appearance().set_zoom(...)`` / ``set_theme(...)`` to the view repainted (events
delivered until the layout has settled, ``SETTLE`` rounds: a view repaints on a new zoom
once its layout has, a round later; then ``view.grab()``), median and max of 10 changes each (zoom 1 ↔ 1.25,
light ↔ dark), next to the same repaint with no change (what the view costs anyway).  "restyle" is the view's own ``set_appearance`` alone (the rest is Qt
laying the window out again for the new application font and palette, and the other
widgets' restyles).  Target: ≤ 200 ms (issue 15 §4).  Runs offscreen, asserts nothing.
With no argument: every view, on the default session and two examples.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("RNNVIZ_SETTINGS", str(Path(tempfile.gettempdir()) / "rnnviz-bench-appearance.ini"))

from PySide6 import QtWidgets  # noqa: E402

from rnnviz.gui.main_window import MainWindow  # noqa: E402
from rnnviz.gui.theme import appearance, apply_theme  # noqa: E402
from rnnviz.session.defaults import default_session  # noqa: E402
from rnnviz.session.files import load_session  # noqa: E402

VIEWS = ("plots", "training", "generate", "statespace")
EXAMPLES = Path(__file__).resolve().parent.parent / "resources" / "examples"
DEFAULT_FILES = (EXAMPLES / "06_gru_noisy_sine.rnnviz", EXAMPLES / "11_compare_vanishing_gradients.rnnviz")
CHANGES = 10
SETTLE = 4  # rounds of processEvents after a change


def _timed_restyle(view) -> list[float]:
    """Wrap ``view.set_appearance`` to record how long each call takes (ms)."""
    times: list[float] = []
    inner = view.set_appearance

    def timed(a) -> None:
        t0 = time.perf_counter()
        inner(a)
        times.append(1000 * (time.perf_counter() - t0))

    view.set_appearance = timed
    return times


def bench_view(app, label: str, session, name: str) -> None:
    window = MainWindow(session, threading="sync")
    window.resize(1400, 900)
    window.show()
    window.show_view(name)
    view = window.central_tabs.currentWidget()
    for _ in range(3):
        app.processEvents()
    view.grab()
    base = []
    for _ in range(CHANGES):  # no change: what a repaint of this view costs anyway
        t0 = time.perf_counter()
        for _ in range(SETTLE):
            app.processEvents()
        view.grab()
        base.append(1000 * (time.perf_counter() - t0))
    print(
        f"  {label:<34} {name:<10} none   repainted: median {statistics.median(base):6.1f} ms (the view's own cost)"
    )
    restyles = _timed_restyle(view)
    a = appearance()
    for what, values, change in (
        ("zoom", (1.25, 1.0), a.set_zoom),
        ("theme", ("dark", "light"), a.set_theme),
    ):
        times = []
        restyles.clear()
        for k in range(CHANGES):
            t0 = time.perf_counter()
            change(values[k % 2])
            for _ in range(SETTLE):
                app.processEvents()
            view.grab()
            times.append(1000 * (time.perf_counter() - t0))
        print(
            f"  {label:<34} {name:<10} {what:<5}  repainted: median {statistics.median(times):6.1f} ms,"
            f" max {max(times):6.1f} ms  (restyle alone: median {statistics.median(restyles):5.1f} ms)  [≤ 200 ms]",
            flush=True,
        )
    window.close()
    window.deleteLater()
    app.processEvents()


def main() -> int:
    args = sys.argv[1:]
    views = [a for a in args if a in VIEWS] or list(VIEWS)
    files = [Path(a) for a in args if a not in VIEWS] or list(DEFAULT_FILES)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    apply_theme(app)
    sessions = [("default (seed 003, H=3, T=4)", default_session())]
    sessions += [(f.stem, load_session(f)) for f in files]
    print(f"zoom / theme change → the view in front repainted, 1400×900, {CHANGES} changes each")
    for label, session in sessions:
        for name in views:
            bench_view(app, label, session, name)
    appearance().set_theme("light")
    appearance().set_zoom(1.0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
