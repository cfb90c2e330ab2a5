"""Step math as Markdown with LaTeX (``$$ … $$``, ``pmatrix``) for handouts."""

from __future__ import annotations

import re

from rnnviz.engine import Trace

from ..atomic import atomic_write
from .backward import StepCursor, build_backward_math
from .build import build_step_math
from .loss import gradients_for
from .model import Block, StepMath, to_plain

_TEX_OPS = {
    "·": r"\cdot",
    "⊙": r"\odot",
    "σ": r"\sigma",
    "−": "-",
    "→": r"\rightarrow",
    "←": r"\leftarrow",
    "Σ": r"\Sigma",
    "•": r"\bullet ",
    "∂": r"\partial ",
    "ℓ": r"\ell",
    "ᵀ": r"^{\top}",
    "′": "'",
    "²": "^{2}",
    "…": r"\ldots",
    "“": "``",
    "”": "''",
}


def _tex(s: str) -> str:
    for k, v in _TEX_OPS.items():
        s = s.replace(k, f" {v} " if k in "·⊙→←" else v)
    s = re.sub(r"\btanh\(", r"\\tanh(", s)
    s = re.sub(r"\bexp\(", r"\\exp(", s)
    s = re.sub(r"\b(softmax|ReLU)\(", r"\\operatorname{\1}(", s)
    s = re.sub(r"(?<![a-z\\])ln\b", r"\\ln", s)
    s = s.replace("mean(", r"\operatorname{mean}(").replace("all steps:", r"\qquad\text{all steps:}")
    s = s.replace("(step ", r"\ (\text{step } ").replace("1[", r"\mathbb{1}[")
    return s.replace("  ", " ").strip()


def _tex_block(b: Block) -> str:
    gap = {"⋮": r"\vdots", "⋯": r"\cdots", "⋱": r"\ddots"}
    body = r" \\ ".join(" & ".join(gap.get(c, c.replace("−", "-")) for c in row) for row in b.cells)
    if len(b.cells) == 1 and len(b.cells[0]) == 1 and not b.is_matrix:
        return body  # a scalar: ℓ_t = −ln 0.1707 = 1.7676, not in brackets
    m = rf"\begin{{pmatrix}} {body} \end{{pmatrix}}"
    if b.is_matrix and b.name and b.caption:
        key, _, shape = b.caption.partition(", ")
        key, shape = key.replace("_", r"\_"), shape.replace("×", r" \times ")
        key = key.replace("ᵀ", r"}^{\top}\texttt{")  # head.weightᵀ: transposed
        return rf"\underbrace{{{m}}}_{{{_tex(b.name)}\ (\texttt{{{key}}},\ {shape})}}"
    if b.is_matrix and b.name:
        return rf"\underbrace{{{m}}}_{{{_tex(b.name)}}}"
    return m


def step_math_markdown(sm: StepMath, heading: str = "") -> str:
    """Markdown with one ``$$ … $$`` display per equation line."""
    out = [f"## {heading or sm.title}", ""]
    if sm.note:
        out += [f"> {ln}" if ln else ">" for ln in sm.note.splitlines()] + [""]
    for ln in sm.lines:
        if ln.is_heading:
            out += [f"### {to_plain(ln.title)}", ""]
            continue
        if not any(isinstance(p, Block) for p in ln.parts):  # words only: a sentence, not a display
            out += [f"**{to_plain(ln.title)}** — *{to_plain(' '.join(ln.parts))}*", ""]
            continue
        out.append(
            f"**{to_plain(ln.title)}**" + (f" — ${_tex(ln.lhs)} = {_tex(ln.formula)}$" if ln.formula else "")
        )
        out.append("")
        body = " ".join(_tex_block(p) if isinstance(p, Block) else _tex(p) for p in ln.parts + ln.aside)
        lhs = _tex(ln.lhs)
        out += ["$$", f"{lhs} = {body}" if not body.startswith(lhs) else body, "$$", ""]
    return "\n".join(out)


AUTO = object()  # export_math computes the loss and gradients itself


def export_math(
    session,
    trace: Trace,
    step: int,
    path=None,
    decimals=None,
    layer=None,
    direction=None,
    unit=None,
    page: str = "forward",
    loss=AUTO,
    grads=AUTO,
) -> str:
    """The step's worked math as Markdown, written to ``path`` when given.

    Layer, direction, unit and decimals default to the session's view settings.
    ``page`` is ``"forward"`` (the equations, then the loss) or ``"backward"`` (from the
    error back to the weights).  ``loss`` and ``grads`` default to the ones the app
    computes (:func:`gradients_for`); pass None for a session without targets.
    """
    if page not in ("forward", "backward"):
        raise ValueError(f"page must be 'forward' or 'backward'; got {page!r}")
    if loss is AUTO or grads is AUTO:
        _, loss, grads = gradients_for(session)
    v = session.view
    seq = session.sequence
    pick = lambda a, b: b if a is None else a  # noqa: E731
    where = StepCursor(step, pick(layer, v.layer), pick(direction, v.direction), pick(unit, v.unit))
    if page == "backward":
        sm = build_backward_math(session, trace, loss, grads, where, pick(decimals, v.decimals))
    else:
        sm = build_step_math(
            trace,
            where.layer,
            where.direction,
            step,
            where.unit,
            pick(decimals, v.decimals),
            labels=seq.vocabulary,
            note=session.note if step == 1 else "",  # the note works step 1, as the app shows it
            loss=loss,
            targets=seq.targets,
        )
    heading = f"{session.title} — {sm.title}" if session.title else sm.title
    if seq.tokens and 1 <= step <= len(seq.tokens):
        heading += f" — input “{seq.tokens[step - 1]}”"
    text = step_math_markdown(sm, heading) + "\n"
    if path is not None:
        _write_text(path, text)
    return text


def _write_text(path, text: str) -> None:
    """Atomically (temp file, fsync, replace), with the usual rw-r--r-- permissions."""
    data = text.encode("utf-8")
    atomic_write(path, lambda f: f.write(data))
