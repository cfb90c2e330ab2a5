"""``rnnviz`` / ``python -m rnnviz``: open the main window, export headlessly, or
``rnnviz train FILE -o OUT`` (training without a window), ``rnnviz generate FILE --prompt P
--length N`` or ``rnnviz compare A B … -o OUT`` (no Qt is imported)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["train"], ["generate"], ["compare"]):  # only a first argument is a subcommand
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")  # small matrices: one BLAS thread is fastest (see gui.app)
        from rnnviz.session import cli, cli_compare

        command = {"train": cli.main, "generate": cli.generate_main, "compare": cli_compare.main}[argv[0]]
        return command(argv[1:])
    from rnnviz.gui.app import run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
