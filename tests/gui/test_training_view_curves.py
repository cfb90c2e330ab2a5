"""The Training tab's live curves: the epoch means as ticks stream in several batches,
redraws at most every REDRAW_MS, and a hidden tab drawn when shown."""

from types import SimpleNamespace

import numpy as np
from PySide6 import QtWidgets

from rnnviz.session.compute import compute
from rnnviz.session.defaults import default_session
from rnnviz.session.training import TrainingSettings, TrainingTick


def _ticks(losses, epochs, first=1):
    net = default_session().network
    return [TrainingTick(first + k, int(e), 99, 99, float(v), 1.0, net)
            for k, (v, e) in enumerate(zip(losses, epochs, strict=True))]  # fmt: skip


def _drawn(item):
    """What was handed to the plot item (getData is clipped to the view)."""
    return (item.xData, item.yData) if item.xData is not None else (np.zeros(0), np.zeros(0))


def _view(qtbot, shown=True):
    from rnnviz.gui.training_view import TrainingView

    view = TrainingView()
    qtbot.addWidget(view)
    view.set_computed(compute(default_session()))
    if shown:
        view.show()
        qtbot.waitExposed(view)
    view._on_trainer_started(
        SimpleNamespace(updates=0, loss="cross_entropy", settings=TrainingSettings())
    )  # a run streams
    return view


def test_epoch_means_grow_batch_by_batch_as_the_whole_run_gives(qtbot):
    rng = np.random.default_rng(0)
    epochs = np.repeat(np.arange(1, 13), [3, 1, 4, 2, 5, 1, 1, 3, 2, 4, 1, 3])  # [30] uneven epochs
    losses = rng.random(len(epochs))  # [30]
    view = _view(qtbot)
    for lo, hi in ((0, 2), (2, 3), (3, 11), (11, 12), (12, 25), (25, 30)):  # cuts inside epochs
        view.add_ticks(_ticks(losses[lo:hi], epochs[lo:hi], first=lo + 1))
        qtbot.waitUntil(lambda hi=hi: len(_drawn(view.loss_curve)[0]) == hi, timeout=2000)
        done = [e for e in np.unique(epochs[:hi]) if e < epochs[hi - 1]]  # the epoch under way is left out
        want_x = [np.flatnonzero(epochs == e)[-1] + 1 for e in done]
        want_y = [losses[:hi][epochs[:hi] == e].mean() for e in done]
        x, y = _drawn(view.epoch_curve)
        np.testing.assert_array_equal(x, want_x)
        np.testing.assert_allclose(y, want_y, rtol=1e-12)
    view._live = False  # the run is over: its last epoch counts too
    view._epoch_mean_from_history()
    assert view._epoch_mean.n == 12
    np.testing.assert_allclose(view._epoch_mean.data()[1][-1], losses[-3:].mean(), rtol=1e-12)
    view._live = True  # trained on: that epoch may go on, its point goes until it is over
    view._epoch_mean_from_history()
    assert view._epoch_mean.n == 11


def test_a_hidden_tab_draws_its_ticks_when_shown(qtbot):
    view = _view(qtbot, shown=False)
    view.add_ticks(_ticks([0.5, 0.4, 0.3], [1, 2, 3]))
    assert len(_drawn(view.loss_curve)[0]) == 0  # nothing drawn behind the tab
    view.show()
    qtbot.waitExposed(view)
    np.testing.assert_array_equal(_drawn(view.loss_curve)[1], [0.5, 0.4, 0.3])


def test_ticks_in_quick_succession_are_drawn_once_the_redraw_comes(qtbot):
    from rnnviz.gui.training_view import REDRAW_MS

    view = _view(qtbot)
    qtbot.wait(REDRAW_MS + 20)  # since set_computed drew
    view.add_ticks(_ticks([0.9], [1]))  # drawn at once
    view.add_ticks(_ticks([0.8], [2], first=2))  # within REDRAW_MS: drawn a little later
    assert len(_drawn(view.loss_curve)[0]) == 1
    qtbot.waitUntil(lambda: len(_drawn(view.loss_curve)[0]) == 2, timeout=10 * REDRAW_MS)
    np.testing.assert_array_equal(_drawn(view.loss_curve)[1], [0.9, 0.8])


def test_a_growing_curve_moves_its_axes_in_steps_and_always_shows_every_point(qtbot):
    """Auto-range on a live curve would give the axes a new range at every redraw (and
    pyqtgraph repaints them); the stable frame moves them only when the data outgrow it."""
    from rnnviz.gui.curve_frame import nice_above

    view = _view(qtbot)
    view.log_box.setChecked(True)
    losses = 2.0 * np.exp(-np.arange(1, 401) / 60.0)  # [400] falling by orders of magnitude
    ranges = []
    for lo in range(0, 400, 10):
        view.add_ticks(_ticks(losses[lo : lo + 10], np.arange(lo + 1, lo + 11), first=lo + 1))
        view._redraw()
        view.plots.viewport().repaint()  # pyqtgraph fits its ranges before it paints
        QtWidgets.QApplication.processEvents()
        (x0, x1), (y0, y1) = view.loss_plot.vb.viewRange()
        ranges.append((round(x0), round(x1), round(y0, 1), round(y1, 1)))  # (linked plots differ by < 1 %)
        assert x0 <= 1 and x1 >= lo + 10  # every update is in view
        assert y0 <= np.log10(losses[: lo + 10].min()) and y1 >= np.log10(losses[: lo + 10].max())
    assert len(set(ranges)) <= 16 < len(ranges) == 40  # 40 redraws: its steps in x and decades in y
    assert [nice_above(v) for v in (1, 1.2, 14, 200, 201, 740, 760)] == [1, 1.5, 15, 200, 300, 750, 1000]


def test_compare_mode_draws_every_runs_loss_and_norm_named_in_the_legend(qtbot):
    from dataclasses import replace

    from rnnviz.session.compare import compare_sessions

    s = default_session()
    two = compare_sessions([("first", s), ("<i>second</i>", replace(s, title="b"))])
    view = _view(qtbot)
    view._live = False
    view.set_computed(compute(two))
    assert len(view.run_curves.items) == 1
    labels = [label.text for _, label in view.loss_plot.legend.items]
    assert "&lt;i&gt;second&lt;/i&gt;" in labels and "first: each update" in labels
    view._live = True
    net = s.network
    ticks = []
    for u in range(1, 6):  # rounds: the first run, then the second
        ticks += [TrainingTick(u, u, 9, 9, 1.0 / u, 0.5, net, run=0, round_end=False),
                  TrainingTick(u, u, 9, 9, 2.0 / u, 0.25 * u, net, run=1, round_end=True)]  # fmt: skip
    view.add_ticks(ticks)
    view._redraw()
    np.testing.assert_array_equal(_drawn(view.loss_curve)[1], [1.0 / u for u in range(1, 6)])
    np.testing.assert_array_equal(_drawn(view.run_curves.items[0])[1], [2.0 / u for u in range(1, 6)])
    np.testing.assert_array_equal(_drawn(view.run_curves.norm_items[0])[1], [0.25 * u for u in range(1, 6)])
    assert view._total_updates == 9 and "5 / 9" in view.progress.format()
