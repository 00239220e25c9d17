"""Finite-size (multipole) corrections to the point-impurity theory, for the validation cases.

A source with shape function S (∫S = 1, centroid at its centre) acts like a point source whose
potential is averaged over S. For the pair interaction of islands 1, 2 the relevant average is over
ρ = ρ1 − ρ2, and for radially symmetric (isotropic) shapes it is a power series in the Laplacian:

    V → Σ_k c_k ∇^{2k} V,

* Gaussian of width w (per-axis variance w²):  exp(w² ∇²/2),   c_k = (w²/2)^k / k!
* disk of radius R (2-D mean-value theorem):   c_k = (R²/4)^k / (k! (k+1)!)
* a pair: the Cauchy product of the two sequences (the averaging operators commute).
* any isotropic shape to second order: c_1 = ⟨ρ²⟩/4 (⟨ρ²⟩ = 2w² Gaussian, R²/2 disk, a²/6 square).

The Laplacian powers are closed-form for r > 0 because ∇²V = 1/(r0 r) − V/r0² (docs/physics.md:
V̂ = 2π r0/(q(1+q r0))) and ∇² r^{-(2m+1)} = (2m+1)² r^{-(2m+3)}; so ∇^{2k}V is a finite sum of odd
inverse powers of r plus (−1/r0²)^k V, and its derivatives need only V, V', V'' from
``solver.keldysh``. For anisotropic shapes (ellipses, rotated rectangles) the second-order term is
the tensor (1/2) M_kl ∂_k∂_l applied to the point coupling tensor, M = M_1 + M_2 the covariance
matrices; it needs ∂⁴V, built from V''' and V'''' obtained from the same radial ODE.

Conventions as in ``solver.keldysh``: J⊥ = −Z f'/r, J∥ = Z f'' for the (smeared) radial potential f;
coupling tensor C = −Z ∂∂f; current j = (s g/2π)[f'' m' − (f'' − f'/r)(m'·r̂) r̂], m' = μ × ẑ.
"""
from __future__ import annotations

import math

import numpy as np

from solver import keldysh

__all__ = ["gaussian_coefficients", "disk_coefficients", "pair_coefficients",
           "laplacian_powers", "smeared_couplings", "smeared_current", "smeared_field_z",
           "second_moment", "second_order_tensor", "coupling_tensor_in_frame"]


# --------------------------------------------------------------------------- smearing sequences
def gaussian_coefficients(width: float, kmax: int) -> np.ndarray:
    """c_k = (w²/2)^k / k!, k = 0..kmax: the operator exp(w²∇²/2) of a Gaussian island."""
    k = np.arange(kmax + 1)
    return np.array([(width**2 / 2) ** n / math.factorial(n) for n in k])


def disk_coefficients(radius: float, kmax: int) -> np.ndarray:
    """c_k = (R²/4)^k / (k!(k+1)!): the average over a disk of radius R (2-D mean-value theorem)."""
    return np.array([(radius**2 / 4) ** n / (math.factorial(n) * math.factorial(n + 1))
                     for n in range(kmax + 1)])


def pair_coefficients(c1: np.ndarray, c2: np.ndarray) -> np.ndarray:
    """Cauchy product of two smearing sequences, truncated to the shorter length."""
    n = min(len(c1), len(c2))
    return np.convolve(c1, c2)[:n]


# --------------------------------------------------------------------------- Laplacian powers
def laplacian_powers(r: np.ndarray, pearl_length: float, kmax: int) -> tuple[np.ndarray, ...]:
    """∇^{2k}V and its first two r-derivatives, k = 0..kmax, for r > 0.

    Parameters
    ----------
    r : ndarray
        Distances (> 0).
    pearl_length : float
        r0 in (0, inf]. For inf, V = −ln r (up to a constant) is harmonic: all k >= 1 vanish.
    kmax : int

    Returns
    -------
    (L, dL, d2L) : ndarrays of shape (kmax + 1,) + r.shape
        L[0] is V (NaN for r0 = inf, where only the derivatives exist).
    """
    r = np.asarray(r, dtype=float)
    r0 = pearl_length
    L = np.zeros((kmax + 1,) + r.shape)
    d1 = np.zeros_like(L)
    d2 = np.zeros_like(L)
    d1[0] = keldysh.potential(r, r0, 1)
    d2[0] = keldysh.potential(r, r0, 2)
    if math.isinf(r0):
        L[0] = np.nan
        return L, d1, d2
    L[0] = keldysh.potential(r, r0, 0)
    # dimensionless: ∇^{2k}V = r0^{-2k} [Σ_m a_m x^{-(2m+1)} + b x-free V], x = r/r0
    x = r / r0
    a: dict[int, float] = {}
    b = 1.0
    for k in range(1, kmax + 1):
        new: dict[int, float] = {m + 1: coef * (2 * m + 1) ** 2 for m, coef in a.items()}
        new[0] = new.get(0, 0.0) + b
        a, b = new, -b
        s0 = b * L[0]
        s1 = b * d1[0] * r0
        s2 = b * d2[0] * r0**2
        for m, coef in a.items():
            n = 2 * m + 1
            s0 = s0 + coef * x ** (-n)
            s1 = s1 - coef * n * x ** (-n - 1)
            s2 = s2 + coef * n * (n + 1) * x ** (-n - 2)
        L[k] = s0 / r0 ** (2 * k)
        d1[k] = s1 / r0 ** (2 * k + 1)
        d2[k] = s2 / r0 ** (2 * k + 2)
    return L, d1, d2


def smeared_couplings(r: np.ndarray, pearl_length: float, coefficients: np.ndarray,
                      Z: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(J⊥, J∥) of the smeared potential Σ_k c_k ∇^{2k}V (c_0 = 1 gives ``keldysh.couplings``)."""
    _, d1, d2 = laplacian_powers(r, pearl_length, len(coefficients) - 1)
    c = np.asarray(coefficients, dtype=float).reshape((-1,) + (1,) * np.ndim(r))
    f1, f2 = (c * d1).sum(axis=0), (c * d2).sum(axis=0)
    return -Z * f1 / np.asarray(r), Z * f2


def smeared_current(points: np.ndarray, m: np.ndarray, pearl_length: float, coefficients: np.ndarray,
                    coupling: float = 1.0, stiffness: float = 1.0) -> np.ndarray:
    """Sheet current of a smeared impurity at the origin (Eq. 12 with f = Σ c_k ∇^{2k}V), shape (..., 2)."""
    pts = np.asarray(points, dtype=float)
    r = np.hypot(pts[..., 0], pts[..., 1])
    _, d1, d2 = laplacian_powers(r, pearl_length, len(coefficients) - 1)
    c = np.asarray(coefficients, dtype=float).reshape((-1,) + (1,) * r.ndim)
    f1, f2 = (c * d1).sum(axis=0), (c * d2).sum(axis=0)
    mp = np.array([m[1], -m[0]], dtype=float)            # μ × ẑ
    rh = pts / r[..., None]
    proj = rh @ mp
    pref = stiffness * coupling / (2 * math.pi)
    return pref * (f2[..., None] * mp - ((f2 - f1 / r) * proj)[..., None] * rh)


def smeared_field_z(points: np.ndarray, m: np.ndarray, pearl_length: float, coefficients: np.ndarray,
                    coupling: float = 1.0) -> np.ndarray:
    """B_z(z = 0) of a smeared impurity: g (μ·r̂) d/dr Σ_k c_k ∇^{2k} G, G = (1/r − V/r0)/(2π r0).

    ∇^{2k}(1/r) = ((2k−1)!!)² / r^{2k+1}; finite r0 only.
    """
    pts = np.asarray(points, dtype=float)
    r = np.hypot(pts[..., 0], pts[..., 1])
    r0 = pearl_length
    _, d1, _ = laplacian_powers(r, r0, len(coefficients) - 1)
    total = np.zeros_like(r)
    for k, ck in enumerate(coefficients):
        dfact = float(np.prod(np.arange(2 * k - 1, 0, -2))) if k > 0 else 1.0
        total += ck * (-(dfact**2) * (2 * k + 1) / r ** (2 * k + 2) - d1[k] / r0)
    mr = (pts @ np.asarray(m, dtype=float)) / r
    return coupling * mr * total / (2 * math.pi * r0)


# --------------------------------------------------------------------------- anisotropic, 2nd order
def second_moment(island) -> np.ndarray:
    """Covariance matrix M = ∫ ρ ρᵀ S(ρ) d²ρ of an island's continuum shape (2×2)."""
    p = island.params
    if island.kind == "gaussian":
        return p["width"] ** 2 * np.eye(2)
    if island.kind == "disk":
        return p["radius"] ** 2 / 4 * np.eye(2)
    if island.kind in ("ellipse", "rectangle"):
        if island.kind == "ellipse":
            (a, b), t = p["axes"], p["angle"]
            diag = np.diag([a * a / 4, b * b / 4])
        else:
            (a, b), t = p["size"], p["angle"]
            diag = np.diag([a * a / 12, b * b / 12])
        rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
        return rot @ diag @ rot.T
    raise ValueError(f"no analytic second moment for island kind {island.kind!r}")


def _radial_derivatives(r: float, r0: float) -> tuple[float, float, float, float]:
    """V', V'', V''', V'''' at r from V, V', V'' and the ODE V'' + V'/r = 1/(r0 r) − V/r0²."""
    v1 = float(keldysh.potential(r, r0, 1))
    v2 = float(keldysh.potential(r, r0, 2))
    inv = 0.0 if math.isinf(r0) else 1.0 / r0
    v3 = -v2 / r + v1 / r**2 - inv / r**2 - v1 * inv**2
    v4 = -v3 / r + 2 * v2 / r**2 - 2 * v1 / r**3 + 2 * inv / r**3 - v2 * inv**2
    return v1, v2, v3, v4


def second_order_tensor(displacement: np.ndarray, pearl_length: float, moment_sum: np.ndarray,
                        Z: float = 1.0) -> np.ndarray:
    """Second-order finite-size correction ΔC_ab = −(Z/2) M_kl ∂a∂b∂k∂l V (2×2), M = M1 + M2.

    Uses ∂_i∂_j∂_k∂_l f = (δδ)₃ g2 + (δ x x)₆ g3 + x x x x g4 with g_n = ((1/r) d/dr)^n f:
    g2 = (r V'' − V')/r³, g3 = (r² V''' − 3 r V'' + 3 V')/r⁵,
    g4 = (r³ V'''' − 6 r² V''' + 15 r V'' − 15 V')/r⁷.
    """
    d = np.asarray(displacement, dtype=float)
    r = float(np.hypot(*d))
    v1, v2, v3, v4 = _radial_derivatives(r, pearl_length)
    g2 = (r * v2 - v1) / r**3
    g3 = (r * r * v3 - 3 * r * v2 + 3 * v1) / r**5
    g4 = (r**3 * v4 - 6 * r * r * v3 + 15 * r * v2 - 15 * v1) / r**7
    eye = np.eye(2)
    t4 = (np.einsum("ab,kl->abkl", eye, eye) + np.einsum("ak,bl->abkl", eye, eye)
          + np.einsum("al,bk->abkl", eye, eye)) * g2
    xx = np.outer(d, d)
    t4 += (np.einsum("ab,kl->abkl", eye, xx) + np.einsum("ak,bl->abkl", eye, xx)
           + np.einsum("al,bk->abkl", eye, xx) + np.einsum("bk,al->abkl", eye, xx)
           + np.einsum("bl,ak->abkl", eye, xx) + np.einsum("kl,ab->abkl", eye, xx)) * g3
    t4 += np.einsum("a,b,k,l->abkl", d, d, d, d) * g4
    return -0.5 * Z * np.einsum("kl,abkl->ab", np.asarray(moment_sum, dtype=float), t4)


def coupling_tensor_in_frame(j_perp: float, j_par: float, displacement: np.ndarray) -> np.ndarray:
    """C = J⊥ (1 − r̂r̂) − J∥ r̂r̂ (2×2), the coupling tensor of (J⊥, J∥) along ``displacement``."""
    d = np.asarray(displacement, dtype=float)
    rh = d / np.hypot(*d)
    rr = np.outer(rh, rh)
    return j_perp * (np.eye(2) - rr) - j_par * rr
