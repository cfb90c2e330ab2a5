"""MathPanel: the current step's equations with the trace's numbers filled in.

The equations come from :func:`rnnviz.session.stepmath.build_step_math`; this
panel only lays them out as HTML tables (vectors and matrices, results tinted
on the diagrams' colour scale), large enough for a projector.  Clicking a
gate's title selects that gate everywhere.

``python -m rnnviz.gui.math_panel`` shows it on its own with the default example.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Signal

from rnnviz.session.stepmath import Block, StepMath, build_step_math, export_math, to_html

from .diagrams.style import GATE_COLOURS, GATE_TINTS, unit_is_marked, value_colour

BASE_PT = 14
WIDE_MATRIX = 6  # a matrix with more columns is set smaller: 8 columns and a "⋯" fit 1400 px


def _block_html(b: Block, tint: bool, labels: bool, unit: int = -1, H: int = 0) -> str:
    """A vector or matrix: its name above, coloured number cells, PyTorch name and shape below."""
    out = ['<table cellspacing="0" cellpadding="0">']
    small = b.is_matrix and len(b.cols) > WIDE_MATRIX
    size = f" font-size:{BASE_PT - 3}pt;" if small else ""
    if b.name:
        out.append(f'<tr><td align="center"><i>{to_html(b.name)}</i></td></tr>')
    out.append(
        f'<tr><td><table cellspacing="0" cellpadding="{2 if small else 4}" border="1" '
        f'style="border-color:#9a9a9a;{size}">'
    )
    for i, row in enumerate(b.cells):
        out.append("<tr>")
        if labels and b.row_labels:
            out.append(
                f'<td align="right" style="color:#6a6a6a; font-size:{BASE_PT - 3}pt;">'
                f"{html.escape(b.row_labels[i])}</td>"
            )
        for j, cell in enumerate(row):
            bg = ""
            if tint and b.rows[i] is not None and b.cols[j] is not None:
                bg = f' bgcolor="{value_colour(b.full[b.rows[i], b.cols[j]]).name()}"'
            text = html.escape(cell)
            if b.rows[i] == unit and b.full.shape[0] == H and not b.is_matrix:
                text = f"<b><u>{text}</u></b>"  # the selected unit, as in the plots
            # nowrap: a narrow window scrolls sideways; a number never breaks across lines
            out.append(f'<td align="right" style="white-space:nowrap;"{bg}><tt>{text}</tt></td>')
        out.append("</tr>")
    out.append("</table></td></tr>")
    if b.caption and b.is_matrix:
        out.append(
            f'<tr><td align="center" style="color:#555555; font-size:{BASE_PT - 3}pt;">'
            f"{html.escape(b.caption)}</td></tr>"
        )
    out.append("</table>")
    return "".join(out)


def step_math_html(sm: StepMath, selected_gate: str = "", unit: int = -1, H: int = 0) -> str:
    """The whole step as one HTML document (QTextBrowser's rich-text subset)."""
    out = [f'<html><body style="font-size:{BASE_PT}pt; color:#1a1a1a;">', f"<h3>{html.escape(sm.title)}</h3>"]
    for ln in sm.lines:
        colour = GATE_COLOURS.get(ln.gate, "#1a1a1a") if ln.gate else "#1a1a1a"
        sel = bool(ln.gate) and ln.gate == selected_gate
        bg = f" background-color:{GATE_TINTS.get(ln.gate, '#ffffff')};" if sel else ""
        title = html.escape(ln.title)
        if ln.gate:
            title = f'<a href="gate:{ln.gate}" style="color:{colour}; text-decoration:none;">{title}</a>'
        formula = f" &nbsp; {to_html(ln.lhs)} = {to_html(ln.formula)}" if ln.formula else ""
        # a div, not a table: each level of nested tables multiplies QTextDocument's layout time
        out.append(f'<a name="{ln.key}"></a><div style="margin-top:10px;{bg}">')
        mark = "▶ " if sel else ""
        out.append(
            f'<b style="color:{colour};">{mark}{title}</b><span style="color:#444444;">{formula}</span>'
        )
        out.append('<table cellspacing="4"><tr>')
        first = ln.parts[0]
        if not (isinstance(first, Block) and first.name == ln.lhs):
            out.append(f'<td valign="middle" style="white-space:nowrap;">{to_html(ln.lhs)} =</td>')
        for p in ln.parts:
            if isinstance(p, Block):
                out.append(
                    f'<td valign="middle">{_block_html(p, not p.is_matrix, p is ln.result, unit, H)}</td>'
                )
            else:
                out.append(f'<td valign="middle" style="font-size:{BASE_PT + 2}pt;">{html.escape(p)}</td>')
        out.append("</tr></table></div>")
    if sm.note:
        note = "<br>".join(html.escape(s) for s in sm.note.splitlines())
        out.append(f'<p style="color:#555555; font-size:{BASE_PT - 2}pt;"><i>{note}</i></p>')
    out.append("</body></html>")
    return "".join(out)


class MathPanel(QtWidgets.QWidget):
    """The worked math at the current step (view contract: set_trace / set_step / set_selection)."""

    sig_step_requested = Signal(int)
    sig_unit_selected = Signal(int)
    sig_gate_selected = Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._rendered: tuple = ()  # what the browser shows, to skip identical re-renders
        self.trace = None
        self.session = None
        self.step = 1
        self.layer = self.direction = self.unit = 0
        self.gate = ""
        self.math: StepMath | None = None
        self._build()

    def _build(self) -> None:
        self.decimals_spin = QtWidgets.QSpinBox(minimum=0, maximum=8, value=4)
        self.decimals_spin.setToolTip("Decimal places of every number")
        self.decimals_spin.valueChanged.connect(self._on_decimals_changed)
        self.export_button = QtWidgets.QPushButton("Export step math…")
        self.export_button.clicked.connect(self._on_export_clicked)
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(QtWidgets.QLabel("Decimals"))
        bar.addWidget(self.decimals_spin)
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        self.browser = QtWidgets.QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._on_browser_anchor_clicked)
        self.browser.setFont(QtGui.QFont("DejaVu Sans", BASE_PT))
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(bar)
        lay.addWidget(self.browser, 1)

    # -- view contract -------------------------------------------------------
    def set_trace(self, trace, session=None) -> None:
        self.trace, self.session = trace, session
        if session is not None:
            with QtCore.QSignalBlocker(self.decimals_spin):
                self.decimals_spin.setValue(session.view.decimals)
        net = trace.network
        self.layer = min(self.layer, net.num_layers - 1)
        self.direction = min(self.direction, net.num_directions - 1)
        self.unit = min(self.unit, net.hidden_size - 1)
        self.step = min(self.step, trace.steps)
        self._refresh()

    def set_step(self, t: int) -> None:
        self.step = int(t)
        self._refresh()

    def set_selection(self, layer: int = 0, direction: int = 0, unit: int = 0, gate: str = "") -> None:
        self.layer, self.direction, self.unit, self.gate = layer, direction, unit, gate or ""
        self._refresh()
        if self.gate:
            self.browser.scrollToAnchor(f"gate:{self.gate}")

    @property
    def decimals(self) -> int:
        return self.decimals_spin.value()

    def set_decimals(self, n: int) -> None:
        self.decimals_spin.setValue(n)

    def _refresh(self) -> None:
        if self.trace is None:
            return
        step = min(max(self.step, 0), self.trace.steps)
        key = (id(self.trace), id(self.session), self.layer, self.direction, self.unit, self.gate, step,
               self.decimals)  # fmt: skip
        if key == self._rendered:
            return  # e.g. set_selection/set_step after set_trace with nothing new: one render per update
        self._rendered = key
        seq = self.session.sequence if self.session is not None else None
        self.math = build_step_math(
            self.trace,
            self.layer,
            self.direction,
            step,
            self.unit,
            self.decimals,
            labels=seq.vocabulary if seq is not None else (),
            note=self.session.note if self.session is not None and step == 1 else "",
        )
        bar = self.browser.verticalScrollBar()
        pos = bar.value()
        H = self.trace.network.hidden_size
        unit = self.unit if unit_is_marked(self.unit, H) else -1
        self.browser.setHtml(step_math_html(self.math, self.gate, unit, H))
        bar.setValue(pos)

    # -- handlers ------------------------------------------------------------
    def _on_decimals_changed(self, _n: int) -> None:
        self._refresh()

    def _on_browser_anchor_clicked(self, url: QtCore.QUrl) -> None:
        text = url.toString()
        if text.startswith("gate:"):
            self.gate = text[5:]
            self._refresh()
            self.sig_gate_selected.emit(self.gate)

    def _on_export_clicked(self) -> None:
        if self.trace is None or self.session is None:
            return
        path = ask_math_path(self, self.step)
        if path:
            write_math(
                self,
                self.session,
                self.trace,
                self.step,
                path,
                decimals=self.decimals,
                layer=self.layer,
                direction=self.direction,
                unit=self.unit,
            )

    def export_markdown(self, path) -> str:
        """The current step's math as Markdown (what the Export button writes)."""
        return export_math(
            self.session, self.trace, self.step, path, self.decimals, self.layer, self.direction, self.unit
        )


def ask_math_path(parent, step: int) -> str:
    path, _ = QtWidgets.QFileDialog.getSaveFileName(
        parent, "Export step math", f"step{step}.md", "Markdown with LaTeX (*.md);;All files (*)"
    )
    return path


def write_math(parent, session, trace, step: int, path: str, **kw) -> bool:
    """Write the Markdown safely (temp file + replace); a failure is shown, not raised."""
    try:
        export_math(session, trace, step, path, **kw)
        return True
    except (OSError, ValueError, IndexError) as exc:
        QtWidgets.QMessageBox.warning(parent, "Export step math", f"Could not write {path}:\n{exc}")
        return False


def export_step_markdown(session, path: str, step: int | None = None) -> int:
    """``rnnviz --export-math OUT [--step t]``: write the step's math; returns an exit code.

    Needs no QApplication.  The step, layer, direction, unit and decimals come from
    the session's view settings (``--step`` sets ``session.view.step``).
    """
    import sys

    try:
        trace = session.network.forward(session.inputs)
        t = session.view.step if step is None else step
        export_math(session, trace, min(max(int(t), 0), trace.steps), path)
    except (OSError, ValueError, IndexError) as exc:
        print(f"rnnviz: could not write the step math to {path}: {exc}", file=sys.stderr)
        return 1
    return 0


def make_export_math_action(parent: QtWidgets.QWidget, context: Callable[[], tuple | None]) -> QtGui.QAction:
    """``File > Export step math…``: ``context()`` returns (session, trace, step) or None."""
    action = QtGui.QAction("Export step math…", parent)
    action.setStatusTip("Write the current step's worked math as Markdown with LaTeX")

    def _on_action_triggered() -> None:
        ctx = context()
        if ctx is None:
            return
        session, trace, step = ctx
        path = ask_math_path(parent, step)
        if path:
            write_math(parent, session, trace, step, path)

    action.triggered.connect(_on_action_triggered)
    return action


def main() -> int:  # pragma: no cover - manual use
    import sys

    from rnnviz.gui.theme import apply_theme
    from rnnviz.session.defaults import default_session

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    apply_theme(app)
    session = default_session()
    panel = MathPanel()
    panel.set_trace(session.network.forward(session.inputs), session)
    panel.set_step(1)
    panel.resize(1100, 800)
    panel.show()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
