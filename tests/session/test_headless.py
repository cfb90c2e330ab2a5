"""``rnnviz --export-trace OUT [FILE]``: the GUI's trace CSV, written without a window."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rnnviz.session import load_session, save_session
from rnnviz.session.defaults import default_session
from rnnviz.session.exporters import session_trace_csv
from rnnviz.session.headless import export_trace

ROOT = Path(__file__).resolve().parents[2]


def _run(out, file=None) -> tuple[int, str]:
    err = io.StringIO()
    return export_trace(str(out), None if file is None else str(file), stderr=err), err.getvalue()


def test_writes_the_sessions_trace_csv_with_its_gradients(tmp_path):
    s = default_session()
    save_session(s, tmp_path / "s.rnnviz")
    assert _run(tmp_path / "out.csv", tmp_path / "s.rnnviz") == (0, "")
    text = (tmp_path / "out.csv").read_text(encoding="utf-8")
    assert text == session_trace_csv(load_session(tmp_path / "s.rnnviz"))
    assert "dLdh_norm_l0_fwd" in text.splitlines()[0]
    assert _run(tmp_path / "default.csv") == (0, "")  # no FILE: the opening example
    assert (tmp_path / "default.csv").read_text(encoding="utf-8") == session_trace_csv(s)


@pytest.mark.parametrize(
    "body, why",
    [(None, "No such file"), (b"not a zip", "not a zip archive"), (b"PK\x03\x04truncated", "zip")],
)
def test_a_bad_file_is_one_line_exit_2_and_no_output(tmp_path, body, why):
    file = tmp_path / "bad.rnnviz"
    if body is not None:
        file.write_bytes(body)
    (tmp_path / "kept.csv").write_text("old")
    for out in (tmp_path / "new.csv", tmp_path / "kept.csv"):
        code, err = _run(out, file)
        assert code == 2 and err.count("\n") == 1 and err.startswith(f"rnnviz: cannot open {file}: ")
        assert why in err
    assert not (tmp_path / "new.csv").exists() and (tmp_path / "kept.csv").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["kept.csv"] + ([file.name] if body else []))


def test_an_unwritable_out_is_one_line_exit_2_and_no_output(tmp_path):
    cases = [
        (tmp_path / "gone" / "t.csv", f"the folder {tmp_path / 'gone'} does not exist"),
        (tmp_path, "Is a directory"),
    ]
    if os.name == "posix" and os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        cases.append((locked / "t.csv", "Permission denied"))
    for out, why in cases:
        code, err = _run(out)
        assert code == 2 and err.count("\n") == 1 and err.startswith(f"rnnviz: cannot write {out}: ")
        assert why in err
    assert sorted(p.name for p in tmp_path.iterdir()) == (["locked"] if len(cases) == 3 else [])


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    code = (
        "import sys; from rnnviz.__main__ import main; rc = main(sys.argv[1:]); "
        "qt = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'shiboken6'))]; "
        "print('Qt imported:', qt); sys.exit(rc)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_command_line_flag_needs_no_qt(tmp_path):
    example = ROOT / "resources" / "examples" / "02_basic_rnn_two_steps_seed004.rnnviz"
    done = _cli("--export-trace", "out.csv", str(example), cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == "" and "Qt imported: []" in done.stdout
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == session_trace_csv(load_session(example))
    bad = _cli("--export-trace", "x.csv", "missing.rnnviz", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "missing.rnnviz" in bad.stderr
    both = _cli("--export-trace", "x.csv", "--export-png", "x.png", cwd=tmp_path)
    assert both.returncode == 2 and both.stderr.count("\n") == 1 and "cannot be combined" in both.stderr
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "x.png").exists()


def test_a_failed_write_keeps_the_old_file_whole(tmp_path, monkeypatch):
    """Disk full while writing: OUT keeps its old contents and no temp file is left."""
    import errno

    (tmp_path / "t.csv").write_text("old")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("rnnviz.session.atomic.os.fsync", full)
    code, err = _run(tmp_path / "t.csv")
    assert code == 2 and err == f"rnnviz: cannot write {tmp_path / 't.csv'}: No space left on device\n"
    assert (tmp_path / "t.csv").read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["t.csv"]
