"""Weights in and out as ``.npz`` files with PyTorch ``state_dict`` names, and
"Copy as PyTorch code" (:mod:`rnnviz.session.torch_code`).

Names are read as ``Network.from_state_dict`` reads them (one implementation:
:mod:`rnnviz.engine.state_names`): the recurrent keys under at most one module prefix
(``rnn.``, ``lstm.``, ``encoder.``, ``module.rnn.`` …) and the output Linear by name
(``fc``, ``head``, ``classifier`` …) or by the one shape that fits.  So both of these load::

    np.savez("w.npz", **{k: v.numpy() for k, v in nn.LSTM(5, 3).state_dict().items()})
    np.savez("w.npz", **{k: v.numpy() for k, v in my_model.state_dict().items()})  # rnn.* + fc.*

A file of another architecture is described (cell from the gate count, sizes, layers,
direction, head) and can build its own network (:func:`proposed_network`).

Export writes ``rnn.*`` and ``head.*``: exactly the ``state_dict`` of the model
that :func:`pytorch_code` builds.  Files are read with the checks of
:mod:`rnnviz.session.archive` (no pickle; array sizes checked before reading, within one total budget).
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

from rnnviz.engine import Network, NetworkSpec, describe_spec, spec_from_state
from rnnviz.engine.state_names import HEAD_NAMES, engine_names

from . import archive
from .archive import ArchiveError
from .atomic import atomic_write
from .torch_code import pytorch_code  # noqa: F401 - re-exported: Copy as PyTorch code

_RECURRENT = re.compile(r"(weight|bias)_(ih|hh)_l\d+(_reverse)?")


class WeightsFileError(ValueError):
    """A weights file cannot be read or does not fit the network."""


def canonical_key(name: str) -> str:
    """The engine's name for one PyTorch ``state_dict`` key, or raise naming the key."""
    try:
        key = engine_names({name: ()})[name]
    except ValueError as e:
        raise WeightsFileError(str(e)) from None
    if not (_RECURRENT.fullmatch(key) or key in ("head.weight", "head.bias")):
        raise WeightsFileError(
            f"unexpected key {name!r}: expected PyTorch names such as weight_ih_l0 (after one module "
            f"prefix) and weight / bias of an output Linear named {', '.join(HEAD_NAMES)}"
        )
    return key


def read_state(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every array in the ``.npz`` at ``path`` under the engine's names (the names are read
    as ``Network.from_state_dict`` reads them: :mod:`rnnviz.engine.state_names`)."""
    name = Path(path).name
    try:
        with archive.open_zip(path, "weights file") as zf:
            raw, left = {}, archive.MAX_TOTAL_BYTES  # what every array together may take
            for member in zf.namelist():
                if not member.endswith(".npy"):
                    raise WeightsFileError(f"member {member!r} is not an .npy array")
                label = member[: -len(".npy")]
                raw[label] = archive.read_npy(zf, member, _matrix_or_vector, label=label, max_bytes=left)
                left -= raw[label].nbytes
        names = engine_names({k: v.shape for k, v in raw.items()})
        for key in names.values():
            canonical_key(key)  # names a key with no place in any network
        return {_label(stored, key): raw[stored] for stored, key in names.items()}
    except (ArchiveError, WeightsFileError) as e:
        raise WeightsFileError(f"{name}: {e}") from None
    except MemoryError:
        raise WeightsFileError(f"{name}: there is not enough memory to read these weights") from None
    except ValueError as e:
        raise WeightsFileError(f"{name}: {e}") from None


class _Key(str):
    """An engine key that remembers the name it was stored under (for messages)."""

    stored: str


def _label(stored: str, key: str) -> _Key:
    k = _Key(key)
    k.stored = stored
    return k


def _where(key: str) -> str:
    stored = getattr(key, "stored", key)
    return str(key) if stored == key else f"{key} (stored as {stored!r})"


def file_spec(
    state: dict[str, np.ndarray], head_activation: str | None = None, relu: bool = False
) -> NetworkSpec:
    """The architecture an engine-named state describes (cell from the gate count)."""
    return spec_from_state({str(k): v for k, v in state.items()}, None, head_activation, relu=relu)


def read_weights(path: str | os.PathLike, spec: NetworkSpec) -> dict[str, np.ndarray]:
    """Every array in the ``.npz`` at ``path``, checked against ``spec``'s shapes.

    Keys come back in the engine's names.  A key the network has no place for, or a
    shape that does not fit, raises :class:`WeightsFileError` naming the key, both
    shapes and the architecture the file describes.
    """
    state = read_state(path)
    expected = spec.param_shapes()
    for key, value in state.items():
        problem = None
        if key not in expected:
            problem = f"{_where(key)}: this network has no such parameter ({describe_spec(spec)})"
        elif value.shape != expected[key]:
            problem = (
                f"{_where(key)}: shape {value.shape} does not fit this network, which needs {expected[key]}"
            )
        if problem:
            raise WeightsFileError(f"{Path(path).name}: {problem}{_file_describes(state)}")
    return {str(k): v for k, v in state.items()}


def _file_describes(state) -> str:
    try:
        return f"; the file describes {describe_spec(file_spec(state))}"
    except ValueError:
        return ""


def import_weights(
    path: str | os.PathLike, network: Network, require_all: bool = True, optional_head: bool = False
) -> Network:
    """``network`` with the weights from ``path``.

    With ``require_all`` every parameter must be in the file; otherwise the
    ones the file lacks keep their current values (at least one must be there).
    ``optional_head`` lets a file without ``head.*`` (a bare ``nn.RNN``'s
    state_dict) keep the current output head while every recurrent weight is
    replaced.
    """
    return merge_weights(path, network, require_all, optional_head)[0]


def merge_weights(
    path: str | os.PathLike, network: Network, require_all: bool = True, optional_head: bool = False
) -> tuple[Network, tuple[str, ...]]:
    """:func:`import_weights`, plus the keys that kept their current values."""
    found = read_weights(path, network.spec)
    kept = tuple(k for k in network.spec.param_shapes() if k not in found)
    missing = [k for k in kept if not (optional_head and k.startswith("head."))]
    name = Path(path).name
    if not found:
        raise WeightsFileError(f"{name} holds no weights")
    if require_all and missing:
        shape = network.spec.param_shapes()[missing[0]]
        raise WeightsFileError(f"{name} has no {missing[0]} (shape {shape}); it has {', '.join(found)}")
    return network.with_params(found), kept


def network_from_weights(
    path: str | os.PathLike, mode: str | None = None, head_activation: str | None = None, relu: bool = False
) -> Network:
    """A new network whose architecture comes from the weights file itself: sizes, layers,
    direction and head from the shapes, the cell from the gate count unless ``mode`` is
    given (a one-gate RNN is tanh, ReLU with ``relu``)."""
    state = read_state(path)
    try:
        plain = {str(k): v for k, v in state.items()}
        return Network(spec_from_state(plain, mode, head_activation, relu=relu), plain)
    except ValueError as e:
        raise WeightsFileError(f"{Path(path).name}: {e}") from None


def _matrix_or_vector(shape: tuple[int, ...]) -> str | None:
    if len(shape) not in (1, 2) or 0 in shape:
        return f"shape {shape} is not a weight matrix or bias vector"
    return None


def export_weights(
    network: Network, path: str | os.PathLike, prefix: str = "rnn.", head_prefix: str = "head."
) -> None:
    """Write every parameter to an ``.npz`` (atomically), named as ``pytorch_code``'s model."""

    def write(f: BinaryIO) -> None:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
            for key, name in export_names(network, prefix, head_prefix).items():
                info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, archive.npy_bytes(network.param(key)))

    atomic_write(path, write)


def export_names(network: Network, prefix: str = "rnn.", head_prefix: str = "head.") -> dict[str, str]:
    """Engine key → exported name."""
    return {
        k: (head_prefix + k.removeprefix("head.")) if k.startswith("head.") else prefix + k
        for k in network.spec.param_shapes()
    }


# -- "Copy as PyTorch code" ------------------------------------------------------------


def one_gate_rnn(path: str | os.PathLike) -> bool:
    """True when the file's recurrent weights have one gate (tanh or ReLU: ask the user)."""
    try:
        return file_spec(read_state(path)).mode == "rnn_tanh"
    except (WeightsFileError, ValueError):
        return False


def proposed_network(
    path: str | os.PathLike, current: Network, num_features: int, relu: bool | None = None
) -> tuple[Network, str]:
    """The network the weights file describes, to replace ``current``, and the words for it.

    The cell comes from the gate count; a one-gate RNN is tanh unless ``relu`` (None: tanh,
    and the words say so).  The head keeps ``current``'s activation when it has the same
    size, else it is linear.  Raises :class:`WeightsFileError` naming the architecture when
    it cannot take the sequence's ``num_features`` inputs.
    """
    state = {str(k): v for k, v in read_state(path).items()}
    name = Path(path).name
    try:
        spec = file_spec(state, relu=bool(relu))
        cur = current.spec
        act = cur.head_activation if spec.has_head and cur.output_size == spec.output_size else None
        spec = spec_from_state(state, spec.mode, act)
        network = Network(spec, state)
    except ValueError as e:
        raise WeightsFileError(f"{name}: {e}") from None
    if spec.input_size != num_features:
        raise WeightsFileError(
            f"{name} describes {describe_spec(spec)}, but the sequence has {num_features} input "
            "feature(s); load a sequence that fits first"
        )
    note = f"{name} describes {describe_spec(spec)}"
    if spec.mode == "rnn_tanh" and relu is None:
        note += " (one gate: taken as tanh; ReLU weights look the same)"
    return network, note
