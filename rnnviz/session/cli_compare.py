"""``rnnviz compare A.rnnviz B.rnnviz [C.rnnviz …] -o OUT``: one session comparing networks.

OUT has A's sequence and one run per file, named by that file's title (its file name
when it has none), A's first and active.  Exit codes: 0 written; 2 a bad argument or
file, or input sizes that differ (one line on stderr naming both sizes; OUT not
written).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from .cli import UsageError, _check_output, _Parser
from .compare import MAX_RUNS, compare_sessions
from .errors import SessionFileError
from .files import load_session, save_session

PROG = "rnnviz compare"


def _parser() -> _Parser:
    p = _Parser(
        prog=PROG,
        description="Make a comparison session: the first file's sequence, and one run per file "
        f"(2 to {MAX_RUNS}), each named by its file's title.",
    )
    p.add_argument("files", metavar="FILE", nargs="+", help="sessions (.rnnviz) whose networks to compare")
    p.add_argument("-o", "--output", metavar="OUT", required=True, help="where to save the comparison")
    return p


def main(argv: list[str] | None = None, err: TextIO | None = None) -> int:
    err = sys.stderr if err is None else err
    try:
        args = _parser().parse_args(sys.argv[2:] if argv is None else argv)
        if not 2 <= len(args.files) <= MAX_RUNS:
            raise UsageError(f"give 2 to {MAX_RUNS} session files; got {len(args.files)}")
        _check_output(args.output)
        named = []
        for file in args.files:
            session = load_session(file)
            named.append((session.title.strip() or Path(file).stem, session))
        comparison = compare_sessions(named)
        save_session(comparison, args.output)
    except (UsageError, SessionFileError, ValueError) as e:
        print(f"{PROG}: error: {e}", file=err)
        return 2
    except OSError as e:
        print(f"{PROG}: error: cannot write {args.output}: {e.strerror or e}", file=err)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; nothing was written", file=err)
        return 130
    names = ", ".join(r.name for r in comparison.runs)
    print(f"{PROG}: wrote {args.output} with {len(comparison.runs)} runs: {names}", file=err)
    return 0
