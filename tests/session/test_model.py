"""A Sequence whose names, tokens or vocabulary do not fit its arrays cannot exist,
so a session saved by the app always opens again."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.session import Sequence

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
