"""Hostile files are refused with bounded memory; fuzzed files never escape as other errors."""

from __future__ import annotations

import os
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnnviz.session import Session, SessionFileError, load_session, save_session
from rnnviz.session.defaults import default_session

from .helpers import members_of, npy, npy_header_only, write_zip

PEAK_LIMIT = 4 << 20  # 4 MiB: far below what any of these files declares


def _peak_while_loading(path: Path) -> int:
    tracemalloc.start()
    try:
        with pytest.raises(SessionFileError):
            load_session(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def _patch_uncompressed_size(data: bytes, info: zipfile.ZipInfo, size: int) -> bytes:
    """Rewrite a member's declared uncompressed size in its local and central headers."""
    out = bytearray(data)
    local = info.header_offset
    out[local + 22 : local + 26] = size.to_bytes(4, "little")
    name = info.filename.encode()
    central = out.find(b"PK\x01\x02")
    while central >= 0:
        if out[central + 46 : central + 46 + len(name)] == name:
            out[central + 24 : central + 28] = size.to_bytes(4, "little")
            break
        central = out.find(b"PK\x01\x02", central + 4)
    return bytes(out)


def test_bomb_is_refused_with_bounded_memory(tmp_path):
    members = members_of(default_session())
    members["sequence/inputs.npy"] = npy(np.zeros((1 << 20, 5)))  # 40 MB of zeros, deflated to ~40 kB
    path = write_zip(tmp_path / "bomb.rnnviz", members)
    assert path.stat().st_size < 200_000
    assert _peak_while_loading(path) < PEAK_LIMIT


def test_bomb_that_lies_about_its_size_is_refused_with_bounded_memory(tmp_path):
    """Declares the right small size, but its deflate stream inflates to 40 MB."""
    members = members_of(default_session())
    good = members["sequence/inputs.npy"]
    members["sequence/inputs.npy"] = good + bytes(40 << 20)
    path = write_zip(tmp_path / "liar.rnnviz", members)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("sequence/inputs.npy")
    path.write_bytes(_patch_uncompressed_size(path.read_bytes(), info, len(good)))
    assert _peak_while_loading(path) < PEAK_LIMIT


@pytest.mark.parametrize("shape", [(10**12, 5), (4, 10**9), (2**62, 2**62)])
def test_huge_shape_is_refused_with_bounded_memory(tmp_path, shape):
    members = members_of(default_session())
    members["sequence/inputs.npy"] = npy_header_only(shape)
    path = write_zip(tmp_path / "huge.rnnviz", members)
    assert _peak_while_loading(path) < PEAK_LIMIT


def test_huge_manifest_declared_size_is_refused_with_bounded_memory(tmp_path):
    members = members_of(default_session())
    members["manifest.json"] = b" " * (80 << 20)  # 80 MB of spaces, over the manifest cap
    path = write_zip(tmp_path / "m.rnnviz", members)
    assert _peak_while_loading(path) < PEAK_LIMIT


def test_huge_network_in_the_manifest_is_refused_with_bounded_memory(tmp_path):
    import json

    members = members_of(default_session())
    m = json.loads(members["manifest.json"])
    m["network"].update(hidden_size=4096, num_layers=64)
    members["manifest.json"] = json.dumps(m).encode()
    path = write_zip(tmp_path / "n.rnnviz", members)
    assert _peak_while_loading(path) < PEAK_LIMIT


# -- fuzzing -----------------------------------------------------------------------

_GOOD: dict[str, bytes] = {}


def _good_bytes(tmp_path_factory) -> bytes:
    if "data" not in _GOOD:
        path = tmp_path_factory.mktemp("good") / "s.rnnviz"
        save_session(default_session(), path)
        _GOOD["data"] = path.read_bytes()
    return _GOOD["data"]


def _load_or_refuse(path: Path) -> None:
    try:
        s = load_session(path)
    except SessionFileError as e:
        assert str(e)
    else:
        assert isinstance(s, Session)


_FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


@_FUZZ
@given(data=st.binary(max_size=3000))
def test_fuzz_random_bytes(tmp_path, data):
    path = tmp_path / "fuzz.rnnviz"
    path.write_bytes(data)
    _load_or_refuse(path)


@_FUZZ
@given(
    edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=8),
    keep=st.one_of(st.none(), st.floats(0, 1)),
)
def test_fuzz_mutated_and_truncated_files(tmp_path, tmp_path_factory, edits, keep):
    data = bytearray(_good_bytes(tmp_path_factory))
    for where, value in edits:
        data[int(where * len(data))] = value
    if keep is not None:
        data = data[: int(keep * len(data))]
    path = tmp_path / "fuzz.rnnviz"
    path.write_bytes(bytes(data))
    _load_or_refuse(path)


@_FUZZ
@given(
    where=st.floats(0, 1, exclude_max=True),
    chunk=st.binary(min_size=1, max_size=64),
    delete=st.integers(0, 64),
)
def test_fuzz_insertions_and_deletions(tmp_path, tmp_path_factory, where, chunk, delete):
    data = _good_bytes(tmp_path_factory)
    i = int(where * len(data))
    path = tmp_path / "fuzz.rnnviz"
    path.write_bytes(data[:i] + chunk + data[i + delete :])
    _load_or_refuse(path)


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@_FUZZ
@given(
    header_field=st.sampled_from(
        ["schema_version", "network", "sequence", "view", "init", "arrays", "title"]
    ),
    value=_JSON_VALUES,
)
def test_fuzz_manifest_values(tmp_path, header_field, value):
    import json

    members = members_of(default_session())
    m = json.loads(members["manifest.json"])
    m[header_field] = value
    members["manifest.json"] = json.dumps(m).encode()
    _load_or_refuse(write_zip(tmp_path / "fuzz.rnnviz", members))


_SECTION_KEYS = {
    "network": ["mode", "input_size", "hidden_size", "num_layers", "bidirectional", "output_size",
                "head_activation", "dtype"],
    "sequence": ["steps", "input_names", "target_names", "vocabulary", "tokens", "token_mode", "shape",
                 "has_targets"],
    "view": ["step", "layer", "direction", "unit", "gate", "speed", "loop", "decimals", "dock_state"],
    "init": ["scheme", "seed", "constant", "forget_bias_one"],
    "arrays": ["weights_prefix", "inputs", "targets", "target_mask"],
}  # fmt: skip


@_FUZZ
@given(
    edits=st.lists(
        st.sampled_from(sorted(_SECTION_KEYS)).flatmap(
            lambda sec: st.tuples(
                st.just(sec), st.sampled_from(_SECTION_KEYS[sec]), _JSON_VALUES | st.just(...)
            )
        ),
        min_size=1,
        max_size=3,
    )
)
def test_fuzz_manifest_fields(tmp_path, edits):
    """Any field of any section replaced (or removed: ...): a session that works, or a SessionFileError."""
    import json

    members = members_of(default_session())
    m = json.loads(members["manifest.json"])
    for section, key, value in edits:
        if value is ...:
            m[section].pop(key, None)
        else:
            m[section][key] = value
    members["manifest.json"] = json.dumps(m).encode()
    try:
        s = load_session(write_zip(tmp_path / "fuzz.rnnviz", members))
    except SessionFileError as e:
        assert str(e)
    else:  # what opens can be shown and saved again
        s.network.forward(s.inputs)
        save_session(s, tmp_path / "again.rnnviz")
        load_session(tmp_path / "again.rnnviz")


# -- archives that say two things at once -------------------------------------------


def _two_layer_members() -> dict[str, bytes]:
    from rnnviz.engine import Network, NetworkSpec
    from rnnviz.session import Sequence

    net = Network.from_spec(NetworkSpec("gru", 2, 3, num_layers=2, bidirectional=True), seed=1)
    return members_of(Session(network=net, sequence=Sequence(np.ones((4, 2)))))


def _with_manifest(members: dict[str, bytes], change) -> dict[str, bytes]:
    import json

    m = json.loads(members["manifest.json"])
    change(m)
    return {**members, "manifest.json": json.dumps(m).encode()}


def _message(path: Path) -> str:
    with pytest.raises(SessionFileError) as err:
        load_session(path)
    return str(err.value)


def test_duplicate_member_names_are_refused(tmp_path):
    """Zip readers disagree on which of two same-named members counts: refuse the file."""
    path = write_zip(tmp_path / "dup.rnnviz", members_of(default_session()))
    with zipfile.ZipFile(path, "a") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("manifest.json", b'{"schema_version": 1}')
    msg = _message(path)
    assert "dup.rnnviz" in msg and "two members named 'manifest.json'" in msg, msg


def test_manifest_declaring_fewer_layers_than_the_weights(tmp_path):
    members = _with_manifest(_two_layer_members(), lambda m: m["network"].update(num_layers=1))
    msg = _message(write_zip(tmp_path / "f.rnnviz", members))
    assert "'weights/bias_hh_l1.npy' is not a parameter" in msg and "1-layer bidirectional gru" in msg, msg


def test_manifest_declaring_one_direction_of_a_bidirectional_file(tmp_path):
    members = _with_manifest(_two_layer_members(), lambda m: m["network"].update(bidirectional=False))
    msg = _message(write_zip(tmp_path / "f.rnnviz", members))
    assert "_reverse.npy'" in msg and "2-layer gru" in msg, msg


def test_manifest_declaring_more_layers_than_the_weights(tmp_path):
    members = _with_manifest(_two_layer_members(), lambda m: m["network"].update(num_layers=3))
    msg = _message(write_zip(tmp_path / "f.rnnviz", members))
    assert "'weights/weight_ih_l2.npy'" in msg and "missing" in msg and "3-layer" in msg, msg


@pytest.mark.parametrize(
    "init, expected",
    [
        ({"scheme": "no-such-scheme", "seed": 3}, ("pytorch", 3)),
        ({"scheme": "xavier", "seed": -5}, ("xavier", 0)),
        ({"scheme": "orthogonal", "seed": 10**40}, ("orthogonal", 2**31 - 1)),
    ],
)
def test_init_settings_are_brought_inside_what_the_engine_and_gui_accept(tmp_path, init, expected):
    """A seed the GUI's seed box cannot show (it would raise OverflowError) never reaches it."""
    from rnnviz.engine import Network

    members = _with_manifest(members_of(default_session()), lambda m: m["init"].update(init))
    s = load_session(write_zip(tmp_path / "i.rnnviz", members))
    assert (s.init.scheme, s.init.seed) == expected
    Network.from_spec(s.network.spec, init=s.init.scheme, seed=s.init.seed)  # usable as they are


def test_manifest_of_many_tiny_objects_is_refused_before_parsing(tmp_path):
    """``{},`` is 3 bytes of JSON but ~70 bytes as Python objects: 1.5M of them would take
    ~100 MB to parse; the item count is checked first, so the peak stays near the raw size."""
    body = b'{"schema_version": 1, "pad": [' + b"{}," * 1_500_000 + b"{}]}"
    path = write_zip(tmp_path / "tiny.rnnviz", {"manifest.json": body}, method=zipfile.ZIP_STORED)
    assert _peak_while_loading(path) < 8 * len(body)
    with pytest.raises(
        SessionFileError, match=r"3,000,004 commas, objects and lists; the limit is 1,000,000"
    ):
        load_session(path)


def test_a_session_whose_manifest_would_be_refused_is_not_saved(tmp_path):
    """Saving never writes a file that cannot be opened again; the old file stays."""
    from dataclasses import replace

    path = tmp_path / "s.rnnviz"
    save_session(default_session(), path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="shorten the note"):
        save_session(replace(default_session(), note="x" * (9 << 20)), path)
    with pytest.raises(ValueError, match="shorten the note"):
        save_session(replace(default_session(), note="," * 1_100_000), path)
    assert path.read_bytes() == before
    save_session(replace(default_session(), note="x" * (4 << 20)), path)
    assert len(load_session(path).note) == 4 << 20


@pytest.mark.parametrize("kind", ["folder", "nul", "device"])
def test_paths_that_are_not_files(tmp_path, kind):
    path = {"folder": tmp_path, "nul": str(tmp_path / "a\0b.rnnviz"), "device": Path(os.devnull)}[kind]
    msg = _message(path)
    assert ("not a file" if kind != "nul" else "null byte") in msg, msg


def test_small_integer_arrays_are_capped_as_the_float64_they_become(tmp_path, monkeypatch):
    """A uint8 array is read into float64, 8 times its stored size: the limits apply to that."""
    import json

    from rnnviz.session import archive

    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 4 << 20)
    members = members_of(default_session())
    m = json.loads(members["manifest.json"])
    del m["sequence"]["steps"]
    m["sequence"].update(tokens=[], has_targets=False, target_names=[])
    members["manifest.json"] = json.dumps(m).encode()
    members["sequence/inputs.npy"] = npy(np.zeros((200_000, 5), np.uint8))  # 1 MB stored, 8 MB as float64
    path = write_zip(tmp_path / "u8.rnnviz", members, method=zipfile.ZIP_STORED)
    assert _peak_while_loading(path) < 4 << 20
    msg = _message(path)
    assert "inputs" in msg and "8,000,000 bytes as float64" in msg, msg


def test_weights_file_arrays_share_one_budget(tmp_path, monkeypatch):
    from rnnviz.session import archive
    from rnnviz.session.weights import WeightsFileError, network_from_weights

    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 3 << 20)
    arrays = {k: np.zeros(s) for k, s in {"weight_ih_l0": (512, 300), "weight_hh_l0": (512, 512)}.items()}
    path = tmp_path / "w.npz"
    np.savez(path, **arrays)  # 1.2 MB + 2.1 MB: each fits, together they do not
    with pytest.raises(WeightsFileError, match="weight_hh_l0"):
        network_from_weights(path, "rnn_tanh")


def test_running_out_of_memory_is_a_session_file_error(tmp_path, monkeypatch):
    from rnnviz.session import archive

    path = tmp_path / "big.rnnviz"
    save_session(default_session(), path)

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(archive, "read_npy", no_memory)
    assert "big.rnnviz: there is not enough memory" in _message(path)


@pytest.mark.parametrize("name", ["../evil.npy", "/etc/evil", "weights/../../evil", "C:/evil", "\\evil"])
def test_member_names_outside_the_archive_are_refused(tmp_path, name):
    """Nothing is ever extracted, but no honest file has such a member: say so."""
    members = {**members_of(default_session()), name: b"x"}
    msg = _message(write_zip(tmp_path / "odd.rnnviz", members))
    assert "odd.rnnviz" in msg and "a path outside the archive" in msg, msg
