"""(θ, T) phase diagram (solver.phase_diagram), paper Fig. 3d."""

import numpy as np
import pytest

from solver import lattice, thermal
from solver.phase_diagram import phase_diagram

THETA = np.linspace(lattice.TRIANGULAR, lattice.SQUARE, 6)
T = np.array([0.0, 0.5, 0.9, 0.99])


@pytest.fixture(scope="module")
def thermo():
    return phase_diagram(THETA, T, d_over_r0_zero=1 / 50)


def test_zero_temperature_matches_paper(thermo):
    """t = 0, d = r0(0)/50: triangular FM, square layered AFM (thermodynamic limit)."""
    assert thermo.ferro[0, 0] and not thermo.ferro[0, -1]
    assert abs(thermo.critical_angle[0] - lattice.critical_angle(1 / 50)) < 1e-12


def test_energies_follow_the_bcs_superfluid_weight(thermo):
    """E(θ, t) = [D(t)/D(0)] E_lattice(θ, d/r0(0) · D(t)/D(0)), built here from the superfluid
    weight directly (not through pearl_length_at / dipole_constant_ratio)."""
    for i, t in enumerate(T):
        dr = float(thermal.superfluid_weight_ratio(t))
        for j in (0, 3):
            e = lattice.state_energies(THETA[j], dr / 50)
            assert abs(thermo.energy_ferro[i, j] - dr * e["ferro"].energy) < 1e-12
            assert abs(thermo.energy_antiferro[i, j] - dr * e["antiferro"].energy) < 1e-12


def test_thermodynamic_boundary_is_nearly_temperature_independent(thermo):
    """In the thermodynamic limit d/r0(T) → 0 only shifts θ_c by ~1e-4 rad (the lattice FM energy
    stays finite as r0 → ∞): no FM → AFM transition on heating except within that sliver."""
    tc = thermo.critical_angle
    assert np.all(np.isfinite(tc))
    assert np.ptp(tc) < 1e-4
    assert abs(tc[-1] - lattice.critical_angle(0.0, unscreened="limit")) < 1e-5


def test_finite_sample_is_antiferro_where_paper_says_ferro():
    """A disc of radius L = 20 d = 0.4 r0(0): AFM everywhere already at T = 0 (the FM state loses its
    ferromagnetic bonus from distances ≳ r0 that the sample lacks); energies match disc_energy."""
    pd = phase_diagram(THETA[[0, -1]], np.array([0.0, 0.9]), 1 / 50, sample_radius=20.0)
    assert not pd.ferro.any()
    assert np.all(np.isnan(pd.critical_angle))
    e = lattice.disc_energy(THETA[0], 1 / 50, 20.0)
    assert abs(pd.energy_ferro[0, 0] - e) < 1e-12


def test_dataset_round_trip(thermo, tmp_path):
    xr = pytest.importorskip("xarray")
    path = tmp_path / "pd.nc"
    thermo.to_dataset().to_netcdf(path, engine="h5netcdf")
    back = xr.load_dataset(path, engine="h5netcdf")
    assert np.allclose(back["energy_ferro"].values, thermo.energy_ferro)
    assert back["theta"].attrs["units"] == "rad"


@pytest.mark.parametrize("kwargs, name", [
    ({"t": [0.0, 1.0]}, "t"),
    ({"theta": [1.5, 1.2]}, "theta"),
    ({"d_over_r0_zero": 0.0}, "d_over_r0_zero"),
    ({"sample_radius": 1e4}, "sample_radius"),
])
def test_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        phase_diagram(**kwargs)
