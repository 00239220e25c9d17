"""Weak-coupling BCS temperature dependence (solver.thermal) against independent references.

References used here never call the package's Matsubara summation: mpmath series (30 digits),
the exact Poisson-resummed (Bessel-K) forms of the same series, real-frequency integrals by
scipy quad, and analytic Ginzburg–Landau / low-temperature asymptotics.
"""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import k0, k1, zeta

from solver import thermal

DELTA0 = math.pi * math.exp(-np.euler_gamma)   # Δ(0)/Tc, written independently
INTERIOR = [0.1, 0.3, 0.5, 0.7, 0.9, 0.99]


def _k_series(fun, z: float, terms: int = 400) -> float:
    """Σ_{k≥1} (−1)^{k+1} fun(k z) (alternating, terms decay like e^{−kz})."""
    k = np.arange(1, terms + 1)
    return float(np.sum((-1.0) ** (k + 1) * fun(k * z)))


# ------------------------------------------------------------------ Matsubara series
@pytest.mark.parametrize("delta", [1e-6, 1e-3, 0.1, 1.0, 5.0, 20.0])
def test_series_vs_mpmath(delta):
    # mpmath nsum at 30 digits is reliable for δ <= ~30 (checked against brute-force sums);
    # the package's sums carry ~1e-15 relative error, 1e-13 leaves a margin of 100.
    mp.mp.dps = 30
    d = mp.mpf(delta)
    s_ref = mp.nsum(lambda n: 1 / (2 * n + 1) - 1 / mp.sqrt((2 * n + 1) ** 2 + d**2), [0, mp.inf])
    p_ref = mp.nsum(lambda n: d**2 / ((2 * n + 1) ** 2 + d**2) ** 1.5, [0, mp.inf])
    assert thermal._gap_sum(delta) == pytest.approx(float(s_ref), rel=1e-13, abs=0)
    assert thermal._weight_sum(delta) == pytest.approx(float(p_ref), rel=1e-13, abs=0)


@pytest.mark.parametrize("delta", [1.0, 5.0, 30.0, 200.0, 561.0])
def test_series_vs_poisson_resummation(delta):
    # Exact identities (Poisson summation over Matsubara frequencies, z = πδ = Δ/T):
    #   2S(δ) = ln δ + γ_E + 2 Σ_k (−1)^{k+1} K0(k z),  2P(δ) = 1 − 2 Σ_k (−1)^{k+1} k z K1(k z).
    # Bessel sums are accurate to ~1e-16; allow 1e-13 (absolute, S ~ 1..4, P ~ 1/2).
    z = math.pi * delta
    s_ref = 0.5 * (math.log(delta) + np.euler_gamma + 2 * _k_series(k0, z))
    p_ref = 0.5 * (1.0 - 2 * _k_series(lambda x: x * k1(x), z))
    assert abs(thermal._gap_sum(delta) - s_ref) < 1e-13
    assert abs(thermal._weight_sum(delta) - p_ref) < 1e-13


# ------------------------------------------------------------------ gap
def test_zero_temperature_gap():
    # At t = 0.02 and 0.05 the deviation of Δ from Δ(0), √(2πT/Δ0) e^{−Δ0/T}, is < 1e-15,
    # so solving the finite-T gap equation must land on π e^{−γ_E} Tc (spec: ≤ 1e-10).
    for t in (0.02, 0.05):
        assert abs(thermal.gap(t, 1.0) - DELTA0) <= 1e-10 * DELTA0
    assert thermal.gap(0.0, 2.5) == pytest.approx(2.5 * DELTA0, rel=1e-15)
    assert thermal.gap_ratio(0.0) == 1.0 and thermal.gap_ratio(1.0) == 0.0


@pytest.mark.parametrize("t", INTERIOR)
def test_gap_equation_residual(t):
    # Residual of ln(Tc/T) = 2πT Σ_{n≥0}[1/ω_n − 1/√(ω_n²+Δ²)] in 30-digit mpmath (ω form, not
    # the package's δ form); Δ is solved to 4 ulp, so the residual must be ≲ 1e-14 (spec 1e-12).
    mp.mp.dps = 30
    T = mp.mpf(t)
    D = mp.mpf(thermal.gap(t, 1.0))
    w = lambda n: mp.pi * T * (2 * n + 1)  # noqa: E731
    rhs = 2 * mp.pi * T * mp.nsum(lambda n: 1 / w(n) - 1 / mp.sqrt(w(n) ** 2 + D**2), [0, mp.inf])
    assert abs(float(mp.log(1 / T) - rhs)) < 1e-12


def _gap_real_frequency(t: float) -> float:
    """Δ(T)/Tc from ∫_0^∞ [tanh(E/2T)/E − tanh(ξ/2Tc)/ξ] dξ = 0 (cut-off-free BCS, Tc = 1)."""
    def residual(delta: float) -> float:
        def f(xi: float) -> float:
            e = math.hypot(xi, delta)
            a = math.tanh(e / (2 * t)) / e
            b = math.tanh(xi / 2) / xi if xi > 0 else 0.5
            return a - b
        return quad(f, 0, 60, epsabs=1e-14, limit=200)[0] + quad(f, 60, np.inf, epsabs=1e-14)[0]
    return brentq(residual, 1e-8, 2.0, xtol=1e-14)


@pytest.mark.parametrize("t", [0.3, 0.7, 0.95])
def test_gap_vs_real_frequency_equation(t):
    # Independent real-frequency formulation; quad resolves the residual to ~1e-13 and
    # dΔ/d(residual) = O(1) away from Tc, so 1e-9 absolute is a safe bound.
    assert abs(thermal.gap(t, 1.0) - _gap_real_frequency(t)) < 1e-9


def test_ginzburg_landau_slope():
    # Near Tc: Δ²/(8π²Tc²(1−t)/(7ζ(3))) = 1 + c (1−t) + O((1−t)²), with
    # c = 93ζ(5)/(98ζ(3)²) − 3/2 from expanding ln(1/t) = (7ζ(3)/8)δ² − (93ζ(5)/128)δ⁴.
    # Measured (ratio−1)/ε − c ≈ 0.0425 ε, so require |…| ≤ 0.1 ε (and round-off ~1e-15/ε).
    c = 93 * zeta(5) / (98 * zeta(3) ** 2) - 1.5
    for eps_nominal in (1e-2, 1e-3, 1e-4, 1e-5):
        t = 1.0 - eps_nominal
        eps = 1.0 - t  # exact ε of the float t
        ratio = (DELTA0 * thermal.gap_ratio(t)) ** 2 / (8 * math.pi**2 * eps / (7 * zeta(3)))
        assert abs((ratio - 1) / eps - c) <= 0.1 * eps + 1e-9
    # and the ratio itself tends to 1
    assert abs((DELTA0 * thermal.gap_ratio(1 - 1e-9)) ** 2 / (8 * math.pi**2 * (1 - (1 - 1e-9)) / (7 * zeta(3))) - 1) < 1e-8


def test_gap_low_temperature_exact_and_asymptotic():
    # Exact: ln(Δ0/Δ) = 2 Σ_k (−1)^{k+1} K0(kΔ/T) (real-frequency form, Fermi function expanded);
    # both sides carry ~1e-16 absolute error → 1e-13.
    for t in np.linspace(0.05, 0.9, 18):
        g = thermal.gap_ratio(t)
        z = DELTA0 * g / t
        assert abs(math.log(1 / g) - 2 * _k_series(k0, z)) < 1e-13
    # Leading asymptotics 1 − Δ/Δ0 ≈ √(2πT/Δ0) e^{−Δ0/T}: the K0 expansion gives a relative
    # correction −1/(8z) + O(1/z²), z = Δ0/T; allow 1/(4z).
    for t in (0.08, 0.1, 0.125):
        z = DELTA0 / t
        dev = (1 - thermal.gap_ratio(t)) / (math.sqrt(2 * math.pi / z) * math.exp(-z))
        assert abs(dev - 1) <= 1 / (4 * z)
    # exponentially flat: indistinguishable from 1 below t ≈ 0.05, also across T_FLAT
    for t in (thermal.T_FLAT * 0.999, thermal.T_FLAT * 1.001, 0.01, 0.04):
        assert abs(thermal.gap_ratio(t) - 1) < 2e-15


def test_gap_monotone_and_vectorized():
    t = np.linspace(0, 1, 101)
    g = thermal.gap_ratio(t)
    # strictly decreasing once the exponentially small deviation from 1 exceeds round-off
    assert g.shape == t.shape and np.all(np.diff(g) < 2e-15) and np.all(np.diff(g[10:]) < 0)
    assert thermal.gap_ratio(t.reshape(1, 101, 1)).shape == (1, 101, 1)
    assert isinstance(thermal.gap_ratio(0.3), float)


# ------------------------------------------------------------------ superfluid weight
def _yosida(t: float, delta: float) -> float:
    """Y(T) = (1/4T) ∫_{−∞}^{∞} sech²(E/2T) dξ = (1/2T) ∫_0^∞ sech²(√(ξ²+Δ²)/2T) dξ."""
    def f(xi: float) -> float:
        u = math.exp(-math.hypot(xi, delta) / t)  # sech²(x) = 4e^{−2x}/(1 + e^{−2x})², no overflow
        return 4 * u / (1 + u) ** 2

    return quad(f, 0, np.inf, epsabs=1e-14, epsrel=1e-13, limit=200)[0] / (2 * t)


@pytest.mark.parametrize("t", INTERIOR)
def test_superfluid_weight_vs_yosida(t):
    # D(T)/D(0) = 1 − Y(T) (Matsubara sum ↔ real-frequency integral); quad to ~1e-13 → 1e-9.
    delta = thermal.gap(t, 1.0)
    assert abs(thermal.superfluid_weight_ratio(t) - (1 - _yosida(t, delta))) < 1e-9


def test_superfluid_weight_limits():
    assert thermal.superfluid_weight_ratio(0.0) == 1.0
    assert thermal.superfluid_weight_ratio(1.0) == 0.0
    # Low T: 1 − D = Y ≈ √(2πz) e^{−z}(1 + 3/(8z) − 15/(128z²) + …), z = Δ/T (K1 asymptotics):
    # the relative deviation must lie between the one- and two-term corrections.
    for t in (0.06, 0.08, 0.1, 0.15):
        z = thermal.gap(t, 1.0) / t
        dev = (1 - thermal.superfluid_weight_ratio(t)) / (math.sqrt(2 * math.pi * z) * math.exp(-z)) - 1
        assert 3 / (8 * z) - 15 / (128 * z**2) - 1e-6 <= dev <= 3 / (8 * z)
    # Near Tc: D/D0 = 2(1 − t)(1 + O(1 − t)) (P ≈ (7ζ(3)/8)δ² = (1 − t)); measured ≈ −0.18 ε.
    for eps in (3e-2, 1e-2, 1e-3):
        assert abs(thermal.superfluid_weight_ratio(1 - eps) / (2 * eps) - 1) <= 0.5 * eps
    t = np.linspace(0, 1, 51)
    d = thermal.superfluid_weight_ratio(t)
    assert np.all(np.diff(d) < 2e-15) and np.all(np.diff(d[5:]) < 0)


def test_pearl_length_and_dipole_constant():
    t = np.array([0.0, 0.3, 0.8, 1.0])
    d = thermal.superfluid_weight_ratio(t)
    r0 = thermal.pearl_length_at(t, 2.0)
    assert np.allclose(r0[:3], 2.0 / d[:3], rtol=1e-15) and math.isinf(r0[3])
    assert np.array_equal(thermal.dipole_constant_ratio(t), d)
    assert thermal.pearl_length_at(0.5, math.inf) == math.inf


def test_couplings_vs_temperature():
    keldysh = pytest.importorskip("solver.keldysh")
    r00, Z0 = 1.0, 3.0
    r = r00 / 50
    t = np.linspace(0, 1, 11)
    jp, jl = thermal.couplings_vs_temperature(r, r00, t, Z0=Z0)
    for i, tv in enumerate(t[:-1]):
        ratio = thermal.superfluid_weight_ratio(tv)
        ep, el = keldysh.couplings(r, r00 / ratio, Z=Z0 * ratio)
        assert jp[i] == pytest.approx(ep, rel=1e-14) and jl[i] == pytest.approx(el, rel=1e-14)
    assert jp[-1] == 0.0 and jl[-1] == 0.0
    # Fig. 3c: both fall with T, and the FM share (J∥ − J⊥)/(J∥ + J⊥) shrinks as r0(T) grows.
    assert np.all(np.diff(jp) < 0) and np.all(np.diff(jl) < 0)
    share = (jl[:-1] - jp[:-1]) / (jl[:-1] + jp[:-1])
    assert np.all(share > 0) and np.all(np.diff(share) < 0)
    # broadcasting r against t
    out = thermal.couplings_vs_temperature(np.array([[0.1], [0.2]]), r00, np.array([0.0, 0.5, 1.0]))
    assert out[0].shape == (2, 3)
    assert isinstance(thermal.couplings_vs_temperature(0.1, 1.0, 0.2)[0], float)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("bad", [-0.1, 1.1, np.nan, np.inf, "x"])
def test_bad_reduced_temperature(bad):
    for fn in (thermal.gap_ratio, thermal.superfluid_weight_ratio, thermal.dipole_constant_ratio):
        with pytest.raises(ValueError, match=r"\bt\b"):
            fn(bad)
    with pytest.raises(ValueError, match=r"\bt\b"):
        thermal.gap_ratio([0.2, bad])


def test_bad_other_arguments():
    with pytest.raises(ValueError, match=r"range \[0, 1\]"):
        thermal.gap_ratio(1.5)
    with pytest.raises(ValueError, match="T must lie in the range"):
        thermal.gap(2.0, 1.0)
    with pytest.raises(ValueError, match="Tc"):
        thermal.gap(0.5, -1.0)
    with pytest.raises(ValueError, match="pearl_length_zero"):
        thermal.pearl_length_at(0.5, -1.0)
    with pytest.raises(ValueError, match="r must be > 0"):
        thermal.couplings_vs_temperature(-1.0, 1.0, 0.5)
    with pytest.raises(ValueError, match="Z0"):
        thermal.couplings_vs_temperature(1.0, 1.0, 0.5, Z0=np.nan)
