"""GUI benchmark: edit → every view up to date, start-up to first frame, playback fps.

    python benchmarks/bench_gui.py [edit] [playback] [stall] [startup] [export]

Runs offscreen and prints figures (targets in brackets); it asserts nothing.  With no
argument every part runs; name parts to run only those (the machine may be shared).
``RNNVIZ_BENCH_VIEWS=plots`` (comma-separated) limits edit, playback and export to those views.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# as rnnviz.gui.app.run does before NumPy is imported (set RNNVIZ_BENCH_BLAS_THREADS to compare)
os.environ.setdefault("OPENBLAS_NUM_THREADS", os.environ.get("RNNVIZ_BENCH_BLAS_THREADS", "1"))

import numpy as np  # noqa: E402
from PySide6 import QtWidgets  # noqa: E402

from rnnviz.engine import Network, NetworkSpec  # noqa: E402
from rnnviz.gui.main_window import MainWindow  # noqa: E402
from rnnviz.gui.theme import apply_theme  # noqa: E402
from rnnviz.session import Sequence, Session  # noqa: E402
from rnnviz.session.defaults import default_session  # noqa: E402


def sine_session(mode: str, steps: int, hidden: int, layers: int = 1, bi: bool = False) -> Session:
    spec = NetworkSpec(mode, 1, hidden, layers, bi, 1, None)
    t = np.arange(steps + 1)
    wave = np.sin(2 * np.pi * t / 25.0)
    seq = Sequence(
        inputs=wave[:-1, None], targets=wave[1:, None], input_names=("sin",), target_names=("next",)
    )
    return Session(
        network=Network.from_spec(spec, seed=0), sequence=seq, title=f"{mode} H={hidden} T={steps}"
    )


def flush(app: QtWidgets.QApplication, window: QtWidgets.QWidget) -> None:
    """Deliver pending events and paint what changed (update requests), as the event loop would."""
    app.processEvents()


# the central tab in front; the others catch up when shown
VIEWS = tuple(os.environ.get("RNNVIZ_BENCH_VIEWS", "diagrams,math,plots").split(","))


def bench_edit(app, label: str, session: Session, view: str, repeats: int = 40) -> None:
    window = MainWindow(session, threading="auto")
    window.show_view(view)
    window.show()
    flush(app, window)
    times, cpu = [], []
    from rnnviz.session.compute import SYNC_COST_LIMIT, estimated_cost

    sync = "sync" if estimated_cost(session) <= SYNC_COST_LIMIT else "worker"
    key = "weight_hh_l0"
    base = np.array(session.network.param(key))
    for k in range(repeats):
        edited = base.copy()
        edited[0, 0] += 0.01 * (k + 1)
        t0, c0 = time.perf_counter(), time.thread_time()
        window.controller.set_param(key, edited)
        if window.controller.busy:  # computed in the worker: wait for it
            while window.controller.busy:
                app.processEvents()
        flush(app, window)
        times.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
    window.close()
    med = statistics.median(times) * 1000
    # the GUI thread's CPU time: what the wall time would be on an idle machine (sync computes;
    # a worker's compute is not in it), far less shaken by other processes than the wall time
    cpu_note = f"  GUI-thread CPU median {statistics.median(cpu) * 1000:5.1f} p95 {p95(cpu) * 1000:5.1f}"
    print(
        f"edit → docks + {view:<8} {label:<34} median {med:6.1f} ms  p95 {p95(times) * 1000:6.1f} ms"
        f"  (max {max(times) * 1000:6.1f}){cpu_note if sync == 'sync' else ''}  [{sync}; target p95 ≤ 50 ms]"
    )


def p95(values) -> float:
    """The 95th percentile (linear interpolation between the nearest ranks)."""
    return float(np.percentile(np.asarray(values, dtype=float), 95))


def bench_startup() -> None:
    walls, firsts = [], []
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for _ in range(3):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "rnnviz", "--startup-probe"], capture_output=True, text=True, env=env
        ).stdout
        walls.append(time.perf_counter() - t0)
        for line in out.splitlines():
            if line.startswith("startup_to_first_frame_s"):
                firsts.append(float(line.split()[1]))
    print(
        f"start-up to first frame (python -m rnnviz, whole process incl. interpreter): "
        f"median {statistics.median(walls):.2f} s; inside the app from import of rnnviz.gui.app: "
        f"{statistics.median(firsts):.2f} s  [target 1.0 s]"
    )


def bench_export_png(runs: int = 5) -> None:
    """``rnnviz --export-png`` as a whole process (interpreter, imports, window, paint, PNG),
    for the default session and an example; with the child's CPU time (user + system), which
    other processes on a shared machine shake far less than the wall time."""
    import resource
    import tempfile

    from rnnviz.session.examples import examples_dir

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: the modules' bytecode is cached
    example = os.path.join(examples_dir(), "04_lstm_remembers_impulse.rnnviz")

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "x.png")
        for view in VIEWS:
            for name, extra in (("default", []), ("04 LSTM", [example])):
                cmd = [sys.executable, "-m", "rnnviz", "--export-png", out, "--view", view, *extra]
                subprocess.run(cmd, capture_output=True, env=env)  # warm: bytecode and disk cache
                walls, cpus = [], []
                for _ in range(runs):
                    t0, c0 = time.perf_counter(), cpu()
                    done = subprocess.run(cmd, capture_output=True, env=env)
                    walls.append(time.perf_counter() - t0)
                    cpus.append(cpu() - c0)
                ok = "" if done.returncode == 0 else f", exit {done.returncode}"
                print(
                    f"rnnviz --export-png --view {view:<8} {name:<8} whole process: median of {runs} "
                    f"{statistics.median(walls):.2f} s (min {min(walls):.2f}, max {max(walls):.2f}{ok}); "
                    f"CPU {statistics.median(cpus):.2f} s  [target ≤ 1.0 s]"
                )


def bench_playback(
    app, view: str, mode: str = "lstm", steps: int = 1000, hidden: int = 128, frames: int = 200
) -> None:
    window = MainWindow(sine_session(mode, steps, hidden), threading="sync")
    window.resize(1920, 1080)
    window.show_view(view)
    window.show()
    flush(app, window)
    views = getattr(window.plots_view, "visible_panels", lambda: [])()
    pb = window.playback
    pb.set_step(1)
    flush(app, window)
    t0 = time.perf_counter()
    for k in range(frames):
        pb.set_step(1 + (k % steps))
        app.processEvents()  # what the event loop does per timer tick: update + paint dirty regions
    elapsed = time.perf_counter() - t0
    t1 = time.perf_counter()
    for k in range(frames // 4):
        pb.set_step(1 + (k % steps))
        window.repaint()  # forced full repaint of the whole window, the worst case
    forced = time.perf_counter() - t1
    window.close()
    print(
        f"playback {mode} T={steps} H={hidden}, {view} in front"
        f"{f' ({len(views)} plot panels)' if view == 'plots' else ''}, 1920×1080: "
        f"{frames / elapsed:6.1f} fps (event loop), {frames // 4 / forced:6.1f} fps (full-window repaint)  [target ≥ 60]"
    )


def bench_file_stall(app, steps: int = 1_000_000, features: int = 16) -> None:
    """The longest the GUI thread goes without running its event loop while a big session
    is opened and saved: on the GUI thread (as before) and in the worker (as now)."""
    import tempfile

    from PySide6 import QtCore

    from rnnviz.gui.files import FileActions
    from rnnviz.session import save_session

    x = np.random.default_rng(0).normal(size=(steps, features))
    spec = NetworkSpec("rnn_tanh", features, 8, 1, False, 1, None)
    big = Session(network=Network.from_spec(spec, seed=0), sequence=Sequence(inputs=x, targets=x[:, :1]))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.rnnviz")
        save_session(big, path)
        mb = os.path.getsize(path) / 1e6
        for background in (False, True):
            window = MainWindow(default_session(), threading="auto")
            window.show()
            files = FileActions(
                window, window.controller, state_dir=os.path.join(tmp, "state"), recovery=False
            )
            files.background_io = background
            files.ask_unsaved = lambda name: "discard"
            files.choose_save_path = lambda suggested: os.path.join(tmp, "again.rnnviz")
            flush(app, window)
            gaps = {}
            for what, act in (("open", lambda f=files: f.open_path(path)), ("save", files.save_as)):
                stamps = [time.perf_counter()]
                timer = QtCore.QTimer()
                timer.setInterval(5)
                timer.timeout.connect(lambda s=stamps: s.append(time.perf_counter()))
                timer.start()
                t0 = time.perf_counter()
                ok = act()
                while files.jobs.busy("file"):  # in the worker: open/save return at once
                    app.processEvents()
                    time.sleep(0.001)
                took = time.perf_counter() - t0
                stamps.append(time.perf_counter())
                timer.stop()
                gaps[what] = (max(np.diff(stamps)), took, ok)
                window.controller.finish(60_000)
                flush(app, window)
            window.close()
            where = "worker    " if background else "GUI thread"
            print(
                f"{mb:.0f} MB session, read and written on the {where}: longest GUI stall "
                + ", ".join(
                    f"{k} {g * 1e3:6.0f} ms (of {t * 1e3:5.0f} ms{'' if ok else ', failed'})"
                    for k, (g, t, ok) in gaps.items()
                )
                + "  [target: no freeze]"
            )


def main() -> int:
    print(
        f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (figures scale with load); "
        f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}"
    )
    parts = set(sys.argv[1:]) or {"edit", "playback", "stall", "startup", "export"}
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    apply_theme(app)
    if "edit" in parts:
        for view in VIEWS:
            bench_edit(app, "default (seed 003, vanilla H=3, T=4)", default_session(), view)
            bench_edit(app, "vanilla tanh H=64, T=200", sine_session("rnn_tanh", 200, 64), view)
            bench_edit(app, "LSTM H=64, T=200", sine_session("lstm", 200, 64), view)
            bench_edit(app, "GRU H=64, T=200", sine_session("gru", 200, 64), view)
            bench_edit(app, "LSTM 2-layer bi H=64, T=200", sine_session("lstm", 200, 64, 2, True), view)
    if "playback" in parts:
        for view in VIEWS:
            bench_playback(app, view)
    if "stall" in parts:
        bench_file_stall(app)
    if "startup" in parts:
        bench_startup()
    if "export" in parts:
        bench_export_png()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
