"""The course's notation, in one place, with PyTorch's name beside each symbol.  Qt-free.

The vanilla cell is written as in the course notes (seed 000)::

    h_t = tanh(W_hx·x_t + W_hh·h_{t−1} + b_h)        y_t = W_hy·h_t + b_y

Gates extend it one way (the LSTM notes, seed 001): **the gate's letter replaces h**.
The forget gate reads x_t through W_fx and h_{t−1} through W_fh and adds b_f::

    f_t = σ(W_fx·x_t + W_fh·h_{t−1} + b_f)

PyTorch stacks the gate blocks row-wise in ``weight_ih`` / ``weight_hh`` (LSTM i, f, g, o;
GRU r, z, n) and keeps two bias vectors where the notes have one: ``b_f = b_fx + b_fh``
with b_fx in ``bias_ih`` and b_fh in ``bias_hh``.  The GRU's candidate needs both, as
the reset gate scales only the recurrent part: n_t = tanh(W_nx·x_t + b_nx + r_t ⊙ (W_nh·h_{t−1} + b_nh)).

Every label the app shows (the weights dock, the step math, the diagrams' and plots'
hovers, the example notes) comes from here; the README's table is :func:`mapping_rows`.
Symbols are plain (``W_fx``); :func:`tex` gives the step math's ``W_{fx}``.
"""

from __future__ import annotations

import re

from rnnviz.engine import GATE_NAMES, GATE_TITLES

__all__ = [
    "GATE_TITLES",
    "GATE_WORDS",
    "LEGACY_NAMES",
    "bias",
    "block_rows",
    "block_symbol",
    "course_name",
    "gate_equation",
    "gate_tip",
    "gate_words",
    "legacy_names_in",
    "letter",
    "mapping_rows",
    "markdown_table",
    "parameter_legend",
    "stacked",
    "tex",
    "torch_name",
    "weight",
]

#: What each gate does, in plain words (hovers, clicks, the plots' titles).
GATE_WORDS: dict[str, str] = {
    "a": "weighted sum a: the input and the previous state, weighted and added, before the squashing",
    "i": "input gate i: 1 writes the candidate g into the cell, 0 leaves the cell as it was",
    "f": "forget gate f: 1 keeps the old cell state, 0 erases it",
    "g": "candidate g: what the cell may write, between −1 and 1 (the input gate decides how much)",
    "o": "output gate o: 1 shows the cell state (through tanh) as h_t, 0 hides it",
    "r": "reset gate r: 1 lets the candidate see h_{t−1}, 0 makes it start afresh from x_t",
    "z": "update gate z: how much of h_{t−1} passes straight through (1 keeps it, 0 takes the candidate n)",
    "n": "candidate n: the new state proposed from x_t and the reset h_{t−1}, between −1 and 1",
}

#: Names other texts use for the same weights: the app never shows them (tests scan for them).
#: Seed 003's notes write W_h, U_h, W_y for W_hx, W_hh, W_hy; PyTorch-style gate names
#: (W_ii, W_hf, b_ig …) put the input side first.
LEGACY_NAMES: dict[str, str] = {
    "W_h": "W_hx",
    "U_h": "W_hh",
    "W_y": "W_hy",
    **{f"W_i{g}": f"W_{g}x" for g in "ifgorzn"},
    **{f"W_h{g}": f"W_{g}h" for g in "ifgorzn"},
    **{f"b_i{g}": f"b_{g}x" for g in "ifgorzn"},
    **{f"b_h{g}": f"b_{g}h" for g in "ifgorzn"},
}
# W_ih and b_ih are not legacy: they are the course's input gate reading h_{t−1}.  PyTorch's
# shorthand for weight_ih / bias_ih means something else, so the app spells PyTorch's names out.


def letter(gate: str) -> str:
    """The letter in a block's symbols: the gate's, or h for the vanilla cell ('' or 'a')."""
    return "h" if gate in ("", "a") else gate


def weight(gate: str, side: str) -> str:
    """``W_fx`` (side 'x': reads the input) or ``W_fh`` (side 'h': reads h_{t−1}); vanilla W_hx, W_hh."""
    if side not in ("x", "h"):
        raise ValueError(f"side must be 'x' or 'h', not {side!r}")
    return f"W_{letter(gate)}{side}"


def bias(gate: str, side: str = "") -> str:
    """The notes' ``b_f`` (side ''), or PyTorch's two parts ``b_fx`` (bias_ih) and ``b_fh`` (bias_hh)."""
    return f"b_{letter(gate)}{side}"


def tex(symbol: str) -> str:
    """``W_fx`` → ``W_{fx}``: the step math's subscripts."""
    base, sep, sub = symbol.partition("_")
    return f"{base}_{{{sub}}}" if sep else symbol


def block_rows(gate: str, mode: str, H: int | None = None) -> str:
    """A gate's rows in PyTorch's stacked matrices: ``[H:2H]`` (or ``[3:6]`` for H = 3); '' for vanilla."""
    gates = GATE_NAMES[mode]
    if len(gates) == 1:
        return ""
    k = gates.index(gate)
    if H is None:
        lo = "0" if k == 0 else ("H" if k == 1 else f"{k}H")
        hi = "H" if k == 0 else f"{k + 1}H"
        return f"[{lo}:{hi}]"
    return f"[{k * H}:{(k + 1) * H}]"


def torch_name(kind: str, gate: str, mode: str, suffix: str = "_l0", H: int | None = None) -> str:
    """PyTorch's name of a block: ``weight_ih_l0[H:2H]`` for W_fx (kind 'weight_ih')."""
    return f"{kind}{suffix}{block_rows(gate, mode, H)}"


def _side(kind: str) -> str:
    return "x" if kind.endswith("_ih") else "h"


def block_symbol(key: str, gate: str) -> str:
    """The symbol of one gate's block of a ``state_dict`` entry: ``W_fh`` for (weight_hh_l0, 'f')."""
    base = key.partition("_l")[0]
    side = _side(base)
    return weight(gate, side) if base.startswith("weight") else bias(gate, side)


def stacked(side: str, mode: str) -> str:
    """A whole stacked matrix in the step math: ``W_hh`` (vanilla) or ``W_•h`` (every gate's block)."""
    return f"W_{'h' if len(GATE_NAMES[mode]) == 1 else '•'}{side}"


def course_name(key: str, mode: str) -> str:
    """The course's symbol for a whole ``state_dict`` entry, e.g. ``W_hx`` for ``weight_ih_l0``.

    A gated cell's matrix stacks one block per gate, top to bottom: ``W_ix, W_fx, W_gx, W_ox``
    (LSTM ``weight_ih``), ``b_rh, b_zh, b_nh`` (GRU ``bias_hh``).
    Layer and direction follow in brackets: ``W_hh (layer 2, backward)``.
    """
    if key == "head.weight":
        return "W_hy"
    if key == "head.bias":
        return "b_y"
    base, _, rest = key.partition("_l")
    layer, _, rev = rest.partition("_")
    tags = []
    if layer not in ("", "0"):
        tags.append(f"layer {int(layer) + 1}")
    if rev == "reverse":
        tags.append("backward")
    tail = f" ({', '.join(tags)})" if tags else ""
    kind = "W" if base.startswith("weight") else "b"
    side = _side(base)
    gates = GATE_NAMES[mode]
    if len(gates) == 1:
        return f"{kind}_h{side}{tail}"
    return ", ".join(f"{kind}_{g}{side}" for g in gates) + tail


def gate_equation(gate: str, mode: str) -> str:
    """A gate's equation in the course's symbols, plain text: ``f_t = σ(W_fx·x_t + W_fh·h_{t−1} + b_f)``."""
    if gate == "a":
        act = "ReLU" if mode == "rnn_relu" else "tanh"
        return f"a_t = W_hx·x_t + W_hh·h_{{t−1}} + b_h,   h_t = {act}(a_t)"
    if gate == "n":
        return "n_t = tanh(W_nx·x_t + b_nx + r_t ⊙ (W_nh·h_{t−1} + b_nh))"
    act = "tanh" if gate == "g" else "σ"
    return f"{gate}_t = {act}({weight(gate, 'x')}·x_t + {weight(gate, 'h')}·h_{{t−1}} + {bias(gate)})"


def _torch_line(gate: str, mode: str) -> str:
    wx, wh = weight(gate, "x"), weight(gate, "h")
    bx, bh = bias(gate, "x"), bias(gate, "h")
    rows = block_rows(gate, mode)
    where = f"PyTorch: {wx} · weight_ih{rows}, {wh} · weight_hh{rows}"
    if gate == "n":
        return f"{where}, {bx} · bias_ih{rows}, {bh} · bias_hh{rows}"
    return f"{where}, {bias(gate)} = {bx} + {bh} (bias_ih{rows} + bias_hh{rows})"


def gate_words(gate: str) -> str:
    """What the gate does, in plain words: 'forget gate f: 1 keeps the old cell state, 0 erases it'."""
    return GATE_WORDS[gate]


def gate_tip(gate: str, mode: str) -> str:
    """A gate's hover: its plain words, its equation, and where its weights sit in PyTorch."""
    return f"{gate_words(gate)}\n{gate_equation(gate, mode)}\n{_torch_line(gate, mode)}"


def mapping_rows(mode: str) -> list[tuple[str, str]]:
    """``(course symbol, PyTorch name)`` for one layer of ``mode`` and its head (the README's table)."""
    rows = []
    for g in GATE_NAMES[mode]:
        for sym, kind in ((weight(g, "x"), "weight_ih"), (weight(g, "h"), "weight_hh"),
                          (bias(g, "x"), "bias_ih"), (bias(g, "h"), "bias_hh")):  # fmt: skip
            rows.append((sym, torch_name(kind, g, mode)))
    rows += [("W_hy", "head.weight"), ("b_y", "head.bias")]
    return rows


_ALT = "|".join(re.escape(n).replace("_", "_\\{?") for n in sorted(LEGACY_NAMES, key=len, reverse=True))
_LEGACY_RE = re.compile(rf"(?<![A-Za-z0-9])(?:{_ALT})(?![A-Za-z0-9_])")


def legacy_names_in(text: str) -> list[str]:
    """The legacy names in ``text`` (plain ``W_hf`` or TeX ``W_{hf}``), in order of appearance."""
    return [m.group(0) for m in _LEGACY_RE.finditer(text)]


def parameter_legend(mode: str, has_head: bool) -> str:
    """What the builder's parameter count adds up, block by block, in the course's symbols."""
    gates = GATE_NAMES[mode]
    wx = ", ".join(weight(g, "x") for g in gates)
    wh = ", ".join(weight(g, "h") for g in gates)
    bs = ", ".join(f"{bias(g, 'x')} + {bias(g, 'h')}" for g in gates)
    lines = [
        "Per layer and direction: gates·H·(inputs + H + 2 biases)",
        f"  {wx}: H × inputs each (weight_ih)",
        f"  {wh}: H × H each (weight_hh)",
        f"  {bs}: H each (bias_ih, bias_hh)",
        "(a stacked layer's inputs are the D·H states of the layer below)",
    ]
    if has_head:
        lines.append("The head: W_hy (outputs × D·H, head.weight) and b_y (outputs, head.bias)")
    return "\n".join(lines)


_CELLS = (("vanilla RNN", "rnn_tanh"), ("LSTM", "lstm"), ("GRU", "gru"))


def markdown_table() -> str:
    """The README's table: each block's symbols beside PyTorch's names (tests keep the two equal)."""
    rows = [
        "| cell | block | reads x_t | reads h_{t−1} | bias: the notes' one = PyTorch's two |",
        "|---|---|---|---|---|",
    ]
    for cell, mode in _CELLS:
        for g in GATE_NAMES[mode]:
            what = "h_t" if g == "a" else f"{GATE_TITLES[g]} {g}"
            r = block_rows(g, mode)
            bx, bh = f"`{bias(g, 'x')}` (`bias_ih_l0{r}`)", f"`{bias(g, 'h')}` (`bias_hh_l0{r}`)"
            b = f"{bx}, {bh}" if g == "n" else f"`{bias(g)}` = {bx} + {bh}"
            rows.append(
                f"| {cell} | {what} | `{weight(g, 'x')}` = `weight_ih_l0{r}` "
                f"| `{weight(g, 'h')}` = `weight_hh_l0{r}` | {b} |"
            )
    rows.append("| any | output head | `W_hy` = `head.weight` | | `b_y` = `head.bias` |")
    return "\n".join(rows)
