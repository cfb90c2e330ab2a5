"""Several runs on one sequence (compare mode): build a comparison, train every run.

    session = compare_sessions([("tanh RNN", a), ("LSTM", b), ("GRU", c)])  # a's sequence
    trained = train_runs(session, settings)    # each run trained alike, in turn

A session's first run is the active one (its ``network``, ``init``, ``training``);
``other_runs`` hold the rest (:class:`~rnnviz.session.model.Run`).  Qt-free.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from .model import Run, Session
from .training import Training, TrainingJob, TrainingSettings, TrainingTick

MAX_RUNS = 4


def with_runs(session: Session, runs: Sequence[Run], **changes) -> Session:
    """``session`` with ``runs`` (the first active, the others after it) and ``changes``
    to its other fields (e.g. a new sequence the runs were adapted to)."""
    if not 1 <= len(runs) <= MAX_RUNS:
        raise ValueError(f"a session holds 1 to {MAX_RUNS} runs; got {len(runs)}")
    first, *rest = runs
    return replace(session, network=first.network, init=first.init, training=first.training,
                   run_name=first.name, other_runs=tuple(rest), **changes)  # fmt: skip


def run_session(session: Session, k: int) -> Session:
    """``session`` with run ``k`` active (the others follow in their order): what the
    one-run code paths (compute, training, the trace) see of that run."""
    runs = list(session.runs)
    return with_runs(session, [runs[k]] + runs[:k] + runs[k + 1 :])


def unique_names(names: Iterable[str]) -> list[str]:
    """``names`` with repeats told apart: "LSTM", "LSTM (2)"."""
    out: list[str] = []
    for name in names:
        name = " ".join(str(name).split()) or "Run"
        candidate, n = name, 1
        while candidate in out:
            n += 1
            candidate = f"{name} ({n})"
        out.append(candidate)
    return out


def compare_sessions(named: Sequence[tuple[str, Session]]) -> Session:
    """One session with the first's sequence and a run per session, named as given.

    The first session's run keeps its training; the others keep their weights and
    training settings, but not their histories (those belong to another sequence)."""
    if len(named) < 2:
        raise ValueError("a comparison needs at least two sessions")
    if len(named) > MAX_RUNS:
        raise ValueError(f"a comparison holds at most {MAX_RUNS} runs; got {len(named)} sessions")
    (first_name, base), names = named[0], unique_names(n for n, _ in named)
    want = base.sequence.num_features
    runs = []
    for k, ((label, s), name) in enumerate(zip(named, names, strict=True)):
        got = s.network.input_size
        if got != want:
            raise ValueError(
                f"{label} has a network of input size {got} but {first_name} has input size {want}: "
                "the runs share one sequence, so their input sizes must match"
            )
        training = s.training if k == 0 else Training(settings=s.training.settings)
        runs.append(Run(name, s.network, s.init, training))
    title = " vs ".join(names)
    note = f"Compare {title} on the sequence of {first_name}."
    return with_runs(replace(base, title=title, note=note), runs)


def train_runs(
    session: Session,
    settings: TrainingSettings | None = None,
    on_tick: Callable[[int, TrainingTick], None] | None = None,
) -> tuple[Session, list[TrainingTick | None]]:
    """Train every run of ``session`` in turn with the same ``settings`` (the active
    run's stored ones by default), hence the same data order.  Returns the session with
    every run trained, and each run's last tick (None: no update).  A ValueError (a bad
    setting, no targets) is raised before any run trains."""
    settings = session.training.settings if settings is None else settings
    jobs = [TrainingJob(run_session(session, k), settings) for k in range(len(session.runs))]
    trained, last = [], []
    for k, job in enumerate(jobs):
        tick = None
        for tick in job.steps():
            if on_tick is not None:
                on_tick(k, tick)
        trained.append(job.result().runs[0])
        last.append(tick)
    return with_runs(session, trained), last


__all__ = ["MAX_RUNS", "compare_sessions", "run_session", "train_runs", "unique_names", "with_runs"]
