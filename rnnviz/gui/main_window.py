"""MainWindow: docks (network, weights, sequence), the timeline, the central views,
the status bar and the menus.  It wires the controller, the playback clock and the
views together; it computes nothing itself.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from rnnviz.session import Session

from .controller import SessionController
from .docks import NetworkBuilderDock, SequenceDock, WeightEditorDock
from .playback import Playback
from .theme import C
from .timeline import TimelineWidget, install_playback_shortcuts
from .views import ViewBinder

APP_NAME = "rnnviz"
EXPORT_SIZE = QtCore.QSize(1400, 900)
#: Qt's PNG "quality" (zlib effort, lossless either way): for the window's pictures 70 writes a
#: file as small as the default's about 12 ms (a fifth) sooner
PNG_QUALITY = 70


class MainWindow(QtWidgets.QMainWindow):
    """The app's window.  ``controller`` holds the session; ``playback`` the clock."""

    def __init__(
        self, session: Session | None = None, threading: str = "auto", parent=None, view: str = "diagrams"
    ):
        """``view``: the central view in front from the start (``show_view``'s names): the
        views behind it are not drawn for ``session`` until they are shown."""
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.controller = SessionController(threading=threading, parent=self)
        # the step belongs to the workspace's cursor: the clock asks to move it
        self.playback = Playback(0, self, request=lambda t: self.controller.request_cursor(step=t))
        self._error_shown = False  # the status bar shows an error (cleared by the next edit)
        from rnnviz.session.origin import NoteOrigin

        self.note_origin = NoteOrigin()  # the session the note and title were written for
        self._build_central()
        self._build_timeline()
        self._build_docks()
        self._build_status_bar()
        self._build_menus()
        self.shortcuts = install_playback_shortcuts(self, self.playback)
        self._connect()
        from .presentation import PresentationMode

        self.presentation = PresentationMode(self)  # F5: full screen for a projector (View menu)
        self.resize(EXPORT_SIZE)
        if view != "diagrams":
            self.show_view(view)
        if session is not None:
            self.set_session(session)

    # -- construction --------------------------------------------------------
    def _build_central(self) -> None:
        from .note_bar import NoteBar

        central = QtWidgets.QWidget(self)
        self.note_bar = NoteBar(central)  # the session's note: what to look at
        self.central_tabs = QtWidgets.QTabWidget(central)
        self.central_tabs.setDocumentMode(True)
        lay = QtWidgets.QVBoxLayout(central)
        lay.setContentsMargins(0, 2, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.note_bar)
        lay.addWidget(self.central_tabs, 1)
        self.setCentralWidget(central)
        self.binder = ViewBinder(self.controller, self.central_tabs, self)  # the one place views are bound
        from .diagrams import DiagramsView
        from .lazy_views import LazyTabs
        from .math_panel import MathPanel
        from .trainer import Trainer

        self.diagrams_view = DiagramsView()
        self.add_central_view(self.diagrams_view, "Diagrams")
        self.math_panel = MathPanel()  # matrices need the width of the central area
        self.add_central_view(self.math_panel, "Step math")
        self.trainer = Trainer(self.controller, self)
        self.trainer.sig_state_changed.connect(self._on_trainer_state_changed)
        # the pyqtgraph views: built when first shown or read (rnnviz.gui.lazy_views)
        self.lazy_views = LazyTabs(self.central_tabs, self.binder)
        self.lazy_views.add("plots", "Plots", self._make_plots_view)
        self.lazy_views.add("training", "Training", self._make_training_view)
        self.lazy_views.add("generate", "Generate", self._make_generate_view)
        self.lazy_views.add("statespace", "State space", self._make_statespace_view)
        self.central_tabs.currentChanged.connect(self._on_central_tab_changed)

    plots_view = property(lambda self: self.lazy_views.get("plots"))
    training_view = property(lambda self: self.lazy_views.get("training"))
    generate_view = property(lambda self: self.lazy_views.get("generate"))
    statespace_view = property(lambda self: self.lazy_views.get("statespace"))

    def _make_plots_view(self) -> QtWidgets.QWidget:
        from .plots import PlotsArea

        return PlotsArea()

    def _make_training_view(self) -> QtWidgets.QWidget:
        from .training_view import TrainingView

        view = TrainingView(self.trainer)
        view.sig_snapshot_requested.connect(self._on_training_snapshot_requested)
        view.sig_use_snapshot.connect(self._on_training_use_snapshot)
        return view

    def _make_generate_view(self) -> QtWidgets.QWidget:
        from .generate_view import GenerateView

        return GenerateView(self.controller)

    def _on_central_tab_changed(self, _index: int) -> None:
        """The Training tab alone does not show the weights as they train: no commits for it."""
        shown = self.central_tabs.currentWidget()
        self.trainer.commits_wanted = shown is not self.lazy_views.built.get("training")

    def _make_statespace_view(self) -> QtWidgets.QWidget:
        from .statespace_view import StateSpaceView

        return StateSpaceView(self.controller.jobs)

    def add_central_view(self, widget: QtWidgets.QWidget, title: str) -> int:
        """Add a view (a tab in the central area) that follows the workspace: it satisfies
        :class:`rnnviz.gui.views.View` (set_computed, set_cursor, sig_cursor_requested)."""
        index = self.central_tabs.addTab(widget, title)
        self.binder.bind(widget)
        return index

    def show_view(self, name: str) -> None:
        """Bring a central view to the front: "diagrams", "math", "plots" or "training"."""
        if name in ("plots", "training", "generate", "statespace"):
            view = self.lazy_views.get(name)
        else:
            view = {"diagrams": self.diagrams_view, "math": self.math_panel}[name]
        self.central_tabs.setCurrentWidget(view)

    def _build_timeline(self) -> None:
        self.timeline = TimelineWidget(self.playback, self)
        dock = QtWidgets.QDockWidget("Timeline", self)
        dock.setObjectName("TimelineDock")
        dock.setWidget(self.timeline)
        dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        dock.setTitleBarWidget(QtWidgets.QWidget(dock))  # no title bar: it is part of the window
        self.timeline_dock = dock
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)

    def _build_docks(self) -> None:
        # the timeline spans the whole window: a long slider for long sequences
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.setTabPosition(Qt.DockWidgetArea.AllDockWidgetAreas, QtWidgets.QTabWidget.TabPosition.North)
        self.setDockOptions(
            QtWidgets.QMainWindow.DockOption.AnimatedDocks
            | QtWidgets.QMainWindow.DockOption.AllowTabbedDocks
            | QtWidgets.QMainWindow.DockOption.AllowNestedDocks
        )
        self.network_dock = NetworkBuilderDock(self.controller, self)
        self.weights_dock = WeightEditorDock(self.controller, self)
        self.sequence_dock = SequenceDock(self.controller, self)
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        self.addDockWidget(left, self.network_dock)
        self.addDockWidget(left, self.sequence_dock)
        self.tabifyDockWidget(self.sequence_dock, self.weights_dock)
        self.sequence_dock.raise_()
        self._docks_sized = False
        self._default_layout: QtCore.QByteArray | None = None
        self._session_layout: str = ""  # a session's saved dock layout, applied once shown
        self._layout_timer = QtCore.QTimer(self)
        self._layout_timer.setSingleShot(True)
        self._layout_timer.setInterval(300)
        self._layout_timer.timeout.connect(self.store_layout)
        for dock in self._docks():
            dock.dockLocationChanged.connect(self._on_dock_layout_changed)
            dock.topLevelChanged.connect(self._on_dock_layout_changed)
            dock.visibilityChanged.connect(self._on_dock_layout_changed)

    def _docks(self) -> tuple[QtWidgets.QDockWidget, ...]:
        return (self.network_dock, self.weights_dock, self.sequence_dock)

    def _size_docks(self) -> None:
        """Once, when first shown: the builder as short as it can be, the rest to the tabs."""
        self._docks_sized = True
        self.resizeDocks([self.network_dock], [400], Qt.Orientation.Horizontal)
        builder = self.network_dock.sizeHint().height() + 8
        self.resizeDocks([self.network_dock, self.sequence_dock], [builder, 2000], Qt.Orientation.Vertical)
        self._default_layout = self.saveState()
        self._restore_session_layout()

    def _restore_session_layout(self) -> None:
        if self._session_layout and self._docks_sized:
            self.restoreState(QtCore.QByteArray.fromBase64(self._session_layout.encode("ascii")))
            self._session_layout = ""

    def restore_layout_when_shown(self, state: QtCore.QByteArray) -> None:
        """A remembered dock layout (rnnviz.gui.window_memory), unless the session brings its own."""
        if not self._session_layout:
            self.restoreState(state)  # now: which docks show sets the window's least size
            self._session_layout = bytes(state.toBase64().data()).decode("ascii")
            self._restore_session_layout()  # and again once shown (the docks' first sizing)

    def store_layout(self) -> None:
        """Keep the dock layout in the session's view settings (saved with the session)."""
        if getattr(self, "presentation", None) is not None and self.presentation.active:
            return  # presenting hides the docks for a while: the layout is the one before
        if self._docks_sized and self.controller.session is not None:
            state = bytes(self.saveState().toBase64().data()).decode("ascii")
            if state != self.controller.session.view.dock_state:
                self.controller.set_view(dock_state=state)

    def _on_dock_layout_changed(self, *_args) -> None:
        self._layout_timer.start()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._layout_timer.start()

    def reset_layout(self) -> None:
        """Every dock back where it started (View > Reset layout)."""
        for dock in self._docks():
            dock.setFloating(False)
            dock.show()
        if self._default_layout is not None:
            self.restoreState(self._default_layout)

    def showEvent(self, event: QtGui.QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self._docks_sized:
            self._size_docks()

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.progress = QtWidgets.QProgressBar(bar)
        self.progress.setRange(0, 0)  # the forward pass reports no progress: indeterminate
        self.progress.setMaximumWidth(160)
        self.progress.setFormat("computing…")
        self.cancel_button = QtWidgets.QPushButton("Cancel", bar)
        self.cancel_button.setToolTip("Stop computing; keep the previous network and sequence")
        self.cancel_button.clicked.connect(self.controller.cancel)
        self.busy_label = QtWidgets.QLabel("Computing the trace…", bar)
        for w in (self.busy_label, self.progress, self.cancel_button):
            bar.addPermanentWidget(w)
            w.setVisible(False)
        self.size_label = QtWidgets.QLabel(bar)
        bar.addPermanentWidget(self.size_label)
        bar.messageChanged.connect(self._on_status_bar_message_changed)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        # Open, Save and the rest of File come from FileActions (rnnviz.gui.file_actions)
        self.action_export_png = self.file_menu.addAction(
            "Export window as &PNG…", self._on_action_export_png
        )
        from .diagrams.view import make_export_diagram_actions
        from .math_panel import make_export_math_action

        self.action_export_math = make_export_math_action(self, self._math_context)
        self.file_menu.addAction(self.action_export_math)
        for action in make_export_diagram_actions(self, self.diagrams_view):
            self.file_menu.addAction(action)
        from .export.dialog import ExportActions

        self.export_actions = ExportActions(self)  # animation (GIF, MP4) and handout (PDF)
        self.file_menu.addActions(self.export_actions.actions())
        self.file_menu.addSeparator()
        self.action_quit = self.file_menu.addAction("&Quit", self.close)
        self.action_quit.setShortcut(QtGui.QKeySequence.StandardKey.Quit)
        self.view_menu = bar.addMenu("&View")
        for dock in self._docks():
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
        self.action_note = self.view_menu.addAction("Session &note")
        self.action_note.setCheckable(True)
        self.action_note.setStatusTip("Show the session's note (an example's: what to look at)")
        self.action_note.setChecked(self.note_bar.shown)
        self.action_note.toggled.connect(self.note_bar.set_shown)
        self.note_bar.sig_visibility_changed.connect(self.action_note.setChecked)
        self.action_animate = self.view_menu.addAction("&Animate steps")
        self.action_animate.setCheckable(True)
        self.action_animate.setChecked(True)
        self.action_animate.toggled.connect(self.diagrams_view.set_animation_enabled)
        self.diagrams_view.animate_box.toggled.connect(
            self.action_animate.setChecked
        )  # one switch, two places
        self.view_menu.addSeparator()
        self.action_reset_layout = self.view_menu.addAction("&Reset layout", self.reset_layout)
        from .appearance_menu import install_appearance_menu

        install_appearance_menu(self)  # zoom and theme (rnnviz.gui.theme.Appearance owns them)
        from .runs_menu import RunsMenu

        self.runs_menu = RunsMenu(self)  # compare mode: up to four networks on the sequence
        bar.addMenu(self.runs_menu)
        from .help import install_help_menu

        self.help_menu = install_help_menu(self)  # Quick tour (F1), About with the version

    def _connect(self) -> None:
        c = self.controller
        c.sig_session_changed.connect(self._on_controller_session_changed)
        c.sig_view_settings_changed.connect(lambda v: self.diagrams_view.set_decimals(v.decimals))
        c.sig_computed.connect(self._on_controller_computed)
        c.sig_cursor_changed.connect(self._on_controller_cursor_changed)
        c.sig_busy_changed.connect(self._on_controller_busy_changed)
        c.sig_error.connect(self.show_error)
        c.sig_warning.connect(self.show_error)
        c.sig_message.connect(self.show_message)
        self.playback.sig_speed_changed.connect(lambda v: c.set_view(speed=v))
        self.playback.sig_speed_changed.connect(self._on_playback_speed_changed)
        self.playback.sig_loop_changed.connect(lambda v: c.set_view(loop=v))
        for view in self.binder.views:
            self._connect_view(view)
        self.lazy_views.on_bound = self._connect_view  # the views built later

    def _connect_view(self, view) -> None:
        """A gate chosen in any view: what it does, in plain words."""
        view.sig_cursor_requested.connect(self._on_view_cursor_requested)

    # -- session ----------------------------------------------------------------
    def set_session(self, session: Session) -> bool:
        """Show ``session`` (computing its trace); its view settings set the clock and the cursor.
        Refused while a training run is live (it would come back over the new session)."""
        if getattr(self, "trainer", None) is not None and self.trainer.state != "idle":
            self.controller.report("Stop training first: this session is being trained")
            return False
        v = session.view
        self.playback.set_speed(v.speed)
        self.playback.set_loop(v.loop)
        ok = self.controller.set_session(session)
        if ok and v.dock_state:
            self._session_layout = v.dock_state
            self._restore_session_layout()  # now if shown, else when first shown
        return ok

    def _on_controller_session_changed(self, session: Session) -> None:
        self.setWindowTitle(f"{session.title or 'Untitled'} — {APP_NAME}")
        self.note_bar.set_note(session.note)
        self.note_bar.set_edited(self.note_origin.follow(session))
        self.action_note.setEnabled(bool(self.note_bar.paragraphs()))
        self.timeline.set_session(session)
        self.diagrams_view.set_decimals(session.view.decimals)  # the one Decimals setting, everywhere
        net = session.network
        self.size_label.setText(f"T = {session.sequence.steps}   ·   {net.num_parameters():,} parameters")

    def _on_controller_computed(self, computed) -> None:
        if self._error_shown:
            self.statusBar().clearMessage()  # an edit went through: an older error no longer holds
        self.playback.set_length(computed.trace.steps)
        if computed.session.sequence is not self.timeline.sequence:
            self.timeline.set_session(computed.session)  # a generated run's tokens, or the work's again
        if self.controller.workspace.showing_work:  # not 5 times a second while training
            from rnnviz.session.training import next_optimizer

            try:
                optimizer = next_optimizer(computed.session) if computed.grads is not None else None
            except ValueError:
                optimizer = None  # moments of another shape: the gradient alone
            self.weights_dock.set_gradients(computed.grads, optimizer)

    def _on_view_cursor_requested(self, changes: dict) -> None:
        from rnnviz.session.notation import GATE_WORDS

        if changes.get("gate") in GATE_WORDS:
            self.show_message(GATE_WORDS[changes["gate"]])

    def _on_controller_cursor_changed(self, cursor) -> None:
        self.playback.mirror_step(cursor.step)

    # -- training ----------------------------------------------------------------------
    def _on_trainer_state_changed(self, state: str) -> None:
        """While a run is live the network and sequence cannot be edited: it trains on them."""
        idle = state == "idle"
        for dock in self._docks():
            dock.widget().setEnabled(idle)
        self.runs_menu.setEnabled(idle)
        if state == "running":
            self.show_message("Training… the network and sequence docks are locked until you stop it")
        elif idle and self.statusBar().currentMessage().startswith("Training…"):
            self.statusBar().clearMessage()

    def _on_training_snapshot_requested(self, update: int) -> None:
        """Show the weights of a kept update in every view (the work itself is unchanged)."""
        from rnnviz.session.compute import compute
        from rnnviz.session.snapshots import snapshot_network

        session = self.controller.session
        if session is None:
            return
        if update == session.training.history.updates:
            self.controller.show_work()
            return
        preview = session.with_network(snapshot_network(session, update))
        self.controller.jobs.start("preview", lambda: compute(preview), on_done=self.controller.show_streamed,
                                   on_error=lambda e: self.show_error(str(e)))  # fmt: skip

    def _on_training_use_snapshot(self, update: int) -> None:
        from rnnviz.session.snapshots import with_snapshot

        session = self.controller.session
        if session is not None and self.controller.replace_work(with_snapshot(session, update)):
            self.show_message(
                f"The network now has the weights after update {update:,}; training goes on from them"
            )

    def _on_playback_speed_changed(self, steps_per_second: float) -> None:
        # the diagrams' pulse runs along the wires within one step's duration
        self.diagrams_view.set_step_duration(int(1000 / max(steps_per_second, 0.01)))

    def _math_context(self):
        trace = self.controller.trace
        if trace is None:
            return None
        return (self.controller.session, trace, self.controller.cursor.step, self.math_panel.page)

    # -- status -------------------------------------------------------------------
    def _on_controller_busy_changed(self, busy: bool) -> None:
        for w in (self.busy_label, self.progress, self.cancel_button):
            w.setVisible(busy)

    def show_error(self, message: str) -> None:
        self._error_shown = True
        bar = self.statusBar()
        bar.setStyleSheet(f"QStatusBar {{ color: {C.error.name()}; font-weight: bold; }}")
        bar.showMessage("⚠ " + message, 15000)

    def show_message(self, message: str) -> None:
        self._error_shown = False
        bar = self.statusBar()
        bar.setStyleSheet("")
        bar.showMessage(message, 8000)

    def _on_status_bar_message_changed(self, message: str) -> None:
        if not message:
            self._error_shown = False
            self.statusBar().setStyleSheet("")  # an error's colour ends with the error

    # -- menu actions ----------------------------------------------------------------
    def export_png(self, path: str) -> bool:
        """Render the window as it is now into ``path``."""
        ok = self.grab().save(path, "PNG", PNG_QUALITY)
        if not ok:
            self.show_error(f"Could not write {path}")
        return ok

    def _on_action_export_png(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Export PNG", "rnnviz.png", "PNG images (*.png)"
        )
        if path and self.export_png(path):
            self.show_message(f"Exported {path}")

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.trainer.settle()  # a live run ends, its weights committed
        self.playback.pause()
        self.controller.cancel()
        self.controller.wait(5000)
        super().closeEvent(event)
