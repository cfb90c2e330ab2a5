"""Export a trace as CSV: one row per time step, every number a view shows.

Columns, left to right (steps numbered 1..T as in the course)::

    t, x_<input name>…,
    for each layer l and direction (fwd / bwd):
        h_l{l}_{dir}_u{k}…, c_l{l}_{dir}_u{k}… (LSTM),
        {gate}_l{l}_{dir}_u{k}… for each gate (LSTM i f g o, GRU r z n),
    y_<output name>… (when there is an output head), target_<name>… (when given)

and, for a session whose targets fit its head (:func:`session_trace_csv`), the loss
and the gradients of backpropagation through time::

    loss_t                      ℓ_t, the loss at step t (nan where the step does not count)
    for each layer l and direction:
        dLdh_l{l}_{dir}_u{k}…   ∂L/∂h_t, the total derivative (through the output and every
                                later step), as autograd defines it
        dLdh_norm_l{l}_{dir}    ‖∂L/∂h_t‖: the vanishing / exploding gradient picture
        dLdc_l{l}_{dir}_u{k}…   ∂L/∂c_t (LSTM)

where L is the sequence's loss, the mean of ℓ_t over the counted steps, and the loss
is the one the head implies (:data:`LOSS_BY_HEAD`).

Units are numbered from 1 (``u1``), as in the lecture's h_t = (h_1, h_2, …).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence as Seq

import numpy as np

from rnnviz.engine import Network, Trace
from rnnviz.engine.losses import LossResult
from rnnviz.engine.trace import Gradients

from .atomic import atomic_write
from .training import LOSS_BY_HEAD  # noqa: F401 - the one policy, named in the docstring

DIRECTIONS = ("fwd", "bwd")

#: The loss each output head implies, as in the course: softmax → cross-entropy,
#: sigmoid → BCE, linear or no head → MSE (the one policy, rnnviz.session.training).


def trace_columns(
    trace: Trace,
    input_names: Seq[str] = (),
    output_names: Seq[str] = (),
    targets: np.ndarray | None = None,
    target_names: Seq[str] = (),
    loss: LossResult | None = None,
    grads: Gradients | None = None,
) -> tuple[list[str], np.ndarray]:
    """Column names and the [T, columns] table of :func:`export_trace_csv`; with ``loss``
    and ``grads`` (of this trace), the loss and gradient columns after them."""
    net = trace.network
    T = trace.steps
    names = ["t"] + [f"x_{n}" for n in _names(input_names, trace.x.shape[1], "")]
    blocks = [np.arange(1, T + 1, dtype=np.float64)[:, None], trace.x]
    for layer in range(net.num_layers):
        for d in range(net.num_directions):
            tag = f"l{layer}_{DIRECTIONS[d]}"
            units = [f"u{k + 1}" for k in range(net.hidden_size)]
            names += [f"h_{tag}_{u}" for u in units]
            blocks.append(trace.hidden(layer, d))
            if net.mode == "lstm":
                names += [f"c_{tag}_{u}" for u in units]
                blocks.append(trace.cell(layer, d))
            for gate, values in trace.gates(layer, d).items():
                names += [f"{gate}_{tag}_{u}" for u in units]
                blocks.append(values)
            names += [f"pc1_{tag}", f"pc2_{tag}"]  # the trajectory on its first two principal axes
            blocks.append(_pcs(trace.hidden(layer, d)))
    if trace.y is not None:
        names += [f"y_{n}" for n in _names(output_names, trace.y.shape[1], "")]
        blocks.append(trace.y)
    if targets is not None:
        targets = np.asarray(targets, dtype=np.float64)
        if targets.ndim == 1:
            targets = targets[:, None]  # one target column
        if targets.ndim != 2 or targets.shape[0] != T:
            raise ValueError(f"targets: expected {T} rows (one a step); got shape {targets.shape}")
        names += [f"target_{n}" for n in _names(target_names, targets.shape[1], "")]
        blocks.append(targets)
    if loss is not None and grads is not None:
        more_names, more_blocks = _gradient_columns(trace, loss, grads)
        names += more_names
        blocks += more_blocks
    return names, np.hstack(blocks)


def _pcs(states: np.ndarray) -> np.ndarray:
    """h_t on the first two principal components of h_1..h_T (centred), [T, 2]."""
    from .statespace import principal

    return principal(states).xy


def _gradient_columns(trace: Trace, loss: LossResult, grads: Gradients) -> tuple[list[str], list[np.ndarray]]:
    """``loss_t`` and, per layer and direction, ∂L/∂h_t, ‖∂L/∂h_t‖ and (LSTM) ∂L/∂c_t."""
    net = trace.network
    per_step = np.asarray(loss.per_step, dtype=np.float64)  # [T]
    if per_step.shape != (trace.steps,):
        raise ValueError(f"loss: expected {trace.steps} steps; got shape {per_step.shape}")
    names, blocks = ["loss_t"], [per_step[:, None]]
    units = [f"u{k + 1}" for k in range(net.hidden_size)]
    for layer in range(net.num_layers):
        for d in range(net.num_directions):
            tag = f"l{layer}_{DIRECTIONS[d]}"
            names += [f"dLdh_{tag}_{u}" for u in units] + [f"dLdh_norm_{tag}"]
            blocks += [grads.dh(layer, d), grads.dh_norm(layer, d)[:, None]]  # [T, H], [T, 1]
            if net.mode == "lstm":
                names += [f"dLdc_{tag}_{u}" for u in units]
                blocks.append(grads.dc(layer, d))  # [T, H]
    return names, blocks


def _names(given: Seq[str], n: int, prefix: str) -> list[str]:
    if len(given) == n:
        return [str(g) for g in given]
    return [f"{prefix}{k + 1}" for k in range(n)]


def trace_csv(
    trace: Trace,
    input_names: Seq[str] = (),
    output_names: Seq[str] = (),
    targets: np.ndarray | None = None,
    target_names: Seq[str] = (),
    digits: int = 10,
    loss: LossResult | None = None,
    grads: Gradients | None = None,
) -> str:
    """The trace as CSV text (``digits`` significant digits; t as an integer)."""
    names, table = trace_columns(trace, input_names, output_names, targets, target_names, loss, grads)
    return _csv_text(names, table, digits)


def _csv_text(names: list[str], table: np.ndarray, digits: int) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(names)
    fmt = f"{{:.{digits}g}}"
    for row in table:
        w.writerow([str(int(row[0]))] + [fmt.format(v) for v in row[1:]])
    return buf.getvalue()


def export_trace_csv(
    trace: Trace,
    path: str | os.PathLike,
    input_names: Seq[str] = (),
    output_names: Seq[str] = (),
    targets: np.ndarray | None = None,
    target_names: Seq[str] = (),
    digits: int = 10,
) -> None:
    """Write :func:`trace_csv` to ``path`` atomically (UTF-8)."""
    text = trace_csv(trace, input_names, output_names, targets, target_names, digits)
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def head_loss(network: Network) -> str:
    """The loss ``network``'s head implies (:data:`LOSS_BY_HEAD`)."""
    from .training import loss_for

    return loss_for(network)


def session_gradients(session) -> tuple[Trace, LossResult | None, Gradients | None]:
    """The forward pass of ``session`` and, when its targets fit the loss its head implies,
    that loss and the gradients of BPTT; else ``(trace, None, None)``: what the window
    computes (:func:`rnnviz.session.compute.compute`)."""
    from .compute import compute

    c = compute(session)
    return c.trace, c.loss, c.grads


def session_trace_csv(session, digits: int = 10) -> str:
    """The CSV of ``session``'s forward pass, with its column names and targets, and its
    loss and gradients when the targets fit its head.  The GUI's "Export trace as CSV"
    and ``rnnviz --export-trace`` both write this text."""
    if len(session.runs) == 1:
        return _csv_text(*_run_columns(session), digits)
    from .compare import run_session

    # a comparison: t, the inputs and targets once; each run's own columns as run{k}_…
    names, blocks = [], []
    for k in range(len(session.runs)):
        run_names, table = _run_columns(run_session(session, k))
        for i, name in enumerate(run_names):
            shared = name == "t" or name.startswith(("x_", "target_"))
            if shared and k > 0:
                continue
            names.append(name if shared else f"run{k + 1}_{name}")
            blocks.append(table[:, i : i + 1])
    return _csv_text(names, np.hstack(blocks), digits)


def _run_columns(session) -> tuple[list[str], np.ndarray]:
    """The trace columns of ``session``'s active run."""
    seq = session.sequence
    trace, loss, grads = session_gradients(session)
    text_head = seq.vocabulary and trace.y is not None and len(seq.vocabulary) == trace.y.shape[1]
    outputs = seq.vocabulary if text_head else ()
    return trace_columns(trace, seq.input_names, outputs, seq.targets, seq.target_names, loss, grads)


def export_session_trace_csv(session, path: str | os.PathLike, digits: int = 10) -> None:
    """Write :func:`session_trace_csv` to ``path`` atomically (UTF-8): the one writer
    behind the GUI's "Export trace as CSV" and ``rnnviz --export-trace``."""
    text = session_trace_csv(session, digits)
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))
