"""The app's look: Fusion style, an explicit light palette, projector-sized fonts
and the colour-blind-safe colours every view shares.

``setColorScheme`` does nothing offscreen or on a bare X server, so the theme is
a palette set by hand on the Fusion style.
"""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets

#: Okabe–Ito colours: distinguishable with every common colour-vision deficiency.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)

#: One colour per gate, the same in every view.
GATE_COLOURS = {
    "a": "#0072B2",
    "i": "#009E73",
    "f": "#D55E00",
    "g": "#0072B2",
    "o": "#CC79A7",
    "r": "#D55E00",
    "z": "#009E73",
    "n": "#0072B2",
}

#: Light tints for gate blocks in tables (rows of W_ih, W_hh, biases).
GATE_TINTS = {
    "a": "#FFFFFF",
    "i": "#E6F5EF",
    "f": "#FBEBE0",
    "g": "#E3EEF7",
    "o": "#F7EAF2",
    "r": "#FBEBE0",
    "z": "#E6F5EF",
    "n": "#E3EEF7",
}

ERROR_COLOUR = "#B03000"
BASE_POINT_SIZE = 11


def light_palette() -> QtGui.QPalette:
    P = QtGui.QPalette
    pal = P()
    colours = {
        P.ColorRole.Window: "#F3F3F3",
        P.ColorRole.WindowText: "#1A1A1A",
        P.ColorRole.Base: "#FFFFFF",
        P.ColorRole.AlternateBase: "#F5F7FA",
        P.ColorRole.ToolTipBase: "#FFFFE8",
        P.ColorRole.ToolTipText: "#1A1A1A",
        P.ColorRole.PlaceholderText: "#7A7A7A",
        P.ColorRole.Text: "#1A1A1A",
        P.ColorRole.Button: "#E9E9E9",
        P.ColorRole.ButtonText: "#1A1A1A",
        P.ColorRole.BrightText: "#FFFFFF",
        P.ColorRole.Highlight: "#0072B2",
        P.ColorRole.HighlightedText: "#FFFFFF",
        P.ColorRole.Link: "#0060A0",
        P.ColorRole.Light: "#FFFFFF",
        P.ColorRole.Midlight: "#E0E0E0",
        P.ColorRole.Mid: "#B8B8B8",
        P.ColorRole.Dark: "#8A8A8A",
        P.ColorRole.Shadow: "#505050",
    }
    for role, colour in colours.items():
        pal.setColor(role, QtGui.QColor(colour))
    disabled = P.ColorGroup.Disabled
    for role in (P.ColorRole.Text, P.ColorRole.WindowText, P.ColorRole.ButtonText):
        pal.setColor(disabled, role, QtGui.QColor("#9A9A9A"))
    return pal


def apply_theme(app: QtWidgets.QApplication, point_size: int = BASE_POINT_SIZE) -> None:
    """Fusion, the light palette and a font readable from the back of a room."""
    app.setStyle("Fusion")
    app.setPalette(light_palette())
    font = app.font()
    font.setPointSize(point_size)
    app.setFont(font)


def mono_font(point_size: int | None = None) -> QtGui.QFont:
    font = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
    font.setPointSize(point_size or QtWidgets.QApplication.font().pointSize())
    return font
