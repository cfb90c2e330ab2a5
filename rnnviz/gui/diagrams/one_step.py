"""The base of the diagrams that show one layer and direction at one step.

The rolled cell and the cell's inside share the view contract: they hold the
trace and the selection, clamp the selection to the network, and on a step
change only ask their scene to update its items.
"""

from __future__ import annotations

from PySide6 import QtWidgets
from PySide6.QtCore import Qt, Signal

from .gradients import grads_fit
from .style import tune_view

DIAGRAM_DECIMALS = 5  # "−0.99970" is the widest number a chip's cell shows whole


class OneStepDiagram(QtWidgets.QGraphicsView):
    """A view of ``diagram_scene``; subclasses implement ``_sync`` (rebuild if needed)."""

    sig_step_requested = Signal(int)
    sig_unit_selected = Signal(int)
    sig_gate_selected = Signal(str)

    def __init__(self, scene: QtWidgets.QGraphicsScene, parent=None):
        super().__init__(parent)
        scene.setParent(self)  # owned by the view: destroyed with it, never before it
        self.diagram_scene = scene
        self.setScene(scene)
        tune_view(self)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.trace = None
        self.step, self.layer, self.direction, self.unit, self.gate = 1, 0, 0, 0, ""
        self.grads, self.backward = None, False

    # -- view contract ----------------------------------------------------------
    def set_trace(self, trace, session=None) -> None:
        self.trace = trace
        self._take_session(session)
        net = trace.network
        self.layer = min(self.layer, net.num_layers - 1)
        self.direction = min(self.direction, net.num_directions - 1)
        self.unit = min(self.unit, net.hidden_size - 1)
        self._sync()

    def set_step(self, t: int) -> None:
        self.step = int(t)
        if self.trace is not None:
            self._update_step()

    def set_selection(self, layer: int = 0, direction: int = 0, unit: int = 0, gate: str = "") -> None:
        self.layer, self.direction, self.unit, self.gate = layer, direction, unit, gate or ""
        self._sync()

    def set_gradients(self, grads) -> None:
        """The gradients the Backward mode shows (None: none; Backward then shows values)."""
        self.grads = grads
        if self.trace is not None:
            self._update_step()

    def set_decimals(self, n: int) -> None:
        """Numbers with ``n`` decimals (the session's Decimals setting, at most
        ``DIAGRAM_DECIMALS``: a chip's cell holds seven characters)."""
        n = max(0, min(int(n), DIAGRAM_DECIMALS))
        if n != self.diagram_scene.decimals:
            self.diagram_scene.decimals = n
            if self.trace is not None:
                self._update_step()

    def set_backward(self, on: bool) -> None:
        self.backward = bool(on)
        if self.trace is not None:
            self._update_step()

    def restyle(self) -> None:
        """A new theme: the paper repainted; the scene is rebuilt at the next ``set_trace``."""
        tune_view(self)
        self.diagram_scene.structure = ()

    # -- for subclasses ------------------------------------------------------------
    def _update_step(self) -> None:
        step = min(self.step, self.trace.steps)
        if self.backward and not grads_fit(self.trace, self.grads):
            self.diagram_scene.update_backward(self.trace, self.grads, self.layer, self.direction, step)
        else:
            self.diagram_scene.update_step(self.trace, self.layer, self.direction, step)

    def _take_session(self, session) -> None:
        """Read what the diagram needs from the session (vocabulary, names)."""

    def _sync(self) -> None:
        raise NotImplementedError
