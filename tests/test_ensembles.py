"""Random impurity ensembles and the magnetization sweep."""
from __future__ import annotations

import math

import numpy as np
import pytest

from solver import ensembles, ground_state as gs


@pytest.mark.parametrize("shape", ["disc", "box"])
def test_random_positions_uniform_and_seeded(shape):
    a = ensembles.random_positions(50.0, 2.0, shape, rng=1)
    b = ensembles.random_positions(50.0, 2.0, shape, rng=1)
    assert np.array_equal(a, b)
    area = math.pi * 4 if shape == "disc" else 4.0
    assert len(a) == round(50 * area)
    # uniformity: mean radius² of a uniform disc is R²/2, box: mean x² = L²/12 (5σ bounds)
    if shape == "disc":
        r2 = np.sum(a**2, axis=1)
        assert abs(r2.mean() - 2.0) < 5 * r2.std() / math.sqrt(len(a))
        assert r2.max() <= 4.0
    else:
        assert abs(np.mean(a[:, 0] ** 2) - 4 / 12) < 5 * np.std(a[:, 0] ** 2) / math.sqrt(len(a))
        assert np.all(np.abs(a) <= 1.0)


def test_sweep_dataset_and_consistency():
    ds = ensembles.magnetization_sweep([4.0, 16.0], [0.5, math.inf], [1.0], samples=2, restarts=1)
    assert ds.magnetization.dims == ("density", "pearl_length", "size", "sample")
    assert np.all((ds.magnetization >= 0) & (ds.magnetization <= 1 + 1e-12))
    assert np.isinf(ds.pearl_length.values[1]) and float(ds.size_over_r0[0, 1]) == 0.0
    # one entry re-done independently: same positions (same seed stream) -> same ground state
    pos = ensembles.random_positions(16.0, 1.0, "disc", np.random.default_rng([0, 1, 0, 1]))
    ref = gs.minimize_impurities(pos, 0.5, seed=1, restarts=1)
    assert ds.magnetization.sel(density=16.0, pearl_length=0.5, sample=1).item() == pytest.approx(
        ref.attrs["magnetization"], abs=1e-9)
    assert int(ds.n_sites.sel(density=16.0, pearl_length=0.5, sample=1).item()) == len(pos)
