"""Where a training run stands between two updates, so that it can resume bit for bit.

A :class:`TrainState` holds everything :func:`rnnviz.engine.train.train` needs
besides the network's weights and the data: the update and epoch counts, the
position in the current epoch's visiting order (and, for truncated BPTT, the
time step reached in the current sequence with the carried h/c state), the
data-order generator's state and the optimiser's state.

``to_json()`` splits it into a JSON-safe manifest part and named float arrays
(for a session file); ``from_json(meta, arrays, network)`` checks every field
of such a pair, as read back from a file that is never trusted, and raises
ValueError naming the bad one::

    meta = {"version": 1, "updates": 47, "epochs_done": 2, "order": [2, 0, 1],
            "position": 1, "time_step": 10, "rng_state": {...PCG64 state...},
            "optimizer": {"name": "adam", "hyperparameters": {...},
                          "state": {"weight_ih_l0": {"step": 47}, ...}}}
    arrays = {"h": [L·D, H], "c": [L·D, H] (LSTM),
              "optimizer/weight_ih_l0/exp_avg": ..., "optimizer/weight_ih_l0/exp_avg_sq": ...}
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .network import Network
from .optim import _check_state_dict

STATE_VERSION = 1
MAX_COUNT = 10**12
META_KEYS = ("version", "updates", "epochs_done", "order", "position", "time_step", "rng_state", "optimizer")
_U128 = 2**128


def _empty_order() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class TrainState:
    """A training run between two updates (see the module docstring)."""

    updates: int  # optimiser steps done so far, over every call
    epochs_done: int  # epochs completed
    rng_state: dict[str, Any]  # the data-order generator's bit_generator.state (PCG64)
    order: np.ndarray = field(default_factory=_empty_order)  # [n] epoch in progress; empty between epochs
    position: int = 0  # sequences of ``order`` finished
    time_step: int = 0  # steps of sequence order[position] already trained on (truncated BPTT)
    optimizer: dict[str, Any] | None = None  # Optimizer.state_dict(); None: the optimiser starts fresh
    h: np.ndarray | None = None  # [L·D, H] state carried into step ``time_step`` (when it is > 0)
    c: np.ndarray | None = None  # [L·D, H] the LSTM's carried cell state

    @property
    def in_epoch(self) -> bool:
        """True when an epoch is in progress (its order drawn, not all of it done)."""
        return len(self.order) > 0

    def to_json(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """(JSON-safe manifest part, named float arrays); arrays are copies."""
        arrays: dict[str, np.ndarray] = {}
        opt = None
        if self.optimizer is not None:
            state = {}
            for key, entry in self.optimizer["state"].items():
                state[key] = {}
                for name, value in entry.items():
                    if isinstance(value, np.ndarray):
                        arrays[f"optimizer/{key}/{name}"] = value.copy()
                    elif isinstance(value, np.integer):
                        state[key][name] = int(value)
                    else:  # from_json judges anything else
                        state[key][name] = value
            opt = {
                "name": self.optimizer["name"],
                "hyperparameters": copy.deepcopy(self.optimizer["hyperparameters"]),
                "state": state,
            }
        for name in ("h", "c"):
            value = getattr(self, name)
            if value is not None:
                arrays[name] = np.array(value, copy=True)
        meta = {
            "version": STATE_VERSION,
            "updates": int(self.updates),
            "epochs_done": int(self.epochs_done),
            "order": [int(k) for k in self.order],
            "position": int(self.position),
            "time_step": int(self.time_step),
            "rng_state": copy.deepcopy(self.rng_state),
            "optimizer": opt,
        }
        return meta, arrays

    @classmethod
    def from_json(
        cls, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray], network: Network | None = None
    ) -> TrainState:
        """Check and rebuild a state written by :meth:`to_json`.

        With ``network`` (the one training will resume) the carried state and
        every optimiser buffer must have its shapes.  Raises ValueError naming
        the first bad field.
        """
        if not isinstance(meta, Mapping):
            raise ValueError(f"training state must be a mapping; got {type(meta).__name__}")
        if not isinstance(arrays, Mapping):
            raise ValueError(f"training state arrays must be a mapping; got {type(arrays).__name__}")
        missing = [k for k in META_KEYS if k not in meta]
        if missing:
            raise ValueError(f"training state is missing {', '.join(missing)}")
        unknown = sorted(map(str, set(meta) - set(META_KEYS)))
        if unknown:
            raise ValueError(f"training state has unknown fields {', '.join(unknown)}")
        version = _count(meta, "version")
        if version != STATE_VERSION:
            raise ValueError(f"training state version {version} is not supported (this version reads 1)")
        order = _order(meta["order"])
        position, time_step = _count(meta, "position"), _count(meta, "time_step")
        if len(order) == 0 and (position or time_step):
            raise ValueError(
                "training state: position and time_step must be 0 between epochs (order is empty)"
            )
        if len(order) and position >= len(order):
            raise ValueError(
                f"training state: position {position} is past the order's {len(order)} sequences"
            )
        h, c = _carried(arrays, time_step, network)
        return cls(
            updates=_count(meta, "updates"),
            epochs_done=_count(meta, "epochs_done"),
            rng_state=check_rng_state(meta["rng_state"]),
            order=order,
            position=position,
            time_step=time_step,
            optimizer=_optimizer(meta["optimizer"], arrays, network),
            h=h,
            c=c,
        )

    def validated(self, network: Network) -> TrainState:
        """This state checked field by field against ``network`` (a checked copy)."""
        return TrainState.from_json(*self.to_json(), network=network)


def _count(meta: Mapping[str, Any], name: str) -> int:
    v = meta[name]
    if isinstance(v, bool) or not isinstance(v, int | np.integer) or not 0 <= v <= MAX_COUNT:
        raise ValueError(f"training state: {name} must be a whole number ≥ 0; got {v!r}")
    return int(v)


def _order(v: Any) -> np.ndarray:
    if not isinstance(v, list | tuple | np.ndarray):
        raise ValueError(f"training state: order must be a list of sequence numbers; got {type(v).__name__}")
    if any(isinstance(k, bool) or not isinstance(k, int | np.integer) for k in v):
        raise ValueError("training state: order must hold whole numbers")
    order = np.array([int(k) for k in v], dtype=np.int64)
    if not np.array_equal(np.sort(order), np.arange(len(order))):
        raise ValueError(f"training state: order must visit each of 0..{len(order) - 1} once")
    return order


def check_rng_state(v: Any) -> dict[str, Any]:
    """A checked copy of a ``np.random.default_rng().bit_generator.state`` (PCG64)."""
    where = "training state: rng_state"
    keys = {"bit_generator", "state", "has_uint32", "uinteger"}
    if not isinstance(v, Mapping) or set(v) != keys:
        raise ValueError(f"{where} must have the fields {sorted(keys)}")
    if v["bit_generator"] != "PCG64":
        raise ValueError(f"{where}: bit_generator must be 'PCG64'; got {v['bit_generator']!r}")
    inner = v["state"]
    if not isinstance(inner, Mapping) or set(inner) != {"state", "inc"}:
        raise ValueError(f"{where}: state must have the fields inc, state")

    def whole(x, hi):
        return not isinstance(x, bool) and isinstance(x, int) and 0 <= x < hi

    if not (whole(inner["state"], _U128) and whole(inner["inc"], _U128) and inner["inc"] % 2 == 1):
        raise ValueError(f"{where}: state and inc must be whole numbers below 2**128, inc odd")
    if not (whole(v["has_uint32"], 2) and whole(v["uinteger"], 2**32)):
        raise ValueError(f"{where}: has_uint32 must be 0 or 1 and uinteger below 2**32")
    out = {
        "bit_generator": "PCG64",
        "state": {"state": int(inner["state"]), "inc": int(inner["inc"])},
        "has_uint32": int(v["has_uint32"]),
        "uinteger": int(v["uinteger"]),
    }
    np.random.PCG64().state = out  # numpy's own check, on a throwaway generator
    return out


def _float_array(arrays: Mapping[str, np.ndarray], name: str, shape: tuple[int, ...] | None) -> np.ndarray:
    a = arrays[name]
    if not isinstance(a, np.ndarray) or a.dtype.kind != "f":
        raise ValueError(f"training state array {name} must hold floats; got {type(a).__name__}")
    if shape is not None and a.shape != shape:
        raise ValueError(f"training state array {name} has shape {a.shape}; the network needs {shape}")
    if a.ndim != 2:
        raise ValueError(
            f"training state array {name} must be 2-D (layers·directions, hidden); got {a.shape}"
        )
    if not np.all(np.isfinite(a)):
        raise ValueError(f"training state array {name} contains NaN or infinity")
    return a.copy()


def _carried(arrays: Mapping[str, np.ndarray], time_step: int, network: Network | None):
    """The carried (h, c): present exactly when the run stopped inside a sequence."""
    shape = None
    if network is not None:
        shape = (network.num_layers * network.num_directions, network.hidden_size)
    lstm = network is None or network.mode == "lstm"
    wanted = {"h", "c"} if lstm else {"h"}
    present = {k for k in ("h", "c") if k in arrays}
    if time_step == 0 and present:
        raise ValueError(f"training state has carried state {sorted(present)} but time_step is 0")
    if time_step > 0:
        need = wanted if network is not None else {"h"}
        if not need <= present or not present <= wanted:
            raise ValueError(
                f"training state stopped inside a sequence (time_step {time_step}): it needs the carried "
                f"arrays {sorted(need)}; it has {sorted(present)}"
            )
    h = _float_array(arrays, "h", shape) if "h" in present else None
    c = _float_array(arrays, "c", shape) if "c" in present else None
    if h is not None and network is not None:
        h, c = h.astype(network.dtype), None if c is None else c.astype(network.dtype)
    return h, c


def _optimizer(meta: Any, arrays: Mapping[str, np.ndarray], network: Network | None) -> dict | None:
    """The optimizer state dict from the manifest entry and the ``optimizer/<key>/<field>`` arrays."""
    names = [k for k in arrays if isinstance(k, str) and k.startswith("optimizer/")]
    unknown = [k for k in arrays if k not in ("h", "c") and k not in names]
    if unknown:
        raise ValueError(f"training state has unknown arrays {sorted(map(str, unknown))}")
    if meta is None:
        if names:
            raise ValueError("training state has optimizer arrays but no optimizer entry")
        return None
    if not isinstance(meta, Mapping) or not isinstance(meta.get("state"), Mapping):
        raise ValueError("training state: optimizer must have the fields name, hyperparameters, state")
    state = {}
    for key, entry in meta["state"].items():
        if not isinstance(entry, Mapping):
            raise ValueError(f"optimizer state of {key} must be a mapping")
        state[key] = dict(entry)
    for name in names:
        key, _, buf = name[len("optimizer/") :].rpartition("/")
        if key not in state:
            raise ValueError(f"training state array {name} belongs to no parameter of the optimizer entry")
        state[key][buf] = arrays[name]
    full = {**meta, "state": state}
    params = network.state_dict() if network is not None else None
    _, checked = _check_state_dict(full, None, params)
    return {"name": full["name"], "hyperparameters": dict(full["hyperparameters"]), "state": checked}
