"""Session file figures: how fast bad files are refused and with how little memory,
and how long saving, loading and importing take.  Prints a table; asserts nothing.

    python benchmarks/bench_session.py
"""

from __future__ import annotations

import io
import json
import os
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
from rnnviz.session.importers import read_table


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


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    main()
