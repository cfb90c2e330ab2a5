"""The pyqtgraph views follow the theme and the zoom: live, and when built after a change.

For each of Plots, Training, Generate and State space: the dark theme turns the plot
background to the dark theme's and the axis text light; zoom 2 doubles the tick font
and widens a curve; a view first built while the dark theme is on comes up dark; and
back to light at zoom 1 gives the very first look again (no drift).
"""

from __future__ import annotations

import pytest
from PySide6 import QtGui

from rnnviz.gui.theme import DARK, LIGHT, appearance

VIEWS = ("plots", "training", "generate", "statespace")


@pytest.fixture(autouse=True)
def _light_at_zoom_1():
    """The appearance is one per process: every test leaves it as it found it."""
    yield
    appearance().set_theme("light")
    appearance().set_zoom(1.0)


def _parts(window, name: str):
    """(the graphics view, an axis, a curve-like item whose pen we watch) of a view."""
    if name == "plots":
        panel = window.plots_view.hidden_panel
        return panel.plot, panel.plot.plot_item.getAxis("left"), panel.curves[0]
    if name == "training":
        v = window.training_view
        return v.plots, v.loss_plot.getAxis("left"), v.loss_curve
    if name == "generate":
        v = window.generate_view
        return v.plot, v.plot.getPlotItem().getAxis("left"), v.model_bars
    v = window.statespace_view
    panel = v.panels[0]
    return panel.plot, panel.plot.getPlotItem().getAxis("left"), panel.path


def _pen_width(item) -> float:
    return QtGui.QPen(item.opts["pen"]).widthF()


def _background(view) -> str:
    return view.backgroundBrush().color().name().lower()


def _show(window, qtbot, name: str):
    window.show_view(name)
    qtbot.wait(1)
    return _parts(window, name)


@pytest.mark.parametrize("name", VIEWS)
def test_the_dark_theme_reaches_the_plots(main_window, qtbot, name):
    view, axis, _ = _show(main_window, qtbot, name)
    assert _background(view) == LIGHT.plot_background.lower()
    assert axis.textPen().color().lightnessF() < 0.3
    appearance().set_theme("dark")
    view, axis, _ = _parts(main_window, name)
    assert _background(view) == DARK.plot_background.lower()
    assert axis.textPen().color().lightnessF() > 0.7
    assert axis.pen().color().lightnessF() > 0.7


@pytest.mark.parametrize("name", VIEWS)
def test_zoom_grows_tick_labels_and_lines(main_window, qtbot, name):
    _, axis, curve = _show(main_window, qtbot, name)
    tick_pt, width = axis.style["tickFont"].pointSizeF(), _pen_width(curve)
    axis_width = axis.width()
    appearance().set_zoom(2.0)
    _, axis, curve = _parts(main_window, name)
    assert axis.style["tickFont"].pointSizeF() >= 1.8 * tick_pt
    assert _pen_width(curve) >= 1.8 * width
    qtbot.wait(1)
    assert axis.width() > axis_width  # room for the larger labels


@pytest.mark.parametrize("name", VIEWS)
def test_a_view_built_while_dark_and_zoomed_comes_up_so(main_window, qtbot, name):
    appearance().set_zoom(2.0)
    appearance().set_theme("dark")
    main_window.show_view(name)  # the pyqtgraph views are built when first shown
    qtbot.wait(1)
    view, axis, curve = _parts(main_window, name)
    assert _background(view) == DARK.plot_background.lower()
    assert axis.textPen().color().lightnessF() > 0.7
    assert axis.style["tickFont"].pointSizeF() >= 1.8 * 9


@pytest.mark.parametrize("name", VIEWS)
def test_back_to_light_at_zoom_1_is_the_first_look(main_window, qtbot, name):
    view, axis, curve = _show(main_window, qtbot, name)
    first = (
        _background(view),
        axis.textPen().color().name(),
        axis.style["tickFont"].pointSizeF(),
        _pen_width(curve),
    )
    for theme, zoom in (("dark", 1.5), ("high-contrast", 2.5), ("dark", 0.8), ("light", 1.0)):
        appearance().set_theme(theme)
        appearance().set_zoom(zoom)
    view, axis, curve = _parts(main_window, name)
    now = (
        _background(view),
        axis.textPen().color().name(),
        axis.style["tickFont"].pointSizeF(),
        _pen_width(curve),
    )
    assert now == pytest.approx(first)


def test_high_contrast_thickens_the_curves(main_window, qtbot):
    _, _, curve = _show(main_window, qtbot, "plots")
    width = _pen_width(curve)
    appearance().set_theme("high-contrast")
    assert _pen_width(curve) > 1.4 * width


def test_a_panel_behind_the_tab_is_restyled_when_shown(main_window, qtbot):
    _show(main_window, qtbot, "plots")
    main_window.show_view("diagrams")
    appearance().set_theme("dark")
    view, axis, _ = _show(main_window, qtbot, "plots")
    assert _background(view) == DARK.plot_background.lower()
    assert axis.textPen().color().lightnessF() > 0.7


def test_gate_panels_shown_after_a_change_catch_up(main_window, qtbot):
    """A vanilla RNN hides the gate panels; an LSTM shown after a change brings them up
    in the theme and zoom of the moment (gate titles in the theme's gate colours)."""
    from rnnviz.gui.plots.examples import example

    main_window.show_view("plots")
    area = main_window.plots_view
    panel = area.gate_panels["f"]
    tick_pt = panel.plot.plot_item.getAxis("left").style["tickFont"].pointSizeF()
    appearance().set_theme("dark")
    appearance().set_zoom(2.0)
    assert not panel.isVisible()
    main_window.controller.set_session(example("lstm"))
    qtbot.wait(1)
    assert panel.isVisible()
    assert DARK.gates["f"].lower() in panel.title.text().lower()
    assert _background(panel.plot) == DARK.plot_background.lower()
    assert panel.plot.plot_item.getAxis("left").style["tickFont"].pointSizeF() >= 1.8 * tick_pt


def test_lines_built_while_zoomed_are_not_scaled_twice(main_window, qtbot):
    """Panels rebuilt for a new network while zoomed in already have the zoom's widths:
    back at 100 % every line and tick font is as wide as in a window that never zoomed."""
    from rnnviz.gui.plots.examples import example

    main_window.show_view("plots")
    area = main_window.plots_view
    main_window.controller.set_session(example("lstm"))
    qtbot.wait(1)

    def looks():
        panels = area.active_unit_panels()
        return [
            x
            for p in panels
            for x in (
                p.plot.plot_item.getAxis("left").style["tickFont"].pointSizeF(),
                *map(_pen_width, p.curves),
            )
        ]

    first = looks()
    appearance().set_zoom(2.0)
    main_window.controller.set_session(example("gru"))  # other panels, other lines
    qtbot.wait(1)
    main_window.controller.set_session(example("lstm"))
    qtbot.wait(1)
    appearance().set_zoom(1.0)
    qtbot.wait(1)
    assert looks() == pytest.approx(first)
