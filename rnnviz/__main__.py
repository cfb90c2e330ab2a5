"""``rnnviz`` / ``python -m rnnviz``: open the main window, export headlessly, or
``rnnviz train FILE -o OUT`` (training without a window) or ``rnnviz generate FILE --prompt P
--length N`` (no Qt is imported)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["train"], ["generate"]):  # only a first argument "train"/"generate" is a subcommand
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")  # small matrices: one BLAS thread is fastest (see gui.app)
        from rnnviz.session import cli

        return (cli.main if argv[0] == "train" else cli.generate_main)(argv[1:])
    from rnnviz.gui.app import run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
