"""Help > Quick tour (what each view shows, the keys, where to start; large type), Help >
About with the version, and ``rnnviz --version`` (issue 18 §5)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from PySide6 import QtWidgets

import rnnviz
from rnnviz.gui.help import TOUR, QuickTourDialog, about_html, page_html

ROOT = Path(__file__).resolve().parents[2]


def _action(menu: QtWidgets.QMenu, text: str):
    return next(a for a in menu.actions() if a.text().replace("&", "") == text)


def test_the_quick_tour_names_every_view_the_keys_and_where_to_start(main_window, qtbot):
    w = main_window
    _action(w.help_menu, "Quick tour").trigger()
    dialog = w.findChild(QuickTourDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.addWidget(dialog)
    assert dialog.text.font().pointSize() >= 16  # a projector, from the back of the room
    pages = []
    for k in range(len(TOUR)):
        if k:
            dialog.next_button.click()
        assert dialog.page == k
        pages.append(dialog.text.toPlainText())
    assert not dialog.next_button.isEnabled()
    tour = "\n".join(pages)
    tabs = [w.central_tabs.tabText(i) for i in range(w.central_tabs.count())]
    assert tabs and all(f"{t}:" in tour for t in tabs), tabs  # every central view is explained
    for key in ("Space", "← / →", "Home / End", "Esc"):
        assert key in tour
    assert pages[0].startswith("Where to start") and "File > Examples" in pages[0]
    dialog.back_button.click()
    assert dialog.page == len(TOUR) - 2
    dialog.close()


def test_tour_text_is_escaped():
    assert page_html("a <b>", ("x: <img src='/dev/zero'>",)) == (
        "<h2>a &lt;b&gt;</h2><p><b>x</b>: &lt;img src=&#x27;/dev/zero&#x27;&gt;</p>"
    )


def test_about_shows_the_version(main_window, monkeypatch):
    shown = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "about", lambda parent, title, text: shown.append(text))
    _action(main_window.help_menu, "About rnnviz").trigger()
    assert shown == [about_html()] and f"rnnviz {rnnviz.__version__}" in shown[0]


def test_version_has_one_source_and_the_command_prints_it():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "rnnviz.__version__"}
    out = subprocess.run(
        [sys.executable, "-m", "rnnviz", "--version"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0 and out.stdout.strip() == f"rnnviz {rnnviz.__version__}"
    assert "PySide6" not in out.stderr
