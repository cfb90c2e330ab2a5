"""Shared test helpers: compare sessions exactly, build zip files member by member."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

import numpy as np

from rnnviz.session.files import session_members


def assert_sessions_equal(a, b) -> None:
    """Arrays bitwise equal, metadata equal."""
    assert a.network.spec == b.network.spec
    assert a.network.dtype == b.network.dtype
    sa, sb = a.network.state_dict(), b.network.state_dict()
    assert sa.keys() == sb.keys()
    for k in sa:
        assert sa[k].dtype == sb[k].dtype, k
        assert sa[k].tobytes() == sb[k].tobytes(), k
    qa, qb = a.sequence, b.sequence
    assert qa.inputs.tobytes() == qb.inputs.tobytes() and qa.inputs.shape == qb.inputs.shape
    if qa.targets is None:
        assert qb.targets is None
    else:
        assert qa.targets.shape == qb.targets.shape and qa.targets.tobytes() == qb.targets.tobytes()
    for f in ("input_names", "target_names", "vocabulary", "tokens", "token_mode", "shape"):
        assert getattr(qa, f) == getattr(qb, f), f
    assert dataclasses.asdict(a.view) == dataclasses.asdict(b.view)
    assert dataclasses.asdict(a.init) == dataclasses.asdict(b.init)
    assert a.note == b.note and a.title == b.title


def members_of(session) -> dict[str, bytes]:
    return dict(session_members(session))


def write_zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def npy(a: np.ndarray, allow_pickle: bool = False) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, a, allow_pickle=allow_pickle)
    return buf.getvalue()


def npy_header_only(shape: tuple[int, ...], descr: str = "<f8", payload: bytes = b"\0" * 64) -> bytes:
    """An .npy whose header declares ``shape`` but carries only ``payload``."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue() + payload
