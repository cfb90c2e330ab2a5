"""CSV / TSV / TXT import and text tokenisation."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnviz.session import importers
from rnnviz.session.defaults import seed003_sequence
from rnnviz.session.importers import (
    SequenceImportError,
    import_sequence,
    parse_table,
    read_table,
    sequence_from_table,
)
from rnnviz.session.text import TextImportError, build_vocabulary, text_sequence, tokenize

SEED004 = "t,x1,x2,y\n1,0.1,0.4,0.3\n2,0.7,0.9,0.5\n"


@pytest.mark.parametrize(
    "text, delimiter",
    [
        (SEED004, ","),
        (SEED004.replace(",", "\t"), "\t"),
        (SEED004.replace(",", ";"), ";"),
        (SEED004.replace(",", "   "), None),
        (SEED004.replace(",", " \t "), "\t"),
    ],
    ids=["comma", "tab", "semicolon", "spaces", "mixed-whitespace"],
)
def test_delimiter_and_header_are_detected(text, delimiter):
    t = parse_table(text)
    assert t.delimiter == delimiter and t.has_header
    assert t.columns == ("t", "x1", "x2", "y")
    np.testing.assert_array_equal(t.data, [[1, 0.1, 0.4, 0.3], [2, 0.7, 0.9, 0.5]])


def test_no_header_gets_numbered_columns():
    t = parse_table("0.1,0.4\n0.7,0.9\n")
    assert not t.has_header and t.columns == ("column 1", "column 2") and t.rows == 2


def test_header_can_be_forced():
    t = parse_table("1,2\n3,4\n", header=True)
    assert t.columns == ("1", "2") and t.rows == 1


def test_comments_blank_lines_quotes_bom_and_single_column():
    t = parse_table('\ufeff# exported\n"price, USD",volume\n\n1.5,2\n# mid\n-3e-2, 4\n')
    assert t.columns == ("price, USD", "volume")
    np.testing.assert_array_equal(t.data, [[1.5, 2], [-0.03, 4]])
    single = parse_table("value\n1\n2\n3\n")
    assert single.columns == ("value",) and single.data.shape == (3, 1)


def test_repeated_header_names_are_made_unique():
    assert parse_table("a,a,b\n1,2,3\n").columns == ("a", "a (2)", "b")


def test_sequence_from_chosen_columns():
    t = parse_table(SEED004)
    s = sequence_from_table(t, inputs=["x1", "x2"], targets=[3])
    np.testing.assert_array_equal(s.inputs, [[0.1, 0.4], [0.7, 0.9]])
    np.testing.assert_array_equal(s.targets, [[0.3], [0.5]])
    assert s.input_names == ("x1", "x2") and s.target_names == ("y",)
    with pytest.raises(SequenceImportError, match="no column 'z'"):
        sequence_from_table(t, inputs=["z"])
    with pytest.raises(SequenceImportError, match="both as input and as target"):
        sequence_from_table(t, inputs=["x1"], targets=["x1"])


def test_import_sequence_from_a_file(tmp_path):
    (tmp_path / "d.tsv").write_text(SEED004.replace(",", "\t"))
    s = import_sequence(tmp_path / "d.tsv", inputs=["x1", "x2"], targets=["y"])
    assert s.steps == 2 and s.num_features == 2


def _error(text: str, **kw) -> SequenceImportError:
    with pytest.raises(SequenceImportError) as info:
        parse_table(text, **kw)
    return info.value


def test_ragged_row_names_the_line():
    e = _error("a,b,c,d\n1,2,3,4\n\n# note\n5,6,7,8\n1,2,3,4\n1,2,3\n")
    assert str(e) == "line 7 has 3 fields; the header has 4: column 'd' is missing" and e.line == 7
    assert e.column == "d"
    e = _error("a,b\n1,2\n3,4,5\n")
    assert str(e) == "line 3 has 3 fields; the header has 2: field 3 ('5') has no column" and e.line == 3


def test_a_header_with_numbers_in_it_is_kept_for_the_dialog_to_point_out():
    """ "step,0,1" (numbers as column names) and "1,abc" (data with a typo) look alike:
    both are read as a header, and the numbers in it are kept so the user is told."""
    t = parse_table("1,abc\n3,4\n")
    assert t.has_header and t.columns == ("1", "abc") and t.header_numbers == ("1",)
    assert t.rows == 1
    assert parse_table("a,b\n1,2\n").header_numbers == ()


def test_ragged_row_without_header():
    assert "the first row has 2" in str(_error("1,2\n3,4,5\n"))


def test_non_number_names_line_and_column():
    e = _error("t,price\n1,2\n2,3\n3,4\n4,abc\n")
    assert str(e) == "line 5, column 'price': 'abc' is not a number"
    assert (e.line, e.column) == (5, "price")


def test_empty_field_names_line_and_column():
    assert str(_error("a,b\n1,\n")) == "line 2, column 'b': is empty"


@pytest.mark.parametrize("bad", ["nan", "NaN", "inf", "-Infinity", "1e999"])
def test_nan_and_inf_name_line_and_column(bad):
    e = _error(f"a,b\n1,2\n3,{bad}\n")
    assert e.line == 3 and e.column == "b" and "not a finite number" in str(e)


@pytest.mark.parametrize("text", ["", "\n\n  \n", "# only a comment\n"])
def test_empty_file(text):
    assert "empty" in str(_error(text))


def test_header_without_rows():
    assert "header but no rows" in str(_error("a,b,c\n"))


def test_underscored_numbers_are_not_numbers():
    assert "'1_000' is not a number" in str(_error("a\n1_000\n", header=True))


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(importers, "MAX_ROWS", 5)
    assert "the limit is 5" in str(_error("a\n" + "1\n" * 6))


def test_too_large_a_file(tmp_path, monkeypatch):
    monkeypatch.setattr(importers, "MAX_FILE_BYTES", 100)
    (tmp_path / "big.csv").write_text("1,2\n" * 50)
    with pytest.raises(SequenceImportError, match="big.csv is 200 bytes; the limit is 100"):
        read_table(tmp_path / "big.csv")


def test_binary_file_and_missing_file(tmp_path):
    (tmp_path / "b.csv").write_bytes(b"\x00\x01\x02PK")
    with pytest.raises(SequenceImportError, match="binary"):
        read_table(tmp_path / "b.csv")
    with pytest.raises(SequenceImportError, match="cannot read"):
        read_table(tmp_path / "nope.csv")


def test_file_errors_name_the_file(tmp_path):
    (tmp_path / "p.csv").write_text("a,b\n1,x\n")
    with pytest.raises(SequenceImportError, match=r"^p.csv: line 2, column 'b'"):
        read_table(tmp_path / "p.csv")


@given(st.lists(st.lists(st.floats(-1e6, 1e6), min_size=3, max_size=3), min_size=1, max_size=20))
def test_written_tables_read_back(rows):
    for sep in (",", "\t", ";", " "):
        text = f"a{sep}b{sep}c\n" + "".join(sep.join(repr(v) for v in r) + "\n" for r in rows)
        t = parse_table(text)
        assert t.columns == ("a", "b", "c")
        np.testing.assert_array_equal(t.data, np.array(rows))


@given(st.text(max_size=200))
def test_any_text_parses_or_says_why(text):
    try:
        t = parse_table(text)
    except SequenceImportError as e:
        assert str(e)
    else:
        assert t.data.ndim == 2 and np.isfinite(t.data).all()


# -- text ----------------------------------------------------------------------------


def test_seed003_sentence_gives_the_default_sequence():
    s, d = text_sequence("I love deep learning"), seed003_sequence()
    assert s.vocabulary == d.vocabulary == ("I", "love", "deep", "learning", "_")
    np.testing.assert_array_equal(s.inputs, d.inputs)
    np.testing.assert_array_equal(s.targets, d.targets)
    assert s.target_names == d.target_names and s.tokens == d.tokens and s.token_mode == "word"


def test_word_tokens_drop_punctuation_and_keep_case():
    assert tokenize("The movie is very interesting.") == ["The", "movie", "is", "very", "interesting"]
    assert tokenize("They seem very tasty, I love cheese") == [
        "They",
        "seem",
        "very",
        "tasty",
        "I",
        "love",
        "cheese",
    ]
    assert tokenize("Don't stop — well-known!") == ["Don't", "stop", "well-known"]


def test_char_tokens_keep_everything():
    s = text_sequence("hello", mode="char")
    assert s.tokens == ("h", "e", "l", "l", "o")
    assert s.vocabulary == ("h", "e", "l", "o", "_")
    assert tokenize("a b.", "char") == ["a", " ", "b", "."]


def test_vocabulary_is_in_order_of_first_appearance():
    assert build_vocabulary(["b", "a", "b", "c"]) == ("b", "a", "c", "_")
    assert build_vocabulary(["x", "_", "y"]) == ("x", "_", "y")
    assert build_vocabulary(["x"], end_token=None) == ("x",)


def test_next_token_targets_end_with_the_end_token():
    s = text_sequence("a b a")
    assert s.vocabulary == ("a", "b", "_")
    np.testing.assert_array_equal(s.targets.argmax(axis=1), [1, 0, 2])
    np.testing.assert_array_equal(s.inputs.sum(axis=1), 1)


def test_text_in_an_existing_vocabulary_and_without_targets():
    s = text_sequence("love I", vocabulary=("I", "love", "_"))
    np.testing.assert_array_equal(s.inputs, [[0, 1, 0], [1, 0, 0]])
    n = text_sequence("a b", targets=False)
    assert n.targets is None and n.vocabulary == ("a", "b")
    with pytest.raises(TextImportError, match="'zebra' is not in the vocabulary"):
        text_sequence("zebra", vocabulary=("I", "_"))


@pytest.mark.parametrize("text", ["", "  ...  !"])
def test_text_without_tokens(text):
    with pytest.raises(TextImportError, match="no tokens"):
        text_sequence(text)


def test_bad_token_mode():
    with pytest.raises(TextImportError, match="'word' or 'char'"):
        tokenize("x", "bytes")


@given(st.lists(st.lists(st.floats(-1e300, 1e300), min_size=2, max_size=2), min_size=1, max_size=30))
def test_fast_and_row_by_row_readers_agree(rows):
    body = [(n + 2, f"{a!r}, {b!r}") for n, (a, b) in enumerate(rows)]
    fast = importers._fast_rows(body, 2, ",")
    slow = importers._slow_rows(body, ("a", "b"), ",", True, "")
    assert fast is not None
    np.testing.assert_array_equal(fast, slow)


def test_quoted_numbers_take_the_row_by_row_reader():
    t = parse_table('a,b\n"1.5","2"\n3,"4"\n')
    np.testing.assert_array_equal(t.data, [[1.5, 2], [3, 4]])


# -- files a user may really have --------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig", "latin-1"])
def test_utf16_utf32_and_latin1_files_are_read(tmp_path, encoding):
    path = tmp_path / "t.csv"
    path.write_bytes("größe\tb\n1\t2\n3\t4\n".encode(encoding))  # Excel's "Unicode text" is UTF-16
    t = read_table(path)
    assert t.columns == ("größe", "b")
    np.testing.assert_array_equal(t.data, [[1, 2], [3, 4]])


def test_binary_without_nul_bytes_is_binary(tmp_path):
    (tmp_path / "b.csv").write_bytes(bytes(range(1, 256)) * 40)
    with pytest.raises(SequenceImportError, match="binary"):
        read_table(tmp_path / "b.csv")


def test_a_huge_single_line_is_a_message_not_a_crash():
    with pytest.raises(SequenceImportError, match="200,000 columns; the limit is 10,000"):
        parse_table(",".join(["1"] * 200_000) + "\n")  # one field per tab-split: over csv's limit
    with pytest.raises(SequenceImportError, match=r"line 2.*\(100,000 characters\) is not a finite number"):
        parse_table("a\n" + "9" * 100_000 + "\n")  # the message quotes the start of the field


def test_a_decimal_comma_gets_a_hint():
    with pytest.raises(SequenceImportError, match=r"'1,5' is not a number \(use a decimal point"):
        parse_table("a;b\n1,5;2\n")


def test_one_hot_tables_too_big_for_memory_are_refused_naming_both_sizes():
    words = " ".join(f"w{k % 4000}" for k in range(40_000))
    with pytest.raises(
        TextImportError, match=r"40,000 tokens and a vocabulary of 4,001.*limit is 20,000,000"
    ):
        text_sequence(words, mode="word")


def test_a_folder_or_a_pipe_is_not_read(tmp_path):
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(SequenceImportError, match="folder.csv is not a file"):
        read_table(tmp_path / "folder.csv")
    os.mkfifo(tmp_path / "pipe.csv")  # reading it would wait for a writer forever
    with pytest.raises(SequenceImportError, match="pipe.csv is not a file"):
        read_table(tmp_path / "pipe.csv")


def test_a_file_that_grew_after_its_size_was_checked_is_still_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(importers, "MAX_FILE_BYTES", 100)
    path = tmp_path / "growing.csv"
    path.write_text("a\n" + "1\n" * 100)
    real_stat = type(path).stat

    def small_stat(self, **kw):  # the size the OS reported a moment before the file grew
        st = real_stat(self, **kw)
        return os.stat_result((st.st_mode, *st[1:6], 10, *st[7:]))

    monkeypatch.setattr(type(path), "stat", small_stat)
    with pytest.raises(SequenceImportError, match="growing.csv is over 100 bytes"):
        read_table(path)
