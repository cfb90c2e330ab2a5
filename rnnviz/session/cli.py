"""``rnnviz train FILE -o OUT [options]``: train a session headlessly, as the window does;
``rnnviz generate FILE --prompt P --length N [options]``: continue a prompt.

The same :class:`~rnnviz.session.training.TrainingJob` as the training panel:
options not given keep the file's training settings (for a session never
trained, :class:`~rnnviz.session.training.TrainingSettings`' defaults).
Training goes on from the file's stored training, so ``train a -o b --epochs
20`` then ``train b -o c --epochs 15`` gives what ``--epochs 35`` gives.

Progress goes to stderr: the first update, then a line a second, and the last.
Exit codes: 0 trained; 1 training stopped on a NaN or infinity (OUT holds the
last good weights and says where it stopped); 2 a bad argument, setting or
file, or a session without targets (one line on stderr, OUT not written);
130 interrupted (OUT not written).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from .compare import RunsJob
from .errors import SessionFileError
from .files import load_session, save_session
from .training import TrainingSettings, TrainingTick

PROG = "rnnviz train"
_clock = time.monotonic  # replaced in tests

#: option → TrainingSettings field
OPTIONS = {
    "epochs": "epochs",
    "optimizer": "optimizer",
    "lr": "lr",
    "momentum": "momentum",
    "weight_decay": "weight_decay",
    "clip": "clip",
    "seed": "seed",
    "bptt": "bptt_window",
}


class UsageError(Exception):
    """A bad command line: said in one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print the usage too, and exit itself
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    d = TrainingSettings()
    p = _Parser(
        prog=PROG,
        description="Train a session's network on its sequence's targets (BPTT) and save the "
        "trained session, with its training history, to OUT. Options not given keep the "
        "file's training settings.",
    )
    p.add_argument("file", metavar="FILE", help="the session to train (.rnnviz)")
    p.add_argument("-o", "--output", metavar="OUT", required=True, help="where to save the trained session")
    p.add_argument("--epochs", type=int, help=f"epochs to train (default {d.epochs})")
    p.add_argument("--optimizer", choices=("sgd", "adam"), help=f"default {d.optimizer}")
    p.add_argument("--lr", type=float, help=f"learning rate (default {d.lr})")
    p.add_argument("--momentum", type=float, help=f"SGD momentum (default {d.momentum})")
    p.add_argument("--weight-decay", type=float, help=f"L2 weight decay (default {d.weight_decay})")
    p.add_argument("--clip", type=float, help="clip the gradient's norm to this; 0 = off (default)")
    p.add_argument("--seed", type=int, help=f"seed of the data order (default {d.seed})")
    p.add_argument("--bptt", type=int, metavar="K", help="truncated BPTT over K steps; 0 = full (default)")
    return p


def _settings(args: argparse.Namespace, stored: TrainingSettings) -> TrainingSettings:
    given = {field: getattr(args, opt) for opt, field in OPTIONS.items() if getattr(args, opt) is not None}
    return replace(stored, **given)


def _check_output(out: str) -> None:
    """Refuse an OUT that cannot be written before spending time on training."""
    path = Path(out)
    if path.is_dir():
        raise UsageError(f"OUT {out} is a folder; give a file name such as trained.rnnviz")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"the folder of OUT ({folder}) does not exist")


def _line(tick: TrainingTick, rate: float) -> str:
    return (
        f"epoch {tick.epoch}/{tick.total_epochs}  update {tick.update}/{tick.total_updates}  "
        f"loss {tick.loss:.6g}  |grad| {tick.grad_norm:.3g}  {rate:,.0f} updates/s"
    )


def _run(job: RunsJob, err: TextIO) -> list[TrainingTick | None]:
    """Train to the end, a progress line a second (one per run in a comparison); each
    run's last tick."""
    names = [r.name for r in job.session.runs]
    several = len(names) > 1
    last: list[TrainingTick | None] = [None] * len(names)
    start = last_line = _clock()
    done = 0

    def say(tick: TrainingTick, now: float, end: str = "") -> None:
        rate = done / max(now - start, 1e-9)
        print((f"{names[tick.run]}: " if several else "") + _line(tick, rate) + end, file=err, flush=True)

    for tick in job.steps():
        last[tick.run] = tick
        done += tick.run == 0
        now = _clock()
        if tick.stopped:
            say(tick, now)
        elif tick.round_end and (done == 1 or now - last_line >= 1.0):
            for t in last:
                if t is not None and not t.stopped:
                    say(t, now)
            last_line = now
    now = _clock()
    for t in last:
        if t is not None and not t.stopped:
            say(t, now, "  done")
    return last


def main(argv: list[str] | None = None, err: TextIO | None = None) -> int:
    """Run ``rnnviz train``; returns the exit code (never raises for a user's mistake)."""
    err = sys.stderr if err is None else err
    try:
        return _main(sys.argv[2:] if argv is None else argv, err)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; nothing was written", file=err)
        return 130


def _main(argv: list[str], err: TextIO) -> int:
    try:
        args = _parser().parse_args(argv)
        _check_output(args.output)
        session = load_session(args.file)
        job = RunsJob(session, _settings(args, session.training.settings))  # every run, alike
    except (UsageError, SessionFileError, ValueError) as e:
        print(f"{PROG}: error: {e}", file=err)
        return 2
    lasts = _run(job, err)
    trained = job.result()
    try:
        save_session(trained, args.output)
    except (OSError, ValueError) as e:
        print(f"{PROG}: error: cannot write {args.output}: {getattr(e, 'strerror', None) or e}", file=err)
        return 2
    code = 0
    for run, last in zip(trained.runs, lasts, strict=True):
        if last is not None and last.stopped:
            who = f"{run.name}: " if len(lasts) > 1 else ""
            print(
                f"{PROG}: {who}{last.stopped_reason} (saved the last good weights to {args.output})", file=err
            )
            code = 1
    return code


# -- rnnviz generate ------------------------------------------------------------
GENERATE_PROG = "rnnviz generate"


def _generate_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=GENERATE_PROG,
        description="Read the prompt with the session's network, then write N more tokens, each "
        "fed back as the next input. Prints K continuations, one per line: only the generated "
        "tokens (characters joined, words separated by spaces).",
    )
    p.add_argument("file", metavar="FILE", help="the session (.rnnviz) whose network writes")
    p.add_argument("--prompt", required=True, metavar="P", help="the start, in the session's tokens")
    p.add_argument("--length", required=True, type=int, metavar="N", help="how many tokens to write")
    p.add_argument(
        "--temperature",
        type=float,
        default=0.0,
        metavar="T",
        help="0 = greedy (default); 1 = the model's own odds; higher = flatter",
    )
    p.add_argument("--top-k", type=int, metavar="K", help="draw only from the K most likely tokens")
    p.add_argument("--seed", type=int, default=0, help="seed of the random draws (default 0)")
    p.add_argument("--samples", type=int, default=1, metavar="K", help="continuations to print (default 1)")
    return p


def generate_main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run ``rnnviz generate``; returns the exit code (never raises for a user's mistake)."""
    from .generation import GenerationSettings, continuation_text, generate_from_session

    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    try:
        args = _generate_parser().parse_args(sys.argv[2:] if argv is None else argv)
        if args.top_k is not None and args.top_k < 1:
            raise UsageError(f"--top-k must be at least 1; got {args.top_k}")
        session = load_session(args.file)
        settings = GenerationSettings(
            args.prompt, args.length, args.temperature, args.top_k, args.seed, args.samples
        )
        texts = [continuation_text(session, c) for c in generate_from_session(session, settings)]
    except (UsageError, SessionFileError, ValueError) as e:
        print(f"{GENERATE_PROG}: error: {e}", file=err)
        return 2
    except KeyboardInterrupt:
        print(f"{GENERATE_PROG}: interrupted", file=err)
        return 130
    for text in texts:
        print(text.replace("\n", "\\n"), file=out)
    return 0
