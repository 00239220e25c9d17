"""Physical units (solver.materials) against hand calculations with textbook formulas.

The references are written from scratch with scipy.constants: the Pearl length from the London
form Λ = 2 m*/(μ0 n e²) (carrier sheet density n, mass m*), the Dirac density of states from
counting states in the Fermi disc, and the Fe(Te,Se) numbers in eV / nm units.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.constants as sc

import solver
from solver import materials, thermal
from solver.materials import DiracFilm, RashbaFilm

HBAR, E, MU0, EV = sc.hbar, sc.e, sc.mu_0, sc.eV


# ------------------------------------------------------------------ Pearl length by hand
def test_pearl_length_dirac_by_hand():
    # One helical cone: n = k_F²/(4π), cyclotron mass m* = ħ k_F / v_F, Λ = 2 m*/(μ0 n e²).
    E_F, v = 4.5e-3 * EV, 3.0e4
    k_F = E_F / (HBAR * v)
    n, m_star = k_F**2 / (4 * math.pi), HBAR * k_F / v
    r0_hand = 2 * m_star / (MU0 * n * E**2)
    film = DiracFilm(E_F_eV=4.5e-3, v_F=v, Delta_eV=1e-3)
    # identical formulas in different algebraic order: agreement to rounding (1e-13)
    assert film.pearl_length() == pytest.approx(r0_hand, rel=1e-13)
    assert film.pearl_length() == pytest.approx(8 * math.pi * HBAR**2 / (E**2 * MU0 * E_F), rel=1e-13)
    assert film.superfluid_weight() == pytest.approx(n / m_star, rel=1e-13)   # D = n/m*


def test_pearl_length_rashba_by_hand():
    # Parabolic band, both spins: m* = 2E_F/v_F², n = k_F²/(2π), k_F = m* v_F/ħ.
    E_F_eV, v = 0.1, 2.0e5
    m_star = 2 * E_F_eV * EV / v**2
    n = (m_star * v / HBAR) ** 2 / (2 * math.pi)
    film = RashbaFilm(v_F=v, alpha_eVm=1e-11, E_F_eV=E_F_eV, Tc_K=5.0)
    assert film.pearl_length() == pytest.approx(2 * m_star / (MU0 * n * E**2), rel=1e-13)
    # the same film given by its density of states N0 = m*/(πħ²) [1/(eV m²)]
    film2 = RashbaFilm(v_F=v, alpha_eVm=1e-11, N0_per_eV_m2=m_star / (math.pi * HBAR**2) * EV, Tc_K=5.0)
    assert film2.pearl_length() == pytest.approx(film.pearl_length(), rel=1e-13)
    assert film.stiffness() == pytest.approx(2 / (MU0 * film.pearl_length()), rel=1e-14)


# ------------------------------------------------------------------ units / dimensions
_UNITS = {  # exponents of (kg, m, s, A)
    "J": (1, 2, -2, 0), "m": (0, 1, 0, 0), "s": (0, 0, 1, 0), "C": (0, 0, 1, 1),
    "H": (1, 2, -2, -2), "T": (1, 0, -2, -1),
}


def _u(**powers: int) -> tuple[Fraction, ...]:
    out = [Fraction(0)] * 4
    for name, p in powers.items():
        for i, e in enumerate(_UNITS[name]):
            out[i] += p * e
    return tuple(out)


def _mul(*units: tuple[Fraction, ...]) -> tuple[Fraction, ...]:
    return tuple(sum(c) for c in zip(*units))


def _pow(u: tuple[Fraction, ...], p: int) -> tuple[Fraction, ...]:
    return tuple(p * c for c in u)


def test_unit_bookkeeping():
    # Dimensional analysis of the chain documented in solver.materials (base units kg, m, s, A).
    N0 = _u(J=-1, m=-2)
    v = _u(m=1, s=-1)
    D = _mul(N0, _pow(v, 2))                                   # J⁻¹ s⁻²
    s = _mul(_pow(_u(C=1), 2), D)
    assert s == _u(H=-1)                                       # e²D is an inverse inductance
    assert _pow(_mul(_u(H=1, m=-1), s), -1) == _u(m=1)         # r0 = 2/(μ0 s) is a length
    gamma = _pow(v, -1)
    J0 = _u(J=1, m=2)
    g = _mul(gamma, J0, _u(C=-1))
    assert g == _u(T=1, m=3)                                   # a = g δ²(r) is in T m
    Z = _mul(s, _pow(g, 2))
    assert Z == _u(J=1, m=2)                                   # Z = s g²/2π: energy × area
    assert _mul(D, _pow(gamma, 2), _pow(J0, 2)) == Z           # = D Γ² J0²/2π (Eq. 6)


def test_numerical_consistency_of_units():
    film = RashbaFilm(v_F=1.5e5, alpha_eVm=3e-11, E_F_eV=0.05, Delta_eV=1e-3,
                      exchange_eV=-0.1, impurity_area_m2=1e-19, moment=2.0, spacing_m=5e-9)
    alpha_velocity = 3e-11 * EV / HBAR
    assert film.gamma == pytest.approx(alpha_velocity / 1.5e5**2, rel=1e-15)      # Γ = α/v_F²
    J0 = -0.1 * EV * 1e-19
    assert film.coupling == pytest.approx(film.gamma * J0 / E, rel=1e-15)
    Z_eq6 = film.superfluid_weight() * film.gamma**2 * J0**2 / (2 * math.pi)
    assert film.dipole_constant() == pytest.approx(Z_eq6, rel=1e-14)
    # scaling: Z ∝ J0² ∝ 𝒜², and couplings ∝ |m|²
    film2 = RashbaFilm(v_F=1.5e5, alpha_eVm=3e-11, E_F_eV=0.05, Delta_eV=1e-3,
                       exchange_eV=-0.1, impurity_area_m2=2e-19, moment=4.0, spacing_m=5e-9)
    assert film2.dipole_constant() == pytest.approx(4 * film.dipole_constant(), rel=1e-14)
    assert film2.couplings_meV()[0] == pytest.approx(16 * film.couplings_meV()[0], rel=1e-13)
    # BCS Tc ↔ Δ
    assert film.Tc_K == pytest.approx(1e-3 * EV / (math.pi * math.exp(-np.euler_gamma) * sc.k), rel=1e-14)


# ------------------------------------------------------------------ Fe(Te,Se)
def test_fe_te_se_preset_reproduces_documented_numbers():
    # Hand calculation in eV and m: N0 = E_F/(2π(ħv)²), Z = N0 J0²/(4π), J ≈ |m|² Z/d² (d ≪ r0).
    hv, E_F, J0, m, d = 0.216e-10, 4.5e-3, 50e-3 * (0.4e-9) ** 2, 5.0, 2e-9
    N0 = E_F / (2 * math.pi * hv**2)                      # 1/(eV m²)
    Z = N0 * J0**2 / (4 * math.pi)                         # eV m²
    scale_meV = 1e3 * m**2 * Z / d**2
    est = materials.fe_te_se_estimate()
    assert est["dipole_constant_eVm2"] == pytest.approx(Z, rel=1e-13)
    assert est["scale_meV"] == pytest.approx(scale_meV, rel=1e-13)
    assert est["scale_meV"] == pytest.approx(0.04886, abs=5e-6)            # documented number
    assert est["pearl_length_m"] == pytest.approx(1.2018e-2, rel=1e-4)     # documented: 1.202 cm
    # exact couplings: d/r0 = 1.7e-7, J⊥/scale = 1 − O((d/r0) ln) → agree to 1e-6; J∥ ≥ J⊥
    assert est["J_perp_meV"] == pytest.approx(scale_meV, rel=1e-6)
    assert est["J_par_meV"] == pytest.approx(scale_meV, rel=1e-6)
    assert est["J_par_meV"] - est["J_perp_meV"] == pytest.approx(scale_meV * d / est["pearl_length_m"], rel=0.05)
    # The paper's "roughly 2 meV" = the (2π)² larger value: 0.216 eV Å read as h v_F.
    paper = materials.fe_te_se_estimate(velocity_reading="h")
    assert paper["scale_meV"] == pytest.approx(1e3 * E_F * J0**2 * m**2 / (2 * hv**2 * d**2), rel=1e-13)
    assert paper["scale_meV"] == pytest.approx(1.929, abs=1e-3)
    assert 1.5 < paper["scale_meV"] < 2.5
    assert paper["pearl_length_m"] == pytest.approx(est["pearl_length_m"], rel=1e-14)  # v_F-free
    film = materials.fe_te_se()
    assert film.Tc_K == pytest.approx(9.868, abs=1e-3)
    assert film.v_F == pytest.approx(0.216e-10 * EV / HBAR, rel=1e-15)


def test_temperature_variants():
    film = materials.fe_te_se()
    for t in (0.0, 0.4, 0.9):
        ratio = thermal.superfluid_weight_ratio(t)
        assert film.pearl_length(t) == pytest.approx(film.pearl_length() / ratio, rel=1e-14)
        assert film.dipole_constant(t) == pytest.approx(film.dipole_constant() * ratio, rel=1e-14)
        assert film.gap_eV(t) == pytest.approx(1.5e-3 * thermal.gap_ratio(t), rel=1e-14)
    assert math.isinf(film.pearl_length(1.0))
    assert film.couplings_meV(t=1.0) == (0.0, 0.0)
    assert film.reduced_temperature(film.Tc_K / 2) == pytest.approx(0.5, rel=1e-15)
    est = materials.fe_te_se_estimate(t=0.5)
    assert est["scale_meV"] == pytest.approx(0.04886 * thermal.superfluid_weight_ratio(0.5), rel=1e-3)


def test_to_film_and_energy_unit():
    keldysh = pytest.importorskip("solver.keldysh")
    film = materials.fe_te_se()
    L = 1e-9
    core = film.to_film(length_unit_m=L, t=0.3)
    assert isinstance(core, solver.Film)
    assert core.pearl_length == pytest.approx(film.pearl_length(0.3) / L, rel=1e-14)
    # dimensionless core (s = g = 1, Z = 1/2π) × |m|² × energy unit = physical couplings in meV
    d = np.array([2.0, 7.0])
    jp, jl = keldysh.couplings(d, core.pearl_length, Z=core.dipole_constant(1.0))
    unit = film.energy_unit_meV(length_unit_m=L, t=0.3)
    ep, el = film.couplings_meV(d * L, t=0.3)
    assert np.allclose(film.moment**2 * unit * jp, ep, rtol=1e-13)
    assert np.allclose(film.moment**2 * unit * jl, el, rtol=1e-13)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("kwargs, name", [
    (dict(v_F=-1.0), "v_F"),
    (dict(v_F=np.nan), "v_F"),
    (dict(E_F_eV=np.nan), "E_F_eV"),
    (dict(E_F_eV=-1e-3), "E_F_eV"),
    (dict(Delta_eV=-1e-3), "Delta_eV"),
    (dict(Delta_eV=None), "Delta_eV"),
    (dict(Tc_K=1.0), "Tc_K"),                       # inconsistent with Delta_eV
    (dict(impurity_area_m2=0.0), "impurity_area_m2"),
    (dict(exchange_eV=np.inf), "exchange_eV"),
    (dict(moment=-1.0), "moment"),
    (dict(spacing_m=-1e-9), "spacing_m"),
])
def test_bad_dirac_input(kwargs, name):
    base = dict(E_F_eV=4.5e-3, v_F=3e4, Delta_eV=1.5e-3, exchange_eV=0.05,
                impurity_area_m2=1.6e-19, moment=5.0, spacing_m=2e-9)
    base.update(kwargs)
    with pytest.raises(ValueError, match=name):
        DiracFilm(**base)


def test_bad_other_input():
    with pytest.raises(ValueError, match="v_F"):
        DiracFilm(E_F_eV=1e-3, v_F=1e4, hbar_vF_eVm=1e-11, Delta_eV=1e-3)
    with pytest.raises(ValueError, match="alpha_eVm"):
        RashbaFilm(v_F=1e5, alpha_eVm=1e-9, E_F_eV=0.1, Tc_K=1.0)     # α/ħ > v_F
    with pytest.raises(ValueError, match="E_F_eV"):
        RashbaFilm(v_F=1e5, alpha_eVm=1e-12, Tc_K=1.0)
    film = materials.fe_te_se()
    for bad in (-0.1, 1.2, np.nan):
        with pytest.raises(ValueError, match=r"\bt\b"):
            film.pearl_length(bad)
        with pytest.raises(ValueError, match=r"\bt\b"):
            film.couplings_meV(t=bad)
    with pytest.raises(ValueError, match="distance_m"):
        film.couplings_meV(-1e-9)
    with pytest.raises(ValueError, match="T_K"):
        film.reduced_temperature(100.0)
    with pytest.raises(ValueError, match="length_unit_m"):
        film.to_film(length_unit_m=0.0)
    with pytest.raises(ValueError, match="exchange_eV"):
        DiracFilm(E_F_eV=1e-3, v_F=1e4, Delta_eV=1e-3).dipole_constant()
    with pytest.raises(ValueError, match="velocity_reading"):
        materials.fe_te_se("planck")
