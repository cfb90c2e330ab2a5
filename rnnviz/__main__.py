"""``rnnviz`` / ``python -m rnnviz``: open the main window, export headlessly, or
``rnnviz train FILE -o OUT`` (training without a window; no Qt is imported)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["train"]:  # only a first argument "train" is the subcommand
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")  # small matrices: one BLAS thread is fastest (see gui.app)
        from rnnviz.session.cli import main as train_main

        return train_main(argv[1:])
    from rnnviz.gui.app import run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
