"""The diagrams' legend words: two whole lines at most, the rest "…", never cut in half."""

from __future__ import annotations

from rnnviz.gui.diagrams.legend_text import LegendText
from rnnviz.gui.diagrams.view import LEGEND_TEXTS

TEXT = LEGEND_TEXTS[False]


def _label(qtbot, width: int) -> LegendText:
    label = LegendText(TEXT, lines=2)
    qtbot.addWidget(label)
    label.resize(width, label.minimumSizeHint().height())
    label.show()
    qtbot.waitExposed(label)
    return label


def test_a_narrow_legend_shows_two_whole_lines_and_ends_in_an_ellipsis(qtbot):
    label = _label(qtbot, 160)
    lines = label.shown_lines()
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert TEXT.startswith(lines[0])  # the beginning, whole
    fm = label.fontMetrics()
    assert all(fm.horizontalAdvance(line) <= 160 for line in lines)
    assert label.text() == TEXT and TEXT in label.toolTip()  # all of it, on hover


def test_a_wide_legend_shows_all_of_it(qtbot):
    label = _label(qtbot, label_width := 2000)
    assert label.shown_lines() == [TEXT]
    assert label_width >= label.fontMetrics().horizontalAdvance(TEXT)


def test_the_diagrams_bar_gives_the_legend_its_two_lines(main_window):
    main_window.show_view("diagrams")
    text = main_window.diagrams_view.legend_text
    assert text.height() >= 2 * text.fontMetrics().lineSpacing()
    assert " ".join(line.rstrip("…") for line in text.shown_lines()).split()[:3] == TEXT.split()[:3]
