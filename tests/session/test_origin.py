"""Whether the work is still what its note and title were written for, and the name
Save As offers (issue 18 §3).  Qt-free."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from rnnviz.engine import Network
from rnnviz.session.defaults import default_session
from rnnviz.session.files import load_session
from rnnviz.session.origin import NoteOrigin, content_name, edited_since, suggested_name
from rnnviz.session.training import TrainingJob

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def _lstm_example():
    return load_session(EXAMPLES / "04_lstm_remembers_impulse.rnnviz")


def test_edits_of_the_network_or_the_sequence_count_and_training_does_not():
    s = _lstm_example()
    assert not edited_since(s, s) and not edited_since(None, s)
    assert not edited_since(s, s.with_view(step=7))  # where the user looks is not an edit
    same = s.with_network(Network(s.network.spec, s.network.state_dict()))  # equal weights, new object
    assert not edited_since(s, same)
    w = s.network.param("bias_ih_l0").copy()
    w[1] = 2.0  # the note's own "Try: set the forget bias to 2"
    assert edited_since(s, s.with_network(s.network.with_params({"bias_ih_l0": w})))
    x = s.sequence.inputs.copy()
    x[9, 0] = 1.0
    assert edited_since(s, s.with_sequence(dataclasses.replace(s.sequence, inputs=x)))
    job = TrainingJob(s, epochs=2)  # training moves the weights: still the example's network
    for _tick in job.steps():
        pass
    trained = job.result()
    assert trained.training.history.updates == 2 and not np.array_equal(
        trained.network.param("head.weight"), s.network.param("head.weight")
    )
    assert not edited_since(s, trained)
    forget = s.network.param("bias_ih_l0").copy()
    forget[1] = -3.0  # typed in, then trained: training began from other weights
    job = TrainingJob(s.with_network(s.network.with_params({"bias_ih_l0": forget})), epochs=1)
    for _tick in job.steps():
        pass
    assert edited_since(s, job.result())


def test_content_names_say_what_the_session_holds():
    assert content_name(default_session()) == "rnn-h3-I_love_deep-T4"
    assert content_name(_lstm_example()) == "lstm-h1-impulse-T40"


def test_save_as_name_follows_the_content_once_the_title_is_stale():
    s = _lstm_example()
    assert suggested_name(s, s) == "LSTM remembers an impulse"
    x = s.sequence.inputs.copy()
    x[:] = 0.0
    edited = s.with_sequence(dataclasses.replace(s.sequence, inputs=x))
    assert suggested_name(s, edited) == "lstm-h1-impulse-T40"  # not the example's title
    retitled = dataclasses.replace(edited, title="My own run")
    assert suggested_name(s, retitled) == "My own run"  # the user's title is kept
    assert suggested_name(None, dataclasses.replace(s, title="")) == "lstm-h1-impulse-T40"


def test_the_origin_is_the_session_its_note_arrived_with():
    o = NoteOrigin()
    s = _lstm_example()
    assert not o.follow(s)
    x = s.sequence.inputs * 2
    edited = s.with_sequence(dataclasses.replace(s.sequence, inputs=x))
    assert o.follow(edited) and o.session is s
    assert not o.follow(s)  # back as it was
    rewritten = dataclasses.replace(edited, note="My note for the doubled impulse.")
    assert not o.follow(rewritten) and o.session is rewritten
    assert not o.follow(default_session())
    np.testing.assert_array_equal(o.session.inputs, default_session().inputs)
