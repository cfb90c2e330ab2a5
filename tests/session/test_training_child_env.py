"""The training child runs one BLAS thread unless the environment says otherwise (a window
not started through ``rnnviz.gui.app.run`` trained example 10 at 65 instead of 450 updates/s)."""

from rnnviz.session import training_process


def test_the_child_gets_one_blas_thread_unless_told(monkeypatch):
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)
    env = training_process._child_env()
    assert env["OPENBLAS_NUM_THREADS"] == env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    assert training_process._child_env()["OPENBLAS_NUM_THREADS"] == "4"
