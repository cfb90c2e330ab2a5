"""Themes and zoom (issue 15 §1–2): one Appearance owns them; every view follows.

Each test changes the application's appearance; tests/gui/conftest.py puts it back to
light at 100 % afterwards.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from rnnviz.gui.theme import THEMES, ZOOM_LEVELS, C, appearance
from rnnviz.session import export_plan


def _lightness(colour) -> float:
    return QtGui.QColor(colour).lightnessF()


def _paper(view: QtWidgets.QGraphicsView) -> QtGui.QColor:
    return view.backgroundBrush().color()


def test_the_themes_the_exports_accept_are_the_themes_there_are():
    assert tuple(THEMES) == export_plan.THEMES


def test_a_theme_sets_fusion_and_its_palette_and_the_shared_colours(qtbot, main_window):
    app = QtWidgets.QApplication.instance()
    ink_alias = C.ink  # modules alias the shared colours (INK = C.ink): they must change in place
    appearance().set_theme("dark")
    style = app.style()
    assert (
        style.baseStyle() if isinstance(style, QtWidgets.QProxyStyle) else style
    ).name().lower() == "fusion"
    assert _lightness(app.palette().color(QtGui.QPalette.ColorRole.Window)) < 0.2
    assert _lightness(app.palette().color(QtGui.QPalette.ColorRole.WindowText)) > 0.8
    assert _lightness(ink_alias) > 0.8 and ink_alias is C.ink
    appearance().set_theme("high-contrast")
    assert app.palette().color(QtGui.QPalette.ColorRole.Window) == QtGui.QColor("#000000")
    assert main_window.theme_actions["high-contrast"].isChecked()
    with pytest.raises(ValueError, match="unknown theme"):
        appearance().set_theme("purple")


def _indicator_pixels(box: QtWidgets.QCheckBox) -> np.ndarray:
    option = QtWidgets.QStyleOptionButton()
    box.initStyleOption(option)
    rect = box.style().subElementRect(QtWidgets.QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    image = box.grab(rect).toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    a = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    bgr = a[:, : 4 * image.width()].reshape(image.height(), image.width(), 4)[
        ..., :3
    ]  # RGB32 is B, G, R, A in memory
    return bgr[..., ::-1].astype(int)  # R, G, B


@pytest.mark.parametrize("checked", [False, True])
def test_check_boxes_stand_out_in_high_contrast(qtbot, checked):
    """Fusion outlines a box in the window colour made darker: black on black.  In high
    contrast the box has a bright outline (and is yellow when checked); in light it is Fusion's."""
    box = QtWidgets.QCheckBox("Loop")
    box.setChecked(checked)
    qtbot.addWidget(box)
    box.show()
    appearance().set_theme("high-contrast")
    qtbot.wait(1)
    pixels = _indicator_pixels(box)
    bright = (pixels.min(axis=2) > 200).sum()  # white outline (or yellow's red and green: >200 too)
    assert bright >= 2 * pixels.shape[0], "no visible outline"
    yellow = ((pixels[..., 0] > 200) & (pixels[..., 1] > 180) & (pixels[..., 2] < 80)).sum()
    assert (yellow > pixels.size // 3 // 6) == checked
    appearance().set_theme("light")
    qtbot.wait(1)
    assert not (
        (_indicator_pixels(box)[..., 2] < 80) & (_indicator_pixels(box)[..., 0] > 200)
    ).any()  # Fusion again


def test_the_diagrams_are_repainted_in_the_theme(qtbot, main_window):
    d = main_window.diagrams_view
    assert _lightness(_paper(d.unrolled)) > 0.9
    appearance().set_theme("dark")
    for view in (d.unrolled, d.rolled, d.cell):
        assert _lightness(_paper(view)) < 0.2, view
    # the scenes were rebuilt: their text reads light on the dark paper
    texts = [it for it in d.cell.diagram_scene.items() if isinstance(it, QtWidgets.QGraphicsTextItem)]
    assert texts and all(_lightness(t.defaultTextColor()) > 0.6 for t in texts if t.isVisible())
    # the numbers inside the value-scale chips stay dark: the scale is pale in every theme
    from rnnviz.gui.diagrams.style import CHIP_INK

    assert _lightness(CHIP_INK) < 0.2


def test_the_step_math_is_repainted_in_the_theme(qtbot, main_window):
    main_window.show_view("math")
    canvas = main_window.math_panel.canvas
    appearance().set_theme("dark")
    assert _lightness(canvas.palette().color(QtGui.QPalette.ColorRole.Window)) < 0.2
    image = canvas.grab().toImage()
    corner = image.pixelColor(3, image.height() - 3)
    assert _lightness(corner) < 0.2


def test_a_view_behind_a_tab_is_restyled_when_shown(qtbot, main_window):
    main_window.show_view("diagrams")
    canvas = main_window.math_panel.canvas
    before = canvas.palette().color(QtGui.QPalette.ColorRole.Window)
    appearance().set_theme("dark")
    assert canvas.palette().color(QtGui.QPalette.ColorRole.Window) == before  # not yet: behind a tab
    main_window.show_view("math")
    assert _lightness(canvas.palette().color(QtGui.QPalette.ColorRole.Window)) < 0.2


def _cell_font_size(panel) -> float:
    return max(cell.font.pointSizeF() for cell in panel.canvas.cells())


def test_zoom_steps_through_the_levels_and_stops_at_the_ends(qtbot, main_window):
    look = appearance()
    main_window.action_zoom_in.trigger()
    assert look.zoom == ZOOM_LEVELS[ZOOM_LEVELS.index(1.0) + 1]
    main_window.action_zoom_reset.trigger()
    assert look.zoom == 1.0
    for _ in range(20):
        main_window.action_zoom_out.trigger()
    assert look.zoom == ZOOM_LEVELS[0] and not main_window.action_zoom_out.isEnabled()


def test_zoom_grows_the_text_of_every_view(qtbot, main_window):
    app = QtWidgets.QApplication.instance()
    w = main_window
    w.show_view("math")
    qtbot.wait(10)
    base = {
        "app": app.font().pointSizeF(),
        "math": _cell_font_size(w.math_panel),
        "timeline": w.timeline.step_label.font().pointSizeF(),
        "table": w.sequence_dock.findChild(QtWidgets.QTableView)
        .model()
        .data(
            w.sequence_dock.findChild(QtWidgets.QTableView).model().index(0, 0),
            QtCore.Qt.ItemDataRole.FontRole,
        )
        .pointSizeF(),
    }
    w.show_view("diagrams")
    qtbot.wait(10)
    chain = w.diagrams_view.unrolled.transform().m11()
    appearance().set_zoom(1.5)
    qtbot.wait(10)
    table = w.sequence_dock.findChild(QtWidgets.QTableView)
    assert app.font().pointSizeF() == pytest.approx(1.5 * base["app"])
    assert w.timeline.step_label.font().pointSizeF() == pytest.approx(1.5 * base["timeline"], rel=0.1)
    assert table.model().data(table.model().index(0, 0), QtCore.Qt.ItemDataRole.FontRole).pointSizeF() == (
        pytest.approx(1.5 * base["table"], rel=0.1)
    )
    assert w.diagrams_view.unrolled.transform().m11() > 1.2 * chain  # the chain's text and chips
    w.show_view("math")
    qtbot.wait(10)
    assert _cell_font_size(w.math_panel) == pytest.approx(1.5 * base["math"], rel=0.05)


def test_the_theme_and_zoom_are_remembered(qtbot, tmp_path):
    from rnnviz.gui.appearance_menu import load_preferences, remember_preferences

    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    remember_preferences(settings)
    appearance().set_theme("dark")
    appearance().set_zoom(1.75)
    appearance().set_theme("light")
    appearance().set_zoom(1.0)
    settings.setValue("appearance/theme", "dark")  # as the last run left it
    settings.setValue("appearance/zoom", 1.75)
    load_preferences(settings)
    assert (appearance().theme.name, appearance().zoom) == ("dark", 1.75)
    broken = QtCore.QSettings(str(tmp_path / "b.ini"), QtCore.QSettings.Format.IniFormat)
    broken.setValue("appearance/theme", "<img src=x>")
    broken.setValue("appearance/zoom", "huge")
    load_preferences(broken)  # ignored, no exception
    assert (appearance().theme.name, appearance().zoom) == ("dark", 1.75)


def test_a_theme_change_is_stored_by_remember(qtbot, tmp_path):
    from rnnviz.gui.appearance_menu import remember_preferences

    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    remember_preferences(settings)
    appearance().set_theme("high-contrast")
    appearance().set_zoom(2.0)
    assert settings.value("appearance/theme") == "high-contrast"
    assert float(settings.value("appearance/zoom")) == 2.0


@pytest.mark.parametrize("theme", ["dark", "high-contrast"])
def test_export_png_with_a_theme_paints_the_window_in_it(tmp_path, theme):
    out = tmp_path / "w.png"
    run = subprocess.run([sys.executable, "-m", "rnnviz", "--export-png", str(out), "--theme", theme],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr
    image = QtGui.QImage(str(out))
    # the diagrams' paper, right of the centre of the chain's pane, and the whole window on average
    assert _lightness(image.pixelColor(image.width() - 30, image.height() // 2)) < 0.25
    small = image.scaled(14, 9, mode=QtCore.Qt.TransformationMode.SmoothTransformation)
    mean = sum(_lightness(small.pixelColor(x, y)) for x in range(14) for y in range(9)) / (14 * 9)
    assert mean < 0.4


def test_every_runs_chains_behind_their_tab_take_the_theme_when_shown(qtbot):
    from pathlib import Path

    from rnnviz.gui.main_window import MainWindow
    from rnnviz.session.files import load_session

    example = Path(__file__).parents[2] / "resources" / "examples" / "11_compare_vanishing_gradients.rnnviz"
    window = MainWindow(load_session(str(example)), threading="sync")
    qtbot.addWidget(window)
    window.show()
    d = window.diagrams_view
    assert d.tabs.indexOf(d.runs) >= 0 and d.tabs.currentWidget() is not d.runs
    appearance().set_theme("dark")
    d.tabs.setCurrentWidget(d.runs)
    chains = [c for c in d.runs.diagrams if c.isVisibleTo(d.runs)]
    assert len(chains) >= 2
    assert all(_lightness(_paper(c)) < 0.2 for c in chains)
    window.close()


def test_the_timeline_slider_stands_out_in_high_contrast(qtbot):
    """Fusion draws a slider's groove and handle dark: nothing to see on black.  In high
    contrast the part played and the handle are yellow, the groove outlined."""
    slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
    slider.setRange(1, 100)
    slider.setValue(50)
    slider.resize(300, 30)
    qtbot.addWidget(slider)
    slider.show()

    def pixels() -> tuple[np.ndarray, np.ndarray]:
        """Where the slider is yellow, and where it is white."""
        image = slider.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
        a = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
        px = a[:, : 4 * image.width()].reshape(image.height(), image.width(), 4)[..., 2::-1].astype(int)
        return (px[..., 0] > 200) & (px[..., 1] > 180) & (px[..., 2] < 80), px.min(axis=2) > 200

    appearance().set_theme("high-contrast")
    qtbot.wait(1)
    option = QtWidgets.QStyleOptionSlider()
    slider.initStyleOption(option)
    style = slider.style()
    handle = style.subControlRect(QtWidgets.QStyle.ComplexControl.CC_Slider, option,
                                  QtWidgets.QStyle.SubControl.SC_SliderHandle, slider)  # fmt: skip
    yellow, white = pixels()
    assert yellow[:, 10 : handle.left()].any(axis=0).all()  # played up to the handle
    assert (
        not yellow[:, handle.right() + 3 : 290].any() and white[:, handle.right() + 3 : 290].any(axis=0).all()
    )
    middle = handle.center().x()  # the handle: yellow from top to bottom, outlined white
    assert yellow[:, middle].sum() >= handle.height() - 6 and white[:, middle].any()
    appearance().set_theme("light")
    qtbot.wait(1)
    assert not pixels()[0].any()


def test_quiet_hints_in_the_docks_follow_the_theme(main_window, qtbot):
    """The docks' grey hints read on every theme (they were a fixed dark grey: dim on dark)."""
    hint = next(
        label for label in main_window.weights_dock.findChildren(QtWidgets.QLabel)
        if label.text().startswith("Double-click")
    )  # fmt: skip

    def ink() -> float:
        return _lightness(hint.palette().color(hint.foregroundRole()))

    appearance().set_theme("light")
    qtbot.wait(1)  # (a palette reaches the widgets as an event)
    assert ink() < 0.5
    appearance().set_theme("dark")
    qtbot.wait(1)
    assert ink() > 0.5
    appearance().set_theme("light")


def test_check_boxes_are_edged_in_the_dark_theme(qtbot):
    """Fusion draws a dark box on the dark window with no edge to be seen by: it is edged
    in the theme's quiet grey (bright pixels around the box)."""
    box = QtWidgets.QCheckBox("Loop")
    qtbot.addWidget(box)
    box.show()
    appearance().set_theme("dark")
    qtbot.wait(1)
    pixels = _indicator_pixels(box)
    ring = np.ones(pixels.shape[:2], bool)
    ring[2:-2, 2:-2] = False  # the outer two pixels all round
    assert (pixels[ring].min(axis=1) > 100).sum() >= 2 * pixels.shape[0], "no visible edge"
    appearance().set_theme("light")
