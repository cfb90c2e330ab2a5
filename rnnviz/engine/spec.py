"""The shape of a network: cell, sizes, depth, direction and output head.

PyTorch's ``state_dict`` names are the one vocabulary for weights.  The course
material names the same blocks differently; :func:`course_name` maps between them
so every view can show both ("W_hx — weight_ih_l0").
"""

from __future__ import annotations

from dataclasses import dataclass

MODES = ("rnn_tanh", "rnn_relu", "lstm", "gru")
HEAD_ACTIVATIONS = (None, "softmax", "sigmoid")

#: Gate names in PyTorch's row order of ``weight_ih``/``weight_hh``.
GATE_NAMES: dict[str, tuple[str, ...]] = {
    "rnn_tanh": ("a",),
    "rnn_relu": ("a",),
    "lstm": ("i", "f", "g", "o"),
    "gru": ("r", "z", "n"),
}

#: What each gate is called in the lecture notes (their symbols: rnnviz.session.notation).
GATE_TITLES: dict[str, str] = {
    "a": "pre-activation",
    "i": "input gate",
    "f": "forget gate",
    "g": "candidate (cell input)",
    "o": "output gate",
    "r": "reset gate",
    "z": "update gate",
    "n": "candidate (new state)",
}

MAX_HIDDEN = 4096
MAX_LAYERS = 64


def gate_count(mode: str) -> int:
    """Rows of ``weight_ih`` per hidden unit: 1 (vanilla), 4 (LSTM), 3 (GRU)."""
    return len(GATE_NAMES[mode])


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    return mode


def check_head_activation(act: str | None) -> str | None:
    if act == "linear" or act == "none":
        return None
    if act not in HEAD_ACTIVATIONS:
        raise ValueError(f"head_activation must be None, 'softmax' or 'sigmoid'; got {act!r}")
    return act


def param_suffix(layer: int, direction: int) -> str:
    """``_l0``, ``_l1_reverse`` …, as in ``torch.nn.RNN.state_dict()``."""
    return f"_l{layer}" + ("_reverse" if direction == 1 else "")


@dataclass(frozen=True)
class NetworkSpec:
    """Everything about a network except its numbers."""

    mode: str
    input_size: int
    hidden_size: int
    num_layers: int = 1
    bidirectional: bool = False
    output_size: int = 0  # 0: no output head
    head_activation: str | None = None

    def __post_init__(self) -> None:
        check_mode(self.mode)
        object.__setattr__(self, "head_activation", check_head_activation(self.head_activation))
        for name, lo, hi in (
            ("input_size", 1, 1_000_000),
            ("hidden_size", 1, MAX_HIDDEN),
            ("num_layers", 1, MAX_LAYERS),
            ("output_size", 0, 1_000_000),
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
                raise ValueError(f"{name} must be an integer in [{lo}, {hi}]; got {value!r}")

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def has_head(self) -> bool:
        return self.output_size > 0

    @property
    def gate_names(self) -> tuple[str, ...]:
        return GATE_NAMES[self.mode]

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """Expected ``state_dict`` keys and shapes, in PyTorch's order."""
        G, H, D = gate_count(self.mode), self.hidden_size, self.num_directions
        shapes: dict[str, tuple[int, ...]] = {}
        for layer in range(self.num_layers):
            in_size = self.input_size if layer == 0 else D * H
            for d in range(D):
                sfx = param_suffix(layer, d)
                shapes["weight_ih" + sfx] = (G * H, in_size)
                shapes["weight_hh" + sfx] = (G * H, H)
                shapes["bias_ih" + sfx] = (G * H,)
                shapes["bias_hh" + sfx] = (G * H,)
        if self.has_head:
            shapes["head.weight"] = (self.output_size, D * H)
            shapes["head.bias"] = (self.output_size,)
        return shapes

    def num_parameters(self) -> int:
        total = 0
        for shape in self.param_shapes().values():
            n = 1
            for s in shape:
                n *= s
            total += n
        return total

    def parameter_formula(self) -> str:
        """The parameter count as a formula a learner can check by hand."""
        G, H, D, L, n_in = (
            gate_count(self.mode),
            self.hidden_size,
            self.num_directions,
            self.num_layers,
            self.input_size,
        )
        g = "" if G == 1 else f"{G}·"
        dpre = "" if D == 1 else f"{D}·"
        parts = [f"{dpre}{g}{H}·({n_in} + {H} + 2)"]
        if L > 1:
            parts.append(f"{L - 1}·{dpre}{g}{H}·({D * H} + {H} + 2)")
        if self.has_head:
            parts.append(f"{self.output_size}·({D * H} + 1)")
        return " + ".join(parts) + f" = {self.num_parameters():,}"
