"""The Training tab: settings, Train / Pause / Step / Stop / Reset, live curves and history.

A central view (rnnviz.gui.views.View): ``set_computed`` shows the session's stored
training (settings, curves, kept snapshots); while a run streams, ``add_ticks`` grows
the curves (≤ 20 times a second) and nothing else is redrawn.  It holds no state of
its own that matters: the settings it shows are the session's, an edit is sent with
``sig_settings_changed`` ({"training": TrainingSettings}); the buttons call the
:class:`~.trainer.Trainer`.
"""

from __future__ import annotations

import html
import math
import time
from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import Qt, Signal

from rnnviz.engine.losses import LOSS_FORMULAS, LOSS_TITLES
from rnnviz.session.compute import Computed
from rnnviz.session.training import TrainingSettings, TrainingTick, loss_for

from .curve_frame import StableFrame
from .plots import style
from .plots.restyle import painted_when_settled, remember_look, restyle
from .theme import C
from .training_runs import RunCurves
from .views import CursorFollower

LN2 = math.log(2.0)
EPOCH_MEAN = style.MUTED  # the epoch means and the clip line: not a run's colour (the theme's)
STOPPED = C.error  # the line where a run stopped (not finite)
REDRAW_MS = 100  # while a run streams, the curves are redrawn at most 10 times a second


class _Curve:
    """One growing series: amortised appends, drawn with setData."""

    def __init__(self) -> None:
        self.x = np.zeros(1024)
        self.y = np.zeros(1024)
        self.n = 0

    def clear(self) -> None:
        self.n = 0

    def set(self, x: np.ndarray, y: np.ndarray) -> None:
        self.n = 0
        self.extend(x, y)

    def extend(self, x, y) -> None:
        x, y = np.asarray(x, float), np.asarray(y, float)
        need = self.n + len(x)
        if need > len(self.x):
            size = max(need, 2 * len(self.x))
            self.x = np.resize(self.x, size)
            self.y = np.resize(self.y, size)
        self.x[self.n : need], self.y[self.n : need] = x, y
        self.n = need

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x[: self.n], self.y[: self.n]


def _spin(lo: float, hi: float, decimals: int, step: float, tip: str) -> QtWidgets.QDoubleSpinBox:
    box = QtWidgets.QDoubleSpinBox(minimum=lo, maximum=hi, decimals=decimals, singleStep=step)
    box.setToolTip(tip)
    box.setKeyboardTracking(False)
    return box


def _int_spin(lo: int, hi: int, tip: str) -> QtWidgets.QSpinBox:
    box = QtWidgets.QSpinBox(minimum=lo, maximum=hi)
    box.setToolTip(tip)
    box.setKeyboardTracking(False)
    return box


class TrainingView(CursorFollower, QtWidgets.QWidget):
    """Settings on the left, controls on top, the loss and gradient-norm curves, history below."""

    sig_cursor_requested = Signal(object)
    sig_settings_changed = Signal(object)  # {"training": TrainingSettings}
    sig_snapshot_requested = Signal(int)  # show the weights after this update (0 = before training)
    sig_use_snapshot = Signal(int)  # make them the network's weights

    def __init__(self, trainer=None, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.trainer = trainer
        self.computed: Computed | None = None
        self._live = False  # a run is streaming: the curves come from its ticks
        self._shown: tuple | None = None  # (training, spec, sequence) whose curves and slider are shown
        self._clip = 0.0
        self._text = False
        self._total_updates = 0
        self._loss, self._norm, self._epoch_mean = _Curve(), _Curve(), _Curve()
        self._epoch_of: list[int] = []
        self._closed = (0, 0)  # (updates, epochs) of the epochs known to be over
        self._title = ""
        self._drawn_at = -math.inf  # perf_counter of the last redraw
        self._dirty = False  # new ticks not drawn yet (hidden, or within REDRAW_MS)
        self._redraw_timer = QtCore.QTimer(self, singleShot=True)
        self._redraw_timer.timeout.connect(self._redraw)
        self._snapshots: tuple[int, ...] = ()
        self._build()
        if trainer is not None:
            self._connect_trainer(trainer)
        remember_look(self)

    def set_appearance(self, _appearance) -> None:
        """The theme or the zoom changed: restyle the curves, axes and labels in place."""
        with painted_when_settled(self):
            restyle(self)
            self._fit_settings_width()

    # -- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        self._build_settings()
        self._build_controls()
        self._build_curves()
        self._build_history()
        self._on_log_toggled(True)
        right = QtWidgets.QVBoxLayout()
        right.addLayout(self.controls)
        right.addWidget(self.progress)
        right.addLayout(self.status_row)
        right.addWidget(self.plots, 1)
        right.addLayout(self.history_bar)
        left = self.settings_scroll = QtWidgets.QScrollArea()
        left.setWidget(self.settings_box)
        left.setWidgetResizable(True)
        left.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self._fit_settings_width()
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(left)
        lay.addLayout(right, 1)

    def _fit_settings_width(self) -> None:
        """The settings' column as wide as its fields (which grow with the zoom)."""
        width = self.settings_box.sizeHint().width()
        self.settings_scroll.setMinimumWidth(min(width + 24, round(style.scaled(300))))
        self.settings_scroll.setMaximumWidth(width + 60)

    def _build_settings(self) -> None:
        box = self.settings_box = QtWidgets.QGroupBox("How it learns")
        form = QtWidgets.QFormLayout(box)
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.loss_label = QtWidgets.QLabel()
        self.loss_label.setTextFormat(Qt.TextFormat.PlainText)
        self.loss_label.setWordWrap(True)
        self.loss_label.setToolTip(
            "The loss follows the output head: softmax → cross-entropy, sigmoid → BCE, linear → MSE"
        )
        form.addRow("Loss", self.loss_label)
        self.optimizer_combo = QtWidgets.QComboBox()
        self.optimizer_combo.addItem("Adam", "adam")
        self.optimizer_combo.addItem("SGD", "sgd")
        self.optimizer_combo.setToolTip(
            "SGD: θ ← θ − lr·g (with momentum: a running sum of g). Adam: steps scaled by running moments of g and g²"
        )
        form.addRow("Optimizer", self.optimizer_combo)
        self.lr_spin = _spin(1e-5, 10.0, 5, 0.001, "Learning rate: how far each update moves the weights")
        form.addRow("Learning rate", self.lr_spin)
        self.momentum_spin = _spin(0.0, 0.999, 3, 0.05, "SGD momentum: the share of the previous step kept")
        self.nesterov_box = QtWidgets.QCheckBox("Nesterov")
        self.nesterov_box.setToolTip("Nesterov momentum: look ahead along the momentum before the gradient")
        mom = QtWidgets.QHBoxLayout()
        mom.addWidget(self.momentum_spin, 1)
        mom.addWidget(self.nesterov_box)
        self.momentum_row = QtWidgets.QWidget()
        self.momentum_row.setLayout(mom)
        mom.setContentsMargins(0, 0, 0, 0)
        form.addRow("Momentum", self.momentum_row)
        self.beta1_spin = _spin(0.0, 0.9999, 4, 0.01, "Adam β₁: how long the mean of the gradient remembers")
        self.beta2_spin = _spin(
            0.0, 0.99999, 5, 0.001, "Adam β₂: how long the mean of the squared gradient remembers"
        )
        form.addRow("β₁", self.beta1_spin)
        form.addRow("β₂", self.beta2_spin)
        self.decay_spin = _spin(
            0.0, 1.0, 5, 0.0001, "Weight decay (L2): each update also shrinks the weights"
        )
        form.addRow("Weight decay", self.decay_spin)
        self.clip_spin = _spin(
            0.0, 1e6, 3, 0.5, "Clip the gradient to this global norm before each update (0: no clipping)"
        )
        self.clip_spin.setSpecialValueText("off")
        form.addRow("Clip ‖g‖ at", self.clip_spin)
        self.epochs_spin = _int_spin(1, 1_000_000, "How many passes over the sequence one Train runs")
        form.addRow("Epochs", self.epochs_spin)
        self.seed_spin = _int_spin(0, 2**31 - 1, "Seed of the data order (matters with several sequences)")
        form.addRow("Shuffle seed", self.seed_spin)
        self.window_spin = _int_spin(
            0,
            10_000_000,
            "Truncated BPTT: update every k steps, the state carried, the gradient cut at the window's edge (0: full BPTT)",
        )
        self.window_spin.setSpecialValueText("full BPTT")
        form.addRow("BPTT window", self.window_spin)
        self.settings_error = QtWidgets.QLabel()
        self.settings_error.setTextFormat(Qt.TextFormat.PlainText)
        self.settings_error.setWordWrap(True)
        self.settings_error.setProperty("look", "error")  # recoloured on a theme change (plots.restyle)
        self.settings_error.setStyleSheet(f"color: {C.error.name()};")
        form.addRow(self.settings_error)
        self._fields = {
            self.optimizer_combo: "optimizer", self.lr_spin: "lr", self.momentum_spin: "momentum",
            self.nesterov_box: "nesterov", self.beta1_spin: "beta1", self.beta2_spin: "beta2",
            self.decay_spin: "weight_decay", self.clip_spin: "clip", self.epochs_spin: "epochs",
            self.seed_spin: "seed", self.window_spin: "bptt_window",
        }  # fmt: skip
        self._editors = tuple(self._fields)
        for w, name in self._fields.items():
            if isinstance(w, QtWidgets.QComboBox):
                w.currentIndexChanged.connect(
                    lambda _i, w=w, name=name: self._on_setting_edited(name, w.currentData())
                )
            elif isinstance(w, QtWidgets.QCheckBox):
                w.toggled.connect(lambda on, name=name: self._on_setting_edited(name, bool(on)))
            else:
                w.valueChanged.connect(lambda v, name=name: self._on_setting_edited(name, v))

    def _build_controls(self) -> None:
        icons = self.style()
        sp = QtWidgets.QStyle.StandardPixmap
        self._icons = {
            "play": icons.standardIcon(sp.SP_MediaPlay),
            "pause": icons.standardIcon(sp.SP_MediaPause),
        }
        self.train_button = QtWidgets.QPushButton(self._icons["play"], "Train")
        self.train_button.setToolTip("Train for the epochs set (Pause holds it; Train again goes on)")
        self.step_button = QtWidgets.QPushButton("Step")
        self.step_button.setToolTip("One update: forward, loss, BPTT, one optimizer step")
        self.stop_button = QtWidgets.QPushButton(icons.standardIcon(sp.SP_MediaStop), "Stop")
        self.stop_button.setToolTip("End this run; the weights and the history so far are kept")
        self.reset_button = QtWidgets.QPushButton("Reset weights")
        self.reset_button.setToolTip(
            "Back to the weights from before training; the history is cleared (undoable)"
        )
        for b in (self.train_button, self.step_button, self.stop_button, self.reset_button):
            b.setMinimumHeight(32)
        font = self.train_button.font()
        font.setBold(True)
        self.train_button.setFont(font)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setTextVisible(True)
        self.controls = QtWidgets.QHBoxLayout()
        for b in (self.train_button, self.step_button, self.stop_button, self.reset_button):
            self.controls.addWidget(b)
        self.controls.addStretch(1)
        self.status_label = QtWidgets.QLabel("")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setWordWrap(True)

    def _build_curves(self) -> None:
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setBackground(style.BACKGROUND)
        self.loss_plot = self.plots.addPlot(row=0, col=0)
        self.norm_plot = self.plots.addPlot(row=1, col=0)
        self.norm_plot.setXLink(self.loss_plot)
        for plot, title, left in (
            (self.loss_plot, "Loss L before each update", "L"),
            (self.norm_plot, "Gradient norm ‖∂L/∂θ‖ before clipping", "‖g‖"),
        ):
            style.set_title(plot, title)
            plot.showGrid(x=True, y=True, alpha=style.grid_alpha())
            plot.setLabel("bottom", "update", **style.label_style())
            plot.setLabel("left", left, **style.label_style())
            for axis in ("left", "bottom"):
                ax = plot.getAxis(axis)
                ax.setTextPen(style.FOREGROUND)
                ax.setPen(style.FOREGROUND)
                ax.setTickFont(style.font(style.LABEL_PT))
                ax.enableAutoSIPrefix(False)  # "0.04", not "40 (×0.001)"
                # its grid spans the plot: cached, a redraw of the curves blits it (the
                # ticks, labels and grid are replayed only when the range moves)
                ax.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="peak")
        self.loss_frame, self.norm_frame = StableFrame(self.loss_plot), StableFrame(self.norm_plot)
        self.loss_plot.addLegend(
            offset=(-10, 10),
            labelTextColor=style.FOREGROUND,
            labelTextSize=style.css_size(style.LABEL_PT),
            brush=style.brush_of(style.BACKGROUND, 215),
            pen=style.MUTED,
        )  # fmt: skip  (a box: zoomed in, the legend covers the curves)
        self.loss_curve = self.loss_plot.plot(name="each update", pen=style.pen(style.UNIT_COLOURS[0], 1.5))
        self.epoch_curve = self.loss_plot.plot(
            name="mean of each epoch", pen=style.pen(EPOCH_MEAN, 2.5)
        )  # a neutral colour: the runs of a comparison take the others
        self.norm_curve = self.norm_plot.plot(name="‖g‖", pen=style.pen(style.UNIT_COLOURS[0], 1.5))
        self.run_curves = RunCurves(self.loss_plot, self.norm_plot)  # compare mode: the other runs
        self.clip_line = pg.InfiniteLine(angle=0, pen=style.pen(EPOCH_MEAN, 2, style=Qt.PenStyle.DashLine),
                                         label="clip at {value:.3g}", labelOpts={"color": EPOCH_MEAN, "position": 0.1})  # fmt: skip
        self.norm_plot.addItem(self.clip_line)
        self.stop_line = pg.InfiniteLine(angle=90, pen=style.pen(STOPPED, 2),
                                         label="stopped: not finite", labelOpts={"color": STOPPED, "position": 0.8})  # fmt: skip
        self.loss_plot.addItem(self.stop_line)
        self.log_box = QtWidgets.QCheckBox("log scale")
        self.log_box.setChecked(True)  # a loss falls by orders of magnitude
        self.log_box.setToolTip("Loss and gradient norm on a logarithmic axis")
        self.log_box.toggled.connect(self._on_log_toggled)
        self.unit_label = QtWidgets.QLabel("show")
        self.unit_combo = QtWidgets.QComboBox()
        self.unit_combo.addItem("loss L", "loss")
        self.unit_combo.addItem("perplexity", "perplexity")
        self.unit_combo.addItem("bits / token", "bits")
        self.unit_combo.setToolTip(
            "For text: perplexity (how many tokens it hesitates between) or bits per token"
        )
        self.unit_combo.currentIndexChanged.connect(lambda _i: self._redraw())

    def _build_history(self) -> None:
        self.history_slider = QtWidgets.QSlider(Qt.Orientation.Horizontal)
        self.history_slider.setToolTip("The network at a kept update (old updates are kept sparsely)")
        self.history_slider.valueChanged.connect(self._on_history_slider_changed)
        self.history_label = QtWidgets.QLabel("")
        self.use_button = QtWidgets.QPushButton("Use these weights")
        self.use_button.setToolTip(
            "Make the weights of this update the network's (training goes on from them)"
        )
        self.use_button.clicked.connect(lambda: self.sig_use_snapshot.emit(self._slider_update()))
        self.history_bar = QtWidgets.QHBoxLayout()
        self.history_bar.addWidget(QtWidgets.QLabel("History"))
        self.history_bar.addWidget(self.history_slider, 1)
        self.history_bar.addWidget(self.history_label)
        self.history_bar.addWidget(self.use_button)
        self.status_row = QtWidgets.QHBoxLayout()
        self.status_row.addWidget(self.status_label, 1)
        self.status_row.addWidget(self.log_box)
        self.status_row.addWidget(self.unit_label)
        self.status_row.addWidget(self.unit_combo)

    def _connect_trainer(self, trainer) -> None:
        self.train_button.clicked.connect(self._on_train_clicked)
        self.step_button.clicked.connect(trainer.step)
        self.stop_button.clicked.connect(trainer.stop)
        self.reset_button.clicked.connect(self._on_reset_clicked)
        trainer.sig_state_changed.connect(self._on_trainer_state_changed)
        trainer.sig_telemetry.connect(self.add_ticks)
        trainer.sig_started.connect(self._on_trainer_started)

    # -- the view contract --------------------------------------------------------------------
    def set_computed(self, computed: Computed) -> None:
        self.computed = computed
        if self._live:
            return  # the run's ticks draw the curves; its result arrives when it pauses or ends
        session = computed.session
        training = session.training
        key = (training, session.network.spec, session.sequence, *(r.training for r in session.other_runs))
        same = self._shown is not None and len(key) == len(self._shown)
        if same and all(a is b or a == b for a, b in zip(key, self._shown, strict=True)):
            return  # a snapshot shown from the history (or nothing new here)
        self._shown = key
        self._show_settings(training.settings)
        net = session.network
        loss = training.settings.loss or loss_for(net)
        self.loss_label.setText(f"{LOSS_TITLES[loss]}\n{LOSS_FORMULAS[loss]}")
        self._text = loss == "cross_entropy" and session.sequence.is_text
        self.unit_combo.setVisible(self._text)
        self.unit_label.setVisible(self._text)
        has_targets = session.sequence.targets is not None
        for b in (self.train_button, self.step_button):
            b.setEnabled(has_targets)
            b.setToolTip(
                b.toolTip()
                if has_targets
                else "This session has no targets: add a target column in the Sequence dock"
            )
        self.run_curves.set_runs(session.other_runs)
        self._name_active_curve(session)
        h = training.history
        self._loss.set(np.arange(1, h.updates + 1), h.loss)
        self._norm.set(np.arange(1, h.updates + 1), h.grad_norm)
        self._epoch_of = h.epoch.tolist()
        self._closed = (0, 0)
        self._epoch_mean_from_history()
        self._total_updates = h.updates
        self._snapshots = (0,) + h.snapshot_updates if h.updates else ()
        self._stopped_at = h.stopped_update
        self._sync_history_slider()
        self._redraw()
        self._update_buttons()
        self._update_progress(h.updates, h.updates, h.epochs, h.epochs)
        self.status_label.setText(self._summary())

    def set_selection(self, layer, direction, unit, gate) -> None:  # the cursor does not matter here
        pass

    def set_step(self, t: int) -> None:
        pass

    # -- streaming ---------------------------------------------------------------------------
    def add_ticks(self, ticks: list[TrainingTick]) -> None:
        self.run_curves.add_ticks(ticks)
        ticks = [t for t in ticks if t.run == 0]  # the active run's: progress, epochs, gradient norm
        if not ticks:
            self._request_redraw()
            return
        good = [t for t in ticks if not t.stopped]
        if good:
            x = [t.update for t in good]
            self._loss.extend(x, [t.loss for t in good])
            self._norm.extend(x, [t.grad_norm for t in good])
            self._epoch_of.extend(t.epoch for t in good)
            self._epoch_mean_from_history()
        bad = [t for t in ticks if t.stopped]
        self._stopped_at = bad[0].update if bad else None
        last = ticks[-1]
        self._total_updates = last.total_updates
        self._request_redraw()
        self._update_progress(last.update, last.total_updates, last.epoch, last.total_epochs)

    # -- drawing ------------------------------------------------------------------------------
    def _transform(self, y: np.ndarray) -> np.ndarray:
        unit = self.unit_combo.currentData() if self._text else "loss"
        if unit == "perplexity":
            return np.exp(np.minimum(y, 700.0))
        if unit == "bits":
            return y / LN2
        return y

    def _epoch_mean_from_history(self) -> None:
        """The mean loss of each epoch, the last one too unless a run is streaming (it may
        not be over).  Epochs known to be over are kept: only the updates since are summed."""
        n0, k0 = self._closed
        self._epoch_mean.n = k0  # the closed epochs' points stay
        if len(self._epoch_of) <= n0:
            return
        epochs = np.asarray(self._epoch_of[n0:])  # [U - n0]
        x, y = self._loss.data()  # [U], [U]
        y = y[n0:]
        ends = np.flatnonzero(np.diff(epochs)) + 1  # first update of each new epoch
        starts = np.concatenate([[0], ends])
        means = np.add.reduceat(y, starts) / np.diff(np.concatenate([starts, [len(y)]]))
        x_end = x[n0 + np.concatenate([ends, [len(y)]]) - 1]  # the update that ended each epoch
        self._epoch_mean.extend(x_end[:-1], means[:-1])
        self._closed = (n0 + int(starts[-1]), self._epoch_mean.n)
        if not self._live:
            self._epoch_mean.extend(x_end[-1:], means[-1:])

    def _request_redraw(self) -> None:
        """Redraw now, or within REDRAW_MS of the last redraw, or when shown (hidden)."""
        self._dirty = True
        if not self.isVisible():
            return  # showEvent draws
        wait_ms = REDRAW_MS - (time.perf_counter() - self._drawn_at) * 1000
        if wait_ms <= 0:
            self._redraw()
        elif not self._redraw_timer.isActive():
            self._redraw_timer.start(int(wait_ms) + 1)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._dirty:
            self._redraw()

    def _redraw(self) -> None:
        self._dirty = False
        self._redraw_timer.stop()
        self._drawn_at = time.perf_counter()
        log = self.log_box.isChecked()
        drawn = {}
        for curve, item in (
            (self._loss, self.loss_curve),
            (self._epoch_mean, self.epoch_curve),
            (self._norm, self.norm_curve),
        ):
            x, y = curve.data()
            if item is not self.norm_curve:
                y = self._transform(y)
            if log:
                keep = y > 0  # a log axis cannot show 0
                x, y = x[keep], y[keep]
            item.setData(x, y, skipFiniteCheck=True)
            drawn[item] = (x, y)
        # ranges that move in steps: the axes are not redrawn at every redraw
        others, other_norms = self.run_curves.draw(self._transform, log)
        self.loss_frame.fit([drawn[self.loss_curve], drawn[self.epoch_curve], *others], log)
        self.norm_frame.fit([drawn[self.norm_curve], *other_norms], log)
        clip = self.computed.session.training.settings.clip if self.computed is not None else 0.0
        self.clip_line.setVisible(clip > 0)
        if clip > 0:
            self.clip_line.setValue(math.log10(clip) if log else clip)
            label = f"clip at {clip:g}"
            if label != getattr(self, "_clip_label", None):
                self._clip_label = label
                self.clip_line.label.setFormat(label)
        stopped = getattr(self, "_stopped_at", None)
        self.stop_line.setVisible(stopped is not None)
        if stopped is not None:
            self.stop_line.setValue(stopped)
        if self._loss_title() != self._title:  # a new title lays the plot out again
            self._title = self._loss_title()
            style.set_title(self.loss_plot, self._title)
        epochs = self._epoch_of  # one update an epoch: the two curves are one
        one_per_epoch = not epochs or epochs[-1] - epochs[0] + 1 == len(epochs)
        self.epoch_curve.setVisible(not one_per_epoch)
        legend = self.loss_plot.legend
        if legend is not None:
            listed = legend.getLabel(self.epoch_curve) is not None
            if listed and one_per_epoch:  # a hidden curve's entry is a crossed-out eye: leave it out
                legend.removeItem(self.epoch_curve)
            elif not listed and not one_per_epoch:
                legend.addItem(self.epoch_curve, "mean of each epoch")
            legend.setVisible(not one_per_epoch or bool(self.run_curves.items))

    def _name_active_curve(self, session) -> None:
        """Compare mode names the active run's curve in the legend; alone it is "each update"."""
        legend = self.loss_plot.legend
        label = legend.getLabel(self.loss_curve) if legend is not None else None
        if label is not None:
            name = f"{html.escape(session.run_name)}: each update" if session.other_runs else "each update"
            label.setText(name)

    def _loss_title(self) -> str:
        unit = self.unit_combo.currentData() if self._text else "loss"
        return {"loss": "Loss L before each update", "perplexity": "Perplexity e^L before each update",
                "bits": "Bits per token L / ln 2 before each update"}[unit]  # fmt: skip

    def _on_log_toggled(self, on: bool) -> None:
        for plot in (self.loss_plot, self.norm_plot):
            plot.setLogMode(y=on)
        self._redraw()

    # -- settings -------------------------------------------------------------------------------
    def _show_settings(self, s: TrainingSettings) -> None:
        values = (
            (self.optimizer_combo, self.optimizer_combo.findData(s.optimizer)), (self.lr_spin, s.lr),
            (self.momentum_spin, s.momentum), (self.nesterov_box, s.nesterov), (self.beta1_spin, s.beta1),
            (self.beta2_spin, s.beta2), (self.decay_spin, s.weight_decay), (self.clip_spin, s.clip),
            (self.epochs_spin, s.epochs), (self.seed_spin, s.seed), (self.window_spin, s.bptt_window),
        )  # fmt: skip
        for w, v in values:
            with QtCore.QSignalBlocker(w):
                if isinstance(w, QtWidgets.QComboBox):
                    w.setCurrentIndex(v)
                elif isinstance(w, QtWidgets.QCheckBox):
                    w.setChecked(bool(v))
                else:
                    w.setValue(v)
        self._show_optimizer_rows(s.optimizer)
        self.settings_error.setText("")

    def _show_optimizer_rows(self, name: str) -> None:
        form: QtWidgets.QFormLayout = self.settings_box.layout()
        for w, visible in (
            (self.momentum_row, name == "sgd"),
            (self.beta1_spin, name == "adam"),
            (self.beta2_spin, name == "adam"),
        ):
            form.setRowVisible(w, visible)

    def settings(self) -> TrainingSettings:
        """The session's training settings (every edit in the panel is kept there at once)."""
        return self.computed.session.training.settings if self.computed is not None else TrainingSettings()

    def _on_setting_edited(self, name: str, value) -> None:
        self._show_optimizer_rows(self.optimizer_combo.currentData())
        try:
            settings = replace(self.settings(), **{name: value})
        except ValueError as exc:
            self.settings_error.setText(str(exc))  # e.g. Nesterov needs momentum: not kept
            return
        self.settings_error.setText("")
        if self.computed is not None:  # mirrored at once, so the next edit builds on this one
            self.computed = replace(self.computed, session=replace(self.computed.session,
                                    training=replace(self.computed.session.training, settings=settings)))  # fmt: skip
        self.sig_settings_changed.emit({"training": settings})
        self._redraw()

    # -- controls -------------------------------------------------------------------------------
    def _on_train_clicked(self) -> None:
        t = self.trainer
        if t.state == "running":
            t.pause()
            return
        t.train()  # with the session's settings: the panel's, kept as they were edited

    def _on_reset_clicked(self) -> None:
        t = self.trainer
        (t.undo_reset if t.can_undo_reset else t.reset)()
        self._update_buttons()

    def _on_trainer_started(self, job) -> None:
        self._live = True
        self._total_updates = job.updates
        self._show_settings(job.settings)
        s = job.settings
        how = (
            f"Adam, lr {s.lr:g}"
            if s.optimizer == "adam"
            else f"SGD, lr {s.lr:g}" + (f", momentum {s.momentum:g}" if s.momentum else "")
        )
        if s.clip:
            how += f", clipping ‖g‖ at {s.clip:g}"
        if s.bptt_window:
            how += f", BPTT window {s.bptt_window}"
        self.status_label.setText(f"Training: {LOSS_TITLES[job.loss].lower()}, {how}…")

    def _on_trainer_state_changed(self, state: str) -> None:
        self._live = state != "idle"
        if state == "idle" and self.computed is not None:
            self._shown = None
            self.set_computed(self.computed)  # the run's result, as stored
            self.status_label.setText(self._summary())
        elif state == "paused":
            self.status_label.setText(
                "Paused: every view shows the weights of this moment. Train goes on, Step makes one update."
            )
        self._update_buttons()

    def _summary(self) -> str:
        h = self.computed.session.training.history
        if not h.updates:
            return "Not trained yet: Train runs the epochs set; Step makes one update."
        text = f"{h.updates:,} updates: loss {h.loss[0]:.4g} → {h.loss[-1]:.4g}"
        if h.stopped_reason:
            text += f". Stopped: {h.stopped_reason}"
        return text

    def _update_buttons(self) -> None:
        state = self.trainer.state if self.trainer is not None else "idle"
        running = state == "running"
        # the style's icons: a pause glyph (U+23F8) is missing from common fonts
        self.train_button.setText("Pause" if running else ("Go on" if state == "paused" else "Train"))
        SP = QtWidgets.QStyle.StandardPixmap
        self.train_button.setIcon(self.style().standardIcon(SP.SP_MediaPause if running else SP.SP_MediaPlay))
        self.stop_button.setEnabled(state != "idle")
        self.step_button.setEnabled(not running and self.train_button.isEnabled())
        trained = self.computed is not None and self.computed.session.training.trained
        undo = self.trainer is not None and self.trainer.can_undo_reset
        self.reset_button.setText("Undo reset" if undo else "Reset weights")
        self.reset_button.setEnabled(state == "idle" and (trained or undo))
        for w in self._editors:
            w.setEnabled(state == "idle")
        self.history_slider.setEnabled(state == "idle" and len(self._snapshots) > 1)
        self.use_button.setEnabled(state == "idle" and len(self._snapshots) > 1)

    def _update_progress(self, update: int, total: int, epoch: int, epochs: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(update)
        rate = self.trainer.updates_per_second() if self.trainer is not None and self._live else 0.0
        text = f"epoch {epoch} / {epochs} · update {update} / {total}"
        if rate > 0:
            left = (total - update) / rate
            text += (
                f" · {rate:,.0f} updates/s · {left:,.0f} s left" if left >= 1 else f" · {rate:,.0f} updates/s"
            )
        self.progress.setFormat(text)

    # -- history ---------------------------------------------------------------------------------
    def _sync_history_slider(self) -> None:
        with QtCore.QSignalBlocker(self.history_slider):
            n = len(self._snapshots)
            self.history_slider.setRange(0, max(n - 1, 0))
            self.history_slider.setValue(max(n - 1, 0))
        self._show_history_label()

    def _slider_update(self) -> int:
        k = self.history_slider.value()
        return self._snapshots[k] if 0 <= k < len(self._snapshots) else 0

    def _show_history_label(self) -> None:
        if not self._snapshots:
            self.history_label.setText("not trained yet")
            return
        u = self._slider_update()
        self.history_label.setText(
            "before training" if u == 0 else f"after update {u:,} of {self._total_updates:,}"
        )

    def _on_history_slider_changed(self, _value: int) -> None:
        self._show_history_label()
        self.sig_snapshot_requested.emit(self._slider_update())


__all__ = ["TrainingView"]
