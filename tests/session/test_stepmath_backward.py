"""The backward page and the loss lines, against central differences and the course.

The truth for step t's numbers: split the sequence at t.  Steps before t run with the
network as it is; step t runs with a perturbed copy (its bias, W_hh or W_ih); the head
at t and the rest of the sequence read a perturbed h_t (or c_t).  Differencing the
engine's mean loss of the pieces gives step t's share of each gradient, ∂L/∂h_t and
each gate's ∂L/∂(pre-activation) — never the engine's own backward pass.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.losses import compute_loss
from rnnviz.session.defaults import default_session
from rnnviz.session.files import load_session
from rnnviz.session.model import Sequence, Session
from rnnviz.session.stepmath import (
    build_backward_math,
    build_step_math,
    export_math,
    gradients_for,
    parse_number,
    step_math_markdown,
)

EPS = 1e-6
SEED004 = "resources/examples/02_basic_rnn_two_steps_seed004.rnnviz"
HEADS = {  # head activation → loss, as the app picks it
    "softmax": "cross_entropy",
    "sigmoid": "bce",
    "linear": "mse",
    "none": "mse",
}


def _at(step, layer=0, direction=0, unit=0):
    return SimpleNamespace(step=step, layer=layer, direction=direction, unit=unit)


def _cells(block) -> list[float]:
    return [parse_number(row[0]) for row in block.cells]


# ── the course's numbers ──────────────────────────────────────────────────────


def test_seed003_forward_page_ends_with_the_target_and_the_loss():
    s = default_session()
    trace, loss, _ = gradients_for(s)
    sm = build_step_math(trace, step=1, labels=s.sequence.vocabulary, loss=loss, targets=s.targets)
    assert sm.line("loss:target").title == "target: “love”"
    ell = sm.line("loss:l")
    assert ell.formula.endswith("= −ln y_{1}[love]")
    shown = [p.cells[0][0] for p in ell.parts if not isinstance(p, str)]
    assert shown == ["0.1707", "1.7676"]  # ℓ_1 = −ln 0.1707 = 1.7676
    assert abs(-np.log(float(sm.line("head:y").result.full[1, 0])) - 1.7676) < 5e-5
    # L is the mean of the four ℓ_t, each −ln of the probability of the next word
    y = trace.y  # [4, 5]
    nxt = [1, 2, 3, 4]
    L = np.mean([-np.log(y[t, k]) for t, k in enumerate(nxt)])
    assert sm.line("loss:L").result.cells[0][0] == f"{L:.4f}"
    assert "(1.7676 + " in sm.line("loss:L").parts[0]


def test_forward_page_without_a_loss_has_no_loss_lines():
    s = default_session()
    sm = build_step_math(s.network.forward(s.inputs), step=1)
    assert not [ln for ln in sm.lines if ln.key.startswith("loss:")]


def test_export_math_writes_the_loss_on_the_forward_page(tmp_path):
    s = default_session()
    md = export_math(s, s.network.forward(s.inputs), 1, tmp_path / "f.md")
    assert r"\ell_{1} = -\ln" in md and "1.7676" in md and "0.1707" in md
    assert "### Loss at step 1" in md


@pytest.mark.parametrize(
    ("step", "y", "target", "error"), [(1, "0.5299", "0.3", "0.2299"), (2, "0.8791", "0.5", "0.3791")]
)
def test_seed004_error_is_the_course_error(step, y, target, error):
    """“Error = y_1 − y = 0.5299 − 0.3 = 0.2299”: L = (ℓ_1 + ℓ_2)/2, so ∂L/∂y_t = (2/2)·e_t = e_t."""
    s = load_session(SEED004)
    trace, loss, grads = gradients_for(s)
    sm = build_backward_math(s, trace, loss, grads, _at(step))
    err = sm.line("back:error")
    assert [p.cells[0][0] for p in err.parts if not isinstance(p, str)] == [y, target, error]
    dy = sm.line("back:dy")
    assert dy.formula == f"(2/2) e_{{{step}}} = e_{{{step}}}"
    assert dy.result.cells[0][0] == error
    assert sm.line("back:dh_out").result.cells[0][0] == error  # y_t = h_t: no output layer
    # the engine's ∂L/∂y_t is 2·(y_t − y)/N with N = 2: the course's error itself
    assert abs(float(dy.result.full[0, 0]) - (float(y) - float(target))) < 5e-5
    md = export_math(s, trace, step, page="backward")
    assert f"e_{{{step}}} = y_{{{step}}} - y^{{*}}_{{{step}}}" in md
    assert f"= {y} - {target} = " in md  # scalars as numbers, not 1×1 matrices


def test_without_targets_the_backward_page_says_how_to_add_one():
    s = default_session()
    s = Session(network=s.network, sequence=Sequence(inputs=s.inputs))
    trace, loss, grads = gradients_for(s)
    assert loss is None and grads is None
    sm = build_backward_math(s, trace, None, None, _at(1))
    assert sm.lines == () and "no target" in sm.note and "+ Target" in sm.note
    assert "no target" in step_math_markdown(sm)
    assert "no target" in export_math(s, trace, 1, page="backward")


def test_bad_page_is_refused():
    s = default_session()
    with pytest.raises(ValueError, match="page"):
        export_math(s, s.network.forward(s.inputs), 1, page="sideways")


# ── central differences ───────────────────────────────────────────────────────


def _session(mode: str, head: str, T: int = 4, seed: int = 0, shape: str = "many_to_many") -> Session:
    out = 0 if head == "none" else 3
    act = None if head in ("none", "linear") else head
    spec = NetworkSpec(mode, 2, 3 if head == "none" else 4, 1, False, out, act)
    net = Network.from_spec(spec, seed=seed)
    rng = np.random.default_rng(seed + 1)
    x = rng.normal(size=(T, 2))
    O = out or 3
    if HEADS[head] == "cross_entropy":
        targets = np.eye(O)[rng.integers(0, O, size=T)]
    elif HEADS[head] == "bce":
        targets = rng.random((T, O))
    else:
        targets = rng.normal(size=(T, O))
    return Session(network=net, sequence=Sequence(inputs=x, targets=targets, shape=shape))


class Split:
    """The loss as a function of one step's parameters and state (single layer, one direction)."""

    def __init__(self, s: Session):
        self.net, self.x, self.y = s.network, s.inputs, s.targets
        self.name = HEADS[s.network.head_activation or ("linear" if s.network.has_head else "none")]
        self.mask = "many_to_one" if s.sequence.shape == "many_to_one" else "many_to_many"

    def pred(self, tr) -> np.ndarray:
        if not self.net.has_head:
            return tr.output
        return tr.y if self.name == "mse" else tr.y_logits

    def head(self, h, W=None) -> np.ndarray:
        if not self.net.has_head:
            return h
        z = (self.net.param("head.weight") if W is None else W) @ h + self.net.param("head.bias")  # [O]
        if self.name != "mse":
            return z
        act = self.net.head_activation
        if act == "softmax":
            e = np.exp(z - z.max())
            return e / e.sum()
        return 1 / (1 + np.exp(-z)) if act == "sigmoid" else z

    def loss(self, t, step=None, dh_head=0.0, dh_rec=0.0, dc=None, W_head=None, pred_t=None) -> float:
        """L with step t (0-based) run by ``step`` params, h_t nudged for the head / the recurrence."""
        net = self.net
        rows = []
        h0 = c0 = None
        if t > 0:
            a = net.forward(self.x[:t])
            rows.append(self.pred(a))
            h0, c0 = a.h_n, a.c_n
        b = (net.with_params(step) if step else net).forward(self.x[t : t + 1], h0=h0, c0=c0)
        h, c = b.h_n[0], None if b.c_n is None else b.c_n[0]
        if dc is not None:  # c_t moves h_t = o_t ⊙ tanh(c_t) too
            o = b.gates()["o"][0]
            c = c + dc
            h = o * np.tanh(c)
        rows.append(self.head(h + dh_head, W_head)[None] if pred_t is None else pred_t[None])
        if t + 1 < len(self.x):
            rows.append(
                self.pred(
                    net.forward(self.x[t + 1 :], h0=(h + dh_rec)[None], c0=None if c is None else c[None])
                )
            )
        return compute_loss(self.name, np.concatenate(rows), self.y, self.mask).loss

    def full(self, key, idx, e) -> float:
        p = self.net.param(key).copy()
        p[idx] += e
        return compute_loss(
            self.name, self.pred(self.net.with_params({key: p}).forward(self.x)), self.y, self.mask
        ).loss


def _cd(f, shape) -> np.ndarray:
    out = np.zeros(shape)
    for idx in np.ndindex(*shape):
        e = np.zeros(shape)
        e[idx] = EPS
        out[idx] = (f(e) - f(-e)) / (2 * EPS)
    return out


def _step_param(sp: Split, key: str, rows: slice):
    """f(e): L with step t's ``key`` rows nudged by e (a [H] or [H, C] array)."""
    base = sp.net.param(key)

    def at(t):
        def f(e):
            p = base.copy()
            p[rows] += e
            return sp.loss(t, step={key: p})

        return f

    return at


def _close(shown, truth, what):
    np.testing.assert_allclose(shown, truth, rtol=1e-5, atol=1e-8, err_msg=what)


@pytest.mark.parametrize("mode", ["rnn_tanh", "rnn_relu", "lstm", "gru"])
@pytest.mark.parametrize("head", ["softmax", "sigmoid", "linear", "none"])
def test_backward_page_numbers_equal_central_differences(mode, head):
    s = _session(mode, head)
    trace, loss, grads = gradients_for(s)
    for step in range(1, trace.steps + 1):
        _check_step(s, build_backward_math(s, trace, loss, grads, _at(step), decimals=6), step - 1)


def _check_step(s: Session, sm, t: int) -> None:
    sp, net = Split(s), s.network
    H, gates = net.hidden_size, net.spec.gate_names
    # the error at the output: the loss differenced in the prediction itself
    pred = sp.pred(net.forward(s.inputs))[t]
    key = "back:dy" if sp.name == "mse" else "back:dz"
    _close(sm.line(key).result.full[:, 0], _cd(lambda e: sp.loss(t, pred_t=pred + e), pred.shape), key)
    # ∂L/∂h_t: from the output, from the next step, and the total
    dh = _cd(lambda e: sp.loss(t, dh_head=e, dh_rec=e), (H,))
    _close(sm.line("back:dh").result.full[:, 0], dh, "dh")
    _close(sm.line("back:dh_out").result.full[:, 0], _cd(lambda e: sp.loss(t, dh_head=e), (H,)), "dh_out")
    rec = sum(ln.result.full[:, 0] for ln in sm.lines if ln.key in ("back:dh_next", "back:dh_skip"))
    _close(rec, _cd(lambda e: sp.loss(t, dh_rec=e), (H,)), "dh_next")
    if net.mode == "lstm":
        _close(sm.line("back:dc").result.full[:, 0], _cd(lambda e: sp.loss(t, dc=e), (H,)), "dc")
    # each gate's ∂L/∂(pre-activation) = step t's share of ∂L/∂b_ih
    for k, g in enumerate(gates):
        rows = slice(k * H, (k + 1) * H)
        sfx = "" if len(gates) == 1 else f":{g}"
        truth = _cd(_step_param(sp, "bias_ih_l0", rows)(t), (H,))
        _close(sm.line(f"back:dpre:{g}").result.full[:, 0], truth, f"dpre {g}")
        _close(sm.line(f"back:db{sfx}").result.full[:, 0], truth, f"db {g}")
        for wkey, line in (("weight_hh_l0", "back:dW_hh"), ("weight_ih_l0", "back:dW_ih")):
            C = net.param(wkey).shape[1]
            ln = sm.line(line + sfx)
            _close(ln.result.full, _cd(_step_param(sp, wkey, rows)(t), (H, C)), f"{line}{sfx} step {t + 1}")
            total = _cd(_full_param(sp, wkey, rows), (H, C))
            _close(ln.aside[-1].full[rows], total, f"{line}{sfx} total")
    if net.has_head:
        W = net.param("head.weight")
        _close(sm.line("back:dW_hy").result.full, _cd(lambda e: sp.loss(t, W_head=W + e), W.shape), "dW_hy")
        total = _cd(_full_param(sp, "head.weight", slice(None)), W.shape)
        _close(sm.line("back:dW_hy").aside[-1].full, total, "W_hy total")


def _full_param(sp: Split, key: str, rows: slice):
    return lambda e: sp.full(key, (rows, slice(None)), e)


def test_many_to_one_earlier_steps_have_no_error():
    s = _session("rnn_tanh", "sigmoid", T=4, shape="many_to_one")
    s = Session(
        network=s.network,
        sequence=Sequence(inputs=s.inputs, targets=s.targets[-1:].repeat(4, 0), shape="many_to_one"),
    )
    trace, loss, grads = gradients_for(s)
    sm = build_backward_math(s, trace, loss, grads, _at(2))
    assert "does not count" in sm.line("loss:target").parts[0]
    assert np.all(sm.line("back:dz").result.full == 0)
    assert np.all(sm.line("back:dh_out").result.full == 0)
    assert np.any(sm.line("back:dh").result.full != 0)  # the last step's error still reaches h_2
    assert sm.line("loss:L").formula == "ℓ_{4}"


@pytest.mark.parametrize("mode", ["rnn_tanh", "lstm", "gru"])
def test_stacked_and_bidirectional_pages_add_up(mode):
    """Two layers, both directions: ∂L/∂h_t = (from above or the output) + (the next step), and
    the weight totals are the engine's.  (Their step shares are checked above, one layer.)"""
    net = Network.from_spec(NetworkSpec(mode, 2, 3, 2, True, 2, "sigmoid"), seed=2)
    rng = np.random.default_rng(3)
    s = Session(network=net, sequence=Sequence(inputs=rng.normal(size=(5, 2)), targets=rng.random((5, 2))))
    trace, loss, grads = gradients_for(s)
    for layer in range(2):
        for direction in range(2):
            for step in (1, 3, 5):
                sm = build_backward_math(s, trace, loss, grads, _at(step, layer, direction))
                first = "back:dh_out" if layer == 1 else "back:dh_above"
                terms = [
                    ln.result.full[:, 0]
                    for ln in sm.lines
                    if ln.key in (first, "back:dh_next", "back:dh_skip")
                ]
                np.testing.assert_allclose(sum(terms), grads.dh(layer, direction)[step - 1], atol=1e-12)
                edge = (step == 5 and direction == 0) or (step == 1 and direction == 1)
                assert ("none" in sm.line("back:dh_next").title) == edge
                sfx = "_reverse" if direction else ""
                total = sm.lines[[ln.key.startswith("back:dW_hh") for ln in sm.lines].index(True)].aside[-1]
                assert total.caption.startswith(f"weight_hh_l{layer}{sfx}.grad")
                assert sm.title.endswith(f"(layer {layer + 1}, {'backward' if direction else 'forward'})")


def test_step_zero_shows_the_initial_state_gradient():
    s = _session("lstm", "linear")
    trace, loss, grads = gradients_for(s)
    sm = build_backward_math(s, trace, loss, grads, _at(0))
    assert [ln.key for ln in sm.lines] == ["back:dh0", "back:dc0"]
    np.testing.assert_allclose(sm.line("back:dh0").result.full[:, 0], grads["h0"][0])


def _evaluate(parts) -> np.ndarray:
    """The left of the first “=” of an element-wise line: ⊙ before + and −."""
    terms, sign, prod = [], 1.0, None
    for p in parts:
        if p == "=":
            break
        if isinstance(p, str):
            if p in ("+", "−"):
                terms.append(sign * prod)
                sign, prod = (1.0 if p == "+" else -1.0), None
            continue
        v = p.full[:, 0]
        prod = v if prod is None else prod * v
    terms.append(sign * prod)
    return sum(terms)


@pytest.mark.parametrize("mode", ["rnn_tanh", "rnn_relu", "lstm", "gru"])
def test_every_elementwise_line_adds_up_as_shown(mode):
    """The factors shown (1 − h_t², o(1 − o), h_{t−1} − n_t …) multiply to the result shown."""
    s = _session(mode, "linear", T=5)
    trace, loss, grads = gradients_for(s)
    keys = ("back:error", "back:dh", "back:dh_skip", "back:dc")
    for step in range(1, 6):
        sm = build_backward_math(s, trace, loss, grads, _at(step))
        checked = 0
        for ln in sm.lines:
            if ln.key in keys or ln.key.startswith("back:dpre:"):
                np.testing.assert_allclose(
                    _evaluate(ln.parts), ln.result.full[:, 0], atol=1e-12, err_msg=ln.key
                )
                checked += 1
        assert checked >= {"rnn_tanh": 3, "rnn_relu": 3, "lstm": 7, "gru": 5}[mode]


def test_targets_that_give_no_loss_are_explained():
    s = default_session()
    cols = Session(network=s.network, sequence=Sequence(inputs=s.inputs, targets=np.zeros((4, 2))))
    trace, loss, grads = gradients_for(cols)
    assert loss is None
    assert "2 target column(s) for 5 output(s)" in build_backward_math(cols, trace, None, None, _at(1)).note
    t = np.array(s.targets)
    t[2] = np.nan
    blank = Session(network=s.network, sequence=replace(s.sequence, targets=t))
    trace, loss, grads = gradients_for(blank)
    assert loss is None
    note = build_backward_math(blank, trace, None, None, _at(1)).note
    assert "step 3 has a blank target" in note and "many-to-one" in note


def test_gradients_of_another_network_are_not_shown():
    """A new trace can arrive before its gradients: the page waits instead of failing."""
    s = default_session()
    _, loss, grads = gradients_for(s)
    bigger = Network.from_spec(NetworkSpec("lstm", 5, 4, 1, False, 5, "softmax"), seed=0)
    other = Session(network=bigger, sequence=s.sequence)
    sm = build_backward_math(other, bigger.forward(s.inputs), loss, grads, _at(1))
    assert sm.lines == () and "not computed yet" in sm.note
