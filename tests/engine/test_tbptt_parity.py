"""Truncated BPTT against PyTorch, through committed fixtures (torch is never imported).

``scripts/make_training_fixtures.py`` trained torch.nn.RNN/LSTM/GRU chunk by
chunk: ``out, h = rnn(x[s:s+k], h); loss.backward(); opt.step(); h = h.detach()``,
the state reset for every sequence, no update for a chunk without a counted
step.  The engine's ``train(..., bptt_window=k)`` must make the same updates:
same chunks, same losses and gradient norms, same final weights.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rnnviz.engine import Network
from rnnviz.engine.optim import make_optimizer
from rnnviz.engine.train import train

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "training_tbptt"
FILES = sorted(FIXTURES.glob("*.npz"))


def load(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    assert path.stat().st_size < 200_000, f"{path.name} is suspiciously large"
    with np.load(path, allow_pickle=False) as z:
        arrays = {key: z[key] for key in z.files}
    return json.loads(str(arrays.pop("meta"))), arrays


def group(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}


def run_case(path: Path, window):
    meta, arrays = load(path)
    net = Network.from_state_dict(group(arrays, "init/"), meta["mode"], meta["head_activation"])
    data = [(arrays[f"x/{k}"], arrays[f"target/{k}"]) for k in range(meta["sequences"])]
    kw = dict(meta["optimizer_kw"])
    if "betas" in kw:
        kw["betas"] = tuple(kw["betas"])
    run = train(
        net,
        data,
        loss=meta["loss"],
        shape=meta["shape"],
        optimizer=make_optimizer(meta["optimizer"], **kw),
        epochs=meta["epochs"],
        clip=meta["clip"],
        seed=meta["seed"],
        bptt_window=window,
    )
    return meta, arrays, list(run)


def test_fixtures_cover_the_cells_optimisers_and_shapes():
    metas = [load(p)[0] for p in FILES]
    assert {m["mode"] for m in metas} >= {"rnn_tanh", "lstm", "gru"}
    assert {m["optimizer"] for m in metas} == {"sgd", "adam"}
    assert any(m["clip"] for m in metas) and any(m["bidirectional"] and m["layers"] == 2 for m in metas)
    assert {m["shape"] for m in metas} == {"many_to_many", "many_to_one"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_truncated_bptt_matches_torch(path):
    meta, arrays, progress = run_case(path, load(path)[0]["bptt_window"])
    windows = arrays["windows"]
    assert len(progress) == len(windows) and not progress[-1].stopped
    assert [(p.sequence, *p.window) for p in progress] == [tuple(map(int, w)) for w in windows]
    assert [p.chunk for p in progress] == [int(w[1]) // meta["bptt_window"] for w in windows]
    assert progress[-1].total_steps == len(windows)
    np.testing.assert_allclose([p.loss for p in progress], arrays["losses"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose([p.grad_norm for p in progress], arrays["grad_norms"], rtol=1e-12, atol=1e-12)
    final = progress[-1].network
    for key, expected in group(arrays, "final/").items():
        np.testing.assert_allclose(final.param(key), expected, rtol=1e-12, atol=1e-12, err_msg=key)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_full_bptt_would_not_match(path):
    """The fixtures tell truncation apart: full BPTT (or a fresh state per chunk) ends elsewhere."""
    meta, arrays, progress = run_case(path, None)
    final = progress[-1].network
    assert any(
        not np.allclose(final.param(k), v, rtol=1e-6, atol=1e-9) for k, v in group(arrays, "final/").items()
    )
