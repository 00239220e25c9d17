"""Analytic theory of point impurities: Keldysh potential, couplings, currents and fields.

Lengths are in one user unit (the unit of ``pearl_length`` r0). The point-dipole constant is
Z = s g² / (2 pi) (stiffness s, coupling g = Γ J0), so couplings and energies carry the units of
Z / length²; currents carry s g μ / length², fields B_z g μ / length³ (docs/physics.md conventions).

Everything is expressed through the dimensionless functions of x = r/r0 in
:mod:`solver._keldysh_table` (accurate to a few ulp for all x > 0):
V = f(x), r V'(r) = -p(x), r² V''(r) = q(x), and b(x) = 1 - x p(x), so that

* J_perp = -Z V'(r)/r = Z p / r²,  J_par = Z V''(r) = Z q / r²               (paper Eq. 9)
* the coupling tensor C_ab = -Z ∂a∂b V = J_perp δ_ab - (J_perp + J_par) r̂a r̂b  (Eqs. 6, 8)
* the current of a point impurity (Eq. 12, exact with the exact J's)
* B_z(r, z = 0) = g (μ·r̂) G'(r) = -g (μ·r̂) b / (2 pi r0 r²)  (replaces the wrong Eq. 13).

The r0 → ∞ limit (no screening) is exact: p = q = b = 1, J_perp = J_par = Z / r², B = 0.

Numeric range: every result is computed for any representable inputs without intermediate
over- or underflow. Outside 2^±200 the radial factors p/r², q/r², b/(r0 r²) are formed from the
binary mantissas and exponents of r and r0 (:func:`solver._keldysh_kernels.radial_pq`: r ~ 1e-170
or 1e308, denormal r0), and moments, Z, g and s are rescaled by exact powers of two and scaled
back once at the end, so the exact laws F(λ r, λ r0) = λ^-2 F(r, r0), F ∝ Z m1 m2 etc. hold to a
few ulp. A result beyond the float range (|value| > 1.8e308) is a ``ValueError`` naming the
parameters; one below the smallest subnormal is rounded to 0 like any IEEE operation. The
N-impurity sums also need the pair distances of one call within 2^±400 of its largest coordinate
(``ValueError`` otherwise).

N-impurity sums are evaluated in blocks of at most 2^16 pairs, so 10^4 impurities need only ~10
MB (and ~2.5 s on two cores).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._common import checks
from . import _keldysh_kernels as _k
from ._keldysh_table import keldysh_functions

__all__ = ["dipole_tensor", 
    "potential", "couplings", "pair_energy", "coupling_tensor", "current", "field_z",
    "interaction_energy", "local_fields", "current_many", "field_z_many",
    "paper_eq10_couplings", "paper_eq13_field",
]


# ------------------------------------------------------------------------------ validation
def as_pearl_length(pearl_length: Any) -> float:
    return checks.positive_length("pearl_length", pearl_length, allow_inf=True)


def _radii(name: str, r: Any) -> tuple[np.ndarray, float, float]:
    """Distances > 0 as a float array, with their min and max (0, 0 if empty)."""
    arr = checks.finite_array(name, r)
    if arr.size == 0:
        return arr, 0.0, 0.0
    lo = float(arr.min())
    if lo <= 0:
        raise ValueError(f"{name} must be > 0 everywhere (distances), got min {lo!r}")
    return arr, lo, float(arr.max())


_FLOAT_MAX = float(np.finfo(float).max)


def _finite_result(out: np.ndarray, what: str, names: str) -> np.ndarray:
    """``out`` if every entry is finite; else a ``ValueError``: the true value exceeds the float
    range (|x| > 1.8e308), which only the parameters ``names`` can cause."""
    if not np.isfinite(out).all():
        raise ValueError(f"{what} exceeds the float range (|value| > {_FLOAT_MAX:.3g}) for these "
                         f"{names}: the result is not representable; rescale the units")
    return out


def moment_scale(m: np.ndarray) -> tuple[np.ndarray, int]:
    """(m 2^-k, k) with k the binary exponent of max |m| (exact; (m, 0) if m = 0 or moderate)."""
    top = float(np.max(np.abs(m))) if m.size else 0.0
    if top == 0.0 or 2.0**-200 <= top <= 2.0**200:
        return m, 0
    k = math.frexp(top)[1]
    return np.ldexp(m, -k), k


def _difference(name: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a - b, refusing a difference that overflows (points near ±1.8e308)."""
    with np.errstate(over="ignore", invalid="ignore"):
        d = a - b
    if not np.isfinite(d).all():
        raise ValueError(f"{name} overflows the float range (|difference| > {_FLOAT_MAX:.3g}); "
                         "use a smaller length unit")
    return d


_MODERATE = 2.0**100


def normalised_lengths(r0: float, *arrays: np.ndarray, tiny_ok: bool = False, huge_is_inf: bool = True
                ) -> tuple[int, float, list[np.ndarray]]:
    """Lengths rescaled by an exact power of two 2^k: (k, r0 2^-k, [a 2^-k for a in arrays]).

    k is the binary exponent of the largest |coordinate| (0 when all lengths are moderate, i.e.
    within 2^±100, so the common case costs one max). Every length-dependent result scales
    with a power of 2^k, applied exactly at the end (2^k is exact, so this changes nothing but
    the range). A rescaled r0 beyond 2^900 is taken as inf if ``huge_is_inf`` (the couplings'
    dependence on it, O(r/r0), is below 2^-800 relative; not for B_z, which is ∝ 1/r0 there),
    else kept (refused if it overflows). One below 2^-900 is refused, unless ``tiny_ok`` (callers
    whose couplings take r/r0 in split form, :func:`solver._keldysh_kernels.radial_pq`) and it
    is still > 0.
    """
    top = max((float(np.max(np.abs(a))) if a.size else 0.0) for a in arrays)
    moderate = top == 0.0 or 1.0 / _MODERATE <= top <= _MODERATE
    if moderate and (math.isinf(r0) or 1.0 / _MODERATE <= r0 <= _MODERATE):
        return 0, r0, list(arrays)
    k = math.frexp(top)[1] if top > 0 else math.frexp(r0)[1]
    with np.errstate(over="ignore", under="ignore"):
        r0n = float(np.ldexp(r0, -k))           # inf stays inf; an overflow is "r0 = inf" below
    if r0n > 2.0**900 and huge_is_inf:
        r0n = math.inf
    elif math.isinf(r0n) and math.isfinite(r0):
        raise ValueError(f"pearl_length = {r0:g} is beyond 2^1024 times the largest |coordinate| "
                         f"({top:g}): the lengths of one call cannot span that many decades")
    elif r0n < 2.0**-900 and not (tiny_ok and r0n > 0):
        floor = "2^-1074 (~5e-324)" if tiny_ok else "2^-900 (~1e-271)"
        raise ValueError(f"pearl_length = {r0:g} is below {floor} times the largest |coordinate| "
                         f"({top:g}): the lengths of one call cannot span that many decades")
    return k, r0n, [np.ldexp(a, -k) for a in arrays]


def _vectors(name: str, value: Any) -> np.ndarray:
    arr = checks.finite_array(name, value)
    if arr.ndim == 0 or arr.shape[-1] != 2:
        raise ValueError(f"{name} must have shape (..., 2) (x, y components), got {arr.shape}")
    return arr


def as_points(name: str, value: Any, n: int | None = None) -> np.ndarray:
    arr = checks.finite_array(name, value)
    if arr.ndim != 2 or arr.shape[1] != 2 or (n is not None and arr.shape[0] != n):
        want = "(N, 2)" if n is None else f"({n}, 2)"
        raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    return arr


def _out(a: np.ndarray) -> Any:
    return a[()] if a.ndim == 0 else a


# ------------------------------------------------------------------------------ one pair
def potential(r: Any, pearl_length: float, derivative: int = 0) -> Any:
    """Keldysh potential V(r) = (pi/2)[H0(r/r0) - Y0(r/r0)] or its r-derivatives (paper Eq. 7).

    Parameters
    ----------
    r : array_like
        Distances (> 0, finite), user length unit.
    pearl_length : float
        Pearl length r0 in (0, inf].
    derivative : {0, 1, 2}
        0: V (dimensionless); 1: dV/dr (1/length); 2: d²V/dr² (1/length²).

    Returns
    -------
    ndarray or float
        Same shape as ``r``. Accurate to a few 1e-16 relative for every r/r0.

    Raises
    ------
    ValueError
        Bad ``r``, ``pearl_length`` or ``derivative``; ``derivative=0`` with ``pearl_length=inf``
        (V diverges logarithmically; its derivatives -1/r and 1/r² do not).
    """
    if derivative not in (0, 1, 2) or isinstance(derivative, bool):
        raise ValueError(f"derivative must be 0, 1 or 2, got {derivative!r}")
    r, lo, hi = _radii("r", r)
    r0 = as_pearl_length(pearl_length)
    if derivative == 0:
        if math.isinf(r0):
            raise ValueError("pearl_length=inf: the potential V diverges (only derivative=1, 2 exist)")
        with np.errstate(over="ignore", under="ignore", divide="ignore"):
            if _k.in_fast_range(lo, hi, r0):
                return _out(keldysh_functions(r / r0, ("f",))[0])
            return _out(_k.radial_f(r, r0))
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        if _k.in_fast_range(lo, hi, r0):
            p, q = _k.pq(r, r0)
            out = -p / r if derivative == 1 else q / (r * r)
        else:
            P, Q, E = _k.radial_pq(r, r0, lo, hi)
            if derivative == 1:                  # V' = -p/r = -(p/r²) r
                mr, er = np.frexp(r)
                out = -np.ldexp(P * mr, E + er.astype(np.int64))
            else:
                out = _k.scaled(1.0, Q, E)
    return _out(_finite_result(out, f"the derivative {derivative} of V", "r (too small: |V'| ~ 1/r, "
                               "V'' ~ 1/r²)"))


def couplings(r: Any, pearl_length: float, Z: float = 1.0, approximate: bool = False) -> tuple[Any, Any]:
    """Couplings J_perp = -Z V'(r)/r and J_par = Z V''(r) (paper Eq. 9).

    Parameters
    ----------
    r : array_like
        Distances (> 0), user length unit.
    pearl_length : float
        Pearl length r0 in (0, inf]. For inf, J_perp = J_par = Z/r² (2-D dipolar limit).
    Z : float
        Point-dipole constant Z = s g²/(2 pi) >= 0 (energy × length²).
    approximate : bool
        If True, return the paper's elementary Eq. 10 instead (from V ≈ ln(1 + r0/r)). It is exact
        in both limits but off by up to ~10 % near r ~ 3-5 r0: for orientation only.

    Returns
    -------
    (J_perp, J_par) : ndarrays (or floats) shaped like ``r``, units of Z / length².

    Raises
    ------
    ValueError
        Bad ``r``, ``pearl_length`` or ``Z``; a coupling beyond the float range (Z / r² > 1.8e308,
        e.g. r = 1e-170 with Z = 1). Any r/r0 (also a denormal r0) is otherwise exact.

    Examples
    --------
    >>> import numpy as np
    >>> from solver import keldysh
    >>> j_perp, j_par = keldysh.couplings(np.array([1.0, 2.0]), pearl_length=2.0)
    >>> np.round(j_perp, 6).tolist(), np.round(j_par, 6).tolist()
    ([0.696669, 0.134716], [0.900544, 0.196063])
    """
    r, lo, hi = _radii("r", r)
    r0 = as_pearl_length(pearl_length)
    Z = checks.nonnegative("Z", Z)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        P, Q, E = _k.radial_pq(r, r0, lo, hi, approximate=bool(approximate))
        jp, jq = _k.scaled(Z, P, E), _k.scaled(Z, Q, E)
    if r.size and lo < math.sqrt(8.0 * (Z / _FLOAT_MAX)):  # |J| <= 2 Z / r²: overflow possible
        _finite_result(jp, "J_perp", "r and Z (J ~ Z / r²)")
        _finite_result(jq, "J_par", "r and Z (J ~ Z / r²)")
    return _out(jp), _out(jq)


def paper_eq10_couplings(r: Any, pearl_length: float, Z: float = 1.0) -> tuple[Any, Any]:
    """The paper's approximate Eq. 10, J_perp = Z r0/(r²(r+r0)), J_par = Z r0(2r+r0)/(r²(r+r0)²).

    Same as ``couplings(..., approximate=True)``; kept under this name for the errata table.
    """
    return couplings(r, pearl_length, Z=Z, approximate=True)


def dipole_tensor(jperp: np.ndarray, jsum: np.ndarray, vec: np.ndarray) -> np.ndarray:
    """The point-dipole tensor C = J⊥ 1 − (J⊥ + J∥) v̂ v̂ᵀ at vectors ``vec`` (N, 2) -> (N, 2, 2).

    ``jperp`` = J⊥ and ``jsum`` = J⊥ + J∥ (N,) are given, so callers with their own split of the
    couplings (short/long-range parts of the Ewald and mesh sums) share this one algebra;
    :func:`coupling_tensor` is the same C from V(r) itself, in overflow-safe scaled arithmetic.
    """
    r2 = np.einsum("ij,ij->i", vec, vec)
    out = -(jsum / r2)[:, None, None] * vec[:, :, None] * vec[:, None, :]
    out[:, 0, 0] += jperp
    out[:, 1, 1] += jperp
    return out


def coupling_tensor(displacement: Any, pearl_length: float, Z: float = 1.0) -> np.ndarray:
    """Coupling tensor C_ab = -Z ∂a∂b V(r) so that F_I = m1·C·m2 (paper Eqs. 6, 8).

    Parameters
    ----------
    displacement : array_like, shape (..., 2)
        r = r1 - r2 (nonzero), user length unit. C is even in r.
    pearl_length : float
        Pearl length r0 in (0, inf].
    Z : float
        Point-dipole constant (energy × length²).

    Returns
    -------
    ndarray, shape (..., 2, 2)
        C = J_perp 1 - (J_perp + J_par) r̂ r̂ᵀ, units of Z / length².
    """
    d = _vectors("displacement", displacement)
    r0 = as_pearl_length(pearl_length)
    Z = checks.nonnegative("Z", Z)
    r = np.hypot(d[..., 0], d[..., 1])
    if np.any(r == 0):
        raise ValueError("displacement must be nonzero (the pair tensor diverges at r = 0)")
    out = np.empty(d.shape + (2,))
    lo, hi = (float(r.min()), float(r.max())) if r.size else (1.0, 1.0)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        P, Q, E = _k.radial_pq(r, r0, lo, hi)
        ux, uy = d[..., 0] / r, d[..., 1] / r
        S = P + Q
        out[..., 0, 0] = _k.scaled(Z, P - S * ux * ux, E)
        out[..., 1, 1] = _k.scaled(Z, P - S * uy * uy, E)
        out[..., 0, 1] = out[..., 1, 0] = _k.scaled(Z, -S * ux * uy, E)
    return _finite_result(out, "the coupling tensor", "displacement and Z (C ~ Z / r²)")


def pair_energy(r1: Any, r2: Any, m1: Any, m2: Any, pearl_length: float, Z: float = 1.0) -> Any:
    """Interaction energy of two point impurities, F_I = J_perp m1⊥ m2⊥ - J_par m1∥ m2∥ (Eq. 8).

    Parameters
    ----------
    r1, r2 : array_like, shape (..., 2)
        Positions (user length unit); broadcast against each other. r1 ≠ r2.
    m1, m2 : array_like, shape (..., 2)
        In-plane moments (any magnitude; F is bilinear).
    pearl_length : float
        Pearl length r0 in (0, inf].
    Z : float
        Point-dipole constant (energy × length²).

    Returns
    -------
    float or ndarray of the broadcast shape without the last axis (energy unit of Z / length²).
    Symmetric under exchange (1 ↔ 2) — reciprocity.
    """
    a, b = _vectors("r1", r1), _vectors("r2", r2)
    ma, mb = _vectors("m1", m1), _vectors("m2", m2)
    r0 = as_pearl_length(pearl_length)
    Z = checks.nonnegative("Z", Z)
    d = _difference("r1 - r2", a, b)
    if np.any((d[..., 0] == 0) & (d[..., 1] == 0)):
        raise ValueError("r1 and r2 coincide: the pair energy diverges at zero distance")
    (ma, ka), (mb, kb) = moment_scale(ma), moment_scale(mb)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        out = np.asarray(_k.pair_kernel(d, ma, mb, r0, Z, ka + kb))
    return _out(_finite_result(out, "the pair energy", "moments, Z and distances (F ~ Z m1 m2 / r²)"))


# ------------------------------------------------------------------------------ current, field
def _source_terms(coupling: Any, stiffness: Any | None = None) -> tuple[float, float]:
    g = checks.finite_real("coupling", coupling)
    s = 1.0 if stiffness is None else checks.positive("stiffness", stiffness)
    return g, s


def current(points: Any, m: Any, pearl_length: float, coupling: float = 1.0,
            stiffness: float = 1.0, source: Any = (0.0, 0.0)) -> np.ndarray:
    """Sheet current of one point impurity (paper Eq. 12, exact with the exact J's).

    j(r) = (1/g) [J_par (μ×ẑ) - (J_par + J_perp) ((μ×ẑ)·r̂) r̂],  J's with Z = s g²/(2 pi),
    r = point - source, μ×ẑ = (μ_y, -μ_x). The contact term at r = 0 is not included.

    Parameters
    ----------
    points : array_like, shape (..., 2)
        Evaluation points (user length unit), none equal to ``source``.
    m : array_like, shape (2,)
        In-plane moment μ of the impurity.
    pearl_length : float
        Pearl length r0 in (0, inf].
    coupling : float
        g = Γ J0 (any finite real).
    stiffness : float
        Sheet stiffness s > 0.
    source : array_like, shape (2,)
        Impurity position.

    Returns
    -------
    ndarray, shape (..., 2)
        Current density, units of s g / length² (i.e. s g μ / length² for a moment μ).
    """
    pts = _vectors("points", points)
    mv = checks.vector2("m", m)
    src = checks.vector2("source", source)
    r0 = as_pearl_length(pearl_length)
    g, s = _source_terms(coupling, stiffness)
    return _current(pts, src[None, :], mv[None, :], r0, g, s, "source")


def field_z(points: Any, m: Any, pearl_length: float, coupling: float = 1.0, height: float = 0.0,
            source: Any = (0.0, 0.0)) -> Any:
    """Perpendicular field B_z of one point impurity at height z >= 0 above the film.

    B_z(r, z) = -(g/2 pi)(μ·r̂) ∫_0^∞ q² J1(q r) e^{-q z}/(1 + q r0) dq  (docs/physics.md; the paper's
    Eq. 13 is wrong — see :func:`paper_eq13_field`). At z = 0 this is g (μ·r̂) G'(r) with
    G(r) = (1/(2 pi r0)) [1/r - V(r)/r0]: near field -g(μ·r̂)/(2 pi r0 r²), far field
    -3 g r0 (μ·r̂)/(2 pi r⁴). For z > 0 a positive-integrand quadrature is used (~1e-15).

    Parameters
    ----------
    points : array_like, shape (..., 2)
        In-plane evaluation points (user length unit); at z = 0 none may equal ``source``.
    m : array_like, shape (2,)
        In-plane moment μ.
    pearl_length : float
        Pearl length r0 in (0, inf]; for inf the field vanishes (B ∝ 1/r0).
    coupling : float
        g = Γ J0.
    height : float
        z >= 0.
    source : array_like, shape (2,)
        Impurity position.

    Returns
    -------
    ndarray (or float) of shape ``points.shape[:-1]``, units of g μ / length³
    (B = curl A of the dimensionless core, docs/physics.md).
    """
    pts = _vectors("points", points)
    mv = checks.vector2("m", m)
    src = checks.vector2("source", source)
    r0 = as_pearl_length(pearl_length)
    g, _ = _source_terms(coupling)
    z = checks.nonnegative("height", height)
    return _out(_field(pts, src[None, :], mv[None, :], r0, g, z, "source"))


def _current(pts: np.ndarray, pos: np.ndarray, mom: np.ndarray, r0: float, g: float, s: float,
             where: str) -> np.ndarray:
    """Σ_i j(m_i, r - r_i) with the moments and the prefactor s g/(2 pi) rescaled by exact powers
    of two (so that no intermediate over- or underflows), scaled back at the end; the lengths
    need no rescaling (:func:`solver._keldysh_kernels.radial_pq` takes any r/r0)."""
    momn, km = moment_scale(mom)
    (mg, eg), (ms, es) = math.frexp(g), math.frexp(s)
    pref, extra = mg * ms / (2 * math.pi), eg + es + km
    out = _k.superpose(pts, pos, momn, lambda d, m: _k.current_kernel(d, m, r0, pref, extra),
                       "the current", allow_zero=False, vector=True, where=where)
    return _finite_result(out, "the current", "moments, coupling, stiffness and distances "
                          "(j ~ s g m / r²)")


def _field(pts: np.ndarray, pos: np.ndarray, mom: np.ndarray, r0: float, g: float, z: float,
           where: str) -> np.ndarray:
    """Σ_i B_z(m_i, r - r_i, z), rescaled as :func:`_current` (B ~ g m / length³); for z > 0
    the lengths are rescaled too (:func:`normalised_lengths`)."""
    if z == 0.0:
        k, r0n, ptsn, posn, zn = 0, r0, pts, pos, np.array(0.0)
    else:
        k, r0n, (ptsn, posn, zn) = normalised_lengths(r0, pts, pos, np.array(z), huge_is_inf=False)
    momn, km = moment_scale(mom)
    mg, eg = math.frexp(g)
    zn, extra = float(zn), eg + km - 3 * k
    out = _k.superpose(ptsn, posn, momn, lambda d, m: _k.field_kernel(d, m, r0n, mg, zn, extra),
                       "B_z", allow_zero=z > 0, vector=False, where=where)
    return _finite_result(out, "B_z", "moments, coupling and distances (B ~ g m / r³)")


def paper_eq13_field(points: Any, m: Any, pearl_length: float, coupling: float = 1.0,
                     source: Any = (0.0, 0.0)) -> Any:
    """The paper's *printed* Eq. 13 — ERRONEOUS, kept only for the errata table.

    B = (g/4 pi) [2/(r+r0)³ + (2r+r0)/(r²(r+r0)²)] (μ·r̂). It has the wrong sign and the wrong
    far-field power law (1/r³ instead of -3 r0/r⁴); use :func:`field_z`.
    """
    pts = _vectors("points", points)
    mv = checks.vector2("m", m)
    src = checks.vector2("source", source)
    r0 = checks.positive_length("pearl_length", pearl_length)
    g, _ = _source_terms(coupling)
    d = pts - src
    r = np.hypot(d[..., 0], d[..., 1])
    if np.any(r == 0):
        raise ValueError("points must not coincide with source")
    mr = (mv[0] * d[..., 0] + mv[1] * d[..., 1]) / r
    s = r + r0                                  # written without cubes: no spurious overflow
    with np.errstate(under="ignore"):
        out = g / (4 * math.pi) * (2 / s / s / s + ((2 * r + r0) / s) / s / r / r) * mr
    return _out(_finite_result(out, "the Eq. 13 field", "coupling, m and distances"))


# ------------------------------------------------------------------------------ N impurities
def _ensemble(positions: Any, moments: Any) -> tuple[np.ndarray, np.ndarray]:
    pos = as_points("positions", positions)
    return pos, as_points("moments", moments, pos.shape[0])


def interaction_energy(positions: Any, moments: Any, pearl_length: float, Z: float = 1.0) -> float:
    """Total interaction energy E = Σ_{i<j} m_i·C(r_i - r_j)·m_j of N point impurities (Eq. 6).

    Parameters
    ----------
    positions : array_like, shape (N, 2)
        Distinct impurity positions (user length unit).
    moments : array_like, shape (N, 2)
        In-plane moments.
    pearl_length : float
        Pearl length r0 in (0, inf].
    Z : float
        Point-dipole constant (energy × length²).

    Returns
    -------
    float
        Energy in units of Z / length². Evaluated in blocks of <= 2^16 pairs, so memory is
        O(N) (10^4 impurities: 5e7 pairs, ~10 MB, ~2.5 s on two cores).
    """
    pos, mom = _ensemble(positions, moments)
    r0, Z = as_pearl_length(pearl_length), checks.nonnegative("Z", Z)
    k, r0n, (posn,) = normalised_lengths(r0, pos, tiny_ok=True)
    momn, km = moment_scale(mom)
    mz, ez = math.frexp(Z)
    with np.errstate(over="ignore", under="ignore"):
        out = np.ldexp(_k.energy_sum(posn, momn, r0n, mz), ez + 2 * km - 2 * k)
    return float(_finite_result(out, "the interaction energy", "moments, Z and distances "
                                "(E ~ Z m² / r²)"))


def local_fields(positions: Any, moments: Any, pearl_length: float, Z: float = 1.0) -> np.ndarray:
    """Local fields h_i = -∂E/∂m_i = -Σ_{j≠i} C(r_i - r_j) m_j of N point impurities.

    Parameters as :func:`interaction_energy`. Returns an (N, 2) array in units of Z / length²
    per unit moment; E = -½ Σ_i m_i·h_i.
    """
    pos, mom = _ensemble(positions, moments)
    r0, Z = as_pearl_length(pearl_length), checks.nonnegative("Z", Z)
    k, r0n, (posn,) = normalised_lengths(r0, pos, tiny_ok=True)
    momn, km = moment_scale(mom)
    mz, ez = math.frexp(Z)
    with np.errstate(over="ignore", under="ignore"):
        out = np.ldexp(_k.field_sum(posn, momn, r0n, mz), ez + km - 2 * k)
    return _finite_result(out, "the local fields", "moments, Z and distances (h ~ Z m / r²)")


def current_many(points: Any, positions: Any, moments: Any, pearl_length: float,
                 coupling: float = 1.0, stiffness: float = 1.0) -> np.ndarray:
    """Total sheet current Σ_i j(m_i, r - r_i) of N point impurities (paper Eq. 12, superposed).

    Parameters as :func:`current`, with ``positions`` and ``moments`` of shape (N, 2).
    Returns an array of shape ``points.shape`` (units of s g / length²).
    """
    pts = _vectors("points", points)
    pos, mom = _ensemble(positions, moments)
    r0 = as_pearl_length(pearl_length)
    g, s = _source_terms(coupling, stiffness)
    return _current(pts, pos, mom, r0, g, s, "an impurity position")


def field_z_many(points: Any, positions: Any, moments: Any, pearl_length: float,
                 coupling: float = 1.0, stiffness: float = 1.0, height: float = 0.0) -> Any:
    """Total B_z = Σ_i B_z(m_i, r - r_i) of N point impurities at height z >= 0.

    Parameters as :func:`field_z`, with ``positions`` and ``moments`` of shape (N, 2).
    ``stiffness`` is accepted for symmetry with :func:`current_many` and is only validated
    (B_z depends on g and r0). Returns an array of shape ``points.shape[:-1]`` (g μ / length³).
    """
    pts = _vectors("points", points)
    pos, mom = _ensemble(positions, moments)
    r0 = as_pearl_length(pearl_length)
    g, _ = _source_terms(coupling, stiffness)
    z = checks.nonnegative("height", height)
    return _out(_field(pts, pos, mom, r0, g, z, "an impurity position"))


_pearl = as_pearl_length  # the name before it was shared across modules


_list = as_points  # the name before it was shared across modules


_moment_scale = moment_scale  # the name before it was shared across modules


_normalised = normalised_lengths  # the name before it was shared across modules
