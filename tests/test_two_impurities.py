"""Ground state of two point impurities (paper Fig. 2b, Eqs. 8, 11)."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from solver import ground_state, keldysh

GRID = np.linspace(-np.pi, np.pi, 721)          # 0.5° steps, includes 0 and ±π


def _grid_minimum(jp: float, jq: float) -> tuple[float, float, float]:
    """Independent brute force: min of J⊥ sinθ1 sinθ2 - J∥ cosθ1 cosθ2 on a dense angle grid."""
    t1, t2 = np.meshgrid(GRID, GRID, indexing="ij")
    F = jp * np.sin(t1) * np.sin(t2) - jq * np.cos(t1) * np.cos(t2)
    k = np.unravel_index(np.argmin(F), F.shape)
    return float(F[k]), float(GRID[k[0]]), float(GRID[k[1]])


@pytest.mark.parametrize("x", [1e-3, 0.1, 0.5, 1.0, 4.0, 100.0])
def test_finite_pearl_length_is_parallel_along_r(x):
    r0, Z = 1.7, 0.9
    st = ground_state.two_impurities(x * r0, r0, Z=Z, seed=1)
    jp, jq = keldysh.couplings(x * r0, r0, Z=Z)
    assert (st.J_perp, st.J_par) == (jp, jq)
    assert not st.degenerate
    # parallel along r̂ (θ1 = θ2 = 0 after the global-flip canonicalization)
    assert abs(st.angles[0]) < 1e-9 and abs(st.angles[1]) < 1e-9
    assert st.energy == pytest.approx(-jq, rel=1e-15)
    fmin, a1, a2 = _grid_minimum(jp, jq)
    # the grid contains the exact minimizer, so the grid minimum is exactly -J∥ too
    assert st.energy == pytest.approx(fmin, rel=1e-14)
    assert math.cos(a1 - a2) == pytest.approx(1.0) and abs(math.sin(a1)) < 1e-12
    # consistent with the pair energy of unit moments at those angles
    m1 = (math.cos(st.angles[0]), math.sin(st.angles[0]))
    m2 = (math.cos(st.angles[1]), math.sin(st.angles[1]))
    assert keldysh.pair_energy((x * r0, 0.0), (0.0, 0.0), m1, m2, r0, Z=Z) == pytest.approx(st.energy, rel=1e-14)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_unscreened_is_degenerate_family(seed):
    r, Z = 2.0, 1.3
    st = ground_state.two_impurities(r, np.inf, Z=Z, seed=seed)
    assert st.degenerate
    assert st.J_perp == st.J_par == Z / r**2
    assert st.energy == pytest.approx(-Z / r**2, rel=1e-15)
    assert math.remainder(st.angles[0] + st.angles[1], 2 * math.pi) == pytest.approx(0.0, abs=1e-12)
    fmin, _, _ = _grid_minimum(st.J_perp, st.J_par)
    assert st.energy == pytest.approx(fmin, rel=1e-14)
    t1 = GRID
    # every member θ1 = -θ2 of the family has the same energy (the degeneracy itself)
    fam = st.J_perp * np.sin(t1) * np.sin(-t1) - st.J_par * np.cos(t1) * np.cos(-t1)
    np.testing.assert_allclose(fam, -Z / r**2, rtol=1e-15)


def test_seeds_pick_different_family_members_and_result_is_frozen():
    a = ground_state.two_impurities(1.0, np.inf, seed=0)
    b = ground_state.two_impurities(1.0, np.inf, seed=1)
    assert a.angles != b.angles
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.energy = 0.0  # type: ignore[misc]


def test_large_but_finite_pearl_length_still_lifts_degeneracy():
    st = ground_state.two_impurities(1.0, 1e6)
    assert not st.degenerate
    assert st.J_par > st.J_perp
    assert abs(st.angles[0]) < 1e-9 and abs(st.angles[1]) < 1e-9


@pytest.mark.parametrize("kwargs,name", [
    (dict(r=0.0, pearl_length=1.0), "r"),
    (dict(r=1.0, pearl_length=-1.0), "pearl_length"),
    (dict(r=1.0, pearl_length=1.0, Z=0.0), "Z"),
    (dict(r=1.0, pearl_length=1.0, restarts=0), "restarts"),
])
def test_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ground_state.two_impurities(**kwargs)
