"""The ``.rnnviz`` session file: save and load a whole :class:`Session` safely.

A ``.rnnviz`` file is a zip archive::

    manifest.json                  what the session is (below)
    weights/<state_dict key>.npy   one array per parameter, PyTorch names and shapes
    sequence/inputs.npy            [T, input_size] float64
    sequence/targets.npy           [T, O] float64 (only when there are targets)
    sequence/target_mask.npy       [T, O] 0/1: 0 where a step has no target (only when
                                   some are missing); targets.npy holds 0 there, so the
                                   file never contains NaN

``manifest.json`` (schema version 2)::

    {"schema_version": 2, "app": "rnnviz", "app_version": "0.1.0",
     "title": str, "note": str, "run_name": str,
     "network": {"mode", "input_size", "hidden_size", "num_layers", "bidirectional",
                 "output_size", "head_activation", "dtype"},
     "sequence": {"steps", "input_names", "target_names", "vocabulary", "tokens",
                  "token_mode", "shape", "has_targets"},
     "view": {ViewSettings fields}, "init": {InitSettings fields},
     "arrays": {"weights_prefix": "weights/", "inputs": "sequence/inputs.npy",
                "targets": "sequence/targets.npy" | null,
                "target_mask": "sequence/target_mask.npy" | null (optional)},
     "training": {settings, history, optimiser state: see rnnviz.session.training_io},
     "runs": [more runs on the same sequence: see rnnviz.session.runs_io]}

    training/…                     the training's curves, snapshots and state (same module)
    runs/<k>/…                     run k's weights and training

Version 1 had no ``run_name``, ``training`` or ``runs`` (a version-1 file opens untrained).

Loading never executes code and never trusts a size (see
:mod:`rnnviz.session.archive`); older schema versions are upgraded by
:mod:`rnnviz.session.migrations`.  Every bad file raises
:class:`SessionFileError`.  Saving is atomic: a temp file in the same folder,
flushed and fsynced, then ``os.replace``.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import fields
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

import rnnviz
from rnnviz.engine import Network, NetworkSpec

from . import archive
from . import manifest as mf
from .archive import ArchiveError
from .atomic import atomic_write
from .errors import SessionFileError
from .migrations import SCHEMA_VERSION, MigrationError, migrate
from .model import InitSettings, Session, ViewSettings
from .runs_io import read_runs, runs_section
from .training_io import Budget, read_training, training_section

MANIFEST = "manifest.json"
# A manifest of 100,000 word tokens is about 2 MB.  JSON inflates in memory (``{},`` is
# 3 bytes of text and ~70 bytes as a Python dict), so the count of items is capped too,
# before parsing: a hostile manifest cannot make the loader allocate more than ~100 MB.
MAX_MANIFEST_BYTES = 8 << 20
MAX_MANIFEST_ITEMS = 1_000_000  # commas, objects and lists
MAX_STEPS = 10_000_000
_STORE_ABOVE = archive.RATIO_CHECK_BYTES  # larger members are stored, not deflated
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same session gives the same bytes


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
    except MemoryError:  # a big but honest file on a machine short of memory
        raise SessionFileError(f"{name}: there is not enough memory to open this session") from None


def _load(zf: zipfile.ZipFile) -> Session:
    manifest = migrate(_read_manifest(zf))
    spec, dtype = mf.network_spec(mf.obj(manifest, "network", "manifest.json"))
    seq_meta = mf.obj(manifest, "sequence", "manifest.json")
    arrays = mf.obj(manifest, "arrays", "manifest.json")
    steps = mf.opt_int(seq_meta, "steps", "manifest.json: sequence", 1, MAX_STEPS)
    names = mf.str_list(seq_meta, "target_names", "manifest.json: sequence")
    has_targets = mf.typed(seq_meta, "has_targets", bool, "manifest.json: sequence", default=bool(names))
    _check_budget(spec, steps, len(names) if has_targets else 0)
    prefix = mf.typed(arrays, "weights_prefix", str, "manifest.json: arrays")
    inputs_member = mf.typed(arrays, "inputs", str, "manifest.json: arrays")
    _check_weight_members(zf, spec, prefix, inputs_member)
    params = {}
    for key, shape in spec.param_shapes().items():
        params[key] = archive.read_npy(zf, f"{prefix}{key}.npy", archive.exact_shape(shape), label=key)
    left = archive.MAX_TOTAL_BYTES - 8 * spec.num_parameters()  # what every array together may take
    inputs = archive.read_npy(zf, inputs_member, _table_shape(steps, spec.input_size), "inputs", left)
    targets = None
    if has_targets:
        left -= inputs.nbytes
        member = mf.typed(arrays, "targets", str, "manifest.json: arrays")
        shape = _table_shape(inputs.shape[0], len(names) or None)
        targets = archive.read_npy(zf, member, shape, "targets", left)
        mask_member = mf.typed(
            arrays, "target_mask", (str, type(None)), "manifest.json: arrays", default=None
        )
        if mask_member:
            targets = _apply_target_mask(zf, mask_member, targets, left - targets.nbytes)
    left = archive.MAX_TOTAL_BYTES - 8 * spec.num_parameters() - inputs.nbytes
    left -= 0 if targets is None else 2 * targets.nbytes  # the targets and their mask
    try:
        network = Network(spec, params, dtype=dtype)
        budget = Budget(left)
        training = read_training(zf, manifest.get("training"), network, budget)
        other_runs = read_runs(zf, manifest.get("runs", []), budget)
        sequence = mf.sequence(seq_meta, inputs, targets)
        return Session(
            network=network,
            sequence=sequence,
            view=mf.clamp_view(
                mf.settings(ViewSettings, manifest.get("view", {}), "view"), network, sequence
            ),
            init=mf.init_settings(manifest.get("init", {})),
            note=mf.typed(manifest, "note", str, "manifest.json", default=""),
            title=mf.typed(manifest, "title", str, "manifest.json", default=""),
            training=training,
            other_runs=other_runs,
            run_name=mf.typed(manifest, "run_name", str, "manifest.json", default="Run 1"),
        )
    except (SessionFileError, ArchiveError):
        raise
    except ValueError as e:
        raise SessionFileError(f"the session is inconsistent: {e}") from None


def _check_weight_members(zf: zipfile.ZipFile, spec: NetworkSpec, prefix: str, inputs_member: str) -> None:
    """The weight members are exactly the parameters of the network the manifest declares."""
    declared = (
        f"a {spec.num_layers}-layer {'bidirectional ' if spec.bidirectional else ''}{spec.mode} network "
        f"{'with' if spec.has_head else 'without'} an output head"
    )
    names = set(zf.namelist())
    expected = {f"{prefix}{key}.npy" for key in spec.param_shapes()}
    for key in spec.param_shapes():
        if f"{prefix}{key}.npy" not in names:
            raise SessionFileError(
                f"member {prefix + key + '.npy'!r} ({key}) is missing; manifest.json declares {declared}"
            )
    extra = sorted(
        n for n in names - expected if n.startswith(prefix) and n.endswith(".npy") and n != inputs_member
    )
    if prefix and extra:
        raise SessionFileError(
            f"member {extra[0]!r} is not a parameter of {declared}, which manifest.json declares"
        )


def _apply_target_mask(zf: zipfile.ZipFile, member: str, targets: np.ndarray, max_bytes: int) -> np.ndarray:
    """Steps without a target (mask 0) become NaN, the Sequence's "no target here"."""
    mask = archive.read_npy(zf, member, archive.exact_shape(targets.shape), "target_mask", max_bytes)
    bad = ~((mask == 0) | (mask == 1))
    if bad.any():
        t, j = np.argwhere(bad)[0]
        raise SessionFileError(
            f"target_mask (member {member!r}) must hold only 0 and 1; step t={t + 1}, column {j + 1} "
            f"holds {mask[t, j]!r}"
        )
    targets = targets.copy()
    targets[mask == 0] = np.nan
    return targets


def _read_manifest(zf: zipfile.ZipFile) -> dict[str, Any]:
    raw = archive.read_member(zf, MANIFEST, MAX_MANIFEST_BYTES)
    items = _json_items(raw)
    if items > MAX_MANIFEST_ITEMS:
        raise SessionFileError(
            f"{MANIFEST} has {items:,} commas, objects and lists; the limit is {MAX_MANIFEST_ITEMS:,}"
        )
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
        if "digits" in str(e):  # Python's own advice (sys.set_int_max_str_digits) means nothing to a user
            raise SessionFileError(f"{MANIFEST} holds a number with thousands of digits") from None
        raise SessionFileError(f"{MANIFEST} is not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise SessionFileError(f"{MANIFEST} must hold a JSON object; got {type(data).__name__}")
    return data


def _json_items(raw: bytes) -> int:
    """An upper bound on the values a JSON text parses into (what parsing allocates)."""
    return raw.count(b",") + raw.count(b"{") + raw.count(b"[")


def _refuse_constant(name: str) -> Any:
    raise SessionFileError(f"{MANIFEST} contains {name}, which is not a number JSON allows")


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


# -- saving ------------------------------------------------------------------


def session_manifest(session: Session) -> dict[str, Any]:
    """The manifest for ``session`` (arrays not included)."""
    return _manifest_and_training(session)[0]


def _manifest_and_training(session: Session) -> tuple[dict[str, Any], list]:
    spec = session.network.spec
    seq = session.sequence
    has_targets = seq.targets is not None
    masked = has_targets and bool(np.isnan(seq.targets).any())
    training, training_members = training_section(session.training, session.network)
    runs, run_members = runs_section(session.other_runs)
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "app": "rnnviz",
        "app_version": rnnviz.__version__,
        "title": session.title,
        "note": session.note,
        "run_name": session.run_name,
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
            "target_mask": "sequence/target_mask.npy" if masked else None,
        },
        "training": training,
        "runs": runs,
    }
    return manifest, training_members + run_members


def _session_contents(session: Session) -> tuple[bytes, list[tuple[str, np.ndarray]]]:
    """The manifest's bytes (checked to open again) and every array member, in order."""
    manifest, training_members = _manifest_and_training(session)
    raw = (json.dumps(manifest, indent=1, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
    items = _json_items(raw)
    if len(raw) > MAX_MANIFEST_BYTES or items > MAX_MANIFEST_ITEMS:  # the file would not open again
        raise ValueError(
            f"the session's title, note, names and tokens take {len(raw):,} bytes ({items:,} items) in "
            f"{MANIFEST}; a session file holds at most {MAX_MANIFEST_BYTES:,} bytes and "
            f"{MAX_MANIFEST_ITEMS:,} items there: shorten the note or the text"
        )
    arrays = []
    net = session.network
    for key in net.spec.param_shapes():
        arrays.append((f"weights/{key}.npy", net.param(key)))
    arrays.append(("sequence/inputs.npy", session.sequence.inputs))
    targets = session.sequence.targets
    if targets is not None:
        missing = np.isnan(targets)
        arrays.append(("sequence/targets.npy", np.where(missing, 0.0, targets)))
        if missing.any():
            arrays.append(("sequence/target_mask.npy", (~missing).astype(np.float64)))
    _check_array_bytes(session, training_members)
    return raw, arrays + training_members


def _check_array_bytes(session: Session, training_members: list) -> None:
    """Refuse a session whose arrays the loader would refuse (it counts as this does)."""
    targets = session.sequence.targets
    need = 8 * session.network.spec.num_parameters() + session.sequence.inputs.nbytes
    need += 0 if targets is None else 2 * targets.nbytes
    need += sum(a.nbytes for _, a in training_members)
    if need > archive.MAX_TOTAL_BYTES:
        raise ValueError(
            f"the session's arrays (weights, sequence, training snapshots of {len(session.runs)} run(s)) take "
            f"{need:,} bytes; a session file holds at most {archive.MAX_TOTAL_BYTES:,}: remove a run or "
            "forget a training history"
        )


def session_members(session: Session) -> list[tuple[str, bytes]]:
    """Every zip member of ``session``'s file, in order: manifest first."""
    raw, arrays = _session_contents(session)
    return [(MANIFEST, raw)] + [(name, archive.npy_bytes(a)) for name, a in arrays]


def _member_info(name: str, size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_STORED if size > _STORE_ABOVE else zipfile.ZIP_DEFLATED
    info.file_size = size
    return info


def _write_member(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    zf.writestr(_member_info(name, len(data)), data)


def _write_array_member(zf: zipfile.ZipFile, name: str, a: np.ndarray) -> None:
    """An ``.npy`` member written straight from the array's memory, in chunks: no copy of
    a big array is made, and the GIL is free while each chunk is checksummed and written
    (saving in a worker leaves the window live).  The bytes are those of ``npy_bytes``."""
    if isinstance(a, archive.RowArray):
        header, chunks = a.header(), a.chunks()
    else:
        a = np.ascontiguousarray(a)
        header, chunks = archive.npy_header(a), iter([memoryview(a.reshape(-1)).cast("B")])
    size = len(header) + a.nbytes
    if size <= _STORE_ABOVE:
        _write_member(zf, name, archive.npy_bytes(a))
        return
    with zf.open(_member_info(name, size), "w") as f:
        f.write(header)
        for data in chunks:
            for start in range(0, len(data), archive.WRITE_CHUNK):
                f.write(data[start : start + archive.WRITE_CHUNK])


def save_session(session: Session, path: str | os.PathLike) -> None:
    """Write ``session`` to ``path`` atomically (the old file survives any crash)."""
    raw, arrays = _session_contents(session)  # refused here, before any file is touched

    def write(f: BinaryIO) -> None:
        with zipfile.ZipFile(f, "w") as zf:
            _write_member(zf, MANIFEST, raw)
            for name, a in arrays:
                _write_array_member(zf, name, a)

    atomic_write(path, write)
