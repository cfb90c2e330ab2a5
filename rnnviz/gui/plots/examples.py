"""Sessions to look at the plots with, standing in for the app's controller.

Used by ``python -m rnnviz.gui.plots``, the plot tests and ``benchmarks/bench_plots.py``.
"""

from __future__ import annotations

import numpy as np

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.losses import compute_loss, step_mask
from rnnviz.engine.train import loss_and_grads
from rnnviz.session.defaults import default_session
from rnnviz.session.model import Sequence, Session

EXAMPLES = ("default", "lstm", "gru", "big", "vanishing", "remembering")


def sine_sequence(steps: int, period: float = 25.0) -> Sequence:
    t = np.arange(steps + 1)
    wave = np.sin(2 * np.pi * t / period)
    return Sequence(
        inputs=wave[:-1, None], targets=wave[1:, None], input_names=("x",), target_names=("next x",)
    )


def text_sequence(steps: int, vocab_size: int = 5, seed: int = 0) -> Sequence:
    rng = np.random.default_rng(seed)
    vocab = tuple(f"w{k}" for k in range(vocab_size))
    idx = rng.integers(0, vocab_size, steps + 1)
    eye = np.eye(vocab_size)
    return Sequence(
        inputs=eye[idx[:-1]], targets=eye[idx[1:]], input_names=vocab, vocabulary=vocab,
        tokens=tuple(vocab[i] for i in idx[:-1]), token_mode="word",
    )  # fmt: skip


def random_session(mode: str, hidden: int, seq: Sequence, layers: int = 1, bidirectional: bool = False,
                   out: int | None = None, head: str | None = None, seed: int = 0) -> Session:  # fmt: skip
    out = seq.targets.shape[1] if out is None and seq.targets is not None else (out or 0)
    spec = NetworkSpec(mode, seq.num_features, hidden, layers, bidirectional, out, head)
    return Session(network=Network.from_spec(spec, seed=seed), sequence=seq)


def last_step_sequence(steps: int = 60, seed: int = 0) -> Sequence:
    """Noise in, one target at the last step (many-to-one): does step 1 still matter?"""
    x = np.random.default_rng(seed).normal(0, 1, (steps, 1))  # [T, 1]
    target = np.full((steps, 1), np.nan)
    target[-1, 0] = 1.0
    return Sequence(inputs=x, targets=target, input_names=("x",), target_names=("y",), shape="many_to_one")


def example(name: str) -> Session:
    """``default`` (seed 003), ``lstm`` (2-layer bidirectional, H = 8, text),
    ``gru`` (H = 64 on a sine), ``big`` (LSTM, H = 128, T = 1000 on a sine),
    ``vanishing`` (tanh RNN, H = 4, T = 60, a target at the last step only) and
    ``remembering`` (the same with an LSTM whose forget gates start open, b_f = 3)."""
    if name == "default":
        return default_session()
    if name == "lstm":
        s = default_session()
        return random_session("lstm", 8, s.sequence, layers=2, bidirectional=True, head="softmax", seed=3)
    if name == "gru":
        return random_session("gru", 64, sine_sequence(100), seed=1)
    if name == "big":
        return random_session("lstm", 128, sine_sequence(1000, 50), seed=2)
    if name == "vanishing":
        return random_session("rnn_tanh", 4, last_step_sequence(), seed=1)
    if name == "remembering":
        s = random_session("lstm", 4, last_step_sequence(), seed=1)
        b = s.network.param("bias_ih_l0").copy()
        b[4:8] += 3.0  # the forget gate's block (gate order i, f, g, o): f ≈ σ(3) ≈ 0.95
        return s.with_network(s.network.with_params({"bias_ih_l0": b}))
    raise ValueError(f"unknown example {name!r}; choose from {', '.join(EXAMPLES)}")


def loss_name(session: Session) -> str:
    return "cross_entropy" if session.network.head_activation == "softmax" else "mse"


def gradients(session: Session):
    """The per-step gradients (``engine.trace.Gradients``) as the app computes them, or None
    when the session has no targets that fit its head."""
    net, seq = session.network, session.sequence
    if not net.has_head or seq.targets is None or seq.targets.shape[1] != net.spec.output_size:
        return None
    return loss_and_grads(net, seq.inputs, seq.targets, loss_name(session), seq.shape)[2]


def per_step_loss(session: Session, trace) -> np.ndarray | None:
    """ℓ_t [T] as the controller would compute it (cross-entropy for softmax, else MSE)."""
    if trace.y is None or session.targets is None or session.targets.shape != trace.y.shape:
        return None
    mask = step_mask(trace.steps, session.sequence.shape)
    if trace.network.head_activation == "softmax":
        return compute_loss("cross_entropy", trace.y_logits, session.targets, mask).per_step
    return compute_loss("mse", trace.y, session.targets, mask).per_step
