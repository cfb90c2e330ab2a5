"""Issue 18 §1: ``rnnviz --export-math`` of the course's seed 003 example shows the loss at
step 1: the target "love", y_1[love] = 0.1707 and ℓ_1 = −ln 0.1707 = 1.7676, and the mean L.
Scalars are written as numbers, not 1×1 matrices."""

from __future__ import annotations

from rnnviz._resources import resource_path


def test_export_math_of_the_seed003_example_shows_the_loss(tmp_path):
    from rnnviz.gui.app import run

    example = resource_path("examples", "01_next_word_seed003.rnnviz")
    out = tmp_path / "step1.md"
    assert run(["--export-math", str(out), "--step", "1", str(example)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "**target: “love”**" in text
    assert r"\ell_{1} = -\ln 0.1707 = 1.7676" in text
    assert "L = (1.7676 + 1.7132 + 1.6652 + 1.6490) / 4 = 1.6987" in text
