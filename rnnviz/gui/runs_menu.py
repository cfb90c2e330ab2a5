"""The Runs menu: compare networks on one sequence (up to four runs).

- **Add a run**: the same structure with another cell (vanilla tanh, LSTM, GRU), another
  hidden size or initialisation seed, a copy of this run (the Network dock then edits
  whichever run is active), or the network of another session file with the same input size;
- **Make active**: which run the Network and Weights docks, the diagrams and the step
  math show; the plots overlay every run's ‖∂L/∂h_t‖;
- **Rename** and **Remove** the active run.

Every change goes to the controller as one edit (:meth:`SessionController.set_runs`);
the menu only mirrors the session's runs.  A file is read in the jobs' "file" lane.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6 import QtWidgets

from rnnviz.session import Session
from rnnviz.session.compare import MAX_RUNS, unique_names
from rnnviz.session.compute import initialised
from rnnviz.session.model import Run
from rnnviz.session.training import Training

CELLS = (("rnn_tanh", "Vanilla RNN (tanh)"), ("lstm", "LSTM"), ("gru", "GRU"))
FILE_LANE = "file"


class RunsMenu(QtWidgets.QMenu):
    """See the module doc.  ``window`` gives ``controller``, ``show_error`` and a parent for dialogs."""

    def __init__(self, window, parent: QtWidgets.QWidget | None = None):
        super().__init__("&Runs", parent or window)
        self.window = window
        self.controller = window.controller
        self.add_menu = self.addMenu("&Add a run")
        self.add_cell_actions = []
        for mode, label in CELLS:
            action = self.add_menu.addAction(f"{label}, same structure")
            action.triggered.connect(lambda _=False, m=mode: self.add_cell(m))
            self.add_cell_actions.append(action)
        self.add_menu.addSeparator()
        self.action_hidden = self.add_menu.addAction("Another &hidden size…", self.ask_hidden_size)
        self.action_seed = self.add_menu.addAction("Another initialisation &seed…", self.ask_seed)
        self.action_copy = self.add_menu.addAction("A &copy of this run", self.add_copy)
        self.action_from_file = self.add_menu.addAction("From a session &file…", self.choose_file)
        self.active_menu = self.addMenu("Make &active")
        self.action_rename = self.addAction("&Rename the active run…", self.ask_rename)
        self.action_remove = self.addAction("Re&move the active run", self.remove_active)
        self.setToolTipsVisible(True)
        self.aboutToShow.connect(self.refresh)
        self.controller.sig_session_changed.connect(lambda _s: self.refresh())
        self.refresh()

    # -- mirror ----------------------------------------------------------------------------
    def refresh(self) -> None:
        session = self.controller.session
        runs = session.runs if session is not None else ()
        room = session is not None and len(runs) < MAX_RUNS
        self.add_menu.setEnabled(room)
        self.add_menu.setToolTip("" if room else f"At most {MAX_RUNS} runs")
        self.active_menu.clear()
        for k, run in enumerate(runs):
            action = self.active_menu.addAction(run.name.replace("&", "&&"))  # a literal "&"
            action.setCheckable(True)
            action.setChecked(k == 0)
            action.triggered.connect(lambda _=False, k=k: self.make_active(k))
        self.active_menu.setEnabled(len(runs) > 1)
        self.action_rename.setEnabled(session is not None)
        self.action_remove.setEnabled(len(runs) > 1)

    # -- requests --------------------------------------------------------------------------
    def _add(self, run: Run) -> bool:
        session = self.controller.latest
        if session is None:
            return False
        if len(session.runs) >= MAX_RUNS:
            self.window.show_error(f"A comparison holds at most {MAX_RUNS} runs")
            return False
        names = unique_names([r.name for r in session.runs] + [run.name])
        runs = list(session.runs) + [replace(run, name=names[-1])]
        return self.controller.set_runs(runs)

    def add_cell(self, mode: str) -> bool:
        """The active run's structure with another cell, drawn with its init settings."""
        session = self.controller.latest
        if session is None:
            return False
        spec = replace(session.network.spec, mode=mode)
        network = initialised(spec, session.init)
        return self._add(
            Run(dict(CELLS)[mode], network, session.init, Training(settings=session.training.settings))
        )

    def add_hidden_size(self, hidden: int) -> bool:
        """The active run's structure with ``hidden`` units, drawn with its init settings."""
        session = self.controller.latest
        if session is None:
            return False
        try:
            spec = replace(session.network.spec, hidden_size=int(hidden))
            network = initialised(spec, session.init)
        except ValueError as exc:
            self.window.show_error(f"Cannot add a run of hidden size {hidden}: {exc}")
            return False
        name = f"{session.run_name}, H = {int(hidden)}"
        return self._add(Run(name, network, session.init, Training(settings=session.training.settings)))

    def add_seed(self, seed: int) -> bool:
        """The active run's structure drawn again from another seed."""
        session = self.controller.latest
        if session is None:
            return False
        init = replace(session.init, seed=int(seed))
        network = initialised(session.network.spec, init)
        name = f"{session.run_name}, seed {int(seed)}"
        return self._add(Run(name, network, init, Training(settings=session.training.settings)))

    def ask_hidden_size(self) -> None:
        session = self.controller.latest
        if session is None:
            return
        hidden, ok = QtWidgets.QInputDialog.getInt(
            self.window, "Another hidden size", "Hidden units H of the new run:",
            value=session.network.hidden_size * 2, minValue=1, maxValue=1024,
        )  # fmt: skip
        if ok:
            self.add_hidden_size(hidden)

    def ask_seed(self) -> None:
        session = self.controller.latest
        if session is None:
            return
        seed, ok = QtWidgets.QInputDialog.getInt(
            self.window, "Another initialisation", "Seed of the new run's weights:",
            value=session.init.seed + 1, minValue=0, maxValue=2**31 - 1,
        )  # fmt: skip
        if ok:
            self.add_seed(seed)

    def add_copy(self) -> bool:
        session = self.controller.latest
        if session is None:
            return False
        active = session.runs[0]
        return self._add(replace(active, name=f"{active.name} (copy)"))

    def choose_file(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self.window, "A network to compare", "", "rnnviz sessions (*.rnnviz)"
        )
        if path:
            self.add_from_file(path)

    def add_from_file(self, path: str) -> None:
        """The network of the session at ``path`` (read in the worker)."""
        from rnnviz.session import load_session

        self.controller.jobs.start(
            FILE_LANE, lambda: load_session(path),
            on_done=lambda s: self._add_session(s, path),
            on_error=lambda e: self.window.show_error(f"Cannot add a run from {Path(path).name}: {e}"),
        )  # fmt: skip

    def _add_session(self, other: Session, path: str) -> bool:
        session = self.controller.latest
        if session is None:
            return False
        want, got = session.sequence.num_features, other.network.input_size
        name = other.title.strip() or Path(path).stem
        if want != got:
            self.window.show_error(
                f"Cannot add {name}: its network has input size {got}, this sequence has {want} input features"
            )
            return False
        return self._add(Run(name, other.network, other.init, Training(settings=other.training.settings)))

    def make_active(self, k: int) -> bool:
        session = self.controller.latest
        if session is None or not 0 < k < len(session.runs):
            return False
        runs = list(session.runs)
        return self.controller.set_runs([runs[k]] + runs[:k] + runs[k + 1 :])

    def ask_rename(self) -> None:
        session = self.controller.latest
        if session is None:
            return
        name, ok = QtWidgets.QInputDialog.getText(
            self.window, "Rename the run", "Name of the active run:", text=session.run_name
        )
        if ok:
            self.rename_active(name)

    def rename_active(self, name: str) -> bool:
        session = self.controller.latest
        name = " ".join(name.split())
        if session is None or not name:
            return False
        others = [r.name for r in session.other_runs]
        if name in others:
            self.window.show_error(f"Another run is called {name}")
            return False
        return self.controller.set_runs([replace(session.runs[0], name=name), *session.other_runs])

    def remove_active(self) -> bool:
        session = self.controller.latest
        if session is None or len(session.runs) < 2:
            return False
        return self.controller.set_runs(list(session.other_runs))


__all__ = ["RunsMenu"]
