"""Session file figures: how fast bad files are refused and with how little memory,
and how long saving, loading and importing take.  Prints a table; asserts nothing.

    python benchmarks/bench_session.py          # everything
    python benchmarks/bench_session.py --csv    # only the hostile CSVs (one long line, a bad last line)
"""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rnnviz.engine import Network, NetworkSpec
from rnnviz.session import Sequence, Session, SessionFileError, load_session, save_session
from rnnviz.session.defaults import default_session
from rnnviz.session.files import session_members
from rnnviz.session.importers import SequenceImportError, read_table


def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, a, allow_pickle=False)
    return buf.getvalue()


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _header_only(shape) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buf.getvalue() + bytes(64)


def hostile_files(folder: Path) -> dict[str, Path]:
    good = dict(session_members(default_session()))
    files = {}
    files["random bytes (1 MB)"] = folder / "random.rnnviz"
    files["random bytes (1 MB)"].write_bytes(np.random.default_rng(0).bytes(1 << 20))
    bomb = dict(good, **{"sequence/inputs.npy": _npy(np.zeros((4 << 20, 5)))})  # 160 MB of zeros
    files["deflate bomb (160 MB declared)"] = _zip(folder / "bomb.rnnviz", bomb)
    huge = dict(good, **{"sequence/inputs.npy": _header_only((10**12, 5))})
    files["huge npy shape (10^12 x 5)"] = _zip(folder / "huge.rnnviz", huge)
    m = json.loads(good["manifest.json"])
    m["network"].update(hidden_size=4096, num_layers=64)
    files["huge network in manifest"] = _zip(
        folder / "net.rnnviz", dict(good, **{"manifest.json": json.dumps(m).encode()})
    )
    m = json.loads(good["manifest.json"])
    m["schema_version"] = 7
    files["future schema version"] = _zip(
        folder / "future.rnnviz", dict(good, **{"manifest.json": json.dumps(m).encode()})
    )
    nan = default_session().inputs.copy()
    nan[-1, -1] = np.nan
    files["NaN in inputs"] = _zip(folder / "nan.rnnviz", dict(good, **{"sequence/inputs.npy": _npy(nan)}))
    junk = dict(good, **{f"junk/{i}": b"" for i in range(3000)})
    files["3000 members"] = _zip(folder / "many.rnnviz", junk)
    return files


def measure(fn: Callable[[], object], repeat: int = 5) -> tuple[float, int]:
    """Best wall time (s) of ``repeat`` runs and the peak traced allocation (bytes) of one."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak


def refuse(path: Path) -> Callable[[], None]:
    def run() -> None:
        try:
            load_session(path)
        except SessionFileError:
            return
        raise AssertionError(f"{path.name} was accepted")

    return run


def big_session() -> Session:
    spec = NetworkSpec("lstm", 64, 256, 2, True, 64, "softmax")
    net = Network.from_spec(spec, "pytorch", seed=0)
    x = np.random.default_rng(0).normal(size=(10_000, 64))
    return Session(net, Sequence(inputs=x, targets=x))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"{'refusing a bad file':40s} {'best time':>12s} {'peak alloc':>12s}  (file size)")
        for label, path in hostile_files(folder).items():
            t, peak = measure(refuse(path))
            print(f"{label:40s} {t * 1e3:10.2f} ms {peak / 1024:9.0f} KiB  ({path.stat().st_size:,} B)")
        print()
        s = big_session()
        nbytes = sum(a.nbytes for a in s.network.state_dict().values()) + 2 * s.inputs.nbytes
        path = folder / "big.rnnviz"
        print(f"big session: 2-layer bi-LSTM H=256, T=10,000, {nbytes / 1e6:.1f} MB of arrays")
        t, _ = measure(lambda: save_session(s, path), repeat=3)
        print(f"  save  {t * 1e3:8.1f} ms   file {path.stat().st_size / 1e6:.1f} MB")
        t, _ = measure(lambda: load_session(path), repeat=3)
        print(f"  load  {t * 1e3:8.1f} ms")
        t, _ = measure(lambda: save_session(default_session(), folder / "d.rnnviz"), repeat=20)
        print(f"default session: save {t * 1e3:.2f} ms", end="")
        t, _ = measure(lambda: load_session(folder / "d.rnnviz"), repeat=20)
        print(f", load {t * 1e3:.2f} ms")
        csv = folder / "t.csv"
        rows = 1_000_000  # the importer's row limit
        data = np.random.default_rng(0).normal(size=(rows, 4))
        np.savetxt(csv, data, fmt="%.6f", delimiter=",", header="a,b,c,d", comments="")
        t, _ = measure(lambda: read_table(csv), repeat=1)
        print(f"CSV import: {rows:,} rows x 4 columns in {t:.2f} s ({rows / t:,.0f} rows/s)")


def hostile_csvs(folder: Path) -> dict[str, Path]:
    """One-line CSVs of 20 and 60 MB, and a 185 MB CSV whose last line is bad."""
    files = {}
    for mb in (20, 60):
        path = folder / f"one_line_{mb}mb.csv"
        cell = b"0.123456,"  # 9 bytes: a row of millions of numbers and no line break
        with open(path, "wb") as f:
            for _ in range(mb):
                f.write(cell * ((1 << 20) // len(cell)))
            f.write(b"0.5\n")  # a row of numbers: no header, only numbers
        files[f"one line of {mb} MB"] = path
    path = folder / "bad_last_line.csv"
    rng = np.random.default_rng(0)
    rows, cols = 1_000_000, 20  # the limits: 1 M rows, 20 M numbers
    block = io.BytesIO()
    np.savetxt(block, rng.normal(size=(10_000, cols)), fmt="%.6f", delimiter=",")
    with open(path, "wb") as f:
        f.write((",".join(f"c{j}" for j in range(cols)) + "\n").encode())
        for _ in range(rows // 10_000 - 1):
            f.write(block.getvalue())
        lines = block.getvalue().splitlines(keepends=True)
        f.writelines(lines[:-1])
        f.write(b"1.0,abc" + b",2.0" * (cols - 2) + b"\n")  # the last line: not a number
    files[f"{path.stat().st_size / 1e6:.0f} MB, bad last line"] = path
    return files


def refuse_csv_in_child(path: Path) -> None:
    """Run in a fresh process: refuse ``path``; print the time and the peak memory (RSS)."""
    t0 = time.perf_counter()
    try:
        read_table(path)
        message = "ACCEPTED"
    except SequenceImportError as e:
        message = str(e)
    elapsed = time.perf_counter() - t0
    print(json.dumps({"seconds": elapsed, "peak_rss": _peak_rss(), "message": message[:110]}))


def _peak_rss() -> int:
    """This process's peak resident memory (bytes): VmHWM on Linux (ru_maxrss survives
    exec there, so a child would report its parent's peak), else ru_maxrss."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def csv_figures() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'refusing a bad CSV (fresh process)':40s} {'time':>9s} {'peak RSS':>10s}  message")
        for label, path in hostile_csvs(Path(tmp)).items():
            env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))  # this rnnviz
            out = subprocess.run(
                [sys.executable, __file__, "--refuse-csv", str(path)],
                capture_output=True, text=True, check=True, env=env,
            )  # fmt: skip
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{label:40s} {r['seconds']:7.2f} s {r['peak_rss'] / 2**20:7.0f} MiB  {r['message']}")
            path.unlink()


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if sys.argv[1:2] == ["--refuse-csv"]:
        refuse_csv_in_child(Path(sys.argv[2]))
    elif sys.argv[1:2] == ["--csv"]:
        csv_figures()
    else:
        main()
        print()
        csv_figures()
