"""File > Export animation… and File > Export handout (PDF)…: the dialogs and the runs.

The animation dialog builds a :class:`~rnnviz.session.export_plan.VideoRequest` (the
same checks as ``rnnviz --export-video``) and a :class:`~.runner.VideoExport` makes the
film (painted on the GUI thread in slices, encoded in the ``"export"`` lane of the
window's Jobs) under a progress dialog with Cancel.  The handout is painted a page per
timer tick under its own progress dialog; Cancel writes nothing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from rnnviz.session.export_plan import (
    DEFAULT_FPS,
    MAX_FPS,
    MAX_FRAMES_PER_STEP,
    MAX_SIZE,
    MIN_SIZE,
    SIZE_PRESETS,
    ExportRequestError,
    handout_request,
    video_request,
)

from ..plain_text import plain_message_box
from ..theme import THEMES, appearance

VIEWS = {"Diagrams": "diagrams", "Step math": "math", "Plots": "plots", "Training": "training"}
FORMATS = {"GIF (Pillow)": ".gif", "MP4 (H.264)": ".mp4"}
CUSTOM = "custom"


def _spin(lo: int, hi: int, value: int) -> QtWidgets.QSpinBox:
    box = QtWidgets.QSpinBox(minimum=lo, maximum=hi, value=value)
    box.setKeyboardTracking(False)
    return box


class StepRange(QtWidgets.QWidget):
    """From step … to step (1..T)."""

    def __init__(self, steps: int, parent=None):
        super().__init__(parent)
        self.first, self.last = _spin(1, steps, 1), _spin(1, steps, steps)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.first)
        lay.addWidget(QtWidgets.QLabel("to"))
        lay.addWidget(self.last)
        lay.addWidget(QtWidgets.QLabel(f"of {steps}"))
        lay.addStretch(1)

    def text(self) -> str:
        return f"{self.first.value()}:{self.last.value()}"


class ExportAnimationDialog(QtWidgets.QDialog):
    """The film's settings; :meth:`request` checks them for a path."""

    def __init__(self, steps: int, view: str = "diagrams", parent=None):
        super().__init__(parent)
        self.setWindowTitle("Export animation")
        self.steps = steps
        self.view_combo = QtWidgets.QComboBox()
        self.view_combo.addItems(list(VIEWS))
        self.view_combo.setCurrentIndex(
            max(list(VIEWS.values()).index(view) if view in VIEWS.values() else 0, 0)
        )
        self.range = StepRange(steps)
        self.fps_spin = QtWidgets.QDoubleSpinBox(minimum=0.25, maximum=MAX_FPS, value=DEFAULT_FPS, decimals=2)
        self.fps_spin.setSuffix(" frames/s")
        self.between_spin = _spin(0, MAX_FRAMES_PER_STEP - 1, 0)
        self.between_spin.setToolTip("Frames between two steps in which the data flow runs along the wires "
                                     "(the diagrams' pulse); 0: one still frame per step")  # fmt: skip
        self.size_combo = QtWidgets.QComboBox()
        for name, size in SIZE_PRESETS.items():
            self.size_combo.addItem(name, size)
        self.size_combo.addItem("Custom", CUSTOM)
        self.width_spin = _spin(MIN_SIZE[0], MAX_SIZE[0], 1280)
        self.height_spin = _spin(MIN_SIZE[1], MAX_SIZE[1], 720)
        size_row = QtWidgets.QHBoxLayout()
        for w in (self.size_combo, self.width_spin, QtWidgets.QLabel("×"), self.height_spin):
            size_row.addWidget(w)
        self.format_combo = QtWidgets.QComboBox()
        self.format_combo.addItems(list(FORMATS))
        self.theme_combo = QtWidgets.QComboBox()
        for name, theme in THEMES.items():
            self.theme_combo.addItem(theme.title, name)
        self.theme_combo.setCurrentIndex(self.theme_combo.findData(appearance().theme.name))
        self.theme_combo.setToolTip("The film's colours (the window shows them while the film is made)")
        self.present_check = QtWidgets.QCheckBox("Presentation styling")
        self.present_check.setToolTip("A large caption (t = 3 / 40 — input: very) and a large tab, "
                                      "as presentation mode (F5) shows the window")  # fmt: skip
        self.summary = QtWidgets.QLabel()
        self.error_label = QtWidgets.QLabel()
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setStyleSheet("color:#b00020;")
        self.error_label.setWordWrap(True)
        form = QtWidgets.QFormLayout()
        form.addRow("View", self.view_combo)
        form.addRow("Steps", self.range)
        form.addRow("Speed", self.fps_spin)
        form.addRow("In-between frames", self.between_spin)
        form.addRow("Size", size_row)
        form.addRow("Format", self.format_combo)
        form.addRow("Theme", self.theme_combo)
        form.addRow("Style", self.present_check)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Export…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.summary)
        lay.addWidget(self.error_label)
        lay.addWidget(buttons)
        for signal in (self.range.first.valueChanged, self.range.last.valueChanged, self.fps_spin.valueChanged,
                       self.between_spin.valueChanged, self.width_spin.valueChanged,
                       self.height_spin.valueChanged, self.format_combo.currentIndexChanged):  # fmt: skip
            signal.connect(self._update_summary)
        self.size_combo.currentIndexChanged.connect(self._on_size_combo_changed)
        self._on_size_combo_changed()

    def _on_size_combo_changed(self, *_args) -> None:
        size = self.size_combo.currentData()
        custom = size == CUSTOM
        for box in (self.width_spin, self.height_spin):
            box.setEnabled(custom)
        if not custom:
            for box, v in zip((self.width_spin, self.height_spin), size, strict=True):
                with QtCore.QSignalBlocker(box):
                    box.setValue(v)
        self._update_summary()

    @property
    def suffix(self) -> str:
        return FORMATS[self.format_combo.currentText()]

    def settings(self) -> dict:
        return {
            "step_range": self.range.text(),
            "view": VIEWS[self.view_combo.currentText()],
            "fps": self.fps_spin.value(),
            "size": (self.width_spin.value(), self.height_spin.value()),
            "frames_per_step": 1 + self.between_spin.value(),
            "present": self.present_check.isChecked(),
            "theme": self.theme_combo.currentData(),
        }

    def request(self, path: str):
        """The checked request for ``path`` (raises ExportRequestError)."""
        return video_request(path, self.steps, **self.settings())

    def _update_summary(self, *_args) -> None:
        try:
            r = self.request(str(Path.cwd() / f"check{self.suffix}"))
        except ExportRequestError as exc:
            self.summary.setText("")
            self.error_label.setText(str(exc))
            self.ok_button.setEnabled(False)
            return
        self.error_label.setText("")
        self.ok_button.setEnabled(True)
        per = "1 frame" if r.frames_per_step == 1 else f"{r.frames_per_step} frames"
        self.summary.setText(f"{r.steps} steps × {per} = {r.frame_count} frames, {r.duration_s:.1f} s "
                             f"({r.fps / r.frames_per_step:.3g} steps a second)")  # fmt: skip


class ExportActions(QtCore.QObject):
    """File > Export animation… and Export handout (PDF)… for a MainWindow."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.action_animation = QtGui.QAction("Export &animation (GIF, MP4)…", window)
        self.action_animation.triggered.connect(self.export_animation_dialog)
        self.action_handout = QtGui.QAction("Export &handout (PDF)…", window)
        self.action_handout.triggered.connect(self.export_handout_dialog)
        self.export = None  # the VideoExport under way
        self.progress: QtWidgets.QProgressDialog | None = None
        self.last_result: tuple[str, str] | None = None  # (path, error) of the last film or handout
        window.installEventFilter(self)  # a window that closes cancels its film (nothing is left)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QtCore.QEvent.Type.Close and self.export is not None:
            self.export.cancel()
        return False

    def actions(self) -> list[QtGui.QAction]:
        return [self.action_animation, self.action_handout]

    def _context(self):
        c = self.window.controller
        return (c.computed, c.cursor) if c.computed is not None else (None, None)

    # -- animation ------------------------------------------------------------------------
    def export_animation_dialog(self) -> None:
        computed, _ = self._context()
        if computed is None:
            return
        current = self.window.central_tabs.currentWidget()
        view = {self.window.math_panel: "math", self.window.plots_view: "plots",
                self.window.training_view: "training"}.get(current, "diagrams")  # fmt: skip
        dialog = ExportAnimationDialog(computed.trace.steps, view, self.window)
        presentation = getattr(self.window, "presentation", None)
        dialog.present_check.setChecked(presentation is not None and presentation.active)  # as it is shown
        while dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            suffix = dialog.suffix
            path, _ = QtWidgets.QFileDialog.getSaveFileName(
                self.window, "Export animation", f"rnnviz{suffix}", f"{suffix[1:].upper()} (*{suffix})"
            )
            if not path:
                continue
            if Path(path).suffix.lower() != suffix:
                path += suffix
            try:
                request = dialog.request(path)
            except ExportRequestError as exc:
                dialog.error_label.setText(str(exc))
                continue
            self.start_animation(request)
            return

    def start_animation(self, request) -> None:
        """Make the film of ``request`` from the window's session, with progress and Cancel."""
        from .runner import VideoExport

        computed, cursor = self._context()
        if computed is None or self.export is not None:
            return
        w = self.window
        look = appearance()
        self._theme_before = look.theme.name
        if request.theme != look.theme.name:  # one theme per application: the window shows the film's
            look.set_theme(request.theme)
        backward = request.view == "diagrams" and w.diagrams_view.backward
        self.export = VideoExport(
            w.controller.jobs, computed, request, cursor, w.math_panel.page, backward, self
        )
        self.progress = self._progress_dialog(f"Writing {Path(request.path).name}…", request.frame_count)
        self.progress.canceled.connect(self.export.cancel)
        self.export.sig_progress.connect(lambda done, _total: self.progress and self.progress.setValue(done))
        self.export.sig_finished.connect(self._on_export_finished)
        self.export.start()

    def _progress_dialog(self, text: str, total: int) -> QtWidgets.QProgressDialog:
        dialog = QtWidgets.QProgressDialog(text, "Cancel", 0, total, self.window)
        dialog.setWindowTitle("Export")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setValue(0)
        return dialog

    def _on_export_finished(self, path: str, error: str) -> None:
        self.export = None
        before = getattr(self, "_theme_before", None)
        if before is not None and before != appearance().theme.name:
            appearance().set_theme(before)  # the window's own theme again
        self._done(path, error, "animation")

    def _done(self, path: str, error: str, what: str) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
        self.last_result = (path, error)
        if error:
            plain_message_box(self.window, QtWidgets.QMessageBox.Icon.Warning, f"Cannot export the {what}",
                              error).open()  # fmt: skip
        elif path:
            self.window.show_message(f"Exported {path}")
        else:
            self.window.show_message(f"Export of the {what} cancelled; nothing was written")

    # -- handout ----------------------------------------------------------------------------
    def export_handout_dialog(self) -> None:
        computed, _ = self._context()
        if computed is None:
            return
        steps = computed.trace.steps
        dialog = QtWidgets.QDialog(self.window)
        dialog.setWindowTitle("Export handout")
        pick = StepRange(steps)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        lay = QtWidgets.QFormLayout(dialog)
        lay.addRow("One page per step", pick)
        lay.addRow(buttons)
        if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self.window, "Export handout", "handout.pdf", "PDF (*.pdf)"
        )
        if not path:
            return
        if Path(path).suffix.lower() != ".pdf":
            path += ".pdf"
        try:
            request = handout_request(path, steps, pick.text())
        except ExportRequestError as exc:
            self._done("", str(exc), "handout")
            return
        self.start_handout(request)

    def start_handout(self, request) -> None:
        """Paint the handout a page per timer tick (the window stays responsive); Cancel
        closes the pages' generator and nothing is written."""
        from .handout import handout_pages

        computed, cursor = self._context()
        pages = handout_pages(computed, request, cursor)
        self.progress = progress = self._progress_dialog(f"Writing {Path(request.path).name}…",
                                                         request.last - request.first + 1)  # fmt: skip
        timer = QtCore.QTimer(self)

        def end(path: str, error: str) -> None:
            timer.stop()
            timer.deleteLater()
            pages.close()
            self._done(path, error, "handout")

        def tick() -> None:
            try:
                progress.setValue(next(pages))
            except StopIteration:
                end(request.path, "")
            except OSError as exc:
                end("", f"{request.path}: {getattr(exc, 'strerror', None) or exc}")

        progress.canceled.connect(lambda: end("", ""))
        timer.timeout.connect(tick)
        timer.start(0)
