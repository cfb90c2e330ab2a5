"""How fast the diagrams follow a step change.  Prints figures, asserts nothing.

    python benchmarks/bench_diagrams.py [--steps 200]

Target (issue 4, §7): a step change updates every diagram within 8 ms for T ≤ 100
and H ≤ 16.  One measurement is ``DiagramsView.set_step(t)`` and then the paint,
with the pulse animation on (its timer ticks are not part of the step), measured
two ways:

* as the app paints: Qt's posted events are delivered until none are left, so the
  views repaint exactly the regions the step dirtied, as they do in the running app;
* forced: every diagram's whole viewport is repainted synchronously
  (``viewport().repaint()``), an upper bound.

The view is 1400 × 900, larger than its share of the main window at that size.
Also printed: ``set_trace`` for an edit that keeps the structure (items updated,
not rebuilt) and for a structure change (items rebuilt).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6 import QtWidgets  # noqa: E402

from rnnviz.engine import Network, NetworkSpec  # noqa: E402
from rnnviz.gui.diagrams import DiagramsView  # noqa: E402
from rnnviz.gui.theme import apply_theme  # noqa: E402
from rnnviz.session.defaults import default_session  # noqa: E402
from rnnviz.session.model import Sequence, Session  # noqa: E402

CONFIGS = [
    ("seed 003 (tanh, H=3, T=4)", None),
    ("tanh RNN, H=16, T=100", ("rnn_tanh", 16, 1, False, 100)),
    ("LSTM, H=16, T=100", ("lstm", 16, 1, False, 100)),
    ("GRU, H=16, T=100", ("gru", 16, 1, False, 100)),
    ("LSTM 2 layers bidirectional, H=16, T=100", ("lstm", 16, 2, True, 100)),
]


def make_session(cfg) -> Session:
    if cfg is None:
        return default_session()
    mode, H, L, bidir, T = cfg
    net = Network.from_spec(NetworkSpec(mode, 4, H, L, bidir, 3, "softmax"), seed=0)
    t = np.arange(T)
    x = np.stack([np.sin(t / 3), np.cos(t / 5), (t % 7 == 0) * 1.0, np.tanh(t / T - 0.5)], 1)
    return Session(network=net, sequence=Sequence(inputs=x))


def repaint(view: DiagramsView) -> None:
    """Forced: every visible diagram's whole viewport, synchronously."""
    for v in view.views:
        if v.isVisible():
            v.viewport().repaint()


def paint_as_the_app_does(view: DiagramsView) -> None:
    """Deliver posted events (the scenes' queued ``changed``, the views' update
    requests) until the queue is empty, so only the dirtied regions are painted."""
    app = QtWidgets.QApplication.instance()
    for _ in range(4):
        app.sendPostedEvents()


def bench_steps(view: DiagramsView, steps: list[int], paint) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (process) time of set_step + paint, in ms, per step."""
    wall, cpu = [], []
    for t in steps:
        w0, c0 = time.perf_counter(), time.process_time()
        view.set_step(t)
        paint(view)
        wall.append((time.perf_counter() - w0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    return wall, cpu


def bench_set_trace(view: DiagramsView, session: Session, n: int = 10) -> tuple[float, float]:
    trace = session.network.forward(session.inputs)
    same = []
    for _ in range(n):
        t0 = time.perf_counter()
        view.set_trace(trace, session)
        repaint(view)
        same.append((time.perf_counter() - t0) * 1e3)
    other = default_session()
    other_trace = other.network.forward(other.inputs)
    rebuild = []
    for _ in range(max(2, n // 3)):
        t0 = time.perf_counter()
        view.set_trace(other_trace, other)
        view.set_trace(trace, session)
        repaint(view)
        rebuild.append((time.perf_counter() - t0) * 1e3 / 2)
    return statistics.median(same), statistics.median(rebuild)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args(argv)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    apply_theme(app)
    print("set_step(t) + paint, median ms (wall / CPU); p95 wall.  app: dirty regions as the")
    print("app paints them; forced: every diagram's whole viewport repainted (upper bound)")
    print(
        f"{'configuration':44s} {'paint':6s} {'playback t→t+1':>16s} {'p95':>6s} {'random jumps':>14s}"
        f" {'p95':>6s} {'set_trace':>10s} {'rebuild':>8s}"
    )
    for name, cfg in CONFIGS:
        session = make_session(cfg)
        trace = session.network.forward(session.inputs)
        view = DiagramsView()
        view.resize(1400, 900)
        view.set_step_duration(500)
        view.show()
        view.set_trace(trace, session)
        view.set_step(1)
        app.processEvents()
        T = trace.steps
        play = [1 + k % T for k in range(args.steps)]
        jumps = [int(t) for t in np.random.default_rng(0).integers(0, T + 1, size=args.steps)]
        med, p95 = statistics.median, lambda xs: statistics.quantiles(xs, n=20)[18]
        for how, paint in (("app", paint_as_the_app_does), ("forced", repaint)):
            pw, pc = bench_steps(view, play, paint)
            jw, jc = bench_steps(view, jumps, paint)
            extra = ""
            if how == "forced":
                same, rebuild = bench_set_trace(view, session)
                extra = f" {same:10.2f} {rebuild:8.2f}"
            print(
                f"{name if how == 'app' else '':44s} {how:6s} {med(pw):6.2f} / {med(pc):5.2f} {p95(pw):6.2f}"
                f" {med(jw):6.2f} / {med(jc):5.2f} {p95(jw):6.2f}{extra}"
            )
        view.close()
        view.deleteLater()
        app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
