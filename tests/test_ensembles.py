"""Random impurity ensembles and the magnetization sweep."""
from __future__ import annotations

import math

import numpy as np
import pytest

from solver import ensembles, ground_state as gs, keldysh


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


def test_sweep_entries_are_ground_states_of_their_samples():
    """Bookkeeping of the sweep, with the physics evaluated independently: every entry's sample
    is rebuilt from the dataset's coordinates alone (``sample_rng``), relaxed, and the stored
    energy per site and magnetization are compared with the exact O(N²) Keldysh pair sum
    (``keldysh.interaction_energy``) and |Σm|/N of those moments, computed here.
    Tolerance 1e-9: the same deterministic L-BFGS run, two round-off-level energy sums."""
    ds = ensembles.magnetization_sweep([4.0, 16.0], [0.5, math.inf], [1.0], samples=2, restarts=1,
                                       seed=3)
    assert ds.magnetization.dims == ("density", "pearl_length", "size", "sample")
    assert np.isinf(ds.pearl_length.values[1]) and float(ds.size_over_r0[0, 1]) == 0.0
    for density, r0, sample in [(16.0, 0.5, 1), (4.0, math.inf, 0)]:
        entry = ds.sel(density=density, pearl_length=r0, size=1.0, sample=sample)
        pos = ensembles.random_positions(density, 1.0, "disc",
                                         ensembles.sample_rng(ds.attrs["seed"], density, 1.0, sample))
        relaxed = gs.minimize_impurities(pos, r0, seed=ds.attrs["seed"] + sample, restarts=1)
        m = np.c_[relaxed.mx, relaxed.my]
        assert int(entry.n_sites) == len(pos)
        assert float(entry.energy_per_site) == pytest.approx(
            keldysh.interaction_energy(pos, m, r0) / len(pos), rel=1e-9)
        assert float(entry.magnetization) == pytest.approx(
            np.hypot(*m.sum(axis=0)) / np.hypot(*m.T).sum(), abs=1e-9)


def test_samples_depend_on_values_not_list_order():
    """The same (density, size, sample) gives the same positions in any sweep layout; a
    different sample index or density gives different ones."""
    a = ensembles.random_positions(9.0, 2.0, "box", ensembles.sample_rng(1, 9.0, 2.0, 0))
    b = ensembles.random_positions(9.0, 2.0, "box", ensembles.sample_rng(1, 9.0, 2.0, 0))
    c = ensembles.random_positions(9.0, 2.0, "box", ensembles.sample_rng(1, 9.0, 2.0, 1))
    d = ensembles.random_positions(9.0000001, 2.0, "box", ensembles.sample_rng(1, 9.0000001, 2.0, 0))
    assert np.array_equal(a, b) and not np.allclose(a, c) and not np.allclose(a[:10], d[:10])
    s1 = ensembles.magnetization_sweep([2.0, 5.0], [1.0], [1.5], samples=1, restarts=1)
    s2 = ensembles.magnetization_sweep([5.0], [1.0], [1.5], samples=1, restarts=1)
    assert s1.energy_per_site.sel(density=5.0).item() == s2.energy_per_site.sel(density=5.0).item()
