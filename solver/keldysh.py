"""Analytic theory of point impurities: Keldysh potential, couplings, currents and fields.

Lengths are in one user unit (the unit of ``pearl_length`` r0). The point-dipole constant is
Z = s g² / (2 pi) (stiffness s, coupling g = Γ J0), so couplings and energies carry the units of
Z / length²; currents carry s g μ / length², fields B_z g μ / length³ (PHYSICS.md conventions).

Everything is expressed through the dimensionless functions of x = r/r0 in
:mod:`solver._keldysh_table` (accurate to a few ulp for all x > 0):
V = f(x), r V'(r) = -p(x), r² V''(r) = q(x), and b(x) = 1 - x p(x), so that

* J_perp = -Z V'(r)/r = Z p / r²,  J_par = Z V''(r) = Z q / r²               (paper Eq. 9)
* the coupling tensor C_ab = -Z ∂a∂b V = J_perp δ_ab - (J_perp + J_par) r̂a r̂b  (Eqs. 6, 8)
* the current of a point impurity (Eq. 12, exact with the exact J's)
* B_z(r, z = 0) = g (μ·r̂) G'(r) = -g (μ·r̂) b / (2 pi r0 r²)  (replaces the wrong Eq. 13).

The r0 → ∞ limit (no screening) is exact: p = q = b = 1, J_perp = J_par = Z / r², B = 0.
N-impurity sums are evaluated in blocks of at most 2^16 pairs, so 10^4 impurities need only ~10
MB (and ~2.5 s on two cores).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import checks
from . import _keldysh_kernels as _k
from ._keldysh_table import keldysh_functions

__all__ = [
    "potential", "couplings", "pair_energy", "coupling_tensor", "current", "field_z",
    "interaction_energy", "local_fields", "current_many", "field_z_many",
    "paper_eq10_couplings", "paper_eq13_field",
]


# ------------------------------------------------------------------------------ validation
def _pearl(pearl_length: Any) -> float:
    return checks.positive_length("pearl_length", pearl_length, allow_inf=True)


def _radii(name: str, r: Any) -> np.ndarray:
    arr = checks.finite_array(name, r)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0 everywhere (distances), got min {arr.min()!r}")
    return arr


def _vectors(name: str, value: Any) -> np.ndarray:
    arr = checks.finite_array(name, value)
    if arr.ndim == 0 or arr.shape[-1] != 2:
        raise ValueError(f"{name} must have shape (..., 2) (x, y components), got {arr.shape}")
    return arr


def _list(name: str, value: Any, n: int | None = None) -> np.ndarray:
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
    r = _radii("r", r)
    r0 = _pearl(pearl_length)
    if derivative == 0:
        if math.isinf(r0):
            raise ValueError("pearl_length=inf: the potential V diverges (only derivative=1, 2 exist)")
        with np.errstate(over="ignore", under="ignore", divide="ignore"):
            return _out(keldysh_functions(r / r0, ("f",))[0])
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        if derivative == 1:
            return _out(-_k.pq(r, r0)[0] / r)
        return _out(_k.pq(r, r0)[1] / (r * r))


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
    """
    r = _radii("r", r)
    r0 = _pearl(pearl_length)
    Z = checks.nonnegative("Z", Z)
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        r2 = r * r
        if approximate:
            x = r / r0
            jp = Z / (r2 * (1.0 + x))
            jq = Z * (1.0 + 2.0 * x) / (r2 * (1.0 + x) ** 2)
        else:
            p, q = _k.pq(r, r0)
            jp, jq = Z * p / r2, Z * q / r2
    return _out(jp), _out(jq)


def paper_eq10_couplings(r: Any, pearl_length: float, Z: float = 1.0) -> tuple[Any, Any]:
    """The paper's approximate Eq. 10, J_perp = Z r0/(r²(r+r0)), J_par = Z r0(2r+r0)/(r²(r+r0)²).

    Same as ``couplings(..., approximate=True)``; kept under this name for the errata table.
    """
    return couplings(r, pearl_length, Z=Z, approximate=True)


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
    r0 = _pearl(pearl_length)
    Z = checks.nonnegative("Z", Z)
    r = np.hypot(d[..., 0], d[..., 1])
    if np.any(r == 0):
        raise ValueError("displacement must be nonzero (the pair tensor diverges at r = 0)")
    p, q = _k.pq(r, r0)
    out = np.empty(d.shape + (2,))
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        jp = Z * p / (r * r)
        ux, uy = d[..., 0] / r, d[..., 1] / r
        s = jp + Z * q / (r * r)
        out[..., 0, 0] = jp - s * ux * ux
        out[..., 1, 1] = jp - s * uy * uy
        out[..., 0, 1] = out[..., 1, 0] = -s * ux * uy
    return out


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
    r0 = _pearl(pearl_length)
    Z = checks.nonnegative("Z", Z)
    d = a - b
    if np.any((d[..., 0] == 0) & (d[..., 1] == 0)):
        raise ValueError("r1 and r2 coincide: the pair energy diverges at zero distance")
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        return _out(np.asarray(_k.pair_kernel(d, ma, mb, r0, Z)))


# ------------------------------------------------------------------------------ current, field
def _source_terms(coupling: Any, stiffness: Any | None = None) -> tuple[float, float]:
    g = checks.finite_real("coupling", coupling)
    s = 1.0 if stiffness is None else checks.positive_length("stiffness", stiffness)
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
    r0 = _pearl(pearl_length)
    g, s = _source_terms(coupling, stiffness)
    d = pts - src
    if np.any((d[..., 0] == 0) & (d[..., 1] == 0)):
        raise ValueError("points must not coincide with source (the current diverges there)")
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        return _k.current_kernel(d, mv, r0, s * g / (2 * math.pi))


def field_z(points: Any, m: Any, pearl_length: float, coupling: float = 1.0, height: float = 0.0,
            source: Any = (0.0, 0.0)) -> Any:
    """Perpendicular field B_z of one point impurity at height z >= 0 above the film.

    B_z(r, z) = -(g/2 pi)(μ·r̂) ∫_0^∞ q² J1(q r) e^{-q z}/(1 + q r0) dq  (PHYSICS.md; the paper's
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
    (B = curl A of the dimensionless core, PHYSICS.md).
    """
    pts = _vectors("points", points)
    mv = checks.vector2("m", m)
    src = checks.vector2("source", source)
    r0 = _pearl(pearl_length)
    g, _ = _source_terms(coupling)
    z = checks.nonnegative("height", height)
    d = pts - src
    if z == 0.0 and np.any((d[..., 0] == 0) & (d[..., 1] == 0)):
        raise ValueError("points must not coincide with source at height 0 (B_z diverges there)")
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        return _out(_k.field_kernel(d, mv, r0, g, z))


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
    return _out(g / (4 * math.pi) * (2 / (r + r0) ** 3 + (2 * r + r0) / (r**2 * (r + r0) ** 2)) * mr)


# ------------------------------------------------------------------------------ N impurities
def _ensemble(positions: Any, moments: Any) -> tuple[np.ndarray, np.ndarray]:
    pos = _list("positions", positions)
    return pos, _list("moments", moments, pos.shape[0])


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
    return _k.energy_sum(pos, mom, _pearl(pearl_length), checks.nonnegative("Z", Z))


def local_fields(positions: Any, moments: Any, pearl_length: float, Z: float = 1.0) -> np.ndarray:
    """Local fields h_i = -∂E/∂m_i = -Σ_{j≠i} C(r_i - r_j) m_j of N point impurities.

    Parameters as :func:`interaction_energy`. Returns an (N, 2) array in units of Z / length²
    per unit moment; E = -½ Σ_i m_i·h_i.
    """
    pos, mom = _ensemble(positions, moments)
    return _k.field_sum(pos, mom, _pearl(pearl_length), checks.nonnegative("Z", Z))


def current_many(points: Any, positions: Any, moments: Any, pearl_length: float,
                 coupling: float = 1.0, stiffness: float = 1.0) -> np.ndarray:
    """Total sheet current Σ_i j(m_i, r - r_i) of N point impurities (paper Eq. 12, superposed).

    Parameters as :func:`current`, with ``positions`` and ``moments`` of shape (N, 2).
    Returns an array of shape ``points.shape`` (units of s g / length²).
    """
    pts = _vectors("points", points)
    pos, mom = _ensemble(positions, moments)
    r0 = _pearl(pearl_length)
    g, s = _source_terms(coupling, stiffness)
    pref = s * g / (2 * math.pi)
    return _k.superpose(pts, pos, mom, lambda d, m: _k.current_kernel(d, m, r0, pref),
                        "the current", allow_zero=False, vector=True)


def field_z_many(points: Any, positions: Any, moments: Any, pearl_length: float,
                 coupling: float = 1.0, stiffness: float = 1.0, height: float = 0.0) -> Any:
    """Total B_z = Σ_i B_z(m_i, r - r_i) of N point impurities at height z >= 0.

    Parameters as :func:`field_z`, with ``positions`` and ``moments`` of shape (N, 2).
    ``stiffness`` is accepted for symmetry with :func:`current_many` and is only validated
    (B_z depends on g and r0). Returns an array of shape ``points.shape[:-1]`` (g μ / length³).
    """
    pts = _vectors("points", points)
    pos, mom = _ensemble(positions, moments)
    r0 = _pearl(pearl_length)
    g, _ = _source_terms(coupling, stiffness)
    z = checks.nonnegative("height", height)
    return _out(_k.superpose(pts, pos, mom, lambda d, m: _k.field_kernel(d, m, r0, g, z),
                             "B_z", allow_zero=z > 0, vector=False))
