"""State space: PCA of h_1..h_T at T = 10,000, H = 256 [≤ 20 ms], and a 21×21 flow field.

    python benchmarks/bench_statespace.py

Prints the median of 9 runs (one BLAS thread, as the app runs); asserts nothing.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from rnnviz.engine import Network, NetworkSpec  # noqa: E402
from rnnviz.session.statespace import flow_field, principal  # noqa: E402


def median_ms(f, repeats: int = 9) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    rng = np.random.default_rng(0)
    for T, H in ((1000, 128), (10_000, 256)):
        h = np.tanh(rng.normal(size=(T, H)) @ rng.normal(size=(H, H)) / np.sqrt(H))
        print(f"PCA T={T:,} H={H}: {median_ms(lambda h=h: principal(h)):6.1f} ms"
              + ("  [target ≤ 20 ms]" if T == 10_000 else ""))  # fmt: skip
    net = Network.from_spec(NetworkSpec("lstm", 1, 2, output_size=1), seed=0)
    trace = net.forward(np.sin(np.arange(500) / 10.0)[:, None])
    print(f"flow field 21×21, LSTM H=2 T=500: {median_ms(lambda: flow_field(trace, 0, 0, 250)):6.1f} ms")


if __name__ == "__main__":
    main()
