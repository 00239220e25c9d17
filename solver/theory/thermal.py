"""Weak-coupling BCS temperature dependence: gap, superfluid weight, Pearl length, couplings.

Everything is expressed through the reduced temperature ``t = T/Tc`` in [0, 1] (k_B = ħ = 1;
energies in units of Tc).

Equations (docs/physics.md "Temperature"; paper main text below Eq. 11 and Fig. 3c)
---------------------------------------------------------------------------------
* Gap equation ln(Tc/T) = 2πT Σ_{n≥0} [1/ω_n − 1/√(ω_n² + Δ²)], ω_n = πT(2n+1), with
  Δ(0) = π e^{−γ_E} Tc ≈ 1.7639 Tc.
* Clean-limit superfluid weight D(T)/D(0) = πT Σ_{n∈Z} Δ²/(ω_n² + Δ²)^{3/2}; the prefactor is
  the main-text one, D = (π/2) v_F² N0 T Σ_n Δ²/(ω_n²+Δ²)^{3/2} → N0 v_F²/2 at T = 0 (the
  supplement's S40 prefactor is wrong).
* Pearl length r0(T) = r0(0) D(0)/D(T) (paper below Eq. 7 / S24: r0 = 2/(e² μ0 D)); the sheet
  stiffness s = e²D and the dipole constant Z = D J0² Γ²/(2π) (paper Eq. 6) scale as D(T).

Numerics
--------
With x_n = 2n + 1 and δ = Δ/(πT) both series become dimensionless,

    ln(1/t) = 2 S(δ),  S(δ) = Σ_{n≥0} [1/x_n − 1/√(x_n² + δ²)],
    D(T)/D(0) = 2 P(δ), P(δ) = Σ_{n≥0} δ²/(x_n² + δ²)^{3/2}.

The first ``_N_DIRECT`` = 100 terms are summed directly in cancellation-free form (important
near Tc where δ → 0); the tail n ≥ 100 is summed by Euler–Maclaurin with the exact tail
integrals and the f, f', f''' end corrections.  The summands are analytic with singularities
at x = 0 and x = ±iδ, i.e. at distance ≥ 201 from the tail's first node (step 2), so the first
omitted correction is < 1e-14 relative for every δ (checked against mpmath in the tests).  For
t → 0 the series turns into its integral (P → 1/2) smoothly and the same formulas stay exact;
for t < ``T_FLAT`` = 1e-3 the deviations from the T = 0 values, √(2πT/Δ0) e^{−Δ0/T} and
√(2πΔ0/T) e^{−Δ0/T}, are below 1e-760, and the T = 0 values are returned exactly.  The gap
equation is solved for δ with Brent's method on the bracket (0, Δ0/(πt)] to relative
tolerance 4 ε (Δ(T) < Δ(0) for t > 0).
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.optimize import brentq

from .._common import checks

__all__ = [
    "DELTA0_OVER_TC", "T_FLAT", "gap_ratio", "gap", "superfluid_weight_ratio",
    "pearl_length_at", "dipole_constant_ratio", "couplings_vs_temperature",
]

#: Δ(0)/Tc = π e^{−γ_E} (weak-coupling BCS).
DELTA0_OVER_TC: float = math.pi * math.exp(-float(np.euler_gamma))
#: Below this reduced temperature Δ(T)/Δ(0) and D(T)/D(0) equal 1 to far below double precision.
T_FLAT: float = 1e-3

_N_DIRECT = 100
_X = 2.0 * np.arange(_N_DIRECT) + 1.0
_XN = 2.0 * _N_DIRECT + 1.0
_H = 2.0  # node spacing in x


def _gap_sum(delta: float) -> float:
    """S(δ) = Σ_{n≥0} [1/x_n − 1/√(x_n² + δ²)], x_n = 2n+1 (absolute error ≲ 1e-15)."""
    if delta == 0.0:
        return 0.0
    rho = np.hypot(_X, delta)
    direct = float(np.sum((delta / rho) * (delta / (_X * (_X + rho)))))
    x = _XN
    r = math.hypot(x, delta)
    d2 = delta * delta
    # (1/h)∫_x^∞ g = (1/2) ln[(1 + √(1+δ²/x²))/2], written without cancellation.
    integral = 0.5 * math.log1p(0.5 * (delta / x) * (delta / (x + r)))
    g0 = d2 / (x * r * (x + r))
    g1 = -d2 * (x * x + x * r + r * r) / ((x + r) * x * x * r**3)
    g3 = -6.0 / x**4 - 9.0 * x / r**5 + 15.0 * x**3 / r**7
    tail = integral + 0.5 * g0 - _H / 12.0 * g1 + _H**3 / 720.0 * g3
    return direct + tail


def _weight_sum(delta: float) -> float:
    """P(δ) = Σ_{n≥0} δ²/(x_n² + δ²)^{3/2}, so that D(T)/D(0) = 2 P(δ)."""
    if delta == 0.0:
        return 0.0
    rho = np.hypot(_X, delta)
    direct = float(np.sum((delta / rho) ** 2 / rho))
    x = _XN
    r = math.hypot(x, delta)
    d2 = delta * delta
    integral = 0.5 * (delta / r) * (delta / (r + x))  # (1/h)∫_x^∞ δ²/ρ³ = (1 − x/ρ)/2
    h0 = d2 / r**3
    h1 = -3.0 * d2 * x / r**5
    h3 = 45.0 * d2 * x / r**7 - 105.0 * d2 * x**3 / r**9
    tail = integral + 0.5 * h0 - _H / 12.0 * h1 + _H**3 / 720.0 * h3
    return direct + tail


@lru_cache(maxsize=4096)
def _delta_reduced(t: float) -> float:
    """δ = Δ(T)/(πT) solving ln(1/t) = 2 S(δ), for T_FLAT <= t < 1."""
    # ln(1/t), accurate relative to (1 - t) near Tc (t - 1 is exact for t in [0.5, 1]).
    lhs = -math.log1p(t - 1.0) if t > 0.5 else -math.log(t)
    dmax = DELTA0_OVER_TC / (math.pi * t)

    def f(d: float) -> float:
        return 2.0 * _gap_sum(d) - lhs

    if f(dmax) <= 0.0:  # only reachable by rounding where Δ(T) = Δ(0) to double precision
        return dmax
    return brentq(f, 0.0, dmax, xtol=1e-300, rtol=4.0 * np.finfo(float).eps, maxiter=500)


def _reduced_temperature(t: Any) -> np.ndarray:
    arr = checks.finite_array("t", t)
    if np.any((arr < 0.0) | (arr > 1.0)):
        bad = arr[(arr < 0.0) | (arr > 1.0)].ravel()[0]
        raise ValueError(f"t = T/Tc must lie in the range [0, 1], got {bad}")
    return arr


def _map(t: Any, fn, at_zero: float, at_one: float):
    arr = _reduced_temperature(t)
    out = np.empty(arr.shape, dtype=float)
    for idx, tv in np.ndenumerate(arr):
        tv = float(tv)
        if tv < T_FLAT:
            out[idx] = at_zero
        elif tv >= 1.0:
            out[idx] = at_one
        else:
            out[idx] = fn(tv)
    return float(out) if out.ndim == 0 else out


def gap_ratio(t: Any) -> float | np.ndarray:
    """BCS gap Δ(T)/Δ(0) at reduced temperature t = T/Tc.

    Parameters
    ----------
    t : float or array_like
        Reduced temperature T/Tc, 0 <= t <= 1 (dimensionless).

    Returns
    -------
    float or ndarray
        Δ(T)/Δ(0), 1 at t = 0 and 0 at t = 1; same shape as ``t``.

    Notes
    -----
    Solves the weak-coupling gap equation (docs/physics.md; paper text before Fig. 3c) with the
    Matsubara series summed to ≲ 1e-15 (module docstring).  Δ(0) = π e^{−γ_E} Tc.

    Raises
    ------
    ValueError
        If ``t`` is not finite or lies outside [0, 1].
    """
    return _map(t, lambda tv: math.pi * tv * _delta_reduced(tv) / DELTA0_OVER_TC, 1.0, 0.0)


def gap(T: Any, Tc: Any) -> float | np.ndarray:
    """BCS gap Δ(T) in the energy units of ``Tc`` (k_B = 1).

    Parameters
    ----------
    T : float or array_like
        Temperature, 0 <= T <= Tc (same unit as ``Tc``).
    Tc : float
        Critical temperature, > 0 and <= 1.8e308 / 1.764 (so that Δ(0) is a finite float).

    Returns
    -------
    float or ndarray
        Δ(T) = π e^{−γ_E} Tc · gap_ratio(T/Tc), in the unit of ``Tc``.
    """
    tc = checks.positive("Tc", Tc)
    top = float(np.finfo(float).max) / DELTA0_OVER_TC
    if tc > top:      # Δ(0) = 1.764 Tc would overflow to inf
        raise ValueError(f"Tc must lie in the range (0, {top:.4g}] (Δ(0) = {DELTA0_OVER_TC:.4f} Tc "
                         f"must be a finite float), got {tc:g}")
    temp = checks.finite_array("T", T)
    if np.any((temp < 0.0) | (temp > tc)):
        bad = temp[(temp < 0.0) | (temp > tc)].ravel()[0]
        raise ValueError(f"T must lie in the range [0, Tc] = [0, {tc}], got {bad}")
    return DELTA0_OVER_TC * tc * gap_ratio(temp / tc)


def superfluid_weight_ratio(t: Any) -> float | np.ndarray:
    """Clean-limit superfluid weight D(T)/D(0) = πT Σ_{n∈Z} Δ²/(ω_n² + Δ²)^{3/2}.

    Parameters
    ----------
    t : float or array_like
        Reduced temperature T/Tc in [0, 1].

    Returns
    -------
    float or ndarray
        D(T)/D(0): 1 at t = 0, ≈ 2(1 − t) near t = 1, 0 at t = 1.

    Notes
    -----
    Main-text form of the superfluid weight (paper after Eq. 11, supplement S3 with the
    prefactor fixed as in docs/physics.md), evaluated with Δ(T) from :func:`gap_ratio`.  It equals
    1 − Y(T) with the Yosida function Y (the tests check this against real-frequency
    quadrature).
    """
    return _map(t, lambda tv: 2.0 * _weight_sum(_delta_reduced(tv)), 1.0, 0.0)


def dipole_constant_ratio(t: Any) -> float | np.ndarray:
    """Z(T)/Z(0) = s(T)/s(0) = D(T)/D(0) (paper Eq. 6: Z = D J0² Γ²/(2π) ∝ D)."""
    return superfluid_weight_ratio(t)


def pearl_length_at(t: Any, pearl_length_zero: Any) -> float | np.ndarray:
    """Pearl length r0(T) = r0(0) D(0)/D(T) (paper S24, r0 = 2/(e² μ0 D)).

    Parameters
    ----------
    t : float or array_like
        Reduced temperature T/Tc in [0, 1].
    pearl_length_zero : float
        r0(T = 0) in any length unit, 0 < r0 <= inf.

    Returns
    -------
    float or ndarray
        r0(T) in the unit of ``pearl_length_zero``; ``inf`` at t = 1.
    """
    r00 = checks.positive_length("pearl_length_zero", pearl_length_zero, allow_inf=True)
    ratio = np.asarray(superfluid_weight_ratio(t), dtype=float)
    out = np.full(ratio.shape, math.inf)
    with np.errstate(over="ignore"):
        np.divide(r00, ratio, out=out, where=ratio > 0.0)
    _check_pearl(out, ratio, r00)
    return float(out) if out.ndim == 0 else out


def _check_pearl(r0t: np.ndarray, ratio: np.ndarray, r00: float) -> None:
    """``ValueError`` where r0(T) = r0(0)/ratio overflowed for t < 1 (a finite r0(T) beyond the
    float range would silently become inf, i.e. "no screening")."""
    bad = np.isinf(r0t) & (ratio > 0.0) & math.isfinite(r00)
    if bad.any():
        rat = float(ratio[bad].ravel()[0])
        raise ValueError(f"the Pearl length r0(T) = pearl_length_zero / (D(T)/D(0)) = {r00:g} / {rat:g} "
                         "exceeds the float range (1.8e308) at this t; use a larger length unit "
                         "(smaller pearl_length_zero) or a t further from 1")


def couplings_vs_temperature(r: Any, pearl_length_zero: Any, t: Any,
                             Z0: Any = 1.0) -> tuple[np.ndarray | float, np.ndarray | float]:
    """Exact couplings (J⊥(T), J∥(T)) of two point impurities at distance r (paper Fig. 3c).

    J⊥ = −Z(T) V'(r)/r and J∥ = Z(T) V''(r) with the Keldysh potential of Pearl length r0(T)
    (paper Eqs. 7, 9), r0(T) = r0(0) D(0)/D(T) and Z(T) = Z0 D(T)/D(0).

    Parameters
    ----------
    r : float or array_like
        Impurity distance(s), > 0, same unit as ``pearl_length_zero``.
    pearl_length_zero : float
        r0 at T = 0, 0 < r0 <= inf.
    t : float or array_like
        Reduced temperature(s) T/Tc in [0, 1]; broadcast against ``r``.
    Z0 : float
        Dipole constant at T = 0 (energy × length², the unit of the result times r²), >= 0.

    Returns
    -------
    (J_perp, J_par) : tuple of float or ndarray
        Couplings in the units of ``Z0 / r²``, shape ``broadcast(r, t)``; both 0 at t = 1.
    """
    from . import keldysh  # lazy: one source of truth for the Keldysh potential

    r_arr = checks.finite_array("r", r)
    if np.any(r_arr <= 0.0):
        raise ValueError("r must be > 0 (allowed range (0, inf))")
    r00 = checks.positive_length("pearl_length_zero", pearl_length_zero, allow_inf=True)
    z0 = checks.nonnegative("Z0", Z0)
    t_arr = _reduced_temperature(t)
    rb, tb = np.broadcast_arrays(r_arr, t_arr)
    j_perp = np.zeros(rb.shape)
    j_par = np.zeros(rb.shape)
    for tv in np.unique(tb):
        ratio = float(superfluid_weight_ratio(float(tv)))
        if ratio <= 0.0 or z0 == 0.0:
            continue  # normal state (t = 1): no superfluid, no coupling
        mask = tb == tv
        with np.errstate(over="ignore"):
            r0t = np.float64(r00) / ratio
        _check_pearl(np.asarray(r0t), np.asarray(ratio), r00)
        jp, jl = keldysh.couplings(rb[mask], float(r0t), Z=z0 * ratio)
        j_perp[mask] = jp
        j_par[mask] = jl
    if j_perp.ndim == 0:
        return float(j_perp), float(j_par)
    return j_perp, j_par
