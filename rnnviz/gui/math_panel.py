"""MathPanel: the current step's equations with the trace's numbers filled in.

The equations come from :func:`rnnviz.session.stepmath.build_step_math`; the
panel's :class:`~rnnviz.gui.math_canvas.MathCanvas` lays them out and paints
them (vectors and matrices, results tinted on the diagrams' colour scale),
large enough for a projector.  A Forward / Backward switch at the top picks the
page: the forward equations (ending with the loss), or the backward page from the
error at the output back to the weights (:func:`build_backward_math`, fed by
:meth:`MathPanel.set_gradients`).  Clicking a gate's title selects that gate
everywhere; the context menu copies the step as Markdown with LaTeX or as text.

``python -m rnnviz.gui.math_panel`` shows it on its own with the default example.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal

from rnnviz.session.model import MAX_DECIMALS
from rnnviz.session.stepmath import (
    StepCursor,
    StepMath,
    build_backward_math,
    build_step_math,
    export_math,
    step_math_markdown,
)
from rnnviz.session.stepmath.backward import fits
from rnnviz.session.stepmath.markdown import AUTO
from rnnviz.session.stepmath.sampling import with_sampling

from .diagrams.style import unit_is_marked
from .math_canvas import MathCanvas
from .plain_text import plain_message_box
from .views import CursorFollower, forward_requests


class MathPanel(CursorFollower, QtWidgets.QWidget):
    """The worked math at the current step (the view contract of rnnviz.gui.views)."""

    sig_cursor_requested = Signal(object)  # dict of cursor fields
    sig_settings_changed = Signal(object)  # dict of view settings to keep (decimals)
    sig_step_requested = Signal(int)
    sig_unit_selected = Signal(int)
    sig_gate_selected = Signal(str)
    sig_decimals_changed = Signal(int)  # the user chose how many decimals: a view setting to keep
    sig_page_changed = Signal(str)  # "forward" | "backward"

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._rendered: tuple = ()  # what the canvas shows, to skip identical re-layouts
        self.trace = None
        self.generated = None  # the GeneratedRun shown, or None
        self._scrolled_for = None  # the GeneratedRun whose sampling step was scrolled to
        self.session = None
        self.step = 1
        self.layer = self.direction = self.unit = 0
        self.gate = ""
        self.math: StepMath | None = None
        self.page = "forward"
        self.loss = self.grads = None  # from set_gradients; None = no targets
        self._grads_given = False
        self._build()
        forward_requests(self)
        self.sig_decimals_changed.connect(lambda n: self.sig_settings_changed.emit({"decimals": int(n)}))

    def _build(self) -> None:
        self.forward_button = _segment("Forward", "The step's equations, from the input to the loss")
        self.backward_button = _segment("Backward", "From the error at the output back to the weights")
        self.forward_button.setChecked(True)
        self.page_group = QtWidgets.QButtonGroup(self)
        self.page_group.setExclusive(True)
        self.page_group.addButton(self.forward_button)
        self.page_group.addButton(self.backward_button)
        self.page_group.buttonToggled.connect(self._on_page_group_toggled)
        self.decimals_spin = QtWidgets.QSpinBox(minimum=0, maximum=MAX_DECIMALS, value=4)
        self.decimals_spin.setToolTip("Decimal places of every number")
        self.decimals_spin.valueChanged.connect(self._on_decimals_changed)
        self.export_button = QtWidgets.QPushButton("Export step math…")
        self.export_button.clicked.connect(self._on_export_clicked)
        bar = QtWidgets.QHBoxLayout()
        seg = QtWidgets.QHBoxLayout()
        seg.setSpacing(0)  # the two buttons touch: one segmented switch
        seg.addWidget(self.forward_button)
        seg.addWidget(self.backward_button)
        bar.addLayout(seg)
        bar.addSpacing(16)
        bar.addWidget(QtWidgets.QLabel("Decimals"))
        bar.addWidget(self.decimals_spin)
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        self.canvas = MathCanvas()
        self.canvas.sig_gate_clicked.connect(self._on_canvas_gate_clicked)
        self.canvas.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.canvas.customContextMenuRequested.connect(self._on_canvas_context_menu)
        self.scroll = _Scroll(self.canvas)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(bar)
        lay.addWidget(self.scroll, 1)

    # -- view contract -------------------------------------------------------
    def set_appearance(self, appearance) -> None:
        """A new theme or zoom: the page set again in its colours and sizes."""
        self.canvas.set_appearance(appearance)

    def set_computed(self, computed) -> None:
        self._forget_cursor()
        self.grads, self.loss, self._grads_given = computed.grads, computed.loss, True
        self.generated = computed.generated  # a generated run: its sampling step joins the math
        self.set_trace(computed.trace, computed.session)

    def set_trace(self, trace, session=None) -> None:
        self.trace, self.session = trace, session
        if session is not None:
            with QtCore.QSignalBlocker(self.decimals_spin):
                self.decimals_spin.setValue(session.view.decimals)
        net = trace.network
        self.layer = min(self.layer, net.num_layers - 1)
        self.direction = min(self.direction, net.num_directions - 1)
        self.unit = min(self.unit, net.hidden_size - 1)
        self.step = min(self.step, trace.steps)
        self._refresh()

    def set_step(self, t: int) -> None:
        self.step = int(t)
        self._refresh()

    def set_selection(self, layer: int = 0, direction: int = 0, unit: int = 0, gate: str = "") -> None:
        self.layer, self.direction, self.unit, self.gate = layer, direction, unit, gate or ""
        self._refresh()
        if self.gate:
            self.scroll_to_gate(self.gate)

    def set_gradients(self, grads, loss) -> None:
        """The engine's Gradients and LossResult of the current trace (None, None: no targets).

        The forward page then ends with the loss; the backward page shows the chain.
        """
        self.grads, self.loss, self._grads_given = grads, loss, True
        self._refresh()

    def set_page(self, page: str) -> None:
        """Show the ``"forward"`` or ``"backward"`` page."""
        if page not in ("forward", "backward"):
            raise ValueError(f"page must be 'forward' or 'backward'; got {page!r}")
        (self.backward_button if page == "backward" else self.forward_button).setChecked(True)

    def scroll_to_gate(self, gate: str) -> None:
        """Bring the gate's first line to the top of the view (when it is not in view already)."""
        top = self.canvas.line_top(gate)
        if top is None:
            return
        bar = self.scroll.verticalScrollBar()
        view_h = self.scroll.viewport().height()
        if not (bar.value() <= top - 10 and top + 120 <= bar.value() + view_h):
            bar.setValue(int(max(top - 10, 0)))

    def text(self) -> str:
        """What the panel shows, as plain text (every string it draws, in reading order)."""
        return self.canvas.painted_text()

    @property
    def decimals(self) -> int:
        return self.decimals_spin.value()

    def set_decimals(self, n: int) -> None:
        self.decimals_spin.setValue(n)

    def _refresh(self) -> None:
        if self.trace is None:
            return
        step = min(max(self.step, 0), self.trace.steps)
        key = (id(self.trace), id(self.session), self.layer, self.direction, self.unit, self.gate, step,
               self.decimals, self.page, id(self.loss), id(self.grads), id(self.generated))  # fmt: skip
        if key == self._rendered:
            return  # e.g. set_selection/set_step after set_trace with nothing new: one render per update
        self._rendered = key
        seq = self.session.sequence if self.session is not None else None
        loss = self.loss if fits(self.trace, self.loss, self.grads) else None  # stale: new trace, old grads
        if self.page == "backward":
            cursor = StepCursor(step, self.layer, self.direction, self.unit)
            self.math = build_backward_math(
                self.session, self.trace, self.loss, self.grads, cursor, self.decimals
            )
        else:
            self.math = build_step_math(
                self.trace,
                self.layer,
                self.direction,
                step,
                self.unit,
                self.decimals,
                labels=seq.vocabulary if seq is not None else (),
                note=self.session.note if self.session is not None and step == 1 else "",
                loss=loss,
                targets=seq.targets if seq is not None else None,
            )
            self.math = with_sampling(self.math, self.generated, self.trace)
        H = self.trace.network.hidden_size
        unit = self.unit if unit_is_marked(self.unit, H) else -1
        self.canvas.set_note_width(self.scroll.viewport().width())
        self.canvas.set_math(self.math, self.gate, unit, H)
        if self.generated is not None and self._scrolled_for is not self.generated:
            self._scroll_to_sampling()

    def _scroll_to_sampling(self) -> None:
        """A generated run shown: bring its sampling step into view (once per run)."""
        for box in self.canvas.boxes:
            if box.key == "sample:section":
                self._scrolled_for = self.generated
                bar, top = self.scroll.verticalScrollBar(), int(max(box.top - 10, 0))
                bar.setValue(top)
                if bar.value() != top:  # the scroll range grows with the canvas, after layout
                    QtCore.QTimer.singleShot(0, lambda b=bar, v=top: b.setValue(v))
                return

    # -- handlers ------------------------------------------------------------
    def _on_page_group_toggled(self, button, checked: bool) -> None:
        if not checked:
            return
        self.page = "backward" if button is self.backward_button else "forward"
        self._refresh()
        self.scroll.verticalScrollBar().setValue(0)
        self.sig_page_changed.emit(self.page)

    def _on_decimals_changed(self, n: int) -> None:
        self._refresh()
        self.sig_decimals_changed.emit(n)

    def _on_canvas_gate_clicked(self, gate: str) -> None:
        self.gate = gate
        self._refresh()
        self.sig_gate_selected.emit(self.gate)

    def _on_canvas_context_menu(self, pos: QtCore.QPoint) -> None:
        if self.math is None:
            return
        menu = QtWidgets.QMenu(self)
        md = menu.addAction("Copy step as Markdown with LaTeX")
        plain = menu.addAction("Copy step as plain text")
        chosen = menu.exec(self.canvas.mapToGlobal(pos))
        if chosen is md:
            self.copy_markdown()
        elif chosen is plain:
            QtWidgets.QApplication.clipboard().setText(self.text())

    def copy_markdown(self) -> None:
        if self.math is not None:
            QtWidgets.QApplication.clipboard().setText(step_math_markdown(self.math))

    def _on_export_clicked(self) -> None:
        if self.trace is None or self.session is None:
            return
        path = ask_math_path(self, self.step)
        if path:
            write_math(
                self,
                self.session,
                self.trace,
                self.step,
                path,
                decimals=self.decimals,
                layer=self.layer,
                direction=self.direction,
                unit=self.unit,
                **self._export_kw(),
            )

    def _export_kw(self) -> dict:
        """The page shown, with the gradients it shows (computed anew when none were given)."""
        given = (
            {"loss": self.loss, "grads": self.grads} if self._grads_given else {"loss": AUTO, "grads": AUTO}
        )
        return {"page": self.page, **given}

    def export_markdown(self, path) -> str:
        """The current step's math as Markdown, the page shown (what the Export button writes)."""
        return export_math(
            self.session, self.trace, self.step, path, self.decimals, self.layer, self.direction, self.unit,
            **self._export_kw(),
        )  # fmt: skip


def _segment(text: str, tip: str) -> QtWidgets.QPushButton:
    """One half of the Forward / Backward switch: checkable, reachable by Tab, Space toggles."""
    b = QtWidgets.QPushButton(text)
    b.setCheckable(True)
    b.setToolTip(tip)
    b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    b.setMinimumWidth(96)
    return b


class _Scroll(QtWidgets.QScrollArea):
    """The canvas's scroll area: the canvas fills the width, the note wraps at it."""

    def __init__(self, canvas: MathCanvas):
        super().__init__()
        self.setWidget(canvas)
        self.setWidgetResizable(True)
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.verticalScrollBar().setSingleStep(24)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        canvas = self.widget()
        if isinstance(canvas, MathCanvas):
            canvas.set_note_width(self.viewport().width())


def ask_math_path(parent, step: int) -> str:
    path, _ = QtWidgets.QFileDialog.getSaveFileName(
        parent, "Export step math", f"step{step}.md", "Markdown with LaTeX (*.md);;All files (*)"
    )
    return path


def write_math(parent, session, trace, step: int, path: str, **kw) -> bool:
    """Write the Markdown safely (temp file + replace); a failure is shown, not raised."""
    try:
        export_math(session, trace, step, path, **kw)
        return True
    except (OSError, ValueError, IndexError) as exc:
        plain_message_box(
            parent, QtWidgets.QMessageBox.Icon.Warning, "Export step math", f"Could not write {path}:\n{exc}"
        ).exec()
        return False


def export_step_markdown(session, path: str, step: int | None = None, page: str = "forward") -> int:
    """``rnnviz --export-math OUT [--step t]``: write the step's math; returns an exit code.

    Needs no QApplication.  The step, layer, direction, unit and decimals come from
    the session's view settings (``--step`` sets ``session.view.step``); ``page`` is
    ``"forward"`` (equations and loss) or ``"backward"``.
    """
    import sys

    try:
        trace = session.network.forward(session.inputs)
        t = session.view.step if step is None else step
        export_math(session, trace, min(max(int(t), 0), trace.steps), path, page=page)
    except (OSError, ValueError, IndexError) as exc:
        print(f"rnnviz: could not write the step math to {path}: {exc}", file=sys.stderr)
        return 1
    return 0


def make_export_math_action(parent: QtWidgets.QWidget, context: Callable[[], tuple | None]) -> QtGui.QAction:
    """``File > Export step math…``: ``context()`` returns (session, trace, step[, page]) or None."""
    action = QtGui.QAction("Export step math…", parent)
    action.setStatusTip("Write the current step's worked math as Markdown with LaTeX")

    def _on_action_triggered() -> None:
        ctx = context()
        if ctx is None:
            return
        session, trace, step = ctx[:3]
        path = ask_math_path(parent, step)
        if path:
            write_math(parent, session, trace, step, path, page=ctx[3] if len(ctx) > 3 else "forward")

    action.triggered.connect(_on_action_triggered)
    return action


def main() -> int:  # pragma: no cover - manual use
    import sys

    from rnnviz.gui.theme import apply_theme
    from rnnviz.session.defaults import default_session

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    apply_theme(app)
    session = default_session()
    panel = MathPanel()
    from rnnviz.session.stepmath import gradients_for

    trace, loss, grads = gradients_for(session)
    panel.set_trace(trace, session)
    panel.set_gradients(grads, loss)
    panel.set_step(1)
    panel.resize(1100, 800)
    panel.show()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
