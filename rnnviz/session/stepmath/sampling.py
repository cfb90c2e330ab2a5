"""The sampling step of a generated run: how step t's logits chose the next input.  Qt-free.

At a step whose output chose the n-th generated token g_n (see
:class:`rnnviz.session.generation.GeneratedRun`)::

    τ = 0:  g_n = argmax_k z_{t,k}                                   (greedy)
    τ > 0:  p_t = softmax(z_t / τ)   (top-k: only the k largest z; 0 elsewhere)
            F_t = cumsum(p_t),  u ~ U[0, 1)
            g_n = the first token k with F_{t,k} > u                  (the draw)
    x_{t+1} = onehot(g_n)                                            (fed back)

Every number comes from the trace (z_t) and the run's record (τ, top-k, where the
draw landed, the token); p_t is :func:`rnnviz.engine.continuation.next_distribution`,
the distribution the engine drew from.

    lines = sampling_lines(run, trace, step, decimals)   # [] when step t chose nothing
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from rnnviz.engine import Trace
from rnnviz.engine.continuation import next_distribution

from .model import MAX_ROWS, Block, Line, StepMath, _block, fmt, scalar


def token_text(token: str) -> str:
    """A token as shown: a space is ␣, a newline ⏎."""
    return token.replace(" ", "␣").replace("\n", "⏎")


def sampling_lines(run, trace: Trace, step: int, decimals: int = 4) -> list[Line]:
    """The sampling lines of ``step`` (1 … T) of a generated run; [] when the step's
    output chose nothing (a prompt step before the last, value feedback, step 0)."""
    c = run.continuation if run is not None else None
    if c is None or trace.y_logits is None or not 1 <= step <= trace.steps:
        return []
    n = run.choice(step - 1)
    if n is None:
        return []
    z = np.asarray(trace.y_logits[step - 1], dtype=np.float64)  # [V]
    V = z.shape[0]
    vocab = tuple(run.vocabulary) if len(run.vocabulary) == V else tuple(str(k) for k in range(V))
    k = int(c.tokens[n])
    labels = tuple(("▶ " if j == k else "") + token_text(w) for j, w in enumerate(vocab))
    t, tau = step, float(c.temperature)
    tau_rows = float(c.temperature)
    rows = likely_rows(next_distribution(z, tau_rows, c.top_k) if tau_rows > 0 else softmax_rows(z), k)

    def vec(name: str, a) -> Block:
        return replace(_block(name, "", a, rows, (0,), decimals, labels=labels), show_labels=True)

    zt = vec(f"z_{{{t}}}", z)
    chosen = f"“{token_text(vocab[k])}”"
    fed = f"fed back: x_{{{t + 1}}} = onehot({chosen})" if step < trace.steps else "the last token written"
    heading = f"Choosing generated token {n + 1} from z_{{{t}}}"
    if tau == 0:
        heading += " (greedy, τ = 0)"
        return [
            Line("sample:section", "", heading, "", "", ()),
            Line(
                "sample:greedy",
                "",
                f"the largest score wins; {fed}",
                f"g_{{{n + 1}}}",
                f"argmax_{{k}} z_{{{t},k}}",
                ("argmax(", zt, ")", "=", chosen),
            ),
        ]
    p = next_distribution(z, tau, c.top_k)  # [V] the distribution the engine drew from
    F = np.cumsum(p)  # [V]
    top = f", top-{c.top_k}: the other tokens get 0" if c.top_k is not None and c.top_k < V else ""
    heading += f" (sampling at τ = {fmt(tau, 2)}{top})"
    u = float(c.draws[n]) if c.draws is not None else float("nan")
    lo = f"F[{token_text(vocab[k - 1])}] = {fmt(F[k - 1], decimals)} ≤ " if k > 0 else ""
    where = f"{lo}u < F[{token_text(vocab[k])}] = {fmt(F[k], decimals)}"
    spread = _spread(z, p)
    return [
        Line("sample:section", "", heading, "", "", ()),
        Line(
            "sample:scaled",
            "",
            f"scores divided by the temperature: {spread}",
            f"z_{{{t}}}/τ",
            "",
            (zt, "/", fmt(tau, 2), "=", vec("", z / tau)),
        ),
        Line(
            "sample:p",
            "",
            "the distribution the token is drawn from",
            f"p_{{{t}}}",
            f"softmax(z_{{{t}}}/τ)",
            ("softmax(", vec("", z / tau), ")", "=", vec(f"p_{{{t}}}", p)),
        ),
        Line(
            "sample:F",
            "",
            "cumulative: each token owns the stretch from the previous F up to its own",
            f"F_{{{t},k}}",
            f"p_{{{t},1}} + … + p_{{{t},k}}",
            ("cumsum(", vec("", p), ")", "=", vec(f"F_{{{t}}}", F)),
        ),
        Line(
            "sample:draw",
            "",
            f"the draw: {where}",
            f"g_{{{n + 1}}}",
            f"the first k with F_{{{t},k}} > u",
            (scalar("u", u, decimals), "→", chosen, f"(p = {fmt(p[k], 3)}); {fed}"),
        ),
    ]


def softmax_rows(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def likely_rows(p: np.ndarray, k: int, size: int = MAX_ROWS) -> tuple[int | None, ...]:
    """The rows to show: the most likely tokens, the drawn one ``k`` and the one before it
    (where k's stretch of F starts), in vocabulary order; None marks the rows left out."""
    V = p.shape[0]
    if V <= size:
        return tuple(range(V))
    pick = {k} | ({k - 1} if k > 0 else set())
    for j in np.argsort(-p, kind="stable"):
        if len(pick) >= size:
            break
        pick.add(int(j))
    rows: list[int | None] = []
    prev = -1
    for r in sorted(pick):
        if r != prev + 1:
            rows.append(None)
        rows.append(r)
        prev = r
    if prev < V - 1:
        rows.append(None)
    return tuple(rows)


def _spread(z: np.ndarray, p: np.ndarray) -> str:
    """How many tokens have a real chance at this τ, against τ = 1."""
    own = np.exp(z - z.max())
    own /= own.sum()  # [V] softmax(z)
    now, then = int(np.count_nonzero(p >= 0.01)), int(np.count_nonzero(own >= 0.01))
    return f"{now} of {p.shape[0]} tokens have p ≥ 1% (at τ = 1: {then})"


def with_sampling(math: StepMath, run, trace: Trace) -> StepMath:
    """``math`` (the forward page of a step) with the sampling lines after the output's
    (before the loss); unchanged when the step chose nothing."""
    extra = sampling_lines(run, trace, math.step, math.decimals)
    if not extra or math.page != "forward":
        return math
    lines = list(math.lines)
    at = max((i + 1 for i, ln in enumerate(lines) if ln.key.startswith("head:")), default=len(lines))
    return replace(math, lines=tuple(lines[:at] + extra + lines[at:]))
