"""Help > Quick tour and Help > About.

The tour is a short built-in guide (what each view shows, the keys, where to start)
in pages a teacher can read from the back of a room: large type, plain text set as
escaped rich text, Back / Next to turn the pages.  ``python -m rnnviz.gui.help``
shows it on its own.
"""

from __future__ import annotations

import html
import sys

from PySide6 import QtCore, QtGui, QtWidgets

import rnnviz

#: The tour's pages: (title, paragraphs).  A paragraph "key: text" sets the key in bold.
TOUR: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Where to start",
        (
            "rnnviz opens on the course's worked example (seed 003): “I love deep learning” read one "
            "word at a time by a 3-unit tanh RNN with a softmax over the next word.",
            "Press Space to play it, or → to take one step. Every view follows the same step t.",
            "File > Examples has ten lessons from the course, from two steps by hand to a character "
            "model that writes rhymes. Each opens with a note above the views saying what to look at.",
            "Hover over anything to see what it is; click a gate to select it in every view.",
        ),
    ),
    (
        "The views",
        (
            "Diagrams: the unrolled chain (one cell per time step, layers stacked, both directions), "
            "the rolled cell with its loop, and the inside of the cell at step t: every gate, the cell "
            "state c_t and h_t with their numbers. Backward shows the error ∂L/∂h_t flowing back.",
            "Step math: the equations of step t with the numbers filled in, each matrix with its "
            "PyTorch name and shape under it. Backward works the gradients of the same step.",
            "Plots: h_t, c_t, every gate, the output y_t and the loss over all steps; the vertical "
            "line is step t. Click a plot to jump to that step.",
            "Training: train the network on the sequence's targets (BPTT) and watch the loss fall.",
            "Generate: let a trained text model write, one token at a time, at a temperature you choose.",
            "State space: h_t as a path, on its first two principal components (or the plane of 2 "
            "units, with the flow field of one step). Runs > Add a run compares networks side by side.",
        ),
    ),
    (
        "Building your own",
        (
            "Network (left): the cell (vanilla tanh or ReLU, LSTM, GRU), hidden size H, layers, "
            "one or two directions, the output head, the initialisation and its seed.",
            "Weights: every matrix and bias as a table; double-click a number to change it, and "
            "everything is computed again at once.",
            "Sequence: type a table of numbers, turn a sentence into one-hot tokens, use a "
            "generator (sine, impulse, noise, memory tasks) or open a CSV file.",
            "File > Save keeps everything in one .rnnviz file: network, sequence, training and view.",
        ),
    ),
    (
        "Keys",
        (
            "Space: play / pause",
            "← / →: one step back / forward",
            "Home / End: the first / last step",
            "Esc: hand the arrow keys back from a box being edited",
            "Ctrl+O / Ctrl+S: open / save a session",
            "F1: this tour (Help > Quick tour)",
            "F5: present (full screen, a large caption); Esc leaves. PageDown / PageUp step, "
            "B blanks the screen, D shows the docks, N the note",
        ),
    ),
    (
        "The notation",
        (
            "The course's symbols: h_t = tanh(W_hx·x_t + W_hh·h_{t−1} + b_h) and y_t = W_hy·h_t + b_y.",
            "A gate's letter replaces h: the forget gate is f_t = σ(W_fx·x_t + W_fh·h_{t−1} + b_f).",
            "PyTorch's names stand beside them: W_fx is weight_ih_l0[H:2H], and PyTorch splits "
            "b_f into two biases, b_fx + b_fh. The numbers match torch.nn.RNN, LSTM and GRU.",
        ),
    ),
)

TOUR_POINT_SIZE = 18  # readable on a projector from the back of a room


def page_html(title: str, paragraphs: tuple[str, ...]) -> str:
    """One page as escaped rich text ("key: text" paragraphs set their key in bold)."""
    parts = [f"<h2>{html.escape(title)}</h2>"]
    for p in paragraphs:
        key, sep, rest = p.partition(": ")
        if sep and len(key) <= 24 and "." not in key:
            parts.append(f"<p><b>{html.escape(key)}</b>: {html.escape(rest)}</p>")
        else:
            parts.append(f"<p>{html.escape(p)}</p>")
    return "".join(parts)


def about_html() -> str:
    return (
        f"<b>rnnviz {html.escape(rnnviz.__version__)}</b><br>See how recurrent neural networks work: "
        "build an RNN, LSTM or GRU, feed it a sequence and watch every gate and state.<br><br>"
        "Weights use PyTorch's names and layout; results match torch.nn.RNN/LSTM/GRU.<br>"
        "Help > Quick tour shows where to start."
    )


class QuickTourDialog(QtWidgets.QDialog):
    """The tour, a page at a time: Back / Next (or ← / →), and a page list on the left."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Quick tour — rnnviz")
        self.setObjectName("QuickTourDialog")
        self.pages = QtWidgets.QListWidget(self)
        for title, _ in TOUR:
            self.pages.addItem(title)
        self.text = QtWidgets.QTextBrowser(self)
        self.text.setOpenLinks(False)
        font = self.text.font()
        font.setPointSize(TOUR_POINT_SIZE)
        self.text.setFont(font)
        list_font = self.pages.font()
        list_font.setPointSize(TOUR_POINT_SIZE - 4)
        self.pages.setFont(list_font)
        self.pages.setFixedWidth(QtGui.QFontMetrics(list_font).horizontalAdvance("Building your own") + 40)
        self.back_button = QtWidgets.QPushButton("← Back", self)
        self.next_button = QtWidgets.QPushButton("Next →", self)
        close = QtWidgets.QPushButton("Close", self)
        close.clicked.connect(self.accept)
        for b in (self.back_button, self.next_button, close):
            b.setFont(list_font)
        self.back_button.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next_button.clicked.connect(lambda: self.show_page(self.page + 1))
        self.pages.currentRowChanged.connect(self.show_page)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        body = QtWidgets.QHBoxLayout()
        body.addWidget(self.pages)
        body.addWidget(self.text, 1)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addLayout(body, 1)
        lay.addLayout(buttons)
        for key, step in ((QtCore.Qt.Key.Key_Left, -1), (QtCore.Qt.Key.Key_Right, 1)):
            sc = QtGui.QShortcut(QtGui.QKeySequence(key), self)
            sc.activated.connect(lambda step=step: self.show_page(self.page + step))
        self.page = -1
        self.show_page(0)
        self.resize(1100, 700)

    def show_page(self, index: int) -> None:
        index = max(0, min(index, len(TOUR) - 1))
        if index == self.page:
            return
        self.page = index
        self.text.setHtml(page_html(*TOUR[index]))
        with QtCore.QSignalBlocker(self.pages):
            self.pages.setCurrentRow(index)
        self.back_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < len(TOUR) - 1)


def install_help_menu(window: QtWidgets.QMainWindow) -> QtWidgets.QMenu:
    """Help > Quick tour (F1) and Help > About rnnviz, on ``window``'s menu bar."""
    menu = window.menuBar().addMenu("&Help")
    tour = menu.addAction("Quick &tour", lambda: show_tour(window))
    tour.setShortcut(QtGui.QKeySequence.StandardKey.HelpContents)
    tour.setStatusTip("What each view shows, the keys, and where to start")
    menu.addAction("&About rnnviz", lambda: QtWidgets.QMessageBox.about(window, "About rnnviz", about_html()))
    window.action_tour = tour
    return menu


def show_tour(parent: QtWidgets.QWidget) -> QuickTourDialog:
    dialog = getattr(parent, "tour_dialog", None)
    if dialog is None:
        dialog = QuickTourDialog(parent)
        parent.tour_dialog = dialog
    dialog.show()
    dialog.raise_()
    return dialog


if __name__ == "__main__":  # pragma: no cover - the tour on its own
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    QuickTourDialog().exec()
