"""How fast an animation is made, and whether its memory stays flat.  Prints figures,
asserts nothing.

    python benchmarks/bench_export.py [--frames 1000] [--example 04_lstm_remembers_impulse]

Target (issue 15, §4): ≥ 15 frames/s at 1280×720 for the diagrams view; memory flat
over 1000 frames.  Printed, for the diagrams view at 1280×720 with the pulse's
in-between frames (every frame differs):

* painting alone (FrameRenderer.rgb: the view at the frame's step and phase, painted
  and read back as RGB);
* a whole GIF and a whole MP4 as ``rnnviz --export-video`` makes them (painted and
  encoded in turn, one thread);
* the window's way (File > Export animation): painted on the GUI thread, encoded in
  the Jobs worker, overlapped;
* the process's RSS every 10 % of a long MP4 and a long GIF: flat when frames stream.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import QtWidgets  # noqa: E402

from rnnviz.gui.export.frames import FrameRenderer  # noqa: E402
from rnnviz.gui.export.runner import export_video  # noqa: E402
from rnnviz.gui.theme import apply_theme  # noqa: E402
from rnnviz.session.compute import compute  # noqa: E402
from rnnviz.session.examples import examples_dir  # noqa: E402
from rnnviz.session.export_plan import video_request  # noqa: E402
from rnnviz.session.files import load_session  # noqa: E402

SIZE = (1280, 720)


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def request(path: Path, steps: int, frames: int, fps: float = 30):
    per_step = max(1, -(-frames // steps))
    last = max(1, min(steps, -(-frames // per_step)))
    return video_request(
        str(path), steps, step_range=f"1:{last}", fps=fps, size=SIZE, frames_per_step=per_step
    )


def bench_paint(computed, n: int) -> None:
    r = FrameRenderer(computed, "diagrams", SIZE)
    r.rgb(1, 0.0)  # warm
    t = time.perf_counter()
    for i in range(n):
        r.rgb(1 + i % computed.trace.steps, (i % 10) / 10)
    dt = time.perf_counter() - t
    r.close()
    print(
        f"paint only        diagrams {SIZE[0]}×{SIZE[1]}: {n / dt:6.1f} frames/s ({1000 * dt / n:.1f} ms a frame)"
    )


def bench_headless(computed, folder: Path, n: int, rss_every: int = 0) -> None:
    T = computed.trace.steps
    for ext in ("gif", "mp4"):
        req = request(folder / f"film.{ext}", T, n)
        marks: list[tuple[int, float]] = []

        def progress(done, req=req, marks=marks):
            if rss_every and (done % rss_every == 0 or done == 1):
                marks.append((done, rss_mb()))

        t = time.perf_counter()
        export_video(computed, req, progress=progress)
        dt = time.perf_counter() - t
        size = os.path.getsize(req.path) / 1e6
        print(f"headless {ext.upper()}      {req.frame_count} frames: {req.frame_count / dt:6.1f} frames/s "
              f"({size:.1f} MB)")  # fmt: skip
        if marks:
            print(f"  RSS (MB) by frame: {'  '.join(f'{d}:{m:.0f}' for d, m in marks)}")
            print(
                f"  RSS growth from frame {marks[1][0]} to {marks[-1][0]}: {marks[-1][1] - marks[1][1]:+.1f} MB"
            )


def bench_window(computed, folder: Path, n: int) -> None:
    from rnnviz.gui.export.runner import VideoExport
    from rnnviz.gui.jobs import Jobs

    app = QtWidgets.QApplication.instance()
    jobs = Jobs()
    for ext in ("gif", "mp4"):
        req = request(folder / f"window.{ext}", computed.trace.steps, n)
        export = VideoExport(jobs, computed, req)
        done = []
        export.sig_finished.connect(lambda path, error, done=done: done.append((path, error)))
        t = time.perf_counter()
        export.start()
        while not done:
            app.processEvents()
            time.sleep(0.001)
        dt = time.perf_counter() - t
        print(f"window {ext.upper()}        {req.frame_count} frames: {req.frame_count / dt:6.1f} frames/s "
              f"(painted on the GUI thread, encoded in the worker){'  ERROR ' + done[0][1] if done[0][1] else ''}")  # fmt: skip
    jobs.wait_all()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--frames", type=int, default=1000, help="frames of the long films (RSS)")
    p.add_argument("--example", default="04_lstm_remembers_impulse")
    args = p.parse_args(argv)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    apply_theme(app)
    session = load_session(examples_dir() / f"{args.example}.rnnviz")
    computed = compute(session)
    net = session.network
    print(
        f"{session.title}: {net.mode}, H = {net.hidden_size}, T = {session.sequence.steps}; {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bench_paint(computed, 120)
        bench_headless(computed, folder, 120)
        bench_window(computed, folder, 120)
        print(f"long films ({args.frames} frames), RSS every {args.frames // 10}:")
        bench_headless(computed, folder, args.frames, rss_every=max(1, args.frames // 10))
    return 0


if __name__ == "__main__":
    sys.exit(main())
