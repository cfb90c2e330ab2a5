"""Generate the PyTorch parity fixtures in ``tests/fixtures/torch/``.

Needs ``torch==2.13.0`` (CPU); the tests that read the fixtures never import torch::

    .venv/bin/python scripts/make_torch_fixtures.py

Every case builds a ``torch.nn.RNN/LSTM/GRU`` (and optionally a ``torch.nn.Linear``
head with a softmax or sigmoid), runs it on a random unbatched sequence with
random ``h_0``/``c_0``, and takes a scalar loss

    L = Σ R_out ⊙ output + Σ R_y ⊙ y + Σ R_logits ⊙ logits + Σ R_hn ⊙ h_n + Σ R_cn ⊙ c_n

so that every upstream gradient the engine accepts is exercised.  torch.nn does not
expose gates, so a manual per-step loop in torch, built from the same parameter
tensors, recomputes every gate.  The script asserts that the loop reproduces
torch.nn's output, h_n, c_n, y and every autograd gradient (to 1e-12 in float64)
before it trusts the loop's gates and its per-step ‖dL/dh_t‖ (``retain_grad`` on
every h_t).  The saved references for output / h_n / c_n / y / gradients are
torch.nn's own.

File layout (``np.savez_compressed``, plain numeric arrays, plus one unicode
``meta`` field holding JSON; loads with ``allow_pickle=False``)::

    meta                        JSON: mode, layers, bidirectional, head, dtype, kind, ...
    param/<state_dict key>      the weights (head.weight / head.bias when there is a head)
    x, h0, c0                   inputs (h0 / c0 absent: the engine's default zeros)
    up/d_output, up/d_y, up/d_logits, up/d_h_n, up/d_c_n   the upstream gradients R_*
    out/output, out/h_n, out/c_n, out/logits, out/y        torch.nn's forward
    gate/l{l}/d{d}/{i,f,g,o | r,z,n}                        [T, H], input time order
    pre/l{l}/d{d}/{a | i,f,g,o | r,z,n}                     pre-activations (not in long files;
                                                            GRU n: W_in x + b_in + r ⊙ (W_hn h + b_hn))
    h/l{l}/d{d}, c/l{l}/d{d}                                hidden / cell state [T, H]
    grad/<key>, grad/x, grad/h0, grad/c0                    torch autograd
    dhnorm/l{l}/d{d}                                        ‖dL/dh_t‖ [T]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

OUT_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch"
MODES = ("rnn_tanh", "rnn_relu", "lstm", "gru")
GATES = {"rnn_tanh": (), "rnn_relu": (), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
PRE = {"rnn_tanh": ("a",), "rnn_relu": ("a",), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
HEADS = ("none", "linear", "softmax", "sigmoid")


def module_for(mode: str, I: int, H: int, L: int, bi: bool) -> torch.nn.Module:
    if mode.startswith("rnn"):
        return torch.nn.RNN(I, H, num_layers=L, bidirectional=bi, nonlinearity=mode[4:])
    cls = torch.nn.LSTM if mode == "lstm" else torch.nn.GRU
    return cls(I, H, num_layers=L, bidirectional=bi)


def sfx(layer: int, d: int) -> str:
    return f"_l{layer}" + ("_reverse" if d else "")


# -- the manual loop: torch's equations, one step at a time -------------------------
def cell_step(mode, x_t, h, c, W_ih, W_hh, b_ih, b_hh):
    """One step; returns (h, c, {gate: value} | {"pre:" + gate: pre-activation})."""
    if mode in ("rnn_tanh", "rnn_relu"):
        a = W_ih @ x_t + b_ih + W_hh @ h + b_hh
        return (torch.tanh(a) if mode == "rnn_tanh" else torch.relu(a)), None, {"pre:a": a}
    if mode == "lstm":
        a = W_ih @ x_t + b_ih + W_hh @ h + b_hh
        ai, af, ag, ao = a.chunk(4)
        i, f, g, o = torch.sigmoid(ai), torch.sigmoid(af), torch.tanh(ag), torch.sigmoid(ao)
        c = f * c + i * g
        gates = {"i": i, "f": f, "g": g, "o": o}
        gates.update({f"pre:{k}": v for k, v in zip("ifgo", (ai, af, ag, ao), strict=True)})
        return o * torch.tanh(c), c, gates
    gi = W_ih @ x_t + b_ih
    gh = W_hh @ h + b_hh
    ir, iz, in_ = gi.chunk(3)
    hr, hz, hn = gh.chunk(3)
    r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
    a_n = in_ + r * hn  # the engine's n pre-activation includes r ⊙ (W_hn h + b_hn)
    n = torch.tanh(a_n)
    pre = {"pre:r": ir + hr, "pre:z": iz + hz, "pre:n": a_n}
    return (1 - z) * n + z * h, None, {"r": r, "z": z, "n": n, **pre}


def manual_forward(mode, params, x, h0, c0, L, D):
    """Returns output, h_n, c_n and per (layer, direction): list of h_t tensors, c_t, gates."""
    inp = x
    T = x.shape[0]
    hs_all, cs_all, gates_all = {}, {}, {}
    h_n, c_n = [], []
    for layer in range(L):
        outs = []
        for d in range(D):
            k = layer * D + d
            W_ih, W_hh = params["weight_ih" + sfx(layer, d)], params["weight_hh" + sfx(layer, d)]
            b_ih, b_hh = params["bias_ih" + sfx(layer, d)], params["bias_hh" + sfx(layer, d)]
            h = h0[k]
            c = c0[k] if c0 is not None else None
            hs, cs, gs = [None] * T, [None] * T, [None] * T
            for t in range(T) if d == 0 else range(T - 1, -1, -1):
                h, c, g = cell_step(mode, inp[t], h, c, W_ih, W_hh, b_ih, b_hh)
                h.retain_grad()
                hs[t], cs[t], gs[t] = h, c, g
            hs_all[layer, d], cs_all[layer, d], gates_all[layer, d] = hs, cs, gs
            h_n.append(h)
            c_n.append(c)
            outs.append(torch.stack(hs))
        inp = torch.cat(outs, dim=1)
    c_n = torch.stack(c_n) if c0 is not None else None
    return inp, torch.stack(h_n), c_n, hs_all, cs_all, gates_all


def head_activation(head: str, logits: torch.Tensor) -> torch.Tensor:
    if head == "softmax":
        return torch.softmax(logits, -1)
    return torch.sigmoid(logits) if head == "sigmoid" else logits


# -- one case -------------------------------------------------------------------------
def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.detach().double(), b.detach().double()
    scale = max(1.0, float(b.abs().max())) if b.numel() else 1.0
    return float((a - b).abs().max()) / scale if b.numel() else 0.0


def assert_close(name, a, b, tol):
    err = rel_err(a, b)
    if not err <= tol:
        raise AssertionError(f"manual loop disagrees with torch.nn on {name}: {err:.3g} > {tol:.1g}")


def make_case(
    mode: str,
    L: int,
    bi: bool,
    head: str,
    *,
    T: int,
    I: int,
    H: int,
    out: int,
    seed: int,
    kind: str,
    dtype=torch.float64,
    scale: float = 1.0,
    with_h0: bool = True,
    last_step_only: bool = False,
) -> dict[str, np.ndarray]:
    torch.manual_seed(seed)
    D = 2 if bi else 1
    m = module_for(mode, I, H, L, bi).to(dtype)
    lin = torch.nn.Linear(D * H, out).to(dtype) if head != "none" else None
    with torch.no_grad():
        for p in m.parameters():
            p.mul_(scale)
        if mode == "rnn_relu" and kind == "long":
            # keep a long ReLU recurrence from exploding: spectral norm of W_hh = 0.9
            for name, p in m.named_parameters():
                if name.startswith("weight_hh"):
                    p.mul_(0.9 / torch.linalg.matrix_norm(p, ord=2))
    x = (scale * torch.randn(T, I, dtype=dtype)).requires_grad_()
    h0 = torch.randn(L * D, H, dtype=dtype) if with_h0 else torch.zeros(L * D, H, dtype=dtype)
    h0.requires_grad_()
    c0 = None
    if mode == "lstm":
        c0 = torch.randn(L * D, H, dtype=dtype) if with_h0 else torch.zeros(L * D, H, dtype=dtype)
        c0.requires_grad_()

    # torch.nn forward
    if mode == "lstm":
        output, (h_n, c_n) = m(x, (h0, c0))
    else:
        output, h_n = m(x, h0)
        c_n = None
    logits = y = None
    if lin is not None:
        logits = lin(output)
        y = head_activation(head, logits)

    # upstream gradients of L = Σ R ⊙ (each output)
    up = {"d_output": torch.randn_like(output), "d_h_n": torch.randn_like(h_n)}
    if c_n is not None:
        up["d_c_n"] = torch.randn_like(c_n)
    if y is not None:
        up["d_y"] = torch.randn_like(y)
        up["d_logits"] = torch.randn_like(logits)
    if last_step_only:  # many-to-one: the loss sees the last step only, so dL/dh_t vanishes back in time
        for k in ("d_output", "d_y", "d_logits"):
            if k in up:
                up[k][:-1] = 0

    def loss_of(output, h_n, c_n, logits, y):
        total = (output * up["d_output"]).sum() + (h_n * up["d_h_n"]).sum()
        if c_n is not None:
            total = total + (c_n * up["d_c_n"]).sum()
        if y is not None:
            total = total + (y * up["d_y"]).sum() + (logits * up["d_logits"]).sum()
        return total

    named = dict(m.named_parameters())
    if lin is not None:
        named["head.weight"], named["head.bias"] = lin.weight, lin.bias
    wrt_names = list(named) + ["x", "h0"] + (["c0"] if c0 is not None else [])
    wrt = list(named.values()) + [x, h0] + ([c0] if c0 is not None else [])
    loss = loss_of(output, h_n, c_n, logits, y)
    nn_grads = dict(zip(wrt_names, torch.autograd.grad(loss, wrt), strict=True))

    # the manual loop, on the same parameter tensors
    man_out, man_hn, man_cn, hs_all, cs_all, gates_all = manual_forward(mode, named, x, h0, c0, L, D)
    man_logits = man_y = None
    if lin is not None:
        man_logits = lin(man_out)
        man_y = head_activation(head, man_logits)
    tol = 1e-12 if dtype == torch.float64 else 2e-5
    assert_close("output", man_out, output, tol)
    assert_close("h_n", man_hn, h_n, tol)
    if c_n is not None:
        assert_close("c_n", man_cn, c_n, tol)
    if y is not None:
        assert_close("y", man_y, y, tol)
    man_loss = loss_of(man_out, man_hn, man_cn, man_logits, man_y)
    flat_h = [h for key in sorted(hs_all) for h in hs_all[key]]
    man = torch.autograd.grad(man_loss, wrt + flat_h)
    for name, g_man, g_nn in zip(wrt_names, man[: len(wrt)], nn_grads.values(), strict=True):
        assert_close(f"d{name}", g_man, g_nn, 10 * tol)
    dh = iter(man[len(wrt) :])

    arrays: dict[str, np.ndarray] = {}

    def put(key, t):
        arrays[key] = t.detach().cpu().numpy().copy()

    for k, p in named.items():
        put(f"param/{k}", p)
    put("x", x)
    if with_h0:
        put("h0", h0)
        if c0 is not None:
            put("c0", c0)
    for k, v in up.items():
        put(f"up/{k}", v)
    put("out/output", output)
    put("out/h_n", h_n)
    if c_n is not None:
        put("out/c_n", c_n)
    if y is not None:
        put("out/logits", logits)
        put("out/y", y)
    for layer, d in sorted(hs_all):
        put(f"h/l{layer}/d{d}", torch.stack(hs_all[layer, d]))
        if mode == "lstm":
            put(f"c/l{layer}/d{d}", torch.stack(cs_all[layer, d]))
        for gname in GATES[mode]:
            put(f"gate/l{layer}/d{d}/{gname}", torch.stack([g[gname] for g in gates_all[layer, d]]))
        for pname in PRE[mode] if kind != "long" else ():  # long files stay small without them
            put(f"pre/l{layer}/d{d}/{pname}", torch.stack([g["pre:" + pname] for g in gates_all[layer, d]]))
        norms = torch.stack([torch.linalg.vector_norm(next(dh)) for _ in range(T)])
        put(f"dhnorm/l{layer}/d{d}", norms)
    for k, g in nn_grads.items():
        put(f"grad/{k}", g)
    assert all(np.all(np.isfinite(a)) for a in arrays.values())
    meta = {
        "mode": mode,
        "layers": L,
        "bidirectional": bi,
        "head": head,
        "dtype": "float64" if dtype == torch.float64 else "float32",
        "kind": kind,
        "T": T,
        "input_size": I,
        "hidden_size": H,
        "weight_scale": scale,
        "last_step_only": last_step_only,
        "seed": seed,
        "torch": torch.__version__,
    }
    arrays["meta"] = np.array(json.dumps(meta))
    return arrays


def case_name(kind, mode, L, bi, head) -> str:
    """e.g. ``lstm_L2_bi_softmax``; non-grid kinds are prefixed (``long_``, ``saturated_``, ``float32_``)."""
    prefix = "" if kind == "grid" else f"{kind}_"
    return f"{prefix}{mode}_L{L}_{'bi' if bi else 'uni'}_{head}"


def all_cases():
    """(name, kwargs) for every fixture."""
    seed = 1000
    for mi, mode in enumerate(MODES):
        for L in (1, 2, 3):
            for bi in (False, True):
                seed += 1
                head = HEADS[(mi + L + bi) % 4]
                kw = dict(T=5 + L, I=3, H=3, out=4, seed=seed, kind="grid", with_h0=(seed % 3 != 0))
                yield case_name("grid", mode, L, bi, head), (mode, L, bi, head), kw
    for mi, mode in enumerate(MODES):
        head = ("sigmoid", "none", "softmax", "linear")[mi]
        kw = dict(T=1000, I=1, H=2, out=2, seed=2000 + mi, kind="long", last_step_only=mi % 2 == 0)
        yield case_name("long", mode, 2, True, head), (mode, 2, True, head), kw
    for mi, mode in enumerate(MODES):
        head = ("softmax", "sigmoid", "linear", "softmax")[mi]
        kw = dict(T=8, I=3, H=3, out=3, seed=3000 + mi, kind="saturated", scale=25.0)
        yield case_name("saturated", mode, 2, True, head), (mode, 2, True, head), kw
    for mode, L, bi, head, seed in (("lstm", 2, True, "softmax", 4001), ("gru", 1, False, "sigmoid", 4002)):
        kw = dict(T=12, I=3, H=4, out=3, seed=seed, kind="float32", dtype=torch.float32)
        yield case_name("float32", mode, L, bi, head), (mode, L, bi, head), kw


def main() -> int:
    assert torch.__version__.startswith("2.13.0"), (
        f"fixtures are made with torch 2.13.0, not {torch.__version__}"
    )
    torch.set_num_threads(1)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for old in OUT_DIR.glob("*.npz"):
        old.unlink()
    total = 0
    for name, args, kw in all_cases():
        arrays = make_case(*args, **kw)
        path = OUT_DIR / f"{name}.npz"
        np.savez_compressed(path, **arrays)
        size = path.stat().st_size
        total += size
        print(f"{path.name:45s} {size / 1024:8.1f} KiB")
    print(f"total {total / 1024:.1f} KiB in {OUT_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
