"""The worked math: seed 003's step 1, and the engine's numbers at random steps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnviz.engine import Network, NetworkSpec
from rnnviz.session.defaults import default_session
from rnnviz.session.stepmath import (
    Block,
    build_step_math,
    export_math,
    fmt,
    parse_number,
    step_math_markdown,
    window,
)


def _pm(*vals: str) -> str:
    return r"\begin{pmatrix} " + r" \\ ".join(vals) + r" \end{pmatrix}"


def test_seed003_step1_markdown_has_the_course_numbers(tmp_path):
    s = default_session()
    trace = s.network.forward(s.inputs)
    path = tmp_path / "step1.md"
    md = export_math(s, trace, 1, path)
    assert path.read_text(encoding="utf-8") == md
    assert md.count("$$") % 2 == 0
    assert "= " + _pm("0.2", "0.5", "-0.1") in md  # W_h·x_1
    assert "= " + _pm("0.3", "0.6", "-0.2") in md  # the sum with the bias
    assert _pm("0.2913", "0.5370", "-0.1974") in md  # h_1
    assert _pm("0.1854", "0.1707", "0.2356", "0.2249", "0.1834") in md  # y_1
    assert _pm("-0.0440", "-0.2261", "0.1958", "0.0494", "-0.0547") in md  # W_y·h_1, row 1 corrected
    assert r"\texttt{weight\_ih\_l0},\ 3 \times 5" in md
    assert r"\texttt{head.weight},\ 5 \times 3" in md
    assert "W_{hx}" in md and "W_{hh}" in md and "W_{hy}" in md
    assert "0.0583" in md  # the note points out the notes' slip


def test_decimals_are_adjustable():
    s = default_session()
    trace = s.network.forward(s.inputs)
    sm = build_step_math(trace, step=1, decimals=2)
    assert sm.line("h").result.cells == (("0.29",), ("0.54",), ("−0.20",))
    sm6 = build_step_math(trace, step=1, decimals=6)
    assert sm6.line("h").result.cells[0] == ("0.291313",)


def test_fmt_keeps_short_numbers_short():
    assert fmt(0.30000000000000004) == "0.3"
    assert fmt(1.0) == "1"
    assert fmt(-0.0) == "0"
    assert fmt(-0.19737532) == "−0.1974"
    assert fmt(0.53704957) == "0.5370"
    assert fmt(-0.00001) == "0.0000"


def test_window_keeps_the_selected_unit_and_marks_cuts():
    assert window(5, 2) == (0, 1, 2, 3, 4)
    w = window(64, 40)
    assert 40 in w and w[0] is None and w[-1] is None and len([i for i in w if i is not None]) == 8
    assert window(20, 0)[-1] is None and window(20, 0)[0] == 0
    assert window(20, 19)[0] is None and window(20, 19)[-1] == 19


def test_step_zero_shows_the_initial_state():
    net = Network.from_spec(NetworkSpec("lstm", 2, 3), seed=0)
    trace = net.forward(np.ones((4, 2)), h0=np.full((1, 3), 0.5), c0=np.full((1, 3), -0.25))
    sm = build_step_math(trace, step=0)
    assert [ln.key for ln in sm.lines] == ["h", "c"]
    assert sm.line("h").result.cells == (("0.5",),) * 3
    assert sm.line("c").result.cells == (("−0.25",),) * 3


def _engine_arrays(trace, layer, direction, step):
    d = trace.step(layer, direction, step - 1)
    out = {"pre": d.pre, "h": d.h, "x_term": d.x_term, "h_term": d.h_term}
    if d.gates is not None:
        for g in d.gate_names:
            out[f"gate:{g}"] = d.block(d.gates, g)
            out[f"x_term:{g}"] = d.block(d.x_term, g)
            out[f"h_term:{g}"] = d.block(d.h_term, g)
    if d.c is not None:
        out["c"] = d.c
    if d.hn is not None:
        out["hn"] = d.hn
    if trace.y is not None:
        hd = trace.head_step(step - 1)
        out.update({"head:Wh": hd.W_h, "head:z": hd.logits, "head:y": hd.y})
    return d, out


def _check_block(block: Block, full: np.ndarray, decimals: int) -> int:
    full = full[:, None] if full.ndim == 1 else full
    tol = 0.5 * 10.0**-decimals + 1e-9
    checked = 0
    for i, r in enumerate(block.rows):
        for j, c in enumerate(block.cols):
            cell = block.cells[i][j]
            if r is None or c is None:
                assert cell in ("⋮", "⋯", "⋱")
                continue
            assert abs(parse_number(cell) - full[r, c]) <= tol, (block.name, r, c, cell, full[r, c])
            checked += 1
    return checked


@given(
    mode=st.sampled_from(["rnn_tanh", "rnn_relu", "lstm", "gru"]),
    hidden=st.sampled_from([1, 3, 12]),
    layers=st.integers(1, 2),
    bidir=st.booleans(),
    head=st.sampled_from([None, "softmax", "sigmoid", "linear"]),
    decimals=st.integers(1, 6),
    data=st.data(),
)
def test_structured_numbers_equal_the_engine(mode, hidden, layers, bidir, head, decimals, data):
    T, n_in = 5, 4
    out = 0 if head is None else 3
    spec = NetworkSpec(mode, n_in, hidden, layers, bidir, out, None if head in (None, "linear") else head)
    net = Network.from_spec(spec, seed=data.draw(st.integers(0, 99)))
    x = np.random.default_rng(1).normal(size=(T, n_in))
    trace = net.forward(x, h0=np.random.default_rng(2).normal(size=(layers * spec.num_directions, hidden)))
    layer = data.draw(st.integers(0, layers - 1))
    direction = data.draw(st.integers(0, spec.num_directions - 1))
    step = data.draw(st.integers(1, T))
    unit = data.draw(st.integers(0, hidden - 1))
    sm = build_step_math(trace, layer, direction, step, unit, decimals)
    d, arrays = _engine_arrays(trace, layer, direction, step)
    keys = [ln.key for ln in sm.lines]
    assert "h" in keys and (("head:y" in keys) == (out > 0))
    checked = 0
    for ln in sm.lines:
        if ln.key in arrays:
            checked += _check_block(ln.result, arrays[ln.key], decimals)
        for p in ln.parts:  # every matrix operand shows the engine's own weights
            if isinstance(p, Block) and p.is_matrix:
                key = p.caption.split("[")[0].split(",")[0]
                checked += _check_block(p, net.param(key), decimals)
    assert checked > 0
    assert unit in sm.line("h").result.rows
    md = step_math_markdown(sm)
    assert md.count("$$") == 2 * len(sm.lines)
    assert fmt(d.h[unit], decimals).replace("−", "-") in md


def test_matrices_carry_their_pytorch_names_and_shapes():
    net = Network.from_spec(NetworkSpec("lstm", 5, 3, 2, True, 4, "softmax"), seed=0)
    trace = net.forward(np.ones((3, 5)))
    sm = build_step_math(trace, layer=1, direction=1, step=2)
    f_line = sm.line("x_term:f")
    W = f_line.parts[0]
    assert W.name == "W_{fx}" and W.caption == "weight_ih_l1_reverse[3:6], 3×6"
    assert "h^{(2)←}_{3}" in sm.line("h_term:f").lhs  # backward: h_{t+1}
    assert f_line.title == "f: input term (from layer 1's h, forward over backward)"  # 6 = 2 × 3 rows
    assert sm.line("head:Wh").parts[0].caption == "head.weight, 4×6"


def test_a_one_column_weight_is_still_a_matrix():
    """Input size 1 (a sine): W_ix is 4×1, yet a weight, with its name and shape like W_ih."""
    net = Network.from_spec(NetworkSpec("lstm", 1, 4, 1, False, 1, None), seed=0)
    sm = build_step_math(net.forward(np.ones((3, 1))), layer=0, direction=0, step=2)
    W, x = sm.line("x_term:i").parts[0], sm.line("x_term:i").parts[2]
    assert W.is_matrix and not x.is_matrix
    assert W.caption == "weight_ih_l0[0:4], 4×1"
    assert r"\texttt{weight\_ih\_l0[0:4]},\ 4 \times 1" in step_math_markdown(sm)
    assert sm.line("head:Wh").parts[0].is_matrix  # head.weight 1×4 has 4 columns anyway


def test_bad_step_is_refused():
    s = default_session()
    trace = s.network.forward(s.inputs)
    with pytest.raises(IndexError):
        build_step_math(trace, step=5)
