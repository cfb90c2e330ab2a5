"""The .rnnviz file: exact round trips, old versions, and every class of bad file."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.session import Sequence, Session, SessionFileError, ViewSettings, load_session, save_session
from rnnviz.session.defaults import default_session
from rnnviz.session.migrations import MIGRATIONS, SCHEMA_VERSION, migrate

from .helpers import assert_sessions_equal, members_of, npy, npy_header_only, write_zip

FIXTURES = Path(__file__).parent / "fixtures"


def _lstm_session(dtype=np.float64, targets=True) -> Session:
    rng = np.random.default_rng(7)
    spec_state = {
        "weight_ih_l0": rng.normal(size=(8, 3)),
        "weight_hh_l0": rng.normal(size=(8, 2)),
        "bias_ih_l0": rng.normal(size=8),
        "bias_hh_l0": rng.normal(size=8),
        "weight_ih_l0_reverse": rng.normal(size=(8, 3)),
        "weight_hh_l0_reverse": rng.normal(size=(8, 2)),
        "bias_ih_l0_reverse": rng.normal(size=8),
        "bias_hh_l0_reverse": rng.normal(size=8),
    }
    net = Network.from_state_dict(spec_state, "lstm", dtype=dtype)
    seq = Sequence(
        inputs=rng.normal(size=(6, 3)),
        targets=rng.normal(size=(6, 4)) if targets else None,
        input_names=("a", "b", "ünïcode ✓"),
    )
    view = ViewSettings(
        step=3, layer=0, direction=1, unit=1, gate="f", speed=7.5, loop=True, dock_state="AAAB"
    )
    return Session(network=net, sequence=seq, view=view, note="line 1\nline 2 — “quotes”", title="bi-LSTM")


# -- round trips -----------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [default_session, _lstm_session, lambda: _lstm_session(np.float32), lambda: _lstm_session(targets=False)],
    ids=["seed003", "bilstm", "float32", "no-targets"],
)
def test_round_trip_is_exact(tmp_path, make):
    s = make()
    path = tmp_path / "s.rnnviz"
    save_session(s, path)
    loaded = load_session(path)
    assert_sessions_equal(s, loaded)
    np.testing.assert_array_equal(
        loaded.network.forward(loaded.inputs).output, s.network.forward(s.inputs).output
    )


def test_saving_the_same_session_gives_the_same_bytes(tmp_path):
    save_session(default_session(), tmp_path / "a.rnnviz")
    save_session(default_session(), tmp_path / "b.rnnviz")
    assert (tmp_path / "a.rnnviz").read_bytes() == (tmp_path / "b.rnnviz").read_bytes()


def test_big_arrays_are_written_in_chunks_as_numpy_writes_them(tmp_path, monkeypatch):
    """Members above the deflate limit are streamed from the array in chunks (here
    chunks of 1000 bytes, which split numbers); every member still holds exactly what
    ``np.save`` writes, and the session comes back exact."""
    import io

    from rnnviz.session import archive

    monkeypatch.setattr(archive, "WRITE_CHUNK", 1000)
    rng = np.random.default_rng(3)
    steps = 150_000  # 1.2 MB of inputs: above the 1 MiB limit, so stored and streamed
    targets = rng.normal(size=(steps, 1))
    targets[::5] = np.nan  # a mask member too
    net = Network.from_spec(NetworkSpec("gru", 1, 2, output_size=1), seed=1)
    s = Session(net, Sequence(inputs=rng.normal(size=(steps, 1)) * 1e300, targets=targets))
    path = tmp_path / "big.rnnviz"
    save_session(s, path)
    with zipfile.ZipFile(path) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        assert infos["sequence/inputs.npy"].compress_type == zipfile.ZIP_STORED
        buf = io.BytesIO()
        np.save(buf, s.inputs, allow_pickle=False)
        assert zf.read("sequence/inputs.npy") == buf.getvalue()
        assert zf.testzip() is None  # every CRC matches
    loaded = load_session(path)
    assert_sessions_equal(s, loaded)


def test_manifest_is_readable_json_with_schema_version(tmp_path):
    save_session(default_session(), tmp_path / "s.rnnviz")
    with zipfile.ZipFile(tmp_path / "s.rnnviz") as zf:
        m = json.loads(zf.read("manifest.json"))
        names = zf.namelist()
    assert m["schema_version"] == SCHEMA_VERSION == 2
    assert m["network"]["mode"] == "rnn_tanh" and m["sequence"]["vocabulary"][-1] == "_"
    assert "weights/weight_ih_l0.npy" in names and "weights/head.bias.npy" in names


def test_save_replaces_an_existing_file_and_keeps_its_permissions(tmp_path):
    path = tmp_path / "s.rnnviz"
    save_session(default_session(), path)
    path.chmod(0o600)
    save_session(_lstm_session(), path)
    assert load_session(path).title == "bi-LSTM"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["s.rnnviz"]


def test_failed_save_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    from rnnviz.session import files

    path = tmp_path / "s.rnnviz"
    save_session(default_session(), path)
    before = path.read_bytes()
    calls = []

    def failing(zf, name, data):
        calls.append(name)
        if len(calls) == 3:
            raise OSError("disk full")
        zipfile.ZipFile.writestr(zf, name, data)

    monkeypatch.setattr(files, "_write_member", failing)
    with pytest.raises(OSError, match="disk full"):
        save_session(_lstm_session(), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.rnnviz"]


# -- old versions, kept forever -----------------------------------------------------


def test_v1_fixture_still_opens():
    s = load_session(FIXTURES / "v1_seed003_default.rnnviz")
    assert s.network.mode == "rnn_tanh" and s.network.hidden_size == 3
    np.testing.assert_array_equal(s.network.param("weight_ih_l0")[0], [0.2, -0.3, 0.1, 0.4, 0.1])
    assert s.sequence.tokens == ("I", "love", "deep", "learning")
    assert s.sequence.vocabulary == ("I", "love", "deep", "learning", "_")
    h1 = s.network.forward(s.inputs).hidden()[0]
    np.testing.assert_allclose(h1, [0.2913, 0.5370, -0.1974], atol=5e-5)


def test_v0_prerelease_fixture_is_migrated():
    from .fixtures.make_fixtures import V0_SHAPES, V0_X, V0_Y, v0_param

    s = load_session(FIXTURES / "v0_lstm_prerelease.rnnviz")
    assert s.title == "Pre-release LSTM" and s.note == "Written in the version 0 layout."
    assert s.network.mode == "lstm" and s.network.spec.output_size == 1
    for k, (key, shape) in enumerate(V0_SHAPES.items()):
        np.testing.assert_array_equal(s.network.param(key), v0_param(shape, k))
    np.testing.assert_array_equal(s.inputs, V0_X)
    np.testing.assert_array_equal(s.targets, V0_Y)
    assert s.sequence.input_names == ("price", "volume") and s.sequence.target_names == ("next_price",)
    assert s.view.step == 2 and s.view.speed == 4.0


def test_migrations_chain_to_the_current_version():
    assert sorted(MIGRATIONS) == list(range(SCHEMA_VERSION))
    m = migrate({"format": "rnnviz-session", "version": 0, "cell": "gru", "n_inputs": 1, "hidden": 2})
    assert m["schema_version"] == SCHEMA_VERSION and m["network"]["mode"] == "gru"


# -- bad files ----------------------------------------------------------------------


def _valid() -> dict[str, bytes]:
    return members_of(default_session())


def _with_manifest(change) -> dict[str, bytes]:
    members = _valid()
    m = json.loads(members["manifest.json"])
    change(m)
    members["manifest.json"] = json.dumps(m).encode()
    return members


def _bad(tmp_path: Path, members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> Path:
    return write_zip(tmp_path / "bad.rnnviz", members, method)


def _raises(path: Path, *fragments: str) -> str:
    with pytest.raises(SessionFileError) as info:
        load_session(path)
    msg = str(info.value)
    assert path.name in msg
    for frag in fragments:
        assert frag in msg, msg
    return msg


def test_error_is_a_value_error():
    assert issubclass(SessionFileError, ValueError)


def test_empty_file(tmp_path):
    (tmp_path / "e.rnnviz").write_bytes(b"")
    _raises(tmp_path / "e.rnnviz", "empty")


def test_missing_file(tmp_path):
    _raises(tmp_path / "nope.rnnviz", "cannot read")


def test_random_bytes_and_text(tmp_path):
    (tmp_path / "r.rnnviz").write_bytes(np.random.default_rng(0).bytes(5000))
    _raises(tmp_path / "r.rnnviz", "not a zip")
    (tmp_path / "t.rnnviz").write_text("hello, I am a CSV\n1,2,3\n")
    _raises(tmp_path / "t.rnnviz", "not a zip")


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_truncated(tmp_path, keep):
    save_session(default_session(), tmp_path / "good.rnnviz")
    data = (tmp_path / "good.rnnviz").read_bytes()
    (tmp_path / "cut.rnnviz").write_bytes(data[: int(len(data) * keep)])
    _raises(tmp_path / "cut.rnnviz")


def test_missing_manifest(tmp_path):
    members = _valid()
    del members["manifest.json"]
    _raises(_bad(tmp_path, members), "manifest.json", "missing")


def test_missing_weight_member(tmp_path):
    members = _valid()
    del members["weights/weight_hh_l0.npy"]
    _raises(_bad(tmp_path, members), "weights/weight_hh_l0.npy", "missing")


def test_garbage_json_names_the_line(tmp_path):
    members = _valid()
    members["manifest.json"] = b'{\n  "schema_version": 1,\n  "title": "x"\n  "note": 3\n}'
    _raises(_bad(tmp_path, members), "manifest.json", "not valid JSON", "line 4")


@pytest.mark.parametrize(
    "body, fragment",
    [
        (b"[1, 2, 3]", "JSON object"),
        (b"\xff\xfe{}", "UTF-8"),
        (b'{"schema_version": NaN}', "NaN"),
        (b"[" * 100_000 + b"]" * 100_000, "manifest.json"),
        (b"{}", "schema_version"),
        (b'{"schema_version": "1"}', "schema_version"),
    ],
    ids=["array", "not-utf8", "nan-literal", "deep-nesting", "no-version", "string-version"],
)
def test_bad_manifest_bodies(tmp_path, body, fragment):
    members = _valid()
    members["manifest.json"] = body
    _raises(_bad(tmp_path, members), fragment)


@pytest.mark.parametrize(
    "change, fragments",
    [
        (lambda m: m["network"].__setitem__("hidden_size", "3"), ("network", "hidden_size", "int")),
        (lambda m: m["network"].__setitem__("input_size", True), ("input_size",)),
        (lambda m: m["network"].__setitem__("mode", "transformer"), ("network", "mode")),
        (lambda m: m.__setitem__("network", [1, 2]), ("network", "dict")),
        (lambda m: m["sequence"].__setitem__("vocabulary", ["a", 3]), ("vocabulary[1]",)),
        (lambda m: m["sequence"].__setitem__("shape", "sideways"), ("shape",)),
        (lambda m: m["view"].__setitem__("step", "one"), ("view", "step")),
        (lambda m: m["init"].__setitem__("seed", 1.5), ("init", "seed")),
        (lambda m: m.__setitem__("note", None), ("note",)),
        (lambda m: m["arrays"].__setitem__("inputs", "nowhere.npy"), ("nowhere.npy", "missing")),
        (lambda m: m["sequence"].__setitem__("steps", 5), ("inputs", "(4, 5)", "(5, 5)")),
        (lambda m: m["sequence"].__setitem__("input_names", ["a"]), ("input_names",)),
        (lambda m: m["network"].__setitem__("hidden_size", 4), ("weight_ih_l0", "(3, 5)", "(4, 5)")),
    ],
    ids=[
        "str-int", "bool-int", "bad-mode", "list-obj", "vocab-type", "shape", "view-type",
        "seed-float", "note-null", "member-missing", "steps-mismatch", "names-mismatch", "spec-mismatch",
    ],
)  # fmt: skip
def test_wrong_types_and_inconsistent_manifests(tmp_path, change, fragments):
    _raises(_bad(tmp_path, _with_manifest(change)), *fragments)


def test_out_of_range_view_settings_are_brought_inside_the_session(tmp_path):
    def change(m):
        m["view"].update(step=99, layer=3, direction=1, unit=-2, gate="f", speed=1000.0, decimals=40)

    v = load_session(_bad(tmp_path, _with_manifest(change))).view
    assert (v.step, v.layer, v.direction, v.unit, v.gate, v.speed, v.decimals) == (4, 0, 0, 0, "", 30.0, 8)


def test_tokens_and_vocabulary_must_fit_the_arrays(tmp_path):
    _raises(_bad(tmp_path, _with_manifest(lambda m: m["sequence"]["tokens"].pop())), "3 tokens for 4 steps")
    _raises(
        _bad(tmp_path, _with_manifest(lambda m: m["sequence"]["vocabulary"].pop())),
        "vocabulary of 4 tokens for 5",
    )


def test_a_vocabulary_fits_the_columns_even_without_a_token_mode(tmp_path):
    def short(m):
        m["sequence"].update(token_mode="", tokens=[])
        m["sequence"]["vocabulary"].pop()

    _raises(_bad(tmp_path, _with_manifest(short)), "vocabulary of 4 tokens for 5")


def test_a_vocabulary_names_each_token_once(tmp_path):
    def twice(m):
        m["sequence"]["vocabulary"][4] = m["sequence"]["vocabulary"][1]

    _raises(_bad(tmp_path, _with_manifest(twice)), "holds 'love' twice")


def test_overflowing_float_in_the_manifest(tmp_path):
    members = _valid()
    members["manifest.json"] = members["manifest.json"].replace(b'"speed": 2.0', b'"speed": 1e400')
    _raises(_bad(tmp_path, members), "view", "speed", "finite")


@pytest.mark.parametrize("section, key", [("view", "speed"), ("init", "constant")])
def test_an_integer_too_large_for_a_float_setting(tmp_path, section, key):
    """JSON integers have no limit: 10**400 where a float belongs is refused, not an OverflowError."""
    members = _valid()
    m = json.loads(members["manifest.json"])
    m[section][key] = 1
    raw = json.dumps(m).replace(f'"{key}": 1', f'"{key}": 1{"0" * 400}')
    members["manifest.json"] = raw.encode()
    _raises(_bad(tmp_path, members), section, key, "too large")


def test_a_number_of_thousands_of_digits_is_named_plainly(tmp_path):
    members = _valid()
    members["manifest.json"] = members["manifest.json"].replace(b'"speed": 2.0', b'"speed": 1' + b"0" * 5000)
    msg = _raises(_bad(tmp_path, members), "a number with thousands of digits")
    assert "set_int_max_str_digits" not in msg


def test_a_long_double_beyond_float64_is_refused_by_name(tmp_path):
    """1e400 is finite as an x87 long double but infinite as float64: named all the same."""
    big = np.full((3, 5), np.longdouble("1e400"))
    if not np.isfinite(big).all() or np.dtype(np.longdouble).itemsize <= 8:
        pytest.skip("this platform's long double is float64")
    members = _valid()
    members["weights/weight_ih_l0.npy"] = npy(big)
    _raises(_bad(tmp_path, members), "weight_ih_l0", "infinity")


def test_future_version_names_both_versions(tmp_path):
    path = _bad(tmp_path, _with_manifest(lambda m: m.__setitem__("schema_version", 7)))
    msg = _raises(path, "schema version 7", f"up to {SCHEMA_VERSION}", "update rnnviz")
    assert "written by" in msg


@pytest.mark.parametrize(
    "array, fragment",
    [
        (np.array([[1, None, 3]] * 3, dtype=object), "object"),
        (np.zeros((3, 5), dtype="U3"), "<U3"),
        (np.zeros((3, 5), dtype=[("a", "<f8")]), "records"),
        (np.zeros((3, 5), dtype="V8"), "V8"),
        (np.zeros((3, 5), dtype="<c16"), "complex"),
    ],
    ids=["object", "unicode", "record", "void", "complex"],
)
def test_non_numeric_arrays(tmp_path, array, fragment):
    members = _valid()
    members["weights/weight_ih_l0.npy"] = npy(array, allow_pickle=array.dtype.hasobject)
    _raises(_bad(tmp_path, members), "weights/weight_ih_l0.npy", fragment)


def test_pickle_bytes_in_an_npy_member(tmp_path):
    import pickle

    members = _valid()
    members["sequence/inputs.npy"] = pickle.dumps(np.zeros((4, 5)))
    _raises(_bad(tmp_path, members), "sequence/inputs.npy", "not a valid .npy")


def test_integer_arrays_are_read_as_numbers(tmp_path):
    members = _valid()
    members["sequence/inputs.npy"] = npy(np.eye(5, dtype=np.int16)[[0, 1, 2, 3]])
    s = load_session(_bad(tmp_path, members))
    assert s.inputs.dtype == np.float64 and s.inputs[1, 1] == 1.0


def test_big_endian_and_fortran_arrays_are_read_correctly(tmp_path):
    members = _valid()
    w = default_session().network.param("weight_ih_l0")
    members["weights/weight_ih_l0.npy"] = npy(np.asfortranarray(w.astype(">f8")))
    s = load_session(_bad(tmp_path, members))
    np.testing.assert_array_equal(s.network.param("weight_ih_l0"), w)


@pytest.mark.parametrize(
    "member, label", [("weights/weight_hh_l0.npy", "weight_hh_l0"), ("sequence/inputs.npy", "inputs")]
)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_are_refused_naming_the_array(tmp_path, member, label, bad):
    members = _valid()
    s = default_session()
    a = (s.network.param("weight_hh_l0") if label == "weight_hh_l0" else s.inputs).copy()
    a[1, 2] = bad
    members[member] = npy(a)
    _raises(_bad(tmp_path, members), label, "(1, 2)", "NaN" if np.isnan(bad) else "infinity")


def test_huge_declared_shape(tmp_path):
    members = _valid()
    members["sequence/inputs.npy"] = npy_header_only((10**12, 5))
    _raises(_bad(tmp_path, members), "inputs", "(1000000000000, 5)")


def test_shape_disagreeing_with_the_spec(tmp_path):
    members = _valid()
    members["weights/head.weight.npy"] = npy(np.zeros((5, 4)))
    _raises(_bad(tmp_path, members), "head.weight", "(5, 4)", "(5, 3)")


def test_npy_data_shorter_than_its_header(tmp_path):
    members = _valid()
    members["weights/weight_ih_l0.npy"] = npy(np.zeros((3, 5)))[:-16]
    _raises(_bad(tmp_path, members), "weight_ih_l0", "needs 120 bytes")


def test_huge_network_declared_in_the_manifest(tmp_path):
    def change(m):
        m["network"].update(hidden_size=4096, num_layers=64, input_size=1_000_000)

    _raises(_bad(tmp_path, _with_manifest(change)), "declares", "limit")


def test_decompression_bomb(tmp_path):
    members = _valid()
    members["notes/bomb.bin"] = bytes(30 << 20)  # 30 MB of zeros deflate to ~30 kB
    members["sequence/inputs.npy"] = npy(np.zeros((4 << 17, 5)))  # 20 MB of zeros
    _raises(_bad(tmp_path, members), "sequence/inputs.npy", "zip bomb")


def test_bzip2_members_are_refused(tmp_path):
    _raises(_bad(tmp_path, _valid(), zipfile.ZIP_BZIP2), "compression method")


def test_too_many_members(tmp_path):
    members = _valid()
    members.update({f"junk/{i}": b"" for i in range(3000)})
    _raises(_bad(tmp_path, members, zipfile.ZIP_STORED), "3,00", "limit")


def _zip64_liar(tmp_path: Path, entries: int, cd_size: int) -> Path:
    """A valid file with a ZIP64 end record (which zipfile honours) declaring a huge directory."""
    save_session(default_session(), tmp_path / "s.rnnviz")
    data = (tmp_path / "s.rnnviz").read_bytes()
    eocd = data.rfind(b"PK\x05\x06")
    cd_offset = int.from_bytes(data[eocd + 16 : eocd + 20], "little")
    record_at = eocd
    z64 = b"PK\x06\x06" + (44).to_bytes(8, "little") + (45).to_bytes(2, "little") * 2 + bytes(8)
    z64 += entries.to_bytes(8, "little") * 2 + cd_size.to_bytes(8, "little") + cd_offset.to_bytes(8, "little")
    locator = b"PK\x06\x07" + bytes(4) + record_at.to_bytes(8, "little") + (1).to_bytes(4, "little")
    path = tmp_path / "z64.rnnviz"
    path.write_bytes(data[:eocd] + z64 + locator + data[eocd:])
    return path


def test_zip64_record_declaring_a_huge_directory(tmp_path):
    _raises(_zip64_liar(tmp_path, 10**8, 100), "100,000,000 members")
    _raises(_zip64_liar(tmp_path, 9, 10**9), "table of contents")


def test_unknown_extra_members_are_ignored(tmp_path):
    members = _valid()
    members["thumbnail.png"] = b"\x89PNG..."
    assert load_session(_bad(tmp_path, members)).title == default_session().title


def test_member_lying_about_its_size(tmp_path):
    """A stored member whose data is longer than declared: caught by the CRC or the size check."""
    save_session(default_session(), tmp_path / "s.rnnviz")
    data = bytearray((tmp_path / "s.rnnviz").read_bytes())
    # flip a byte inside the first array's data: its CRC no longer matches
    with zipfile.ZipFile(tmp_path / "s.rnnviz") as zf:
        info = zf.getinfo("weights/bias_hh_l0.npy")
    start = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    data[start] ^= 0xFF
    (tmp_path / "x.rnnviz").write_bytes(bytes(data))
    _raises(tmp_path / "x.rnnviz")


def test_session_fields_still_match_the_manifest():
    """If model.py gains a settings field, the manifest writes it too (guards silent data loss)."""
    from rnnviz.session.files import session_manifest

    m = session_manifest(default_session())
    assert set(m["view"]) == {f.name for f in dataclasses.fields(ViewSettings)}
