"""The modal dialogs of File handling, as plain functions of a parent window.

:class:`~rnnviz.gui.files.FileActions` calls them through replaceable
attributes, so tests never block on a modal dialog.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtWidgets

from .plain_text import plain_message_box

Buttons = QtWidgets.QMessageBox.StandardButton


def ask_unsaved(parent: QtWidgets.QWidget, name: str) -> str:
    """ "save", "discard" or "cancel"."""
    box = plain_message_box(
        parent, QtWidgets.QMessageBox.Icon.Warning, "Unsaved changes", f"Save the changes to {name}?"
    )
    box.setInformativeText("Your changes will be lost if you don't save them.")
    box.setStandardButtons(Buttons.Save | Buttons.Discard | Buttons.Cancel)
    box.setDefaultButton(Buttons.Save)
    answer = Buttons(box.exec())
    return {Buttons.Save: "save", Buttons.Discard: "discard"}.get(answer, "cancel")


def _question(parent, title: str, text: str, buttons, default) -> Buttons:
    """QMessageBox.question with plain text: ``text`` quotes file names and titles."""
    box = plain_message_box(parent, QtWidgets.QMessageBox.Icon.Question, title, text)
    box.setStandardButtons(buttons)
    box.setDefaultButton(default)
    return Buttons(box.exec())


def ask_revert(parent: QtWidgets.QWidget, name: str) -> bool:
    text = f"Discard your changes and reopen {name} as it was last saved?"
    answer = _question(parent, "Revert to saved", text, Buttons.Discard | Buttons.Cancel, Buttons.Cancel)
    return answer == Buttons.Discard


def ask_recover(parent: QtWidgets.QWidget, info: dict) -> bool:
    where = Path(info["path"]).name if info.get("path") else "an unsaved session"
    saved = f" (autosaved {info['saved']})" if info.get("saved") else ""
    text = f"rnnviz stopped without saving your work on {where}{saved}.\nRecover it?"
    answer = _question(parent, "Recover unsaved work?", text, Buttons.Yes | Buttons.Discard, Buttons.Yes)
    return answer == Buttons.Yes


def choose_open_path(parent: QtWidgets.QWidget, folder: str, filters: str) -> str | None:
    path, _ = QtWidgets.QFileDialog.getOpenFileName(parent, "Open session", folder, filters)
    return path or None


def choose_save_path(parent: QtWidgets.QWidget, suggested: str, filters: str) -> str | None:
    path, _ = QtWidgets.QFileDialog.getSaveFileName(parent, "Save session", suggested, filters)
    return path or None


def describe_write_error(path: str, exc: OSError) -> str:
    """Where and why a file could not be written, without the temp file's name an atomic
    write used."""
    p = Path(path)
    reason = exc.strerror or str(exc)
    if p.is_dir():
        return f"{p} is a folder; choose a file name inside it"
    if not p.parent.is_dir():
        return f"Cannot save {p.name}: the folder {p.parent} does not exist"
    return f"Cannot save {p.name} in {p.parent}: {reason}. Your work is still open; save it elsewhere."


def show_error(parent: QtWidgets.QWidget, title: str, message: str) -> None:
    """``message`` shown as plain text: it quotes paths, names and CSV headers."""
    plain_message_box(parent, QtWidgets.QMessageBox.Icon.Critical, title, message).exec()


def edit_note(parent: QtWidgets.QWidget, title: str, note: str) -> tuple[str, str] | None:
    """The session's title and free-text note, edited; None when cancelled."""
    dialog = QtWidgets.QDialog(parent)
    dialog.setWindowTitle("Session title and note")
    layout = QtWidgets.QVBoxLayout(dialog)
    layout.addWidget(QtWidgets.QLabel("Title"))
    title_edit = QtWidgets.QLineEdit(title, dialog)
    layout.addWidget(title_edit)
    layout.addWidget(QtWidgets.QLabel("Note: what a learner should look at (saved in the file)"))
    note_edit = QtWidgets.QPlainTextEdit(note, dialog)
    note_edit.setMinimumSize(520, 220)
    layout.addWidget(note_edit)
    ok_cancel = QtWidgets.QDialogButtonBox.StandardButton
    box = QtWidgets.QDialogButtonBox(ok_cancel.Ok | ok_cancel.Cancel, dialog)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    layout.addWidget(box)
    if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
        return None
    return title_edit.text(), note_edit.toPlainText()
