"""What training did, update by update: the loss and gradient norm curves, and
weight snapshots thinned as they age so memory stays bounded.  Qt-free.

Update ``u`` (1-based, counted across every run of a session's training) is the
u-th optimiser step.  ``loss[u - 1]`` is the loss *before* update u (the loss
the gradient of update u was taken from), ``grad_norm[u - 1]`` the gradient's
norm before clipping, ``epoch[u - 1]`` the epoch it belonged to.  A snapshot at
update u holds the weights *after* it.

Which snapshots are kept is a function of the update count alone (see
:func:`kept_updates`), and a kept set only ever loses members as training goes
on.  So thinning after every update, or after 20 updates and then 15 more,
keeps exactly the same snapshots: training on from a saved file gives the
history a single run would have.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from rnnviz.engine import Network

MAX_SNAPSHOTS = 64
MAX_SNAPSHOT_BYTES = 200 * 2**20  # the snapshots of one training, together


def snapshot_capacity(network: Network) -> int:
    """How many snapshots of ``network`` a history keeps at most (0 for a huge network)."""
    per = network.spec.num_parameters() * network.dtype.itemsize
    return int(min(MAX_SNAPSHOTS, MAX_SNAPSHOT_BYTES // per))


def _dense_and_stride(updates: int, capacity: int) -> tuple[int, int]:
    """The newest ``dense`` updates are all kept; older ones at multiples of ``stride``."""
    if capacity <= 0:
        return 0, updates + 1  # nothing kept
    dense = max(1, capacity // 4)
    sparse = capacity - dense
    stride = 1
    while updates // stride > sparse:
        stride *= 2
    return dense, stride


def is_kept(update: int, updates: int, capacity: int) -> bool:
    """Whether the snapshot of ``update`` is kept once ``updates`` updates are done."""
    dense, stride = _dense_and_stride(updates, capacity)
    return update > updates - dense or update % stride == 0


def kept_updates(updates: int, capacity: int) -> tuple[int, ...]:
    """The updates whose snapshots are kept after ``updates`` updates: the newest quarter
    of ``capacity`` densely, the rest at every ``stride``-th update (a power of two that
    grows with the count), at most ``capacity`` in all."""
    dense, stride = _dense_and_stride(updates, capacity)
    old = range(stride, max(updates - dense, 0) + 1, stride)
    return tuple(old) + tuple(range(max(updates - dense, 0) + 1, updates + 1)) if dense else ()


def _frozen(a, dtype) -> np.ndarray:
    """A read-only array; one that already is (a network's parameter) is shared, not copied."""
    if isinstance(a, np.ndarray) and a.dtype == dtype and not a.flags.writeable:
        return a
    out = np.array(a, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class TrainingHistory:
    """Immutable: one entry per update, and the kept weight snapshots."""

    loss: np.ndarray = field(default_factory=lambda: np.zeros(0))  # [U]
    grad_norm: np.ndarray = field(default_factory=lambda: np.zeros(0))  # [U]
    epoch: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # [U]
    snapshots: Mapping[int, Mapping[str, np.ndarray]] = field(default_factory=dict)  # update → state dict
    stopped_reason: str | None = None  # why the last run stopped early (NaN / inf), if it did

    def __post_init__(self) -> None:
        loss = _frozen(self.loss, np.float64)
        grad_norm = _frozen(self.grad_norm, np.float64)
        epoch = _frozen(self.epoch, np.int64)
        U = loss.shape[0] if loss.ndim == 1 else -1
        for name, a in (("loss", loss), ("grad_norm", grad_norm), ("epoch", epoch)):
            if a.shape != (max(U, 0),):
                raise ValueError(
                    f"training history: {name} must be one number per update; got shape {a.shape}"
                )
        for name, a in (("loss", loss), ("grad_norm", grad_norm)):
            if not np.isfinite(a).all():
                raise ValueError(
                    f"training history: {name} of update {int(np.argmin(np.isfinite(a))) + 1} is not finite"
                )
        if (grad_norm < 0).any():
            raise ValueError("training history: a gradient norm is negative")
        if U and (epoch[0] < 1 or (np.diff(epoch) < 0).any()):
            raise ValueError("training history: epochs must start at 1 or more and never decrease")
        if self.stopped_reason is not None and not isinstance(self.stopped_reason, str):
            raise ValueError(f"training history: stopped_reason must be text; got {self.stopped_reason!r}")
        snaps = {}
        for u in sorted(self.snapshots):
            if isinstance(u, bool) or not isinstance(u, int | np.integer) or not 1 <= u <= U:
                raise ValueError(f"training history: a snapshot at update {u!r}; there are {U} updates")
            snaps[int(u)] = {k: _frozen(v, np.asarray(v).dtype) for k, v in self.snapshots[u].items()}
        for name, value in (("loss", loss), ("grad_norm", grad_norm), ("epoch", epoch), ("snapshots", snaps)):
            object.__setattr__(self, name, value)

    @property
    def updates(self) -> int:
        return int(self.loss.shape[0])

    @property
    def epochs(self) -> int:
        """The epoch of the last update (0 before any)."""
        return int(self.epoch[-1]) if self.updates else 0

    @property
    def stopped_update(self) -> int | None:
        """The update that was refused (its loss, gradient or result was not finite)."""
        return None if self.stopped_reason is None else self.updates + 1

    @property
    def snapshot_updates(self) -> tuple[int, ...]:
        return tuple(self.snapshots)

    def snapshot(self, update: int) -> dict[str, np.ndarray]:
        """The weights after ``update`` (read-only arrays), if that snapshot is kept."""
        if update not in self.snapshots:
            raise KeyError(f"no snapshot of update {update}; kept: {self.snapshot_updates}")
        return dict(self.snapshots[update])

    @property
    def nbytes(self) -> int:
        curves = self.loss.nbytes + self.grad_norm.nbytes + self.epoch.nbytes
        return curves + sum(a.nbytes for s in self.snapshots.values() for a in s.values())

    @staticmethod
    def bytes_bound(network: Network) -> int:
        """The most bytes the snapshots of ``network``'s training take (the curves add 24
        bytes an update)."""
        return snapshot_capacity(network) * network.spec.num_parameters() * network.dtype.itemsize


class HistoryBuilder:
    """Grows a history update by update (lists, not arrays re-copied each time)."""

    def __init__(self, history: TrainingHistory, capacity: int) -> None:
        self.loss = history.loss.tolist()
        self.grad_norm = history.grad_norm.tolist()
        self.epoch = history.epoch.tolist()
        self.snapshots = dict(history.snapshots)
        self.capacity = capacity
        self.stopped_reason: str | None = None
        self._stride: int | None = None  # of the last add (None: check every snapshot)

    @property
    def updates(self) -> int:
        return len(self.loss)

    def add(self, loss: float, grad_norm: float, epoch: int, network: Network) -> None:
        self.loss.append(float(loss))
        self.grad_norm.append(float(grad_norm))
        self.epoch.append(int(epoch))
        if self.capacity <= 0:
            return  # nothing kept
        U = len(self.loss)
        # as _dense_and_stride(U, capacity), from the last stride (it only grows): this runs every update
        dense = max(1, self.capacity // 4)
        stride = self._stride or 1
        while U // stride > self.capacity - dense:
            stride *= 2
        self.snapshots[U] = dict(network.params())  # the newest is always kept (U > U - dense)
        if stride != self._stride:  # the old ones thin out: look at each
            for u in [u for u in self.snapshots if not (u > U - dense or u % stride == 0)]:
                del self.snapshots[u]
            self._stride = stride
        elif (U - dense) % stride and (U - dense) in self.snapshots:
            del self.snapshots[U - dense]  # the one that left the dense newest ones

    def build(self) -> TrainingHistory:
        return TrainingHistory(
            np.array(self.loss, dtype=np.float64),
            np.array(self.grad_norm, dtype=np.float64),
            np.array(self.epoch, dtype=np.int64),
            self.snapshots,
            self.stopped_reason,
        )
