"""WeightEditorDock: every weight matrix and bias as an editable table.

Each table is titled with the course name, the PyTorch name and the shape, e.g.
"W_hx — weight_ih_l0 (3×5)" (rnnviz.session.notation); gate blocks are labelled
i/f/g/o or r/z/n in the row headers and tinted, and each row's tooltip names its block
(W_fx, b_fh …) and its row in PyTorch's tensor.  An edit recomputes everything at once; text that is not a
number leaves the cell as it was and says so in the status bar.

With gradients (``set_gradients(grads, optimizer)``) the "∂L/∂W" toggle shows, beside
each weight table, ∂L/∂W and the update the optimiser would make next, each coloured
on a scale symmetric around 0 (side by side when the dock is wide, else stacked).
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from rnnviz.engine.optim import Optimizer
from rnnviz.session import Session
from rnnviz.session.notation import GATE_TITLES, block_symbol, course_name

from ..theme import GATE_TINTS
from .array_model import ArrayTableModel, FittedTableView, visible_token
from .weight_gradients import (
    grad_title,
    gradients_fit,
    optimizer_text,
    symmetric_scale,
    update_preview,
    update_title,
)

MAX_VISIBLE_ROWS = 12
ALL = "All parameters"
#: Networks with at most this many weights show every matrix at once; bigger ones one group.
ALL_AT_ONCE_LIMIT = 5000
#: Side by side, each table gets at least this width (px), for its two-line caption.
MIN_COLUMN_WIDTH = 220


def shape_text(shape: tuple[int, ...]) -> str:
    return "(" + "×".join(str(s) for s in shape) + ")"


def param_title(key: str, mode: str, shape: tuple[int, ...]) -> str:
    """'W_hx — weight_ih_l0 (3×5)'."""
    return f"{course_name(key, mode)} — {key} {shape_text(shape)}"


def _hidden_names(H: int, D: int) -> list[str]:
    if D == 1:
        return [f"h{k + 1}" for k in range(H)]
    return [f"h→{k + 1}" for k in range(H)] + [f"h←{k + 1}" for k in range(H)]


def row_labels(key: str, session: Session) -> tuple[list[str], list[str | None], list[str]]:
    """Row names, tints and tooltips: gate blocks for cell weights, outputs for the head."""
    net = session.network
    spec = net.spec
    if key.startswith("head."):
        seq = session.sequence
        if seq.is_text and len(seq.vocabulary) == spec.output_size:
            names = [f"y:{visible_token(w)}" for w in seq.vocabulary]
        else:
            names = [f"y{k + 1}" for k in range(spec.output_size)]
        return names, [None] * len(names), [""] * len(names)
    H = spec.hidden_size
    gates = spec.gate_names
    if len(gates) == 1:
        sym = block_symbol(key, "")
        return (
            [f"h{k + 1}" for k in range(H)],
            [None] * H,
            [f"unit {k + 1}: {sym} row {k + 1}" for k in range(H)],
        )
    names, tints, tips = [], [], []
    for j, g in enumerate(gates):
        sym = block_symbol(key, g)
        for k in range(H):
            names.append(f"{g}{k + 1}")
            tints.append(GATE_TINTS[g])
            # PyTorch counts rows from 0: unit 1 of the forget gate is weight_ih_l0[H]
            tips.append(f"{GATE_TITLES[g]} {g}, unit {k + 1}: {sym} row {k + 1} · {key}[{j * H + k}]")
    return names, tints, tips


def displayed(key: str, array: np.ndarray) -> np.ndarray:
    """Matrices as they are; a bias vector as one row (the gate labels go on its columns)."""
    return array[None, :] if array.ndim == 1 else array


def col_labels(key: str, session: Session) -> list[str]:
    spec = session.network.spec
    if key == "head.weight":
        return _hidden_names(spec.hidden_size, spec.num_directions)
    if key.startswith("weight_hh"):
        return [f"h{k + 1}" for k in range(spec.hidden_size)]
    layer = int(key.split("_l")[1].split("_")[0])
    if layer == 0:
        return [visible_token(n) for n in session.sequence.input_names]
    return _hidden_names(spec.hidden_size, spec.num_directions)


def group_of(key: str) -> str:
    """Which layer/direction a key belongs to, as shown in the selector."""
    if key.startswith("head."):
        return "Output head"
    rest = key.split("_l")[1]
    layer = int(rest.split("_")[0])
    return f"Layer {layer + 1}" + (" backward" if rest.endswith("reverse") else " forward")


class WeightEditorDock(QtWidgets.QDockWidget):
    def __init__(self, controller, parent=None):
        super().__init__("Weights", parent)
        self.setObjectName("WeightEditorDock")
        self.controller = controller
        self._structure = None
        self._session: Session | None = None
        self.tables: dict[str, QtWidgets.QTableView] = {}
        self.models: dict[str, ArrayTableModel] = {}
        self.titles: dict[str, QtWidgets.QLabel] = {}
        self.grad_models: dict[str, ArrayTableModel] = {}
        self.update_models: dict[str, ArrayTableModel] = {}
        self._blocks: dict[str, _ParamBlock] = {}
        self._grads = None
        self._optimizer: Optimizer | None = None
        self._preview: dict[str, np.ndarray] | None = None
        self._preview_of: tuple | None = None  # the (gradients, optimiser) it was taken with
        self._filled: tuple | None = None  # what the gradient tables show (see _refresh_gradients)
        self._build()
        controller.sig_session_changed.connect(self._on_controller_session_changed)
        if controller.session is not None:
            self.set_session(controller.session)

    def _build(self) -> None:
        body = QtWidgets.QWidget(self)
        outer = QtWidgets.QVBoxLayout(body)
        outer.setContentsMargins(4, 4, 4, 4)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(QtWidgets.QLabel("Show", body))
        self.group_combo = QtWidgets.QComboBox(body)
        self.group_combo.currentIndexChanged.connect(self._on_group_combo_changed)
        top.addWidget(self.group_combo, 1)
        self.gradient_toggle = QtWidgets.QToolButton(body)
        self.gradient_toggle.setText("∂L/∂W and update")
        self.gradient_toggle.setCheckable(True)
        self.gradient_toggle.setEnabled(False)
        self.gradient_toggle.setToolTip(
            "Show each parameter's gradient ∂L/∂W and the update the optimiser would make next\n"
            "(needs targets: no targets, no loss, no gradient)"
        )
        self.gradient_toggle.toggled.connect(self._on_gradient_toggle_toggled)
        top.addWidget(self.gradient_toggle)
        outer.addLayout(top)
        self.scroll = QtWidgets.QScrollArea(body)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        outer.addWidget(self.scroll, 1)
        self.scroll.viewport().installEventFilter(self)
        hint = QtWidgets.QLabel("Double-click a number to edit it; Enter applies.", body)
        hint.setWordWrap(True)
        hint.setForegroundRole(QtGui.QPalette.ColorRole.PlaceholderText)  # the theme's quiet grey
        outer.addWidget(hint)
        self.setWidget(body)

    # -- state → widget ----------------------------------------------------------------
    def set_session(self, session: Session) -> None:
        net = session.network
        structure = (net.spec, tuple(session.sequence.input_names), tuple(session.sequence.vocabulary))
        self._session = session
        if structure != self._structure:
            self._structure = structure
            self._rebuild_groups(session)
            self._build_tables(session)
        else:
            for key, model in self.models.items():
                model.set_array(displayed(key, net.param(key)))
        self._refresh_gradients()

    def set_gradients(self, grads, optimizer: Optimizer | None = None) -> None:
        """∂L/∂W of every parameter (``engine.trace.Gradients``, or None: no targets) and the
        optimiser whose next update to preview (None: the gradient only).  ``optimizer`` is
        never changed: its step is taken on a deep copy."""
        self._grads, self._optimizer = grads, optimizer
        self._preview_of = self._filled = None  # taken anew (the caller may have stepped the optimiser)
        self._refresh_gradients()

    def gradients_shown(self) -> bool:
        return self.gradient_toggle.isChecked() and self.gradient_toggle.isEnabled()

    def _refresh_gradients(self) -> None:
        session = self._session
        fits = session is not None and gradients_fit(self._grads, session.network.spec.param_shapes())
        self.gradient_toggle.setEnabled(fits)
        if not (fits and self._optimizer is not None):
            self._preview, self._preview_of = None, None
        elif self._preview_of is None or not _same(self._preview_of, (self._grads, self._optimizer)):
            # (the same gradients and optimiser: the update they make is already shown — an
            # edit's new session comes just before its gradients, which then take it anew)
            self._preview = update_preview(session.network.state_dict(), self._grads, self._optimizer)
            self._preview_of = (self._grads, self._optimizer)
        # the tables of these gradients and this preview are filled already (an edit's new
        # session, its gradients following): fill them again only if the weights' decimals moved
        filled = (self._grads, self._preview, self._blocks, *(m.decimals for m in self.models.values()))
        refill = (
            self._filled is None or not _same(self._filled[:3], filled[:3]) or self._filled[3:] != filled[3:]
        )
        self._filled = filled if fits else None
        for key, block in self._blocks.items():
            if fits and refill:
                self._fill_gradient(key, block)
            block.show_gradients(self.gradients_shown(), self._preview is not None)
        self._fit_blocks()

    def _fill_gradient(self, key: str, block: _ParamBlock) -> None:
        decimals = self.models[key].decimals  # the weights' own
        g = displayed(key, np.asarray(self._grads[key], dtype=float))
        self.grad_models[key].set_decimals(decimals)
        self.grad_models[key].set_array(g)
        self.grad_models[key].set_heat_scale(symmetric_scale(g))
        block.set_caption(
            block.grad_caption, grad_title(key, self._mode()), f"colour ±{symmetric_scale(g):.2g}"
        )
        if self._preview is not None:
            u = displayed(key, self._preview[key])
            self.update_models[key].set_decimals(decimals)
            self.update_models[key].set_array(u)
            self.update_models[key].set_heat_scale(symmetric_scale(u))
            title = update_title(key, self._mode(), self._optimizer)
            detail = f"{optimizer_text(self._optimizer, key)} · colour ±{symmetric_scale(u):.2g}"
            block.set_caption(block.update_caption, title, detail)

    def _mode(self) -> str:
        return self._session.network.mode if self._session is not None else ""

    def _rebuild_groups(self, session: Session) -> None:
        spec = session.network.spec
        groups = list(dict.fromkeys(group_of(k) for k in spec.param_shapes()))
        previous = self.group_combo.currentText()
        self.group_combo.blockSignals(True)
        self.group_combo.clear()
        self.group_combo.addItem(ALL)
        self.group_combo.addItems(groups)
        small = spec.num_parameters() <= ALL_AT_ONCE_LIMIT
        keep = self.group_combo.findText(previous) if previous != ALL or small else -1
        self.group_combo.setCurrentIndex(keep if keep >= 0 else (0 if small else 1))
        self.group_combo.blockSignals(False)

    def _build_tables(self, session: Session) -> None:
        """Tables for the chosen group only: a big network's other matrices cost nothing."""
        spec = session.network.spec
        group = self.group_combo.currentText()
        container = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(container)
        column.setContentsMargins(0, 0, 0, 0)
        self.tables, self.models, self.titles = {}, {}, {}
        self.grad_models, self.update_models, self._blocks = {}, {}, {}
        for key, shape in spec.param_shapes().items():
            if group == ALL or group_of(key) == group:
                self._add_table(column, container, session, key, shape)
        column.addStretch(1)
        old = self.scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        self.scroll.setWidget(container)

    def _add_table(self, column, container, session: Session, key: str, shape: tuple[int, ...]) -> None:
        title = QtWidgets.QLabel(param_title(key, session.network.mode, shape), container)
        title.setObjectName(f"title:{key}")
        title.setWordWrap(True)  # "W_ix, W_fx, W_gx, W_ox — weight_ih_l0 (4×1)" wraps in a narrow dock
        title.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        model = ArrayTableModel(container)
        rows, tints, tips = row_labels(key, session)
        if len(shape) == 1:  # a bias: one row, one column per unit (gate blocks tinted)
            model.set_array(displayed(key, session.network.param(key)), ["b"], rows)
            model.set_col_tints(tints, tips)
        else:
            model.set_array(session.network.param(key), rows, col_labels(key, session))
            model.set_row_tints(tints, tips)
        model.sig_value_edited.connect(lambda r, c, v, key=key: self._on_model_value_edited(key, r, c, v))
        model.sig_invalid_text.connect(
            lambda r, c, text, key=key: self._on_model_invalid_text(key, r, c, text)
        )
        view = FittedTableView(container, MAX_VISIBLE_ROWS)
        view.setObjectName(f"table:{key}")
        view.horizontalHeader().setDefaultSectionSize(72)
        view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
        view.setVerticalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
        view.setHorizontalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
        view.setModel(model)
        if model.rowCount() * model.columnCount() <= 600:
            view.resizeColumnsToContents()  # small matrices: as narrow as their numbers
        view.refit()
        column.addWidget(title)
        block = _ParamBlock(container, view, model, key, course_name(key, session.network.mode))
        column.addLayout(block.layout)
        self.tables[key], self.models[key], self.titles[key] = view, model, title
        self.grad_models[key], self.update_models[key], self._blocks[key] = (
            block.grad_model,
            block.update_model,
            block,
        )

    def _on_group_combo_changed(self, _index: int) -> None:
        if self._session is not None:
            self._build_tables(self._session)
            self._refresh_gradients()

    def _on_gradient_toggle_toggled(self, _on: bool) -> None:
        self._refresh_gradients()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if watched is self.scroll.viewport() and event.type() == QtCore.QEvent.Type.Resize:
            self._fit_blocks()  # the room the tables really have, once the layout gave it
        return super().eventFilter(watched, event)

    def _fit_blocks(self) -> None:
        """Weights, gradient and update side by side where they fit, else one under another."""
        width = self.scroll.viewport().width()
        for block in self._blocks.values():
            block.fit(width)

    def _on_controller_session_changed(self, session: Session) -> None:
        self.set_session(session)

    # -- widget → state -----------------------------------------------------------------
    def _on_model_value_edited(self, key: str, row: int, col: int, value: float) -> None:
        session = self.controller.latest
        if self._session is None or session.network.spec != self._session.network.spec:
            # another shape of network is being computed: these tables no longer fit it
            self.controller.report("a new network is being computed; edit its weights once they are shown")
            return  # the cell still shows its value: the model never changed it
        array = np.array(session.network.param(key), dtype=float)
        if array.ndim == 1:
            array[col] = value
        else:
            array[row, col] = value
        self.controller.set_param(key, array)

    def _on_model_invalid_text(self, key: str, row: int, col: int, text: str) -> None:
        name = course_name(key, self.controller.session.network.mode)
        shown = text.strip() if len(text.strip()) <= 40 else text.strip()[:40] + "…"
        what = "an empty cell is not a number" if not shown else f"{shown!r} is not a number"
        self.controller.report(f"{what}: {name} ({key}) row {row + 1}, column {col + 1} keeps its value")


class _ParamBlock:
    """One parameter's tables: the weights (editable), ∂L/∂W and the update (read-only)."""

    def __init__(self, container, view, model: ArrayTableModel, key: str, name: str) -> None:
        self.layout = QtWidgets.QBoxLayout(QtWidgets.QBoxLayout.Direction.TopToBottom)
        self.layout.setContentsMargins(0, 0, 0, 0)
        self.weight_view = view
        self.side_by_side = False
        self.weight_caption = self._caption(container, "")
        self.set_caption(self.weight_caption, name, "the weights: double-click to edit")
        self.grad_caption = self._caption(container, "")
        self.update_caption = self._caption(container, "")
        self.grad_model, self.grad_view = self._read_only_table(container, model, f"grad:{key}")
        self.update_model, self.update_view = self._read_only_table(container, model, f"update:{key}")
        for caption, table in (
            (self.weight_caption, view),
            (self.grad_caption, self.grad_view),
            (self.update_caption, self.update_view),
        ):
            box = QtWidgets.QVBoxLayout()
            box.setSpacing(1)
            box.addWidget(caption)
            box.addWidget(table)
            box.addStretch(1)
            self.layout.addLayout(box, 1)
        self.show_gradients(False, False)

    @staticmethod
    def _caption(container, text: str) -> QtWidgets.QLabel:
        label = QtWidgets.QLabel(text, container)
        label.setForegroundRole(QtGui.QPalette.ColorRole.PlaceholderText)
        label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        return label

    @staticmethod
    def set_caption(label: QtWidgets.QLabel, name: str, detail: str) -> None:
        """Two lines in every caption, so that tables side by side start level."""
        label.setText(f"{name}\n{detail}")
        label.setToolTip(f"{name} · {detail}")

    @staticmethod
    def _read_only_table(container, weights: ArrayTableModel, name: str):
        model = ArrayTableModel(container)
        model.editable = False
        model.tiny_as_powers = True
        model.copy_labels(weights)
        view = FittedTableView(container, MAX_VISIBLE_ROWS)
        view.setObjectName(f"table:{name}")
        view.horizontalHeader().setDefaultSectionSize(72)
        view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
        view.setModel(model)
        return model, view

    def show_gradients(self, grads: bool, update: bool) -> None:
        self.weight_caption.setVisible(grads)
        self.grad_caption.setVisible(grads)
        self.grad_view.setVisible(grads)
        self.update_caption.setVisible(grads and update)
        self.update_view.setVisible(grads and update)
        if grads:
            for view in (self.grad_view, self.update_view):
                view.resizeColumnsToContents()
                view.refit()

    def fit(self, width: int) -> None:
        views = [v for v in (self.weight_view, self.grad_view, self.update_view) if not v.isHidden()]
        needed = sum(max(v.content_width(), MIN_COLUMN_WIDTH) + 8 for v in views)
        on = len(views) > 1 and needed <= width
        if on != self.side_by_side:
            self.set_side_by_side(on)

    def set_side_by_side(self, on: bool) -> None:
        self.side_by_side = on
        direction = QtWidgets.QBoxLayout.Direction
        self.layout.setDirection(direction.LeftToRight if on else direction.TopToBottom)
        policy = QtWidgets.QSizePolicy.Policy
        for label in (self.weight_caption, self.grad_caption, self.update_caption):
            # side by side: one line each (cut, the tooltip has it whole); stacked: wrapped
            label.setWordWrap(not on)
            label.setSizePolicy(policy.Ignored if on else policy.Preferred, policy.Preferred)


def main() -> int:  # python -m rnnviz.gui.docks.weight_editor
    from ._standalone import show_dock

    return show_dock(WeightEditorDock)


if __name__ == "__main__":
    raise SystemExit(main())


def _same(a: tuple, b: tuple) -> bool:
    """The same objects (not equal values: arrays have no single truth value)."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))
