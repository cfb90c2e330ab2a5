"""SequenceDock both directions: table, paste, text, files (good and bad)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtWidgets

from rnnviz.gui.docks import SequenceDock
from rnnviz.session import Sequence


@pytest.fixture
def dock(qtbot, controller):
    d = SequenceDock(controller)
    qtbot.addWidget(d)
    return d


def test_table_shows_inputs_then_targets(dock, controller):
    m = dock.model
    assert (m.rowCount(), m.columnCount()) == (4, 10)
    assert m.headerData(0, _v()) == "1"
    assert m.headerData(1, _h()) == "love" and m.headerData(6, _h()) == "→ next=love"
    assert m.data(m.index(1, 1)) == "1" and m.data(m.index(1, 0)) == "0"
    controller.set_sequence(Sequence(inputs=np.arange(6.0).reshape(3, 2)))
    assert (m.rowCount(), m.columnCount()) == (3, 2)
    assert m.data(m.index(2, 1)) == "5"
    assert "T = 3 steps" in dock.summary_label.text()


def test_table_edit_changes_the_sequence(dock, controller):
    m = dock.model
    m.setData(m.index(0, 1), "0.5")
    seq = controller.session.sequence
    assert seq.inputs[0, 1] == 0.5 and not seq.is_text
    m.setData(m.index(0, 5), "1")  # a target cell
    assert controller.session.sequence.targets[0, 0] == 1.0


def test_target_edit_keeps_a_text_sequence(dock, controller):
    m = dock.model
    m.setData(m.index(3, 9), "0.5")
    seq = controller.session.sequence
    assert seq.is_text and seq.targets[3, 4] == 0.5


def test_invalid_cell_text_reverts(dock, controller):
    m = dock.model
    before = controller.session
    assert not m.setData(m.index(2, 3), "x7")
    assert controller.session is before
    assert "'x7' is not a number: step t = 3" in dock.error_label.text()
    assert dock.error_label.isVisibleTo(dock)


def test_rows_and_columns(dock, controller):
    dock.add_row()
    assert controller.session.sequence.steps == 5
    dock.remove_row()
    assert controller.session.sequence.steps == 4
    dock.add_input_column()
    s = controller.session
    assert s.sequence.num_features == 6 and s.network.input_size == 6
    assert s.sequence.input_names[-1] == "x6"
    dock.remove_input_column()
    assert controller.session.network.input_size == 5
    for _ in range(5):
        dock.remove_target_column()
    assert controller.session.sequence.targets is None
    dock.remove_target_column()
    assert "no target column" in dock.error_label.text()
    dock.add_target_column()
    assert controller.session.sequence.targets.shape == (4, 1)
    assert controller.session.network.spec.output_size == 1  # the head follows the targets


def test_paste_from_a_spreadsheet(dock, controller):
    controller.set_sequence(Sequence(inputs=np.zeros((2, 1))))
    assert dock.paste_text("1\t2\n3\t4\n5\t6\n", 0, 0)
    seq = controller.session.sequence
    np.testing.assert_array_equal(seq.inputs, [[1, 2], [3, 4], [5, 6]])
    assert controller.session.network.input_size == 2


def test_paste_with_ctrl_v(dock, controller, qtbot):
    from PySide6 import QtWidgets
    from PySide6.QtCore import Qt

    QtWidgets.QApplication.clipboard().setText("0.25\t0.75")
    dock.show()
    dock.table.setFocus()
    dock.table.setCurrentIndex(dock.model.index(1, 0))
    dock.table._paste_clipboard()
    assert controller.session.sequence.inputs[1, 0] == 0.25
    assert controller.session.sequence.inputs[1, 1] == 0.75
    assert Qt  # keep import


@pytest.mark.parametrize(
    "text, message",
    [
        ("1\t2\n3\tx\n", "pasted line 2, column 2: 'x' is not a number"),
        ("1\t2\n3\n", "pasted line 2 has 1 values"),
        ("\n", "no numbers"),
    ],
)
def test_bad_paste_changes_nothing(dock, controller, text, message):
    before = controller.session
    assert not dock.paste_text(text, 0, 0)
    assert message in dock.error_label.text()
    assert controller.session is before


def test_text_mode(dock, controller):
    w = dock.text_widget
    assert w.text_edit.text() == "I love deep learning"
    assert "I, love, deep, learning, _" in w.vocab_label.text()
    w.text_edit.setText("the cat saw the dog")
    w.build()
    s = controller.session
    assert s.sequence.vocabulary == ("the", "cat", "saw", "dog", "_")
    assert s.network.input_size == 5 and s.network.spec.output_size == 5
    np.testing.assert_array_equal(s.sequence.targets[0], [0, 1, 0, 0, 0])
    w.mode_combo.setCurrentIndex(w.mode_combo.findData("char"))
    w.text_edit.setText("abba")
    w.build()
    s = controller.session
    assert s.sequence.tokens == ("a", "b", "b", "a") and s.network.input_size == 3
    assert "3 tokens" in w.vocab_label.text()


def test_empty_text_is_refused(dock, controller):
    before = controller.session
    dock.text_widget.text_edit.setText("  ...  ")
    dock.text_widget.build()
    assert controller.session is before
    assert "no tokens" in dock.error_label.text()


# -- files ------------------------------------------------------------------------------


def test_load_csv_with_chosen_columns(dock, controller, tmp_path):
    path = tmp_path / "wave.csv"
    path.write_text("x,noise,target\n0.1,0.0,0.2\n0.2,0.1,0.3\n0.3,0.2,0.4\n")
    chosen = []
    dock.file_widget.choose_roles = lambda table: chosen.append(table.columns) or ([0, 1], [2])
    assert dock.file_widget.load_file(str(path))
    assert chosen == [("x", "noise", "target")]
    s = controller.session
    np.testing.assert_array_equal(s.sequence.inputs, [[0.1, 0.0], [0.2, 0.1], [0.3, 0.2]])
    np.testing.assert_array_equal(s.sequence.targets[:, 0], [0.2, 0.3, 0.4])
    assert s.sequence.input_names == ("x", "noise") and s.network.input_size == 2
    assert dock.model.headerData(2, _h()) == "→ target"


def test_column_chooser_dialog_defaults(qtbot, tmp_path):
    from rnnviz.gui.docks.sequence_sources import ColumnChooserDialog
    from rnnviz.session.importers import read_table

    path = tmp_path / "t.tsv"
    path.write_text("a\tb\ty\n1\t2\t3\n")
    dialog = ColumnChooserDialog(read_table(path))
    qtbot.addWidget(dialog)
    assert dialog.roles() == ([0, 1], [2])
    dialog.combos[1].setCurrentIndex(2)  # ignore b
    assert dialog.roles() == ([0], [2])


def test_column_chooser_points_out_numbers_in_the_header_row(qtbot):
    from rnnviz.gui.docks.sequence_sources import ColumnChooserDialog
    from rnnviz.session.importers import parse_table

    dialog = ColumnChooserDialog(parse_table("1,abc\n3,4\n", source="typo.csv"))
    qtbot.addWidget(dialog)
    assert "holds numbers too (1)" in dialog.header_warning.text()
    plain = ColumnChooserDialog(parse_table("a,b\n3,4\n"))
    qtbot.addWidget(plain)
    assert not hasattr(plain, "header_warning")


def test_column_chooser_for_a_wide_file_edits_roles_in_place(qtbot):
    from rnnviz.gui.docks.sequence_sources import ColumnChooserDialog
    from rnnviz.session.importers import parse_table

    n = ColumnChooserDialog.COMBO_LIMIT + 100
    table = parse_table(",".join(f"c{j}" for j in range(n - 1)) + ",target\n" + ",".join(["1"] * n) + "\n")
    dialog = ColumnChooserDialog(table)
    qtbot.addWidget(dialog)
    assert dialog.combos == [] and dialog.grid.indexWidget(dialog.grid.model().index(0, 1)) is None
    assert dialog.roles() == (list(range(n - 1)), [n - 1])  # the defaults, as with combo boxes
    item = dialog.grid.item(5, 1)
    dialog.grid.openPersistentEditor(item)
    index = dialog.grid.model().index(5, 1)
    editor = dialog.grid.indexWidget(index)
    assert isinstance(editor, QtWidgets.QComboBox) and editor.currentText() == "Input"
    editor.setCurrentText("Ignore")
    dialog.grid.itemDelegateForColumn(1).setModelData(editor, dialog.grid.model(), index)
    dialog.grid.closePersistentEditor(item)
    inputs, targets = dialog.roles()
    assert 5 not in inputs and len(inputs) == n - 2 and targets == [n - 1]


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("ragged.csv", "a,b\n1,2\n3\n4,5\n", ["line 3"]),
        ("word.csv", "a,b\n1,2\n3,abc\n", ["line 3", "b"]),
        ("empty.csv", "", ["empty"]),
        ("nan.csv", "a,b\n1,2\n3,nan\n", ["line 3", "b"]),
    ],
)
def test_bad_csv_shows_where_and_keeps_the_table(dock, controller, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content)
    before = controller.session
    table_before = dock.model.array.copy()
    dock.file_widget.choose_roles = lambda table: pytest.fail("no dialog for a bad file")
    assert not dock.file_widget.load_file(str(path))
    message = dock.error_label.text()
    for part in expected:
        assert part in message, message
    assert controller.session is before
    np.testing.assert_array_equal(dock.model.array, table_before)


def test_cancelled_column_choice_changes_nothing(dock, controller, tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text("1,2\n3,4\n")
    before = controller.session
    dock.file_widget.choose_roles = lambda table: None
    assert not dock.file_widget.load_file(str(path))
    assert controller.session is before


def test_task_shape(dock, controller):
    dock.shape_combo.setCurrentIndex(dock.shape_combo.findData("many_to_one"))
    assert controller.session.sequence.shape == "many_to_one"
    assert np.isnan(controller.loss.per_step[0]) and np.isfinite(controller.loss.per_step[-1])


def _h():
    from PySide6.QtCore import Qt

    return Qt.Orientation.Horizontal


def _v():
    from PySide6.QtCore import Qt

    return Qt.Orientation.Vertical


@pytest.mark.parametrize(
    "kind",
    [
        "sine",
        "square",
        "sawtooth",
        "step",
        "impulse",
        "white_noise",
        "random_walk",
        "copy",
        "adding",
        "parity",
    ],
)
def test_generators(dock, controller, kind):
    g = dock.generator_widget
    g.kind_combo.setCurrentIndex(g.kind_combo.findData(kind))
    g.length_spin.setValue(30)
    g.seed_spin.setValue(3)
    g.generate()
    s = controller.session
    assert s.sequence.steps == 30 and s.network.input_size == s.sequence.num_features
    assert controller.trace.steps == 30
    assert dock.model.rowCount() == 30


def test_generator_parameters_reach_the_sequence(dock, controller):
    from rnnviz.engine.sequences import sine

    g = dock.generator_widget
    g.kind_combo.setCurrentIndex(g.kind_combo.findData("sine"))
    g.length_spin.setValue(40)
    g.period_spin.setValue(10)
    g.amplitude_spin.setValue(2)
    g.noise_spin.setValue(0.1)
    g.seed_spin.setValue(5)
    assert not g.delay_spin.isEnabled()
    g.generate()
    expected = sine(length=40, period=10.0, amplitude=2.0, noise=0.1, seed=5)
    np.testing.assert_array_equal(controller.session.sequence.inputs, expected.inputs)
    np.testing.assert_array_equal(controller.session.sequence.targets, expected.targets)
    g.kind_combo.setCurrentIndex(g.kind_combo.findData("copy"))
    assert g.delay_spin.isEnabled()
    g.delay_spin.setValue(3)
    g.generate()
    t = controller.session.sequence
    np.testing.assert_array_equal(t.targets[3:, 0], t.inputs[:-3, 0])


def test_adding_problem_is_many_to_one(dock, controller):
    g = dock.generator_widget
    g.kind_combo.setCurrentIndex(g.kind_combo.findData("adding"))
    g.generate()
    s = controller.session
    assert s.sequence.shape == "many_to_one" and s.network.input_size == 2
    assert dock.shape_combo.currentData() == "many_to_one"
    assert controller.loss is not None and np.isfinite(controller.loss.per_step[-1])


def test_space_tokens_are_visible_in_headers(dock, controller):
    w = dock.text_widget
    w.mode_combo.setCurrentIndex(w.mode_combo.findData("char"))
    w.text_edit.setText("a b")
    w.build()
    s = controller.session
    assert s.sequence.input_names[1] == " "  # the data keeps the real token
    assert dock.model.headerData(1, _h()) == "␣"
    dock.add_row()  # an edit keeps the real names
    assert controller.session.sequence.input_names[1] == " "


def test_big_files_are_read_in_a_worker(dock, controller, qtbot, tmp_path):
    f = dock.file_widget
    f.background_bytes = 10  # every file counts as big here
    path = tmp_path / "w.csv"
    path.write_text("u,v\n1,2\n3,4\n5,6\n")
    f.choose_roles = lambda table: ([0], [1])
    with qtbot.waitSignal(f.sig_read_finished, timeout=30_000) as blocker:
        assert f.load_file(str(path))
        assert not f.load_button.isEnabled() and "Reading w.csv" in f.info_label.text()
    assert blocker.args == [True] and f.load_button.isEnabled()
    np.testing.assert_array_equal(controller.session.sequence.inputs[:, 0], [1, 3, 5])
    bad = tmp_path / "bad.csv"
    bad.write_text("u,v\n1,2\n3,x\n")
    before = controller.session
    with qtbot.waitSignal(f.sig_read_finished, timeout=30_000) as blocker:
        f.load_file(str(bad))
    assert blocker.args == [False] and controller.session is before
    assert "line 3" in dock.error_label.text()


# -- cells, text and generators at their limits ---------------------------------------


def test_a_cleared_target_cell_means_no_target_at_that_step(dock, controller):
    m = dock.model
    assert m.setData(m.index(1, 7), "")  # step 2, target "next=deep"
    targets = controller.session.sequence.targets
    assert np.isnan(targets[1]).tolist() == [False, False, True, False, False]
    assert m.data(m.index(1, 7)) == ""  # shown empty
    assert controller.session.sequence.is_text  # still the sentence
    before = controller.session
    assert m.setData(m.index(1, 7), " ")  # blank again: nothing changes
    assert controller.session is before


def test_a_cleared_input_cell_names_step_and_column_and_keeps_other_edits(dock, controller):
    m = dock.model
    assert m.setData(m.index(0, 0), "0.5")
    before = controller.session
    assert not m.setData(m.index(2, 3), "")
    assert "step t = 3, column 'learning': an input cannot be empty" in dock.error_label.text()
    assert controller.session is before and controller.session.sequence.inputs[0, 0] == 0.5
    assert m.data(m.index(0, 0)) == "0.5"
    assert not m.setData(m.index(2, 3), "1_0")  # Python's digit grouping is not a number here
    assert "'1_0' is not a number: step t = 3" in dock.error_label.text()


def test_a_long_text_is_refused_whole_not_cut(dock, controller):
    w = dock.text_widget
    text = "abcdefghij" * 20_000  # 200,000 characters
    w.text_edit.setText(text)
    assert len(w.text_edit.text()) == 200_000  # Qt's default limit would keep 32,767
    w.mode_combo.setCurrentIndex(w.mode_combo.findData("char"))
    before = controller.session
    w.build()
    assert "200,000 tokens; the limit is 100,000" in dock.error_label.text()
    assert controller.session is before and w.text_edit.text() == text  # nothing lost


def test_typed_text_keeps_its_punctuation(dock, controller):
    w = dock.text_widget
    w.text_edit.setText("Hello, world!")
    w.build()
    assert controller.session.sequence.tokens == ("Hello", "world")
    assert w.text_edit.text() == "Hello, world!"
    controller.set_sequence(
        Sequence(inputs=np.eye(2), vocabulary=("a", "b"), tokens=("a", "b"), token_mode="word")
    )
    assert w.text_edit.text() == "a b"  # another sequence: its own tokens


def test_a_generator_refusal_names_the_generator(dock, controller):
    g = dock.generator_widget
    g.kind_combo.setCurrentIndex(g.kind_combo.findData("adding"))
    g.length_spin.setValue(1)
    before = controller.session
    g.generate()
    assert dock.error_label.text().startswith("⚠ Adding problem (memory): length must be")
    assert controller.session is before


def test_a_big_file_being_read_can_be_cancelled(dock, controller, qtbot, tmp_path, monkeypatch):
    import threading

    from rnnviz.session import importers

    f = dock.file_widget
    f.background_bytes = 10
    path = tmp_path / "slow.csv"
    path.write_text("u,v\n1,2\n3,4\n")
    release = threading.Event()
    real_read = importers.read_table

    def slow_read(p):  # a file that takes a while: it waits for the test
        release.wait(30)
        return real_read(p)

    monkeypatch.setattr(importers, "read_table", slow_read)
    f.choose_roles = lambda table: pytest.fail("a cancelled read asks nothing")
    before = controller.session
    assert f.load_file(str(path))
    assert f.reading and f.progress.isVisibleTo(f) and not f.load_button.isEnabled()
    with qtbot.waitSignal(f.sig_read_finished) as blocker:
        f.cancel_button.click()
    assert blocker.args == [False] and not f.reading and f.load_button.isEnabled()
    assert "cancelled" in f.info_label.text()
    release.set()
    f._pool.waitForDone()
    QtWidgets.QApplication.processEvents()  # the dropped result arrives: nothing happens
    assert controller.session is before


def test_a_huge_paste_is_refused_with_its_size_and_garbage_is_cut_short(dock, controller):
    from rnnviz.gui.docks.sequence_dock import MAX_PASTE_CELLS

    before = controller.session
    assert not dock.paste_text("1\t2\n" * (MAX_PASTE_CELLS // 2 + 1))
    assert "the clipboard holds 250,001 lines" in dock.error_label.text()
    assert "File tab" in dock.error_label.text()
    assert not dock.paste_text("1\t" + "x" * 100_000)
    message = dock.error_label.text()
    assert "pasted line 1, column 2: 'xxxx" in message and len(message) < 200
    assert controller.session is before


def test_text_being_typed_survives_other_edits(dock, controller):
    w = dock.text_widget
    w.text_edit.setText("a sentence not used yet")
    net = controller.session.network
    assert controller.set_param("bias_ih_l0", net.param("bias_ih_l0") + 1.0)  # a weight edit
    assert w.text_edit.text() == "a sentence not used yet"
    dock.model.setData(dock.model.index(0, 5), "0.5")  # a target edit: the same sentence
    assert w.text_edit.text() == "a sentence not used yet"


def test_generator_parameters_out_of_range_are_refused():
    from rnnviz.gui.docks.sequence_sources import make_generated

    with pytest.raises(ValueError, match="period must be a finite number"):
        make_generated("impulse", length=10, period=float("inf"), amplitude=1.0)


def test_the_table_is_not_edited_while_another_sequence_is_computed(dock, controller, qtbot):
    m = dock.model
    controller.threading = "async"  # as a long sequence is computed in the app
    before = controller.session
    assert controller.set_sequence(Sequence(inputs=np.ones((6, 1))))  # not shown yet
    m.setData(m.index(3, 4), "0.5")  # a cell of the table still shown
    assert "a new sequence is being computed" in dock.error_label.text()
    assert not dock.paste_text("1\t2\n")
    dock.remove_row()
    assert controller.latest.sequence.inputs.shape == (6, 1)  # untouched by the old table's cells
    controller.cancel()
    controller.wait()
    assert controller.session is before
    assert m.setData(m.index(0, 0), "0.5")  # the table shown is the sequence again
    assert controller.latest.sequence.inputs[0, 0] == 0.5
    controller.wait()
