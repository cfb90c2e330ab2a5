"""``rnnviz train``: run in-process through ``rnnviz.__main__.main``; exit codes, messages,
and OUT written only when training ran."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnnviz.__main__ import main
from rnnviz.session import Sequence, TrainingJob, TrainingSettings, load_session, save_session
from rnnviz.session import cli as train_cli

from .training_helpers import assert_same_training, sine_session

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sine_file(tmp_path) -> Path:
    save_session(sine_session(), tmp_path / "sine.rnnviz")
    return tmp_path / "sine.rnnviz"


def _train(capsys, *args) -> tuple[int, str]:
    code = main(["train", *map(str, args)])
    return code, capsys.readouterr().err


def test_trains_and_writes_the_session_with_its_history(tmp_path, sine_file, capsys):
    out = tmp_path / "out.rnnviz"
    code, err = _train(capsys, sine_file, "-o", out, "--epochs", 12, "--lr", 0.05, "--seed", 3)
    assert code == 0
    s = load_session(out)
    assert s.training.updates == 12 and s.training.settings.lr == 0.05 and s.training.settings.seed == 3
    lines = err.strip().splitlines()
    assert lines[0].startswith("epoch 1/12  update 1/12  loss ") and "updates/s" in lines[0]
    assert lines[-1].startswith("epoch 12/12  update 12/12") and lines[-1].endswith("done")
    assert f"loss {s.training.history.loss[-1]:.6g}" in lines[-1]


def test_the_cli_is_the_training_job(tmp_path, sine_file, capsys):
    out = tmp_path / "out.rnnviz"
    args = ["--epochs", 9, "--optimizer", "sgd", "--lr", 0.1, "--momentum", 0.8, "--weight-decay", 0.01]
    code, _ = _train(capsys, sine_file, "-o", out, *args, "--clip", 0.7, "--bptt", 5)
    assert code == 0
    settings = TrainingSettings(
        optimizer="sgd", lr=0.1, momentum=0.8, weight_decay=0.01, clip=0.7, bptt_window=5, epochs=9
    )
    job = TrainingJob(load_session(sine_file), settings)
    for _ in job.steps():
        pass
    assert_same_training(load_session(out), job.result())


def test_training_on_from_a_trained_file_keeps_its_settings(tmp_path, sine_file, capsys):
    a, b = tmp_path / "a.rnnviz", tmp_path / "b.rnnviz"
    assert _train(capsys, sine_file, "-o", a, "--epochs", 4, "--optimizer", "sgd", "--lr", 0.2)[0] == 0
    code, err = _train(capsys, a, "-o", b, "--epochs", 3)
    assert code == 0 and "epoch 7/7" in err
    s = load_session(b)
    assert (
        s.training.updates == 7 and s.training.settings.optimizer == "sgd" and s.training.settings.lr == 0.2
    )


def test_stdout_stays_empty_and_progress_is_throttled(tmp_path, sine_file, capsys, monkeypatch):
    clock = iter(np.arange(0.0, 1000.0, 0.25))  # each update "takes" a quarter of a second
    monkeypatch.setattr(train_cli, "_clock", lambda: float(next(clock)))
    code = main(["train", str(sine_file), "-o", str(tmp_path / "o.rnnviz"), "--epochs", "20"])
    captured = capsys.readouterr()
    assert code == 0 and captured.out == ""
    lines = captured.err.strip().splitlines()
    assert 5 <= len(lines) <= 7  # the first, one a second (every 4th update), the last
    assert "4 updates/s" in lines[1]


@pytest.mark.parametrize(
    "args, words",
    [
        (["--lr", "-1"], "training setting lr must be a positive number"),
        (["--epochs", "0"], "training setting epochs"),
        (["--epochs", "many"], "argument --epochs: invalid int value: 'many'"),
        (["--optimizer", "rmsprop"], "argument --optimizer: invalid choice: 'rmsprop'"),
        (["--momentum", "1.5"], "momentum"),
        (["--clip", "nan"], "clip"),
        (["--bptt", "-2"], "bptt_window"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    ],
)
def test_a_bad_setting_exits_2_with_one_line_and_no_output(tmp_path, sine_file, capsys, args, words):
    out = tmp_path / "out.rnnviz"
    code, err = _train(capsys, sine_file, "-o", out, *args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("rnnviz train: error: ") and words in err, err
    assert "Traceback" not in err and not out.exists()


def test_a_missing_file_exits_2(tmp_path, capsys):
    code, err = _train(capsys, tmp_path / "nope.rnnviz", "-o", tmp_path / "out.rnnviz")
    assert code == 2 and "nope.rnnviz" in err and "No such file" in err and err.count("\n") == 1
    assert not (tmp_path / "out.rnnviz").exists()


def test_a_damaged_file_exits_2(tmp_path, capsys):
    (tmp_path / "bad.rnnviz").write_text("not a zip")
    code, err = _train(capsys, tmp_path / "bad.rnnviz", "-o", tmp_path / "out.rnnviz")
    assert code == 2 and "not a zip" in err and not (tmp_path / "out.rnnviz").exists()


def test_a_session_without_targets_exits_2(tmp_path, capsys):
    s = sine_session()
    save_session(dataclasses.replace(s, sequence=Sequence(s.inputs)), tmp_path / "x.rnnviz")
    code, err = _train(capsys, tmp_path / "x.rnnviz", "-o", tmp_path / "out.rnnviz")
    assert (code, err) == (2, "rnnviz train: error: the session has no targets to train on\n")
    assert not (tmp_path / "out.rnnviz").exists()


def test_out_is_required_and_must_be_writable(tmp_path, sine_file, capsys):
    code, err = _train(capsys, sine_file)
    assert code == 2 and "-o/--output" in err
    code, err = _train(capsys, sine_file, "-o", tmp_path / "no" / "such" / "dir" / "o.rnnviz")
    assert code == 2 and "does not exist" in err
    code, err = _train(capsys, sine_file, "-o", tmp_path)
    assert code == 2 and "is a folder" in err


def test_a_nan_stop_saves_the_last_good_weights_and_exits_1(tmp_path, capsys):
    save_session(sine_session("rnn_tanh"), tmp_path / "r.rnnviz")
    out = tmp_path / "out.rnnviz"
    code, err = _train(capsys, tmp_path / "r.rnnviz", "-o", out, "--optimizer", "sgd", "--lr", "1e150")
    assert code == 1 and "training stopped and kept the weights" in err and "Traceback" not in err
    s = load_session(out)
    assert s.training.history.stopped_reason and s.training.history.stopped_update == s.training.updates + 1


def test_only_a_first_argument_train_is_the_subcommand(tmp_path, sine_file, monkeypatch):
    """``rnnviz FILE --export-png …`` (even a file named train.rnnviz) still goes to the app."""
    from rnnviz.gui import app

    calls = []
    monkeypatch.setattr(app, "run", lambda argv: calls.append(argv) or 0)
    assert main(["train.rnnviz", "--export-png", "x.png"]) == 0
    assert main([str(sine_file), "train"]) == 0
    assert calls == [["train.rnnviz", "--export-png", "x.png"], [str(sine_file), "train"]]
    assert main(["train", str(sine_file), "-o", str(tmp_path / "o.rnnviz"), "--epochs", "1"]) == 0
    assert len(calls) == 2 and (tmp_path / "o.rnnviz").exists()


def test_train_imports_no_qt(tmp_path, sine_file):
    code = (
        "import sys; from rnnviz.__main__ import main; "
        f"rc = main(['train', {str(sine_file)!r}, '-o', {str(tmp_path / 'o.rnnviz')!r}, '--epochs', '2']); "
        "assert 'PySide6' not in sys.modules and 'pyqtgraph' not in sys.modules, 'Qt imported'; sys.exit(rc)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "o.rnnviz").exists()


def test_help_names_every_option(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for option in (
        "--epochs",
        "--optimizer",
        "--lr",
        "--momentum",
        "--weight-decay",
        "--clip",
        "--seed",
        "--bptt",
    ):
        assert option in text


def test_main_writes_to_a_given_stream(tmp_path, sine_file):
    err = io.StringIO()
    assert train_cli.main([str(sine_file), "-o", str(tmp_path / "o.rnnviz"), "--epochs", "1"], err) == 0
    assert "done" in err.getvalue()


def test_ctrl_c_exits_130_and_writes_nothing(tmp_path, sine_file, capsys, monkeypatch):
    def interrupted(self):
        yield from ()
        raise KeyboardInterrupt

    monkeypatch.setattr(TrainingJob, "steps", interrupted)
    code, err = _train(capsys, sine_file, "-o", tmp_path / "out.rnnviz")
    assert code == 130 and "interrupted" in err and "Traceback" not in err
    assert not (tmp_path / "out.rnnviz").exists()
