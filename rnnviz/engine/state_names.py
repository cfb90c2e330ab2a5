"""PyTorch ``state_dict`` names → the engine's, for a real model's weights.

A model's ``state_dict`` names its recurrent module and its output layer after their
attributes: ``rnn.weight_ih_l0``, ``encoder.weight_hh_l1_reverse``,
``classifier.weight`` …, maybe after ``module.`` (``DataParallel``).  The engine
calls them ``weight_ih_l0`` … and ``head.weight`` / ``head.bias``.

- **Recurrent weights**: bare, or all after one and the same prefix (any prefix);
  weights under two prefixes are two recurrent modules: refused, naming both.
- **The output layer**: a ``weight`` (and ``bias``) under one of :data:`HEAD_NAMES`, or
  else the one module whose weight is a matrix with D·H columns (it reads the last
  layer's h_t).  Two candidates are refused, naming them.
- Anything else (an embedding, a second linear layer …) keeps its name, and the
  network's checks refuse it as an unexpected key (the output would not be the model's).

One implementation for :meth:`Network.from_state_dict` and the ``.npz`` import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

_RECURRENT = re.compile(r"^(?P<prefix>(?:.+\.)?)(?P<name>(?:weight|bias)_(?:ih|hh)_l\d+(?:_reverse)?)$")
HEAD_NAMES = ("head", "fc", "linear", "out", "output", "classifier", "decoder")


def canonical_names(shapes: Mapping[str, tuple[int, ...]]) -> dict[str, str]:
    """``{original key: engine key}`` for a state dict's keys and shapes (see the module
    doc): the recurrent weights and the output layer.  Other keys are left out (the
    caller names them as unexpected).  Two recurrent modules or two output layers: a
    ValueError naming them."""
    stripped = {k: (k[len("module.") :] if k.startswith("module.") else k) for k in shapes}
    out: dict[str, str] = {}
    prefixes: dict[str, str] = {}  # prefix → an example key
    modules: dict[str, dict[str, str]] = {}  # module → {"weight"/"bias": original key}
    for original, key in stripped.items():
        m = _RECURRENT.match(key)
        if m:
            prefixes.setdefault(m.group("prefix"), original)
            out[original] = m.group("name")
        elif key.endswith((".weight", ".bias")):
            module, part = key.rsplit(".", 1)
            modules.setdefault(module, {})[part] = original
    if len(prefixes) > 1:
        found = ", ".join(f"{p.rstrip('.') or '(none)'} ({k})" for p, k in sorted(prefixes.items()))
        raise ValueError(f"recurrent weights under more than one module: {found}; give one network's weights")
    head = _head(modules, shapes, out)
    if head is not None:
        for part, original in modules[head].items():
            out[original] = f"head.{part}"
    return out


def _head(modules: dict[str, dict[str, str]], shapes, recurrent: dict[str, str]) -> str | None:
    named = [m for m in modules if m.rsplit(".", 1)[-1] in HEAD_NAMES]
    if len(named) > 1:
        raise ValueError(f"more than one output layer: {', '.join(sorted(named))}")
    if named:
        return named[0]
    width = _output_width(shapes, recurrent)
    fitting = [m for m, parts in modules.items()
               if "weight" in parts and len(shapes[parts["weight"]]) == 2 and shapes[parts["weight"]][1] == width]  # fmt: skip
    if len(fitting) > 1:
        raise ValueError(
            f"which is the output layer? {', '.join(sorted(fitting))} all read the last layer's h_t"
        )
    return fitting[0] if fitting else None


def _output_width(shapes, recurrent: dict[str, str]) -> int | None:
    """D·H: the width of the last layer's output (None without recurrent weights)."""
    hh = [k for k, name in recurrent.items() if name == "weight_hh_l0"]
    if not hh or len(shapes[hh[0]]) != 2:
        return None
    H = shapes[hh[0]][1]
    D = 2 if any(name.endswith("_reverse") for name in recurrent.values()) else 1
    return D * H


def canonical_state(state: Mapping) -> dict:
    """``state`` under the engine's names (:func:`canonical_names`); other keys unchanged."""
    names = canonical_names({k: _shape(v) for k, v in state.items() if isinstance(k, str)})
    return {names.get(k, k): v for k, v in state.items()}


def _shape(value) -> tuple[int, ...]:
    try:
        return tuple(np.shape(value))
    except ValueError:  # a ragged list: the network's checks name it
        return ()


__all__ = ["HEAD_NAMES", "canonical_names", "canonical_state"]
