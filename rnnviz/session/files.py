"""The ``.rnnviz`` session file: save and load a whole :class:`Session` safely.

A ``.rnnviz`` file is a zip archive::

    manifest.json                  what the session is (below)
    weights/<state_dict key>.npy   one array per parameter, PyTorch names and shapes
    sequence/inputs.npy            [T, input_size] float64
    sequence/targets.npy           [T, O] float64 (only when there are targets)

``manifest.json`` (schema version 1)::

    {"schema_version": 1, "app": "rnnviz", "app_version": "0.1.0",
     "title": str, "note": str,
     "network": {"mode", "input_size", "hidden_size", "num_layers", "bidirectional",
                 "output_size", "head_activation", "dtype"},
     "sequence": {"steps", "input_names", "target_names", "vocabulary", "tokens",
                  "token_mode", "shape", "has_targets"},
     "view": {ViewSettings fields}, "init": {InitSettings fields},
     "arrays": {"weights_prefix": "weights/", "inputs": "sequence/inputs.npy",
                "targets": "sequence/targets.npy" | null}}

Loading never executes code and never trusts a size (see
:mod:`rnnviz.session.archive`); older schema versions are upgraded by
:mod:`rnnviz.session.migrations`.  Every bad file raises
:class:`SessionFileError`.  Saving is atomic: a temp file in the same folder,
flushed and fsynced, then ``os.replace``.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

import rnnviz
from rnnviz.engine import Network, NetworkSpec

from . import archive
from .archive import ArchiveError
from .migrations import SCHEMA_VERSION, MigrationError, migrate
from .model import SHAPES, InitSettings, Sequence, Session, ViewSettings

MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 64 << 20
MAX_STEPS = 10_000_000
_STORE_ABOVE = archive.RATIO_CHECK_BYTES  # larger members are stored, not deflated
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same session gives the same bytes


class SessionFileError(ValueError):
    """A session file cannot be opened: the message says what is wrong and where."""


# -- loading -----------------------------------------------------------------


def load_session(path: str | os.PathLike) -> Session:
    """Read a ``.rnnviz`` file.  Raises :class:`SessionFileError` for any bad file."""
    name = Path(path).name
    try:
        with archive.open_zip(path, "session") as zf:
            return _load(zf)
    except SessionFileError as e:
        raise SessionFileError(f"{name}: {e}") from None
    except (ArchiveError, MigrationError) as e:
        raise SessionFileError(f"{name}: {e}") from None


def _load(zf: zipfile.ZipFile) -> Session:
    manifest = migrate(_read_manifest(zf))
    spec, dtype = _network_spec(_obj(manifest, "network", "manifest.json"))
    seq_meta = _obj(manifest, "sequence", "manifest.json")
    arrays = _obj(manifest, "arrays", "manifest.json")
    steps = _opt_int(seq_meta, "steps", "manifest.json: sequence", 1, MAX_STEPS)
    names = _str_list(seq_meta, "target_names", "manifest.json: sequence")
    has_targets = _typed(seq_meta, "has_targets", bool, "manifest.json: sequence", default=bool(names))
    _check_budget(spec, steps, len(names) if has_targets else 0)
    prefix = _typed(arrays, "weights_prefix", str, "manifest.json: arrays")
    params = {}
    for key, shape in spec.param_shapes().items():
        params[key] = archive.read_npy(zf, f"{prefix}{key}.npy", archive.exact_shape(shape), label=key)
    inputs = archive.read_npy(
        zf,
        _typed(arrays, "inputs", str, "manifest.json: arrays"),
        _table_shape(steps, spec.input_size),
        "inputs",
    )
    targets = None
    if has_targets:
        member = _typed(arrays, "targets", str, "manifest.json: arrays")
        targets = archive.read_npy(zf, member, _table_shape(inputs.shape[0], len(names) or None), "targets")
    try:
        network = Network(spec, params, dtype=dtype)
        sequence = _sequence(seq_meta, inputs, targets)
        return Session(
            network=network,
            sequence=sequence,
            view=_clamp_view(_settings(ViewSettings, manifest.get("view", {}), "view"), network, sequence),
            init=_settings(InitSettings, manifest.get("init", {}), "init"),
            note=_typed(manifest, "note", str, "manifest.json", default=""),
            title=_typed(manifest, "title", str, "manifest.json", default=""),
        )
    except SessionFileError:
        raise
    except ValueError as e:
        raise SessionFileError(f"the session is inconsistent: {e}") from None


def _read_manifest(zf: zipfile.ZipFile) -> dict[str, Any]:
    raw = archive.read_member(zf, MANIFEST, MAX_MANIFEST_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SessionFileError(f"{MANIFEST} is not UTF-8 text (bad byte at offset {e.start})") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as e:
        raise SessionFileError(
            f"{MANIFEST} is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})"
        ) from None
    except RecursionError:
        raise SessionFileError(f"{MANIFEST} is nested too deeply") from None
    except SessionFileError:
        raise
    except ValueError as e:  # e.g. a number with too many digits
        raise SessionFileError(f"{MANIFEST} is not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise SessionFileError(f"{MANIFEST} must hold a JSON object; got {type(data).__name__}")
    return data


def _refuse_constant(name: str) -> Any:
    raise SessionFileError(f"{MANIFEST} contains {name}, which is not a number JSON allows")


# -- typed access to the manifest ---------------------------------------------

_MISSING = object()


def _typed(d: dict, key: str, typ: type | tuple[type, ...], where: str, default: Any = _MISSING) -> Any:
    if key not in d:
        if default is _MISSING:
            raise SessionFileError(f"{where} is missing the key {key!r}")
        return default
    v = d[key]
    types = typ if isinstance(typ, tuple) else (typ,)
    if not isinstance(v, types) or (isinstance(v, bool) and bool not in types):
        tname = typ.__name__ if isinstance(typ, type) else " or ".join(t.__name__ for t in typ)
        raise SessionFileError(f"{where}: {key!r} must be {tname}; got {type(v).__name__} {_short(v)}")
    return v


def _short(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 60 else s[:57] + "…"


def _obj(d: dict, key: str, where: str) -> dict:
    return _typed(d, key, dict, where)


def _opt_int(d: dict, key: str, where: str, lo: int, hi: int) -> int | None:
    v = _typed(d, key, (int, type(None)), where, default=None)
    if v is not None and not lo <= v <= hi:
        raise SessionFileError(f"{where}: {key!r} must be in [{lo}, {hi:,}]; got {v:,}")
    return v


def _str_list(d: dict, key: str, where: str) -> tuple[str, ...]:
    v = _typed(d, key, list, where, default=[])
    for i, item in enumerate(v):
        if not isinstance(item, str):
            raise SessionFileError(f"{where}: {key}[{i}] must be a string; got {_short(item)}")
    return tuple(v)


def _network_spec(net: dict) -> tuple[NetworkSpec, np.dtype]:
    where = "manifest.json: network"
    dtype = _typed(net, "dtype", str, where, default="float64")
    if dtype not in ("float64", "float32"):
        raise SessionFileError(f"{where}: 'dtype' must be 'float64' or 'float32'; got {dtype!r}")
    head = _typed(net, "head_activation", (str, type(None)), where, default=None)
    try:
        spec = NetworkSpec(
            mode=_typed(net, "mode", str, where),
            input_size=_typed(net, "input_size", int, where),
            hidden_size=_typed(net, "hidden_size", int, where),
            num_layers=_typed(net, "num_layers", int, where, default=1),
            bidirectional=_typed(net, "bidirectional", bool, where, default=False),
            output_size=_typed(net, "output_size", int, where, default=0),
            head_activation=head,
        )
    except SessionFileError:
        raise
    except ValueError as e:
        raise SessionFileError(f"{where}: {e}") from None
    return spec, np.dtype(dtype)


def _check_budget(spec: NetworkSpec, steps: int | None, n_targets: int) -> None:
    """Refuse a declared network or sequence too big to hold, before reading anything."""
    total = 8 * spec.num_parameters()
    if steps is not None:
        total += 8 * steps * (spec.input_size + n_targets)
    if total > archive.MAX_TOTAL_BYTES:
        raise SessionFileError(
            f"manifest.json declares {total:,} bytes of arrays (network {spec.num_parameters():,} parameters"
            f"{'' if steps is None else f', {steps:,} steps'}); the limit is {archive.MAX_TOTAL_BYTES:,}"
        )


def _table_shape(steps: int | None, cols: int | None) -> archive.ShapeCheck:
    def check(shape: tuple[int, ...]) -> str | None:
        want = f"({steps if steps else 'T'}, {cols if cols else 'columns'})"
        if len(shape) != 2:
            return f"shape {shape} is not a table {want}"
        if (steps is not None and shape[0] != steps) or (cols is not None and shape[1] != cols):
            return f"shape {shape} does not match the expected {want}"
        if not 1 <= shape[0] <= MAX_STEPS or shape[1] < 1:
            return f"shape {shape} is empty or has more than {MAX_STEPS:,} steps"
        return None

    return check


def _sequence(meta: dict, inputs: np.ndarray, targets: np.ndarray | None) -> Sequence:
    where = "manifest.json: sequence"
    input_names = _str_list(meta, "input_names", where)
    target_names = _str_list(meta, "target_names", where)
    if input_names and len(input_names) != inputs.shape[1]:
        raise SessionFileError(f"{where}: {len(input_names)} input_names for {inputs.shape[1]} input columns")
    shape = _typed(meta, "shape", str, where, default="many_to_many")
    if shape not in SHAPES:
        raise SessionFileError(f"{where}: 'shape' must be one of {', '.join(SHAPES)}; got {shape!r}")
    token_mode = _typed(meta, "token_mode", str, where, default="")
    if token_mode not in ("", "word", "char"):
        raise SessionFileError(f"{where}: 'token_mode' must be 'word', 'char' or ''; got {token_mode!r}")
    tokens = _str_list(meta, "tokens", where)
    if tokens and len(tokens) != inputs.shape[0]:
        raise SessionFileError(f"{where}: {len(tokens)} tokens for {inputs.shape[0]} steps")
    vocabulary = _str_list(meta, "vocabulary", where)
    if token_mode and len(vocabulary) != inputs.shape[1]:
        raise SessionFileError(
            f"{where}: a vocabulary of {len(vocabulary)} tokens for {inputs.shape[1]} one-hot input columns"
        )
    return Sequence(
        inputs=inputs,
        targets=targets,
        input_names=input_names,
        target_names=target_names if targets is not None else (),
        vocabulary=vocabulary,
        tokens=tokens,
        token_mode=token_mode,
        shape=shape,
    )


def _clamp_view(view: ViewSettings, network: Network, sequence: Sequence) -> ViewSettings:
    """Where the user was looking, brought inside this session (a view setting never blocks opening)."""

    def clamp(v, lo, hi):
        return min(max(v, lo), hi)

    gate = view.gate if view.gate in network.spec.gate_names or view.gate == "" else ""
    return replace(
        view,
        step=clamp(view.step, 0, sequence.steps),
        layer=clamp(view.layer, 0, network.num_layers - 1),
        direction=clamp(view.direction, 0, network.num_directions - 1),
        unit=clamp(view.unit, 0, network.hidden_size - 1),
        gate=gate,
        speed=clamp(view.speed, 0.25, 30.0),
        decimals=clamp(view.decimals, 0, 12),
    )


def _settings(cls: type, d: Any, key: str) -> Any:
    """A ViewSettings / InitSettings from a dict: known keys type-checked, unknown ignored."""
    where = f"manifest.json: {key}"
    if not isinstance(d, dict):
        raise SessionFileError(f"manifest.json: {key!r} must be an object; got {_short(d)}")
    kwargs = {}
    for f in fields(cls):
        if f.name in d:
            default = f.default
            typ: Any = (int, float) if isinstance(default, float) else type(default)
            v = _typed(d, f.name, typ, where)
            kwargs[f.name] = float(v) if isinstance(default, float) else v
            if isinstance(v, float) and not np.isfinite(v):
                raise SessionFileError(f"{where}: {f.name!r} must be finite")
    return cls(**kwargs)


# -- saving ------------------------------------------------------------------


def session_manifest(session: Session) -> dict[str, Any]:
    """The version-1 manifest for ``session`` (arrays not included)."""
    spec = session.network.spec
    seq = session.sequence
    has_targets = seq.targets is not None
    return {
        "schema_version": SCHEMA_VERSION,
        "app": "rnnviz",
        "app_version": rnnviz.__version__,
        "title": session.title,
        "note": session.note,
        "network": {
            "mode": spec.mode,
            "input_size": spec.input_size,
            "hidden_size": spec.hidden_size,
            "num_layers": spec.num_layers,
            "bidirectional": spec.bidirectional,
            "output_size": spec.output_size,
            "head_activation": spec.head_activation,
            "dtype": str(session.network.dtype),
        },
        "sequence": {
            "steps": seq.steps,
            "input_names": list(seq.input_names),
            "target_names": list(seq.target_names) if has_targets else [],
            "vocabulary": list(seq.vocabulary),
            "tokens": list(seq.tokens),
            "token_mode": seq.token_mode,
            "shape": seq.shape,
            "has_targets": has_targets,
        },
        "view": {f.name: getattr(session.view, f.name) for f in fields(ViewSettings)},
        "init": {f.name: getattr(session.init, f.name) for f in fields(InitSettings)},
        "arrays": {
            "weights_prefix": "weights/",
            "inputs": "sequence/inputs.npy",
            "targets": "sequence/targets.npy" if has_targets else None,
        },
    }


def session_members(session: Session) -> list[tuple[str, bytes]]:
    """Every zip member of ``session``'s file, in order: manifest first."""
    manifest = session_manifest(session)
    text = json.dumps(manifest, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    members = [(MANIFEST, text.encode("utf-8"))]
    net = session.network
    for key in net.spec.param_shapes():
        members.append((f"weights/{key}.npy", archive.npy_bytes(net.param(key))))
    members.append(("sequence/inputs.npy", archive.npy_bytes(session.sequence.inputs)))
    if session.sequence.targets is not None:
        members.append(("sequence/targets.npy", archive.npy_bytes(session.sequence.targets)))
    return members


def _write_member(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_STORED if len(data) > _STORE_ABOVE else zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def save_session(session: Session, path: str | os.PathLike) -> None:
    """Write ``session`` to ``path`` atomically (the old file survives any crash)."""
    members = session_members(session)

    def write(f: BinaryIO) -> None:
        with zipfile.ZipFile(f, "w") as zf:
            for name, data in members:
                _write_member(zf, name, data)

    atomic_write(path, write)


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(f)`` on a temp file beside ``path``, fsync it, then replace ``path``."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode(target))
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(folder)


def _file_mode(target: Path) -> int:
    """Keep the old file's permissions; a new file gets rw-r--r--."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        return 0o644


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
