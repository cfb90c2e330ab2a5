"""Sequences from CSV / TSV / TXT files: a table of numbers, one row a time step.

    table = read_table("prices.csv")            # detects delimiter and header
    table.columns                               # ("price", "volume", "next")
    seq = sequence_from_table(table, inputs=["price", "volume"], targets=["next"])

Detection, on the first 50 non-empty lines that are not ``#`` comments:

* delimiter: the first of tab, semicolon, comma that splits the first line into
  ≥ 2 fields, as many as at least half the sampled lines have; otherwise runs of whitespace;
* header: the first line is a header when any of its fields is not a number.

Blank lines and ``#`` comment lines are skipped but counted, so a message's
line number is the line a text editor shows.  Quoted fields (``"a, b"``) are
understood; a quoted field may not span lines.  Numbers use a decimal point.
Files are UTF-8, UTF-16/32 (as Excel's "Unicode text") or Latin-1; binary files are refused.

Every problem raises :class:`SequenceImportError` naming the line and column.
A line longer than :data:`MAX_LINE_BYTES` is refused as the file is read, in
bounded chunks, before any of it is split into fields (a one-line file of many
megabytes would otherwise take tens of times its size in memory).
"""

from __future__ import annotations

import csv
import os
import re
import stat
from collections.abc import Iterable
from collections.abc import Sequence as Seq
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .model import Sequence

MAX_ROWS = 1_000_000
MAX_COLUMNS = 10_000
MAX_CELLS = 20_000_000
MAX_FILE_BYTES = 256 << 20
MAX_LINE_BYTES = 1 << 20  # 10,000 columns (the limit) of 100 characters each
_ROWS_PER_BLOCK = 50_000  # the fast reader's block: a bad row costs one block's slow parse
_SAMPLE_LINES = 50
_COMMA_DECIMAL = re.compile(r"[-+]?\d*,\d+")
DELIMITERS = {"tab": "\t", "semicolon": ";", "comma": ",", "whitespace": None}


class SequenceImportError(ValueError):
    """A table cannot be imported; ``line`` and ``column`` say where (when known)."""

    def __init__(self, message: str, line: int | None = None, column: str | None = None):
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True, eq=False)
class Table:
    """A parsed table: ``data`` [rows, columns] float64, one row a time step."""

    columns: tuple[str, ...]
    data: np.ndarray
    has_header: bool
    delimiter: str | None  # None: whitespace
    source: str = ""
    header_numbers: tuple[str, ...] = ()  # fields of the header row that read as numbers

    @property
    def rows(self) -> int:
        return self.data.shape[0]

    def column_index(self, column: int | str) -> int:
        if isinstance(column, str):
            if column not in self.columns:
                raise SequenceImportError(
                    f"there is no column {column!r}; the columns are {', '.join(self.columns)}"
                )
            return self.columns.index(column)
        if not 0 <= column < len(self.columns):
            raise SequenceImportError(f"column index {column} out of range (0..{len(self.columns) - 1})")
        return int(column)


def read_table(path: str | os.PathLike, delimiter: str | None = "auto", header: bool | None = None) -> Table:
    """Read a CSV / TSV / TXT file.  ``delimiter``: "auto", a character, or None (whitespace)."""
    p = Path(path)
    try:
        st = p.stat()
        if not stat.S_ISREG(st.st_mode):  # a folder, a pipe, a device: never read (it may not end)
            raise SequenceImportError(f"{p.name} is not a file (a folder, a pipe or a device)")
        if st.st_size > MAX_FILE_BYTES:
            raise SequenceImportError(f"{p.name} is {st.st_size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
        with open(p, "rb") as f:
            raw = _read_lines_bounded(f, p.name)
    except OSError as e:
        raise SequenceImportError(f"cannot read {p.name}: {e.strerror or e}") from None
    return parse_table(_decode(raw, p.name), delimiter=delimiter, header=header, source=p.name)


def _read_lines_bounded(f: BinaryIO, name: str) -> bytes:
    """The file's bytes, read in chunks no longer than a line may be.  A line over
    :data:`MAX_LINE_BYTES` (or a file over :data:`MAX_FILE_BYTES`) is refused as soon as
    it is seen: only a line that runs across a chunk boundary can be too long."""
    size = min(MAX_LINE_BYTES, 1 << 20)
    chunks: list[bytes] = []
    total = run = 0  # bytes read; bytes since the last line break
    newlines = returns = 0  # line breaks before this chunk (\n, or \r alone in old Mac files)
    while chunk := f.read(size):
        total += len(chunk)
        if total > MAX_FILE_BYTES:  # the size may have changed since stat
            raise SequenceImportError(
                f"{name} is over {MAX_FILE_BYTES:,} bytes; the limit is {MAX_FILE_BYTES:,}"
            )
        first = min((i for i in (chunk.find(b"\n"), chunk.find(b"\r")) if i >= 0), default=-1)
        ended = run + (first if first >= 0 else len(chunk))  # the running line, up to here
        if ended > MAX_LINE_BYTES:
            raise _line_too_long(name, (newlines or returns) + 1, ended)
        if first >= 0:
            run = len(chunk) - 1 - max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        else:
            run = ended
        newlines += chunk.count(b"\n")
        returns += chunk.count(b"\r")
        chunks.append(chunk)
    return b"".join(chunks)


def _line_too_long(name: str, line: int, length: int) -> SequenceImportError:
    where = f"{name}: " if name else ""
    return SequenceImportError(
        f"{where}line {line} is over {MAX_LINE_BYTES:,} characters long (at least {length:,}); "
        "a row of a table is much shorter: is this a table of numbers, one row a line?",
        line=line,
    )


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
#: Control characters that never appear in a text table (tab, newlines, form feed do).
_CONTROL = bytes(c for c in range(32) if c not in b"\t\n\r\f\v") + b"\x7f"


def _decode(raw: bytes, name: str) -> str:
    """The text of a table file: UTF-8 (with or without BOM), UTF-16/32 (with a BOM, or
    UTF-16 without one as Windows writes it), else Latin-1.  Binary files are refused."""
    encoding = next((enc for bom, enc in _BOMS if raw.startswith(bom)), None) or _bomless_utf16(raw)
    if encoding is not None and encoding != "utf-8-sig":
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError as e:
            raise SequenceImportError(
                f"{name} is not valid {encoding.upper()} text (byte {e.start:,})"
            ) from None
    head = raw[:8192]
    if b"\0" in head or sum(head.count(c) for c in _CONTROL) * 100 > len(head):
        raise SequenceImportError(f"{name} looks like a binary file, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # numbers are ASCII; only header names can be affected


def _bomless_utf16(raw: bytes) -> str | None:
    """UTF-16 without a BOM: every other byte of the start is NUL (ASCII text in UTF-16)."""
    head = raw[: min(len(raw), 4096) // 2 * 2]
    even, odd = head[0::2], head[1::2]
    if len(odd) < 2:
        return None
    if odd.count(0) == len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) == len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def parse_table(
    text: str, delimiter: str | None = "auto", header: bool | None = None, source: str = ""
) -> Table:
    """Parse the text of a table (see the module docstring for detection)."""
    text = text.removeprefix("\ufeff")
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if _is_data(line)]
    where = f"{source}: " if source else ""
    if max((len(line) for _, line in lines), default=0) > MAX_LINE_BYTES:  # a pasted text: refused
        n, line = next((n, line) for n, line in lines if len(line) > MAX_LINE_BYTES)  # before it
        raise _line_too_long(source, n, len(line))  # is split into (millions of) fields
    if not lines:
        raise SequenceImportError(f"{where}the file is empty: there are no rows of numbers")
    if delimiter == "auto":
        delimiter = detect_delimiter([line for _, line in lines[:_SAMPLE_LINES]])
    first = _split(lines[0][1], delimiter, lines[0][0])
    if header is None:
        header = any(_number(f) is None for f in first)
    # a header with numbers in it ("step,0,1", or data with a typo: "1,abc") is read as a
    # header, and its numbers are kept for the column dialog to point out
    numbers = tuple(f.strip() for f in first if f.strip() and _number(f) is not None) if header else ()
    if header:
        columns = tuple(f.strip() or f"column {j + 1}" for j, f in enumerate(first))
        body = lines[1:]
        if not body:
            raise SequenceImportError(
                f"{where}the file has a header but no rows of numbers", line=lines[0][0]
            )
    else:
        columns = tuple(f"column {j + 1}" for j in range(len(first)))
        body = lines
    _check_size(len(body), len(columns), where)
    data = _parse_rows(body, columns, delimiter, header, where)
    return Table(
        columns=_unique(columns), data=data, has_header=header, delimiter=delimiter, source=source,
        header_numbers=numbers,
    )  # fmt: skip


def _is_data(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith("#")


def detect_delimiter(sample: Seq[str]) -> str | None:
    """Tab, semicolon or comma, whichever comes first that splits the first line into
    ≥ 2 fields, as many as at least half the sampled lines have; else None (runs of whitespace).

    Judging by the most common count (not every line) keeps a ragged row from
    changing the delimiter, so it is reported as ragged.
    """
    for d in ("\t", ";", ","):
        try:
            counts = [len(_split(line, d)) for line in sample]
        except SequenceImportError:
            continue  # a quoted field this delimiter cannot read
        if counts[0] >= 2 and counts.count(counts[0]) * 2 >= len(counts):
            return d
    return None


def _split(line: str, delimiter: str | None, n: int | None = None) -> list[str]:
    """The fields of one line (``n``: its line number, for a message)."""
    if delimiter is None:
        return line.split()
    if '"' not in line:  # as the csv module splits it, without its 128 KB field limit
        return [f.lstrip(" ") for f in line.split(delimiter)]
    try:
        return next(csv.reader([line], delimiter=delimiter, skipinitialspace=True))
    except csv.Error as e:
        where = f"line {n}: " if n is not None else ""
        raise SequenceImportError(f"{where}a quoted field cannot be read ({e})", line=n) from None


def _shown(text: str, limit: int = 40) -> str:
    """``text`` quoted for a message, cut to ``limit`` characters (a field can be megabytes)."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"… ({len(text):,} characters)"


def _not_a_number(text: str) -> str:
    hint = " (use a decimal point: 1.5, not 1,5)" if _COMMA_DECIMAL.fullmatch(text) else ""
    return f"{_shown(text)} is not a number{hint}"


def _number(field: str) -> float | None:
    s = field.strip()
    if not s or "_" in s:
        return None
    try:
        return float(s)
    except ValueError:
        return None


def _check_size(rows: int, cols: int, where: str) -> None:
    if rows > MAX_ROWS:
        raise SequenceImportError(f"{where}the file has {rows:,} rows; the limit is {MAX_ROWS:,}")
    if cols > MAX_COLUMNS:
        raise SequenceImportError(f"{where}the file has {cols:,} columns; the limit is {MAX_COLUMNS:,}")
    if rows * cols > MAX_CELLS:
        raise SequenceImportError(f"{where}the file has {rows * cols:,} numbers; the limit is {MAX_CELLS:,}")


def _parse_rows(body, columns, delimiter, header: bool, where: str) -> np.ndarray:
    """The numbers of every row [rows, columns]: NumPy's fast reader, a block of rows at a
    time; on any problem in a block, the row-by-row reader finds the line and column to name
    (so a bad last line costs one block's slow parse, not the whole file's)."""
    data = np.empty((len(body), len(columns)), dtype=np.float64)  # [rows, columns]
    for start in range(0, len(body), _ROWS_PER_BLOCK):
        block = body[start : start + _ROWS_PER_BLOCK]
        data[start : start + len(block)] = _parse_block(block, columns, delimiter, header, where)
    return data


def _parse_block(body, columns, delimiter, header: bool, where: str) -> np.ndarray:
    data = _fast_rows(body, len(columns), delimiter)
    if data is None:
        return _slow_rows(body, columns, delimiter, header, where)
    if not np.isfinite(data).all():
        i, j = (int(k) for k in np.argwhere(~np.isfinite(data))[0])
        n, line = body[i]
        text = _split(line, delimiter, n)[j].strip()
        raise SequenceImportError(
            f"{where}line {n}, column {_shown(columns[j])}: {_shown(text)} is not a finite number "
            "(NaN and infinity cannot be fed to a network)",
            line=n,
            column=columns[j],
        )
    return data


def _fast_rows(body, width: int, delimiter: str | None) -> np.ndarray | None:
    lines = [line for _, line in body]
    if delimiter is not None and any('"' in line for line in lines):
        return None  # quoted fields: the csv module reads them
    try:
        data = np.loadtxt(
            lines, delimiter=delimiter, dtype=np.float64, ndmin=2, comments=None, quotechar=None
        )
    except ValueError:
        return None
    return data if data.shape == (len(lines), width) else None


def _slow_rows(body, columns, delimiter, header: bool, where: str) -> np.ndarray:
    width = len(columns)
    data = np.empty((len(body), width), dtype=np.float64)
    ref = "the header has" if header else "the first row has"
    for i, (n, line) in enumerate(body):
        fields = _split(line, delimiter, n)
        if len(fields) != width:
            got = len(fields)
            if got < width:  # name the first column the row does not reach
                gap = f": column {_shown(columns[got]) if header else got + 1} is missing"
                column = columns[got]
            else:
                gap = f": field {width + 1} ({_shown(fields[width].strip())}) has no column"
                column = None
            raise SequenceImportError(
                f"{where}line {n} has {got} field{'s' * (got != 1)}; {ref} {width}{gap}",
                line=n,
                column=column,
            )
        for j, f in enumerate(fields):
            v = _number(f)
            if v is None:
                what = "is empty" if not f.strip() else _not_a_number(f.strip())
                raise SequenceImportError(
                    f"{where}line {n}, column {_shown(columns[j])}: {what}", line=n, column=columns[j]
                )
            if not np.isfinite(v):
                raise SequenceImportError(
                    f"{where}line {n}, column {_shown(columns[j])}: {_shown(f.strip())} is not a finite number "
                    "(NaN and infinity cannot be fed to a network)",
                    line=n,
                    column=columns[j],
                )
            data[i, j] = v
    return data


def _unique(columns: tuple[str, ...]) -> tuple[str, ...]:
    """Repeated header names get a suffix (" (2)") so every column can be chosen by name."""
    seen: dict[str, int] = {}
    out = []
    for c in columns:
        seen[c] = seen.get(c, 0) + 1
        out.append(c if seen[c] == 1 else f"{c} ({seen[c]})")
    return tuple(out)


def sequence_from_table(
    table: Table,
    inputs: Iterable[int | str],
    targets: Iterable[int | str] = (),
    shape: str = "many_to_many",
) -> Sequence:
    """A :class:`Sequence` from chosen columns (names or indices) of ``table``."""
    in_idx = [table.column_index(c) for c in inputs]
    tg_idx = [table.column_index(c) for c in targets]
    if not in_idx:
        raise SequenceImportError("choose at least one input column")
    both = sorted(set(in_idx) & set(tg_idx))
    if both:
        raise SequenceImportError(f"column {table.columns[both[0]]!r} is chosen both as input and as target")
    return Sequence(
        inputs=table.data[:, in_idx],
        targets=table.data[:, tg_idx] if tg_idx else None,
        input_names=tuple(table.columns[j] for j in in_idx),
        target_names=tuple(table.columns[j] for j in tg_idx),
        shape=shape,
    )


def import_sequence(
    path: str | os.PathLike,
    inputs: Iterable[int | str] | None = None,
    targets: Iterable[int | str] = (),
) -> Sequence:
    """Read ``path`` and build a sequence; by default every column is an input."""
    table = read_table(path)
    return sequence_from_table(table, range(len(table.columns)) if inputs is None else inputs, targets)
