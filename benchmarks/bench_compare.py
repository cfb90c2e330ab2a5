"""Compare mode: three runs (tanh RNN, LSTM, GRU) at T = 1000, H = 128.

    python benchmarks/bench_compare.py

Prints, offscreen (targets in brackets); asserts nothing:

- compute: the forward pass, loss and BPTT of all three runs (what an edit recomputes);
- edit → every view up to date: median and p95 over 21 edits of one weight, with the
  Plots (the compare panels), the Diagrams or the Step math in front [≤ 100 ms];
- playback with the Plots in front at 1920×1080 [≥ 30 fps];
- training: rounds a second of :class:`~rnnviz.session.compare.RunsJob` (one update of
  every run) against the bare ``engine.train()`` of each run alone: the efficiency is
  (round rate) × Σ(1 / single rate) [≥ 80 %].
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
from PySide6 import QtWidgets  # noqa: E402

from rnnviz.engine import Network, NetworkSpec  # noqa: E402
from rnnviz.engine.train import train  # noqa: E402
from rnnviz.session import Sequence, Session  # noqa: E402
from rnnviz.session.compare import RunsJob, compare_sessions, run_session, with_networks  # noqa: E402
from rnnviz.session.compute import compute  # noqa: E402
from rnnviz.session.training import TrainingSettings, engine_shape, loss_for  # noqa: E402

T, H = 1000, 128
MODES = ("rnn_tanh", "lstm", "gru")


def comparison() -> Session:
    t = np.arange(T + 1)
    wave = np.sin(2 * np.pi * t / 25.0)
    seq = Sequence(
        inputs=wave[:-1, None], targets=wave[1:, None], input_names=("sin",), target_names=("next",)
    )
    sessions = [
        (m, Session(Network.from_spec(NetworkSpec(m, 1, H, output_size=1), seed=0), seq)) for m in MODES
    ]
    return compare_sessions(sessions)


def _rate(it, seconds: float) -> float:
    next(it)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        next(it)
        n += 1
    return n / (time.perf_counter() - t0)


def bench_compute(session: Session) -> None:
    """Every run computed anew (a new sequence), and an edit of the active run's weights
    (the other runs' computations are reused: their networks did not change)."""
    cold, warm = [], []
    for k in range(5):
        fresh = with_networks(session, [Network(r.network.spec, r.network.params()) for r in session.runs])
        t0 = time.perf_counter()
        compute(fresh)
        cold.append(time.perf_counter() - t0)
        w = np.array(fresh.network.param("weight_hh_l0"))
        w[0, 0] += 0.01 * (k + 1)
        t0 = time.perf_counter()
        compute(fresh.with_network(fresh.network.with_params({"weight_hh_l0": w})))
        warm.append(time.perf_counter() - t0)
    print(f"compute, 3 runs T={T} H={H} (forward + loss + BPTT): every run {statistics.median(cold) * 1000:.0f} ms;"
          f" an edit of the active run {statistics.median(warm) * 1000:.0f} ms (the others reused)")  # fmt: skip


def bench_edits(app, session: Session) -> None:
    from rnnviz.gui.main_window import MainWindow

    for view in ("plots", "diagrams", "math"):
        window = MainWindow(session, threading="auto")
        window.resize(1400, 900)
        window.show_view(view)
        window.show()
        app.processEvents()
        while window.controller.busy:
            app.processEvents()
        key, base = "weight_hh_l0", np.array(session.network.param("weight_hh_l0"))
        times = []
        for k in range(21):
            edited = base.copy()
            edited[0, 0] += 0.01 * (k + 1)
            t0 = time.perf_counter()
            window.controller.set_param(key, edited)
            while window.controller.busy:
                app.processEvents()
            app.processEvents()
            times.append(time.perf_counter() - t0)
        window.close()
        times.sort()
        p95 = times[int(round(0.95 * (len(times) - 1)))]
        print(f"edit → {view:<8} in front: median {statistics.median(times) * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms"
              "  [≤ 100 ms]")  # fmt: skip


def bench_playback(app, session: Session, frames: int = 150) -> None:
    from rnnviz.gui.main_window import MainWindow

    window = MainWindow(session, threading="sync")
    window.resize(1920, 1080)
    window.show_view("plots")
    window.show()
    app.processEvents()
    pb = window.playback
    t0 = time.perf_counter()
    for k in range(frames):
        pb.set_step(1 + k % T)
        app.processEvents()
    fps = frames / (time.perf_counter() - t0)
    window.close()
    print(f"playback, Plots in front (compare panels), 1920×1080: {fps:6.1f} fps  [≥ 30]")


def bench_training(session: Session, seconds: float = 4.0) -> None:
    settings = TrainingSettings(epochs=1_000_000)
    singles = []
    for k, mode in enumerate(MODES):
        s = run_session(session, k)
        data = (s.sequence.inputs, s.sequence.targets)
        run = train(s.network, data, loss_for(s.network), engine_shape(s.sequence.shape),
                    settings.make_optimizer(), settings.epochs, None, settings.seed)  # fmt: skip
        singles.append(_rate(iter(run), seconds / 2))
        print(f"  bare engine.train() {mode:<8}: {singles[-1]:7.2f} updates/s")
    ticks = RunsJob(session, settings).steps()
    rounds = _rate((t for t in ticks if t.round_end), seconds)
    efficiency = rounds * sum(1 / r for r in singles)
    print(f"training 3 runs (RunsJob, round by round): {rounds:6.2f} rounds/s = {100 * efficiency:5.1f} % "
          "of the three bare runs one after another  [≥ 80 %]")  # fmt: skip


def main() -> None:
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    from rnnviz.gui.theme import apply_theme

    apply_theme(app)
    session = comparison()
    print(f"compare benchmark: runs {', '.join(r.name for r in session.runs)}; T = {T}, H = {H}")
    bench_compute(session)
    bench_edits(app, session)
    bench_playback(app, session)
    bench_training(session)


if __name__ == "__main__":
    main()
