"""User text (names, tokens, titles, notes, CSV headers, paths) shown literally.

Qt guesses whether a QLabel's text, a tooltip or a message box's text is HTML
(``Qt.mightBeRichText``): a target named ``<img src="/dev/zero">`` would be read as
markup, and the image loaded.  Labels that hold user text are therefore plain text
(:func:`plain_label`), and a user string inside a rich-text label goes through
``html.escape``.  A tooltip has no text format of its own: :func:`tooltip` turns a
string Qt would misread into rich text whose content is escaped, so it shows exactly
the string it was given.
"""

from __future__ import annotations

import html

from PySide6 import QtCore, QtGui, QtWidgets


def plain_label(label: QtWidgets.QLabel) -> QtWidgets.QLabel:
    """``label`` shows its text as it is, never as HTML; returns it."""
    label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
    return label


def tooltip(text: str) -> str:
    """A tooltip that shows ``text`` literally: as it is when Qt would show it as plain
    text anyway; else as rich text with the markup escaped (line breaks and spaces kept)."""
    if not QtGui.Qt.mightBeRichText(text):
        return text
    return f'<p style="white-space:pre-wrap">{html.escape(text, quote=False)}</p>'


def plain_message_box(
    parent: QtWidgets.QWidget | None, icon: QtWidgets.QMessageBox.Icon, title: str, text: str
) -> QtWidgets.QMessageBox:
    """A message box whose text is plain (the static QMessageBox functions guess HTML)."""
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setTextFormat(QtCore.Qt.TextFormat.PlainText)
    box.setText(text)
    return box
