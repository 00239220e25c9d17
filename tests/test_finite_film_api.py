"""Finite films through the public API: Film(outline=...), solve, interaction_energies,
ground states, datasets, Pearl-length maps, masks, and the errors a user meets."""
from __future__ import annotations

import math

import numpy as np
import pytest

import solver
from solver.film_geometry import disk, rectangle, ring


@pytest.fixture
def grid():
    return solver.Grid((80, 80), 0.03)


@pytest.fixture
def islands():
    return [solver.Island.gaussian((0.3, 0.2), 0.08, moment=(1.0, 0.0)),
            solver.Island.gaussian((-0.25, -0.4), 0.08, moment=(0.6, 0.8))]


def test_interaction_energies_match_direct_solves(grid, islands):
    """The tensors (one solve per island and direction) reproduce the direct solve of all
    islands together (linearity of the solver; CG to 1e-10 → agreement ≤ 1e-8) and are
    reciprocal, C_ij = C_jiᵀ."""
    film = solver.Film(0.5, outline=disk((0, 0), 1.0, 1024))
    ie = solver.interaction_energies(islands, grid, film)
    direct = solver.solve(solver.exchange_map(islands, grid), grid, film).energy
    assert ie.total == pytest.approx(direct, rel=1e-8)
    assert np.allclose(ie.tensors[0, 1], ie.tensors[1, 0].T, rtol=0, atol=1e-12)
    single = solver.solve(solver.exchange_map(islands[:1], grid), grid, film).energy
    assert ie.self_energies[0] == pytest.approx(single, rel=1e-8)


def test_couplings_depend_on_position(grid):
    """On a finite film the pair coupling of the same separation changes with the position of
    the pair (an infinite film is translation invariant: equal to 1e-10)."""
    def pair(center, film):
        isl = [solver.Island.gaussian((center - 0.2, 0.0), 0.07),
               solver.Island.gaussian((center + 0.2, 0.0), 0.07)]
        return solver.interaction_energies(isl, grid, film).couplings(0, 1)
    finite = solver.Film(math.inf, outline=disk((0, 0), 1.0, 1024))
    infinite = solver.Film(math.inf)
    assert pair(0.0, infinite) == pytest.approx(pair(0.3, infinite), rel=1e-10)
    centre, shifted = pair(0.0, finite), pair(0.3, finite)
    # the change is the disk's Kelvin image term (x̂x̂ component, ∥ = x̂, J∥ = −C∥∥):
    # C_img = Re(−R²/(R² − z1 z2)²)/2π (s = g = 1); −2.6 % here, reproduced to the O(h²) error
    def image(z1, z2):
        return (-1.0 / (1.0 - z1 * z2) ** 2) / (2 * math.pi)
    expected = -(image(0.1, 0.5) - image(-0.2, 0.2))
    assert (shifted[1] - centre[1]) == pytest.approx(expected, rel=2e-3)


def test_ground_state_on_finite_film(grid, islands):
    """minimize_islands works on a finite film; its energy is the direct solve of the optimised
    moments (to the CG tolerance)."""
    from solver import ground_state
    film = solver.Film(math.inf, outline=disk((0, 0), 1.0, 1024))
    ds = ground_state.minimize_islands(islands, grid, film, restarts=2)
    opt = [isl.with_moment((float(mx), float(my)))
           for isl, mx, my in zip(islands, ds.mx.values, ds.my.values)]
    e = solver.solve(solver.exchange_map(opt, grid), grid, film).energy
    assert ds.attrs["energy"] == pytest.approx(e, rel=1e-8)


def test_dataset_round_trip(tmp_path, grid, islands):
    """The dataset records the outline, holes, mask, stream function, fluxoids and moment, and
    survives save/open_solution."""
    outline, hole = ring((0, 0), 0.4, 1.0, 512)
    film = solver.Film(0.5, outline=outline, holes=[hole])
    sol = solver.solve(None, grid, film, applied_field=0.3, fluxoids=[1.0])
    ds = sol.to_dataset(heights=(0.0, 0.1))
    path = solver.save(ds, tmp_path / "ring.nc")
    back = solver.open_solution(path)
    assert back.attrs["film_outline_kind"] == "polygon"
    assert np.allclose(back.attrs["fluxoids"], [1.0])
    assert back["film_mask"].values.min() == -1 and back["film_mask"].values.max() == 1
    assert back.attrs["magnetic_moment"] == pytest.approx(sol.magnetic_moment)
    np.testing.assert_array_equal(back["g"].values, sol.stream_function)


def test_pearl_length_map_uniform_equals_rescaled_film(grid, islands):
    """A uniform map r0(r) = c r0 equals the film (c r0, s/c) without a map (same physics:
    μ0 = 2/(s r0) fixed): to round-off × CG tolerance."""
    a = solver.exchange_map(islands[:1], grid)
    outline = disk((0, 0), 1.0, 512)
    mapped = solver.Film(0.5, outline=outline, pearl_length_map=lambda x, y: 1.5 + 0 * x)
    plain = solver.Film(1.5, stiffness=1 / 3, outline=outline)
    s1 = solver.solve(a, grid, mapped, applied_field=0.2)
    s2 = solver.solve(a, grid, plain, applied_field=0.2)
    assert s1.magnetic_moment == pytest.approx(s2.magnetic_moment, rel=1e-8)


def test_mask_film_first_order(grid):
    """A boolean mask is accepted (staircase edge); its enclosed empty region is a hole."""
    X, Y = grid.meshgrid()
    r = np.hypot(X, Y)
    film = solver.Film(math.inf, outline=(r < 1.0) & (r > 0.4))
    sol = solver.solve(None, grid, film, fluxoids=[1.0])
    assert sol.geometry.n_holes == 1
    lk = 2 * math.pi / math.log(1.0 / 0.4)
    assert sol.hole_currents[0] * lk == pytest.approx(1.0, rel=0.05)  # staircase: O(h)


@pytest.mark.parametrize("kwargs, match", [
    (dict(outline=disk((0, 0), 1.0), holes=disk((0, 0), 0.3)), "holes must be a sequence"),
    (dict(holes=[disk((0, 0), 0.3)]), "holes need an outline"),
    (dict(pearl_length_map=np.ones((80, 80))), "pearl_length_map needs a finite film"),
    (dict(outline=disk((0, 0), 1.0), pearl_length_map=-np.ones((80, 80))),
     r"pearl_length_map must be a 2-D array of Pearl lengths > 0"),
    (dict(outline=np.array([[0, 0], [1, 1], [1, 0], [0, 1.0]])), "outline must be a simple polygon"),
    (dict(outline=[[0, 0], [1, 0], [0, np.inf]]), "outline contains 1 NaN or infinite"),
])
def test_film_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        solver.Film(1.0, **kwargs)


def test_solve_bad_input(grid, islands):
    a = solver.exchange_map(islands, grid)
    finite = solver.Film(1.0, outline=disk((0, 0), 1.0, 256))
    with pytest.raises(ValueError, match="boundary must be 'open' for a finite film"):
        solver.solve(a, grid, finite, boundary="periodic")
    with pytest.raises(ValueError, match="applied_field needs a finite film"):
        solver.solve(a, grid, solver.Film(1.0), applied_field=1.0)
    with pytest.raises(ValueError, match="applied_field contains 1 NaN"):
        bad = np.zeros(grid.shape)
        bad[3, 3] = np.nan
        solver.solve(a, grid, finite, applied_field=bad)
    with pytest.raises(ValueError, match="applied_field must be"):
        solver.solve(a, grid, finite, applied_field=float("inf"))
    with pytest.raises(ValueError, match="outline must lie inside the grid"):
        solver.solve(a, grid, solver.Film(1.0, outline=disk((0, 0), 1.5, 256)))
    with pytest.raises(ValueError, match="narrower than 3 cells"):
        solver.solve(None, grid, solver.Film(1.0, outline=rectangle((0, 0), (1.5, 0.05))),
                     applied_field=1.0)
    with pytest.raises(ValueError, match="fluxoids must have shape"):
        solver.solve(None, grid, finite, fluxoids=[1.0])
    with pytest.raises(ValueError, match="pearl_length_map must be finite and > 0 on every film"):
        solver.solve(None, grid, solver.Film(1.0, outline=disk((0, 0), 1.0, 256),
                                              pearl_length_map=lambda x, y: x), applied_field=1.0)
