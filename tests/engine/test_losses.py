"""Losses: hand values, central differences, PyTorch, masks, overflow, bad targets."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnviz.engine.losses import bce_loss, compute_loss, cross_entropy_loss, mse_loss, step_mask

RNG = np.random.default_rng(0)
T, O = 5, 3
Z = RNG.normal(size=(T, O))
TARGETS = {
    "mse": RNG.normal(size=(T, O)),
    "cross_entropy": np.array([0, 2, 1, 1, 0]),
    "cross_entropy_soft": RNG.dirichlet(np.ones(O), size=T),
    "bce": RNG.uniform(size=(T, O)),
}
CASES = ["mse", "cross_entropy", "cross_entropy_soft", "bce"]


def loss_name(case):
    return "cross_entropy" if case.startswith("cross") else case


# -- hand values ------------------------------------------------------------


def test_mse_by_hand():
    r = mse_loss([[1.0, 3.0], [2.0, 0.0]], [[0.0, 1.0], [0.0, 0.0]])
    assert r.per_step.tolist() == [2.5, 2.0]  # (1 + 4)/2, (4 + 0)/2
    assert r.loss == 2.25
    np.testing.assert_allclose(r.grad, [[0.5, 1.0], [1.0, 0.0]])  # 2·diff / (N·O) = diff / 2
    last = mse_loss([[1.0, 3.0], [2.0, 0.0]], [[np.nan, np.nan], [0.0, 0.0]], "many_to_one")
    assert last.loss == 2.0
    assert np.isnan(last.per_step[0]) and last.per_step[1] == 2.0
    np.testing.assert_allclose(last.grad, [[0, 0], [2.0, 0.0]])


def test_seed004_squared_errors():
    """Seed 004's errors s − target = (0.2299, 0.3791) give L = mean of squares."""
    s = np.array([[0.52994], [0.87909]])
    r = mse_loss(s, [[0.3], [0.5]])
    assert r.loss == pytest.approx((0.22994**2 + 0.37909**2) / 2)


def test_cross_entropy_by_hand():
    r = cross_entropy_loss([[0.0, 0.0], [1.0, 3.0]], [0, 1])
    expected1 = math.log(2)
    expected2 = -(3 - math.log(math.e + math.e**3))
    np.testing.assert_allclose(r.per_step, [expected1, expected2])
    assert r.loss == pytest.approx((expected1 + expected2) / 2)
    p2 = math.e / (math.e + math.e**3)
    np.testing.assert_allclose(
        r.grad, [[(0.5 - 1) / 2, 0.5 / 2], [p2 / 2, ((1 - p2) - 1) / 2]]
    )  # (softmax − onehot) / N


def test_cross_entropy_one_hot_equals_indices():
    a = cross_entropy_loss(Z, TARGETS["cross_entropy"])
    b = cross_entropy_loss(Z, np.eye(O)[TARGETS["cross_entropy"]])
    assert a.loss == pytest.approx(b.loss, abs=1e-15)
    np.testing.assert_allclose(a.grad, b.grad, atol=1e-15)


def test_bce_by_hand():
    r = bce_loss([[0.0, 2.0]], [[1.0, 0.0]])
    # −log σ(0) = log 2;  −log(1 − σ(2)) = log(1 + e²)
    assert r.per_step[0] == pytest.approx((math.log(2) + math.log(1 + math.e**2)) / 2)
    s2 = 1 / (1 + math.exp(-2))
    np.testing.assert_allclose(r.grad, [[(0.5 - 1) / 2, s2 / 2]])


# -- gradients by central differences ----------------------------------------


@pytest.mark.parametrize("shape", ["many_to_many", "many_to_one"])
@pytest.mark.parametrize("case", CASES)
def test_gradient_central_differences(case, shape):
    name, target = loss_name(case), TARGETS[case]
    r = compute_loss(name, Z, target, shape)
    eps = 1e-6
    num = np.zeros_like(Z)
    for idx in np.ndindex(Z.shape):
        zp, zm = Z.copy(), Z.copy()
        zp[idx] += eps
        zm[idx] -= eps
        num[idx] = (
            compute_loss(name, zp, target, shape).loss - compute_loss(name, zm, target, shape).loss
        ) / (2 * eps)
    np.testing.assert_allclose(r.grad, num, atol=1e-9)
    if shape == "many_to_one":
        assert not np.any(r.grad[:-1])
        assert np.isnan(r.per_step[:-1]).all()
    assert r.loss == pytest.approx(np.nanmean(r.per_step))


def test_custom_mask_counts_only_its_steps():
    mask = np.array([True, False, True, False, False])
    r = mse_loss(Z, TARGETS["mse"], mask)
    assert r.counted_steps == 2
    assert r.loss == pytest.approx(np.mean((Z[mask] - TARGETS["mse"][mask]) ** 2))
    assert np.isnan(r.per_step[~mask]).all()
    mask[0] = False  # the caller's mask stays theirs (and writable)
    assert r.mask[0]


# -- PyTorch ----------------------------------------------------------------


@pytest.mark.parametrize("shape", ["many_to_many", "many_to_one"])
@pytest.mark.parametrize("case", CASES)
def test_matches_torch(case, shape):
    torch = pytest.importorskip("torch")
    name, target = loss_name(case), TARGETS[case]
    rows = slice(None) if shape == "many_to_many" else slice(-1, None)
    z = torch.tensor(Z[rows], dtype=torch.float64, requires_grad=True)
    tt = torch.tensor(target[rows])
    fn = {
        "mse": torch.nn.MSELoss(),
        "cross_entropy": torch.nn.CrossEntropyLoss(),
        "bce": torch.nn.BCEWithLogitsLoss(),
    }[name]
    loss = fn(z, tt)
    loss.backward()
    r = compute_loss(name, Z, target, shape)
    assert r.loss == pytest.approx(loss.item(), rel=1e-13)
    np.testing.assert_allclose(r.grad[rows], z.grad.numpy(), rtol=1e-12, atol=1e-15)


# -- overflow ---------------------------------------------------------------


@pytest.mark.parametrize("case", ["cross_entropy", "cross_entropy_soft", "bce"])
def test_huge_logits_stay_finite(case):
    name, target = loss_name(case), TARGETS[case]
    r = compute_loss(name, Z * 1000, target)
    assert np.isfinite(r.loss) and np.all(np.isfinite(r.per_step)) and np.all(np.isfinite(r.grad))
    torch = pytest.importorskip("torch")
    fn = torch.nn.CrossEntropyLoss() if name == "cross_entropy" else torch.nn.BCEWithLogitsLoss()
    expected = fn(torch.tensor(Z * 1000), torch.tensor(target)).item()
    assert r.loss == pytest.approx(expected, rel=1e-12)


def test_saturated_bce_limits():
    r = bce_loss([[800.0, -800.0, 800.0]], [[1.0, 0.0, 0.0]])
    np.testing.assert_allclose(r.per_step, [800 / 3])  # two perfect, one off by 800
    np.testing.assert_allclose(r.grad, [[0.0, 0.0, 1 / 3]])


def test_float32_prediction_keeps_float32():
    r = cross_entropy_loss(Z.astype(np.float32), TARGETS["cross_entropy"])
    assert r.grad.dtype == np.float32


# -- targets in other shapes ------------------------------------------------


def test_many_to_one_accepts_a_last_step_target():
    full = TARGETS["mse"].copy()
    full[:-1] = np.nan
    a = mse_loss(Z, full, "many_to_one")
    b = mse_loss(Z, TARGETS["mse"][-1], "many_to_one")  # [O]
    c = mse_loss(Z, TARGETS["mse"][-1:], "many_to_one")  # [1, O]
    assert a.loss == b.loss == c.loss
    assert (
        cross_entropy_loss(Z, 2, "many_to_one").loss
        == cross_entropy_loss(Z, [0, 0, 0, 0, 2], "many_to_one").loss
    )


def test_single_output_accepts_a_vector_target():
    r = bce_loss(Z[:, :1], [1, 0, 1, 1, 0])
    assert r.per_step.shape == (T,)


def test_step_mask():
    assert step_mask(3).tolist() == [True, True, True]
    assert step_mask(3, "many_to_one").tolist() == [False, False, True]
    with pytest.raises(ValueError, match="at least one step"):
        step_mask(0, "many_to_one")


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: mse_loss(Z, TARGETS["mse"][:, :2]), "expected shape"),
        (lambda: mse_loss(Z, np.full((T, O), np.nan)), "t=1"),
        (lambda: cross_entropy_loss(Z, [0, 1, 3, 0, 0]), "t=3 is class 3"),
        (lambda: cross_entropy_loss(Z, [0.5, 1, 2, 0, 0]), "whole numbers"),
        (lambda: cross_entropy_loss(Z, -np.eye(O)[[0, 1, 2, 0, 0]]), "negative"),
        (lambda: bce_loss(Z, TARGETS["bce"] + 1), r"\[0, 1\]"),
        (lambda: mse_loss(Z, TARGETS["mse"], "one_to_many"), "shape must be"),
        (lambda: mse_loss(Z, TARGETS["mse"], np.zeros(T, bool)), "no step"),
        (lambda: compute_loss("hinge", Z, TARGETS["mse"]), "loss must be"),
        (lambda: mse_loss(Z[0], TARGETS["mse"]), "prediction"),
    ],
)
def test_bad_targets_say_what(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_result_is_read_only():
    r = mse_loss(Z, TARGETS["mse"])
    with pytest.raises(ValueError):
        r.grad[0, 0] = 1.0


@given(
    T=st.integers(1, 8),
    O=st.integers(2, 6),
    scale=st.sampled_from([1e-3, 1.0, 1e3, 1e6]),
    seed=st.integers(0, 2**32),
    last_only=st.booleans(),
)
def test_properties_of_every_loss(T, O, scale, seed, last_only):
    r = np.random.default_rng(seed)
    z = r.normal(size=(T, O)) * scale
    shape = "many_to_one" if last_only else "many_to_many"
    classes = r.integers(0, O, size=T)
    ce = cross_entropy_loss(z, classes, shape)
    bce = bce_loss(z, r.uniform(size=(T, O)), shape)
    mse = mse_loss(z, r.normal(size=(T, O)), shape)
    for res in (ce, bce, mse):
        assert np.isfinite(res.loss) and res.loss >= 0
        assert np.all(np.isfinite(res.grad))
        assert res.counted_steps == (1 if last_only else T)
        assert np.isnan(res.per_step).sum() == T - res.counted_steps
    # softmax cross-entropy: each row of the gradient sums to 0 (a shift of all logits changes nothing)
    np.testing.assert_allclose(ce.grad.sum(axis=1), 0, atol=1e-12)
    shifted = cross_entropy_loss(z + 7.0, classes, shape)
    assert shifted.loss == pytest.approx(ce.loss, rel=1e-9, abs=1e-12 * scale)
    # BCE: |∂L/∂z| ≤ 1 / (N·O)
    assert np.all(np.abs(bce.grad) <= 1 / (bce.counted_steps * O) + 1e-15)
