"""The pyqtgraph views (Plots, Training, Generate, State space) are built when first shown or read:
a picture of the diagrams never imports pyqtgraph, and a view built late shows the
same numbers as one built at once."""

from __future__ import annotations

import subprocess
import sys

import numpy as np


def test_a_view_built_late_shows_the_edits_made_before(main_window):
    w = main_window
    assert "plots" not in w.lazy_views.built  # not built for a window that shows the diagrams
    titles = [w.central_tabs.tabText(i) for i in range(w.central_tabs.count())]
    assert titles == ["Diagrams", "Step math", "Plots", "Training", "Generate", "State space"]
    edited = np.array(w.controller.session.network.param("weight_hh_l0"))
    edited[0, 0] += 0.5
    w.controller.set_param("weight_hh_l0", edited)
    w.playback.set_step(3)
    w.central_tabs.setCurrentIndex(2)  # the user clicks the Plots tab
    view = w.plots_view
    assert w.central_tabs.currentWidget() is view and w.central_tabs.indexOf(view) == 2
    assert view.trace is w.controller.trace  # the edited numbers, not the first ones
    np.testing.assert_allclose(view.hidden_panel._values[1:], w.controller.trace.hidden(0, 0))
    assert view._step == 3
    w.playback.set_step(2)  # bound: it follows the clock from now on
    assert view._step == 2


def test_reading_a_view_builds_it_behind_its_tab(main_window):
    w = main_window
    view = w.training_view  # read, not shown: built and bound, the diagrams stay in front
    assert w.central_tabs.currentWidget() is w.diagrams_view
    assert w.central_tabs.indexOf(view) == 3 and w.central_tabs.tabText(3) == "Training"
    assert w.training_view is view  # once
    w.show_view("generate")
    assert w.central_tabs.currentWidget() is w.generate_view
    w.lazy_views.build_all()
    assert set(w.lazy_views.built) == {"plots", "training", "generate", "statespace"}
    assert w.central_tabs.count() == 6


def test_a_diagram_picture_does_not_import_pyqtgraph(tmp_path):
    out = tmp_path / "d.png"
    code = (
        "import sys, runpy; sys.argv = ['rnnviz', '--export-png', sys.argv[1]];"
        "from rnnviz.__main__ import main; rc = main();"
        "print('pyqtgraph' in sys.modules); sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True,
                          env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"
    assert out.stat().st_size > 10_000
