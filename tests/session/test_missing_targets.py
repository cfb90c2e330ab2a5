"""Steps without a target (NaN in a Sequence) survive a save without any NaN in the file."""

import zipfile

import numpy as np
import pytest

from rnnviz.engine import Network, NetworkSpec, make_sequence
from rnnviz.session import Sequence, Session, SessionFileError, load_session, save_session
from rnnviz.session.files import session_members


def adding_session() -> Session:
    gen = make_sequence("adding", length=12, seed=3)
    assert np.isnan(gen.targets[:-1]).all()  # the adding problem: a target at the last step only
    seq = Sequence(gen.inputs, gen.targets, gen.input_names, gen.target_names, shape=gen.shape)
    net = Network.from_spec(NetworkSpec("lstm", 2, 4, output_size=1), seed=1)
    return Session(net, seq)


def test_missing_targets_round_trip(tmp_path):
    s = adding_session()
    path = tmp_path / "adding.rnnviz"
    save_session(s, path)
    back = load_session(path)
    np.testing.assert_array_equal(back.targets, s.targets)  # NaN where NaN, values elsewhere
    assert back.sequence.shape == "many_to_one"


def test_the_file_itself_holds_no_nan(tmp_path):
    for name, data in session_members(adding_session()):
        if name.endswith(".npy"):
            assert b"nan" not in data.lower() or name == "manifest.json"
    path = tmp_path / "adding.rnnviz"
    save_session(adding_session(), path)
    with zipfile.ZipFile(path) as zf:
        assert "sequence/target_mask.npy" in zf.namelist()


def test_a_mask_with_other_values_is_refused(tmp_path):
    path = tmp_path / "bad.rnnviz"
    members = dict(session_members(adding_session()))
    bad = np.ones((12, 1))
    bad[4, 0] = 0.5
    buf = __import__("io").BytesIO()
    np.save(buf, bad)
    members["sequence/target_mask.npy"] = buf.getvalue()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(SessionFileError, match=r"target_mask.*t=5"):
        load_session(path)


def test_sequence_refuses_nan_inputs_and_infinite_targets():
    with pytest.raises(ValueError, match=r"inputs hold NaN at step t=2, column 1"):
        Sequence(np.array([[0.0], [np.nan]]))
    with pytest.raises(ValueError, match=r"targets hold infinity at step t=1"):
        Sequence(np.zeros((2, 1)), np.array([[np.inf], [0.0]]))
