"""Hostile CSVs: one very long line is refused while the file is read, and a bad row at
the end of a big file is found without parsing every row twice."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from rnnviz.session import importers
from rnnviz.session.importers import MAX_LINE_BYTES, SequenceImportError, parse_table, read_table


def _one_line(path, megabytes: int) -> None:
    cell = b"0.123456,"
    with open(path, "wb") as f:
        for _ in range(megabytes):
            f.write(cell * ((1 << 20) // len(cell)))
        f.write(b"0.5\n")


def test_a_one_line_file_is_refused_naming_the_line_without_reading_it_whole(tmp_path):
    path = tmp_path / "one_line.csv"
    _one_line(path, 20)
    tracemalloc.start()
    try:
        with pytest.raises(SequenceImportError) as info:
            read_table(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.line == 1
    assert str(info.value).startswith(f"one_line.csv: line 1 is over {MAX_LINE_BYTES:,} characters")
    assert peak < 4 * MAX_LINE_BYTES  # a few chunks, never the 20 MB line (nor its fields)


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_a_long_line_after_good_ones_is_named_by_its_number(tmp_path, newline):
    path = tmp_path / "t.csv"
    good = b"a,b" + newline + (b"1,2" + newline) * 5 + b"# a comment" + newline + newline
    long = b"3," * (MAX_LINE_BYTES // 2 + 10) + b"4" + newline
    path.write_bytes(good + long + b"5,6" + newline)
    with pytest.raises(SequenceImportError, match="line 9 is over") as info:
        read_table(path)
    assert info.value.line == 9


def test_a_line_just_under_the_limit_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(importers, "MAX_LINE_BYTES", 4096)
    path = tmp_path / "t.csv"
    row = ",".join(["1.5"] * 1000)  # 3,999 characters
    path.write_text("\n".join([row] * 50) + "\n")
    table = read_table(path)
    assert table.data.shape == (50, 1000) and (table.data == 1.5).all()
    path.write_text(row + "," + row + "\n" + row + "\n")  # 7,999 characters
    with pytest.raises(SequenceImportError, match="line 1 is over 4,096 characters"):
        read_table(path)


def test_a_pasted_text_with_a_very_long_line_is_refused_before_it_is_split():
    text = "x,y\n1,2\n" + "1," * (MAX_LINE_BYTES // 2 + 1) + "1\n"
    with pytest.raises(SequenceImportError, match="pasted: line 3 is over") as info:
        parse_table(text, source="pasted")
    assert info.value.line == 3


def _big_csv(path, rows: int, last: str) -> np.ndarray:
    data = np.arange(rows * 2, dtype=float).reshape(rows, 2) / 4  # [rows, 2]
    lines = [f"{float(a)!r},{float(b)!r}" for a, b in data]
    lines[-1] = last
    path.write_text("a,b\n" + "\n".join(lines) + "\n")
    return data


def test_a_bad_last_line_costs_one_block_of_slow_parsing(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    rows = 3 * importers._ROWS_PER_BLOCK + 7
    _big_csv(path, rows, "1.0,abc")
    slow_rows: list[int] = []
    slow = importers._slow_rows

    def counting(body, *args):
        slow_rows.append(len(body))
        return slow(body, *args)

    monkeypatch.setattr(importers, "_slow_rows", counting)
    with pytest.raises(SequenceImportError, match=rf"line {rows + 1}, column 'b': 'abc' is not a number"):
        read_table(path)
    assert sum(slow_rows) <= importers._ROWS_PER_BLOCK  # not every row twice


def test_rows_read_in_blocks_come_back_whole_and_in_order(tmp_path):
    path = tmp_path / "big.csv"
    rows = 2 * importers._ROWS_PER_BLOCK + 3
    data = _big_csv(path, rows, "0,0")
    data[-1] = 0.0
    table = read_table(path)
    assert table.columns == ("a", "b")
    np.testing.assert_array_equal(table.data, data)
