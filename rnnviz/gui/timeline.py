"""TimelineWidget: transport buttons, scrub slider, speed, loop and the step label.

It mirrors a :class:`~rnnviz.gui.playback.Playback` and drives it; the window-wide
keys (Space, ←/→, Home/End) come from :func:`install_playback_shortcuts`.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from .plain_text import plain_label
from .playback import MAX_SPEED, MIN_SPEED, Playback
from .theme import themed_icon

PLAY_TEXT, PAUSE_TEXT = "Play", "Pause"
SP = QtWidgets.QStyle.StandardPixmap


def step_detail(step: int, tokens: tuple[str, ...] = (), lstm: bool = False, inputs=None) -> str:
    """What step ``step`` shows besides its number: "input: love", "x = 0.5", "initial
    state h₀" (step 0), or "" (an input of more than three numbers)."""
    if step == 0:
        return "initial state h₀, c₀" if lstm else "initial state h₀"
    if 0 < step <= len(tokens):
        token = tokens[step - 1]
        return "input: " + {" ": "␣", "\n": "↵", "\t": "⇥"}.get(token, token)
    if inputs is not None and 0 < step <= len(inputs) and len(inputs[step - 1]) <= 3:
        values = ", ".join(f"{v:.3g}".replace("-", "−") for v in inputs[step - 1])
        return f"x = {values}" if len(inputs[step - 1]) == 1 else f"x = ({values})"
    return ""


def step_text(step: int, length: int, tokens: tuple[str, ...] = (), lstm: bool = False, inputs=None) -> str:
    """ "t = 2 / 4  (input: love)"; step 0 is the initial state; a few numbers show as x."""
    detail = step_detail(step, tokens, lstm, inputs)
    return f"t = {step} / {length}" + (f"  ({detail})" if detail else "")


class TimelineWidget(QtWidgets.QWidget):
    """⏮ ◀ ▶ ▶ ⏭, a slider over steps 0..T, speed and loop."""

    sig_step_requested = QtCore.Signal(int)

    def __init__(self, playback: Playback, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.playback = playback
        self._tokens: tuple[str, ...] = ()
        self.sequence = None  # the sequence whose tokens the step label names
        self._inputs = None
        self._lstm = False
        self._build()
        playback.sig_step_changed.connect(self._on_playback_step_changed)
        playback.sig_length_changed.connect(self._on_playback_length_changed)
        playback.sig_playing_changed.connect(self._on_playback_playing_changed)
        playback.sig_speed_changed.connect(self._on_playback_speed_changed)
        playback.sig_loop_changed.connect(self._on_playback_loop_changed)
        self.synchronize()

    def _button(self, icon, tip: str, slot, text: str = "") -> QtWidgets.QToolButton:
        b = QtWidgets.QToolButton(self)
        b.setProperty("standard_icon", icon)
        b.setIcon(themed_icon(self.style(), icon))
        b.setIconSize(QtCore.QSize(22, 22))
        if text:
            b.setText(text)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        b.setToolTip(tip)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        b.clicked.connect(slot)
        return b

    def _build(self) -> None:
        pb = self.playback
        self.first_button = self._button(
            SP.SP_MediaSkipBackward, "First step: the initial state (Home)", pb.first
        )
        self.back_button = self._button(SP.SP_MediaSeekBackward, "Step back (←)", pb.back)
        self.play_button = self._button(SP.SP_MediaPlay, "Play / pause (Space)", pb.toggle, PLAY_TEXT)
        self.play_button.setMinimumWidth(self.play_button.fontMetrics().horizontalAdvance(PAUSE_TEXT) + 48)
        self.forward_button = self._button(SP.SP_MediaSeekForward, "Step forward (→)", pb.forward)
        self.last_button = self._button(SP.SP_MediaSkipForward, "Last step (End)", pb.last)
        self.slider = QtWidgets.QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setToolTip("Scrub through the steps")
        self.slider.setPageStep(1)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.step_label = plain_label(QtWidgets.QLabel(self))  # it shows the input token
        self.step_label.setObjectName("stepLabel")
        font = self.step_label.font()
        font.setBold(True)
        self.step_label.setFont(font)
        self.step_label.setMinimumWidth(
            self.step_label.fontMetrics().horizontalAdvance("t = 0000 / 0000  (input: learning)")
        )
        self.speed_spin = QtWidgets.QDoubleSpinBox(self)
        self.speed_spin.setRange(MIN_SPEED, MAX_SPEED)
        self.speed_spin.setSingleStep(0.25)
        self.speed_spin.setDecimals(2)
        self.speed_spin.setSuffix(" steps/s")
        self.speed_spin.setKeyboardTracking(False)
        self.speed_spin.setToolTip("Playback speed, 0.25–30 steps per second")
        self.speed_spin.valueChanged.connect(self._on_speed_spin_value_changed)
        self.loop_check = QtWidgets.QCheckBox("Loop", self)
        self.loop_check.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.loop_check.toggled.connect(self._on_loop_check_toggled)

        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        for b in (
            self.first_button,
            self.back_button,
            self.play_button,
            self.forward_button,
            self.last_button,
        ):
            row.addWidget(b)
        row.addSpacing(8)
        row.addWidget(self.step_label)
        row.addWidget(self.slider, 1)
        row.addSpacing(8)
        row.addWidget(QtWidgets.QLabel("Speed", self))
        row.addWidget(self.speed_spin)
        row.addWidget(self.loop_check)

    def set_appearance(self, _appearance=None) -> None:
        """The buttons' icons in the theme's text colour; the step label as wide as the zoom needs."""
        for b in (self.first_button, self.back_button, self.play_button, self.forward_button, self.last_button):
            b.setIcon(themed_icon(self.style(), b.property("standard_icon")))
        self.step_label.setMinimumWidth(
            self.step_label.fontMetrics().horizontalAdvance("t = 0000 / 0000  (input: learning)")
        )

    # -- model → widget ------------------------------------------------------
    def set_session(self, session) -> None:
        """Tokens for the step label (text input) and whether there is a c_0."""
        self.sequence = session.sequence
        self._tokens = tuple(session.sequence.tokens)
        self._inputs = None if session.sequence.is_text else session.sequence.inputs
        self._lstm = session.network.mode == "lstm"
        self._update_label()

    def synchronize(self) -> None:
        pb = self.playback
        for w in (self.slider, self.speed_spin, self.loop_check):
            w.blockSignals(True)
        self.slider.setRange(0, pb.length)
        self.slider.setValue(pb.step)
        self.speed_spin.setValue(pb.speed)
        self.loop_check.setChecked(pb.loop)
        for w in (self.slider, self.speed_spin, self.loop_check):
            w.blockSignals(False)
        self._show_playing(pb.playing)
        self._update_label()

    def _update_label(self) -> None:
        pb = self.playback
        self.step_label.setText(step_text(pb.step, pb.length, self._tokens, self._lstm, self._inputs))

    def _on_playback_step_changed(self, step: int) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(step)
        self.slider.blockSignals(False)
        self._update_label()

    def _on_playback_length_changed(self, _length: int) -> None:
        self.synchronize()

    def _on_playback_playing_changed(self, playing: bool) -> None:
        self._show_playing(playing)

    def _show_playing(self, playing: bool) -> None:
        self.play_button.setText(PAUSE_TEXT if playing else PLAY_TEXT)
        icon = SP.SP_MediaPause if playing else SP.SP_MediaPlay
        self.play_button.setProperty("standard_icon", icon)
        self.play_button.setIcon(themed_icon(self.style(), icon))

    def _on_playback_speed_changed(self, speed: float) -> None:
        self.speed_spin.blockSignals(True)
        self.speed_spin.setValue(speed)
        self.speed_spin.blockSignals(False)

    def _on_playback_loop_changed(self, loop: bool) -> None:
        self.loop_check.blockSignals(True)
        self.loop_check.setChecked(loop)
        self.loop_check.blockSignals(False)

    # -- widget → model --------------------------------------------------------
    def _on_slider_value_changed(self, value: int) -> None:
        self.playback.set_step(value)
        self.sig_step_requested.emit(value)

    def _on_speed_spin_value_changed(self, value: float) -> None:
        self.playback.set_speed(value)

    def _on_loop_check_toggled(self, checked: bool) -> None:
        self.playback.set_loop(checked)


# -- window-wide keys ------------------------------------------------------------
_KEEP_KEYS_WIDGETS = (
    QtWidgets.QLineEdit,
    QtWidgets.QTextEdit,
    QtWidgets.QPlainTextEdit,
    QtWidgets.QAbstractSpinBox,
    QtWidgets.QComboBox,
    QtWidgets.QAbstractItemView,
)
_PLAYBACK_KEYS = {Qt.Key.Key_Space, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Home, Qt.Key.Key_End}


_TEXT_WIDGETS = (QtWidgets.QLineEdit, QtWidgets.QTextEdit, QtWidgets.QPlainTextEdit)


def _keeps_keys(widget) -> bool:
    """Editors keep the playback keys; read-only text (the step math) does not: there
    ←/→ step the clock, as everywhere else.  A spin box keeps them only while a number
    is being typed in it: clicked (or changed with its arrows), it leaves them to the clock."""
    if isinstance(widget, _TEXT_WIDGETS) and widget.isReadOnly():
        return False
    if isinstance(widget, QtWidgets.QSpinBox | QtWidgets.QDoubleSpinBox):
        return widget.cleanText() != widget.textFromValue(widget.value())
    return isinstance(widget, _KEEP_KEYS_WIDGETS)


# Escape hands the keys back from these; text editors keep Escape (leaving one would
# commit its text)
_ESCAPABLE = (QtWidgets.QAbstractSpinBox, QtWidgets.QComboBox, QtWidgets.QAbstractItemView)


def _is_item_editor(widget) -> bool:
    """The line edit a table opens on a cell: Escape there cancels the edit."""
    parent = widget.parentWidget()
    grand = parent.parentWidget() if parent is not None else None
    return isinstance(grand, QtWidgets.QAbstractItemView) and parent is grand.viewport()


class _KeepKeysFilter(QtCore.QObject):
    """Lets text editors, spin boxes and tables keep the playback keys: a shortcut
    only fires when the focused widget has no use for the key.  Escape in a spin box
    (dropping what was half typed), a combo box or a table (not while a cell is being
    edited) gives the keys back to the clock."""

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt override)
        if (
            event.type() == QtCore.QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Escape
            and isinstance(obj, _ESCAPABLE)
            and not _is_item_editor(obj)
        ):
            if isinstance(obj, QtWidgets.QAbstractSpinBox):
                # a half-typed number is dropped, not committed by the focus change
                with QtCore.QSignalBlocker(obj):
                    obj.setValue(obj.value())
            window = obj.window()
            target = window.centralWidget() if isinstance(window, QtWidgets.QMainWindow) else window
            target.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return True
        if (
            event.type() == QtCore.QEvent.Type.ShortcutOverride
            and Qt.Key(event.key()) in _PLAYBACK_KEYS
            and not (
                event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
            )
        ):
            if _keeps_keys(obj):
                event.accept()  # the widget gets the key press instead of the shortcut
                return True
            if isinstance(obj, QtWidgets.QAbstractSpinBox):
                event.ignore()  # not being typed in: the spin box would take it, the clock does
                return True
        return False


def install_playback_shortcuts(window: QtWidgets.QWidget, playback: Playback) -> list[QtGui.QShortcut]:
    """Space play/pause, ←/→ step, Home/End first/last, anywhere in ``window``."""
    keys = (
        (Qt.Key.Key_Space, playback.toggle),
        (Qt.Key.Key_Left, playback.back),
        (Qt.Key.Key_Right, playback.forward),
        (Qt.Key.Key_Home, playback.first),
        (Qt.Key.Key_End, playback.last),
    )
    shortcuts = []
    for key, slot in keys:
        sc = QtGui.QShortcut(QtGui.QKeySequence(key), window)
        sc.setContext(Qt.ShortcutContext.WindowShortcut)
        sc.setAutoRepeat(True)
        sc.activated.connect(slot)
        shortcuts.append(sc)
    keep = _KeepKeysFilter(window)
    app = QtWidgets.QApplication.instance()

    def _on_app_focus_changed(_old, new) -> None:
        # filter only the focused editor, never every event in the application
        if isinstance(new, _KEEP_KEYS_WIDGETS) and new.window() is window:
            new.installEventFilter(keep)

    app.focusChanged.connect(_on_app_focus_changed)

    def _on_window_destroyed(*_args) -> None:
        try:
            app.focusChanged.disconnect(_on_app_focus_changed)
        except (RuntimeError, TypeError):
            pass

    window.destroyed.connect(_on_window_destroyed)
    window._keep_keys_filter = keep  # keep it alive with the window
    return shortcuts


def main() -> int:  # python -m rnnviz.gui.timeline
    import sys

    from .theme import apply_theme

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    apply_theme(app)
    playback = Playback(4)
    w = TimelineWidget(playback)
    w.setWindowTitle("rnnviz — timeline")
    install_playback_shortcuts(w, playback)
    w.resize(1000, 60)
    w.show()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
