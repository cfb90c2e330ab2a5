"""What the user built: network, sequence, view settings and a note.  Qt-free.

A :class:`Session` is immutable; every edit makes a new one
(``dataclasses.replace``).  The GUI holds the current session, computes its
trace, and redraws views from the trace.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace

import numpy as np

from rnnviz.engine import Network
from rnnviz.engine.losses import SEQUENCE_SHAPES as SHAPES

from .training import Training


@dataclass(frozen=True, eq=False)
class Sequence:
    """The input sequence and optional targets; one row a time step."""

    inputs: np.ndarray  # [T, I] float64
    targets: np.ndarray | None = None  # [T, O] float64, or None; NaN = no target at that step
    input_names: tuple[str, ...] = ()
    target_names: tuple[str, ...] = ()
    vocabulary: tuple[str, ...] = ()  # tokens for one-hot text input ("" = not text)
    tokens: tuple[str, ...] = ()  # the input's tokens, one per step (text input)
    token_mode: str = ""  # "word" | "char" | "" (not text)
    shape: str = "many_to_many"  # where the loss applies: see SHAPES

    def __post_init__(self) -> None:
        inputs = np.array(self.inputs, dtype=np.float64, copy=True)
        if inputs.ndim == 1:
            inputs = inputs[:, None]
        if inputs.ndim != 2 or inputs.shape[0] < 1 or inputs.shape[1] < 1:
            raise ValueError(f"inputs must have shape (T, features) with T, features ≥ 1; got {inputs.shape}")
        _check_finite(inputs, "inputs", allow_nan=False)
        inputs.setflags(write=False)
        object.__setattr__(self, "inputs", inputs)
        if self.targets is not None:
            targets = np.array(self.targets, dtype=np.float64, copy=True)
            if targets.ndim == 1:
                targets = targets[:, None]
            if targets.ndim != 2 or targets.shape[0] != inputs.shape[0]:
                raise ValueError(
                    f"targets must have one row per input step ({inputs.shape[0]}); got shape {targets.shape}"
                )
            _check_finite(targets, "targets", allow_nan=True)
            targets.setflags(write=False)
            object.__setattr__(self, "targets", targets)
        if self.shape not in SHAPES:
            raise ValueError(f"shape must be one of {SHAPES}; got {self.shape!r}")
        self._check_names(inputs.shape)
        if not self.input_names:
            object.__setattr__(self, "input_names", tuple(f"x{j + 1}" for j in range(inputs.shape[1])))
        if self.targets is not None and not self.target_names:
            object.__setattr__(
                self, "target_names", tuple(f"target{j + 1}" for j in range(self.targets.shape[1]))
            )

    def _check_names(self, shape: tuple[int, int]) -> None:
        """Names, tokens and vocabulary fit the arrays (so a saved file always opens again)."""
        T, n_in = shape
        n_out = 0 if self.targets is None else self.targets.shape[1]
        for what, names, n in (
            ("input_names", self.input_names, n_in),
            ("target_names", self.target_names, n_out),
            ("vocabulary", self.vocabulary, n_in),
            ("tokens", self.tokens, T),
        ):
            if isinstance(names, str) or not all(isinstance(w, str) for w in names):
                raise ValueError(f"{what} must be a sequence of strings; got {names!r:.80}")
            if names and len(names) != n:
                raise ValueError(
                    f"{what}: {len(names)} given for {n} {'steps' if what == 'tokens' else 'columns'}"
                )
            object.__setattr__(self, what, tuple(str(w) for w in names))  # np.str_ → str
        if len(set(self.vocabulary)) != len(self.vocabulary):
            raise ValueError("the vocabulary names a token twice")
        if self.token_mode not in ("", "word", "char"):
            raise ValueError(f"token_mode must be 'word', 'char' or ''; got {self.token_mode!r}")

    @property
    def steps(self) -> int:
        return self.inputs.shape[0]

    @property
    def num_features(self) -> int:
        return self.inputs.shape[1]

    @property
    def is_text(self) -> bool:
        return bool(self.vocabulary)


def _check_finite(a: np.ndarray, what: str, allow_nan: bool) -> None:
    """No infinity anywhere; no NaN in inputs (a NaN target means "no target here")."""
    bad = np.isinf(a) if allow_nan else ~np.isfinite(a)
    if bad.any():
        t, j = np.argwhere(bad)[0]
        kind = "infinity" if np.isinf(a[t, j]) else "NaN"
        raise ValueError(f"{what} hold {kind} at step t={t + 1}, column {j + 1}")


MAX_SEED = 2**31 - 1  # the largest seed a file may hold (and the GUI's seed box shows)


def _plain_fields(settings) -> None:
    """Each field as the plain Python type of its default (a NumPy int64 from a view would
    otherwise make saving fail: JSON cannot write it); anything else is a ValueError."""
    for f in fields(settings):
        v, typ = getattr(settings, f.name), type(f.default)
        if typ is float and isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool):
            plain = float(v)
        elif typ is int and isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_):
            plain = int(v)
        elif typ is bool and isinstance(v, bool | np.bool_):
            plain = bool(v)
        elif typ is str and isinstance(v, str):
            plain = str(v)
        else:
            raise ValueError(f"{type(settings).__name__}.{f.name} must be {typ.__name__}; got {v!r}")
        if typ is float and not math.isfinite(plain):
            raise ValueError(f"{type(settings).__name__}.{f.name} must be finite; got {v!r}")
        object.__setattr__(settings, f.name, plain)


@dataclass(frozen=True)
class InitSettings:
    """How the weights were (or will be) initialised; see rnnviz.engine.init."""

    scheme: str = "pytorch"  # pytorch | xavier | orthogonal | zeros | constant
    seed: int = 0
    constant: float = 0.1
    forget_bias_one: bool = False

    def __post_init__(self) -> None:
        _plain_fields(self)


MAX_DECIMALS = 8  # the most decimals the step math shows (the panel's spin box)


@dataclass(frozen=True)
class ViewSettings:
    """Where the user was looking.  ``step`` is 0 (initial state) … T, as shown."""

    step: int = 1
    layer: int = 0
    direction: int = 0
    unit: int = 0
    gate: str = ""
    speed: float = 2.0  # steps per second
    loop: bool = False
    decimals: int = 4
    dock_state: str = ""  # QMainWindow.saveState(), base64; opaque to this package

    def __post_init__(self) -> None:
        _plain_fields(self)


@dataclass(frozen=True, eq=False)
class Run:
    """One network trained (or not) on the session's sequence.  A session's first run is
    its own network, init and training; compare mode adds more."""

    name: str
    network: Network
    init: InitSettings = field(default_factory=InitSettings)
    training: Training = field(default_factory=Training)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise ValueError(f"a run's name must be text; got {self.name!r}")
        if not self.training.fits(self.network):
            object.__setattr__(self, "training", Training(settings=self.training.settings))


@dataclass(frozen=True, eq=False)
class Session:
    """What the user built.  ``network``, ``init`` and ``training`` are the active run's;
    ``other_runs`` holds more runs on the same sequence (compare mode).

    A ``training`` that belongs to a network of another shape or dtype (the network was
    rebuilt) is replaced by an untrained one with the same settings: a new network has
    no training history.
    """

    network: Network
    sequence: Sequence
    view: ViewSettings = field(default_factory=ViewSettings)
    init: InitSettings = field(default_factory=InitSettings)
    note: str = ""
    title: str = ""
    training: Training = field(default_factory=Training)
    other_runs: tuple[Run, ...] = ()
    run_name: str = "Run 1"

    def __post_init__(self) -> None:
        for name in ("note", "title", "run_name"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"the session's {name} must be text; got {getattr(self, name)!r}")
        for net in (self.network,) + tuple(r.network for r in self._other_runs()):
            if self.sequence.num_features != net.input_size:
                raise ValueError(
                    f"the sequence has {self.sequence.num_features} input features but the network "
                    f"expects {net.input_size}"
                )
        if not isinstance(self.training, Training):
            raise ValueError(f"the session's training must be a Training; got {type(self.training).__name__}")
        if not self.training.fits(self.network):
            object.__setattr__(self, "training", Training(settings=self.training.settings))

    def _other_runs(self) -> tuple[Run, ...]:
        runs = tuple(self.other_runs)
        if not all(isinstance(r, Run) for r in runs):
            raise ValueError("the session's other_runs must be Run objects")
        object.__setattr__(self, "other_runs", runs)
        return runs

    @property
    def runs(self) -> tuple[Run, ...]:
        """Every run; the first is the active one (this session's network, init and training)."""
        return (Run(self.run_name, self.network, self.init, self.training),) + self.other_runs

    @property
    def inputs(self) -> np.ndarray:
        return self.sequence.inputs

    @property
    def targets(self) -> np.ndarray | None:
        return self.sequence.targets

    def with_network(self, network: Network) -> Session:
        return replace(self, network=network)

    def with_sequence(self, sequence: Sequence) -> Session:
        return replace(self, sequence=sequence)

    def with_view(self, **changes) -> Session:
        return replace(self, view=replace(self.view, **changes))
