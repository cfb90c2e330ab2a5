"""A generated run in the output panel: each step's bars are the distribution its token
was drawn from, p_t = softmax(z_t/τ) (top-k: only the k best), with the drawn token
marked; the grey outlines are the model's own y_t = softmax(z_t) (τ = 1).  Qt-free
numbers for :class:`~rnnviz.gui.plots.outputs.OutputPanel`."""

from __future__ import annotations

from html import escape

import numpy as np

from rnnviz.engine.continuation import next_distribution


def sampled_distributions(run, trace) -> tuple[np.ndarray, np.ndarray] | None:
    """(p [T, V], drawn [T]) of a generated run: the distribution each step's token was
    drawn from (NaN rows where the step chose nothing) and the drawn token (−1: none);
    None without a generated run of tokens."""
    c = None if run is None else run.continuation
    if c is None or trace.y_logits is None:
        return None
    T, V = trace.y_logits.shape
    p = np.full((T, V), np.nan)  # [T, V]
    drawn = np.full(T, -1, dtype=np.int64)  # [T]
    for t in range(T):
        n = run.choice(t)
        if n is not None:
            p[t] = next_distribution(trace.y_logits[t], c.temperature, c.top_k)
            drawn[t] = int(c.tokens[n])
    return p, drawn


def sampled_caption(t: int, p: np.ndarray, y: np.ndarray, k: int, names, tau: float) -> str:
    """The bars' caption at step ``t`` (1-based) of a generated run."""
    how = "argmax: greedy, τ = 0" if tau == 0 else f"softmax(z<sub>{t}</sub>/τ), τ = {tau:.2f}"
    return (
        f"p<sub>{t}</sub> = {how} · <b>drawn: {escape(names[k])}</b> ({p[k]:.2f}) · "
        f"outlines: τ = 1 ({y[k]:.2f})"
    )
