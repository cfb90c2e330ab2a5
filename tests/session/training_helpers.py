"""Small sessions to train, and exact comparisons of what training left behind."""

from __future__ import annotations

import numpy as np

from rnnviz.engine import Network, NetworkSpec
from rnnviz.session import Sequence, Session


def sine_session(mode: str = "lstm", dtype=np.float64, head: str | None = None, steps: int = 12) -> Session:
    """A 2-input network predicting the next value of a sine (one target column)."""
    t = np.arange(steps + 1)
    wave = np.sin(2 * np.pi * t / 8)
    inputs = np.stack([wave[:-1], np.cos(2 * np.pi * t[:-1] / 8)], axis=1)  # [T, 2]
    targets = wave[1:, None]  # [T, 1]
    if head == "sigmoid":
        targets = (targets > 0).astype(float)
    spec = NetworkSpec(mode, 2, 3, output_size=1, head_activation=head)
    net = Network.from_spec(spec, seed=4, dtype=dtype)
    return Session(net, Sequence(inputs, targets), title="sine")


def assert_same_training(a: Session, b: Session) -> None:
    """Weights, curves, snapshots and the resume state bit for bit equal."""
    for key, value in a.network.state_dict().items():
        other = b.network.param(key)
        assert value.dtype == other.dtype and value.tobytes() == other.tobytes(), key
    ha, hb = a.training.history, b.training.history
    for name in ("loss", "grad_norm", "epoch"):
        assert getattr(ha, name).tobytes() == getattr(hb, name).tobytes(), name
    assert ha.snapshot_updates == hb.snapshot_updates
    for u in ha.snapshot_updates:
        for key, value in ha.snapshot(u).items():
            assert value.tobytes() == hb.snapshot(u)[key].tobytes(), (u, key)
    assert ha.stopped_reason == hb.stopped_reason
    ia, ib = a.training.initial, b.training.initial
    assert (ia is None) == (ib is None)
    if ia is not None:
        for key, value in ia.state_dict().items():
            assert value.tobytes() == ib.param(key).tobytes(), key
    sa, sb = a.training.state, b.training.state
    assert (sa is None) == (sb is None)
    if sa is not None:
        meta_a, arrays_a = sa.to_json()
        meta_b, arrays_b = sb.to_json()
        assert meta_a == meta_b
        assert arrays_a.keys() == arrays_b.keys()
        for name, value in arrays_a.items():
            assert value.dtype == arrays_b[name].dtype and value.tobytes() == arrays_b[name].tobytes(), name
