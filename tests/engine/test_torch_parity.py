"""The engine against PyTorch 2.13, through committed fixtures (torch is never imported).

``scripts/make_torch_fixtures.py`` made every file in ``tests/fixtures/torch/`` with
torch.nn.RNN/LSTM/GRU (+ Linear head), and checked its own per-step loop against
torch.nn before saving the gates and ‖dL/dh_t‖ it computed.  Each file is one case;
a failure lists every array that disagrees.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from rnnviz.engine import Network

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "torch"
FILES = sorted(FIXTURES.glob("*.npz"))
MODES = ("rnn_tanh", "rnn_relu", "lstm", "gru")
GATES = {"rnn_tanh": set(), "rnn_relu": set(), "lstm": {"i", "f", "g", "o"}, "gru": {"r", "z", "n"}}
MAX_FIXTURE_BYTES = 2_000_000  # a fixture is small; refuse anything that is not
MAX_ARRAY_ELEMENTS = 100_000


def load(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    assert path.stat().st_size < MAX_FIXTURE_BYTES, f"{path.name} is suspiciously large"
    with np.load(path, allow_pickle=False) as z:
        arrays = {}
        for key in z.files:
            a = z[key]
            assert a.size <= MAX_ARRAY_ELEMENTS, f"{path.name}:{key} has {a.size} elements"
            arrays[key] = a
    meta = json.loads(str(arrays.pop("meta")))
    return meta, arrays


def build(meta: dict, arrays: dict[str, np.ndarray]) -> Network:
    state = {k.removeprefix("param/"): v for k, v in arrays.items() if k.startswith("param/")}
    act = None if meta["head"] in ("none", "linear") else meta["head"]
    return Network.from_state_dict(
        state, mode=meta["mode"], head_activation=act, dtype=np.dtype(meta["dtype"])
    )


def tolerances(meta: dict) -> tuple[float, float]:
    """(rtol, atol relative to the reference's largest magnitude)."""
    return (1e-9, 1e-10) if meta["dtype"] == "float64" else (2e-4, 2e-5)


class Mismatches(list):
    def check(self, name: str, actual, expected, rtol: float, atol_rel: float) -> None:
        if actual is None or expected is None:
            if (actual is None) != (expected is None):
                self.append(f"{name}: engine {actual is not None}, torch {expected is not None}")
            return
        actual = np.asarray(actual)
        expected = np.asarray(expected)
        if actual.shape != expected.shape:
            self.append(f"{name}: shape {actual.shape} vs torch {expected.shape}")
            return
        if not np.all(np.isfinite(actual)):
            self.append(f"{name}: engine gives non-finite values")
            return
        atol = atol_rel * max(1.0, float(np.abs(expected).max(initial=0.0)))
        bad = np.abs(actual - expected) > atol + rtol * np.abs(expected)
        if bad.any():
            err = np.abs(actual - expected).max()
            self.append(f"{name}: {int(bad.sum())}/{bad.size} entries off, max |diff| {err:.3g}")

    def assert_empty(self, case: str) -> None:
        assert not self, f"{case} disagrees with torch:\n  " + "\n  ".join(self)


def upstream(arrays, key):
    return arrays.get(f"up/{key}")


@pytest.fixture(params=FILES, ids=[p.stem for p in FILES])
def case(request):
    meta, arrays = load(request.param)
    return request.param.stem, meta, arrays


def run_forward(meta, arrays):
    net = build(meta, arrays)
    trace = net.forward(arrays["x"], arrays.get("h0"), arrays.get("c0"))
    return net, trace


def test_forward_matches_torch(case):
    name, meta, arrays = case
    _, trace = run_forward(meta, arrays)
    rtol, atol = tolerances(meta)
    bad = Mismatches()
    bad.check("output", trace.output, arrays["out/output"], rtol, atol)
    bad.check("h_n", trace.h_n, arrays["out/h_n"], rtol, atol)
    bad.check("c_n", trace.c_n, arrays.get("out/c_n"), rtol, atol)
    bad.check("logits", trace.y_logits, arrays.get("out/logits"), rtol, atol)
    bad.check("y", trace.y, arrays.get("out/y"), rtol, atol)
    D = 2 if meta["bidirectional"] else 1
    for layer, d in itertools.product(range(meta["layers"]), range(D)):
        where = f"l{layer}/d{d}"
        bad.check(f"h/{where}", trace.hidden(layer, d), arrays[f"h/{where}"], rtol, atol)
        if meta["mode"] == "lstm":
            bad.check(f"c/{where}", trace.cell(layer, d), arrays[f"c/{where}"], rtol, atol)
        gates = trace.gates(layer, d)
        if set(gates) != GATES[meta["mode"]]:
            bad.append(f"gates {where}: keys {sorted(gates)}")
        for g in sorted(GATES[meta["mode"]] & set(gates)):
            bad.check(f"gate {g} {where}", gates[g], arrays[f"gate/{where}/{g}"], rtol, atol)
        pre = trace.preactivations(layer, d)
        for key in sorted(k for k in arrays if k.startswith(f"pre/{where}/")):
            g = key.rsplit("/", 1)[1]
            bad.check(f"pre-activation {g} {where}", pre.get(g), arrays[key], rtol, atol)
    bad.assert_empty(name)


def test_backward_matches_torch(case):
    name, meta, arrays = case
    net, trace = run_forward(meta, arrays)
    grads = net.backward(
        trace,
        upstream(arrays, "d_output"),
        d_y=upstream(arrays, "d_y"),
        d_h_n=upstream(arrays, "d_h_n"),
        d_c_n=upstream(arrays, "d_c_n"),
        d_logits=upstream(arrays, "d_logits"),
    )
    rtol, atol = tolerances(meta)
    bad = Mismatches()
    expected_keys = {k.removeprefix("grad/") for k in arrays if k.startswith("grad/")}
    if set(grads) != expected_keys:
        bad.append(f"gradient keys: engine {sorted(grads)}, torch {sorted(expected_keys)}")
    for key in sorted(expected_keys & set(grads)):
        bad.check(f"grad {key}", grads[key], arrays[f"grad/{key}"], rtol, atol)
    D = 2 if meta["bidirectional"] else 1
    for layer, d in itertools.product(range(meta["layers"]), range(D)):
        # no scale-relative atol: a long many-to-one case's norms vanish to 1e-100 and below
        ref = arrays[f"dhnorm/l{layer}/d{d}"]
        bad.check(f"dh_norm l{layer}/d{d}", grads.dh_norm(layer, d), ref, rtol, 1e-300)
    bad.assert_empty(name)


# -- the set itself ---------------------------------------------------------------------
def all_meta() -> dict[str, tuple[dict, dict[str, np.ndarray]]]:
    return {p.stem: load(p) for p in FILES}


def test_fixture_set_is_complete():
    cases = all_meta()
    grid = {(m["mode"], m["layers"], m["bidirectional"]) for m, _ in cases.values() if m["kind"] == "grid"}
    wanted = set(itertools.product(MODES, (1, 2, 3), (False, True)))
    assert wanted - grid == set(), f"grid cases missing: {sorted(wanted - grid)}"
    by_kind = {}
    for m, arrays in cases.values():
        by_kind.setdefault(m["kind"], []).append((m, arrays))
    assert {m["mode"] for m, a in by_kind.get("long", []) if a["x"].shape[0] >= 1000} == set(MODES)
    assert {m["mode"] for m, _ in by_kind.get("saturated", []) if m["weight_scale"] >= 25} == set(MODES)
    assert {m["dtype"] for m, _ in by_kind.get("float32", [])} == {"float32"}
    assert {m["head"] for m, _ in cases.values()} == {"none", "linear", "softmax", "sigmoid"}
    # the default h0 = c0 = 0 path is covered, as is a many-to-one long case where dL/dh_t vanishes
    assert any("h0" not in a for _, a in cases.values())
    assert any(m.get("last_step_only") for m, _ in by_kind["long"])
    # pre-activations: every layer and direction of every short case
    for m, arrays in cases.values():
        if m["kind"] != "long":
            D = 2 if m["bidirectional"] else 1
            pre = {k.rsplit("/", 1)[0] for k in arrays if k.startswith("pre/")}
            assert pre == {f"pre/l{l}/d{d}" for l in range(m["layers"]) for d in range(D)}, m


def test_fixtures_were_made_by_torch_2_13():
    versions = {m["torch"] for m, _ in all_meta().values()}
    assert all(v.startswith("2.13.0") for v in versions), versions


def test_saturated_fixtures_really_saturate():
    """A saturated case must push gates to 0/1, or it tests nothing new."""
    for m, arrays in all_meta().values():
        if m["kind"] != "saturated" or m["mode"] not in ("lstm", "gru"):
            continue
        gates = np.concatenate(
            [a.ravel() for k, a in arrays.items() if k.startswith("gate/") and k[-1] != "n"]
        )
        frac = np.mean((gates < 1e-3) | (gates > 1 - 1e-3))
        assert frac > 0.5, f"{m['mode']}: only {frac:.0%} of the gates saturate"
