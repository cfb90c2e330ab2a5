"""Reading the parts of a ``.rnnviz`` manifest with every type checked.

Each reader names where a problem is ("manifest.json: network: 'hidden_size'
must be int; got str '3'") and raises :class:`SessionFileError`.  Unknown keys
are ignored, so a file from a later minor version still opens.
"""

from __future__ import annotations

import re
from dataclasses import fields, replace
from typing import Any

import numpy as np

from rnnviz.engine import SCHEMES, Network, NetworkSpec

from .errors import SessionFileError
from .model import MAX_DECIMALS, MAX_SEED, SHAPES, InitSettings, Sequence, ViewSettings

_MISSING = object()
#: A stored dock layout (QMainWindow.saveState() in base64) is a few KB; more is not a layout.
MAX_DOCK_STATE_CHARS = 1 << 16
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def typed(d: dict, key: str, typ: type | tuple[type, ...], where: str, default: Any = _MISSING) -> Any:
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


def obj(d: dict, key: str, where: str) -> dict:
    return typed(d, key, dict, where)


def opt_int(d: dict, key: str, where: str, lo: int, hi: int) -> int | None:
    v = typed(d, key, (int, type(None)), where, default=None)
    if v is not None and not lo <= v <= hi:
        raise SessionFileError(f"{where}: {key!r} must be in [{lo}, {hi:,}]; got {v:,}")
    return v


def str_list(d: dict, key: str, where: str) -> tuple[str, ...]:
    v = typed(d, key, list, where, default=[])
    for i, item in enumerate(v):
        if not isinstance(item, str):
            raise SessionFileError(f"{where}: {key}[{i}] must be a string; got {_short(item)}")
    return tuple(v)


def network_spec(net: dict, where: str = "manifest.json: network") -> tuple[NetworkSpec, np.dtype]:
    dtype = typed(net, "dtype", str, where, default="float64")
    if dtype not in ("float64", "float32"):
        raise SessionFileError(f"{where}: 'dtype' must be 'float64' or 'float32'; got {dtype!r}")
    head = typed(net, "head_activation", (str, type(None)), where, default=None)
    try:
        spec = NetworkSpec(
            mode=typed(net, "mode", str, where),
            input_size=typed(net, "input_size", int, where),
            hidden_size=typed(net, "hidden_size", int, where),
            num_layers=typed(net, "num_layers", int, where, default=1),
            bidirectional=typed(net, "bidirectional", bool, where, default=False),
            output_size=typed(net, "output_size", int, where, default=0),
            head_activation=head,
        )
    except SessionFileError:
        raise
    except ValueError as e:
        raise SessionFileError(f"{where}: {e}") from None
    return spec, np.dtype(dtype)


def sequence(meta: dict, inputs: np.ndarray, targets: np.ndarray | None) -> Sequence:
    where = "manifest.json: sequence"
    input_names = str_list(meta, "input_names", where)
    target_names = str_list(meta, "target_names", where)
    if input_names and len(input_names) != inputs.shape[1]:
        raise SessionFileError(f"{where}: {len(input_names)} input_names for {inputs.shape[1]} input columns")
    shape = typed(meta, "shape", str, where, default="many_to_many")
    if shape not in SHAPES:
        raise SessionFileError(f"{where}: 'shape' must be one of {', '.join(SHAPES)}; got {shape!r}")
    token_mode = typed(meta, "token_mode", str, where, default="")
    if token_mode not in ("", "word", "char"):
        raise SessionFileError(f"{where}: 'token_mode' must be 'word', 'char' or ''; got {token_mode!r}")
    tokens = str_list(meta, "tokens", where)
    if tokens and len(tokens) != inputs.shape[0]:
        raise SessionFileError(f"{where}: {len(tokens)} tokens for {inputs.shape[0]} steps")
    vocabulary = str_list(meta, "vocabulary", where)
    if (token_mode or vocabulary) and len(vocabulary) != inputs.shape[1]:
        raise SessionFileError(
            f"{where}: a vocabulary of {len(vocabulary)} tokens for {inputs.shape[1]} one-hot input columns"
        )
    seen: set[str] = set()
    for w in vocabulary:  # linear: a hostile file may hold a million tokens
        if w in seen:
            raise SessionFileError(f"{where}: the vocabulary holds {w!r} twice")
        seen.add(w)
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


def clamp_view(view: ViewSettings, network: Network, sequence: Sequence) -> ViewSettings:
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
        decimals=clamp(view.decimals, 0, MAX_DECIMALS),
        dock_state=view.dock_state if dock_state_ok(view.dock_state) else "",
    )


def dock_state_ok(state: str) -> bool:
    """A stored dock layout the window can restore: base64 (ASCII only), at most
    :data:`MAX_DOCK_STATE_CHARS`.  Anything else opens with the default layout ("")."""
    return len(state) <= MAX_DOCK_STATE_CHARS and _BASE64.fullmatch(state) is not None


def init_settings(d: Any) -> InitSettings:
    """The init settings, brought inside what the engine accepts (like the view, they never block
    opening: the weights are in the file; these only say how to draw fresh ones)."""
    init = settings(InitSettings, d, "init")
    default = InitSettings()
    return replace(
        init,
        scheme=init.scheme if init.scheme in SCHEMES else default.scheme,
        seed=min(max(init.seed, 0), MAX_SEED),
    )


def settings(cls: type, d: Any, key: str) -> Any:
    """A ViewSettings / InitSettings from a dict: known keys type-checked, unknown ignored."""
    where = f"manifest.json: {key}"
    if not isinstance(d, dict):
        raise SessionFileError(f"manifest.json: {key!r} must be an object; got {_short(d)}")
    kwargs = {}
    for f in fields(cls):
        if f.name in d:
            default = f.default
            typ: Any = (int, float) if isinstance(default, float) else type(default)
            v = typed(d, f.name, typ, where)
            if isinstance(default, float):
                try:
                    v = float(v)
                except OverflowError:  # an integer of hundreds of digits
                    raise SessionFileError(f"{where}: {f.name!r} is too large ({_short(v)})") from None
            kwargs[f.name] = v
            if isinstance(v, float) and not np.isfinite(v):
                raise SessionFileError(f"{where}: {f.name!r} must be finite")
    return cls(**kwargs)
