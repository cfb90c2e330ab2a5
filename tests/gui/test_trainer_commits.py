"""The worker's commits of the weights being trained: ≈ 5 a second, and for a network
whose computation is costly, no more than a tenth of the worker's time (a fake clock)."""

from types import SimpleNamespace

import pytest

from rnnviz.session.defaults import default_session


@pytest.mark.parametrize(("cost_s", "want_commits"), [(0.001, 49), (0.1, 10)])
def test_commits_come_5_times_a_second_and_take_at_most_a_tenth(monkeypatch, cost_s, want_commits):
    from rnnviz.gui import trainer as tr

    clock = [0.0]
    computing = [0.0]
    monkeypatch.setattr(tr, "time", SimpleNamespace(perf_counter=lambda: clock[0]))

    def fake_compute(session):
        clock[0] += cost_s
        computing[0] += cost_s
        return session

    monkeypatch.setattr(tr, "compute", fake_compute)
    base = default_session()

    class TenSecondsOfUpdates:
        def steps(self):
            for _ in range(1000):
                clock[0] += 0.01  # an update
                yield SimpleNamespace(stopped=False, network=base.network, run=0, round_end=True)

        def networks(self):
            return [base.network]

    items = list(tr._stream(TenSecondsOfUpdates(), base, [-1], lambda: None))
    commits = [x for x in items if isinstance(x, tr._Snapshot)]
    assert len(items) - len(commits) == 1000  # every update's tick
    assert abs(len(commits) - want_commits) <= 1
    assert computing[0] / clock[0] <= tr.COMMIT_SHARE
