"""The State space tab: the trajectory on the engine's PCA, following the cursor, a panel
per run in compare mode, the flow field for two units, and plain-text hovers."""

from __future__ import annotations

import numpy as np

from rnnviz.session.statespace import flow_field, project


def test_the_trajectory_is_the_pca_of_the_states_and_follows_the_cursor(main_window):
    w = main_window
    w.show_view("statespace")
    view = w.statespace_view
    panel = view.panels[0]
    trace = w.controller.trace
    np.testing.assert_array_equal(panel.xy, project(trace.hidden(0, 0)).xy)
    assert "PC1 explains" in panel.caption.text()
    w.controller.request_cursor(step=3)
    np.testing.assert_array_equal(panel.current.getData()[0], [panel.xy[2, 0]])
    asked = []
    view.sig_cursor_requested.connect(asked.append)
    panel.sig_step_requested.emit(2)
    assert asked == [{"step": 2}]
    assert [lab.toPlainText() for lab in panel.labels] == list(w.controller.session.sequence.tokens)


def test_compare_mode_draws_a_panel_per_run(main_window):
    w = main_window
    w.runs_menu.add_cell("gru")
    w.runs_menu.add_cell("lstm")
    w.show_view("statespace")
    view = w.statespace_view
    shown = [p for p in view.panels if p.isVisibleTo(view)]
    assert [p.title.text() for p in shown] == ["Run 1", "GRU", "LSTM"]
    for p, c in zip(shown, w.controller.computed.runs, strict=True):
        np.testing.assert_array_equal(p.states, c.trace.hidden(0, 0))


def test_two_units_show_the_plane_and_its_flow_field(main_window):
    from dataclasses import replace

    from rnnviz.engine import Network

    w = main_window
    s = w.controller.session
    net = Network.from_spec(replace(s.network.spec, hidden_size=2), seed=1)
    w.controller.set_network(net)
    w.show_view("statespace")
    view = w.statespace_view
    panel = view.panels[0]
    assert "plane of its two units" in panel.caption.text() and view.flow_box.isEnabled()
    w.controller.request_cursor(step=2)
    view.flow_box.setChecked(True)  # synchronous jobs in tests
    want = flow_field(w.controller.trace, 0, 0, 2, 17)
    x, y = panel.flow.getData()
    np.testing.assert_allclose(x[0::2], want.points[:, 0])
    np.testing.assert_allclose(y[0::2], want.points[:, 1])
    direction = np.column_stack([x[1::2] - x[0::2], y[1::2] - y[0::2]])  # along each move
    cos = np.sum(direction * want.moves, axis=1) / (
        np.linalg.norm(direction, axis=1) * np.linalg.norm(want.moves, axis=1) + 1e-300
    )
    assert np.all(cos > 0.999)


def test_hovering_a_point_says_t_token_and_h_in_plain_text(main_window):
    w = main_window
    w.show_view("statespace")
    panel = w.statespace_view.panels[0]
    panel.tokens = ("<b>x</b>",) + panel.tokens[1:]

    class Spot:
        def data(self):
            return 1

    panel._on_hovered(None, [Spot()])
    assert panel.readout.text().startswith("t = 1 · '<b>x</b>' · h_t = (")
    assert panel.readout.textFormat() == panel.readout.textFormat().PlainText


def test_a_long_run_shades_its_dots_from_pale_to_dark_with_few_brushes(qtbot):
    """3038 steps (the character model): the dots still go pale → dark with the steps, but
    share at most TIME_SHADES brushes (pyqtgraph draws each distinct one anew on every
    zoom); the path is one pixel wide.  A short run keeps a shade per step and a wide path."""
    from rnnviz.gui import statespace_view as sv
    from rnnviz.gui.theme import line_width

    panel = sv.RunPanel()
    qtbot.addWidget(panel)
    rng = np.random.default_rng(0)
    for T in (3038, 12):
        panel.show_run("run", rng.normal(size=(T, 5)), (), "layer 1")
        brushes = panel.points.data["brush"]
        assert len(brushes) == T
        distinct = {id(b) for b in brushes}
        assert len(distinct) == min(T, sv.TIME_SHADES)
        luminance = [
            0.2126 * c.redF() + 0.7152 * c.greenF() + 0.0722 * c.blueF() for c in (b.color() for b in brushes)
        ]
        assert luminance[0] > 2 * luminance[-1] and np.all(
            np.diff(luminance) <= 1e-9
        )  # pale early, dark late
        width = panel.path.opts["pen"].widthF()
        assert width == (0.0 if T > sv.THIN_PATH_FROM else line_width(1.5))
