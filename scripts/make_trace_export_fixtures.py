"""Generate the PyTorch references for the trace CSV's loss and gradient columns.

Needs ``torch==2.13.0`` (CPU); the tests that read the fixtures never import torch::

    .venv/bin/python scripts/make_trace_export_fixtures.py

Each case is a session as the app holds it (zero initial state, targets with NaN at
steps that do not count) with the loss its head implies, computed by torch.nn.functional
on the counted steps::

    softmax head   F.cross_entropy(logits[m], probabilities[m])          (mean over steps)
    sigmoid head   F.binary_cross_entropy_with_logits(logits[m], t[m])   (mean over elements)
    linear head    F.mse_loss(y[m], t[m]);  no head: F.mse_loss(output[m], t[m])

A per-step loop in torch (scripts/make_torch_fixtures.py's, checked here against
torch.nn's output and parameter gradients) keeps every h_t and c_t, so autograd gives
the total derivatives ∂L/∂h_t and ∂L/∂c_t the CSV exports.

File layout (``np.savez_compressed``, plain numeric arrays plus one JSON ``meta``;
loads with ``allow_pickle=False``)::

    meta                     JSON: mode, layers, bidirectional, head, shape, loss, torch version
    param/<state_dict key>   the weights (head.* when there is a head)
    x [T, I], targets [T, O] the sequence (NaN: no target at that step)
    loss [], loss_t [T]      L and ℓ_t (NaN where the step does not count)
    dh/l{l}/d{d} [T, H]      ∂L/∂h_t, input time order
    dc/l{l}/d{d} [T, H]      ∂L/∂c_t (LSTM)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_torch_fixtures import assert_close, head_activation, manual_forward, module_for  # noqa: E402

OUT_DIR = Path(__file__).resolve().parent.parent / "tests" / "session" / "fixtures" / "trace_export"
LOSS_BY_HEAD = {"softmax": "cross_entropy", "sigmoid": "bce", "linear": "mse", "none": "mse"}

#: name: (mode, layers, bidirectional, head, shape, T, I, H, outputs, seed)
CASES = {
    "lstm_L2_bi_softmax_many_to_many": ("lstm", 2, True, "softmax", "many_to_many", 6, 3, 3, 4, 5001),
    "gru_L1_uni_sigmoid_many_to_one": ("gru", 1, False, "sigmoid", "many_to_one", 7, 2, 4, 2, 5002),
    "rnn_tanh_L2_uni_linear_many_to_many": ("rnn_tanh", 2, False, "linear", "many_to_many", 5, 2, 3, 2, 5003),
    "rnn_tanh_L1_bi_none_many_to_one": ("rnn_tanh", 1, True, "none", "many_to_one", 6, 2, 2, 4, 5004),
    "lstm_L1_uni_none_many_to_many": ("lstm", 1, False, "none", "many_to_many", 5, 2, 3, 3, 5005),
}


def targets_for(head: str, shape: str, T: int, O: int) -> torch.Tensor:
    """One-hot classes (softmax), 0/1 labels (sigmoid) or real values; NaN where not counted."""
    if head == "softmax":
        t = F.one_hot(torch.randint(0, O, (T,)), O).double()
    elif head == "sigmoid":
        t = torch.randint(0, 2, (T, O)).double()
    else:
        t = torch.randn(T, O, dtype=torch.float64)
    if shape == "many_to_one":
        t[:-1] = float("nan")
    return t


def losses(head: str, pred: torch.Tensor, t: torch.Tensor, mask: torch.Tensor):
    """(L, ℓ_t for the counted steps): the loss the head implies, on the counted steps."""
    p, y = pred[mask], t[mask]
    if head == "softmax":
        per = F.cross_entropy(p, y, reduction="none")  # [N]
        return F.cross_entropy(p, y), per
    if head == "sigmoid":
        per = F.binary_cross_entropy_with_logits(p, y, reduction="none").mean(dim=1)  # [N]
        return F.binary_cross_entropy_with_logits(p, y), per
    per = F.mse_loss(p, y, reduction="none").mean(dim=1)  # [N]
    return F.mse_loss(p, y), per


def make_case(mode, L, bi, head, shape, T, I, H, O, seed) -> dict[str, np.ndarray]:
    torch.manual_seed(seed)
    D = 2 if bi else 1
    m = module_for(mode, I, H, L, bi).double()
    lin = torch.nn.Linear(D * H, O).double() if head != "none" else None
    if lin is None:
        O = D * H  # no head: the targets are compared with h_t (the top layer) itself
    x = torch.randn(T, I, dtype=torch.float64)
    t = targets_for(head, shape, T, O)
    mask = torch.zeros(T, dtype=torch.bool)
    mask[-1 if shape == "many_to_one" else slice(None)] = True
    named = dict(m.named_parameters())
    if lin is not None:
        named["head.weight"], named["head.bias"] = lin.weight, lin.bias
    h0 = torch.zeros(L * D, H, dtype=torch.float64)
    c0 = torch.zeros(L * D, H, dtype=torch.float64) if mode == "lstm" else None

    def prediction(output):
        if lin is None:
            return output
        logits = lin(output)
        return head_activation(head, logits) if head == "linear" else logits  # CE / BCE take logits

    nn_out = m(x, (h0, c0))[0] if mode == "lstm" else m(x, h0)[0]
    nn_loss, _ = losses(head, prediction(nn_out), t, mask)
    nn_grads = torch.autograd.grad(nn_loss, list(named.values()))
    out, _, _, hs, cs, _ = manual_forward(mode, named, x, h0, c0, L, D)
    assert_close("output", out, nn_out, 1e-12)
    loss, per = losses(head, prediction(out), t, mask)
    keys = sorted(hs)
    states = [h for k in keys for h in hs[k]] + ([c for k in keys for c in cs[k]] if mode == "lstm" else [])
    got = torch.autograd.grad(loss, list(named.values()) + states)
    for name, a, b in zip(named, got, nn_grads, strict=False):
        assert_close(f"d{name}", a, b, 1e-11)
    d_states = iter(got[len(named) :])
    arrays = {f"param/{k}": p.detach().numpy().copy() for k, p in named.items()}
    arrays["x"], arrays["targets"] = x.numpy(), t.numpy()
    loss_t = np.full(T, np.nan)
    loss_t[mask.numpy()] = per.detach().numpy()
    arrays["loss"], arrays["loss_t"] = np.array(loss.item()), loss_t
    for kind in ("dh", "dc") if mode == "lstm" else ("dh",):
        for layer, d in keys:
            arrays[f"{kind}/l{layer}/d{d}"] = torch.stack([next(d_states) for _ in range(T)]).numpy()
    meta = {
        "mode": mode,
        "layers": L,
        "bidirectional": bi,
        "head": head,
        "shape": shape,
        "loss": LOSS_BY_HEAD[head],
        "seed": seed,
        "torch": torch.__version__,
    }
    arrays["meta"] = np.array(json.dumps(meta))
    return arrays


def main() -> int:
    assert torch.__version__.startswith("2.13.0"), (
        f"fixtures are made with torch 2.13.0, not {torch.__version__}"
    )
    torch.set_num_threads(1)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, args in CASES.items():
        path = OUT_DIR / f"{name}.npz"
        np.savez_compressed(path, **make_case(*args))
        print(f"{path.name:45s} {path.stat().st_size / 1024:6.1f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
