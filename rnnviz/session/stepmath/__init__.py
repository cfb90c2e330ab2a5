"""The worked math of one step, with the trace's numbers filled in.  Qt-free.

:func:`build_step_math` turns a :class:`~rnnviz.engine.Trace` at one step into a
:class:`StepMath`: a list of equation lines, each a row of :class:`Block`
operands (matrices and vectors with their names, PyTorch names and shapes) and
operators.  Every number comes from :meth:`Trace.step` / :meth:`Trace.head_step`;
nothing here recomputes the network (only the displayed helpers b_fx + b_fh,
1 − z, f ⊙ c and the softmax's exponentials are formed from those numbers).

:func:`build_backward_math` builds the backward page of the same step: the error at
the output, ∂L/∂h_t, the way through the cell and each weight's share, from the
engine's :class:`~rnnviz.engine.trace.Gradients`.

Symbols are written LaTeX-style (``W_{hx}``, ``h_{0}``); :func:`to_plain` turns
them into plain text (the GUI's math canvas draws the scripts), and
:func:`step_math_markdown` / :func:`export_math` write the handout Markdown.
"""

from .backward import StepCursor, build_backward_math
from .build import build_step_math
from .loss import LOSS_BY_HEAD, gradients_for
from .markdown import export_math, step_math_markdown
from .model import MAX_ROWS, Block, Line, Part, StepMath, fmt, parse_number, to_plain, window

__all__ = [
    "MAX_ROWS",
    "Block",
    "Line",
    "Part",
    "StepCursor",
    "StepMath",
    "LOSS_BY_HEAD",
    "build_backward_math",
    "build_step_math",
    "gradients_for",
    "export_math",
    "fmt",
    "parse_number",
    "step_math_markdown",
    "to_plain",
    "window",
]
