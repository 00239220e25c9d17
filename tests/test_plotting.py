"""Figures: every function returns (fig, ax), draws into a given ax, works from a Solution or a
Dataset (Agg backend)."""
from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402

import solver  # noqa: E402
from solver import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def sol():
    grid = solver.Grid((48, 48), 0.05)
    isl = [solver.Island.disk((-0.5, 0.0), 0.2, (1.0, 0.0)),
           solver.Island.ellipse((0.5, 0.2), (0.2, 0.1), 0.3, (0.0, 1.0)),
           solver.Island.rectangle((0.3, -0.6), (0.3, 0.2), 0.5),
           solver.Island.polygon([(-0.9, 0.5), (-0.6, 0.5), (-0.75, 0.8)]),
           solver.Island.gaussian((0.0, 0.0), 0.1)]
    a = solver.exchange_map(isl, grid)
    return solver.solve(a, grid, solver.Film(1.0), islands=isl, coupling=1.0)


def _check(result, ax=None):
    fig, ax_out = result
    assert isinstance(fig, matplotlib.figure.Figure)
    if ax is not None:
        assert ax_out is ax and fig is ax.figure
    return fig, ax_out


def test_current_streamlines_solution_and_dataset(sol):
    fig, ax = _check(plotting.current_streamlines(sol))
    assert len(ax.patches) >= 5  # island outlines (streamplot arrows add more)
    fig2, ax2 = plt.subplots()
    _check(plotting.current_streamlines(sol.to_dataset(), ax=ax2, log=False, colorbar=False), ax2)
    assert ax2.get_xlabel() == "x (um)"


def test_field_map(sol):
    ds = sol.to_dataset(heights=(0.0, 0.1))
    fig, ax = plt.subplots()
    _check(plotting.field_map(ds, 0.1, ax=ax), ax)
    np.testing.assert_array_equal(ax.images[0].get_array(), sol.field_z(0.1))
    _check(plotting.field_map(sol, height=0.2))
    with pytest.raises(ValueError, match="height"):
        plotting.field_map(ds, 0.5)
    with pytest.raises(ValueError, match="height"):
        plotting.field_map(sol.to_dataset(0.1), 0.0)


def test_overview_and_outlines(sol):
    fig, axes = plotting.overview(sol.to_dataset(0.1))
    assert len(axes) == 2 and axes[1].get_title().startswith("B_z at height 0.1")
    _, ax = plt.subplots()
    _check(plotting.island_outlines(sol.islands, ax=ax), ax)
    assert len(ax.patches) == 5
    m = np.zeros(sol.grid.shape)
    m[20:25, 20:30] = 1
    _check(plotting.island_outlines([solver.Island.mask(m, sol.grid)]))


def test_coupling_vs_distance_arrays_and_dataset():
    from solver import keldysh

    d = np.array([0.5, 1.0, 2.0, 4.0])
    jp, jl = keldysh.couplings(d, 1.0, Z=1 / (2 * math.pi))
    fig, ax = plt.subplots()
    _check(plotting.coupling_vs_distance(d, jp * 1.01, jl * 1.02, pearl_length=1.0, ax=ax), ax)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    r0 = np.array([0.5, 2.0])
    ds = xr.Dataset({"J_perp": (("separation", "pearl_length"), np.outer(1 / d**2, r0)),
                     "J_par": (("separation", "pearl_length"), np.outer(2 / d**2, r0))},
                    coords={"separation": d, "pearl_length": r0})
    _, ax = _check(plotting.coupling_vs_distance(ds))
    assert len(ax.lines) == 2 * 2 + 2 * 2 + 2  # islands, point dipoles, legend entries
    with pytest.raises(ValueError, match="coordinate"):
        plotting.coupling_vs_distance(ds, x="distance")
    with pytest.raises(ValueError, match="j_perp"):
        plotting.coupling_vs_distance(d)


def test_energy_landscape_minimum_is_ferromagnetic_along_the_axis():
    grid = solver.Grid((64, 64), 0.05)
    isl = [solver.Island.disk((-0.6, 0.0), 0.2), solver.Island.disk((0.6, 0.0), 0.2)]
    ie = solver.interaction_energies(isl, grid, solver.Film(2.0))
    da = plotting.angle_landscape(ie, 0, 1, n=37)
    assert da.dims == ("theta_0", "theta_1") and da.attrs["units"] == "1"
    # consistency with the total energy of the configured moments (both along +x: theta = 0)
    assert float(da[0, 0]) == pytest.approx(ie.total, rel=1e-12)
    k0, k1 = np.unravel_index(int(np.argmin(da.values)), da.shape)
    t0, t1 = float(da.theta_0[k0]), float(da.theta_1[k1])
    assert math.isclose(math.cos(t0 - t1), 1.0, abs_tol=1e-9)  # parallel
    assert abs(math.sin(t0)) < 1e-9  # along the pair axis
    fig, ax = plt.subplots()
    _check(plotting.energy_landscape(ie, ax=ax, n=19), ax)
    _check(plotting.energy_landscape(da))
    with pytest.raises(ValueError, match="island indices"):
        plotting.angle_landscape(ie, 0, 0)
