"""``rnnviz FILE --export-png OUT --view generate|diagrams|plots|math --prompt P [--length N]
[--temperature τ] [--top-k K] [--seed S] [--step t]``: generate as the Generate tab does,
then picture the generated run (one-to-many, each chosen token fed back)."""

from __future__ import annotations

import argparse
import sys

from rnnviz.session.generation import GenerationError, GenerationSettings, check_settings


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--prompt", metavar="P", help="--export-png: generate from P first and show the generated run"
    )
    p.add_argument(
        "--length", type=int, default=40, metavar="N", help="with --prompt: tokens to write (default 40)"
    )
    p.add_argument(
        "--temperature", type=float, default=1.0, metavar="τ", help="with --prompt: 0 = greedy (default 1)"
    )
    p.add_argument("--top-k", type=int, metavar="K", help="with --prompt: draw only from the K best tokens")
    p.add_argument("--seed", type=int, default=0, help="with --prompt: seed of the draws (default 0)")  # fmt: skip


def settings(args: argparse.Namespace) -> GenerationSettings:
    return GenerationSettings(args.prompt, args.length, args.temperature, args.top_k, args.seed)


def check(session, args: argparse.Namespace) -> int:
    """Before any window: 0, or 2 after a one-line message naming the problem."""
    try:
        check_settings(session, settings(args))
    except GenerationError as e:
        print(f"rnnviz: error: {e}", file=sys.stderr)
        return 2
    return 0


def generate_in_window(window, args: argparse.Namespace) -> None:
    """Generate in ``window`` (synchronous, the settings checked) and show ``args.view``."""
    view = window.generate_view
    window.show_view("generate")  # the tab catches up with the work before it generates
    view.apply_settings(settings(args))
    view.generate(1)
    window.controller.wait()
    if args.step is not None:
        window.controller.set_view(step=args.step)
    window.show_view(args.view)
