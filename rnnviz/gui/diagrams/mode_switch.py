"""FlowSwitch: the Forward / Backward segmented toggle of the diagrams' bar.

Two checkable buttons side by side in an exclusive group, one always down: as a
radio group, Tab reaches the one that is down and the arrow keys switch.  Backward is disabled, with the reason as its tooltip,
when there are no gradients to show.
"""

from __future__ import annotations

from PySide6 import QtWidgets
from PySide6.QtCore import Qt, Signal

from ..theme import current_theme
from .gradients import NO_TARGETS


def _style(t) -> str:
    """The switch in theme ``t``: the mode that is on is drawn in the theme's ink, inverted."""
    return f"""
QPushButton {{ padding: 3px 14px; min-width: 76px; border: 1px solid {t.mid}; background: {t.button}; color: {t.text}; }}
QPushButton#forward {{ border-top-left-radius: 4px; border-bottom-left-radius: 4px; }}
QPushButton#backward {{ border-top-right-radius: 4px; border-bottom-right-radius: 4px; border-left: none; }}
QPushButton:checked {{ background: {t.wire}; color: {t.paper}; }}
QPushButton:disabled {{ color: {t.disabled}; background: {t.button}; }}
QPushButton:focus {{ border: 2px solid {t.highlight}; }}
"""
BACKWARD_TIP = (
    "Backward: the error ∂L/∂h_t flowing back through time (BPTT), right to left. "
    "Arrow colour and width: ‖∂L/∂h_t‖ on a log scale; numbers: the gradients."
)
FORWARD_TIP = "Forward: the values h_t, c_t and the gates, computed left to right"


class FlowSwitch(QtWidgets.QWidget):
    sig_backward_toggled = Signal(bool)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.set_appearance()
        self.forward_button = QtWidgets.QPushButton("Forward")
        self.backward_button = QtWidgets.QPushButton("Backward")
        self.forward_button.setObjectName("forward")
        self.backward_button.setObjectName("backward")
        self.forward_button.setToolTip(FORWARD_TIP)
        self.group = QtWidgets.QButtonGroup(self)
        self.group.setExclusive(True)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        for b in (self.forward_button, self.backward_button):
            b.setCheckable(True)
            b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            self.group.addButton(b)
            lay.addWidget(b)
        self.forward_button.setChecked(True)
        self.backward_button.toggled.connect(self._on_backward_button_toggled)
        self.set_available(False, NO_TARGETS)

    def set_appearance(self, _appearance=None) -> None:
        self.setStyleSheet(_style(current_theme()))

    @property
    def backward(self) -> bool:
        return self.backward_button.isChecked()

    def set_backward(self, on: bool) -> None:
        """Show the mode; Backward only when it is available."""
        on = bool(on) and self.backward_button.isEnabled()
        (self.backward_button if on else self.forward_button).setChecked(True)

    def set_available(self, available: bool, reason: str = "") -> None:
        """Enable Backward, or disable it with ``reason`` as its tooltip (and go Forward)."""
        self.backward_button.setEnabled(available)
        self.backward_button.setToolTip(BACKWARD_TIP if available else reason)
        if not available and self.backward_button.isChecked():
            self.forward_button.setChecked(True)

    def _on_backward_button_toggled(self, on: bool) -> None:
        self.sig_backward_toggled.emit(on)
