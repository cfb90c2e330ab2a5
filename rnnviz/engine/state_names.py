"""A PyTorch ``state_dict``'s names and shapes read as a network (no Qt).

One implementation for ``Network.from_state_dict`` and the app's weights files:

- the recurrent keys (``weight_ih_l0`` …) may sit under ONE module prefix, e.g. ``rnn.``,
  ``lstm.``, ``gru.``, ``encoder.``, ``module.`` or ``model.rnn.`` — any prefix, as long as
  every recurrent key shares it;
- the output head is the Linear named ``head``, ``fc``, ``linear``, ``out``, ``output``,
  ``classifier`` or ``decoder`` (after any prefix), else the single Linear whose weight
  takes the D·H recurrent outputs;
- the cell comes from the gate count: ``weight_hh_l0`` is [G·H, H] with G = 1 (RNN; tanh
  unless told ReLU), 3 (GRU) or 4 (LSTM).

Anything ambiguous raises ``ValueError`` listing the candidates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

HEAD_NAMES = ("head", "fc", "linear", "out", "output", "classifier", "decoder")
MODE_BY_GATES = {1: "rnn_tanh", 3: "gru", 4: "lstm"}
_RECURRENT = re.compile(r"(.*?)((?:weight|bias)_(?:ih|hh)_l\d+(?:_reverse)?)")
_LINEAR = re.compile(r"(.+)\.(weight|bias)")
_PROJ = re.compile(r".*weight_hr_l\d+(?:_reverse)?")


def _shape(a) -> tuple[int, ...]:
    try:
        return tuple(np.shape(a))
    except (ValueError, TypeError) as e:  # e.g. a ragged nested list
        raise ValueError(f"not an array ({e})") from None


def engine_names(shapes: Mapping[str, tuple[int, ...]]) -> dict[str, str]:
    """Each key of a state dict (by its array's shape) → the engine's name; raise naming
    the keys that make it unreadable or ambiguous."""
    bad = next((k for k in shapes if not isinstance(k, str)), None)
    if bad is not None:
        raise ValueError(f"state dict keys must be strings; got {bad!r} ({type(bad).__name__})")
    proj = next((k for k in shapes if _PROJ.fullmatch(k)), None)
    if proj is not None:
        raise ValueError(f"{proj!r}: LSTMs with proj_size are not supported")
    rec = {k: m.groups() for k in shapes if (m := _RECURRENT.fullmatch(k))}
    prefixes = sorted({p for p, _ in rec.values()})
    if len(prefixes) > 1:
        shown = ", ".join(repr(p) if p else "(none)" for p in prefixes)
        raise ValueError(f"the recurrent weights sit under more than one module: {shown}; keep one")
    out = {k: name for k, (_, name) in rec.items()}
    modules: dict[str, dict[str, str]] = {}
    for key in shapes:
        if key in out:
            continue
        m = _LINEAR.fullmatch(key)
        if m is None:
            out[key] = key  # no place for it: validate_state names it and the architecture
            continue
        modules.setdefault(m.group(1), {})[m.group(2)] = key
    head = _head_module(modules, shapes, rec, prefixes[0] if prefixes else "") if modules else None
    for mod, parts in modules.items():
        for part, key in parts.items():
            out[key] = "head." + part if mod == head else key
    return out


def _head_module(modules, shapes, rec, prefix: str) -> str | None:
    named = [m for m in modules if m.rsplit(".", 1)[-1] in HEAD_NAMES]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise ValueError(f"more than one output layer: {', '.join(sorted(named))}; keep one")
    hh = tuple(shapes.get(prefix + "weight_hh_l0", ()))
    D = 2 if any(name.endswith("_reverse") for _, name in rec.values()) else 1
    width = D * hh[1] if len(hh) == 2 else None

    def fits(mod: str) -> bool:
        w = modules[mod].get("weight")
        return w is not None and len(shapes[w]) == 2 and shapes[w][1] == width

    fitting = [m for m in modules if fits(m)]
    if len(fitting) > 1:
        raise ValueError(f"more than one Linear could be the output head: {', '.join(sorted(fitting))}")
    return fitting[0] if fitting else None


def normalise_state(state: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``state`` under the engine's names (see the module docstring)."""
    names = engine_names({k: _named_shape(k, v) for k, v in state.items()})
    return {names[k]: v for k, v in state.items()}


def _named_shape(key, value) -> tuple[int, ...]:
    try:
        return _shape(value)
    except ValueError as e:
        raise ValueError(f"{key} is {e}") from None


def inferred_mode(state: Mapping[str, np.ndarray], relu: bool = False) -> str:
    """The cell the engine-named ``state`` describes: G = rows / cols of weight_hh_l0."""
    if "weight_hh_l0" not in state:
        raise ValueError("state dict has no 'weight_hh_l0': not a torch.nn.RNN/LSTM/GRU state dict")
    shape = _shape(state["weight_hh_l0"])
    if len(shape) != 2 or shape[1] < 1 or shape[0] % shape[1] or shape[0] // shape[1] not in MODE_BY_GATES:
        raise ValueError(
            f"weight_hh_l0 has shape {shape}: not [G·H, H] with G = 1 (RNN), 3 (GRU) or 4 (LSTM)"
        )
    mode = MODE_BY_GATES[shape[0] // shape[1]]
    return "rnn_relu" if relu and mode == "rnn_tanh" else mode


def describe_spec(spec) -> str:
    """A network in words, e.g. "a 1-layer gru with 5 inputs and 3 hidden units, linear head of 2"."""
    act = spec.head_activation or "linear"
    head = f", {act} head of {spec.output_size}" if spec.has_head else ", no output head"
    return (
        f"a {spec.num_layers}-layer {'bidirectional ' if spec.bidirectional else ''}{spec.mode} with "
        f"{spec.input_size} inputs and {spec.hidden_size} hidden units{head}"
    )
