"""SGD, Adam and clipping: hand computations and torch.optim."""

import math

import numpy as np
import pytest

from rnnviz.engine.optim import (
    SGD,
    Adam,
    clip_grad_norm,
    global_norm,
    make_optimizer,
    optimizer_from_state_dict,
)

RNG = np.random.default_rng(1)
PARAMS = {"weight_hh_l0": RNG.normal(size=(3, 3)), "bias_ih_l0": RNG.normal(size=3)}
GRAD_SEQ = [{k: RNG.normal(size=v.shape) for k, v in PARAMS.items()} for _ in range(6)]


def run(opt, steps=GRAD_SEQ):
    p = PARAMS
    for g in steps:
        p = opt.step(p, g)
    return p


# -- hand computations ------------------------------------------------------


def test_sgd_plain_by_hand():
    p = SGD(lr=0.1).step({"w": np.array([1.0, -2.0])}, {"w": np.array([0.5, 1.0])})
    np.testing.assert_allclose(p["w"], [0.95, -2.1])


def test_sgd_momentum_by_hand():
    opt = SGD(lr=0.1, momentum=0.9)
    p = {"w": np.array([1.0])}
    p = opt.step(p, {"w": np.array([1.0])})  # b = 1      → w = 1 − 0.1
    p = opt.step(p, {"w": np.array([1.0])})  # b = 1.9    → w = 0.9 − 0.19
    assert p["w"][0] == pytest.approx(0.71)
    assert opt.momentum_buffer["w"][0] == pytest.approx(1.9)


def test_adam_first_step_moves_by_lr_times_sign():
    # m̂ = g, v̂ = g², so the first step is η · g / (|g| + ε) ≈ η · sign(g)
    p = Adam(lr=0.01).step({"w": np.array([1.0, 1.0])}, {"w": np.array([3.0, -1e-3])})
    np.testing.assert_allclose(p["w"], [0.99, 1.01], rtol=1e-7)


def test_adam_two_steps_by_hand():
    b1, b2, lr, eps = 0.9, 0.999, 0.1, 1e-8
    opt = Adam(lr=lr, betas=(b1, b2), eps=eps)
    p = opt.step({"w": np.array([0.0])}, {"w": np.array([1.0])})
    p = opt.step(p, {"w": np.array([2.0])})
    m = 0.9 * 0.1 * 1 + 0.1 * 2
    v = 0.999 * 0.001 * 1 + 0.001 * 4
    step2 = lr * (m / (1 - b1**2)) / (math.sqrt(v / (1 - b2**2)) + eps)
    step1 = lr * 1.0 / (1.0 + eps)  # m̂ = g = 1, √v̂ = 1
    assert p["w"][0] == pytest.approx(-step1 - step2, rel=1e-12)


def test_step_returns_new_arrays_and_leaves_inputs_alone():
    before = {k: v.copy() for k, v in PARAMS.items()}
    g = {k: v.copy() for k, v in GRAD_SEQ[0].items()}
    for opt in (SGD(lr=0.1, momentum=0.5), Adam(lr=0.1)):
        new = opt.step(PARAMS, {**g, "x": np.zeros(7)})  # non-parameter keys are ignored
        for k in PARAMS:
            np.testing.assert_array_equal(PARAMS[k], before[k])
            np.testing.assert_array_equal(g[k], GRAD_SEQ[0][k])
            assert new[k] is not PARAMS[k]


def test_parameter_without_gradient_is_kept():
    new = SGD(lr=1.0).step(PARAMS, {"bias_ih_l0": GRAD_SEQ[0]["bias_ih_l0"]})
    np.testing.assert_array_equal(new["weight_hh_l0"], PARAMS["weight_hh_l0"])


def test_fresh_and_reset_forget_state():
    a = Adam(lr=0.05)
    first = run(a)
    again = run(a.fresh())
    for k in first:
        np.testing.assert_array_equal(first[k], again[k])
    a.reset()
    assert a.steps == {} and a.exp_avg == {}
    for k, v in run(a).items():
        np.testing.assert_array_equal(v, first[k])


# -- torch.optim ------------------------------------------------------------


def torch_run(torch_opt_cls, **kw):
    torch = pytest.importorskip("torch")
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in PARAMS.items()}
    opt = torch_opt_cls(list(tp.values()), **kw)
    for g in GRAD_SEQ:
        for k, t in tp.items():
            t.grad = torch.tensor(g[k])
        opt.step()
    return {k: t.detach().numpy() for k, t in tp.items()}


@pytest.mark.parametrize(
    "kw",
    [
        dict(lr=0.1),
        dict(lr=0.05, momentum=0.9),
        dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01),
        dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1),
    ],
)
def test_sgd_matches_torch(kw):
    torch = pytest.importorskip("torch")
    expected = torch_run(torch.optim.SGD, **kw)
    for k, v in run(SGD(**kw)).items():
        np.testing.assert_allclose(v, expected[k], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize(
    "kw",
    [
        dict(lr=0.01),
        dict(lr=0.1, betas=(0.8, 0.99), eps=1e-6),
        dict(lr=0.1, weight_decay=0.05),
    ],
)
def test_adam_matches_torch(kw):
    torch = pytest.importorskip("torch")
    expected = torch_run(torch.optim.Adam, foreach=False, **kw)
    for k, v in run(Adam(**kw)).items():
        np.testing.assert_allclose(v, expected[k], rtol=1e-13, atol=1e-15)


# -- clipping ---------------------------------------------------------------


def test_global_norm_by_hand():
    assert global_norm({"a": np.array([3.0]), "b": np.array([[4.0]]), "x": np.array([100.0])}) == 5.0


def test_clip_scales_down_to_max_norm():
    g = {"a": np.array([3.0]), "b": np.array([[4.0]]), "x": np.array([100.0])}
    clipped, norm = clip_grad_norm(g, 1.0)
    assert norm == 5.0
    assert set(clipped) == {"a", "b"}
    np.testing.assert_allclose(clipped["a"], [3 / (5 + 1e-6)])
    assert global_norm(clipped) == pytest.approx(1.0, rel=1e-6)
    assert g["a"][0] == 3.0  # not modified


def test_clip_leaves_small_gradients():
    g = {"a": np.array([0.3, 0.4])}
    clipped, norm = clip_grad_norm(g, 1.0)
    assert norm == pytest.approx(0.5)
    np.testing.assert_array_equal(clipped["a"], g["a"])


@pytest.mark.parametrize("max_norm", [0.5, 2.0, 100.0])
def test_clip_matches_torch(max_norm):
    torch = pytest.importorskip("torch")
    g = GRAD_SEQ[2]
    ts = [torch.zeros(v.shape, dtype=torch.float64, requires_grad=True) for v in g.values()]
    for t, v in zip(ts, g.values(), strict=True):
        t.grad = torch.tensor(v)
    total = torch.nn.utils.clip_grad_norm_(ts, max_norm)
    clipped, norm = clip_grad_norm(g, max_norm)
    assert norm == pytest.approx(total.item(), rel=1e-14)
    for t, v in zip(ts, clipped.values(), strict=True):
        np.testing.assert_allclose(v, t.grad.numpy(), rtol=1e-14)


# -- bad settings -----------------------------------------------------------


@pytest.mark.parametrize(
    "make, word",
    [
        (lambda: SGD(lr=0), "lr"),
        (lambda: SGD(lr=float("nan")), "lr"),
        (lambda: SGD(lr=0.1, momentum=1.5), "momentum"),
        (lambda: SGD(lr=0.1, nesterov=True), "Nesterov"),
        (lambda: Adam(lr=0.1, betas=(0.9, 1.0)), r"betas\[1\]"),
        (lambda: Adam(lr=-1), "lr"),
        (lambda: make_optimizer("rmsprop", 0.1), "optimizer"),
        (lambda: clip_grad_norm({"a": np.ones(2)}, 0), "max_norm"),
    ],
)
def test_bad_settings(make, word):
    with pytest.raises(ValueError, match=word):
        make()


def test_shape_mismatch_names_the_key():
    with pytest.raises(ValueError, match="bias_ih_l0"):
        SGD(lr=0.1).step(PARAMS, {"bias_ih_l0": np.ones(4)})


def test_make_optimizer():
    assert isinstance(make_optimizer("sgd", 0.1, momentum=0.9), SGD)
    assert make_optimizer("adam", 0.01).lr == 0.01


# -- state: save, load, continue ----------------------------------------------

OPTIMIZERS_TO_SAVE = [
    SGD(lr=0.05, momentum=0.9),
    SGD(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1),
    SGD(lr=0.05, momentum=0.5, dampening=0.3),
    Adam(lr=0.1, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05),
]


@pytest.mark.parametrize("opt", OPTIMIZERS_TO_SAVE, ids=repr)
def test_saved_and_loaded_optimizer_continues_bit_for_bit(opt):
    whole = run(opt.fresh())
    first = opt.fresh()
    p = run(first, GRAD_SEQ[:3])
    saved = first.state_dict()
    other = make_optimizer(opt.name, 123.0)  # other hyperparameters: loading replaces them
    other.load_state_dict(saved, params=PARAMS)
    assert other.hyperparameters() == opt.hyperparameters()
    for g in GRAD_SEQ[3:]:
        p = other.step(p, g)
    for k in PARAMS:
        assert np.array_equal(p[k], whole[k]), k
    rebuilt = optimizer_from_state_dict(saved)
    assert type(rebuilt) is type(opt) and rebuilt.state_dict()["hyperparameters"] == saved["hyperparameters"]


def test_state_dict_is_plain_and_copied():
    opt = Adam(lr=0.1)
    run(opt, GRAD_SEQ[:2])
    sd = opt.state_dict()
    assert sd["name"] == "adam" and sd["hyperparameters"]["betas"] == [0.9, 0.999]
    assert sd["state"]["weight_hh_l0"]["step"] == 2
    sd["state"]["weight_hh_l0"]["exp_avg"][0, 0] = 1e9
    assert opt.exp_avg["weight_hh_l0"][0, 0] != 1e9


def test_adam_state_matches_torch():
    torch = pytest.importorskip("torch")
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in PARAMS.items()}
    topt = torch.optim.Adam(list(tp.values()), lr=0.1, foreach=False)
    for g in GRAD_SEQ[:4]:
        for k, t in tp.items():
            t.grad = torch.tensor(g[k])
        topt.step()
    opt = Adam(lr=0.1)
    run(opt, GRAD_SEQ[:4])
    sd = opt.state_dict()
    for i, k in enumerate(PARAMS):
        ts = topt.state_dict()["state"][i]
        assert sd["state"][k]["step"] == int(ts["step"])
        np.testing.assert_allclose(sd["state"][k]["exp_avg"], ts["exp_avg"].numpy(), rtol=1e-14)
        np.testing.assert_allclose(sd["state"][k]["exp_avg_sq"], ts["exp_avg_sq"].numpy(), rtol=1e-14)


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda sd: sd.update(name="adam"), "for adam; this optimizer is sgd"),
        (lambda sd: sd.update(name="lbfgs"), "must be one of sgd, adam"),
        (lambda sd: sd.pop("state"), "must have the fields"),
        (lambda sd: sd["hyperparameters"].update(lr=0.0), "lr"),
        (lambda sd: sd["hyperparameters"].update(nesterov=1), "nesterov must be true or false"),
        (lambda sd: sd["hyperparameters"].update(momentum=0.0), "Nesterov momentum requires"),
        (lambda sd: sd["state"]["weight_hh_l0"].update(momentum_buffer=np.zeros(4)), "has shape (4,)"),
        (lambda sd: sd["state"]["weight_hh_l0"].update(momentum_buffer=[[0.0]]), "array of floats"),
        (lambda sd: sd["state"]["weight_hh_l0"]["momentum_buffer"].fill(np.inf), "NaN or infinity"),
        (lambda sd: sd["state"].update(weight_zz={"momentum_buffer": np.zeros(3)}), "weight_zz"),
        (lambda sd: sd["state"].update(bias_ih_l0=np.zeros(3)), "bias_ih_l0 must have the fields"),
        (lambda sd: sd.update(state=[1, 2]), "map parameter names"),
    ],
)
def test_load_refuses_a_bad_state_and_changes_nothing(change, words):
    opt = SGD(lr=0.05, momentum=0.9, nesterov=True)
    run(opt, GRAD_SEQ[:2])
    before = opt.state_dict()
    sd = opt.state_dict()
    change(sd)
    with pytest.raises(ValueError) as err:
        opt.load_state_dict(sd, params=PARAMS)
    assert words in str(err.value)
    after = opt.state_dict()
    assert after["hyperparameters"] == before["hyperparameters"]
    for k, entry in before["state"].items():
        assert np.array_equal(after["state"][k]["momentum_buffer"], entry["momentum_buffer"])


def test_loaded_buffers_take_the_parameters_dtype():
    opt = Adam(lr=0.1)
    run(opt, GRAD_SEQ[:1])
    params32 = {k: v.astype(np.float32) for k, v in PARAMS.items()}
    other = Adam()
    other.load_state_dict(opt.state_dict(), params=params32)
    assert other.exp_avg["weight_hh_l0"].dtype == np.float32
    assert other.step(params32, GRAD_SEQ[1])["weight_hh_l0"].dtype == np.float32
