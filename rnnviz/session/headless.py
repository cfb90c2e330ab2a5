"""Headless commands that need no window: ``rnnviz --export-trace OUT.csv [FILE]``.

They write through the same functions as the GUI (here
:func:`rnnviz.session.exporters.export_session_trace_csv`, behind File > Export
trace as CSV), so a script checks what a user sees.  A problem is one line on
stderr, exit code 2, and no output file: the write is atomic.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from .exporters import export_session_trace_csv

EXIT_BAD_ARGUMENT = 2


def export_trace(out: str, file: str | None = None, stderr: TextIO | None = None) -> int:
    """Write the trace CSV of FILE (default: the opening example) to ``out``; 0 when written."""
    err = sys.stderr if stderr is None else stderr
    try:
        session = _load(file)
    except Exception as exc:  # noqa: BLE001 - SessionFileError/OSError, or a loader bug: never a traceback
        return _fail(err, f"cannot open {file}: {_reason(exc)}")
    try:
        export_session_trace_csv(session, out)
    except FileNotFoundError:
        return _fail(err, f"cannot write {out}: the folder {Path(out).parent} does not exist")
    except OSError as exc:
        return _fail(err, f"cannot write {out}: {_reason(exc)}")
    except (ValueError, MemoryError) as exc:
        return _fail(err, f"cannot export the trace to {out}: {_reason(exc) or 'not enough memory'}")
    return 0


def _load(file: str | None):
    if not file:
        from .defaults import default_session

        return default_session()
    from .files import load_session

    return load_session(file)


def _reason(exc: BaseException) -> str:
    """The exception's message on one line (an OSError: its strerror, without errno)."""
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return " ".join(str(text).split())


def _fail(err: TextIO, message: str) -> int:
    print(f"rnnviz: {message}", file=err)
    return EXIT_BAD_ARGUMENT
