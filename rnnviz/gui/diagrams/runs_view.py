"""Compare mode in the Diagrams: every run's unrolled chain, stacked, on the shared cursor.

One :class:`~rnnviz.gui.diagrams.unrolled.UnrolledDiagram` a run, each under its run's
name, all at the same step, layer and direction; Forward / Backward switches them all
(in Backward the tanh RNN's arrows fade to nothing towards t = 1 where a GRU's keep
their width).  The cell's inside and the rolled diagram show the active run.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import Signal

from .unrolled import UnrolledDiagram


class RunsUnrolled(QtWidgets.QWidget):
    """See the module doc.  Clicks on a column ask for that step (``sig_step_requested``)."""

    sig_step_requested = Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.diagrams: list[UnrolledDiagram] = []
        self.labels: list[QtWidgets.QLabel] = []
        inner = QtWidgets.QWidget()
        self._layout = QtWidgets.QVBoxLayout(inner)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        scroll = QtWidgets.QScrollArea()  # four runs on a small screen: scroll, never squash
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(scroll)
        self._state = {"step": 1, "backward": False, "selection": (0, 0, 0, "")}

    def set_runs(self, computed_runs, bptt_window: int = 0) -> None:
        """``computed_runs``: every run's Computed (the active one first)."""
        while len(self.diagrams) < len(computed_runs):
            label = QtWidgets.QLabel()
            label.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # a run's name is the user's text
            label.setStyleSheet("font-weight: bold; padding-left: 4px;")
            diagram = UnrolledDiagram()
            diagram.sig_step_requested.connect(self.sig_step_requested)
            self._layout.addWidget(label)
            self._layout.addWidget(diagram, 1)
            self.labels.append(label)
            self.diagrams.append(diagram)
        for k, (label, diagram) in enumerate(zip(self.labels, self.diagrams, strict=True)):
            shown = k < len(computed_runs)
            label.setVisible(shown)
            diagram.setVisible(shown)
            if not shown:
                continue
            c = computed_runs[k]
            label.setText(c.session.run_name + (" (active)" if k == 0 else ""))
            diagram.set_trace(c.trace, c.session)
            diagram.setMinimumHeight(diagram.readable_height())  # each chain whole at a readable zoom
            diagram.set_gradients(c.grads, bptt_window)
            diagram.set_backward(self._state["backward"] and c.grads is not None)
            diagram.set_selection(*self._clamped(c.trace.network))
            diagram.set_step(self._state["step"])

    def restyle(self) -> None:
        for d in self.diagrams:
            d.restyle()

    def _clamped(self, net) -> tuple:
        layer, direction, unit, gate = self._state["selection"]
        gate = gate if gate in net.spec.gate_names else ""
        return (min(layer, net.num_layers - 1), min(direction, net.num_directions - 1),
                min(unit, net.hidden_size - 1), gate)  # fmt: skip

    def _shown(self) -> list[UnrolledDiagram]:
        return [d for d in self.diagrams if d.isVisibleTo(self)]

    def set_step(self, t: int) -> None:
        self._state["step"] = int(t)
        for d in self._shown():
            d.set_step(t)

    def set_backward(self, on: bool) -> None:
        self._state["backward"] = bool(on)
        for d in self._shown():
            d.set_backward(on and d.grads is not None)

    def set_selection(self, layer: int, direction: int, unit: int, gate: str) -> None:
        self._state["selection"] = (int(layer), int(direction), int(unit), gate or "")
        for d in self._shown():
            if d.trace is not None:
                d.set_selection(*self._clamped(d.trace.network))
