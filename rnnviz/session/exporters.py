"""Export a trace as CSV: one row per time step, every number a view shows.

Columns, left to right (steps numbered 1..T as in the course)::

    t, x_<input name>…,
    for each layer l and direction (fwd / bwd):
        h_l{l}_{dir}_u{k}…, c_l{l}_{dir}_u{k}… (LSTM),
        {gate}_l{l}_{dir}_u{k}… for each gate (LSTM i f g o, GRU r z n),
    y_<output name>… (when there is an output head), target_<name>… (when given)

Units are numbered from 1 (``u1``), as in the lecture's h_t = (h_1, h_2, …).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence as Seq

import numpy as np

from rnnviz.engine import Trace

from .atomic import atomic_write

DIRECTIONS = ("fwd", "bwd")


def trace_columns(
    trace: Trace,
    input_names: Seq[str] = (),
    output_names: Seq[str] = (),
    targets: np.ndarray | None = None,
    target_names: Seq[str] = (),
) -> tuple[list[str], np.ndarray]:
    """Column names and the [T, columns] table of :func:`export_trace_csv`."""
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
    return names, np.hstack(blocks)


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
) -> str:
    """The trace as CSV text (``digits`` significant digits; t as an integer)."""
    names, table = trace_columns(trace, input_names, output_names, targets, target_names)
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


def session_trace_csv(session, digits: int = 10) -> str:
    """The CSV of ``session``'s forward pass, with its column names and targets."""
    seq = session.sequence
    trace = session.network.forward(seq.inputs)
    text_head = seq.vocabulary and trace.y is not None and len(seq.vocabulary) == trace.y.shape[1]
    outputs = seq.vocabulary if text_head else ()
    return trace_csv(trace, seq.input_names, outputs, seq.targets, seq.target_names, digits)
