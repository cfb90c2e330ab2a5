"""Any session the model accepts saves and opens again, exactly."""

from __future__ import annotations

import base64

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnnviz.engine import MODES, SCHEMES, Network, NetworkSpec
from rnnviz.session import InitSettings, Sequence, Session, ViewSettings, load_session, save_session
from rnnviz.session.model import MAX_SEED

from .helpers import assert_sessions_equal

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)  # no lone surrogates
# a dock layout is QMainWindow.saveState() in base64 (anything else opens as the default "")
LAYOUT = st.binary(max_size=48).map(lambda b: base64.b64encode(b).decode("ascii"))


@st.composite
def sessions(draw) -> Session:
    mode = draw(st.sampled_from(MODES))
    I, H, L = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    bi, out = draw(st.booleans()), draw(st.integers(0, 3))
    act = draw(st.sampled_from([None, "softmax", "sigmoid"])) if out else None
    spec = NetworkSpec(mode, I, H, L, bi, out, act)
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    net = Network.from_spec(spec, seed=draw(st.integers(0, 9)), dtype=dtype)
    T = draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 99)))
    targets = None
    if draw(st.booleans()):
        targets = rng.normal(size=(T, draw(st.integers(1, 3))))
        targets[rng.random(targets.shape) < 0.3] = np.nan  # steps without a target
    names = st.lists(TEXT, min_size=I, max_size=I, unique=True)
    text = draw(st.booleans())
    vocab = tuple(draw(names)) if text else ()
    seq = Sequence(
        inputs=rng.normal(size=(T, I)),
        targets=targets,
        input_names=tuple(draw(names)),
        target_names=tuple(draw(st.lists(TEXT, min_size=targets.shape[1], max_size=targets.shape[1])))
        if targets is not None
        else (),
        vocabulary=vocab,
        tokens=tuple(draw(st.lists(st.sampled_from(vocab), min_size=T, max_size=T))) if text else (),
        token_mode=draw(st.sampled_from(["word", "char"])) if text else "",
        shape=draw(st.sampled_from(["many_to_many", "many_to_one", "one_to_many"])),
    )
    view = ViewSettings(
        step=draw(st.integers(0, T)),
        layer=draw(st.integers(0, L - 1)),
        direction=draw(st.integers(0, spec.num_directions - 1)),
        unit=draw(st.integers(0, H - 1)),
        gate=draw(st.sampled_from(("",) + spec.gate_names)),
        speed=draw(st.floats(0.25, 30.0)),
        loop=draw(st.booleans()),
        decimals=draw(st.integers(0, 8)),
        dock_state=draw(LAYOUT),
    )
    init = InitSettings(
        scheme=draw(st.sampled_from(SCHEMES)),
        seed=draw(st.integers(0, MAX_SEED)),
        constant=draw(st.floats(-10, 10)),
        forget_bias_one=draw(st.booleans()),
    )
    return Session(net, seq, view, init, note=draw(TEXT), title=draw(TEXT))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(session=sessions())
def test_every_session_round_trips_exactly(tmp_path, session):
    path = tmp_path / "s.rnnviz"
    save_session(session, path)
    assert_sessions_equal(load_session(path), session)
