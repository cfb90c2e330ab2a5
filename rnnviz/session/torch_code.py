""" "Copy as PyTorch code": a snippet that builds the same ``torch.nn`` model, with the
weights embedded (it runs as it is) or loaded from the ``.npz`` that
:func:`rnnviz.session.weights.export_weights` writes, runs the sequence and prints the
hidden states h_t and the outputs y_t.  Sequences longer than ``MAX_INLINE_STEPS`` are
loaded from an ``.npy`` file instead of pasted.  The header describes the network only
(no session title, which goes stale when the network is edited).
"""

from __future__ import annotations

import numpy as np

from rnnviz.engine import Network, NetworkSpec, describe_spec

MAX_INLINE_STEPS = 50
#: More weights than this are not worth pasting: the snippet loads the .npz.
MAX_EMBEDDED_NUMBERS = 20_000
_TORCH_CLASS = {"rnn_tanh": "RNN", "rnn_relu": "RNN", "lstm": "LSTM", "gru": "GRU"}


def can_embed(network: Network) -> bool:
    return network.num_parameters() <= MAX_EMBEDDED_NUMBERS


def pytorch_code(
    network: Network,
    weights_file: str = "weights.npz",
    inputs: np.ndarray | None = None,
    embed_weights: bool = False,
    inputs_file: str = "inputs.npy",
) -> str:
    """The snippet; ``embed_weights`` pastes every weight (exact: Python's float repr),
    else it loads ``weights_file``.  ``inputs`` of more than ``MAX_INLINE_STEPS`` steps are
    loaded from ``inputs_file`` (``np.save`` it)."""
    s = network.spec
    dtype = "double" if network.dtype == np.float64 else "float"
    lines = [
        f"# rnnviz: {describe_spec(s)}.",
        "import numpy as np",
        "import torch",
        "from torch import nn",
        "",
        "",
        *_model_lines(s),
        "",
        "",
        f"model = RNNModel().{dtype}()",
    ]
    if embed_weights:
        lines += _embedded_weights(network, dtype)
    else:
        lines += [
            f"with np.load({weights_file!r}, allow_pickle=False) as weights:  # File > Export weights",
            "    model.load_state_dict({k: torch.from_numpy(weights[k]) for k in weights.files})",
        ]
    lines.append("model.eval()")
    lines += _input_lines(inputs, s, dtype, inputs_file)
    return "\n".join(lines) + "\n"


def _model_lines(s: NetworkSpec) -> list[str]:
    cls = _TORCH_CLASS[s.mode]
    args = [f"input_size={s.input_size}", f"hidden_size={s.hidden_size}", f"num_layers={s.num_layers}"]
    if cls == "RNN":
        args.append(f"nonlinearity={'tanh' if s.mode == 'rnn_tanh' else 'relu'!r}")
    args += [f"bidirectional={s.bidirectional}", "batch_first=True"]
    DH = s.num_directions * s.hidden_size
    lines = [
        "class RNNModel(nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
        f"        self.rnn = nn.{cls}({', '.join(args)})",
    ]
    if s.has_head:
        lines.append(f"        self.head = nn.Linear({DH}, {s.output_size})  # W_hy, b_y")
    lines += [
        "",
        f"    def forward(self, x):  # x: [batch, T, {s.input_size}]; returns (h, y)",
        f"        h, _ = self.rnn(x)  # h: [batch, T, {DH}], h_t of the top layer",
    ]
    if not s.has_head:
        return [*lines, "        return h, h  # no output layer: y_t = h_t"]
    shape = f"# y: [batch, T, {s.output_size}]"
    if s.head_activation == "softmax":
        return [*lines, f"        return h, torch.softmax(self.head(h), dim=-1)  {shape}"]
    if s.head_activation == "sigmoid":
        return [*lines, f"        return h, torch.sigmoid(self.head(h))  {shape}"]
    return [*lines, f"        return h, self.head(h)  {shape}"]


def _embedded_weights(network: Network, dtype: str) -> list[str]:
    torch_dtype = "torch.float64" if dtype == "double" else "torch.float32"
    lines = ["weights = {"]
    for key, value in network.state_dict().items():
        name = key if key.startswith("head.") else "rnn." + key
        lines.append(f"    {name!r}: {_nested(value)},")
    return [
        *lines,
        "}",
        f"model.load_state_dict({{k: torch.tensor(v, dtype={torch_dtype}) for k, v in weights.items()}})",
    ]


def _nested(a: np.ndarray) -> str:
    if a.ndim == 1:
        return "[" + ", ".join(repr(float(v)) for v in a) + "]"
    return "[" + ", ".join(_nested(row) for row in a) + "]"


def _input_lines(inputs: np.ndarray | None, s: NetworkSpec, dtype: str, inputs_file: str) -> list[str]:
    if inputs is None:
        return []
    x = np.asarray(inputs, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != s.input_size:
        raise ValueError(f"inputs: expected shape (T, {s.input_size}); got {x.shape}")
    torch_dtype = "torch.float64" if dtype == "double" else "torch.float32"
    if x.shape[0] > MAX_INLINE_STEPS:
        load = [
            "",
            f"# the sequence: {x.shape[0]} steps of {s.input_size} inputs, saved beside this script",
            f"x = torch.from_numpy(np.load({inputs_file!r}, allow_pickle=False)).to({torch_dtype})[None]",
        ]
    else:
        rows = ",\n".join("    " + _nested(row) for row in x)
        load = [
            "",
            f"x = torch.tensor([\n{rows},\n], dtype={torch_dtype})[None]  # one sequence: [1, T, {s.input_size}]",
        ]
    return [
        *load,
        "with torch.no_grad():",
        "    h, y = (v[0] for v in model(x))",
        "torch.set_printoptions(precision=4, sci_mode=False)",
        'print("h_t (hidden states, top layer), one row per step:")',
        "print(h)",
        'print("y_t (outputs), one row per step:")',
        "print(y)",
    ]
