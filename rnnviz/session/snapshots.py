"""The network at a kept update of a session's training, and going back to it.  Qt-free."""

from __future__ import annotations

from dataclasses import replace

from rnnviz.engine import Network

from .history import TrainingHistory
from .model import Session
from .training import Training, reset_training


def snapshot_network(session: Session, update: int) -> Network:
    """The weights after ``update`` (0: before training), if that update is kept."""
    training = session.training
    if update == 0:
        return training.initial if training.initial is not None else session.network
    net = session.network
    return Network(net.spec, training.history.snapshot(update), dtype=net.dtype)


def with_snapshot(session: Session, update: int) -> Session:
    """``session`` with the weights of a kept update as its network; the history is cut
    there, and training goes on from those weights with a fresh optimiser."""
    if update == 0:
        return reset_training(session)
    network = snapshot_network(session, update)
    h = session.training.history
    if update == h.updates:
        return session
    cut = TrainingHistory(
        h.loss[:update],
        h.grad_norm[:update],
        h.epoch[:update],
        {u: s for u, s in h.snapshots.items() if u <= update},
    )
    training = Training(session.training.settings, cut, None, session.training.initial)
    return replace(session, network=network, training=training)
