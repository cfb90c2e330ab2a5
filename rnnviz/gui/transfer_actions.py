"""File menu actions that carry weights and traces in and out of the app:
import / export ``.npz`` weights (PyTorch names), "Copy as PyTorch code", and
export the trace as CSV.  Errors are shown and change nothing.

``choose_path(kind, save, suggested)`` is the one file dialog; tests replace it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from rnnviz.engine import describe_spec
from rnnviz.session.atomic import atomic_write
from rnnviz.session.exporters import session_trace_csv
from rnnviz.session.torch_code import MAX_INLINE_STEPS, can_embed
from rnnviz.session.weights import (
    WeightsFileError,
    export_weights,
    merge_weights,
    one_gate_rnn,
    proposed_network,
    pytorch_code,
)

from .file_dialogs import describe_write_error

FILTERS = {
    "weights": "NumPy weights (*.npz);;All files (*)",
    "csv": "CSV tables (*.csv);;All files (*)",
    "npy": "NumPy arrays (*.npy);;All files (*)",
}
WEIGHTS_FILE = "weights.npz"
INPUTS_FILE = "inputs.npy"
#: A trace longer than this is exported in a worker thread (≈ 20 µs a step on the GUI thread).
BACKGROUND_EXPORT_STEPS = 10_000


class _ExportRelay(QtCore.QObject):
    """Carries a worker's export result back to the GUI thread."""

    sig_done = QtCore.Signal(str, object)  # path, error message or None


def write_trace_csv(session, path: str) -> str | None:
    """Write ``session``'s trace as CSV to ``path``; the error message, or None.  Any thread."""
    try:
        text = session_trace_csv(session)
        atomic_write(path, lambda f: f.write(text.encode("utf-8")))
    except OSError as exc:
        return describe_write_error(path, exc)
    except ValueError as exc:
        return f"{Path(path).name}: {exc}"
    except MemoryError:
        return f"{Path(path).name}: not enough memory for a trace of {session.sequence.steps:,} steps"
    return None


class TransferActions(QtCore.QObject):
    sig_export_finished = QtCore.Signal(bool)  # a trace export in the worker ended: written?

    def __init__(self, window: QtWidgets.QMainWindow, controller, files):
        super().__init__(window)
        self.window = window
        self.controller = controller
        self.files = files  # FileActions: error dialog and status line
        self.choose_path = self._choose_path_dialog
        self.ask = self._ask_dialog  # (kind, question) -> yes?; tests replace it
        self.action_import_weights = self._action("&Import weights (.npz)…", self.import_weights_dialog)
        self.action_export_weights = self._action("E&xport weights (.npz)…", self.export_weights_dialog)
        self.action_copy_code = self._action("Copy as &PyTorch code", self.copy_pytorch_code)
        self.action_export_csv = self._action("Export trace as &CSV…", self.export_csv_dialog)
        self._pool = QtCore.QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _ExportRelay()
        self._relay.sig_done.connect(self._on_relay_done)

    def actions(self) -> list[QtGui.QAction]:
        return [
            self.action_import_weights,
            self.action_export_weights,
            self.action_copy_code,
            self.action_export_csv,
        ]

    def _action(self, text: str, slot) -> QtGui.QAction:
        action = QtGui.QAction(text, self.window)
        action.triggered.connect(lambda checked=False: slot())
        return action

    # -- weights -----------------------------------------------------------------------
    def import_weights_dialog(self) -> bool:
        path = self.choose_path("weights", False, self._beside(WEIGHTS_FILE))
        return bool(path) and self.import_weights(path)

    def import_weights(self, path: str) -> bool:
        """Replace every weight from ``path``; a key or shape that does not fit changes nothing."""
        session = self.controller.latest
        try:
            network, kept = merge_weights(path, session.network, optional_head=True)
        except WeightsFileError as exc:
            return self._import_other_network(path, session, exc)
        if not self.controller.set_network(network):
            return False
        extra = " (the file has no output head: the current head is kept)" if kept else ""
        self.files._status(f"Imported the weights from {Path(path).name}{extra}")
        return True

    def _import_other_network(self, path: str, session, exc: WeightsFileError) -> bool:
        """The file does not fit this network: propose the network it describes."""
        relu = None
        if one_gate_rnn(path):
            relu = self.ask("rnn_activation", "One gate: a plain RNN. Is its nonlinearity ReLU (else tanh)?")
        try:
            network, note = proposed_network(path, session.network, session.sequence.num_features, relu)
        except WeightsFileError as other:
            self.files.show_error_dialog("Cannot import these weights", f"{exc}\n\n{other}")
            return False
        question = (
            f"{note}, not {describe_spec(session.network.spec)}.\n\nBuild that network with these weights?"
        )
        if not self.ask("build", question):
            return False
        if not self.controller.set_network(network):
            return False
        self.files._status(f"Built the network of {Path(path).name}: {note}")
        return True

    def _ask_dialog(self, kind: str, text: str) -> bool:
        Btn = QtWidgets.QMessageBox.StandardButton
        answer = QtWidgets.QMessageBox.question(self.window, "Import weights", text, Btn.Yes | Btn.No)
        return answer == Btn.Yes

    def export_weights_dialog(self) -> bool:
        path = self.choose_path("weights", True, self._beside(WEIGHTS_FILE))
        return bool(path) and self.export_weights(path)

    def export_weights(self, path: str) -> bool:
        try:
            export_weights(self.controller.latest.network, path)
        except OSError as exc:
            self.files.show_error_dialog("Cannot export the weights", describe_write_error(path, exc))
            return False
        except ValueError as exc:
            self.files.show_error_dialog("Cannot export the weights", f"{Path(path).name}: {exc}")
            return False
        self.files._status(f"Exported the weights to {Path(path).name} (PyTorch names)")
        return True

    def copy_pytorch_code(self) -> str:
        """Put a snippet that rebuilds this network in torch.nn on the clipboard: the weights
        embedded when the user agrees (it runs as it is), else loaded from weights.npz; a long
        sequence is saved as an .npy beside it when the user picks a place."""
        session = self.controller.latest
        embed = can_embed(session.network) and self.ask(
            "embed", "Embed the weights in the code, so that it runs as it is?\n"
            f"(No: it loads {WEIGHTS_FILE}, which File > Export weights writes.)"
        )  # fmt: skip
        inputs_file, saved = INPUTS_FILE, ""
        if session.sequence.steps > MAX_INLINE_STEPS:
            path = self.choose_path("npy", True, self._beside(INPUTS_FILE))
            if path and self._save_inputs(path, session.inputs):
                inputs_file, saved = Path(path).name, f"; the inputs are in {Path(path).name}"
        code = pytorch_code(session.network, WEIGHTS_FILE, session.inputs, embed, inputs_file)
        QtGui.QGuiApplication.clipboard().setText(code)
        where = "with the weights embedded" if embed else f"(export the weights as {WEIGHTS_FILE} beside it)"
        self.files._status(f"Copied PyTorch code {where}{saved}")
        return code

    def _save_inputs(self, path: str, inputs) -> bool:
        try:
            atomic_write(path, lambda f: np.save(f, np.asarray(inputs, dtype=np.float64), allow_pickle=False))
        except OSError as exc:
            self.files.show_error_dialog("Cannot save the inputs", describe_write_error(path, exc))
            return False
        return True

    def export_csv_dialog(self) -> bool:
        path = self.choose_path("csv", True, self._beside("trace.csv"))
        return bool(path) and self.export_csv(path)

    def export_csv(self, path: str, background: bool | None = None) -> bool:
        """Write the trace as CSV.  A long one is written in a worker (the window stays live):
        this returns True at once and ``sig_export_finished`` tells how it ended."""
        session = self.controller.latest
        if background is None:
            background = session.sequence.steps > BACKGROUND_EXPORT_STEPS
        if not background:
            return self._export_done(path, write_trace_csv(session, path))
        self.action_export_csv.setEnabled(False)
        self.files._status(f"Exporting the trace ({session.sequence.steps:,} steps) to {Path(path).name}…")
        self._pool.start(lambda: self._relay.sig_done.emit(path, write_trace_csv(session, path)))
        return True

    def _on_relay_done(self, path: str, error) -> None:
        self.action_export_csv.setEnabled(True)
        self.sig_export_finished.emit(self._export_done(path, error))

    def _export_done(self, path: str, error: str | None) -> bool:
        if error is not None:
            self.files.show_error_dialog("Cannot export the trace", error)
            return False
        self.files._status(f"Exported the trace to {Path(path).name}")
        return True

    # -- dialogs -----------------------------------------------------------------------
    def _beside(self, name: str) -> str:
        folder = Path(self.files.path).parent if self.files.path else Path.home()
        return str(folder / name)

    def _choose_path_dialog(self, kind: str, save: bool, suggested: str) -> str | None:
        dialog = QtWidgets.QFileDialog.getSaveFileName if save else QtWidgets.QFileDialog.getOpenFileName
        title = {"weights": "weights", "csv": "trace"}[kind]
        path, _ = dialog(self.window, ("Export " if save else "Import ") + title, suggested, FILTERS[kind])
        return path or None
