"""``rnnviz generate``: run in-process through ``rnnviz.__main__.main``; the continuations
printed, the seeded stream, and exit code 2 with one line for each bad argument."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from rnnviz.__main__ import main
from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.continuation import continue_prompt
from rnnviz.session import Session, TrainingJob, TrainingSettings, save_session
from rnnviz.session.text import text_sequence

TEXT = "hello world. hello there. "


def char_session(text=TEXT, mode="char", bidirectional=False, seed=0) -> Session:
    seq = text_sequence(text, mode=mode)
    V = len(seq.vocabulary)
    spec = NetworkSpec("lstm", V, 16, output_size=V, head_activation="softmax", bidirectional=bidirectional)
    return Session(Network.from_spec(spec, seed=seed), seq)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A character LSTM trained on TEXT until it writes it back."""
    job = TrainingJob(char_session(), TrainingSettings(optimizer="adam", lr=0.03, epochs=250))
    for _ in job.steps():
        pass
    path = tmp_path_factory.mktemp("gen") / "chars.rnnviz"
    save_session(job.result(), path)
    return path


def _generate(capsys, *args) -> tuple[int, str, str]:
    code = main(["generate", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_trained_model_continues_its_text_greedily(trained, capsys):
    code, out, err = _generate(capsys, trained, "--prompt", "hello wo", "--length", 11)
    assert code == 0 and err == ""
    assert out == "rld. hello \n"  # only the generated characters
    # the same last character, another prompt: the choice comes from the state after the whole prompt
    assert _generate(capsys, trained, "--prompt", "hello", "--length", 3)[1] == " wo\n"


def test_samples_are_printed_one_per_line_from_one_seeded_stream(trained, capsys):
    args = [trained, "--prompt", "he", "--length", 15, "--temperature", 1.5, "--samples", 4, "--seed", 7]
    code, out, _ = _generate(capsys, *args)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 4 and all(len(s) == 15 for s in lines)
    assert _generate(capsys, *args)[1] == out  # the same seed, the same samples
    from rnnviz.session import load_session

    s = load_session(trained)
    vocab = s.sequence.vocabulary
    rng = np.random.default_rng(7)
    prompt = [vocab.index("h"), vocab.index("e")]
    by_hand = [
        "".join(vocab[k] for k in continue_prompt(s.network, prompt, 15, 1.5, rng=rng).tokens)
        for _ in range(4)
    ]
    assert lines == by_hand
    other = _generate(capsys, *args[:-1], 8)[1]
    assert other != out


def test_word_tokens_are_separated_by_spaces(tmp_path, capsys):
    path = tmp_path / "words.rnnviz"
    s = char_session("I love deep learning", mode="word")
    save_session(s, path)
    code, out, _ = _generate(
        capsys, path, "--prompt", "I love", "--length", 5, "--temperature", 2, "--top-k", 3
    )
    assert code == 0
    words = out.split()
    assert len(words) == 5 and set(words) <= set(s.sequence.vocabulary)
    assert out == " ".join(words) + "\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--prompt", "hex", "--length", 5], "'x' is not in the vocabulary"),
        (["--prompt", "he", "--length", 5, "--temperature", -1], "temperature"),
        (["--prompt", "he", "--length", 0], "length"),
        (["--prompt", "he", "--length", "ten"], "--length"),
        (["--prompt", "he", "--length", 5, "--top-k", 0], "--top-k"),
        (["--prompt", "", "--length", 5], "no tokens"),
        (["--length", 5], "--prompt"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(trained, capsys, args, message):
    code, out, err = _generate(capsys, trained, *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err
    assert err.startswith("rnnviz generate: error: ")


def test_a_bidirectional_network_is_refused(tmp_path, capsys):
    path = tmp_path / "bi.rnnviz"
    save_session(char_session(bidirectional=True), path)
    code, _, err = _generate(capsys, path, "--prompt", "he", "--length", 5)
    assert code == 2 and "bidirectional network reads the future" in err
    assert len(err.strip().splitlines()) == 1 and err.startswith("rnnviz generate: error: ")


def test_a_session_without_vocabulary_is_refused(tmp_path, capsys):
    s = char_session()
    signal = dataclasses.replace(s.sequence, vocabulary=(), tokens=(), token_mode="", input_names=())
    path = tmp_path / "signal.rnnviz"
    save_session(s.with_sequence(signal), path)
    code, _, err = _generate(capsys, path, "--prompt", "he", "--length", 5)
    assert code == 2 and "no vocabulary" in err
    assert len(err.strip().splitlines()) == 1 and err.startswith("rnnviz generate: error: ")


def test_a_missing_file_is_one_line(tmp_path, capsys):
    code, _, err = _generate(capsys, tmp_path / "nope.rnnviz", "--prompt", "a", "--length", 3)
    assert code == 2 and len(err.strip().splitlines()) == 1
