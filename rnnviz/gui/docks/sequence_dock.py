"""SequenceDock: the input sequence as a table (rows t = 1..T), text, generators, files.

Edits make a new Sequence for the controller; when the feature count changes the
network's input size follows (see ``controller.adapt_network``).  Every refused
edit — a bad paste, a bad file — says what and where, and leaves the table as it was.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6 import QtGui, QtWidgets
from PySide6.QtCore import Qt

from rnnviz.session import SHAPES, Sequence, Session

from ..plain_text import plain_label
from ..theme import C
from .array_model import ArrayTableModel, parse_number, visible_token
from .sequence_sources import FileImportWidget, GeneratorWidget, TextInputWidget

TARGET_TINT = "#FFF3DC"
SHAPE_TITLES = {
    "many_to_many": "Many-to-many (a target every step)",
    "many_to_one": "Many-to-one (target at the last step)",
    "one_to_many": "One-to-many",
}


#: A pasted block may hold this many numbers (parsed on the GUI thread: about 1 s);
#: a bigger table loads as a file, in a worker.
MAX_PASTE_CELLS = 500_000


def parse_pasted(text: str) -> np.ndarray:
    """A spreadsheet's tab-separated clipboard as a 2-D array; ValueError naming line and column."""
    lines = [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise ValueError("the clipboard holds no numbers")
    fields = sum(line.count("\t") + 1 for line in lines)
    if len(text) > 20 * MAX_PASTE_CELLS or fields > MAX_PASTE_CELLS:
        raise ValueError(
            f"the clipboard holds {len(lines):,} lines ({len(text):,} characters); a pasted block may "
            f"hold {MAX_PASTE_CELLS:,} numbers — save it as a CSV file and load it (File tab)"
        )
    sep = (
        "\t" if any("\t" in line for line in lines) else ("," if any("," in line for line in lines) else None)
    )
    rows = []
    for i, line in enumerate(lines, start=1):
        cells = line.split(sep) if sep else line.split()
        row = []
        for j, cell in enumerate(cells, start=1):
            try:
                row.append(parse_number(cell))
            except ValueError:
                shown = cell.strip() if len(cell.strip()) <= 40 else cell.strip()[:40] + "…"
                raise ValueError(f"pasted line {i}, column {j}: {shown!r} is not a number") from None
        rows.append(row)
    width = len(rows[0])
    for i, row in enumerate(rows, start=1):
        if len(row) != width:
            raise ValueError(f"pasted line {i} has {len(row)} values; line 1 has {width}")
    return np.array(rows, dtype=float)


class SequenceTableView(QtWidgets.QTableView):
    """A table that pastes tab-separated text with Ctrl+V."""

    def __init__(self, on_paste, parent=None):
        super().__init__(parent)
        self._on_paste = on_paste
        paste = QtGui.QShortcut(QtGui.QKeySequence.StandardKey.Paste, self)
        paste.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        paste.activated.connect(self._paste_clipboard)

    def _paste_clipboard(self) -> None:
        index = self.currentIndex()
        row, col = (index.row(), index.column()) if index.isValid() else (0, 0)
        self._on_paste(QtWidgets.QApplication.clipboard().text(), row, col)


class SequenceDock(QtWidgets.QDockWidget):
    def __init__(self, controller, parent=None):
        super().__init__("Sequence", parent)
        self.setObjectName("SequenceDock")
        self.controller = controller
        self._shown: Sequence | None = None  # the sequence the table shows
        self._build()
        controller.sig_session_changed.connect(self._on_controller_session_changed)
        controller.sig_error.connect(self._on_controller_error)
        if controller.session is not None:
            self.set_session(controller.session)

    def _build(self) -> None:
        body = QtWidgets.QWidget(self)
        outer = QtWidgets.QVBoxLayout(body)
        outer.setContentsMargins(4, 4, 4, 4)
        self.tabs = QtWidgets.QTabWidget(body)
        self.tabs.addTab(self._build_table_tab(), "Table")
        self.text_widget = TextInputWidget(self)
        self.text_widget.sig_sequence_built.connect(self._on_source_sequence_built)
        self.text_widget.sig_failed.connect(self.show_error)
        self.tabs.addTab(self.text_widget, "Text")
        self.generator_widget = GeneratorWidget(self)
        self.generator_widget.sig_sequence_built.connect(self._on_source_sequence_built)
        self.generator_widget.sig_failed.connect(self.show_error)
        self.tabs.addTab(self.generator_widget, "Generate")
        self.file_widget = FileImportWidget(self)
        self.file_widget.sig_sequence_built.connect(self._on_source_sequence_built)
        self.file_widget.sig_failed.connect(self.show_error)
        self.tabs.addTab(self.file_widget, "File")
        outer.addWidget(self.tabs, 1)
        self.error_label = plain_label(QtWidgets.QLabel(body))  # messages quote names and paths
        self.error_label.setObjectName("sequenceError")
        self.error_label.setWordWrap(True)
        self.error_label.setVisible(False)
        outer.addWidget(self.error_label)
        self.setWidget(body)

    def _build_table_tab(self) -> QtWidgets.QWidget:
        tab = QtWidgets.QWidget(self)
        col = QtWidgets.QVBoxLayout(tab)
        col.setContentsMargins(2, 4, 2, 2)
        self.summary_label = plain_label(QtWidgets.QLabel(tab))  # it lists the tokens
        self.summary_label.setWordWrap(True)
        col.addWidget(self.summary_label)
        self.model = ArrayTableModel(tab)
        self.model.compact = True  # one-hot rows read as 1 and 0
        self.model.sig_value_edited.connect(self._on_model_value_edited)
        self.model.sig_invalid_text.connect(self._on_model_invalid_text)
        self.table = SequenceTableView(self.paste_text, tab)
        self.table.setModel(self.model)
        self.table.horizontalHeader().setDefaultSectionSize(64)
        self.table.horizontalHeader().setMinimumSectionSize(40)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        col.addWidget(self.table, 1)
        grid = QtWidgets.QGridLayout()
        buttons = (
            ("+ Row", "Add a time step at the end", self.add_row),
            ("− Row", "Remove the selected (or last) time step", self.remove_row),
            ("Paste", "Paste tab-separated numbers from a spreadsheet at the current cell (Ctrl+V)",
             self._on_paste_button_clicked),
            ("+ Input", "Add an input feature column", self.add_input_column),
            ("− Input", "Remove the selected (or last) input column", self.remove_input_column),
            ("+ Target", "Add a target column", self.add_target_column),
            ("− Target", "Remove the selected (or last) target column", self.remove_target_column),
        )  # fmt: skip
        self.buttons: dict[str, QtWidgets.QPushButton] = {}
        for k, (text, tip, slot) in enumerate(buttons):
            b = QtWidgets.QPushButton(text, tab)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            grid.addWidget(b, k // 4, k % 4)
            self.buttons[text] = b
        col.addLayout(grid)
        shape_row = QtWidgets.QHBoxLayout()
        shape_row.addWidget(QtWidgets.QLabel("Task", tab))
        self.shape_combo = QtWidgets.QComboBox(tab)
        for shape in SHAPES:
            self.shape_combo.addItem(SHAPE_TITLES[shape], shape)
        self.shape_combo.currentIndexChanged.connect(self._on_shape_combo_changed)
        shape_row.addWidget(self.shape_combo, 1)
        col.addLayout(shape_row)
        return tab

    # -- state → widget -----------------------------------------------------------------
    @property
    def sequence(self) -> Sequence:
        return self.controller.latest.sequence

    def set_session(self, session: Session) -> None:
        seq = session.sequence
        self._shown = seq  # what the table shows: edits by row and column refer to it
        table, names = self.table_array(seq)
        structure = (table.shape, tuple(names))
        self.model.set_array(table, None, [visible_token(n) for n in names])
        if structure != getattr(self, "_structure", None) and table.shape[1] <= 40:
            self._structure = structure
            self.table.resizeColumnsToContents()
        n_in = seq.num_features
        self.model.set_col_tints([None] * n_in + [TARGET_TINT] * (table.shape[1] - n_in))
        self.model.blank_from_column = n_in  # a cleared target: no target at that step
        self.shape_combo.blockSignals(True)
        self.shape_combo.setCurrentIndex(max(0, self.shape_combo.findData(seq.shape)))
        self.shape_combo.blockSignals(False)
        n_out = 0 if seq.targets is None else seq.targets.shape[1]
        text = f"T = {seq.steps} steps · {n_in} input feature{'s' * (n_in != 1)} · {n_out} target column{'s' * (n_out != 1)}"
        if seq.is_text:
            text += (
                f" · {seq.token_mode} tokens: " + " ".join(seq.tokens[:40]) + (" …" if seq.steps > 40 else "")
            )
        self.summary_label.setText(text)
        self.text_widget.set_sequence(seq)

    @staticmethod
    def column_names(seq: Sequence) -> list[str]:
        """The table's headers: inputs, then targets (marked →)."""
        names = list(seq.input_names)
        return names if seq.targets is None else names + [f"→ {n}" for n in seq.target_names]

    @staticmethod
    def table_array(seq: Sequence) -> tuple[np.ndarray, list[str]]:
        """[T, I + O]: inputs, then targets; and the column headers."""
        names = [f"{n}" for n in seq.input_names]
        if seq.targets is None:
            return np.array(seq.inputs), names
        names += [f"→ {n}" for n in seq.target_names]
        return np.hstack([seq.inputs, seq.targets]), names

    def _on_controller_session_changed(self, session: Session) -> None:
        self.set_session(session)

    def _on_controller_error(self, _message: str) -> None:
        pass  # the status bar shows engine errors; this dock shows its own

    def show_error(self, message: str) -> None:
        self.error_label.setStyleSheet(f"color: {C.error.name()}; font-weight: bold;")  # the theme's, now
        self.error_label.setText("⚠ " + message)
        self.error_label.setVisible(True)
        self.controller.report(message)

    def clear_error(self) -> None:
        self.error_label.setVisible(False)
        self.error_label.clear()

    # -- widget → state ---------------------------------------------------------------------
    def _editable(self) -> bool:
        """Edits by row and column refer to the table shown; while another sequence is
        being computed (a big file, a generator) they would land in the wrong place."""
        if self.sequence is self._shown:
            return True
        self.show_error("a new sequence is being computed; edit the table once it is shown (or Cancel)")
        return False

    def _submit(self, sequence: Sequence) -> bool:
        ok = self.controller.set_sequence(sequence)
        if ok:
            self.clear_error()
        return ok

    def _numeric(self, inputs, targets, input_names, target_names) -> Sequence:
        """A plain numeric sequence (a text sequence edited by hand stops being text)."""
        seq = self.sequence
        return Sequence(
            inputs=inputs,
            targets=targets,
            input_names=tuple(input_names),
            target_names=tuple(target_names) if targets is not None else (),
            shape=seq.shape,
        )

    def _split(self, table: np.ndarray, n_in: int, names: list[str]) -> bool:
        seq = self.sequence
        in_names = names[:n_in]
        out_names = [n.removeprefix("→ ") for n in names[n_in:]]
        targets = table[:, n_in:] if table.shape[1] > n_in else None
        try:
            new = self._numeric(table[:, :n_in], targets, in_names, out_names)
        except ValueError as exc:
            self.show_error(str(exc))
            return False
        if seq.is_text and np.array_equal(new.inputs, seq.inputs) and targets is not None:
            new = replace(seq, targets=targets, target_names=tuple(out_names))  # target edits keep the text
        return self._submit(new)

    def _on_model_value_edited(self, row: int, col: int, value: float) -> None:
        """One cell: only its own array is copied (a big one-hot table is hundreds of MB)."""
        if not self._editable():
            return
        seq = self.sequence
        n_in = seq.num_features
        try:
            if col >= n_in and seq.targets is not None:
                targets = np.array(seq.targets)
                targets[row, col - n_in] = value
                new = replace(seq, targets=targets)  # a target edit keeps the text
            else:
                inputs = np.array(seq.inputs)
                inputs[row, col] = value
                new = self._numeric(inputs, seq.targets, seq.input_names, seq.target_names)
        except ValueError as exc:
            self.show_error(str(exc))
            return
        self._submit(new)

    def _on_model_invalid_text(self, row: int, col: int, text: str) -> None:
        names = self.column_names(self._shown)
        where = f"step t = {row + 1}, column {visible_token(names[col])!r}"
        if not text.strip():
            self.show_error(
                f"{where}: an input cannot be empty (only a target can: no target at that step); "
                "the cell keeps its value"
            )
            return
        shown = text.strip() if len(text.strip()) <= 40 else text.strip()[:40] + "…"
        self.show_error(f"{shown!r} is not a number: {where} keeps its value")

    def _selected(self, axis: int) -> list[int]:
        sel = self.table.selectionModel()
        if sel is None:
            return []
        indexes = sel.selectedIndexes()
        return sorted({i.row() if axis == 0 else i.column() for i in indexes})

    def add_row(self) -> None:
        seq = self.sequence
        table, names = self.table_array(seq)
        self._split(np.vstack([table, np.zeros((1, table.shape[1]))]), seq.num_features, names)

    def remove_row(self) -> None:
        if not self._editable():
            return
        seq = self.sequence
        if seq.steps <= 1:
            self.show_error("a sequence needs at least one time step")
            return
        rows = self._selected(0) or [seq.steps - 1]
        if len(rows) >= seq.steps:
            rows = rows[:-1]
        table, names = self.table_array(seq)
        self._split(np.delete(table, rows, axis=0), seq.num_features, names)

    def add_input_column(self) -> None:
        seq = self.sequence
        table, names = self.table_array(seq)
        n_in = seq.num_features
        table = np.insert(table, n_in, 0.0, axis=1)
        names.insert(n_in, f"x{n_in + 1}")
        self._split(table, n_in + 1, names)

    def remove_input_column(self) -> None:
        if not self._editable():
            return
        seq = self.sequence
        n_in = seq.num_features
        if n_in <= 1:
            self.show_error("the network needs at least one input feature")
            return
        cols = [c for c in self._selected(1) if c < n_in] or [n_in - 1]
        table, names = self.table_array(seq)
        table = np.delete(table, cols, axis=1)
        names = [n for j, n in enumerate(names) if j not in cols]
        self._split(table, n_in - len(cols), names)

    def add_target_column(self) -> None:
        seq = self.sequence
        table, names = self.table_array(seq)
        k = table.shape[1] - seq.num_features
        self._split(
            np.hstack([table, np.zeros((seq.steps, 1))]), seq.num_features, names + [f"target{k + 1}"]
        )

    def remove_target_column(self) -> None:
        if not self._editable():
            return
        seq = self.sequence
        n_in = seq.num_features
        table, names = self.table_array(seq)
        if table.shape[1] == n_in:
            self.show_error("there is no target column to remove")
            return
        cols = [c for c in self._selected(1) if c >= n_in] or [table.shape[1] - 1]
        table = np.delete(table, cols, axis=1)
        names = [n for j, n in enumerate(names) if j not in cols]
        self._split(table, n_in, names)

    def paste_text(self, text: str, row: int = 0, col: int = 0) -> bool:
        """Paste a spreadsheet block at (row, col); rows and input columns grow to fit."""
        if not self._editable():
            return False
        try:
            block = parse_pasted(text)
        except ValueError as exc:
            self.show_error(str(exc))
            return False
        seq = self.sequence
        table, names = self.table_array(seq)
        n_in = seq.num_features
        rows_needed = row + block.shape[0] - table.shape[0]
        cols_needed = col + block.shape[1] - table.shape[1]
        if cols_needed > 0 and seq.targets is not None:
            self.show_error(
                f"the pasted block has {block.shape[1]} columns but only {table.shape[1] - col} fit "
                f"from column {col + 1}; add target columns first"
            )
            return False
        if rows_needed > 0:
            table = np.vstack([table, np.zeros((rows_needed, table.shape[1]))])
        if cols_needed > 0:
            table = np.hstack([table, np.zeros((table.shape[0], cols_needed))])
            names += [f"x{n_in + k + 1}" for k in range(cols_needed)]
            n_in += cols_needed
        table[row : row + block.shape[0], col : col + block.shape[1]] = block
        return self._split(table, n_in, names)

    def _on_paste_button_clicked(self) -> None:
        self.table._paste_clipboard()

    def _on_shape_combo_changed(self, _index: int) -> None:
        self._submit(replace(self.sequence, shape=self.shape_combo.currentData()))

    def _on_source_sequence_built(self, sequence: Sequence) -> None:
        if self._submit(sequence):
            self.tabs.setCurrentIndex(0) if self.tabs.currentWidget() is self.file_widget else None


def main() -> int:  # python -m rnnviz.gui.docks.sequence_dock
    from ._standalone import show_dock

    return show_dock(SequenceDock)


if __name__ == "__main__":
    raise SystemExit(main())
