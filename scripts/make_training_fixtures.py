"""Generate the training parity fixtures in ``tests/fixtures/training/`` and
``tests/fixtures/training_tbptt/``.

Needs ``torch==2.13.0`` (CPU); ``tests/engine/test_training_parity.py`` and
``tests/engine/test_tbptt_parity.py`` read the files without torch::

    .venv/bin/python scripts/make_training_fixtures.py           # writes missing files
    .venv/bin/python scripts/make_training_fixtures.py --force   # rewrites them all

Each case trains a ``torch.nn.RNN/LSTM/GRU`` (+ ``torch.nn.Linear`` head) with
``torch.optim.SGD``/``Adam``, one optimiser step per sequence, visiting the
sequences of each epoch in the order ``np.random.default_rng(seed).permutation(n)``
(the order ``rnnviz.engine.train`` documents), clipping with
``torch.nn.utils.clip_grad_norm_``.  Losses are torch's ``MSELoss`` (on the
head's output after its activation), ``CrossEntropyLoss`` and
``BCEWithLogitsLoss`` (on the logits), on every step or on the last step only.

File layout (``np.savez_compressed``, plain arrays plus a JSON ``meta`` string)::

    meta              JSON: mode, layers, bidirectional, head_activation, loss, shape,
                      optimizer, optimizer_kw, epochs, clip, seed, sequences
    init/<key>        the weights before training (PyTorch names, head.* for the head)
    final/<key>       the weights after the last step
    x/<k>, target/<k> sequence k and its target
    losses, grad_norms  per optimiser step: the loss before the update, ‖g‖ before clipping

Truncated BPTT (cases with a ``window``; meta also has ``bptt_window``): each
sequence is cut into chunks of ``window`` steps, the state starts at zero for
every sequence, and after each chunk it is carried on detached (torch's
``h = h.detach()``), computed with the weights from before that chunk's update.
A chunk with no counted step (many-to-one: all but the last) runs forward only:
no loss, no ``opt.step()`` (Adam would count a step even with zero gradients).
Extra array: ``windows`` [updates, 3] = (sequence, start, stop) of each update.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

OUT_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "training"
TBPTT_DIR = OUT_DIR.parent / "training_tbptt"

CASES = [
    dict(
        name="lstm_L2_bi_softmax_ce_many_to_one_adam_clip",
        mode="lstm", I=3, H=4, layers=2, bi=True, out=4, act="softmax",
        loss="cross_entropy", shape="many_to_one", T=7, n=3,
        optimizer="adam", kw=dict(lr=0.05), epochs=2, clip=0.5, seed=4,
    ),
    dict(
        name="gru_L1_linear_mse_many_to_many_sgd_nesterov",
        mode="gru", I=2, H=4, layers=1, bi=False, out=2, act=None,
        loss="mse", shape="many_to_many", T=6, n=2,
        optimizer="sgd", kw=dict(lr=0.1, momentum=0.9, nesterov=True), epochs=3, clip=None, seed=1,
    ),
    dict(
        name="rnn_tanh_L2_sigmoid_bce_many_to_many_adam_decay",
        mode="rnn_tanh", I=2, H=3, layers=2, bi=False, out=3, act="sigmoid",
        loss="bce", shape="many_to_many", T=5, n=3,
        optimizer="adam", kw=dict(lr=0.02, betas=(0.8, 0.99), weight_decay=0.01), epochs=2, clip=1.0, seed=2,
    ),
    dict(
        name="lstm_L1_nohead_mse_many_to_one_sgd",
        mode="lstm", I=2, H=3, layers=1, bi=False, out=0, act=None,
        loss="mse", shape="many_to_one", T=8, n=2,
        optimizer="sgd", kw=dict(lr=0.5, momentum=0.5, dampening=0.1), epochs=3, clip=None, seed=0,
    ),
]  # fmt: skip

TBPTT_CASES = [
    dict(
        name="rnn_tanh_L1_linear_mse_many_to_many_sgd_momentum_w4",
        mode="rnn_tanh", I=2, H=3, layers=1, bi=False, out=2, act=None,
        loss="mse", shape="many_to_many", T=11, n=2, window=4,
        optimizer="sgd", kw=dict(lr=0.1, momentum=0.9), epochs=2, clip=None, seed=5,
    ),
    dict(
        name="lstm_L1_softmax_ce_many_to_one_adam_clip_w3",
        mode="lstm", I=3, H=4, layers=1, bi=False, out=3, act="softmax",
        loss="cross_entropy", shape="many_to_one", T=10, n=3, window=3,
        optimizer="adam", kw=dict(lr=0.05), epochs=2, clip=0.3, seed=6,
    ),
    dict(
        name="gru_L2_bi_linear_mse_many_to_many_adam_decay_w4",
        mode="gru", I=2, H=3, layers=2, bi=True, out=2, act=None,
        loss="mse", shape="many_to_many", T=9, n=2, window=4,
        optimizer="adam", kw=dict(lr=0.02, weight_decay=0.01), epochs=2, clip=None, seed=7,
    ),
    dict(
        name="lstm_L2_bi_sigmoid_bce_many_to_many_sgd_nesterov_clip_w5",
        mode="lstm", I=2, H=3, layers=2, bi=True, out=2, act="sigmoid",
        loss="bce", shape="many_to_many", T=12, n=2, window=5,
        optimizer="sgd", kw=dict(lr=0.2, momentum=0.8, nesterov=True, weight_decay=0.001),
        epochs=2, clip=0.5, seed=8,
    ),
]  # fmt: skip


def module_for(c) -> torch.nn.Module:
    if c["mode"].startswith("rnn"):
        return torch.nn.RNN(c["I"], c["H"], c["layers"], nonlinearity=c["mode"][4:], bidirectional=c["bi"])
    cls = torch.nn.LSTM if c["mode"] == "lstm" else torch.nn.GRU
    return cls(c["I"], c["H"], c["layers"], bidirectional=c["bi"])


def make_data(c, rng):
    D = 2 if c["bi"] else 1
    out = c["out"] or D * c["H"]
    data = []
    for _ in range(c["n"]):
        x = rng.normal(size=(c["T"], c["I"]))
        rows = c["T"] if c["shape"] == "many_to_many" else 1
        if c["loss"] == "cross_entropy":
            target = rng.integers(0, out, size=rows)
        elif c["loss"] == "bce":
            target = rng.uniform(size=(rows, out))
        else:
            target = rng.normal(size=(rows, out)) * 0.5
        data.append((x, target))
    return data


def torch_loss(c, rnn, head, x, target, state=None, last=True):
    """The loss of ``x`` (or of a chunk of it, from ``state``), and the final state."""
    output, final = rnn(torch.tensor(x), state)
    if c["shape"] == "many_to_one":
        if not last:
            return None, final  # no counted step in this chunk
        output = output[-1:]
    if head is None:
        pred = output
    else:
        logits = head(output)
        if c["loss"] != "mse":
            pred = logits
        elif c["act"] == "softmax":
            pred = torch.softmax(logits, dim=-1)
        elif c["act"] == "sigmoid":
            pred = torch.sigmoid(logits)
        else:
            pred = logits
    fn = {
        "mse": torch.nn.MSELoss(),
        "cross_entropy": torch.nn.CrossEntropyLoss(),
        "bce": torch.nn.BCEWithLogitsLoss(),
    }
    return fn[c["loss"]](pred, torch.tensor(target)), final


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def chunks(c, x, target):
    """(start, stop, x chunk, target chunk, last) of one sequence; the whole of it without a window."""
    T = len(x)
    w = c.get("window") or T
    for s in range(0, T, w):
        e = min(T, s + w)
        t = target[s:e] if c["shape"] == "many_to_many" else target
        yield s, e, x[s:e], t, e == T


def make_case(c) -> dict[str, np.ndarray]:
    torch.manual_seed(c["seed"])
    rng = np.random.default_rng(100 + c["seed"])
    rnn = module_for(c).double()
    head = torch.nn.Linear((2 if c["bi"] else 1) * c["H"], c["out"]).double() if c["out"] else None
    named = dict(rnn.named_parameters())
    if head is not None:
        named.update({"head." + k: v for k, v in head.named_parameters()})
    arrays = {f"init/{k}": v.detach().numpy().copy() for k, v in named.items()}
    data = make_data(c, rng)
    params = list(named.values())
    opt_cls = torch.optim.Adam if c["optimizer"] == "adam" else torch.optim.SGD
    opt = opt_cls(params, **c["kw"], foreach=False)
    order_rng = np.random.default_rng(c["seed"])
    losses, norms, windows = [], [], []
    for _ in range(c["epochs"]):
        for k in order_rng.permutation(len(data)):
            state = None
            for s, e, x, target, last in chunks(c, *data[k]):
                opt.zero_grad()
                loss, final = torch_loss(c, rnn, head, x, target, state, last)
                state = detach(final)
                if loss is None:
                    continue
                loss.backward()
                norm = torch.sqrt(sum((p.grad**2).sum() for p in params))
                if c["clip"] is not None:
                    torch.nn.utils.clip_grad_norm_(params, c["clip"], foreach=False)
                opt.step()
                losses.append(loss.item())
                norms.append(norm.item())
                windows.append((int(k), s, e))
    arrays.update({f"final/{k}": v.detach().numpy().copy() for k, v in named.items()})
    for k, (x, target) in enumerate(data):
        arrays[f"x/{k}"], arrays[f"target/{k}"] = x, target
    arrays["losses"], arrays["grad_norms"] = np.array(losses), np.array(norms)
    if c.get("window"):
        arrays["windows"] = np.array(windows, dtype=np.int64)
    meta = {
        "mode": c["mode"], "layers": c["layers"], "bidirectional": c["bi"], "head_activation": c["act"],
        "loss": c["loss"], "shape": c["shape"], "optimizer": c["optimizer"], "optimizer_kw": c["kw"],
        "epochs": c["epochs"], "clip": c["clip"], "seed": c["seed"], "sequences": c["n"],
        "torch": torch.__version__,
    }  # fmt: skip
    if c.get("window"):
        meta["bptt_window"] = c["window"]
    arrays["meta"] = np.array(json.dumps(meta))
    return arrays


def main() -> None:
    force = "--force" in sys.argv[1:]
    for out_dir, cases in ((OUT_DIR, CASES), (TBPTT_DIR, TBPTT_CASES)):
        out_dir.mkdir(parents=True, exist_ok=True)
        for c in cases:
            path = out_dir / f"{c['name']}.npz"
            if path.exists() and not force:
                print(f"{path.name}: kept (--force rewrites it)")
                continue
            np.savez_compressed(path, **make_case(c))
            print(f"{path.name}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
