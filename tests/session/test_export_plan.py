"""The animation and handout requests: what is checked before anything is drawn (Qt-free)."""

from __future__ import annotations

import pytest

from rnnviz.session.export_plan import (
    ExportRequestError,
    gif_delays_cs,
    handout_request,
    parse_size,
    parse_steps,
    video_request,
)


def test_steps_ranges_are_inclusive_and_default_to_every_step():
    assert parse_steps(None, 40) == (1, 40)
    assert parse_steps("3:7", 40) == (3, 7)
    assert parse_steps("5", 40) == (5, 5)
    assert parse_steps("5:", 40) == (5, 40)
    assert parse_steps(":5", 40) == (1, 5)


@pytest.mark.parametrize(
    ("text", "words"),
    [("", "empty"), (":", "empty"), ("7:3", "reversed"), ("0:3", "1 to 40"), ("1:41", "1 to 40"),
     ("a:b", "not a range")],
)  # fmt: skip
def test_bad_step_ranges_say_what_is_wrong_in_one_line(text, words):
    with pytest.raises(ExportRequestError) as err:
        parse_steps(text, 40)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_sizes_are_checked_against_the_limits():
    assert parse_size("1280x720") == (1280, 720)
    assert parse_size("320×240") == (320, 240)
    assert parse_size("7680x4320") == (7680, 4320)
    for bad in ("319x240", "320x239", "7681x720", "1280x4321", "1280", "axb"):
        with pytest.raises(ExportRequestError):
            parse_size(bad)


def test_a_video_request_checks_fps_extension_view_and_theme(tmp_path):
    out = str(tmp_path / "a.gif")
    r = video_request(out, 10, step_range="2:4", fps=10, size=(640, 480), frames_per_step=3)
    assert (r.fmt, r.first, r.last, r.frame_count) == ("gif", 2, 4, 9)
    assert r.duration_s == pytest.approx(0.9)
    bad = [
        dict(fps=0), dict(fps=-1), dict(fps=61), dict(fps=float("nan")),
        dict(fps=55),  # a GIF cannot play it
        dict(view="generate"), dict(theme="purple"), dict(frames_per_step=0),
    ]  # fmt: skip
    for kw in bad:
        with pytest.raises(ExportRequestError):
            video_request(out, 10, **kw)
    assert video_request(str(tmp_path / "a.mp4"), 10, fps=60).fps == 60
    with pytest.raises(ExportRequestError, match="even"):
        video_request(str(tmp_path / "a.mp4"), 10, size=(641, 480))
    for name in ("a.avi", "a", "a.gif.txt"):
        with pytest.raises(ExportRequestError, match="unknown extension"):
            video_request(str(tmp_path / name), 10)
    with pytest.raises(ExportRequestError, match="does not exist"):
        video_request(str(tmp_path / "nowhere" / "a.gif"), 10)
    with pytest.raises(ExportRequestError, match="unknown extension"):
        handout_request(str(tmp_path / "a.png"), 10)


def test_frames_are_a_function_of_the_index():
    r = video_request("a.mp4", 10, step_range="3:4", fps=24, frames_per_step=4)
    assert [(f.step, f.phase) for f in r.frames()] == [
        (3, 0.0), (3, 0.25), (3, 0.5), (3, 0.75), (4, 0.0), (4, 0.25), (4, 0.5), (4, 0.75)
    ]  # fmt: skip
    still = video_request("a.mp4", 10, step_range="3:4", frames_per_step=1)
    assert [(f.step, f.phase) for f in still.frames()] == [(3, None), (4, None)]


@pytest.mark.parametrize("fps", [1, 2, 3, 7, 24, 30, 50])
def test_gif_delays_add_up_to_the_films_length(fps):
    delays = list(gif_delays_cs(300, fps))
    assert len(delays) == 300
    assert sum(delays) == round(300 * 100 / fps)
    assert min(delays) >= 2  # players slow shorter delays down
