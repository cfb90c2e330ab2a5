"""The one owner of what the window shows: the committed computation and the cursor.  Qt-free.

    ws = Workspace()
    ws.subscribe("computed", view.set_computed)
    ws.subscribe("cursor", view.set_cursor)
    ws.commit(compute(session))          # a new session and its trace: every view redraws
    ws.request_cursor(step=3, unit=1)    # a view asks; the workspace clamps, owns and tells

The session (the document: sequence, runs, view settings, note) and its
:class:`~rnnviz.session.compute.Computed` arrive together through :meth:`commit`;
the :class:`Cursor` (step, layer, direction, unit, gate) has exactly one owner,
here.  Views never hold state of their own that another view needs: they mirror
the workspace and send requests.  :meth:`document` is the session as it is saved,
with the cursor folded into its view settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from .compute import Computed
from .model import Session

CURSOR_FIELDS = ("step", "layer", "direction", "unit", "gate")


@dataclass(frozen=True)
class Cursor:
    """Where every view looks: step 0 (the initial state) … T, and the selection."""

    step: int = 1
    layer: int = 0
    direction: int = 0
    unit: int = 0
    gate: str = ""

    def clamped(self, session: Session) -> Cursor:
        """This cursor within ``session``'s sequence and active network."""
        net, T = session.network, session.sequence.steps
        return Cursor(
            step=min(max(0, int(self.step)), T),
            layer=min(max(0, int(self.layer)), net.num_layers - 1),
            direction=min(max(0, int(self.direction)), net.num_directions - 1),
            unit=min(max(0, int(self.unit)), net.hidden_size - 1),
            gate=self.gate if self.gate in net.spec.gate_names else "",
        )

    @classmethod
    def of(cls, session: Session) -> Cursor:
        """The cursor a session was saved with."""
        v = session.view
        return cls(v.step, v.layer, v.direction, v.unit, v.gate).clamped(session)

    def changes(self, **kw: Any) -> Cursor:
        unknown = set(kw) - set(CURSOR_FIELDS)
        if unknown:
            raise ValueError(f"not a cursor field: {', '.join(sorted(unknown))}")
        return replace(self, **kw)


class Workspace:
    """The committed :class:`Computed` and the :class:`Cursor`, with listeners.

    Listeners are called in the order they subscribed: ``"computed"`` listeners with
    the new Computed, then ``"cursor"`` listeners with the cursor (also after a commit,
    which may clamp it).  No Qt here: the GUI adapts these calls to its views.
    """

    def __init__(self) -> None:
        self._computed: Computed | None = None  # what the views show
        self._work: Session | None = None  # the document: what is saved and edited
        self._work_computed: Computed | None = None  # the work's own computation
        self._cursor = Cursor()
        self._listeners: dict[str, list[Callable[[Any], None]]] = {"computed": [], "cursor": []}
        self._document: tuple[Computed, Cursor, Session] | None = None  # derived, cached

    # -- reading ------------------------------------------------------------------
    @property
    def computed(self) -> Computed | None:
        return self._computed

    @property
    def session(self) -> Session | None:
        """The work (as committed; :meth:`show` does not change it)."""
        return self._work

    @property
    def cursor(self) -> Cursor:
        return self._cursor

    def document(self) -> Session | None:
        """The session as saved: its view settings hold the cursor.  Derived (and cached,
        so it is the same object while neither the session nor the cursor changes)."""
        work, c = self._work, self._cursor
        if work is None:
            return None
        if self._document is None or self._document[0] is not work or self._document[1] != c:
            s = work
            v = s.view
            if (v.step, v.layer, v.direction, v.unit, v.gate) == (
                c.step,
                c.layer,
                c.direction,
                c.unit,
                c.gate,
            ):
                doc = s
            else:
                doc = s.with_view(step=c.step, layer=c.layer, direction=c.direction, unit=c.unit, gate=c.gate)
            self._document = (work, c, doc)
        return self._document[2]

    def subscribe(self, kind: str, listener: Callable[[Any], None]) -> None:
        self._listeners[kind].append(listener)

    def unsubscribe(self, kind: str, listener: Callable[[Any], None]) -> None:
        self._listeners[kind].remove(listener)

    # -- changing -------------------------------------------------------------------
    def commit(self, computed: Computed, cursor: Cursor | None = None) -> None:
        """Show ``computed``; ``cursor`` (e.g. a file's saved one) or the current one,
        clamped to the new session."""
        self._work = computed.session
        self._work_computed = computed
        self.show(computed, cursor)

    def show_work(self) -> None:
        """Show the work again after a preview."""
        if self._work_computed is not None and self._computed is not self._work_computed:
            computed = self._work_computed
            if computed.session is not self._work:
                computed = self._work_computed = replace(computed, session=self._work)
            self.show(computed)

    def show(self, computed: Computed, cursor: Cursor | None = None) -> None:
        """Show ``computed`` in every view without making it the work (weights being
        trained, a kept snapshot): the document stays what it is."""
        self._computed = computed
        self._cursor = (cursor or self._cursor).clamped(computed.session)
        self._tell("computed", computed)
        self._tell("cursor", self._cursor)

    @property
    def showing_work(self) -> bool:
        """The views show the work itself (not a preview or a run in progress)."""
        return self._computed is not None and self._computed.session is self._work

    def replace_session(self, session: Session) -> None:
        """The work, changed only in what is not computed (title, note, view settings,
        training settings): nobody redraws."""
        if self._computed is not None and self._computed.session is self._work:
            self._computed = replace(self._computed, session=session)
            self._work_computed = self._computed
        self._work = session

    def request_cursor(self, **changes: Any) -> bool:
        """Move the cursor (clamped); True when it moved (listeners were told)."""
        new = self._cursor.changes(**changes)
        if self._computed is not None:
            new = new.clamped(self._computed.session)
        if new == self._cursor:
            return False
        self._cursor = new
        self._tell("cursor", new)
        return True

    def _tell(self, kind: str, value: Any) -> None:
        for listener in list(self._listeners[kind]):
            listener(value)


__all__ = ["CURSOR_FIELDS", "Cursor", "Workspace"]
