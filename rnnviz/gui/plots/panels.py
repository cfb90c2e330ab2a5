"""The per-unit panels by role: h_t, c_t and one per gate, titled in the course's notation."""

from __future__ import annotations

from rnnviz.engine import GATE_TITLES
from rnnviz.gui.theme import GATE_COLOURS

from .units import UnitPanel

TANH_GATES = ("g", "n")

#: PyTorch's equations, for the panel titles' tooltips (⊙: element-wise product)
EQUATIONS = {
    "i": "i_t = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi): how much of g_t enters the cell",
    "f": "f_t = σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf): how much of c_{t−1} is kept",
    "g": "g_t = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg): the candidate written to the cell",
    "o": "o_t = σ(W_io x_t + b_io + W_ho h_{t−1} + b_ho): how much of tanh(c_t) is shown as h_t",
    "r": "r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr): how much of h_{t−1} the candidate sees",
    "z": "z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz): how much of h_{t−1} is kept",
    "n": "n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn)): the candidate state",
    "c": "c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t",
    "lstm": "h_t = o_t ⊙ tanh(c_t)",
    "gru": "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}",
    "rnn_tanh": "h_t = tanh(W_hx x_t + b_hx + W_hh h_{t−1} + b_hh)",
    "rnn_relu": "h_t = ReLU(W_hx x_t + b_hx + W_hh h_{t−1} + b_hh)",
}
INITIAL_NOTE = "\nStep 0 is the initial state h_0 (for the backward direction it sits at step T + 1)."


class HiddenPanel(UnitPanel):
    def __init__(self, parent=None) -> None:
        super().__init__("h", "h<sub>t</sub> — hidden state", "h_t — hidden state", "tanh", parent)


class CellPanel(UnitPanel):
    def __init__(self, parent=None) -> None:
        super().__init__("c", "c<sub>t</sub> — cell state", "c_t — cell state", "free", parent)
        self.title.setToolTip(EQUATIONS["c"] + INITIAL_NOTE.replace("h_0", "c_0"))


class GatePanel(UnitPanel):
    def __init__(self, gate: str, parent=None) -> None:
        title = GATE_TITLES[gate]
        kind = "tanh" if gate in TANH_GATES else "sigmoid"
        rng = "[−1, 1]" if kind == "tanh" else "[0, 1]"
        # in the gate's colour, as in the cell diagram and the step math
        html = f"<span style='color:{GATE_COLOURS[gate]}'>{gate}<sub>t</sub> — {title}</span> {rng}"
        super().__init__(gate, html, f"{gate}_t — {title}", kind, parent)
        self.name = f"{gate} ({title.split()[0]})"  # "f (forget)", "g (candidate)"
        self.title.setToolTip(f"{EQUATIONS[gate]}\n\nClick the title to select this gate")
