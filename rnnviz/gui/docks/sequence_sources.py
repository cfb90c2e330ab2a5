"""Where a sequence can come from besides the table: text, a generator, a file.

Each widget builds a :class:`~rnnviz.session.Sequence` and emits
``sig_sequence_built``; a problem emits ``sig_failed(message)`` and nothing changes.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from rnnviz.session import Sequence

from ..plain_text import plain_label
from ..theme import C

GENERATORS = (
    ("Sine", "sine"),
    ("Square", "square"),
    ("Sawtooth", "sawtooth"),
    ("Step", "step"),
    ("Impulse", "impulse"),
    ("White noise", "white_noise"),
    ("Random walk", "random_walk"),
    ("Copy after a delay k (memory)", "copy"),
    ("Adding problem (memory)", "adding"),
    ("Parity (memory)", "parity"),
)


#: Characters the text field holds: far more than the token limit needs, so a long text
#: is refused with a message naming its size instead of being cut without a word.
MAX_TEXT_CHARS = 10_000_000


class TextInputWidget(QtWidgets.QWidget):
    """A sentence → word or character tokens → one-hot inputs, next-token targets."""

    sig_sequence_built = QtCore.Signal(object)
    sig_failed = QtCore.Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        form = QtWidgets.QFormLayout(self)
        self._shown: Sequence | None = None  # the text sequence the widget shows
        self.text_edit = QtWidgets.QLineEdit(self)
        self.text_edit.setMaxLength(MAX_TEXT_CHARS)  # Qt's default (32,767) cuts a pasted text silently
        self.text_edit.setPlaceholderText("Type a sentence, e.g. I love deep learning")
        self.text_edit.returnPressed.connect(self.build)
        self.mode_combo = QtWidgets.QComboBox(self)
        self.mode_combo.addItem("Words", "word")
        self.mode_combo.addItem("Characters", "char")
        self.build_button = QtWidgets.QPushButton("Use this text", self)
        self.build_button.clicked.connect(self.build)
        self.vocab_label = plain_label(QtWidgets.QLabel(self))  # tokens are the user's text
        self.vocab_label.setWordWrap(True)
        self.vocab_label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Text", self.text_edit)
        form.addRow("Tokens", self.mode_combo)
        form.addRow("", self.build_button)
        form.addRow("Vocabulary", self.vocab_label)
        note = QtWidgets.QLabel(
            "Each token becomes a one-hot input; the target at step t is the next token "
            "(the end token “_” after the last).",
            self,
        )
        note.setWordWrap(True)
        note.setForegroundRole(QtGui.QPalette.ColorRole.PlaceholderText)  # the theme's quiet grey
        form.addRow(note)

    def set_sequence(self, seq: Sequence) -> None:
        """Show the session's text and vocabulary (state → widget)."""
        if not seq.is_text:
            self._shown = None
            self.vocab_label.setText("(the sequence is not text)")
            return
        from rnnviz.session.text import tokenize

        shown, self._shown = self._shown, seq
        vocab = ["␣" if w == " " else w for w in seq.vocabulary]
        self.vocab_label.setText(
            f"{len(vocab)} tokens: {{" + ", ".join(vocab[:60]) + (", …" if len(vocab) > 60 else "") + "}"
        )
        if shown is not None and (shown.tokens, shown.token_mode) == (seq.tokens, seq.token_mode):
            return  # the same text (a weight or target edit): what is being typed stays
        if tuple(tokenize(self.text_edit.text(), seq.token_mode)) != seq.tokens:
            joiner = "" if seq.token_mode == "char" else " "  # another text: show its tokens
            self.text_edit.blockSignals(True)
            self.text_edit.setText(joiner.join(seq.tokens))
            self.text_edit.blockSignals(False)
        # else: keep what the user typed, punctuation and all
        self.mode_combo.blockSignals(True)
        self.mode_combo.setCurrentIndex(max(0, self.mode_combo.findData(seq.token_mode)))
        self.mode_combo.blockSignals(False)

    def build(self) -> None:
        from rnnviz.session.text import text_sequence

        try:
            seq = text_sequence(self.text_edit.text(), mode=self.mode_combo.currentData())
        except ValueError as exc:
            self.sig_failed.emit(str(exc))
            return
        except MemoryError:
            self.sig_failed.emit("not enough memory for the one-hot table of this text; use a shorter text")
            return
        self.sig_sequence_built.emit(seq)


class GeneratorWidget(QtWidgets.QWidget):
    """Signals and memory tasks with length, period, amplitude, noise, delay and seed."""

    sig_sequence_built = QtCore.Signal(object)
    sig_failed = QtCore.Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        form = QtWidgets.QFormLayout(self)
        self.kind_combo = QtWidgets.QComboBox(self)
        for text, data in GENERATORS:
            self.kind_combo.addItem(text, data)
        self.length_spin = QtWidgets.QSpinBox(self)
        self.length_spin.setRange(1, 1_000_000)
        self.length_spin.setValue(50)
        self.period_spin = QtWidgets.QDoubleSpinBox(self)
        self.period_spin.setRange(1.0, 100_000.0)
        self.period_spin.setValue(20.0)
        self.amplitude_spin = QtWidgets.QDoubleSpinBox(self)
        self.amplitude_spin.setRange(0.01, 1000.0)  # the generators need amplitude > 0
        self.amplitude_spin.setValue(1.0)
        self.noise_spin = QtWidgets.QDoubleSpinBox(self)
        self.noise_spin.setRange(0.0, 100.0)
        self.noise_spin.setDecimals(3)
        self.noise_spin.setSingleStep(0.05)
        self.delay_spin = QtWidgets.QSpinBox(self)
        self.delay_spin.setRange(1, 10_000)
        self.delay_spin.setValue(5)
        self.seed_spin = QtWidgets.QSpinBox(self)
        self.seed_spin.setRange(0, 2**31 - 1)
        for w in (self.length_spin, self.period_spin, self.amplitude_spin, self.noise_spin, self.delay_spin):
            w.setKeyboardTracking(False)
        self.generate_button = QtWidgets.QPushButton("Generate", self)
        self.generate_button.clicked.connect(self.generate)
        form.addRow("Signal", self.kind_combo)
        form.addRow("Length T", self.length_spin)
        form.addRow("Period", self.period_spin)
        form.addRow("Amplitude", self.amplitude_spin)
        form.addRow("Noise σ", self.noise_spin)
        form.addRow("Delay k", self.delay_spin)
        form.addRow("Seed", self.seed_spin)
        form.addRow("", self.generate_button)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_combo_changed)
        self._on_kind_combo_changed()

    def _on_kind_combo_changed(self, *_args) -> None:
        accepted = generator_accepts(self.kind_combo.currentData())
        for name, spin in (
            ("period", self.period_spin),
            ("amplitude", self.amplitude_spin),
            ("noise", self.noise_spin),
            ("delay", self.delay_spin),
        ):
            spin.setEnabled(name in accepted)
            spin.setToolTip("" if name in accepted else f"{self.kind_combo.currentText()} has no {name}")

    def params(self) -> dict:
        return {
            "length": self.length_spin.value(),
            "period": self.period_spin.value(),
            "amplitude": self.amplitude_spin.value(),
            "noise": self.noise_spin.value(),
            "delay": self.delay_spin.value(),
            "seed": self.seed_spin.value(),
        }

    def generate(self) -> None:
        try:
            seq = make_generated(self.kind_combo.currentData(), **self.params())
        except ValueError as exc:
            self.sig_failed.emit(f"{self.kind_combo.currentText()}: {exc}")  # which generator
            return
        except MemoryError:
            self.sig_failed.emit("not enough memory for a sequence this long; use a shorter length")
            return
        self.sig_sequence_built.emit(seq)


def generator_accepts(kind: str) -> set[str]:
    """The parameters ``kind``'s generator takes."""
    from rnnviz.engine.sequences import generator_parameters

    return set(generator_parameters(kind))


def make_generated(kind: str, **params) -> Sequence:
    """A Sequence from one of rnnviz.engine.sequences' generators; unused parameters dropped."""
    from rnnviz.engine.sequences import make_sequence

    accepted = generator_accepts(kind)
    if kind == "impulse" and "period" in params:
        if not math.isfinite(params["period"]):
            raise ValueError(f"period must be a finite number of steps; got {params['period']}")
        params["period"] = max(1, round(params["period"]))  # impulses repeat every whole number of steps
    gen = make_sequence(kind, **{k: v for k, v in params.items() if k in accepted})
    return Sequence(
        inputs=gen.inputs,
        targets=gen.targets,
        input_names=gen.input_names,
        target_names=gen.target_names,
        shape=gen.shape,
    )


class _RoleDelegate(QtWidgets.QStyledItemDelegate):
    """A role cell of a wide file: a combo box only while it is edited."""

    def createEditor(self, parent, option, index):  # noqa: N802 (Qt override)
        combo = QtWidgets.QComboBox(parent)
        combo.addItems(ColumnChooserDialog.ROLES)
        return combo

    def setEditorData(self, editor, index) -> None:  # noqa: N802 (Qt override)
        editor.setCurrentText(index.data())

    def setModelData(self, editor, model, index) -> None:  # noqa: N802 (Qt override)
        model.setData(index, editor.currentText())


class ColumnChooserDialog(QtWidgets.QDialog):
    """Choose which of a file's columns are inputs and which are targets."""

    ROLES = ("Input", "Target", "Ignore")
    #: Up to this many columns each role is a combo box; a wider file (up to 10,000
    #: columns) gets plain cells edited by a combo on double-click: a widget per row took 8 s.
    COMBO_LIMIT = 200

    def __init__(self, table, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Columns of {table.source or 'the file'}")
        self.table = table
        col = QtWidgets.QVBoxLayout(self)
        delim = {"\t": "tab", ",": "comma", ";": "semicolon", None: "whitespace"}.get(
            table.delimiter, repr(table.delimiter)
        )
        n = len(table.columns)
        wide = n > self.COMBO_LIMIT
        col.addWidget(plain_label(QtWidgets.QLabel(
            f"{table.rows} rows · {n} columns · {delim}-separated · "
            f"{'with' if table.has_header else 'no'} header row"
            + (" · double-click a role to change it" if wide else ""), self)))  # fmt: skip
        if table.has_header and table.header_numbers:
            shown = ", ".join(table.header_numbers[:4]) + (" …" if len(table.header_numbers) > 4 else "")
            self.header_warning = QtWidgets.QLabel(
                f"⚠ The first row is read as column names, but it holds numbers too ({shown}). "
                "If it is data, a word in it is a mistake: fix the file and load it again.",
                self,
            )
            plain_label(self.header_warning)  # it quotes header cells
            self.header_warning.setWordWrap(True)
            self.header_warning.setStyleSheet(f"color: {C.error.name()};")
            col.addWidget(self.header_warning)
        self.grid = QtWidgets.QTableWidget(n, 3, self)
        self.grid.setHorizontalHeaderLabels(["Column", "Role", "First values"])
        self.grid.verticalHeader().setVisible(False)
        self.combos: list[QtWidgets.QComboBox] = []
        if wide:
            self.grid.setItemDelegateForColumn(1, _RoleDelegate(self.grid))
        for j, name in enumerate(table.columns):
            name_item = QtWidgets.QTableWidgetItem(name)
            name_item.setFlags(name_item.flags() & ~QtCore.Qt.ItemFlag.ItemIsEditable)
            self.grid.setItem(j, 0, name_item)
            role = 1 if default_is_target(name, j, n) else 0
            if wide:
                self.grid.setItem(j, 1, QtWidgets.QTableWidgetItem(self.ROLES[role]))
            else:
                combo = QtWidgets.QComboBox(self.grid)
                combo.addItems(self.ROLES)
                combo.setCurrentIndex(role)
                self.grid.setCellWidget(j, 1, combo)
                self.combos.append(combo)
            preview = QtWidgets.QTableWidgetItem(", ".join(f"{v:g}" for v in table.data[:4, j]))
            preview.setFlags(preview.flags() & ~QtCore.Qt.ItemFlag.ItemIsEditable)
            self.grid.setItem(j, 2, preview)
        if wide:
            self.grid.setColumnWidth(0, 160)
            self.grid.setColumnWidth(1, 90)
            self.grid.horizontalHeader().setStretchLastSection(True)
        else:
            self.grid.resizeColumnsToContents()
        col.addWidget(self.grid, 1)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok | QtWidgets.QDialogButtonBox.StandardButton.Cancel,
            self,
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        col.addWidget(buttons)
        self.resize(560, 420)

    def role_of(self, j: int) -> str:
        if self.combos:
            return self.combos[j].currentText()
        return self.grid.item(j, 1).text()

    def roles(self) -> tuple[list[int], list[int]]:
        roles = [self.role_of(j) for j in range(self.grid.rowCount())]
        inputs = [j for j, r in enumerate(roles) if r == "Input"]
        targets = [j for j, r in enumerate(roles) if r == "Target"]
        return inputs, targets


def default_is_target(name: str, index: int, count: int) -> bool:
    n = name.lower()
    return count > 1 and (n.startswith(("target", "y", "label", "next")) or n in ("out", "output"))


class _ReadRelay(QtCore.QObject):
    """Carries a table read in a worker thread back to the GUI thread."""

    sig_read = QtCore.Signal(int, str, object, object)  # ticket, path, Table | None, error | None


#: Files bigger than this are read in a worker thread, with "Reading…" shown.
BACKGROUND_READ_BYTES = 2 << 20


class FileImportWidget(QtWidgets.QWidget):
    """Load CSV / TSV / TXT: the header and delimiter are detected; columns chosen in a dialog.

    A big file is read in a worker thread (the window stays live); the column dialog
    follows when it is read.
    """

    sig_sequence_built = QtCore.Signal(object)
    sig_failed = QtCore.Signal(str)
    sig_read_finished = QtCore.Signal(bool)  # after a background read: was a sequence built?

    def __init__(self, parent=None):
        super().__init__(parent)
        col = QtWidgets.QVBoxLayout(self)
        self.load_button = QtWidgets.QPushButton("Load CSV / TSV / TXT…", self)
        self.load_button.clicked.connect(self._on_load_button_clicked)
        col.addWidget(self.load_button)
        self.info_label = plain_label(
            QtWidgets.QLabel(
                "One row a time step, one column a feature.  The delimiter (tab, comma, semicolon, "
                "spaces) and a header row are detected; then choose the input and target columns.",
                self,
            )
        )  # fmt: skip  (it names the file being read)
        self.info_label.setWordWrap(True)
        col.addWidget(self.info_label)
        reading = QtWidgets.QHBoxLayout()
        self.progress = QtWidgets.QProgressBar(self)
        self.progress.setRange(0, 0)  # the reader reports no progress: indeterminate
        self.progress.setTextVisible(False)
        self.cancel_button = QtWidgets.QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Stop waiting for this file; the sequence stays as it is")
        self.cancel_button.clicked.connect(self.cancel)
        reading.addWidget(self.progress, 1)
        reading.addWidget(self.cancel_button)
        col.addLayout(reading)
        self._show_reading(False)
        col.addStretch(1)
        self.choose_roles = self._choose_roles_dialog  # tests replace this
        self.background_bytes = BACKGROUND_READ_BYTES
        self._ticket = 0
        self._pool = QtCore.QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _ReadRelay()
        self._relay.sig_read.connect(self._on_relay_read)

    def _choose_roles_dialog(self, table):
        dialog = ColumnChooserDialog(table, self)
        if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        return dialog.roles()

    def _on_load_button_clicked(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Load a sequence", "", "Tables (*.csv *.tsv *.txt *.dat);;All files (*)"
        )
        if path:
            self.load_file(path)

    def load_file(self, path: str) -> bool:
        """Read ``path``, ask for the columns, emit the sequence; False on any problem.

        A file over ``background_bytes`` is read in a worker: this returns True at once
        and ``sig_read_finished`` tells how it ended.
        """
        from rnnviz.session.importers import read_table

        try:
            size = Path(path).stat().st_size
        except OSError:
            size = 0  # read_table says what is wrong
        if size > self.background_bytes:
            self._ticket += 1
            ticket = self._ticket
            self._show_reading(True)
            self.info_label.setText(f"Reading {Path(path).name} ({size / 2**20:.0f} MB)…")
            self._pool.start(lambda: self._read_in_worker(ticket, path))
            return True
        try:
            table = read_table(path)
        except ValueError as exc:
            self.sig_failed.emit(str(exc))
            return False
        return self._use_table(path, table)

    def _read_in_worker(self, ticket: int, path: str) -> None:  # worker thread
        from rnnviz.session.importers import read_table

        try:
            table, error = read_table(path), None
        except ValueError as exc:
            table, error = None, str(exc)
        except MemoryError:
            table, error = None, f"not enough memory to read {Path(path).name}"
        self._relay.sig_read.emit(ticket, path, table, error)

    @property
    def reading(self) -> bool:
        return self.cancel_button.isVisibleTo(self)

    def _show_reading(self, reading: bool) -> None:
        self.load_button.setEnabled(not reading)
        self.progress.setVisible(reading)
        self.cancel_button.setVisible(reading)

    def cancel(self) -> None:
        """Stop waiting for the file being read: its table, when it comes, is dropped."""
        if not self.reading:
            return
        self._ticket += 1
        self._show_reading(False)
        self.info_label.setText("Reading cancelled; the sequence is as it was.")
        self.sig_read_finished.emit(False)

    def _on_relay_read(self, ticket: int, path: str, table, error) -> None:
        if ticket != self._ticket:
            return  # cancelled, or a newer file was chosen meanwhile
        self._show_reading(False)
        self.info_label.setText("")
        if error is not None:
            self.sig_failed.emit(error)
            self.sig_read_finished.emit(False)
            return
        self.sig_read_finished.emit(self._use_table(path, table))

    def _use_table(self, path: str, table) -> bool:
        from rnnviz.session.importers import sequence_from_table

        roles = self.choose_roles(table)
        if roles is None:
            return False  # cancelled
        inputs, targets = roles
        try:
            seq = sequence_from_table(table, inputs, targets)
        except ValueError as exc:
            self.sig_failed.emit(str(exc))
            return False
        self.info_label.setText(f"Loaded {Path(path).name}: {table.rows} steps, "
                                f"{len(inputs)} inputs, {len(targets)} targets.")  # fmt: skip
        self.sig_sequence_built.emit(seq)
        return True
