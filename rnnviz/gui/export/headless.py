"""``rnnviz --export-video OUT.gif|OUT.mp4 [FILE] [--view V] [--steps A:B] [--fps N]
[--size WxH] [--frames-per-step K] [--theme T] [--present]`` and ``rnnviz --export-pdf OUT
[FILE] [--steps A:B]``: the same request checks and frame painting as the window's
Export animation and Export handout.  A bad request exits 2 with one line on stderr
and writes nothing."""

from __future__ import annotations

import sys
import time

from rnnviz.session.export_plan import (
    DEFAULT_FPS,
    DEFAULT_SIZE,
    ExportRequestError,
    check_theme,
    handout_request,
    parse_size,
    video_request,
)


def add_arguments(p) -> None:
    """The export options of ``rnnviz`` (gui.app.parse_args)."""
    p.add_argument("--export-video", metavar="OUT", help="write an animation of --view over --steps to "
                   "OUT.gif or OUT.mp4 (the format comes from the extension) and exit")  # fmt: skip
    p.add_argument("--export-pdf", metavar="OUT", help="write a handout to OUT.pdf: one page per step of "
                   "--steps (the diagrams and the step's math; the title and note first) and exit")  # fmt: skip
    p.add_argument("--steps", metavar="A:B", help="the steps to export, both included (default: 1 to T)")
    p.add_argument(
        "--fps", type=float, default=DEFAULT_FPS, help=f"frames per second (default {DEFAULT_FPS:g})"
    )
    p.add_argument("--size", metavar="WxH", help="the picture's size in pixels (default: 1280x720 for "
                   "--export-video, the window's 1400x900 for --export-png)")  # fmt: skip
    p.add_argument("--frames-per-step", type=int, default=1, metavar="K",
                   help="--export-video: K > 1 adds in-between frames in which the data flow "
                   "runs along the wires (default 1: one still frame per step)")  # fmt: skip
    p.add_argument("--theme", default=None, choices=None, metavar="T",
                   help="light, dark or high-contrast (default: light for exports; the window: "
                   "the theme chosen last time)")  # fmt: skip
    p.add_argument("--present", action="store_true", help="presentation styling: a large caption, large "
                   "tabs, no docks (as F5 shows the window); without an export, start presenting")  # fmt: skip


def _fail(message: str) -> int:
    print(f"rnnviz: error: {message}", file=sys.stderr)
    return 2


def check_png_options(args) -> tuple[int, int] | int:
    """``--export-png``'s size (None: the window's default) or an exit code for a bad one."""
    try:
        check_theme(args.theme, args.present)
        return parse_size(args.size) if args.size else None
    except ExportRequestError as exc:
        return _fail(str(exc))


def check_theme_option(theme: str) -> int:
    """0 for a known ``--theme``, else 2 after a one-line message."""
    try:
        check_theme(theme, False)
    except ExportRequestError as exc:
        return _fail(str(exc))
    return 0


class _Progress:
    """A line on stderr about once a second while a long film is made."""

    def __init__(self, request):
        self.total, self.last = request.frame_count, time.monotonic()

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last >= 1.0 and done < self.total:
            print(f"rnnviz: frame {done}/{self.total}", file=sys.stderr, flush=True)
            self.last = now


def export_video_main(args, session) -> int:
    from rnnviz.session.compute import compute
    from rnnviz.session.workspace import Cursor

    from .runner import export_video

    try:
        request = video_request(
            args.export_video, session.sequence.steps, step_range=args.steps, view=args.view, fps=args.fps,
            size=args.size or DEFAULT_SIZE, frames_per_step=args.frames_per_step, theme=args.theme,
            present=args.present,
        )  # fmt: skip
        computed = compute(session)
    except (ExportRequestError, ValueError) as exc:
        return _fail(str(exc))
    try:
        export_video(computed, request, Cursor.of(session), args.page, args.backward, _Progress(request))
    except (OSError, ValueError) as exc:
        return _fail(f"cannot write {request.path}: {getattr(exc, 'strerror', None) or exc}")
    except KeyboardInterrupt:
        print(f"rnnviz: interrupted; {request.path} was not written", file=sys.stderr)
        return 130
    w, h = request.size
    print(f"rnnviz: wrote {request.path}: {request.frame_count} frames, {w}×{h}, {request.duration_s:.2f} s",
          file=sys.stderr)  # fmt: skip
    return 0


def export_pdf_main(args, session) -> int:
    from rnnviz.session.compute import compute
    from rnnviz.session.workspace import Cursor

    from .handout import write_handout

    try:
        request = handout_request(args.export_pdf, session.sequence.steps, args.steps)
        computed = compute(session)
    except (ExportRequestError, ValueError) as exc:
        return _fail(str(exc))
    try:
        pages = write_handout(computed, request, Cursor.of(session))
    except OSError as exc:
        return _fail(f"cannot write {request.path}: {getattr(exc, 'strerror', None) or exc}")
    print(f"rnnviz: wrote {request.path}: {pages} steps", file=sys.stderr)
    return 0
