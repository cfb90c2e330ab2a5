"""Generation speed: tokens per second of the per-step fast path, against today's loop.

    python benchmarks/bench_generate.py

For H = 32 and 128, vanilla / LSTM / GRU (one layer, a softmax head over 64
tokens), it prints the tokens/s of :func:`continue_prompt` (a :class:`Stepper`
step per token, no Trace; the final trace is one forward pass) and of the
old loop (``run_prepared`` per step, a Trace each), and the speed-up.
"""

from __future__ import annotations

import time

import numpy as np

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.continuation import choose, continue_prompt

V, N = 64, 4000


def old_loop(net: Network, n: int, rng: np.random.Generator) -> None:
    prepared = net.prepare()
    x = np.zeros((1, V))
    x[0, 0] = 1.0
    h = net.run_prepared(prepared, x)
    for _ in range(n):
        k = choose(h.y_logits[0], 1.0, None, rng)
        x[:] = 0.0
        x[0, k] = 1.0
        h = net.run_prepared(prepared, x, h0=h.h_n, c0=h.c_n)


def best_of(fn, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    print(f"{'mode':9} {'H':>4} {'fast tok/s':>11} {'+trace tok/s':>13} {'old tok/s':>10} {'speed-up':>9}")
    for H in (32, 128):
        for mode in ("rnn_tanh", "lstm", "gru"):
            net = Network.from_spec(NetworkSpec(mode, V, H, output_size=V, head_activation="softmax"), seed=0)
            fast = best_of(lambda: continue_prompt(net, [0], N, 1.0, rng=1, with_trace=False))  # noqa: B023
            traced = best_of(lambda: continue_prompt(net, [0], N, 1.0, rng=1))  # noqa: B023
            old = best_of(lambda: old_loop(net, N, np.random.default_rng(1)))  # noqa: B023
            print(
                f"{mode:9} {H:4d} {N / fast:11,.0f} {N / traced:13,.0f} {N / old:10,.0f} {old / fast:8.1f}×"
            )


if __name__ == "__main__":
    main()
