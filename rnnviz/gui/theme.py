"""The app's look: three themes as data, the zoom, and the one object that owns both.

- A :class:`Theme` is plain data: the Qt palette's colours and the colours the views
  paint with (diagram ink and wires, the plots' background, the step math's paper…).
  ``light`` is the default; ``dark`` and ``high-contrast`` (white and yellow on black,
  thicker lines) are for rooms and projectors where light grey washes out.
- :data:`C` holds the colours every view paints with as shared ``QColor`` objects.
  Modules alias them (``INK = C.ink``); a theme change updates these objects *in place*,
  so every alias sees it, then tells the views to repaint (``Appearance.sig_changed``).
  ``GATE_COLOURS`` and ``GATE_TINTS`` are dicts updated in place for the same reason.
- :class:`Appearance` (one per application, :func:`appearance`) owns the theme and the
  zoom.  Views mirror it: :class:`rnnviz.gui.views.ViewBinder` calls a view's optional
  ``set_appearance(appearance)`` when it changes (a view behind a tab when it is shown).
- The zoom scales the application font (every widget without a font of its own) and,
  through :func:`scaled`, the fonts and line widths the views set themselves.

The value scale (CET-CBD1, blue < 0 < yellow) is the same in every theme: it is
colour-blind safe, and its chips keep dark numbers (:data:`CHIP_INK`) on any background.
``setColorScheme`` does nothing offscreen or on a bare X server, so a theme is a
palette set by hand on the Fusion style.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6 import QtCore, QtGui, QtWidgets

from .theme_style import ThemedFusion

BASE_POINT_SIZE = 11
#: The zoom levels Ctrl+= and Ctrl+− step through (1.0: the normal size).
ZOOM_LEVELS = (0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)

_LIGHT_GATES = {"a": "#0072B2", "i": "#009E73", "f": "#D55E00", "g": "#0072B2",
                "o": "#CC79A7", "r": "#D55E00", "z": "#009E73", "n": "#0072B2"}  # fmt: skip
_LIGHT_TINTS = {"a": "#FFFFFF", "i": "#E6F5EF", "f": "#FBEBE0", "g": "#E3EEF7",
                "o": "#F7EAF2", "r": "#FBEBE0", "z": "#E6F5EF", "n": "#E3EEF7"}  # fmt: skip


@dataclass(frozen=True)
class Theme:
    """A theme: the Qt palette and the colours the views paint with (hex strings)."""

    name: str
    title: str
    window: str  # the palette: window and panels
    text: str  # text on window and base
    base: str  # the background of editors, tables, lists
    alternate: str
    button: str
    highlight: str
    highlighted_text: str
    link: str
    tooltip: str
    placeholder: str  # muted text (hints, captions)
    light: str
    midlight: str
    mid: str
    dark: str
    disabled: str
    paper: str  # the diagrams' and the step math's background
    ink: str  # text and outlines drawn on the paper
    muted: str  # secondary text on the paper
    wire: str  # the diagrams' arrows and boxes
    cell_fill: str  # the inside of a cell's box
    empty: str  # a box or chip cell without a value
    node: str  # the operator nodes (×, +, tanh) and the output box
    io_fill: str  # the input and output strips' boxes
    step: str  # the current step (outline in the diagrams, the plots' cursor band)
    heading: str  # the step math's section headings
    secondary: str  # the step math's formulas (quieter than its numbers)
    rule: str  # thin rules and grids on the paper
    plot_background: str
    plot_foreground: str
    grid_alpha: float
    cursor: str  # the plots' current-step line
    error: str
    line_scale: float = 1.0  # widths of wires and curves (thicker in high contrast)
    gates: dict = field(default_factory=lambda: dict(_LIGHT_GATES))  # a gate's colour
    tints: dict = field(default_factory=lambda: dict(_LIGHT_TINTS))  # a gate's pale block

    @property
    def is_dark(self) -> bool:
        return QtGui.QColor(self.paper).lightnessF() < 0.5


LIGHT = Theme(
    name="light", title="Light", window="#F3F3F3", text="#1A1A1A", base="#FFFFFF", alternate="#F5F7FA",
    button="#E9E9E9", highlight="#0072B2", highlighted_text="#FFFFFF", link="#0060A0", tooltip="#FFFFE8",
    placeholder="#6A6A6A", light="#FFFFFF", midlight="#E0E0E0", mid="#B8B8B8", dark="#8A8A8A",
    disabled="#9A9A9A", paper="#FFFFFF", ink="#1A1A1A", muted="#6A6A6A", wire="#3C3C3C",
    cell_fill="#F4F6F8", empty="#FFFFFF", node="#FFF7D6", io_fill="#F7F7F7", step="#D55E00", heading="#1F4E79", secondary="#444444", rule="#C8C8C8", plot_background="#FFFFFF",
    plot_foreground="#222222", grid_alpha=0.25, cursor="#282828", error="#B03000",
)  # fmt: skip

DARK = Theme(
    name="dark", title="Dark", window="#202124", text="#E8E8E8", base="#17181A", alternate="#24262A",
    button="#303236", highlight="#56B4E9", highlighted_text="#000000", link="#7CC4F0", tooltip="#303236",
    placeholder="#A8A8A8", light="#45474C", midlight="#3A3C40", mid="#5A5D63", dark="#101113",
    disabled="#6E7075", paper="#17181A", ink="#ECECEC", muted="#A8A8A8", wire="#C4C4C4",
    cell_fill="#26292E", empty="#2C2F35", node="#3D3721", io_fill="#222428", step="#FF9A4D", heading="#8EC5F0", secondary="#C8C8C8", rule="#4A4D52", plot_background="#17181A",
    plot_foreground="#E0E0E0", grid_alpha=0.22, cursor="#E0E0E0", error="#FF8A65",
    gates={"a": "#56B4E9", "i": "#2EC4A0", "f": "#FF8A4D", "g": "#56B4E9",
           "o": "#E59AC8", "r": "#FF8A4D", "z": "#2EC4A0", "n": "#56B4E9"},
    tints={"a": "#17181A", "i": "#17302A", "f": "#3A2418", "g": "#172A3A",
           "o": "#35202E", "r": "#3A2418", "z": "#17302A", "n": "#172A3A"},
)  # fmt: skip

HIGH_CONTRAST = Theme(
    name="high-contrast", title="High contrast", window="#000000", text="#FFFFFF", base="#000000",
    alternate="#141414", button="#000000", highlight="#FFD700", highlighted_text="#000000", link="#FFFF00",
    tooltip="#000000", placeholder="#E0E0E0", light="#FFFFFF", midlight="#C0C0C0", mid="#FFFFFF",
    dark="#FFFFFF", disabled="#A0A0A0", paper="#000000", ink="#FFFFFF", muted="#E6E6E6", wire="#FFFFFF",
    cell_fill="#000000", empty="#1C1C1C", node="#3A3000", io_fill="#000000", step="#FFD700", heading="#FFFF00", rule="#FFFFFF", plot_background="#000000",
    secondary="#FFFFFF", plot_foreground="#FFFFFF", grid_alpha=0.45, cursor="#FFD700", error="#FF6E6E", line_scale=1.6,
    gates={"a": "#56B4E9", "i": "#33E0B0", "f": "#FF9A4D", "g": "#56B4E9",
           "o": "#FF9AD8", "r": "#FF9A4D", "z": "#33E0B0", "n": "#56B4E9"},
    tints={"a": "#000000", "i": "#002A20", "f": "#3A1E00", "g": "#00253A",
           "o": "#3A0A2A", "r": "#3A1E00", "z": "#002A20", "n": "#00253A"},
)  # fmt: skip

THEMES: dict[str, Theme] = {t.name: t for t in (LIGHT, DARK, HIGH_CONTRAST)}


class _Colours:
    """The colours views paint with, as shared QColor objects updated in place."""

    _FIELDS = ("paper", "ink", "muted", "wire", "cell_fill", "empty", "node", "io_fill", "step", "heading", "secondary", "rule",
               "plot_background", "plot_foreground", "cursor", "error", "text", "placeholder")  # fmt: skip

    def __init__(self) -> None:
        for name in self._FIELDS:
            setattr(self, name, QtGui.QColor())
        self.load(LIGHT)

    def load(self, theme: Theme) -> None:
        for name in self._FIELDS:
            getattr(self, name).setRgba(QtGui.QColor(getattr(theme, name)).rgba())


C = _Colours()
#: Numbers inside value-scale chips: the scale is pale in every theme, so they stay dark.
CHIP_INK = QtGui.QColor("#1A1A1A")
#: One colour per gate and its pale tint, the same in every view (updated in place).
GATE_COLOURS: dict[str, str] = dict(_LIGHT_GATES)
GATE_TINTS: dict[str, str] = dict(_LIGHT_TINTS)


def palette(theme: Theme) -> QtGui.QPalette:
    P = QtGui.QPalette
    pal = P()
    colours = {
        P.ColorRole.Window: theme.window, P.ColorRole.WindowText: theme.text, P.ColorRole.Base: theme.base,
        P.ColorRole.AlternateBase: theme.alternate, P.ColorRole.ToolTipBase: theme.tooltip,
        P.ColorRole.ToolTipText: theme.text, P.ColorRole.PlaceholderText: theme.placeholder,
        P.ColorRole.Text: theme.text, P.ColorRole.Button: theme.button, P.ColorRole.ButtonText: theme.text,
        P.ColorRole.BrightText: theme.highlighted_text, P.ColorRole.Highlight: theme.highlight,
        P.ColorRole.HighlightedText: theme.highlighted_text, P.ColorRole.Link: theme.link,
        P.ColorRole.Light: theme.light, P.ColorRole.Midlight: theme.midlight, P.ColorRole.Mid: theme.mid,
        P.ColorRole.Dark: theme.dark, P.ColorRole.Shadow: "#000000",
    }  # fmt: skip
    for role, colour in colours.items():
        pal.setColor(role, QtGui.QColor(colour))
    disabled = P.ColorGroup.Disabled
    for role in (P.ColorRole.Text, P.ColorRole.WindowText, P.ColorRole.ButtonText):
        pal.setColor(disabled, role, QtGui.QColor(theme.disabled))
    return pal


class Appearance(QtCore.QObject):
    """The theme and the zoom of the whole application: their one owner.

    ``sig_changed(appearance)`` after either changes (the palette, the application
    font and the shared colours are already updated when it is emitted)."""

    sig_changed = QtCore.Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.theme: Theme = LIGHT
        self.zoom: float = 1.0

    def set_theme(self, name: str) -> None:
        theme = THEMES.get(name)
        if theme is None:
            raise ValueError(f"unknown theme {name!r}: the themes are {', '.join(THEMES)}")
        if theme is not self.theme:
            self.theme = theme
            self._apply()

    def set_zoom(self, zoom: float) -> None:
        zoom = min(max(float(zoom), ZOOM_LEVELS[0]), ZOOM_LEVELS[-1])
        if abs(zoom - self.zoom) > 1e-9:
            self.zoom = zoom
            self._apply()

    def zoom_in(self) -> None:
        self.set_zoom(next((z for z in ZOOM_LEVELS if z > self.zoom + 1e-9), ZOOM_LEVELS[-1]))

    def zoom_out(self) -> None:
        self.set_zoom(next((z for z in reversed(ZOOM_LEVELS) if z < self.zoom - 1e-9), ZOOM_LEVELS[0]))

    def reset_zoom(self) -> None:
        self.set_zoom(1.0)

    def _apply(self) -> None:
        _load_colours(self.theme)
        app = QtWidgets.QApplication.instance()
        if app is not None:
            apply_theme(app)
        self.sig_changed.emit(self)


def _load_colours(theme: Theme) -> None:
    C.load(theme)
    GATE_COLOURS.update(theme.gates)
    GATE_TINTS.update(theme.tints)


_APPEARANCE: Appearance | None = None


def appearance() -> Appearance:
    """The application's one :class:`Appearance`."""
    global _APPEARANCE
    if _APPEARANCE is None:
        _APPEARANCE = Appearance()
    return _APPEARANCE


def zoom() -> float:
    return appearance().zoom


def current_theme() -> Theme:
    return appearance().theme


def scaled(size: float) -> float:
    """A font size or line width as the zoom asks for it."""
    return size * appearance().zoom


def line_width(width: float) -> float:
    """A line width as the zoom and the theme (thicker in high contrast) ask for it."""
    a = appearance()
    return width * a.zoom * a.theme.line_scale


def apply_theme(app: QtWidgets.QApplication, point_size: int = BASE_POINT_SIZE) -> None:
    """Fusion, the current theme's palette and a font readable from the back of a room,
    scaled by the zoom."""
    a = appearance()
    style = app.style()
    if not isinstance(style, ThemedFusion):  # set once: setting a style re-polishes every widget
        style = ThemedFusion()
        app.setStyle(style)
    # Fusion's check boxes and slider are black on black in high contrast, and its
    # check boxes dark grey on dark grey in the dark theme
    style.set_theme(a.theme, outlined=a.theme is HIGH_CONTRAST)
    app.setPalette(palette(a.theme))
    font = app.font()
    font.setPointSizeF(point_size * a.zoom)
    app.setFont(font)


def themed_icon(style: QtWidgets.QStyle, which: QtWidgets.QStyle.StandardPixmap) -> QtGui.QIcon:
    """A style's standard icon (▶, ⏸, ⏮ …) in the theme's button text colour: the style draws
    them dark grey, which vanishes on a dark or black theme."""
    icon = style.standardIcon(which)
    theme = appearance().theme
    if not theme.is_dark:
        return icon
    out = QtGui.QIcon()
    for size in (16, 22, 32, 44):
        pm = icon.pixmap(size, size)
        if pm.isNull():
            continue
        painter = QtGui.QPainter(pm)
        painter.setCompositionMode(QtGui.QPainter.CompositionMode.CompositionMode_SourceIn)
        painter.fillRect(pm.rect(), QtGui.QColor(theme.text))
        painter.end()
        out.addPixmap(pm)
    return out


def mono_font(point_size: float | None = None) -> QtGui.QFont:
    font = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
    font.setPointSizeF(scaled(point_size) if point_size else QtWidgets.QApplication.font().pointSizeF())
    return font


__all__ = ["BASE_POINT_SIZE", "C", "CHIP_INK", "GATE_COLOURS", "GATE_TINTS", "THEMES", "ZOOM_LEVELS",
           "Appearance", "Theme", "appearance", "apply_theme", "current_theme", "line_width",
           "mono_font", "palette", "scaled", "zoom"]  # fmt: skip
