"""``python -m rnnviz.gui.diagrams [--export-png OUT] [--step t]``: the diagrams on their own.

Opens the default example (seed 003) with a small stepper; ``--export-png``
writes a screenshot instead and exits.
"""

from __future__ import annotations

import argparse
import sys

from PySide6 import QtCore, QtWidgets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnnviz.gui.diagrams")
    parser.add_argument("--export-png", metavar="OUT")
    parser.add_argument("--step", type=int, default=1)
    args = parser.parse_args(argv)
    from rnnviz.gui.theme import apply_theme
    from rnnviz.session.defaults import default_session

    from .view import DiagramsView

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    apply_theme(app)
    session = default_session()
    trace = session.network.forward(session.inputs)
    view = DiagramsView()
    view.resize(1400, 900)
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
