"""What an animation or handout export is asked to do, checked before anything is drawn
or written (Qt-free; the window's Export animation dialog and ``rnnviz --export-video``
/ ``--export-pdf`` both build their request here).

A film is a list of frames; frame ``i`` is a pure function of the request:

    step  = first + i // frames_per_step          (1..T, as the timeline counts)
    phase = (i % frames_per_step) / frames_per_step   (where the data-flow pulse is
                                                       within that step; None: a still)

so an export never reads the wall clock and is identical run to run.  Each frame
lasts 1/fps seconds.

A bad request raises :class:`ExportRequestError` with one line that says what is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

VIDEO_FORMATS = {".gif": "gif", ".mp4": "mp4"}
VIDEO_VIEWS = ("diagrams", "math", "plots", "training", "statespace")
#: The themes (rnnviz.gui.theme.THEMES has their colours; a test keeps the two in step).
THEMES = ("light", "dark", "high-contrast")
MIN_SIZE, MAX_SIZE = (320, 240), (7680, 4320)
SIZE_PRESETS = {"1280×720": (1280, 720), "1920×1080": (1920, 1080), "square 1080×1080": (1080, 1080)}
DEFAULT_SIZE = (1280, 720)
DEFAULT_FPS = 2.0
MAX_FPS = 60.0
#: A GIF's delays are whole hundredths of a second and players slow a delay below 2 down
#: to 10: 50 frames a second is the most a GIF plays as asked.
MAX_GIF_FPS = 50.0
MAX_FRAMES_PER_STEP = 120


class ExportRequestError(ValueError):
    """A request that cannot be exported; ``str()`` is one line for the user."""


@dataclass(frozen=True)
class Frame:
    index: int
    step: int  # 1..T
    phase: float | None  # 0 ≤ phase < 1 within the step; None: a still (no pulse)


@dataclass(frozen=True)
class VideoRequest:
    """A checked request for a GIF or MP4 of one view over steps ``first..last``."""

    path: str
    fmt: str  # "gif" | "mp4"
    view: str
    first: int
    last: int
    fps: float
    size: tuple[int, int]
    frames_per_step: int = 1  # > 1: in-between frames in which the pulse runs along the wires
    theme: str = "light"
    present: bool = False

    @property
    def steps(self) -> int:
        return self.last - self.first + 1

    @property
    def frame_count(self) -> int:
        return self.steps * self.frames_per_step

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps

    def frame(self, i: int) -> Frame:
        if not 0 <= i < self.frame_count:
            raise IndexError(f"frame {i} is outside 0..{self.frame_count - 1}")
        k = self.frames_per_step
        step, within = divmod(i, k)
        return Frame(i, self.first + step, None if k == 1 else within / k)

    def frames(self) -> Iterator[Frame]:
        return (self.frame(i) for i in range(self.frame_count))

    @property
    def rate(self) -> Fraction:
        """The frame rate as a fraction (an MP4's time base)."""
        return Fraction(self.fps).limit_denominator(1001)


@dataclass(frozen=True)
class HandoutRequest:
    """A checked request for a PDF handout: one page per step ``first..last``."""

    path: str
    first: int
    last: int


def parse_steps(text: str | None, steps: int) -> tuple[int, int]:
    """``"A:B"`` (both included), ``"A"``, ``"A:"`` (to T) or ``":B"`` (from 1) → (A, B);
    None: every step 1..T."""
    if text is None:
        return 1, steps
    raw = text.strip()
    if not raw or raw == ":":
        raise ExportRequestError("the steps are empty; give a range such as 1:10")
    a, sep, b = raw.partition(":")
    try:
        first = int(a) if a.strip() else 1
        last = (int(b) if b.strip() else steps) if sep else first
    except ValueError:
        raise ExportRequestError(f"steps {text!r} is not a range A:B of whole steps") from None
    if first > last:
        raise ExportRequestError(f"steps {text}: the range is reversed (give the first step first)")
    if first < 1 or last > steps:
        raise ExportRequestError(f"steps {text}: steps run from 1 to {steps} in this session")
    return first, last


def parse_size(text: str) -> tuple[int, int]:
    """``"1280x720"`` (or ×) → (1280, 720), checked."""
    w, sep, h = text.strip().lower().replace("×", "x").partition("x")
    try:
        if not sep:
            raise ValueError
        size = int(w), int(h)
    except ValueError:
        raise ExportRequestError(f"size {text!r} is not WIDTHxHEIGHT in pixels, such as 1280x720") from None
    return check_size(size)


def check_size(size: tuple[int, int]) -> tuple[int, int]:
    w, h = size
    (lo_w, lo_h), (hi_w, hi_h) = MIN_SIZE, MAX_SIZE
    if not (lo_w <= w <= hi_w and lo_h <= h <= hi_h):
        raise ExportRequestError(f"size {w}×{h} is outside {lo_w}×{lo_h} … {hi_w}×{hi_h} pixels")
    return int(w), int(h)


def check_fps(fps: float, fmt: str) -> float:
    if not math.isfinite(fps) or fps <= 0 or fps > MAX_FPS:
        raise ExportRequestError(f"{fps:g} frames per second: it must be above 0 and at most {MAX_FPS:g}")
    if fmt == "gif" and fps > MAX_GIF_FPS:
        raise ExportRequestError(
            f"{fps:g} frames per second: a GIF plays at most {MAX_GIF_FPS:g}; an MP4 plays up to {MAX_FPS:g}"
        )
    return float(fps)


def video_format(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in VIDEO_FORMATS:
        raise ExportRequestError(
            f"{path}: unknown extension {suffix or '(none)'}; an animation is .gif or .mp4"
        )
    return VIDEO_FORMATS[suffix]


def check_theme(theme: str | None, present: bool = False) -> str:
    """The theme asked for; ``present`` (presentation styling) is always possible."""
    theme = theme or THEMES[0]
    if theme not in THEMES:
        raise ExportRequestError(f"--theme {theme}: unknown theme; the themes are {', '.join(THEMES)}")
    return theme


def check_output(path: str) -> None:
    """Refuse an OUT that cannot be written before any frame is drawn."""
    p = Path(path)
    if p.is_dir():
        raise ExportRequestError(f"{path} is a folder; give a file name")
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise ExportRequestError(f"the folder of {path} ({folder}) does not exist")


def video_request(
    path: str,
    steps: int,
    *,
    step_range: str | None = None,
    view: str = "diagrams",
    fps: float = DEFAULT_FPS,
    size: tuple[int, int] | str = DEFAULT_SIZE,
    frames_per_step: int = 1,
    theme: str | None = None,
    present: bool = False,
) -> VideoRequest:
    """A checked :class:`VideoRequest` for a session of ``steps`` steps (T)."""
    fmt = video_format(path)
    if view not in VIDEO_VIEWS:
        raise ExportRequestError(f"--view {view}: an animation shows one of {', '.join(VIDEO_VIEWS)}")
    first, last = parse_steps(step_range, steps)
    w, h = parse_size(size) if isinstance(size, str) else check_size(size)
    if fmt == "mp4" and (w % 2 or h % 2):
        raise ExportRequestError(f"size {w}×{h}: an MP4 (H.264) needs an even width and height")
    fps = check_fps(float(fps), fmt)
    if not 1 <= int(frames_per_step) <= MAX_FRAMES_PER_STEP:
        raise ExportRequestError(f"frames per step must be 1 to {MAX_FRAMES_PER_STEP}; got {frames_per_step}")
    theme = check_theme(theme, present)
    check_output(path)
    return VideoRequest(path, fmt, view, first, last, fps, (w, h), int(frames_per_step), theme, present)


def handout_request(path: str, steps: int, step_range: str | None = None) -> HandoutRequest:
    if Path(path).suffix.lower() != ".pdf":
        raise ExportRequestError(
            f"{path}: unknown extension {Path(path).suffix or '(none)'}; a handout is .pdf"
        )
    first, last = parse_steps(step_range, steps)
    check_output(path)
    return HandoutRequest(path, first, last)


def gif_delays_cs(frame_count: int, fps: float) -> Iterator[int]:
    """Each frame's delay in hundredths of a second (a GIF's unit), so frame i starts at
    round(100·i / fps): the film's length is right however fps divides 100."""
    start = 0
    for i in range(1, frame_count + 1):
        end = round(100 * i / fps)
        yield end - start
        start = end
