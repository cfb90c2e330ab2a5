"""The workspace: one owner of the committed computation and of the cursor (no Qt)."""

from dataclasses import replace

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec
from rnnviz.session import Sequence, Session
from rnnviz.session.compute import compute
from rnnviz.session.defaults import default_session
from rnnviz.session.workspace import Cursor, Workspace


def test_listeners_hear_the_computation_then_the_clamped_cursor():
    ws = Workspace()
    heard = []
    ws.subscribe("computed", lambda c: heard.append(("computed", c.trace.steps)))
    ws.subscribe("cursor", lambda c: heard.append(("cursor", c)))
    session = default_session()
    ws.commit(compute(session), Cursor(step=99, layer=5, unit=7, gate="f"))
    assert heard == [("computed", 4), ("cursor", Cursor(step=4, layer=0, direction=0, unit=2, gate=""))]


def test_a_request_is_clamped_and_told_once():
    ws = Workspace()
    ws.commit(compute(default_session()))
    heard = []
    ws.subscribe("cursor", heard.append)
    assert ws.request_cursor(step=-3, unit=1)
    assert heard == [Cursor(step=0, unit=1)]
    assert not ws.request_cursor(step=0)  # no move, no news
    assert heard == [Cursor(step=0, unit=1)]
    with pytest.raises(ValueError, match="not a cursor field"):
        ws.request_cursor(speed=3)


def test_a_new_network_keeps_the_cursor_inside_it():
    ws = Workspace()
    session = default_session()
    ws.commit(compute(session))
    ws.request_cursor(unit=2, step=3)
    spec = NetworkSpec("lstm", session.network.input_size, 2, 1, False, 5, "softmax")
    ws.commit(compute(session.with_network(Network.from_spec(spec))))
    assert ws.cursor == Cursor(step=3, unit=1)  # unit 2 no longer exists; the step still does
    ws.request_cursor(gate="f")
    assert ws.cursor.gate == "f"


def test_the_document_holds_the_cursor_and_is_derived_not_written_back():
    ws = Workspace()
    session = default_session()
    ws.commit(compute(session))
    first = ws.document()
    assert first is ws.document()  # the same object while nothing changes
    ws.request_cursor(step=2, unit=1)
    doc = ws.document()
    assert (doc.view.step, doc.view.unit) == (2, 1)
    assert ws.session.view.step == session.view.step  # the committed session is untouched
    assert doc.network is session.network and doc.sequence is session.sequence


def test_replace_session_changes_what_is_not_computed_without_telling_anyone():
    ws = Workspace()
    ws.commit(compute(default_session()))
    heard = []
    ws.subscribe("computed", heard.append)
    ws.replace_session(replace(ws.session, title="mine"))
    assert ws.document().title == "mine" and heard == []


def test_cursor_of_a_saved_session():
    x = np.zeros((5, 2))
    net = Network.from_spec(NetworkSpec("gru", 2, 3, 2, True, 0, None))
    s = Session(network=net, sequence=Sequence(inputs=x)).with_view(
        step=9, layer=1, direction=1, unit=2, gate="z"
    )
    assert Cursor.of(s) == Cursor(step=5, layer=1, direction=1, unit=2, gate="z")
