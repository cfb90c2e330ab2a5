"""NetworkBuilderDock: the network's shape, its output head and its initialisation.

A structure change keeps the sequence.  Weights still as the init drew them become exactly a
fresh build of the new structure (``init_state_dict``); hand-set or trained weights are kept
where the shapes match and the status bar says what was kept and what was re-drawn
(``rnnviz.session.restructure``).  "Re-initialise" draws new weights for the same shape.
"""

from __future__ import annotations

from PySide6 import QtWidgets
from PySide6.QtCore import Qt

from rnnviz.session import InitSettings, Session
from rnnviz.session.notation import parameter_legend

CELLS = (
    ("Vanilla RNN (tanh)", "rnn_tanh"),
    ("Vanilla RNN (ReLU)", "rnn_relu"),
    ("LSTM", "lstm"),
    ("GRU", "gru"),
)
HEADS = (("None", "none"), ("Linear", "linear"), ("Softmax", "softmax"), ("Sigmoid", "sigmoid"))
INITS = (
    ("PyTorch default  U(±1/√H)", "pytorch"),
    ("Xavier (Glorot) uniform", "xavier"),
    ("Orthogonal", "orthogonal"),
    ("Zeros", "zeros"),
    ("Constant", "constant"),
)


def head_kind(session: Session) -> str:
    net = session.network
    if not net.has_head:
        return "none"
    return net.head_activation or "linear"


HIDDEN_MAX, LAYERS_MAX = 512, 8  # what the builder offers (the engine allows more)


class NetworkBuilderDock(QtWidgets.QDockWidget):
    def __init__(self, controller, parent=None):
        super().__init__("Network", parent)
        self.setObjectName("NetworkBuilderDock")
        self.controller = controller
        self._build()
        controller.sig_session_changed.connect(self._on_controller_session_changed)
        if controller.session is not None:
            self.set_session(controller.session)

    def _combo(self, items) -> QtWidgets.QComboBox:
        box = QtWidgets.QComboBox(self)
        for text, data in items:
            box.addItem(text, data)
        return box

    def _spin(self, lo: int, hi: int) -> QtWidgets.QSpinBox:
        spin = QtWidgets.QSpinBox(self)
        spin.setRange(lo, hi)
        spin.setKeyboardTracking(False)  # typing "128" applies 128, not 1, 12, 128
        spin.setAccelerated(True)
        return spin

    def _build(self) -> None:
        body = QtWidgets.QWidget(self)
        form = QtWidgets.QFormLayout(body)
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.cell_combo = self._combo(CELLS)
        self.hidden_spin = self._spin(1, HIDDEN_MAX)
        self.layers_spin = self._spin(1, LAYERS_MAX)
        self.direction_combo = self._combo((("Unidirectional", False), ("Bidirectional", True)))
        self.head_combo = self._combo(HEADS)
        self.head_size_spin = self._spin(1, 4096)
        head_row = QtWidgets.QHBoxLayout()
        head_row.addWidget(self.head_combo, 1)
        head_row.addWidget(QtWidgets.QLabel("size", body))
        head_row.addWidget(self.head_size_spin)
        form.addRow("Cell", self.cell_combo)
        form.addRow("Hidden size H", self.hidden_spin)
        depth_row = QtWidgets.QHBoxLayout()
        depth_row.addWidget(self.layers_spin)
        depth_row.addWidget(self.direction_combo, 1)
        form.addRow("Layers", depth_row)
        form.addRow("Output head", head_row)

        self.init_combo = self._combo(INITS)
        self.seed_spin = self._spin(0, 2**31 - 1)
        self.constant_spin = QtWidgets.QDoubleSpinBox(self)
        self.constant_spin.setRange(-10.0, 10.0)
        self.constant_spin.setDecimals(3)
        self.constant_spin.setSingleStep(0.05)
        self.constant_spin.setKeyboardTracking(False)
        self.forget_check = QtWidgets.QCheckBox("forget-gate bias = 1", self)
        self.forget_check.setToolTip(
            "LSTM only: start with the forget gate open: b_f = b_fx + b_fh = 1\n"
            "(b_fx · bias_ih rows [H:2H] = 1, b_fh · bias_hh rows [H:2H] = 0)"
        )
        self.reinit_button = QtWidgets.QPushButton("Re-initialise", self)
        self.reinit_button.setToolTip("Draw new weights with this scheme and seed (the sequence stays)")
        seed_row = QtWidgets.QHBoxLayout()
        seed_row.addWidget(self.seed_spin, 1)
        seed_row.addWidget(self.reinit_button)
        form.addRow("Initialisation", self.init_combo)
        form.addRow("Constant", self.constant_spin)
        form.addRow("Seed", seed_row)
        form.addRow("", self.forget_check)
        self.form = form

        self.count_label = QtWidgets.QLabel(body)
        self.count_label.setObjectName("parameterCount")
        self.count_label.setWordWrap(True)
        self.count_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.count_label.setMinimumHeight(2 * self.count_label.fontMetrics().lineSpacing())
        form.addRow("Parameters", self.count_label)
        self.setWidget(body)

        for box in (self.cell_combo, self.direction_combo, self.head_combo):
            box.currentIndexChanged.connect(self._on_structure_edited)
        for spin in (self.hidden_spin, self.layers_spin, self.head_size_spin):
            spin.valueChanged.connect(self._on_structure_edited)
        self.init_combo.currentIndexChanged.connect(self._on_init_edited)
        self.seed_spin.valueChanged.connect(self._on_init_edited)
        self.constant_spin.valueChanged.connect(self._on_init_edited)
        self.forget_check.toggled.connect(self._on_init_edited)
        self.reinit_button.clicked.connect(self._on_reinit_button_clicked)

    def _widgets(self):
        return (
            self.cell_combo, self.hidden_spin, self.layers_spin, self.direction_combo, self.head_combo,
            self.head_size_spin, self.init_combo, self.seed_spin, self.constant_spin, self.forget_check,
        )  # fmt: skip

    # -- state → widget ------------------------------------------------------------
    def set_session(self, session: Session) -> None:
        spec, init = session.network.spec, session.init
        for w in self._widgets():
            w.blockSignals(True)
        self.cell_combo.setCurrentIndex(self.cell_combo.findData(spec.mode))
        # a session built elsewhere (a script, a file) may be larger than the builder offers:
        # the range grows to hold it, so an unrelated edit never shrinks the network silently
        # (each only when it changes: setting a range or a row's visibility again repaints the
        # dock and re-lays out the window on every edit)
        for spin, top in ((self.hidden_spin, max(HIDDEN_MAX, spec.hidden_size)),
                          (self.layers_spin, max(LAYERS_MAX, spec.num_layers))):  # fmt: skip
            if spin.maximum() != top:
                spin.setMaximum(top)
        _set_value(self.hidden_spin, spec.hidden_size)
        _set_value(self.layers_spin, spec.num_layers)
        self.direction_combo.setCurrentIndex(1 if spec.bidirectional else 0)
        self.head_combo.setCurrentIndex(self.head_combo.findData(head_kind(session)))
        default_out = session.targets.shape[1] if session.targets is not None else 1
        _set_value(self.head_size_spin, spec.output_size or default_out)
        self.init_combo.setCurrentIndex(max(0, self.init_combo.findData(init.scheme)))
        _set_value(self.seed_spin, init.seed)
        _set_value(self.constant_spin, init.constant)
        self.forget_check.setChecked(init.forget_bias_one)
        for w in self._widgets():
            w.blockSignals(False)
        self._update_enabled()
        self.count_label.setText(
            f"{spec.num_parameters():,}  =  {spec.parameter_formula().rsplit(' = ', 1)[0]}"
        )
        self.count_label.setToolTip(parameter_legend(spec.mode, spec.has_head))

    def _update_enabled(self) -> None:
        self.head_size_spin.setEnabled(self.head_combo.currentData() != "none")
        self.constant_spin.setEnabled(self.init_combo.currentData() == "constant")
        self.forget_check.setEnabled(self.cell_combo.currentData() == "lstm")
        # rows that do not apply are hidden: the dock stays short
        for widget in (self.constant_spin, self.forget_check):
            if self.form.isRowVisible(widget) != widget.isEnabled():
                self.form.setRowVisible(widget, widget.isEnabled())

    def _on_controller_session_changed(self, session: Session) -> None:
        self.set_session(session)

    # -- widget → state --------------------------------------------------------------
    def _on_structure_edited(self, *_args) -> None:
        self._update_enabled()
        head = self.head_combo.currentData()
        self.controller.set_structure(
            self.cell_combo.currentData(),
            self.hidden_spin.value(),
            self.layers_spin.value(),
            bool(self.direction_combo.currentData()),
            0 if head == "none" else self.head_size_spin.value(),
            None if head in ("none", "linear") else head,
        )

    def init_settings(self) -> InitSettings:
        return InitSettings(
            scheme=self.init_combo.currentData(),
            seed=self.seed_spin.value(),
            constant=self.constant_spin.value(),
            forget_bias_one=self.forget_check.isChecked() and self.cell_combo.currentData() == "lstm",
        )

    def _on_init_edited(self, *_args) -> None:
        self._update_enabled()
        self.controller.set_init(self.init_settings())

    def _on_reinit_button_clicked(self) -> None:
        self.controller.reinitialise(self.init_settings())


def main() -> int:  # python -m rnnviz.gui.docks.network_builder
    from ._standalone import show_dock

    return show_dock(NetworkBuilderDock)


if __name__ == "__main__":
    raise SystemExit(main())


def _set_value(spin: QtWidgets.QAbstractSpinBox, value) -> None:
    """``spin.setValue`` only for a new value: Qt rewrites and repaints the box even for the same."""
    if spin.value() != value:
        spin.setValue(value)
