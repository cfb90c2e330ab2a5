"""The one background-work primitive: lanes, stale results dropped, streaming, pause/resume/stop,
callbacks on the GUI thread, and the synchronous switch."""

import threading

from rnnviz.gui.jobs import Jobs


def counting(n, gate=None, seen_threads=None):
    for k in range(n):
        if seen_threads is not None:
            seen_threads.add(threading.get_ident())
        if gate is not None:
            gate.wait()
        yield k
    return "all"


def test_sync_switch_runs_at_once_in_order(qtbot):
    jobs = Jobs(sync=True)
    got = []
    jobs.start("x", counting(3), on_progress=got.extend, on_done=lambda v: got.append(v))
    assert got == [0, 1, 2, "all"] and not jobs.busy("x")


def test_a_function_and_its_error(qtbot):
    jobs = Jobs(sync=True)
    errors = []
    jobs.start("x", lambda: 1 / 0, on_error=errors.append)
    assert isinstance(errors[0], ZeroDivisionError)


def test_results_arrive_on_the_gui_thread_and_work_runs_off_it(qtbot):
    jobs = Jobs()
    gui = threading.get_ident()
    where, workers, got = [], set(), []

    def done(value):
        where.append(threading.get_ident())
        got.append(value)

    jobs.start("x", counting(5, seen_threads=workers), on_progress=lambda b: where.append(threading.get_ident()),
               on_done=done, throttle_ms=0)  # fmt: skip
    qtbot.waitUntil(lambda: got == ["all"], timeout=5000)
    assert set(where) == {gui} and gui not in workers


def test_a_newer_job_in_the_lane_makes_the_old_one_stale(qtbot):
    jobs = Jobs()
    gate = threading.Event()
    got = []
    old = jobs.start("x", counting(3, gate), on_progress=got.extend, on_done=lambda v: got.append(("old", v)))
    jobs.start("x", lambda: "new", on_done=lambda v: got.append(v))
    gate.set()
    qtbot.waitUntil(lambda: "new" in got, timeout=5000)
    assert old.wait(5)
    qtbot.wait(50)
    assert got == ["new"]  # nothing of the old job, not even its progress
    other = []
    jobs.start("y", lambda: 1, on_done=other.append)  # another lane runs beside
    qtbot.waitUntil(lambda: other == [1], timeout=5000)


def test_pause_holds_the_generator_resume_goes_on_stop_closes_it(qtbot):
    jobs = Jobs()
    pulled = []
    step = threading.Event()

    def gen():
        k = 0
        while True:
            pulled.append(k)
            yield k
            k += 1
            step.set()

    done = []
    job = jobs.start("train", gen(), on_done=done.append, throttle_ms=0)
    assert step.wait(5)
    job.pause()
    qtbot.waitUntil(lambda: job.paused, timeout=1000)
    qtbot.wait(100)  # the worker reached the pause
    n = len(pulled)
    qtbot.wait(100)
    assert len(pulled) == n  # nothing pulled while paused
    job.resume()
    qtbot.waitUntil(lambda: len(pulled) > n + 3, timeout=5000)
    job.stop()
    qtbot.waitUntil(lambda: done == [None], timeout=5000)
    assert job.done and not jobs.busy("train")


def test_progress_is_batched_by_the_throttle(qtbot):
    jobs = Jobs()
    batches = []
    done = []
    jobs.start("x", counting(2000), on_progress=batches.append, on_done=done.append, throttle_ms=1000)
    qtbot.waitUntil(lambda: done == ["all"], timeout=10000)
    assert sum(len(b) for b in batches) == 2000  # every value, in few deliveries
    assert len(batches) <= 3


def test_an_error_without_a_handler_is_raised_on_the_gui_thread(qtbot):
    jobs = Jobs()
    with qtbot.captureExceptions() as caught:
        jobs.start("x", lambda: 1 / 0)
        qtbot.waitUntil(lambda: not jobs.busy("x"), timeout=5000)
    assert caught and caught[0][0] is ZeroDivisionError


def test_finish_delivers_now(qtbot):
    jobs = Jobs()
    got = []
    jobs.start("x", lambda: 7, on_done=got.append)
    assert jobs.finish("x", 5)
    assert got == [7]


def test_a_slow_gui_gets_bigger_batches_never_a_queue_of_them(qtbot):
    """Backpressure: while one batch waits for the GUI thread, the worker keeps collecting."""
    import time

    jobs = Jobs()
    batches = []
    done = []
    start = time.perf_counter()

    def slow(batch):
        batches.append(len(batch))
        if time.perf_counter() - start < 1.0:
            time.sleep(0.02)  # a GUI busy painting, for the first second

    jobs.start("x", counting(50_000), on_progress=slow, on_done=done.append, throttle_ms=0)
    qtbot.waitUntil(lambda: done == ["all"], timeout=60_000)
    assert sum(batches) == 50_000
    assert len(batches) < 2_000  # without backpressure: a batch per value or so, queued behind the GUI


def test_a_busy_gui_gets_fewer_bigger_batches_not_a_growing_queue(qtbot):
    """While a batch waits for the GUI thread, the worker adds to the next one: a GUI that
    cannot keep up is never handed a queue of stale batches (every value still arrives, in order)."""
    jobs = Jobs()
    batches, done = [], []
    job = jobs.start("x", counting(2000), on_progress=batches.append, on_done=done.append, throttle_ms=0)
    assert job.wait(5)  # the GUI thread is busy (here: blocked) the whole time the work runs
    qtbot.waitUntil(lambda: done == ["all"], timeout=5000)
    assert [v for b in batches for v in b] == list(range(2000))
    assert len(batches) <= 3  # the first, the rest of the run, and at most one more
