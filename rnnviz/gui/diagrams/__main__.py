"""``python -m rnnviz.gui.diagrams [--export-png OUT] [--step t] [--vanishing MODE [--window k]]``:
the diagrams on their own.

Opens the default example (seed 003) with a small stepper; ``--export-png``
writes a screenshot instead and exits.  ``--vanishing rnn_tanh|lstm|gru`` opens
the vanishing-gradient demonstration (:mod:`.demo`) in Backward instead,
``--window k`` marking truncated-BPTT cuts every k steps.
"""

from __future__ import annotations

import argparse
import sys

from PySide6 import QtCore, QtWidgets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnnviz.gui.diagrams")
    parser.add_argument("--export-png", metavar="OUT")
    parser.add_argument("--step", type=int, default=1)
    parser.add_argument("--vanishing", choices=("rnn_tanh", "lstm", "gru"))
    parser.add_argument("--window", type=int, default=0, help="truncated-BPTT window (with --vanishing)")
    args = parser.parse_args(argv)
    if args.window < 0:
        parser.error(f"--window must be 0 or more; got {args.window}")
    from rnnviz.gui.theme import apply_theme
    from rnnviz.session.defaults import default_session

    from .view import DiagramsView

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    apply_theme(app)
    view = DiagramsView()
    view.resize(1400, 900)
    if args.vanishing:
        from .demo import vanishing_case

        session, trace, grads = vanishing_case(args.vanishing)
        view.set_trace(trace, session)
        view.set_gradients(grads, args.window)
        view.set_backward(True)
    else:
        session = default_session()
        trace = session.network.forward(session.inputs)
        view.set_trace(trace, session)
    step = min(max(args.step, 0), trace.steps)
    view.set_step(step)
    if args.export_png:
        view.set_animation_enabled(False)
        view.show()
        app.processEvents()
        return 0 if view.grab().save(args.export_png) else 1
    state = {"t": step}

    def _on_timer_timeout() -> None:
        state["t"] = state["t"] % trace.steps + 1
        view.set_step(state["t"])

    view.sig_step_requested.connect(lambda t: (state.update(t=t), view.set_step(t)))
    view.set_step_duration(1000)
    timer = QtCore.QTimer(view, interval=1000, timeout=_on_timer_timeout)
    timer.start()
    view.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
