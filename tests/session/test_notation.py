"""One notation throughout (issue 18 §1): the course's W_hx, W_hh, b_h, W_hy, with the gate
letter in place of h for gates (W_fx, W_fh, b_f), and PyTorch's name beside each symbol."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from rnnviz.engine import GATE_NAMES, Network, NetworkSpec, init_state_dict
from rnnviz.session import Sequence, Session
from rnnviz.session import notation as nt
from rnnviz.session.compute import compute
from rnnviz.session.defaults import SEED003_NOTE, default_session
from rnnviz.session.files import load_session
from rnnviz.session.stepmath import StepCursor, build_backward_math, build_step_math, step_math_markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_legacy_names_are_found_in_plain_and_tex_form_and_course_names_are_not():
    text = "W_h·x_1, U_h·h_0, W_y·h_1, W_{hf}, b_ig, W_in x + b_in, W_hi"
    assert nt.legacy_names_in(text) == ["W_h", "U_h", "W_y", "W_{hf", "b_ig", "W_in", "b_in", "W_hi"]
    course = "W_hx W_hh b_h b_hx b_hh W_hy b_y W_ix W_ih b_ih W_fx W_fh b_f W_{nx} W_{nh} b_{nh} ∂L/∂W_hh"
    assert nt.legacy_names_in(course) == []


def test_the_gate_letter_replaces_h_and_pytorch_names_sit_beside():
    assert (nt.weight("", "x"), nt.weight("a", "h"), nt.bias("")) == ("W_hx", "W_hh", "b_h")
    assert (nt.weight("f", "x"), nt.weight("f", "h"), nt.bias("f"), nt.bias("f", "h")) == (
        "W_fx",
        "W_fh",
        "b_f",
        "b_fh",
    )
    assert nt.torch_name("weight_ih", "f", "lstm") == "weight_ih_l0[H:2H]"
    assert nt.torch_name("bias_hh", "n", "gru", "_l1_reverse", H=3) == "bias_hh_l1_reverse[6:9]"
    assert nt.course_name("weight_ih_l0", "rnn_tanh") == "W_hx"
    assert nt.course_name("weight_hh_l1_reverse", "gru") == "W_rh, W_zh, W_nh (layer 2, backward)"
    assert nt.course_name("head.weight", "lstm") == "W_hy"
    assert nt.block_symbol("bias_ih_l0", "o") == "b_ox"
    # every block of every cell: course symbol → PyTorch name, row block k of G
    for mode, gates in GATE_NAMES.items():
        rows = dict(nt.mapping_rows(mode))
        for k, g in enumerate(gates):
            rk = "" if len(gates) == 1 else (["[0:H]", "[H:2H]", "[2H:3H]", "[3H:4H]"][k])
            assert rows[nt.weight(g, "x")] == f"weight_ih_l0{rk}"
            assert rows[nt.weight(g, "h")] == f"weight_hh_l0{rk}"
        assert rows["W_hy"] == "head.weight"


def test_readme_documents_the_mapping_table():
    text = README.read_text(encoding="utf-8")
    assert nt.markdown_table() in text
    assert "`W_fx` = `weight_ih_l0[H:2H]`" in text


def test_example_notes_and_titles_use_the_course_notation():
    texts = {"default": SEED003_NOTE, "default session": default_session().note}
    # this checkout's examples (an editable install may map rnnviz.resources to another tree)
    for path in sorted((README.parent / "resources" / "examples").glob("*.rnnviz")):
        s = load_session(path)
        texts[path.name] = f"{s.title}\n{s.note}"
    assert len(texts) >= 10
    found = {name: nt.legacy_names_in(t) for name, t in texts.items()}
    assert not {k: v for k, v in found.items() if v}, found
    assert "W_hx·x_1" in SEED003_NOTE and "W_hy·h_1" in SEED003_NOTE


def test_gate_tips_say_what_each_gate_does_in_course_symbols():
    for mode in ("rnn_tanh", "rnn_relu", "lstm", "gru"):
        for g in GATE_NAMES[mode]:
            tip = nt.gate_tip(g, mode)
            assert not nt.legacy_names_in(tip), tip
            assert nt.weight(g, "x") in tip and nt.weight(g, "h") in tip
            assert "weight_ih" in tip and "weight_hh" in tip  # PyTorch's names beside
    assert nt.gate_tip("f", "lstm").startswith("forget gate f: 1 keeps the old cell state, 0 erases it")
    assert "update gate z: how much of h_{t−1} passes straight through" in nt.gate_tip("z", "gru")
    assert "ReLU(a_t)" in nt.gate_tip("a", "rnn_relu")


def _session(mode: str, layers: int = 1, bidirectional: bool = False) -> Session:
    rng = np.random.default_rng(3)
    spec = NetworkSpec(mode, 2, 3, num_layers=layers, bidirectional=bidirectional, output_size=2)
    net = Network(spec, init_state_dict(spec, "pytorch", 1))
    x = rng.normal(size=(4, 2))
    return Session(net, Sequence(inputs=x, targets=rng.normal(size=(4, 2))))


_TORCH_KEY = re.compile(r"^(weight|bias)_(ih|hh)(_l\d+(?:_reverse)?)(\[(\d+):\d+\])?")


@pytest.mark.parametrize(
    ("mode", "layers", "bi"), [("rnn_tanh", 1, False), ("lstm", 2, True), ("gru", 2, False)]
)
def test_step_math_pages_name_every_block_as_the_notation_does(mode, layers, bi):
    """Forward and backward pages: no legacy name anywhere, and each block captioned with a
    PyTorch tensor (and rows) carries the course symbol of exactly that block."""
    s = _session(mode, layers, bi)
    c = compute(s)
    H = s.network.hidden_size
    checked = 0
    for layer in range(layers):
        for d in range(2 if bi else 1):
            for page in (
                build_step_math(c.trace, layer, d, 2, 0),
                build_backward_math(s, c.trace, c.loss, c.grads, StepCursor(2, layer, d, 0)),
            ):
                for line in page.lines:
                    blocks = [p for p in line.parts + line.aside if not isinstance(p, str)]
                    text = " ".join([line.title, line.lhs, line.formula] + [b.name for b in blocks])
                    assert not nt.legacy_names_in(text), (line.key, text)
                    for b in blocks:
                        m = _TORCH_KEY.match(b.caption)
                        if not m or ".grad" in b.caption or "ᵀ" in b.caption:
                            continue
                        gates = GATE_NAMES[mode]
                        gate = gates[int(m.group(5)) // H] if m.group(4) else gates[0]
                        want = nt.tex(nt.block_symbol(m.group(0).split("[")[0], gate))
                        assert b.name.startswith(want), (b.name, b.caption)
                        checked += 1
    assert checked >= 4


def test_a_stacked_matrix_is_valid_latex_in_the_markdown_export():
    s = _session("lstm")
    c = compute(s)
    md = step_math_markdown(build_backward_math(s, c.trace, c.loss, c.grads, StepCursor(2, 0, 0, 0)))
    assert r"W_{\bullet h}^{\top}" in md and r"\bulleth" not in md
