"""Several runs on one sequence (compare mode): build a comparison, train every run.

    session = compare_sessions([("tanh RNN", a), ("LSTM", b), ("GRU", c)])  # a's sequence
    trained = train_runs(session, settings)    # each run trained alike, in turn

A session's first run is the active one (its ``network``, ``init``, ``training``);
``other_runs`` hold the rest (:class:`~rnnviz.session.model.Run`).  Qt-free.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace

from .model import Run, Session
from .training import Training, TrainingJob, TrainingSettings, TrainingTick, reset_training

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
    """Train every run of ``session`` alike (:class:`RunsJob`) to the end.  Returns the
    session with every run trained, and each run's last tick (None: no update).  A
    ValueError (a bad setting, no targets) is raised before any run trains."""
    job = RunsJob(session, settings)
    last: list[TrainingTick | None] = [None] * len(session.runs)
    for tick in job.steps():
        last[tick.run] = tick
        if on_tick is not None:
            on_tick(tick.run, tick)
    return job.result(), last


def reset_runs(session: Session) -> Session:
    """Every run's weights from before its training, the histories cleared (the settings kept)."""
    if not session.other_runs:
        return reset_training(session)
    return with_runs(
        session, [reset_training(run_session(session, k)).runs[0] for k in range(len(session.runs))]
    )


def with_networks(session: Session, networks: Sequence) -> Session:
    """``session`` with each run's network replaced, in order (e.g. as training goes)."""
    runs = [replace(run, network=net) for run, net in zip(session.runs, networks, strict=True)]
    return with_runs(session, runs) if len(runs) > 1 else replace(session, network=networks[0])


class RunsJob:
    """Train every run of ``session`` alike (the same settings, hence the same data
    order), interleaved: each round updates every run once.  The one code path of the
    window (in-process and in the training process) and of ``rnnviz train``; for a
    session of one run it is exactly its :class:`TrainingJob`.

    Ticks carry their run (``tick.run``) and mark the last update of a round
    (``tick.round_end``): a pause or a Step count rounds.  A run that stops on a NaN or
    infinity drops out; the others go on.
    """

    def __init__(self, session: Session, settings: TrainingSettings | None = None, epochs: int | None = None):
        self.session = session
        self.jobs = [TrainingJob(run_session(session, k), settings, epochs) for k in range(len(session.runs))]
        self.settings = self.jobs[0].settings
        self.loss = self.jobs[0].loss

    @property
    def updates(self) -> int:
        """The active run's updates over its whole training."""
        return self.jobs[0].updates

    def networks(self) -> list:
        """Each run's current network (the last good one)."""
        return [job.current_network for job in self.jobs]

    def steps(self) -> Iterator[TrainingTick]:
        if len(self.jobs) == 1:
            yield from self.jobs[0].steps()
            return
        streams = [job.steps() for job in self.jobs]
        live = list(range(len(streams)))
        while live:
            round_ticks = []
            for k in list(live):
                tick = next(streams[k], None)
                if tick is None or tick.stopped:
                    live.remove(k)
                if tick is not None:
                    round_ticks.append(replace(tick, run=k, round_end=False))
            if round_ticks:
                round_ticks[-1] = replace(round_ticks[-1], round_end=True)
            yield from round_ticks

    def result(self) -> Session:
        """The session with every run as trained so far (call it between steps)."""
        if len(self.jobs) == 1:
            return self.jobs[0].result()
        return with_runs(self.session, [job.result().runs[0] for job in self.jobs])


__all__ = ["MAX_RUNS", "RunsJob", "compare_sessions", "run_session", "train_runs", "unique_names", "with_networks",
           "with_runs"]  # fmt: skip
