"""Weights in and out as ``.npz`` files with PyTorch ``state_dict`` names, and
"Copy as PyTorch code".

Names read: the engine's own (``weight_ih_l0`` … ``head.weight``), or a model's, as
:mod:`rnnviz.engine.state_names` reads them for ``Network.from_state_dict`` too: the
recurrent weights after any one prefix, the output layer by name (``head``, ``fc``,
``linear``, ``out``, ``output``, ``classifier``, ``decoder``) or as the one linear layer
that reads the last h_t, after an optional ``module.``.  So both of these load::

    np.savez("w.npz", **{k: v.numpy() for k, v in nn.LSTM(5, 3).state_dict().items()})
    np.savez("w.npz", **{k: v.numpy() for k, v in my_model.state_dict().items()})  # rnn.* + fc.*

Export writes ``rnn.*`` and ``head.*``: exactly the ``state_dict`` of the model
that :func:`pytorch_code` builds.  Files are read with the checks of
:mod:`rnnviz.session.archive` (no pickle, sizes and shapes checked first).
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

from rnnviz.engine import Network, NetworkSpec, infer_spec
from rnnviz.engine.state_names import HEAD_NAMES, canonical_names

from . import archive
from .archive import ArchiveError
from .atomic import atomic_write

RECURRENT_PREFIXES = ("rnn.", "lstm.", "gru.")
HEAD_PREFIXES = tuple(f"{name}." for name in HEAD_NAMES)
_RECURRENT = re.compile(r"(weight|bias)_(ih|hh)_l\d+(_reverse)?")
_TORCH_CLASS = {"rnn_tanh": "RNN", "rnn_relu": "RNN", "lstm": "LSTM", "gru": "GRU"}


class WeightsFileError(ValueError):
    """A weights file cannot be read or does not fit the network."""


def canonical_key(name: str) -> str:
    """The engine's name for a PyTorch ``state_dict`` key, or raise naming the key."""
    key = name.removeprefix("module.")
    for p in RECURRENT_PREFIXES:
        if key.startswith(p) and _RECURRENT.fullmatch(key[len(p) :]):
            return key[len(p) :]
    if _RECURRENT.fullmatch(key):
        return key
    for p in HEAD_PREFIXES:
        if key in (p + "weight", p + "bias"):
            return "head." + key[len(p) :]
    if re.fullmatch(r"(rnn\.|lstm\.)?weight_hr_l\d+(_reverse)?", key):
        raise WeightsFileError(f"{name!r}: LSTMs with proj_size are not supported")
    raise WeightsFileError(
        f"unexpected key {name!r}: expected PyTorch names such as weight_ih_l0 (optionally after "
        f"{', '.join(RECURRENT_PREFIXES)}) and weight / bias after {', '.join(HEAD_PREFIXES)} for the output layer"
    )


def _key_map(zf: zipfile.ZipFile) -> dict[str, str]:
    """npz member → engine key (:func:`rnnviz.engine.state_names.canonical_names`, from the
    members' declared shapes); every member must be an .npy and keys must not repeat."""
    names = zf.namelist()
    for member in names:
        if not member.endswith(".npy"):
            raise WeightsFileError(f"member {member!r} is not an .npy array")
    try:
        placed = canonical_names({m[:-4]: archive.npy_shape(zf, m) for m in names})
    except ValueError as e:
        raise WeightsFileError(str(e)) from None
    out: dict[str, str] = {}
    for member in names:
        key = placed.get(member[:-4]) or canonical_key(member[:-4])  # the latter names a stray
        if key in out.values():
            first = next(m for m, k in out.items() if k == key)
            raise WeightsFileError(f"{member[:-4]!r} and {first[:-4]!r} are both {key}")
        out[member] = key
    return out


def read_weights(path: str | os.PathLike, spec: NetworkSpec) -> dict[str, np.ndarray]:
    """Every array in the ``.npz`` at ``path``, checked against ``spec``'s shapes.

    Keys come back in the engine's names.  A key the network has no place for,
    or a shape that does not fit, raises :class:`WeightsFileError` naming the key
    and both shapes.
    """
    expected = spec.param_shapes()
    name = Path(path).name
    try:
        with archive.open_zip(path, "weights file") as zf:
            out = {}
            for member, key in _key_map(zf).items():
                label = key if member[:-4] == key else f"{key} (stored as {member[:-4]!r})"
                if key not in expected:
                    raise WeightsFileError(f"{label}: this network has no such parameter ({_describe(spec)})")
                out[key] = archive.read_npy(zf, member, _fits(expected[key]), label=label)
            return out
    except (ArchiveError, WeightsFileError) as e:
        raise WeightsFileError(f"{name}: {e}") from None
    except MemoryError:
        raise WeightsFileError(f"{name}: there is not enough memory to read these weights") from None


def _fits(shape: tuple[int, ...]) -> archive.ShapeCheck:
    def check(got: tuple[int, ...]) -> str | None:
        if got != shape:
            return f"shape {got} does not fit this network, which needs {shape}"
        return None

    return check


def _describe(spec: NetworkSpec) -> str:
    act = spec.head_activation or "linear"
    head = f", {act} head of {spec.output_size}" if spec.has_head else ", no output head"
    return (
        f"a {spec.num_layers}-layer {'bidirectional ' if spec.bidirectional else ''}{spec.mode} with "
        f"{spec.input_size} inputs and {spec.hidden_size} hidden units{head}"
    )


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


def network_from_weights(path: str | os.PathLike, mode: str, head_activation: str | None = None) -> Network:
    """A new network whose sizes come from the weights file itself."""
    name = Path(path).name
    try:
        with archive.open_zip(path, "weights file") as zf:
            state, left = {}, archive.MAX_TOTAL_BYTES  # what every array together may take
            for member, key in _key_map(zf).items():
                state[key] = archive.read_npy(zf, member, _matrix_or_vector, label=key, max_bytes=left)
                left -= state[key].nbytes
        return Network(infer_spec(state, mode, head_activation), state)
    except (ArchiveError, WeightsFileError) as e:
        raise WeightsFileError(f"{name}: {e}") from None
    except MemoryError:
        raise WeightsFileError(f"{name}: there is not enough memory to read these weights") from None
    except ValueError as e:
        raise WeightsFileError(f"{name}: {e}") from None


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

MAX_INLINE_NUMBERS = 5_000


def pytorch_code(
    network: Network,
    weights_file: str = "weights.npz",
    inputs: np.ndarray | None = None,
    title: str = "",
) -> str:
    """A Python snippet that builds the same ``torch.nn`` model and loads ``weights_file``.

    The file is the one :func:`export_weights` writes.  With ``inputs`` (small
    enough to paste), the snippet also runs the sequence through the model.
    """
    s = network.spec
    cls = _TORCH_CLASS[s.mode]
    dtype = "double" if network.dtype == np.float64 else "float"
    args = [f"input_size={s.input_size}", f"hidden_size={s.hidden_size}", f"num_layers={s.num_layers}"]
    if cls == "RNN":
        args.append(f"nonlinearity={'tanh' if s.mode == 'rnn_tanh' else 'relu'!r}")
    args += [f"bidirectional={s.bidirectional}", "batch_first=True"]
    DH = s.num_directions * s.hidden_size
    lines = [
        f"# {_one_line(title) or 'A recurrent network'}, exported from rnnviz: {_describe(s)}.",
        "import numpy as np",
        "import torch",
        "from torch import nn",
        "",
        "",
        "class RNNModel(nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
        f"        self.rnn = nn.{cls}({', '.join(args)})",
    ]
    if s.has_head:
        lines.append(f"        self.head = nn.Linear({DH}, {s.output_size})  # W_hy, b_y")
    lines += [
        "",
        f"    def forward(self, x):  # x: [batch, T, {s.input_size}]",
        f"        output, _ = self.rnn(x)  # output: [batch, T, {DH}], h_t of the top layer",
    ]
    lines += _head_lines(s)
    lines += [
        "",
        "",
        f"model = RNNModel().{dtype}()",
        f"with np.load({weights_file!r}, allow_pickle=False) as weights:",
        "    model.load_state_dict({k: torch.from_numpy(weights[k]) for k in weights.files})",
        "model.eval()",
    ]
    lines += _input_lines(inputs, s.input_size, dtype)
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _head_lines(s: NetworkSpec) -> list[str]:
    if not s.has_head:
        return ["        return output"]
    shape = f"# y: [batch, T, {s.output_size}]"
    if s.head_activation == "softmax":
        return [f"        return torch.softmax(self.head(output), dim=-1)  {shape}"]
    if s.head_activation == "sigmoid":
        return [f"        return torch.sigmoid(self.head(output))  {shape}"]
    return [f"        return self.head(output)  {shape}"]


def _input_lines(inputs: np.ndarray | None, input_size: int, dtype: str) -> list[str]:
    if inputs is None:
        return []
    x = np.asarray(inputs, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != input_size:
        raise ValueError(f"inputs: expected shape (T, {input_size}); got {x.shape}")
    torch_dtype = "torch.float64" if dtype == "double" else "torch.float32"
    if x.size > MAX_INLINE_NUMBERS:
        return [
            "",
            f"# The sequence ({x.shape[0]} steps) is too long to paste here: save it with",
            "# np.save('inputs.npy', inputs) and load it:",
            f"x = torch.from_numpy(np.load('inputs.npy', allow_pickle=False)).to({torch_dtype})[None]",
            "with torch.no_grad():",
            "    y = model(x)[0]",
        ]
    rows = ",\n".join("    [" + ", ".join(repr(float(v)) for v in row) + "]" for row in x)
    return [
        "",
        f"x = torch.tensor([\n{rows},\n], dtype={torch_dtype})[None]  # one sequence: [1, T, {input_size}]",
        "with torch.no_grad():",
        "    y = model(x)[0]",
        "print(y)",
    ]
