"""Encoders that take an animation one frame at a time (Qt-free): a frame is written as
it comes and dropped, so a film of any length takes the memory of a few frames.

- **GIF** (Pillow): Pillow's ``save(save_all=True)`` keeps every frame until the end,
  so frames go out through its frame writers (``GifImagePlugin.getheader`` /
  ``getdata``) as they come.  The first frame is whole; each later one is only the
  rectangle that changed, in its own 256-colour table (its most frequent colours
  exactly, no dithering: flat colours stay flat, still areas never shimmer, and no
  rectangle shows as a ghost), drawn over the last
  (disposal 1).  A frame equal to the last is a 1×1 patch, so the GIF has exactly as
  many frames as asked.
- **MP4** (H.264 through PyAV, whose wheel carries FFmpeg and libx264 — no program to
  install and no pipe to a subprocess; frames go to the encoder as NumPy arrays in this
  process).  yuv420p for every player, CRF 18: text stays sharp.  The same frames give
  the same pictures; the bytes were identical in separate runs, but x264 (even on one
  thread, with the same input planes) now and then encodes the first frames a little
  differently within one process.

:func:`encode_video` writes through :func:`~rnnviz.session.atomic.atomic_file`: a
cancelled or failed export (an exception, or the generator closed) leaves nothing.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from typing import BinaryIO

import numpy as np

from .atomic import atomic_file
from .export_plan import VideoRequest, gif_delays_cs

MP4_CRF = "18"
MP4_PRESET = "veryfast"
PALETTE_SAMPLE = 200_000  # pixels read to choose a GIF frame's colours


class GifWriter:
    """Streams an animated GIF to ``f`` (see the module doc)."""

    def __init__(self, f: BinaryIO, size: tuple[int, int], fps: float, frame_count: int):
        self.f, self.size = f, size
        self._delays = gif_delays_cs(frame_count, fps)
        self._last = None  # the last frame (RGB), to find what changed

    def add(self, rgb: np.ndarray) -> None:
        from PIL import GifImagePlugin, Image, ImageChops

        im = Image.fromarray(_checked(rgb, self.size), "RGB")
        params = {"duration": 10 * next(self._delays), "disposal": 1}
        if self._last is None:
            frame = _quantized(im)
            header, _ = GifImagePlugin.getheader(frame, info={"loop": 0})
            self.f.write(b"".join(header))
            offset = (0, 0)
        else:
            box = ImageChops.difference(self._last, im).getbbox() or (0, 0, 1, 1)
            frame = _quantized(im.crop(box))
            offset = box[:2]
            params["include_color_table"] = True
        for chunk in GifImagePlugin.getdata(frame, offset=offset, **params):
            self.f.write(chunk)
        self._last = im

    def close(self) -> None:
        self.f.write(b";")


def _quantized(im):
    """``im`` in 256 colours: its most frequent colours exactly (a UI's flat fills, lines
    and text), every other pixel (anti-aliased edges) the nearest of them.  An octree or
    median cut averages the flat fills: the background of each changed rectangle came
    out a shade off, and old rectangles showed as ghosts."""
    from PIL import Image

    flat = np.asarray(im).reshape(-1, 3)
    keys = (flat[:, 0].astype(np.uint32) << 16) | (flat[:, 1].astype(np.uint32) << 8) | flat[:, 2]
    colours, counts = np.unique(keys[:: max(1, len(keys) // PALETTE_SAMPLE)], return_counts=True)
    top = colours[np.argsort(-counts, kind="stable")[:256]]
    top = np.concatenate([top, np.full(256 - len(top), top[0], np.uint32)])  # a full table
    palette = np.stack([top >> 16, (top >> 8) & 255, top & 255], axis=1).astype(np.uint8).tobytes()
    # Pillow maps to a palette through a coarse cache (a flat fill may land a shade off):
    # it maps the rest, then every pixel whose colour is in the table gets that entry.
    table = Image.new("P", (1, 1))
    table.putpalette(palette)
    index = np.array(im.quantize(palette=table, dither=Image.Dither.NONE), dtype=np.uint8).reshape(-1)
    order = np.argsort(top, kind="stable")
    at = np.minimum(np.searchsorted(top[order], keys), 255)
    exact = top[order][at] == keys
    index[exact] = order[at[exact]]
    out = Image.fromarray(index.reshape(im.size[1], im.size[0]), "P")
    out.putpalette(palette)
    return out


class Mp4Writer:
    """Streams H.264 in an MP4 to ``f`` (see the module doc)."""

    def __init__(self, f: BinaryIO, size: tuple[int, int], rate, frame_count: int):
        import av

        self.size = size
        self.container = av.open(f, mode="w", format="mp4")
        self.container.metadata.clear()
        stream = self.stream = self.container.add_stream("libx264", rate=rate)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": MP4_CRF, "preset": MP4_PRESET}
        self._n = 0

    def add(self, rgb: np.ndarray) -> None:
        import av

        frame = av.VideoFrame.from_ndarray(_checked(rgb, self.size), format="rgb24")
        frame.pts = self._n
        self._n += 1
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def close(self) -> None:
        for packet in self.stream.encode(None):
            self.container.mux(packet)
        self.container.close()

    def abort(self) -> None:
        try:
            self.container.close()
        except Exception:  # noqa: BLE001 - the temp file goes anyway
            pass


def _checked(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    w, h = size
    if rgb.shape != (h, w, 3) or rgb.dtype != np.uint8:
        raise ValueError(f"a frame must be {w}×{h} RGB bytes; got {rgb.shape} {rgb.dtype}")
    return rgb


def encode_video(request: VideoRequest, frames: Iterable[np.ndarray | None]) -> Generator[int, None, str]:
    """Write ``request.path`` from ``frames`` (RGB arrays [H, W, 3]; None: no frame ready
    yet), yielding how many are written after each item; returns the path once the file
    is in place.  Closing the generator, or an error, removes the temp file."""
    total = request.frame_count
    with atomic_file(request.path) as f:
        if request.fmt == "gif":
            writer = GifWriter(f, request.size, request.fps, total)
        else:
            writer = Mp4Writer(f, request.size, request.rate, total)
        done = False
        try:
            n = 0
            for rgb in frames:
                if rgb is not None:
                    writer.add(rgb)
                    n += 1
                yield n
                if n == total:
                    break
            if n != total:
                raise ValueError(f"the animation ended after {n} of {total} frames")
            writer.close()
            done = True
        finally:
            if not done and hasattr(writer, "abort"):
                writer.abort()
    return request.path
