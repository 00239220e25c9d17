"""Bad input fails early with a ValueError naming the parameter."""
import numpy as np
import pytest

import solver
from solver import Island


@pytest.fixture
def setup():
    g = solver.Grid((32, 32), 0.1)
    return g, solver.Film(1.0), solver.exchange_map([Island.disk((0, 0), 0.5)], g)


def test_nonfinite_map(setup):
    g, film, a = setup
    a = a.copy()
    a[0, 3, 4] = np.nan
    with pytest.raises(ValueError, match=r"a contains 1 NaN"):
        solver.solve(a, g, film)
    a[0, 3, 4] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        solver.solve(a, g, film)


def test_wrong_shape(setup):
    g, film, a = setup
    with pytest.raises(ValueError, match=r"a must have shape \(2, 32, 32\)"):
        solver.solve(a[:, :-1], g, film)
    with pytest.raises(ValueError, match="shape"):
        solver.solve(a[0], g, film)


@pytest.mark.parametrize("r0", [0.0, -1.0, float("nan"), "x"])
def test_bad_pearl_length(r0):
    with pytest.raises(ValueError, match="pearl_length"):
        solver.Film(r0)


def test_bad_stiffness_boundary_height(setup):
    g, film, a = setup
    with pytest.raises(ValueError, match="stiffness"):
        solver.Film(1.0, stiffness=0.0)
    with pytest.raises(ValueError, match="boundary"):
        solver.solve(a, g, film, boundary="dirichlet")
    with pytest.raises(ValueError, match="height"):
        solver.solve(a, g, film).field_z(-0.1)
    with pytest.raises(ValueError, match="grid"):
        solver.solve(a, (32, 32), film)


def test_island_outside_open_grid():
    g = solver.Grid((32, 32), 0.1)
    with pytest.raises(ValueError, match=r"islands\[1\].*outside the open grid"):
        solver.exchange_map([Island.disk((0, 0), 0.5), Island.gaussian((1.0, 0), 0.1)], g)
    with pytest.raises(ValueError, match="outside the open grid"):
        solver.interaction_energies([Island.disk((1.5, 0), 0.3)], g, solver.Film(1.0))


def test_memory_estimate_is_checked():
    g = solver.Grid((300_000, 300_000), 1.0)
    with pytest.raises(ValueError, match=r"GiB.*available"):
        solver.get_operator(g, 1.0, "periodic")
