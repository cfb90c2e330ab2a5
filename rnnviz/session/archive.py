"""Reading zip archives of ``.npy`` arrays without trusting anything in them.

Used by the ``.rnnviz`` session loader and the ``.npz`` weights importer.  The
rules, checked *before* any data is decompressed or allocated:

* the file's size, the number of members, and each member's declared
  uncompressed size are capped; only stored and deflated members are read;
* a member that declares more than :data:`RATIO_CHECK_BYTES` bytes must not
  inflate more than :data:`MAX_RATIO` times (a decompression bomb);
* an ``.npy`` header is parsed with NumPy's header readers (a literal, never
  code); its dtype must be a plain number (no object, string, void or record
  dtypes), its shape must be the one the caller expects, and the member's
  declared size must be exactly header + data;
* data is read in chunks into a buffer of exactly that size, so a member that
  lies about its size is caught without reading past the cap;
* NaN and infinity are refused, naming the array and the first bad index.

Every failure raises :class:`ArchiveError` with a message naming the member.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAX_FILE_BYTES = 1 << 30  # 1 GiB on disk
MAX_MEMBERS = 2048
MAX_DIRECTORY_BYTES = 1 << 20  # the zip's table of contents (central directory)
MAX_ARRAY_BYTES = 1 << 30  # one array, uncompressed
MAX_TOTAL_BYTES = 1 << 30  # all arrays together, uncompressed
MAX_RATIO = 100  # uncompressed : compressed, for members above RATIO_CHECK_BYTES
RATIO_CHECK_BYTES = 1 << 20
MAX_NPY_HEADER = 10_000
_CHUNK = 1 << 20
WRITE_CHUNK = 4 << 20  # bytes of a big array written at a time

ShapeCheck = Callable[[tuple[int, ...]], str | None]


class ArchiveError(ValueError):
    """A zip archive or one of its arrays is unreadable, hostile or inconsistent."""


def open_zip(path: str | os.PathLike, what: str = "file") -> zipfile.ZipFile:
    """Open ``path`` as a zip after checking its size and member count.

    ``zipfile`` reads the whole central directory on open, so the entry count
    from the end-of-central-directory record is checked first.
    """
    p = Path(path)
    try:
        st = p.stat()
    except (OSError, ValueError) as e:  # ValueError: a NUL byte in the path
        raise ArchiveError(f"cannot read {p.name}: {getattr(e, 'strerror', None) or e}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ArchiveError(f"{p.name or str(p)} is not a file (a folder or a device)")
    size = st.st_size
    if size == 0:
        raise ArchiveError(f"{p.name} is empty (0 bytes): not an rnnviz {what}")
    if size > MAX_FILE_BYTES:
        raise ArchiveError(f"{p.name} is {size:,} bytes; the limit for a {what} is {MAX_FILE_BYTES:,}")
    try:
        with open(p, "rb") as f:
            _check_entry_count(f, size, p.name)
        zf = zipfile.ZipFile(p, "r")
    except ArchiveError:
        raise
    except zipfile.BadZipFile as e:
        raise ArchiveError(f"{p.name} is not a zip archive, or it is truncated or damaged ({e})") from None
    except (OSError, EOFError, ValueError, RuntimeError, NotImplementedError) as e:
        raise ArchiveError(f"{p.name} cannot be read as a zip archive ({type(e).__name__}: {e})") from None
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        zf.close()
        raise ArchiveError(f"{p.name} has {len(infos):,} members; the limit is {MAX_MEMBERS:,}")
    seen: set[str] = set()
    for info in infos:
        problem = None
        if info.filename in seen:  # zip readers disagree on which copy counts
            problem = f"the archive holds two members named {info.filename!r}"
        elif _outside(info.filename):  # never used as a path here, but no honest file has one
            problem = f"the archive has a member named {info.filename!r}, a path outside the archive"
        if problem:
            zf.close()
            raise ArchiveError(problem)
        seen.add(info.filename)
    return zf


def _outside(name: str) -> bool:
    """An absolute path, a drive letter or a ``..`` step: what unzip tools refuse to extract."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ".." in parts or (name[1:2] == ":" and name[:1].isalpha())


def _check_entry_count(f: io.BufferedReader, size: int, name: str) -> None:
    """Check the central directory's declared entry count and size before ``zipfile`` reads it.

    ``zipfile`` builds one object per entry, so a small file that declares a
    huge directory (in the end record, or in a ZIP64 end record, which
    ``zipfile`` honours whenever its locator is present) is refused here.
    """
    tail = min(size, 22 + 65535)
    f.seek(size - tail)
    data = f.read(tail)
    pos = data.rfind(b"PK\x05\x06")
    if pos < 0 or pos + 22 > len(data):
        raise ArchiveError(f"{name} is not a zip archive (no end-of-archive record; truncated or not a zip)")
    entries = int.from_bytes(data[pos + 10 : pos + 12], "little")
    cd_size = int.from_bytes(data[pos + 12 : pos + 16], "little")
    if pos >= 20 and data[pos - 20 : pos - 16] == b"PK\x06\x07":  # ZIP64 locator
        record = int.from_bytes(data[pos - 12 : pos - 4], "little")
        if record + 56 > size:
            raise ArchiveError(f"{name} is damaged (its ZIP64 end record lies outside the file)")
        f.seek(record)
        z64 = f.read(56)
        if z64[:4] != b"PK\x06\x06":
            raise ArchiveError(f"{name} is damaged (no ZIP64 end record where its locator points)")
        entries = int.from_bytes(z64[32:40], "little")
        cd_size = int.from_bytes(z64[40:48], "little")
    if entries > MAX_MEMBERS:
        raise ArchiveError(f"{name} declares {entries:,} members; the limit is {MAX_MEMBERS:,}")
    if cd_size > MAX_DIRECTORY_BYTES:
        raise ArchiveError(
            f"{name} declares a {cd_size:,}-byte table of contents; the limit is {MAX_DIRECTORY_BYTES:,}"
        )


def member_info(zf: zipfile.ZipFile, member: str, max_bytes: int) -> zipfile.ZipInfo:
    """The member's ``ZipInfo`` after checking method, declared size and ratio."""
    try:
        info = zf.getinfo(member)
    except KeyError:
        raise ArchiveError(f"member {member!r} is missing") from None
    if info.is_dir():
        raise ArchiveError(f"member {member!r} is a folder, not a file")
    if info.flag_bits & 0x1:
        raise ArchiveError(f"member {member!r} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ArchiveError(
            f"member {member!r} uses compression method {info.compress_type}; only stored and deflate are read"
        )
    if info.compress_size > _disk_size(zf):
        raise ArchiveError(
            f"member {member!r} declares {info.compress_size:,} compressed bytes, more than the whole file"
        )
    if info.file_size > max_bytes:
        raise ArchiveError(f"member {member!r} declares {info.file_size:,} bytes; the limit is {max_bytes:,}")
    if info.file_size > RATIO_CHECK_BYTES:
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > MAX_RATIO:
            raise ArchiveError(
                f"member {member!r} would inflate {ratio:,.0f} times ({info.compress_size:,} → "
                f"{info.file_size:,} bytes); the limit is {MAX_RATIO}: refusing a possible zip bomb"
            )
    return info


def _disk_size(zf: zipfile.ZipFile) -> int:
    fp = zf.fp
    if fp is None:
        raise ArchiveError("the archive is closed")
    pos = fp.tell()
    size = fp.seek(0, os.SEEK_END)
    fp.seek(pos)
    return size


def read_member(zf: zipfile.ZipFile, member: str, max_bytes: int) -> bytes:
    """The member's bytes, read with a cap; the actual size must equal the declared one."""
    info = member_info(zf, member, max_bytes)
    try:
        with zf.open(info) as f:
            buf = bytearray(info.file_size)
            _readinto_exact(f, memoryview(buf), member)
            if f.read(1):
                raise ArchiveError(f"member {member!r} holds more data than it declares")
    except ArchiveError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError) as e:
        raise ArchiveError(f"member {member!r} is damaged ({type(e).__name__}: {e})") from None
    return bytes(buf)


def _readinto_exact(f, view: memoryview, member: str) -> None:
    got = 0
    n = len(view)
    while got < n:
        chunk = f.read(min(_CHUNK, n - got))
        if not chunk:
            raise ArchiveError(f"member {member!r} is truncated: {got:,} of {n:,} declared bytes")
        view[got : got + len(chunk)] = chunk
        got += len(chunk)


def _read_npy_header(f, member: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f, max_header_size=MAX_NPY_HEADER)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f, max_header_size=MAX_NPY_HEADER)
        else:
            raise ArchiveError(f"member {member!r}: .npy format version {version} is not supported")
    except ArchiveError:
        raise
    except (ValueError, SyntaxError, TypeError, EOFError, OSError, zlib.error, zipfile.BadZipFile) as e:
        raise ArchiveError(f"member {member!r} is not a valid .npy array ({e})") from None
    return tuple(int(s) for s in shape), bool(fortran), np.dtype(dtype)


def npy_shape(zf: zipfile.ZipFile, member: str) -> tuple[int, ...]:
    """The shape an ``.npy`` member declares (its header only; nothing else is read)."""
    try:
        with zf.open(member) as f:
            return _read_npy_header(f, member)[0]
    except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError) as e:
        raise ArchiveError(f"member {member!r} cannot be read ({e})") from None


def _check_dtype(dtype: np.dtype, member: str) -> None:
    if dtype.hasobject or dtype.names is not None or dtype.subdtype is not None:
        raise ArchiveError(
            f"member {member!r} holds {dtype} data (objects or records); only numbers are read"
        )
    if dtype.kind not in "fiub":
        raise ArchiveError(f"member {member!r} holds {dtype} data; only numbers are read")


def read_npy(
    zf: zipfile.ZipFile,
    member: str,
    check_shape: ShapeCheck,
    label: str | None = None,
    max_bytes: int | None = None,
    as_dtype: np.dtype | type = np.float64,
) -> np.ndarray:
    """Read one ``.npy`` member as float64 (or ``as_dtype``: float32 keeps a float32
    network's snapshots at their size) after checking header, dtype, shape and size.

    ``check_shape(shape)`` returns an error message (without the member name)
    for a shape the caller does not expect, or None.  ``label`` names the
    array in messages (e.g. the ``state_dict`` key).  ``max_bytes`` (default
    :data:`MAX_ARRAY_BYTES`) caps the array both as stored and as the float64
    copy returned: a small uint8 array would otherwise grow eightfold.
    """
    label = label or member
    max_bytes = MAX_ARRAY_BYTES if max_bytes is None else max_bytes
    info = member_info(zf, member, max_bytes + MAX_NPY_HEADER + 16)
    try:
        with zf.open(info) as f:
            shape, fortran, dtype = _read_npy_header(f, member)
            _check_dtype(dtype, member)
            problem = check_shape(shape)
            if problem:
                raise ArchiveError(f"{label} (member {member!r}): {problem}")
            count = 1
            for s in shape:
                count *= s
            nbytes = count * dtype.itemsize
            header_len = f.tell()
            if max(nbytes, 8 * count) > max_bytes:
                raise ArchiveError(
                    f"{label} (member {member!r}): shape {shape} takes {max(nbytes, 8 * count):,} bytes "
                    f"as float64; the limit is {max_bytes:,}"
                )
            if info.file_size != header_len + nbytes:
                raise ArchiveError(
                    f"{label} (member {member!r}): shape {shape} of {dtype} needs {nbytes:,} bytes after the "
                    f"header, but the member declares {info.file_size - header_len:,}"
                )
            # not zero-filled first (a bytearray would be, in one long call that holds the GIL)
            buf = np.empty(nbytes, dtype=np.uint8)
            _readinto_exact(f, memoryview(buf), member)
    except ArchiveError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError) as e:
        raise ArchiveError(f"member {member!r} is damaged ({type(e).__name__}: {e})") from None
    arr = np.frombuffer(buf, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    check_finite(arr, label)  # before the float64 copy: a refused array costs no second buffer
    want = np.dtype(as_dtype)
    if arr.dtype == want and arr.flags.c_contiguous:
        return arr  # the buffer just read, already as it is wanted
    with np.errstate(over="ignore"):  # said just below, naming the array
        out = np.array(arr, dtype=want, order="C")
    if dtype.itemsize > want.itemsize:  # e.g. a long double beyond float64's range becomes infinite
        check_finite(out, label)
    return out


def check_finite(a: np.ndarray, label: str, chunk: int = 1 << 20) -> None:
    """Refuse NaN and infinity, naming the array and the first bad index (checked in
    chunks, so a large array needs no array-sized temporary)."""
    if not a.size or a.dtype.kind not in "fc":
        return  # integers and booleans are always finite
    flat = a.reshape(-1, order="A")  # a view for C- or F-ordered data
    bad = -1
    for start in range(0, flat.size, chunk):
        ok = np.isfinite(flat[start : start + chunk])
        if not ok.all():
            bad = start + int(np.argmin(ok))
            break
    if bad < 0:
        return
    order = "F" if a.flags.f_contiguous and not a.flags.c_contiguous else "C"
    idx = tuple(int(i) for i in np.unravel_index(bad, a.shape, order=order))
    what = "NaN" if np.isnan(a[idx]) else "infinity"
    raise ArchiveError(f"{label} contains {what} at index {idx}; every number must be finite")


def npy_header(a: np.ndarray) -> bytes:
    """The version 1.0 ``.npy`` header of the C-contiguous array ``a``."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, np.lib.format.header_data_from_array_1_0(a))
    return buf.getvalue()


@dataclass(frozen=True, eq=False)
class RowArray:
    """A [rows, cols] array written row by row, never built whole (e.g. weight snapshots:
    ``row(i)`` flattens the i-th on demand)."""

    rows: int
    cols: int
    dtype: np.dtype
    row: Callable[[int], np.ndarray]  # i → [cols] of dtype

    @property
    def nbytes(self) -> int:
        return self.rows * self.cols * np.dtype(self.dtype).itemsize

    def header(self) -> bytes:
        buf = io.BytesIO()
        descr = np.lib.format.dtype_to_descr(np.dtype(self.dtype))
        header = {"descr": descr, "fortran_order": False, "shape": (self.rows, self.cols)}
        np.lib.format.write_array_header_1_0(buf, header)
        return buf.getvalue()

    def chunks(self):
        """The data after the header, one row's bytes at a time."""
        for i in range(self.rows):
            r = np.ascontiguousarray(self.row(i), dtype=self.dtype)
            if r.shape != (self.cols,):
                raise ValueError(f"row {i} has shape {r.shape}; expected ({self.cols},)")
            yield memoryview(r).cast("B")


def npy_bytes(a: np.ndarray | RowArray) -> bytes:
    """``a`` as the bytes of a version 1.0 ``.npy`` file (no pickle)."""
    if isinstance(a, RowArray):
        return a.header() + b"".join(bytes(c) for c in a.chunks())
    a = np.ascontiguousarray(a)
    return npy_header(a) + a.tobytes()


def exact_shape(expected: tuple[int, ...]) -> ShapeCheck:
    def check(shape: tuple[int, ...]) -> str | None:
        if shape != tuple(expected):
            return f"shape {shape} does not match the expected {tuple(expected)}"
        return None

    return check
