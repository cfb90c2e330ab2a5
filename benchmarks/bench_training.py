"""Training benchmark: bare throughput, the window's overhead, its responsiveness, memory.

    python benchmarks/bench_training.py            # ≈ 2 minutes
    python benchmarks/bench_training.py seed       # only the jobs whose label has "seed"
    RNNVIZ_BENCH_SECONDS=3 python benchmarks/bench_training.py   # seconds per GUI run

For three jobs (seed 003's example, a char-LSTM H=128 T=100, a 2-layer bidirectional
GRU H=64 T=500) it prints:

- bare: updates/s of ``TrainingJob(session, settings).steps()`` pulled in a plain loop
  and of ``rnnviz.engine.train(...)`` directly (no Qt);
- GUI: a real MainWindow (offscreen), 1400×900, the Training tab in front,
  ``window.trainer.train(settings)`` (threading "auto": training runs in a child
  process, the window's worker thread waits on its messages and computes the ≈ 5 Hz
  commits), the loss curve live; updates/s in the steady state (from the first update
  on) and its ratio to the bare ``engine.train()`` [target ≥ 90 %], and how long the
  first update took to arrive (the child process starting);
- responsiveness during a second such run: the longest gap between two runs of a 1 ms
  timer (the longest the event loop stalls) [target < 100 ms] and the frames the central
  view actually paints when asked to repaint every 16 ms [target ≥ 30 fps]; the same
  with the Diagrams tab in front (the current weights live at ≈ 5 Hz commits);
- memory: the training history's bytes and their bound after the run, the growth of
  the window process's peak RSS over the job's GUI runs, and the training process's
  peak RSS.

It asserts nothing.  Numbers vary with the machine's load: the window and the
training process each want a core.
"""

from __future__ import annotations

import os
import resource
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# as rnnviz.gui.app.run does before NumPy is imported
os.environ.setdefault("OPENBLAS_NUM_THREADS", os.environ.get("RNNVIZ_BENCH_BLAS_THREADS", "1"))

# measure the checkout this file lives in, not whichever rnnviz is installed
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
from PySide6 import QtCore, QtWidgets  # noqa: E402

import rnnviz  # noqa: E402
from rnnviz.engine import Network, NetworkSpec  # noqa: E402
from rnnviz.engine.train import train  # noqa: E402
from rnnviz.session import Sequence, Session  # noqa: E402
from rnnviz.session.defaults import default_session  # noqa: E402
from rnnviz.session.history import TrainingHistory  # noqa: E402
from rnnviz.session.text import text_sequence  # noqa: E402
from rnnviz.session.training import TrainingJob, TrainingSettings, engine_shape, loss_for  # noqa: E402

SECONDS = float(os.environ.get("RNNVIZ_BENCH_SECONDS", "6"))  # each GUI run
BARE_SECONDS = max(1.0, SECONDS / 2)
SETTINGS = TrainingSettings(epochs=1_000_000)  # Adam 0.01: never ends within a run

TEXT = (
    "the quick brown fox jumps over the lazy dog while the small cat sleeps in the warm sun "
    "by the old door."
)  # 100 characters


def seed003() -> Session:
    return default_session()


def char_lstm() -> Session:
    seq = text_sequence(TEXT, mode="char")
    V = len(seq.vocabulary)
    spec = NetworkSpec("lstm", V, 128, 1, False, V, "softmax")
    return Session(network=Network.from_spec(spec, seed=0), sequence=seq, title="char-LSTM")


def bi_gru() -> Session:
    T = 500
    t = np.arange(T + 1)
    wave = np.sin(2 * np.pi * t / 25.0)  # [T + 1]
    seq = Sequence(
        inputs=wave[:-1, None], targets=wave[1:, None], input_names=("sin",), target_names=("next",)
    )
    spec = NetworkSpec("gru", 1, 64, 2, True, 1, None)
    return Session(network=Network.from_spec(spec, seed=0), sequence=seq, title="bi-GRU")


JOBS = (
    ("seed 003 (tanh H=3 T=4, softmax)", seed003),
    ("char-LSTM H=128 T=100 (softmax)", char_lstm),
    ("GRU 2 layers bi H=64 T=500 (MSE)", bi_gru),
)


# -- bare ----------------------------------------------------------------------------------
CPU_RATES: list[float] = []  # updates per CPU second of each bare run, in order


def _rate(it, seconds: float) -> float:
    """Updates per second pulled from ``it`` over about ``seconds`` (after one warm-up update);
    the rate per CPU second is appended to ``CPU_RATES``."""
    next(it)
    n, t0, c0 = 0, time.perf_counter(), time.process_time()
    while True:
        next(it)
        n += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            CPU_RATES.append(n / max(time.process_time() - c0, 1e-9))
            return n / elapsed


def bare_engine_rate(session: Session) -> float:
    net = session.network
    data = (session.sequence.inputs, session.sequence.targets)
    run = train(net, data, loss_for(net), engine_shape(session.sequence.shape),
                SETTINGS.make_optimizer(), SETTINGS.epochs, None, SETTINGS.seed)  # fmt: skip
    return _rate(iter(run), BARE_SECONDS)


def worker_loop_ratio(session: Session, rounds: int = 3, updates: int = 3000) -> list[float]:
    """The training process's own loop (``training_worker._Worker.run``: ticks batched, JSON
    written, commands polled, the result saved), run here with its output in memory, against
    ``TrainingJob.steps()`` pulled bare: ``rounds`` pairs, interleaved, each the same number of
    updates, so a drift of the machine's speed falls on both alike."""
    import io
    import itertools
    import queue
    import tempfile

    from rnnviz.session import training_worker
    from rnnviz.session.compare import RunsJob

    class Limited(RunsJob):
        def steps(self):
            return itertools.islice(super().steps(), updates)

    ratios = []
    for _ in range(rounds):
        it = iter(TrainingJob(session, SETTINGS).steps())
        next(it)
        t0 = time.perf_counter()
        for _ in range(updates):
            next(it)
        bare = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as folder:
            worker = training_worker._Worker(
                Limited(session, SETTINGS), io.BytesIO(), folder, queue.Queue(), -1
            )
            t0 = time.perf_counter()
            worker.run()
            ratios.append(bare / (time.perf_counter() - t0))
    return ratios


def bare_rates(session: Session) -> tuple[float, float]:
    job_rate = _rate(iter(TrainingJob(session, SETTINGS).steps()), BARE_SECONDS)
    return job_rate, bare_engine_rate(session)


# -- the window ----------------------------------------------------------------------------
class Probe(QtCore.QObject):
    """The longest gap between two runs of a 1 ms timer, and the paint events of
    ``widget`` when it is asked to repaint every 16 ms."""

    def __init__(self, widget: QtWidgets.QWidget):
        super().__init__(widget)
        self.widget = widget
        self.longest = 0.0
        self.frames = 0
        self._last = time.perf_counter()
        self._tick = QtCore.QTimer(self, interval=1, timerType=QtCore.Qt.TimerType.PreciseTimer)
        self._tick.timeout.connect(self._on_tick)
        self._frame = QtCore.QTimer(self, interval=16, timerType=QtCore.Qt.TimerType.PreciseTimer)
        self._frame.timeout.connect(widget.update)
        widget.installEventFilter(self)

    def start(self) -> None:
        self.longest, self.frames, self._last = 0.0, 0, time.perf_counter()
        self._tick.start()
        self._frame.start()

    def stop(self) -> None:
        self._tick.stop()
        self._frame.stop()
        self.widget.removeEventFilter(self)

    def _on_tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QtCore.QEvent.Type.Paint:
            self.frames += 1
        return False


def _spin(app: QtWidgets.QApplication, seconds: float) -> None:
    """Run the real event loop for ``seconds``."""
    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def gui_run(app, session: Session, tab: str, probe: bool) -> dict:
    from rnnviz.gui.main_window import MainWindow

    window = MainWindow(session, threading="auto")
    window.resize(1400, 900)
    window.show_view(tab)
    window.show()
    while window.controller.busy:
        app.processEvents()
    _spin(app, 0.3)
    view = window.central_tabs.currentWidget()
    p = Probe(view) if probe else None
    trainer = window.trainer
    if not trainer.train(SETTINGS):
        raise SystemExit("the window refused to train")
    job = trainer.job
    started, u0 = time.perf_counter(), job.updates
    while job.updates == u0:  # the child process starting and its first updates arriving
        app.processEvents()
    first_ms = (time.perf_counter() - started) * 1000
    if p is not None:
        p.start()
    t0, u0, cpu0, child0 = time.perf_counter(), job.updates, time.process_time(), _child_cpu_s(job)
    _spin(app, SECONDS)
    wall = time.perf_counter() - t0
    rate = (job.updates - u0) / wall
    cpu = (time.process_time() - cpu0) / wall  # the window process's share of a core
    child_cpu = (_child_cpu_s(job) - child0) / wall  # the training process's (1.0: a whole core)
    child_mb = _child_peak_mb(job)
    if p is not None:
        p.stop()
    trainer.stop()
    while trainer.state != "idle":
        app.processEvents()
    # let the worker threads end before the window goes: a Qt wrapper whose last reference
    # dies in a worker while the GUI thread deletes widgets can deadlock PySide (seen here)
    window.controller.wait()
    history = job.result().training.history
    out = {"rate": rate, "child_cpu": child_cpu, "updates": history.updates, "history": history.nbytes, "first_ms": first_ms, "cpu": cpu,
           "bound": TrainingHistory.bytes_bound(session.network), "child_mb": child_mb}  # fmt: skip
    if p is not None:
        out.update(longest_ms=p.longest * 1000, fps=p.frames / SECONDS)
    window.close()
    window.deleteLater()
    app.processEvents()
    return out


def _child_cpu_s(job) -> float:
    """The training process's CPU seconds so far (Linux), 0 when training runs in this process:
    below a whole core while it trains, it waited (for the CPU, or on a full pipe)."""
    proc = getattr(job, "_proc", None)
    try:
        with open(f"/proc/{proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (AttributeError, OSError, IndexError, ValueError):
        return 0.0


def _child_peak_mb(job) -> float:
    """The training process's peak RSS (Linux), 0 when training runs in this process."""
    proc = getattr(job, "_proc", None)
    try:
        with open(f"/proc/{proc.pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024
    except (AttributeError, OSError, StopIteration):
        return 0.0


def bench_job(app, label: str, make) -> None:
    session = make()
    print(f"\n{label}: {session.network.spec.num_parameters():,} parameters")
    job_rate, engine_rate = bare_rates(session)
    engine_cpu_rate = CPU_RATES[-1]
    print(
        f"  bare   TrainingJob.steps(): {job_rate:8.1f} updates/s   engine.train(): {engine_rate:8.1f} updates/s"
    )
    rss0 = _peak_rss_mb()
    gui = gui_run(app, session, "training", probe=False)
    # the machine's speed drifts (load, clocks): the bare rate again right after the GUI run,
    # and the ratio against the mean of the two
    after = bare_engine_rate(session)
    engine_cpu_rate = (engine_cpu_rate + CPU_RATES[-1]) / 2
    print(f"  bare   engine.train() again after the GUI run: {after:8.1f} updates/s"
          f" (the ratios below use the mean, {(engine_rate + after) / 2:.1f})")  # fmt: skip
    engine_rate = (engine_rate + after) / 2
    print(
        f"  GUI    Training tab (offscreen, 1400×900): {gui['rate']:8.1f} updates/s"
        f" = {100 * gui['rate'] / engine_rate:5.1f} % of engine.train() [target ≥ 90 %]"
        f" ({100 * gui['rate'] / job_rate:5.1f} % of TrainingJob); first update after {gui['first_ms']:.0f} ms;"
        f" the window used {100 * gui['cpu']:.0f} % of a core, the training process {100 * gui['child_cpu']:.0f} %"
    )
    loop = worker_loop_ratio(session, updates=max(20, int(3 * job_rate)))
    print(f"  loop   the training process's loop here, interleaved with bare TrainingJob.steps():"
          f" {' / '.join(f'{100 * r:.0f} %' for r in loop)} of its rate")  # fmt: skip
    if gui["child_cpu"] > 0:
        child_cpu_rate = gui["rate"] / gui["child_cpu"]
        print(
            f"  per CPU second (free of the wait for a core): engine.train() {engine_cpu_rate:8.1f} updates,"
            f" the training process {child_cpu_rate:8.1f} = {100 * child_cpu_rate / engine_cpu_rate:5.1f} %"
        )
    for tab in ("training", "diagrams"):
        r = gui_run(app, session, tab, probe=True)
        print(
            f"  probe  {tab:<8} in front: longest stall {r['longest_ms']:6.1f} ms [< 100];"
            f" central view painted {r['fps']:5.1f} fps [≥ 30]; {r['rate']:8.1f} updates/s"
            f" ({100 * r['rate'] / engine_rate:5.1f} % of engine.train()); window {100 * r['cpu']:.0f} % of a core"
        )
    print(
        f"  memory history after {gui['updates']:,} updates: {gui['history'] / 1e6:.2f} MB"
        f" (snapshot bound {gui['bound'] / 1e6:.2f} MB + 24 B an update);"
        f" peak RSS +{_peak_rss_mb() - rss0:.0f} MB over its GUI runs (now {_peak_rss_mb():.0f} MB);"
        f" the training process's peak RSS {gui['child_mb']:.0f} MB"
    )


def _quiet(mode, context, message: str) -> None:
    if "propagateSizeHints" not in message:  # the offscreen plugin says so for every window
        sys.stderr.write(message + "\n")


def main() -> None:
    QtCore.qInstallMessageHandler(_quiet)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    from rnnviz.gui.theme import apply_theme

    apply_theme(app)
    t0 = time.perf_counter()
    print(f"training benchmark: QT_QPA_PLATFORM={os.environ['QT_QPA_PLATFORM']}, "
          f"{SECONDS:g} s a GUI run, {BARE_SECONDS:g} s a bare run, switch interval "
          f"{sys.getswitchinterval() * 1000:g} ms; rnnviz from {os.path.dirname(rnnviz.__file__)}")  # fmt: skip
    wanted = [w.lower() for w in sys.argv[1:]]  # e.g. "seed" or "gru": only the jobs whose label has it
    for label, make in JOBS:
        if not wanted or any(w in label.lower() for w in wanted):
            bench_job(app, label, make)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
