"""The per-unit panels by role: h_t, c_t and one per gate, titled in the course's notation."""

from __future__ import annotations

from rnnviz.engine import GATE_NAMES
from rnnviz.gui.theme import GATE_COLOURS
from rnnviz.session.notation import GATE_TITLES, gate_tip

from . import style
from .units import UnitPanel

ALL_GATES = ("i", "f", "g", "o", "r", "z", "n")
TANH_GATES = ("g", "n")

#: The panel titles' tooltips: each gate's plain words, equation and PyTorch rows
#: (rnnviz.session.notation; ⊙: element-wise product), and the states' equations.
EQUATIONS = {
    **{g: gate_tip(g, mode) for mode in ("lstm", "gru") for g in GATE_NAMES[mode]},
    "c": "c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t: the cell state, the LSTM's long-term memory",
    "lstm": "h_t = o_t ⊙ tanh(c_t)",
    "gru": "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}",
    "rnn_tanh": "h_t = tanh(W_hx·x_t + W_hh·h_{t−1} + b_h),   b_h = b_hx + b_hh (bias_ih + bias_hh)",
    "rnn_relu": "h_t = ReLU(W_hx·x_t + W_hh·h_{t−1} + b_h),   b_h = b_hx + b_hh (bias_ih + bias_hh)",
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
        super().__init__(gate, self._title_html(gate, kind), f"{gate}_t — {title}", kind, parent)
        self.name = f"{gate} ({title.split()[0]})"  # "f (forget)", "g (candidate)"
        self.title.setToolTip(f"{EQUATIONS[gate]}\n\nClick the title to select this gate")

    @staticmethod
    def _title_html(gate: str, kind: str) -> str:
        """In the gate's colour (the theme's), as in the cell diagram and the step math."""
        rng = "[−1, 1]" if kind == "tanh" else "[0, 1]"
        return (
            f"<span style='color:{GATE_COLOURS[gate]}'>{gate}<sub>t</sub> — {GATE_TITLES[gate]}</span> {rng}"
        )

    def restyle_look(self) -> None:
        super().restyle_look()
        self.title.setText(self._title_html(self.key, self.kind))


class LazyGatePanels(dict):
    """The gate panels by gate, each made (by ``make``) when first asked for: building a
    plot costs ~10 ms, and a vanilla RNN shows no gate, an LSTM four of the seven."""

    def __init__(self, make) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, gate: str) -> GatePanel:
        if gate not in ALL_GATES:
            raise KeyError(gate)
        panel = self[gate] = self._make(gate)
        return panel


def selected_gate_sheet(gate: str) -> str:
    """The selected gate's panel: framed in the selection colour."""
    return f"QFrame#panel_{gate} {{ border: 2px solid {style.SELECTED_GATE}; }}"
