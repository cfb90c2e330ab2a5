"""File > Export trace as CSV and ``rnnviz --export-trace`` write the same text, with the
same loss policy as the window's loss plot."""

from __future__ import annotations

import numpy as np

from rnnviz.gui.transfer_actions import write_trace_csv
from rnnviz.session import exporters, load_session
from rnnviz.session.examples import examples_dir
from rnnviz.session.headless import export_trace


def test_the_menu_and_the_command_line_write_the_same_csv(tmp_path):
    path = examples_dir() / "04_lstm_remembers_impulse.rnnviz"  # an LSTM with targets: ∂L/∂c_t too
    session = load_session(path)
    assert write_trace_csv(session, str(tmp_path / "menu.csv")) is None
    assert export_trace(str(tmp_path / "cli.csv"), str(path)) == 0
    menu = (tmp_path / "menu.csv").read_bytes()
    assert menu == (tmp_path / "cli.csv").read_bytes()
    assert b"dLdc_l0_fwd_u1" in menu.splitlines()[0]


def test_the_export_computes_what_the_window_shows():
    from rnnviz.session.compute import compute

    session = load_session(examples_dir() / "04_lstm_remembers_impulse.rnnviz")
    trace, loss, grads = exporters.session_gradients(session)
    c = compute(session)
    assert loss.loss == c.loss.loss
    np.testing.assert_array_equal(grads.dh(0, 0), c.grads.dh(0, 0))
