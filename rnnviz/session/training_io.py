"""A session's :class:`~rnnviz.session.training.Training` in the ``.rnnviz`` file.

The manifest's ``"training"`` object (schema version 2)::

    {"settings": {TrainingSettings fields},
     "updates": U, "stopped_reason": str | null,
     "loss": "training/loss.npy", "grad_norm": "training/grad_norm.npy",
     "epoch": "training/epoch.npy",               # [U] each (null when U = 0)
     "initial": "training/initial.npy" | null,    # [P]: the weights before the first update
     "snapshot_updates": [u, …],                  # the kept snapshots, increasing
     "snapshots": "training/snapshots.npy" | null,  # [S, P]: the weights after each of them
     "state": TrainState meta (JSON) | null,      # optimiser, data order, position
     "state_arrays": [[name, [shape…]], …],       # its arrays, packed in order into
     "state_values": "training/state.npy" | null} # [N] float64

A flat weight vector [P] holds every parameter in ``NetworkSpec.param_shapes()``
order, in the network's dtype.  Packing keeps the member count small however
deep the network (the archive allows 2,048 members).  Every member is read with
the archive's checks (shape declared here, size never trusted, finite numbers)
within the byte budget the caller passes; a bad one raises SessionFileError
naming it.
"""

from __future__ import annotations

import math
import zipfile
from typing import Any

import numpy as np

from rnnviz.engine import Network
from rnnviz.engine.train import TrainState

from . import archive
from . import manifest as mf
from .errors import SessionFileError
from .history import MAX_SNAPSHOTS, TrainingHistory, snapshot_capacity
from .training import Training, TrainingSettings

WHERE = "manifest.json: training"
MAX_UPDATES = 10**9
MAX_STATE_ARRAYS = 4096


# -- writing -------------------------------------------------------------------


def flat(network_or_state, keys) -> np.ndarray:
    """Every parameter, flattened and concatenated in ``keys`` order ([P])."""
    get = network_or_state.param if isinstance(network_or_state, Network) else network_or_state.__getitem__
    return np.concatenate([np.ravel(get(k)) for k in keys])


def training_section(training: Training, network: Network, prefix: str = "training/") -> tuple[dict, list]:
    """The manifest's ``"training"`` object and its array members ``[(name, array)]``."""
    history = training.history
    keys = list(network.spec.param_shapes())
    U = history.updates
    section: dict[str, Any] = {
        "settings": training.settings.as_dict(),
        "updates": U,
        "stopped_reason": history.stopped_reason,
        "loss": None,
        "grad_norm": None,
        "epoch": None,
        "initial": None,
        "snapshot_updates": list(history.snapshot_updates),
        "snapshots": None,
        "state": None,
        "state_arrays": [],
        "state_values": None,
    }
    members: list = []

    def add(key: str, a) -> None:
        section[key] = f"{prefix}{key}.npy"
        members.append((section[key], a))

    if U:
        add("loss", history.loss)
        add("grad_norm", history.grad_norm)
        add("epoch", history.epoch.astype(np.int64))
    if training.initial is not None:
        add("initial", flat(training.initial, keys))
    updates = history.snapshot_updates
    if updates:
        P = network.spec.num_parameters()
        add(
            "snapshots",
            archive.RowArray(
                len(updates), P, network.dtype, lambda i: flat(history.snapshots[updates[i]], keys)
            ),
        )
    if training.state is not None:
        meta, arrays = training.state.to_json()
        section["state"] = meta
        section["state_arrays"] = [[name, list(a.shape)] for name, a in arrays.items()]
        if arrays:
            values = np.concatenate([np.ravel(a).astype(np.float64) for a in arrays.values()])
            add("state_values", values)
    return section, members


# -- reading -------------------------------------------------------------------


class Budget:
    """The bytes every array of the file together may still take."""

    def __init__(self, left: int) -> None:
        self.left = left

    def take(self, nbytes: int, what: str, where: str = WHERE) -> int:
        if nbytes > self.left:
            raise SessionFileError(
                f"{where}: {what} would take {nbytes:,} bytes; only {max(self.left, 0):,} are left of the "
                f"{archive.MAX_TOTAL_BYTES:,}-byte limit for a session's arrays"
            )
        self.left -= nbytes
        return nbytes


def read_training(
    zf: zipfile.ZipFile, section: Any, network: Network, budget: Budget, where: str = WHERE
) -> Training:
    """The :class:`Training` of a manifest's ``"training"`` object (absent: untrained);
    ``where`` names it in messages."""
    if section is None:
        return Training()
    if not isinstance(section, dict):
        raise SessionFileError(f"{where} must be an object; got {type(section).__name__}")
    settings = _settings(section.get("settings", {}), where)
    U = mf.typed(section, "updates", int, where, default=0)
    if not 0 <= U <= MAX_UPDATES:
        raise SessionFileError(f"{where}: 'updates' must be in [0, {MAX_UPDATES:,}]; got {U:,}")
    history = _history(zf, section, network, U, budget, where)
    initial = None
    member = mf.typed(section, "initial", (str, type(None)), where, default=None)
    if member:
        initial = read_weights(
            zf, member, network.spec, network.dtype, budget, "the weights before training", where
        )
    elif U:
        raise SessionFileError(f"{where}: {U} updates but no 'initial' weights (the weights before training)")
    state = _state(zf, section, network, budget, where)
    if state is not None and state.updates != U:
        raise SessionFileError(
            f"{where}: the training state counts {state.updates:,} updates; the history {U:,}"
        )
    try:
        return Training(settings, history, state, initial)
    except ValueError as e:
        raise SessionFileError(f"{where}: {e}") from None


def _settings(d: Any, where: str) -> TrainingSettings:
    try:
        return mf.settings(TrainingSettings, d, where.removeprefix("manifest.json: ") + ": settings")
    except SessionFileError:
        raise
    except ValueError as e:
        raise SessionFileError(f"{where}: settings: {e}") from None


def _curve(zf, section: dict, key: str, U: int, budget: Budget, where: str) -> np.ndarray:
    member = mf.typed(section, key, str, where)
    budget.take(8 * U, f"the {key} curve", where)
    return archive.read_npy(zf, member, archive.exact_shape((U,)), f"training {key}", 8 * U)


def _history(zf, section: dict, network: Network, U: int, budget: Budget, where: str) -> TrainingHistory:
    reason = mf.typed(section, "stopped_reason", (str, type(None)), where, default=None)
    updates = _snapshot_updates(section, network, U, where)
    if not U:
        if updates:
            raise SessionFileError(f"{where}: snapshots of updates {updates} but no updates")
        return TrainingHistory(stopped_reason=reason)
    loss = _curve(zf, section, "loss", U, budget, where)
    grad_norm = _curve(zf, section, "grad_norm", U, budget, where)
    epoch = _curve(zf, section, "epoch", U, budget, where)
    if not np.all((epoch == np.round(epoch)) & (epoch >= 1) & (epoch <= MAX_UPDATES)):
        raise SessionFileError(f"{where}: 'epoch' (member {section['epoch']!r}) must hold whole numbers ≥ 1")
    snapshots = {}
    if updates:
        rows = _snapshot_rows(zf, section, network, len(updates), budget, where)
        for u, row in zip(updates, rows, strict=True):
            snapshots[u] = _unflatten(row, network.spec)
    try:
        return TrainingHistory(loss, grad_norm, epoch.astype(np.int64), snapshots, reason)
    except ValueError as e:
        raise SessionFileError(f"{where}: {e}") from None


def _snapshot_updates(section: dict, network: Network, U: int, where: str) -> list[int]:
    updates = mf.typed(section, "snapshot_updates", list, where, default=[])
    cap = min(snapshot_capacity(network), MAX_SNAPSHOTS)
    if len(updates) > cap:
        raise SessionFileError(
            f"{where}: {len(updates):,} snapshots; a network of this size keeps at most {cap}"
        )
    for i, u in enumerate(updates):
        if isinstance(u, bool) or not isinstance(u, int) or not 1 <= u <= U:
            raise SessionFileError(
                f"{where}: snapshot_updates[{i}] must be an update in [1, {U:,}]; got {u!r}"
            )
        if i and u <= updates[i - 1]:
            raise SessionFileError(f"{where}: snapshot_updates must increase; {u} follows {updates[i - 1]}")
    return updates


def _snapshot_rows(zf, section: dict, network: Network, S: int, budget: Budget, where: str) -> np.ndarray:
    member = mf.typed(section, "snapshots", str, where)
    P = network.spec.num_parameters()
    nbytes = budget.take(S * P * network.dtype.itemsize, f"{S} weight snapshots", where)
    return archive.read_npy(
        zf, member, archive.exact_shape((S, P)), "training snapshots", max(nbytes, 8 * S * P), network.dtype
    )


def read_weights(zf, member: str, spec, dtype, budget: Budget, what: str, where: str = WHERE) -> Network:
    """A network of ``spec`` and ``dtype`` from a flat [P] member."""
    P = spec.num_parameters()
    budget.take(P * np.dtype(dtype).itemsize, what, where)
    row = archive.read_npy(zf, member, archive.exact_shape((P,)), what, 8 * P, dtype)
    return Network(spec, _unflatten(row, spec), dtype=dtype)


def _unflatten(row: np.ndarray, spec) -> dict[str, np.ndarray]:
    """Read-only views into ``row``, one per parameter."""
    row.setflags(write=False)
    out, start = {}, 0
    for key, shape in spec.param_shapes().items():
        n = math.prod(shape)
        out[key] = row[start : start + n].reshape(shape)
        start += n
    return out


def _state(zf, section: dict, network: Network, budget: Budget, where: str) -> TrainState | None:
    meta = mf.typed(section, "state", (dict, type(None)), where, default=None)
    listed = mf.typed(section, "state_arrays", list, where, default=[])
    if meta is None:
        if listed:
            raise SessionFileError(f"{where}: 'state_arrays' are listed but there is no 'state'")
        return None
    if len(listed) > MAX_STATE_ARRAYS:
        raise SessionFileError(f"{where}: {len(listed):,} state arrays; the limit is {MAX_STATE_ARRAYS:,}")
    shapes = {}
    for i, item in enumerate(listed):
        if (
            not isinstance(item, list)
            or len(item) != 2
            or not isinstance(item[0], str)
            or not isinstance(item[1], list)
            or not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= 2**31 for s in item[1])
            or len(item[1]) > 4
        ):
            raise SessionFileError(
                f"{where}: state_arrays[{i}] must be [name, [sizes…]]; got {mf._short(item)}"
            )
        if item[0] in shapes:
            raise SessionFileError(f"{where}: state_arrays names {item[0]!r} twice")
        shapes[item[0]] = tuple(item[1])
    arrays = _state_arrays(zf, section, shapes, network, budget, where)
    try:
        return TrainState.from_json(meta, arrays, network)
    except ValueError as e:
        raise SessionFileError(f"{where}: {e}") from None


def _state_arrays(
    zf, section: dict, shapes: dict, network: Network, budget: Budget, where: str
) -> dict[str, np.ndarray]:
    total = sum(math.prod(s) for s in shapes.values())
    spec = network.spec
    most = 2 * spec.num_parameters() + 2 * spec.num_layers * spec.num_directions * spec.hidden_size
    if total > most:
        raise SessionFileError(
            f"{where}: the state arrays hold {total:,} numbers; this network's optimiser and carried "
            f"state need at most {most:,}"
        )
    if not shapes:
        return {}
    member = mf.typed(section, "state_values", str, where)
    budget.take(8 * total, "the optimiser state", where)
    values = archive.read_npy(zf, member, archive.exact_shape((total,)), "training state", 8 * total)
    arrays, start = {}, 0
    for name, shape in shapes.items():
        n = math.prod(shape)
        arrays[name] = values[start : start + n].reshape(shape)
        start += n
    return arrays
