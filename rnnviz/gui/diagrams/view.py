"""DiagramsView: the unrolled chain on top, the rolled cell and the cell's inside below.

One widget for the main window's central area, following the view contract
(``set_trace`` / ``set_step`` / ``set_selection``, ``sig_*``).  It owns the pulse
animators (``set_step_duration``, ``set_animation_enabled``) and the legend, and
exports any of its diagrams to PNG or SVG.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal

from ..plain_text import plain_message_box
from ..views import CursorFollower, forward_requests
from .animation import PulseAnimator
from .cell import CellDiagram
from .export import MARGIN, export_scene_png, export_scene_svg
from .gradients import LEGEND_TEXT as GRAD_LEGEND_TEXT
from .gradients import grad_legend_pixmap, grads_fit
from .legend_text import LegendText
from .mode_switch import FlowSwitch
from .overview import GradientOverview
from .rolled import RolledDiagram
from .runs_view import RunsUnrolled
from .style import legend_pixmap
from .unrolled import MIN_READABLE, UnrolledDiagram

PIXMAP_CACHE_KB = 40 * 1024
#: The chain's share of the height above the cell's inside, by default and at most
#: (a deep or bidirectional net gets more, so it needs no vertical scroll).
CHAIN_SHARE, CHAIN_SHARE_MAX = 0.45, 0.7
LEGEND_TEXTS = {
    False: "value colour · arrows: the mean of the vector they carry · strips: one cell per unit",
    True: GRAD_LEGEND_TEXT,
}
LEGEND_TIPS = {
    False: "One colour scale for every value: blue below 0, yellow above; ±1 and beyond are full colour",
    True: "‖∂L/∂h_t‖ on a log scale from 10⁻¹² (pale, thin: the gradient has vanished) to 1 and "
    "more (dark, wide). The arrows run right to left: the error flows back through time.",
}


class DiagramsView(CursorFollower, QtWidgets.QWidget):
    sig_cursor_requested = Signal(object)  # dict of cursor fields (rnnviz.gui.views)
    sig_step_requested = Signal(int)
    sig_unit_selected = Signal(int)
    sig_gate_selected = Signal(str)
    sig_layer_direction_selected = Signal(int, int)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        # The items' device caches live in the global QPixmapCache; the unrolled pool alone
        # takes ~10 MB (48 columns of a 2-layer bidirectional net), Qt's default limit: at
        # that limit the caches of the columns on screen were evicted and re-rendered.
        if QtGui.QPixmapCache.cacheLimit() < PIXMAP_CACHE_KB:
            QtGui.QPixmapCache.setCacheLimit(PIXMAP_CACHE_KB)
        self.unrolled = UnrolledDiagram()
        self.rolled = RolledDiagram()
        self.cell = CellDiagram()
        self.views = (self.unrolled, self.rolled, self.cell)
        self.trace = None
        self.step = 1
        self.grads, self.bptt_window, self.backward = None, 0, False  # the Backward mode
        self.generated = False  # a generated run is shown (its feedback arrows are named in the legend)
        self._structure: dict[str, tuple] = {}
        self._computed = None  # the last computation shown (rebuilt in a new theme)
        self._runs_unstyled = False  # every run's chains missed a theme or zoom (behind their tab)
        self._stale: set = set()  # views behind a tab that missed step changes
        self.pulses = {
            "unrolled": PulseAnimator(self.unrolled.unrolled_scene, self),
            "rolled": PulseAnimator(self.rolled.rolled_scene, self),
            "cell": PulseAnimator(self.cell.cell_scene, self),
        }
        self._build()
        self.unrolled.sig_step_requested.connect(self.sig_step_requested)
        self.unrolled.sig_layer_direction_selected.connect(self.sig_layer_direction_selected)
        self.cell.sig_gate_selected.connect(self._on_cell_gate_selected)
        forward_requests(self)

    def _build(self) -> None:
        legend = self.legend = QtWidgets.QLabel()
        legend.setPixmap(legend_pixmap())
        legend.setToolTip(LEGEND_TIPS[False])
        # two lines at most, never widening the window; what does not fit ends in "…" (its tooltip has it all)
        text = self.legend_text = LegendText(LEGEND_TEXTS[False], lines=2)
        text.setForegroundRole(QtGui.QPalette.ColorRole.PlaceholderText)  # muted, in every theme
        self.flow_switch = FlowSwitch()
        self.flow_switch.sig_backward_toggled.connect(self.set_backward)
        self.animate_box = QtWidgets.QCheckBox("Animate the flow")
        self.animate_box.setChecked(True)
        self.animate_box.toggled.connect(self.set_animation_enabled)
        self.export_button = QtWidgets.QPushButton("Export diagram…")
        self.export_button.clicked.connect(self._on_export_clicked)
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(legend)
        bar.addWidget(text, 1)
        bar.addWidget(self.flow_switch)
        bar.addWidget(self.animate_box)
        bar.addWidget(self.export_button)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.addTab(self.unrolled, "Unrolled: one cell per step")
        self.tabs.addTab(self.rolled, "Rolled: one cell and its loop")
        self.runs = RunsUnrolled()  # compare mode: every run's chain, stacked (a tab of its own)
        self.runs.sig_step_requested.connect(self.sig_step_requested)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        split = self.split = QtWidgets.QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tabs)
        split.addWidget(self.cell)
        split.setSizes([450, 550])
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        self._split_by_user = False  # once the user drags the divider, it stays where they put it
        split.splitterMoved.connect(self._on_split_moved)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        self.overview = GradientOverview()  # Backward: ‖∂L/∂h_t‖ over every step at once
        self.overview.setVisible(False)
        self.overview.sig_step_requested.connect(self.sig_step_requested)
        lay.addLayout(bar)
        lay.addWidget(self.overview)
        lay.addWidget(split, 1)

    # -- view contract ---------------------------------------------------------------
    def set_decimals(self, n: int) -> None:
        """The session's Decimals setting, mirrored in the numbers of the cell and rolled diagrams."""
        for v in (self.rolled, self.cell):
            v.set_decimals(n)

    def set_appearance(self, _appearance) -> None:
        """A new theme or zoom: every scene rebuilt in the theme's colours, the chain at the zoom."""
        self.flow_switch.set_appearance()
        self.legend.setPixmap(grad_legend_pixmap() if self.backward else legend_pixmap())
        for v in self.views:
            v.restyle()
        # every run's chains (compare mode) are rebuilt when their tab is next shown
        self._runs_unstyled = self.tabs.currentWidget() is not self.runs
        if not self._runs_unstyled:
            self.runs.restyle()
        self._structure.clear()
        computed, cursor = self._computed, self._followed
        if computed is not None:
            self.set_computed(computed)
            if cursor is not None:
                self.set_cursor(cursor)

    def set_computed(self, computed) -> None:
        self._computed = computed
        self._forget_cursor()
        self.set_decimals(computed.session.view.decimals)
        self.unrolled.set_generated(computed.generated)
        self.generated = computed.generated is not None
        self.legend_text.setText(self._legend_words())
        self.set_trace(computed.trace, computed.session)
        self.set_gradients(computed.grads, computed.session.training.settings.bptt_window)
        self._set_runs(computed)

    def _set_runs(self, computed) -> None:
        """Compare mode: the tab of every run's chain (only while there are several runs)."""
        index = self.tabs.indexOf(self.runs)
        if not computed.others:
            if index >= 0:
                self.tabs.removeTab(index)
            return
        if index < 0:
            self.tabs.addTab(self.runs, "Every run, unrolled")
        self.runs.set_runs(computed.runs, computed.session.training.settings.bptt_window)

    def set_trace(self, trace, session=None) -> None:
        self.trace = trace
        self._stale.clear()
        for v in self.views:
            v.set_trace(trace, session)
        self._balance_split()
        self._check_gradients()
        self._sync_flows()

    def set_gradients(self, grads, bptt_window: int = 0) -> None:
        """The gradients the Backward mode shows (the engine's ``Gradients``), or None when
        there are no targets: then Backward is disabled and says why.  ``bptt_window`` = k > 0
        marks the truncated-BPTT window edges (every k steps) as gradient cuts."""
        self.grads, self.bptt_window = grads, max(int(bptt_window), 0)
        self.unrolled.set_gradients(grads, self.bptt_window)
        for v in (self.rolled, self.cell):
            v.set_gradients(grads)
        self._check_gradients()

    def _legend_words(self) -> str:
        feedback = self.generated and not self.backward
        return LEGEND_TEXTS[self.backward] + (
            " · orange: each drawn token, fed back as the next input" if feedback else ""
        )

    def set_backward(self, on: bool) -> None:
        """Show the error flowing back (∂L/∂h_t, ∂L/∂ each gate) or the forward values."""
        on = bool(on) and self.flow_switch.backward_button.isEnabled()
        with QtCore.QSignalBlocker(self.flow_switch):
            self.flow_switch.set_backward(on)
        if on == self.backward:
            return
        self.backward = on
        self.legend.setPixmap(grad_legend_pixmap() if on else legend_pixmap())
        self.legend.setToolTip(LEGEND_TIPS[on])
        self.legend_text.setText(self._legend_words())
        for v in self.views:
            v.set_backward(on)
        self.runs.set_backward(on)
        self.overview.setVisible(on)
        self._sync_flows()

    def _check_gradients(self) -> None:
        """Backward is available when the gradients fit the trace shown; else Forward."""
        reason = grads_fit(self.trace, self.grads) if self.trace is not None or self.grads is None else ""
        self.flow_switch.set_available(not reason, reason)
        fit = self.trace is not None and not reason
        self.overview.set_data(self.trace, self.grads if fit else None, self.bptt_window)
        self.overview.set_step(self.step)
        if reason and self.backward:
            self.set_backward(False)

    # -- the divider between the chain and the cell's inside --------------------------
    def _on_split_moved(self, *_args) -> None:
        self._split_by_user = True

    def _balance_split(self) -> None:
        """Give the chain the height it needs to be seen whole at a readable zoom (a
        deep or bidirectional net needs more than CHAIN_SHARE of the two panes), as
        far as the cell's inside below stays readable too; on a small screen the
        chain then scrolls a little, on a projector's 1080 lines it is whole."""
        total = sum(self.split.sizes())
        if self._split_by_user or total <= 0 or self.trace is None:
            return
        chrome = max(self.tabs.height() - self.unrolled.viewport().height(), 0)  # tab bar and frame
        need = self.unrolled.readable_height() + chrome
        cell_frame = max(self.cell.height() - self.cell.viewport().height(), 0)
        cell_need = math.ceil(self.cell.sceneRect().height() * MIN_READABLE) + cell_frame
        top = min(need, total - cell_need, CHAIN_SHARE_MAX * total)
        top = round(max(top, CHAIN_SHARE * total))
        if abs(top - self.split.sizes()[0]) > 2:
            self.split.setSizes([top, total - top])

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._balance_split()

    def set_step(self, t: int) -> None:
        """Update the diagrams on screen; the hidden tab catches up when it is shown."""
        self.step = int(t)
        hidden = self.rolled if self.tabs.currentWidget() is self.unrolled else self.unrolled
        for v in self.views:
            if v is hidden:
                self._stale.add(v)
            else:
                v.set_step(t)
        self._sync_flows()
        self.overview.set_step(self.step)
        self.runs.set_step(self.step)
        if self.trace is not None and 1 <= self.step <= self.trace.steps:
            for key, p in self.pulses.items():
                if getattr(self, key) is not hidden:
                    p.play()
        else:
            for p in self.pulses.values():
                p.anim.stop()
                p.hide()

    def set_selection(self, layer: int = 0, direction: int = 0, unit: int = 0, gate: str = "") -> None:
        for v in self.views:
            v.set_selection(layer, direction, unit, gate)
        self.runs.set_selection(layer, direction, unit, gate)
        self._sync_flows()

    # -- animation ---------------------------------------------------------------------
    def set_step_duration(self, ms: int) -> None:
        for p in self.pulses.values():
            p.set_duration(ms)

    def set_animation_enabled(self, on: bool) -> None:
        with QtCore.QSignalBlocker(self.animate_box):
            self.animate_box.setChecked(bool(on))
        for p in self.pulses.values():
            p.set_enabled(on)

    def hold_still(self) -> None:
        """No pulse runs (a still export), while the check box keeps the user's choice:
        a slide does not show "Animate the flow" switched off."""
        for p in self.pulses.values():
            p.set_enabled(False)

    def seek(self, phase: float | None) -> None:
        """The pulses where they are at ``phase`` (0..1) of the current step, from no clock
        (an exported frame is a function of the step and the phase); None: none shown.
        Call :meth:`hold_still` first so that a step change starts no animation."""
        hidden = self.rolled if self.tabs.currentWidget() is self.unrolled else self.unrolled
        for key, p in self.pulses.items():
            p.seek(phase if getattr(self, key) is not hidden else None)

    def _sync_flows(self) -> None:
        """Static wires are re-read after a rebuild only; the unrolled ones follow the step.
        In Backward the pulses run the other way: the error flows back."""
        scenes = {"rolled": self.rolled.rolled_scene, "cell": self.cell.cell_scene}
        for key, sc in scenes.items():
            if self._structure.get(key) != (id(sc.flows), sc.structure, self.backward):
                self._structure[key] = (id(sc.flows), sc.structure, self.backward)
                self.pulses[key].set_flows(_flowing(sc.flows, self.backward))
        self.pulses["unrolled"].set_flows(_flowing(self.unrolled.flows_for_step(), self.backward))

    # -- export ------------------------------------------------------------------------
    def scenes(self) -> dict[str, QtWidgets.QGraphicsScene]:
        return {
            "unrolled": self.unrolled.unrolled_scene,
            "rolled": self.rolled.rolled_scene,
            "cell": self.cell.cell_scene,
        }

    def export(self, which: str, path) -> None:
        """Write one diagram as PNG or SVG (by the file's suffix), with the colour scale
        under it.  The unrolled one: the steps in view, every row (inputs to outputs)."""
        self._catch_up()
        scene = self.scenes()[which]
        rect = None
        if which == "unrolled":
            shown = self.unrolled.mapToScene(self.unrolled.viewport().rect()).boundingRect()
            full = scene.sceneRect()
            rect = QtCore.QRectF(shown.left(), full.top(), shown.width(), full.height()).intersected(full)
            rect.adjust(MARGIN, 0, -MARGIN, 0)  # the export's margin must not uncover the next columns
        for p in self.pulses.values():
            p.hide()
        legend = "gradient" if self.backward else True
        if Path(path).suffix.lower() == ".svg":
            export_scene_svg(scene, path, rect, legend=legend)
        else:
            export_scene_png(scene, path, rect, legend=legend)

    def _on_export_clicked(self) -> None:
        which, ok = QtWidgets.QInputDialog.getItem(
            self, "Export diagram", "Diagram", ["unrolled", "rolled", "cell"], 0, False
        )
        if not ok:
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Export diagram", f"{which}-step{self.step}.png", "PNG image (*.png);;SVG drawing (*.svg)"
        )
        if path:
            try:
                self.export(which, path)
            except OSError as exc:
                plain_message_box(self, QtWidgets.QMessageBox.Icon.Warning, "Export diagram", str(exc)).exec()

    def _catch_up(self) -> None:
        for v in list(self._stale):
            v.set_step(self.step)
        self._stale.clear()

    def _on_tabs_current_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.runs and self._runs_unstyled and self._computed is not None:
            self._runs_unstyled = False
            self.runs.restyle()
            self._set_runs(self._computed)
        self._catch_up()
        # every run's chain takes the whole height: the cell's inside shows the active run only
        self.cell.setVisible(self.tabs.currentWidget() is not self.runs)

    def _on_cell_gate_selected(self, gate: str) -> None:
        self.sig_gate_selected.emit(gate)


def _flowing(flows: list, backward: bool) -> list:
    """The pulses' wires, reversed in Backward (each dot runs end to start, in reverse order)."""
    if not backward:
        return flows
    return [(list(pts)[::-1], 1.0 - b, 1.0 - a) for pts, a, b in flows]


def make_export_diagram_actions(parent, view: DiagramsView) -> list[QtGui.QAction]:
    """``File > Export diagram…`` for a menu."""
    action = QtGui.QAction("Export diagram…", parent)
    action.triggered.connect(view._on_export_clicked)
    return [action]
