"""What the session model refuses or normalises, so a session the app holds always saves
and a saved file always opens again."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.session import InitSettings, Sequence, ViewSettings

X = np.eye(3)  # 3 steps, 3 one-hot columns


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"input_names": ("a", "b")}, "input_names: 2 given for 3 columns"),
        ({"targets": np.zeros((3, 1)), "target_names": ("y", "z")}, "target_names: 2 given for 1 columns"),
        ({"target_names": ("y",)}, "target_names: 1 given for 0 columns"),
        ({"vocabulary": ("a", "b")}, "vocabulary: 2 given for 3 columns"),
        ({"vocabulary": ("a", "b", "a")}, "names a token twice"),
        ({"tokens": ("a",)}, "tokens: 1 given for 3 steps"),
        ({"token_mode": "bytes"}, "token_mode"),
    ],
)
def test_names_that_do_not_fit_are_refused(kwargs, words):
    with pytest.raises(ValueError, match=words):
        Sequence(X, **kwargs)


def test_fitting_names_are_kept():
    s = Sequence(X, np.zeros((3, 1)), ("a", "b", "c"), ("y",), ("a", "b", "c"), ("c", "a", "b"), "word")
    assert s.vocabulary == s.input_names == ("a", "b", "c") and s.target_names == ("y",)


def test_numpy_scalars_in_the_settings_become_plain_numbers_so_the_session_saves(tmp_path):
    from rnnviz.session import load_session, save_session
    from rnnviz.session.defaults import default_session

    s = default_session().with_view(unit=np.int64(1), speed=np.float32(2.5), loop=np.bool_(True))
    assert type(s.view.unit) is int and type(s.view.speed) is float and type(s.view.loop) is bool
    save_session(s, tmp_path / "s.rnnviz")  # was: TypeError, Object of type int64 is not JSON serializable
    assert load_session(tmp_path / "s.rnnviz").view == s.view


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: ViewSettings(gate=None), "ViewSettings.gate must be str"),
        (lambda: ViewSettings(step=1.5), "ViewSettings.step must be int"),
        (lambda: ViewSettings(unit=True), "ViewSettings.unit must be int"),
        (lambda: ViewSettings(speed=float("nan")), "ViewSettings.speed must be finite"),
        (lambda: InitSettings(seed="1"), "InitSettings.seed must be int"),
    ],
)
def test_settings_of_the_wrong_type_are_refused(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_note_and_title_are_text():
    from dataclasses import replace

    from rnnviz.session.defaults import default_session

    with pytest.raises(ValueError, match="note must be text"):
        replace(default_session(), note=None)


def test_names_must_be_strings_and_are_kept_as_tuples():
    with pytest.raises(ValueError, match="input_names must be a sequence of strings"):
        Sequence(X, input_names=(1, 2, 3))
    with pytest.raises(ValueError, match="tokens must be a sequence of strings"):
        Sequence(X, tokens="abc")
    s = Sequence(X, input_names=["a", np.str_("b"), "c"])
    assert s.input_names == ("a", "b", "c") and type(s.input_names[1]) is str
