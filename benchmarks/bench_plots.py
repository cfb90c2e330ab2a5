"""How fast the plots are: playback frames and set_trace after an edit.  Prints figures, asserts nothing.

    python benchmarks/bench_plots.py [--frames 200] [--repeats 15]

Targets (issue 3, §6): playback ≥ 30 fps with every panel visible at T = 1000 and
H = 128; after an edit, every view up to date within 50 ms (median) for T ≤ 200, H ≤ 64.
A frame is ``set_step(t)`` plus a full repaint of the widget (``grab()``: every
item redrawn; "every panel rendered" grabs the scroll area's whole content), or
plus ``processEvents()`` (what a screen does: only the changed regions repaint).
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

from rnnviz.gui.plots import PlotsArea  # noqa: E402
from rnnviz.gui.plots.examples import per_step_loss, random_session, sine_sequence, text_sequence  # noqa: E402


def make_area(session, size=(900, 650)) -> tuple[PlotsArea, object]:
    area = PlotsArea()
    area.resize(*size)
    trace = session.network.forward(session.inputs)
    area.set_loss(per_step_loss(session, trace))
    area.set_trace(trace, session)
    area.set_step(1)
    area.show()
    QtWidgets.QApplication.processEvents()
    area.grab()
    return area, trace


def ms(xs) -> str:
    xs = sorted(xs)
    return f"median {statistics.median(xs) * 1e3:7.2f} ms · p90 {xs[int(0.9 * (len(xs) - 1))] * 1e3:7.2f} ms"


def bench_playback(label: str, session, frames: int, heatmap: bool | None = None) -> None:
    area, trace = make_area(session)
    if heatmap is not None:
        for p in area.active_unit_panels():
            p.set_heatmap(heatmap)
    T = trace.steps
    steps = np.linspace(0, T, frames).astype(int)
    for target, name in ((area, "visible area (scrolled)"), (area.grid_host, "every panel rendered")):
        times = []
        for t in steps:
            t0 = time.perf_counter()
            area.set_step(int(t))
            target.grab()
            times.append(time.perf_counter() - t0)
        fps = 1.0 / statistics.median(times)
        print(f"  {label:44s} {name:24s} {ms(times)} → {fps:6.1f} fps")
    app = QtWidgets.QApplication.instance()
    live, cheap = [], []
    for t in steps:  # what a screen does: repaint only what changed (the cursors, the bars)
        t0 = time.perf_counter()
        area.set_step(int(t))
        t1 = time.perf_counter()
        app.processEvents()
        live.append(time.perf_counter() - t0)
        cheap.append(t1 - t0)
    fps = 1.0 / statistics.median(live)
    print(f"  {label:44s} {'set_step + processEvents':24s} {ms(live)} → {fps:6.1f} fps")
    print(f"  {label:44s} {'set_step alone':24s} {ms(cheap)}")
    area.close()
    area.deleteLater()


def bench_set_trace(label: str, session, repeats: int) -> None:
    area, trace = make_area(session)
    rng = np.random.default_rng(0)
    sessions = []
    for _ in range(repeats):  # an edit: new weights, same structure
        key = "weight_hh_l0"
        w = session.network.param(key) + rng.normal(0, 0.05, session.network.param(key).shape)
        s = session.with_network(session.network.with_params({key: w}))
        sessions.append((s, s.network.forward(s.inputs)))
    app = QtWidgets.QApplication.instance()
    update, update_paint, update_events = [], [], []
    for k, (s, tr) in enumerate(sessions * 2):
        loss = per_step_loss(s, tr)
        t0 = time.perf_counter()  # what the main window calls after an edit, in its order
        area.set_trace(tr, s)
        area.set_loss(loss)
        area.set_selection(0, 0, 0, "")
        area.set_step(1)
        t1 = time.perf_counter()
        if k < len(sessions):
            area.grab()
            update.append(t1 - t0)
            update_paint.append(time.perf_counter() - t0)
        else:
            app.processEvents()
            update_events.append(time.perf_counter() - t0)
    print(f"  {label:44s} {'set_trace+loss+sel+step':28s} {ms(update)}")
    print(f"  {label:44s} {'  + grab() (full repaint)':28s} {ms(update_paint)}")
    print(f"  {label:44s} {'  + processEvents':28s} {ms(update_events)}")
    rebuild = []
    for k in range(repeats):  # a structural edit: H changes every time
        s2 = random_session(
            session.network.mode, session.network.hidden_size - 1 - (k % 2), session.sequence,
            out=session.network.spec.output_size, head=session.network.head_activation,
        )  # fmt: skip
        tr2 = s2.network.forward(s2.inputs)
        t0 = time.perf_counter()
        area.set_trace(tr2, s2)
        area.grab()
        rebuild.append(time.perf_counter() - t0)
    print(f"  {label:44s} {'rebuild (H changed) + repaint':28s} {ms(rebuild)}")
    area.close()
    area.deleteLater()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setStyle("Fusion")

    print("Playback: set_step(t) + repaint, 900×650 offscreen (target ≥ 30 fps)")
    big = random_session("lstm", 128, sine_sequence(1000, 50), seed=2)
    bench_playback("LSTM H=128 T=1000 (heatmaps: default)", big, args.frames)
    bench_playback("LSTM H=128 T=1000 (lines: 16 per panel)", big, args.frames, heatmap=False)
    text = random_session("gru", 128, text_sequence(1000, vocab_size=40), head="softmax", seed=3)
    bench_playback("GRU H=128 T=1000, 40-token softmax", text, args.frames)

    print(f"\nAfter an edit: set_trace, median of {args.repeats} (target ≤ 50 ms for T ≤ 200, H ≤ 64)")
    bench_set_trace(
        "LSTM H=64 T=200 (heatmaps)", random_session("lstm", 64, sine_sequence(200)), args.repeats
    )
    bench_set_trace("LSTM H=16 T=200 (lines)", random_session("lstm", 16, sine_sequence(200)), args.repeats)
    bench_set_trace(
        "GRU H=64 T=200 text softmax",
        random_session("gru", 64, text_sequence(200, vocab_size=12), head="softmax"),
        args.repeats,
    )
    bench_set_trace("RNN tanh H=3 T=4 (seed 003 shape)", random_session(
        "rnn_tanh", 3, text_sequence(4), head="softmax"), args.repeats)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
