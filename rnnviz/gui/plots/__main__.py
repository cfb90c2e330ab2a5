"""Show the plots on their own: ``python -m rnnviz.gui.plots [EXAMPLE] [--png FILE]``.

``RNNVIZ_PLOTS_EXAMPLE=lstm`` picks the example too.  With ``--png`` the area is
rendered offscreen at 900×650 (or ``--size WxH``), saved, and the program exits.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    from .examples import EXAMPLES

    parser = argparse.ArgumentParser(prog="python -m rnnviz.gui.plots")
    parser.add_argument(
        "example",
        nargs="?",
        default=os.environ.get("RNNVIZ_PLOTS_EXAMPLE", "default"),
        choices=EXAMPLES,
        help="default: seed 003's RNN · lstm: 2-layer bidirectional LSTM, H = 8 · "
        "gru: GRU, H = 64, on a sine · big: LSTM, H = 128, T = 1000 · vanishing: tanh RNN, T = 60, "
        "one target at the end · remembering: the same with an LSTM, b_f = 3 (or set RNNVIZ_PLOTS_EXAMPLE)",
    )
    parser.add_argument("--png", help="save a PNG offscreen and exit")
    parser.add_argument("--size", default="900x650", help="window size for --png, WxH")
    parser.add_argument("--step", type=int, default=None, help="the step to show (0 = initial state)")
    args = parser.parse_args(argv)
    if args.png:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6 import QtWidgets

    from .area import PlotsArea
    from .examples import example, gradients, per_step_loss

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    session = example(args.example)
    trace = session.network.forward(session.inputs)
    area = PlotsArea()
    w, h = (int(v) for v in args.size.lower().split("x"))
    area.resize(w, h)
    area.set_loss(per_step_loss(session, trace))
    area.set_trace(trace, session)
    area.set_gradients(gradients(session))
    area.set_step(session.view.step if args.step is None else args.step)
    area.sig_step_requested.connect(area.set_step)
    area.setWindowTitle(f"rnnviz plots — {session.title or args.example}")
    if args.png:
        area.show()
        app.processEvents()
        ok = area.grab().save(args.png)
        return 0 if ok else 1
    area.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
