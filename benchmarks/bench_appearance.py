"""Theme and zoom changes: how long until the window is repainted (issue 15 §4).

    python benchmarks/bench_appearance.py [FILE …]      # ≈ 1 minute a file

A real MainWindow (offscreen, 1400×900, synchronous compute) with seed 003's example
(or each FILE) shows each central view in turn; for each it times, ``REPEATS`` times:

- theme: ``appearance().set_theme(...)`` (light → dark → high contrast → light …) until
  the window has been repainted: events are delivered ``SETTLE`` rounds (a new font
  lays the window out again, a round later it paints; the offscreen platform paints
  into its backing store exactly as a screen would);
- zoom: ``appearance().set_zoom(...)`` (100 % ↔ 150 %) until the same;
- plain: the same window repainted with no change (``update()`` of every widget, then the
  same rounds): what any repaint of this view costs, the floor of a change.

It prints the median and the maximum of each, against the target of ≤ 200 ms.  The
first change of a view is not counted (its caches are cold).  It asserts nothing:
the figures vary with the machine's load.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("RNNVIZ_SETTINGS", "/dev/null")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from PySide6 import QtCore, QtWidgets  # noqa: E402

VIEWS = ("diagrams", "math", "plots", "training", "generate", "statespace")
REPEATS = int(os.environ.get("RNNVIZ_BENCH_REPEATS", "8"))
SETTLE = 4  # rounds of processEvents after a change
THEMES = ("dark", "high-contrast", "light")
ZOOMS = (1.5, 1.0)


def _timed(app, window, change) -> float:
    t0 = time.perf_counter()
    change()
    for _ in range(SETTLE):
        app.processEvents()
    return 1000 * (time.perf_counter() - t0)


def _update_all(window) -> None:
    for w in window.findChildren(QtWidgets.QWidget):
        if w.isVisible():
            w.update()


def main(argv: list[str]) -> int:
    import rnnviz
    from rnnviz.gui.theme import apply_theme

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    apply_theme(app)
    print(f"theme and zoom changes, 1400×900 offscreen, {REPEATS} changes each; "
          f"rnnviz from {os.path.dirname(rnnviz.__file__)}")  # fmt: skip
    for path in argv or [None]:
        bench_file(app, path)
    return 0


def bench_file(app, path: str | None) -> None:
    from rnnviz.gui.main_window import MainWindow
    from rnnviz.gui.theme import appearance
    from rnnviz.session.defaults import default_session
    from rnnviz.session.files import load_session

    session = load_session(path) if path else default_session()
    window = MainWindow(session, threading="sync")
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    look = appearance()
    print(f"\n{os.path.basename(path) if path else 'seed 003 (the default session)'}")
    print(f"  {'view':<11} {'theme: median':>14} {'max':>7}   {'zoom: median':>13} {'max':>7}"
          f"   {'plain repaint':>13}   [target ≤ 200 ms]")  # fmt: skip
    worst = 0.0
    for name in VIEWS:
        window.show_view(name)
        app.processEvents()
        window.grab()
        _timed(app, window, lambda: look.set_theme("dark"))  # cold caches: not counted
        _timed(app, window, lambda: look.set_theme("light"))
        themes = [_timed(app, window, lambda t=THEMES[k % 3]: look.set_theme(t)) for k in range(REPEATS)]
        look.set_theme("light")
        zooms = [_timed(app, window, lambda z=ZOOMS[k % 2]: look.set_zoom(z)) for k in range(REPEATS)]
        look.set_zoom(1.0)
        app.processEvents()
        plain = [_timed(app, window, lambda: _update_all(window)) for _ in range(REPEATS)]
        worst = max(worst, max(themes), max(zooms))
        print(f"  {name:<11} {statistics.median(themes):11.0f} ms {max(themes):4.0f} ms"
              f"   {statistics.median(zooms):10.0f} ms {max(zooms):4.0f} ms"
              f"   {statistics.median(plain):10.0f} ms")  # fmt: skip
    print(f"  worst change of any view: {worst:.0f} ms")
    window.close()
    window.deleteLater()  # gone before the next file: else it would restyle on every change too
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    app.processEvents()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
