"""The unrolled chain of a generated run: each chosen token fed back as the next input.

:class:`FeedbackOverlay` adds one orange arrow to every pooled column, once per
structure: from the output box y_t, around the gap between the columns, into the
input box x_{t+1}, labelled with the token drawn at step t (see
:class:`rnnviz.session.generation.GeneratedRun`).  The run's inputs are all real
(the prompt, then each choice), so their boxes are not faded as a one-to-many
sequence's later inputs are.  With no generated run the overlay shows nothing.
"""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets

from .style import ArrowItem, font
from .unrolled_items import CW, DX, IO_H, ColumnItems, sub

FEEDBACK = "#e66100"  # orange, as the chosen token in the Generate tab
LABEL_MAX = 8  # characters of a token shown beside the arrow


def token_text(token: str) -> str:
    token = token.replace(" ", "␣").replace("\n", "⏎")
    return token if len(token) <= LABEL_MAX else token[: LABEL_MAX - 1] + "…"


class FeedbackColumn:
    """The feedback items of one pooled column."""

    def __init__(self, col: ColumnItems, lay) -> None:
        x = DX / 2  # the gap between this column and the next
        top, bottom = lay.y_head, lay.y_in
        points = [(CW / 2, top), (x, top), (x, bottom), (DX - CW / 2 - 3, bottom)]
        self.arrow = ArrowItem(col.group, points, 2.6, FEEDBACK)
        self.arrow.setZValue(6)
        self.label = QtWidgets.QGraphicsSimpleTextItem(col.group)
        self.label.setFont(font(11, bold=True))
        self.label.setBrush(QtGui.QColor(FEEDBACK))
        self.label.setZValue(7)
        self.label.setPos(x + 4, top + IO_H / 2 + 2)
        self.items = (self.arrow, self.label)
        for item in self.items:
            item.setVisible(False)


class FeedbackOverlay:
    """The generated run's feedback on the unrolled chain (see the module docstring)."""

    def __init__(self) -> None:
        self.run = None  # the GeneratedRun shown, or None
        self.steps = 0
        self.built: tuple = ()

    def set_run(self, run, steps: int) -> None:
        self.run, self.steps = run, steps

    def ensure_built(self, scene) -> None:
        key = (id(scene.columns), scene.structure)
        if self.run is None or self.built == key or not scene.lay.head:
            return
        for col in scene.columns:
            col.feedback = FeedbackColumn(col, scene.lay)
        self.built = key

    def fill(self, col: ColumnItems, t: int) -> None:
        """Column ``col`` now shows step t (0 … T+1)."""
        fb = getattr(col, "feedback", None)
        run = self.run
        shown = run is not None and 1 <= t <= self.steps and run.feeds_back(t - 1, self.steps)
        if run is not None and 1 <= t <= self.steps:
            for item in col.items_x:  # every input of a generated run is real: the prompt or a choice
                if item.opacity() != 1.0:
                    item.setOpacity(1.0)
        if fb is None:
            return
        for item in fb.items:
            if item.isVisible() != shown:
                item.setVisible(shown)
        if not shown:
            return
        n = run.choice(t - 1)
        c = run.continuation
        if c is not None and n is not None and len(run.vocabulary) > int(c.tokens[n]):
            token = run.vocabulary[int(c.tokens[n])]
            fb.label.setText(token_text(token))
            tip = f"the token drawn from y{sub(t)}, “{token_text(token)}”, is the next input x{sub(t + 1)}"
        else:
            fb.label.setText("")
            tip = f"y{sub(t)} is fed back as the next input x{sub(t + 1)}"
        fb.arrow.setToolTip(tip)
        fb.label.setToolTip(tip)
