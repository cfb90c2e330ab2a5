"""Whole training runs against PyTorch, through committed fixtures (torch is never imported).

``scripts/make_training_fixtures.py`` trained torch.nn.RNN/LSTM/GRU (+ Linear head)
with torch.optim and torch's losses, visiting the sequences in the order that
``rnnviz.engine.train`` documents.  Here the engine repeats each run: the loss and
gradient norm of every step and the final weights must agree.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rnnviz.engine import Network
from rnnviz.engine.optim import make_optimizer
from rnnviz.engine.train import train

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "training"
FILES = sorted(FIXTURES.glob("*.npz"))


def load(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    assert path.stat().st_size < 200_000, f"{path.name} is suspiciously large"
    with np.load(path, allow_pickle=False) as z:
        arrays = {key: z[key] for key in z.files}
    return json.loads(str(arrays.pop("meta"))), arrays


def group(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}


def test_fixtures_exist():
    assert len(FILES) >= 4


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_training_run_matches_torch(path):
    meta, arrays = load(path)
    net = Network.from_state_dict(group(arrays, "init/"), meta["mode"], meta["head_activation"])
    assert net.num_layers == meta["layers"] and (net.num_directions == 2) == meta["bidirectional"]
    n = meta["sequences"]
    data = [(arrays[f"x/{k}"], arrays[f"target/{k}"]) for k in range(n)]
    kw = dict(meta["optimizer_kw"])
    if "betas" in kw:
        kw["betas"] = tuple(kw["betas"])
    optimizer = make_optimizer(meta["optimizer"], **kw)
    progress = list(
        train(
            net,
            data,
            loss=meta["loss"],
            shape=meta["shape"],
            optimizer=optimizer,
            epochs=meta["epochs"],
            clip=meta["clip"],
            seed=meta["seed"],
        )
    )
    assert len(progress) == meta["epochs"] * n and not progress[-1].stopped
    np.testing.assert_allclose([p.loss for p in progress], arrays["losses"], rtol=1e-10)
    np.testing.assert_allclose([p.grad_norm for p in progress], arrays["grad_norms"], rtol=1e-10)
    final = progress[-1].network
    for key, expected in group(arrays, "final/").items():
        np.testing.assert_allclose(final.param(key), expected, rtol=1e-9, atol=1e-12, err_msg=key)
    # training moved the weights: the comparison is not of two unchanged copies
    assert any(not np.allclose(final.param(k), v) for k, v in group(arrays, "init/").items())
