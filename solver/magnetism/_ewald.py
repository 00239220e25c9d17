"""Lattice sums of the point-dipole coupling tensor: two independent engines (private).

Notation (docs/physics.md, paper Eqs. 6-9, Z = 1): C_ab(r) = -∂a∂b V(r) = J⊥ δ_ab - (J⊥ + J∥) r̂a r̂b,
V the Keldysh potential of Pearl length r0, and its distributional Fourier transform
C̃_ab(q) = q_a q_b Ṽ(q), Ṽ(q) = 2π r0 / (q (1 + q r0)). C̃ contains the contact term π δ_ab δ²(r)
of C (V ≈ -ln r near 0), which lattice sums over R ≠ 0 must not see.

Both engines return, for a Bravais lattice with basis rows ``basis`` (any length unit) and wave
vectors k, the lattice Fourier transform

    T_ab(k) = Σ_{R ≠ 0} C_ab(R) cos(k·R)            (units of Z / length²),

in the thermodynamic limit taken with r0 fixed. For finite r0 the sum converges absolutely (C ~ 1/R³
beyond r0) and C̃(q) → 0 as q → 0, so T is unambiguous and continuous at k = 0. For r0 = inf
(no screening) C̃(q) = 2π q̂q̂ has no limit at q = 0 and T(0) is shape dependent; ``unscreened``
selects "limit" (the r0 → inf limit of the thermodynamic limit: the q = 0 term is 0) or "disc"
(the limit of growing disc-shaped samples at r0 = inf: the q = 0 term is its angular average
π δ_ab). The two differ by π δ_ab / A_c (A_c the cell area).

(a) ``window_sum``: real-space sum with a smooth radial window w(r) = ½ erfc((r - Rw)/σ) plus the
    exact continuum remainder. Poisson summation of g = (1 - w) C, which is smooth on the lattice
    scale, leaves only (1/A_c) Σ_{|k+G| < q_c} g̃(k + G) (the rest is < e^{-40}); g̃(q) =
    C̃(q) - π δ - h(q), h the Hankel transform of w C (1-D quadrature), and at q = 0
    g̃(0) = π δ ∫ w'(r) p(r/r0) dr (p = -r V').
(b) ``ewald_sum``: V(r) = ∫_0^∞ e^{-z/r0} dz / √(r² + z²) is a superposition of 3-D Coulomb
    potentials at depth z. Splitting each with the 3-D Ewald partition 1/ρ = erfc(αρ)/ρ + erf(αρ)/ρ
    gives a short-range part with a Gaussian tail (a plain Gaussian factor on Ṽ(q) would not: it
    leaves algebraic 1/r³ tails, because Ṽ is non-analytic in q at q = 0) and a long-range part with
    the closed-form transform (derived by integrating the slab-Ewald transform over z)

        Ṽ_L(q) = 2π r0 [erfc(q/2α) - q r0 e^{-q²/4α²} erfcx(1/(2α r0))] / (q (1 - q² r0²)),

    (removable singularity at q r0 = 1, handled by a Taylor series), 2π e^{-q²/4α²}/q² for r0 = inf.
    T = Σ_{R≠0} C_S(R) cos(k·R) + (1/A_c) Σ_G q_a q_b Ṽ_L(q)|_{q=k+G} - C_L(0), with the z-integrals
    of C_S and C_L(0) done by Gauss-Legendre quadrature.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import erf, erfc, erfcx, expn, jv

from ..theory import _keldysh_kernels, keldysh
from ..theory.keldysh import dipole_tensor

__all__ = ["cell_area", "coupling_ft", "coupling_tensors", "disc_pair_counts", "disc_sum",
           "disc_weights", "ewald_alpha", "ewald_sum", "keldysh_pq", "lattice_points",
           "long_range_ft", "max_row_spacing", "R0_HUGE_CELLS", "R0_TINY_CELLS", "reciprocal",
           "reduce_basis", "SQRT_PI", "weighted_tensors", "window_sum"]

SQRT_PI = math.sqrt(math.pi)
_X_CUT = 6.5                       # erfc(6.5) = 4e-20: cut of every Gaussian tail
_GL64 = np.polynomial.legendre.leggauss(64)
_GL16 = np.polynomial.legendre.leggauss(16)
_GL96 = np.polynomial.legendre.leggauss(96)


# --------------------------------------------------------------------------------- geometry
def cell_area(basis: np.ndarray) -> float:
    """|d1 × d2| for basis rows d1, d2."""
    return abs(float(basis[0, 0] * basis[1, 1] - basis[0, 1] * basis[1, 0]))


def reciprocal(basis: np.ndarray) -> np.ndarray:
    """Reciprocal basis rows b_i with b_i · d_j = 2π δ_ij."""
    return 2 * math.pi * np.linalg.inv(np.asarray(basis, dtype=float)).T


def reduce_basis(basis: np.ndarray) -> np.ndarray:
    """Lagrange-Gauss reduced basis of the same lattice (shortest vectors, |d1·d2| <= |d1|²/2)."""
    a, b = np.array(basis[0], dtype=float), np.array(basis[1], dtype=float)
    if a @ a > b @ b:
        a, b = b, a
    for _ in range(200):
        mu = round(float(a @ b) / float(a @ a))
        b = b - mu * a
        if b @ b >= a @ a:
            break
        a, b = b, a
    return np.array([a, b])


def lattice_points(basis: np.ndarray, radius: float) -> np.ndarray:
    """All nonzero lattice vectors with |R| <= radius, shape (N, 2)."""
    red = reduce_basis(basis)
    rec = reciprocal(red)
    m = [int(math.floor(radius * np.hypot(*rec[i]) / (2 * math.pi))) + 1 for i in range(2)]
    n1, n2 = np.meshgrid(np.arange(-m[0], m[0] + 1), np.arange(-m[1], m[1] + 1), indexing="ij")
    pts = n1.ravel()[:, None] * red[0] + n2.ravel()[:, None] * red[1]
    r2 = np.einsum("ij,ij->i", pts, pts)
    keep = (r2 <= radius * radius) & (r2 > 0)
    return pts[keep]


def max_row_spacing(basis: np.ndarray) -> float:
    """A_c / |shortest lattice vector|: the largest spacing between lattice rows."""
    red = reduce_basis(basis)
    return cell_area(basis) / float(np.hypot(*red[0]))


# --------------------------------------------------------------------------------- pieces
def coupling_tensors(vec: np.ndarray, r0: float) -> np.ndarray:
    """C(R) = -∂∂V at lattice vectors ``vec`` (N, 2), Z = 1."""
    r = np.hypot(vec[:, 0], vec[:, 1])
    jp, jl = keldysh.couplings(r, r0)
    return dipole_tensor(np.asarray(jp), np.asarray(jp) + np.asarray(jl), vec)


def coupling_ft(q: np.ndarray, r0: float) -> np.ndarray:
    """C̃_ab(q) = q_a q_b Ṽ(q) for nonzero q (N, 2) (contact term included), Z = 1."""
    qq = np.hypot(q[:, 0], q[:, 1])
    if math.isinf(r0):
        f = 2 * math.pi / (qq * qq)
    else:
        f = 2 * math.pi * r0 / (qq * (1.0 + qq * r0))
    return f[:, None, None] * q[:, :, None] * q[:, None, :]


def _weighted(tensors: np.ndarray, vec: np.ndarray, ks: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """Σ_i tensors_i cos(k·vec_i) for each k: (K, 2, 2)."""
    out = np.zeros((ks.shape[0], 2, 2))
    flat = tensors.reshape(-1, 4)
    for s in range(0, vec.shape[0], chunk):
        c = np.cos(ks @ vec[s:s + chunk].T)
        out += (c @ flat[s:s + chunk]).reshape(-1, 2, 2)
    return out


def _g_vectors(basis: np.ndarray, ks: np.ndarray, qmax: float) -> np.ndarray:
    """Reciprocal lattice vectors G (including 0) with |k + G| <= qmax for some k in ks."""
    rec = reciprocal(basis)
    kmax = float(np.max(np.hypot(ks[:, 0], ks[:, 1]))) if ks.size else 0.0
    g = lattice_points(rec, qmax + kmax)
    return np.vstack([np.zeros((1, 2)), g])


# --------------------------------------------------------------------------------- method (a)
def _window(sigma: float, rw: float):
    def w(r):
        return 0.5 * erfc((r - rw) / sigma)

    def dw(r):
        return -np.exp(-((r - rw) / sigma) ** 2) / (SQRT_PI * sigma)

    return w, dw


def _radial_nodes(rmax: float, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Composite 16-point Gauss-Legendre nodes on [0, rmax]: geometric panels towards r = 0,
    then panels of width scale/2."""
    x, wt = _GL16
    geo = scale * 2.0 ** -np.arange(40, -1, -1.0)
    uni = np.linspace(scale, rmax, max(2, int(math.ceil((rmax - scale) / (0.5 * scale)))) + 1)
    edges = np.concatenate([[0.0], geo, uni[1:]])
    a, b = edges[:-1, None], edges[1:, None]
    return (0.5 * (b - a) * x + 0.5 * (a + b)).ravel(), (0.5 * (b - a) * wt).ravel()


R0_TINY_CELLS = 2.0**-40
"""r0 below this many √A_c: the couplings are r0 × (a function of R) to double precision
(p = r0/R, q = 2 r0/R up to O((r0/R)²) relative, and R >= ~0.1 √A_c for lattice angles
>= 0.01, so < 6e-22): the sums are evaluated at r0 = 2^-40 √A_c and scaled linearly. (Without
this the Gaussian splits lose digits to subnormals near d/r0 ~ 1e307.)"""
R0_HUGE_CELLS = 2.0**64
"""r0 beyond this many √A_c: the sums equal their r0 → inf limit ("limit" order) to double
precision (corrections O(√A_c / r0)); they are evaluated at r0 = inf. (Without this the Ewald
long-range transform overflows, (q r0)² > 1e308, and returns NaN for r0 ≳ 1e154 √A_c.)"""


def _far(engine):
    """Wrap a lattice-sum engine so that any r0 in (0, inf] is exact (see R0_TINY_CELLS)."""
    def wrapped(basis: np.ndarray, r0: float, ks: np.ndarray, unscreened: str = "limit",
                **kw) -> np.ndarray:
        basis = np.asarray(basis, dtype=float)
        cell = math.sqrt(cell_area(basis))
        if math.isfinite(r0) and r0 > R0_HUGE_CELLS * cell:
            return engine(basis, math.inf, ks, "limit", **kw)
        if r0 < R0_TINY_CELLS * cell:
            ref = R0_TINY_CELLS * cell
            return engine(basis, ref, ks, unscreened, **kw) * (r0 / ref)
        return engine(basis, r0, ks, unscreened, **kw)

    wrapped.__name__, wrapped.__doc__ = engine.__name__, engine.__doc__
    return wrapped


@_far
def window_sum(basis: np.ndarray, r0: float, ks: np.ndarray, unscreened: str = "limit",
               sigma_cells: float = 5.0) -> np.ndarray:
    """Method (a): smooth-window real-space sum + exact continuum remainder. See module doc.
    Any r0 in (0, inf] (very small and very large r0 are reduced to exact limits, R0_TINY_CELLS)."""
    basis = np.asarray(basis, dtype=float)
    ks = np.atleast_2d(np.asarray(ks, dtype=float))
    area = cell_area(basis)
    ell = max_row_spacing(basis)
    sigma = sigma_cells * ell
    rw = 8.0 * sigma
    rmax = rw + _X_CUT * sigma
    w, dw = _window(sigma, rw)
    pts = lattice_points(basis, rmax)
    rr = np.hypot(pts[:, 0], pts[:, 1])
    total = _weighted(coupling_tensors(pts, r0) * w(rr)[:, None, None], pts, ks)
    # continuum remainder (1/A_c) Σ_G g̃(k + G) over |k + G| < q_c
    qc = 2.0 * _X_CUT / sigma
    gs = _g_vectors(basis, ks, qc)
    rn, rwt = _radial_nodes(rmax, ell)
    p, q = (np.asarray(a) for a in keldysh_pq(rn, r0))
    wn = w(rn)
    f0 = rwt * wn * (p - q) / rn          # J0 part:  ∫ w (J⊥ - J∥) r dr
    f2 = rwt * wn * (p + q) / rn          # J2 part:  ∫ w (J⊥ + J∥) r dr
    # q = 0 remainder: π δ ∫ w' p dr (quadrature over the window's edge only)
    zn, zw = _GL64
    lo, hi = rw - _X_CUT * sigma, rw + _X_CUT * sigma
    re = 0.5 * (hi - lo) * zn + 0.5 * (hi + lo)
    pe = keldysh_pq(re, r0)[0]
    g0 = math.pi * float(np.sum(0.5 * (hi - lo) * zw * dw(re) * pe))
    eye = np.eye(2)
    for i, k in enumerate(ks):
        qv = k[None, :] + gs
        qn = np.hypot(qv[:, 0], qv[:, 1])
        sel = qn < qc
        for vec, qm in zip(qv[sel], qn[sel]):
            if qm < 1e-14 * qc:   # exactly k + G = 0
                gt = g0 * eye
                if math.isinf(r0) and unscreened == "disc":
                    gt = gt + math.pi * eye
            else:
                qh = vec / qm
                h = math.pi * (eye * float(f0 @ jv(0, qm * rn))
                               + (2 * np.outer(qh, qh) - eye) * float(f2 @ jv(2, qm * rn)))
                gt = coupling_ft(vec[None, :], r0)[0] - math.pi * eye - h
            total[i] += gt / area
    return total


def keldysh_pq(r: np.ndarray, r0: float) -> tuple[np.ndarray, np.ndarray]:
    """p = -r V'(r) = r² J⊥ and q = r² V''(r) = r² J∥ (Z = 1): :func:`solver.theory._keldysh_kernels.pq`."""
    return _keldysh_kernels.pq(np.asarray(r, dtype=float), float(r0))


# --------------------------------------------------------------------------------- method (b)
def ewald_alpha(basis: np.ndarray) -> float:
    """Splitting parameter α = √π / √A_c (balances the two sums)."""
    return SQRT_PI / math.sqrt(cell_area(basis))


def short_range(r: np.ndarray, r0: float, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """(J⊥_S, J⊥_S + J∥_S) of the short-range part at distances r (> 0), Z = 1:
    J⊥_S = ∫_0^∞ e^{-z/r0} B(ρ) dz, J⊥_S + J∥_S = r² ∫_0^∞ e^{-z/r0} C(ρ) dz, ρ = √(r² + z²),
    B = [erfc(αρ) + 2αρ/√π e^{-α²ρ²}]/ρ³, C = [3 erfc(αρ) + 2αρ/√π (3 + 2α²ρ²) e^{-α²ρ²}]/ρ⁵."""
    x, wt = _GL96
    zmax = np.sqrt(np.maximum((_X_CUT / alpha) ** 2 - r * r, 0.0))
    if math.isfinite(r0):
        zmax = np.minimum(zmax, 45.0 * r0)
    z = 0.5 * zmax[:, None] * (x[None, :] + 1.0)
    wz = 0.5 * zmax[:, None] * wt[None, :]
    rho2 = r[:, None] ** 2 + z * z
    rho = np.sqrt(rho2)
    ar = alpha * rho
    gauss = 2.0 * ar / SQRT_PI * np.exp(-ar * ar)
    ec = erfc(ar)
    B = (ec + gauss) / (rho2 * rho)
    C = (3.0 * ec + gauss * (3.0 + 2.0 * ar * ar)) / (rho2 * rho2 * rho)
    damp = wz if math.isinf(r0) else wz * np.exp(-z / r0)
    return np.sum(damp * B, axis=1), r * r * np.sum(damp * C, axis=1)


def long_range_ft(q: np.ndarray, r0: float, alpha: float) -> np.ndarray:
    """Ṽ_L(q) for q > 0 (see module doc); Taylor series around q r0 = 1."""
    q = np.asarray(q, dtype=float)
    g = np.exp(-(q / (2 * alpha)) ** 2)
    if math.isinf(r0):
        return 2 * math.pi * g / (q * q)
    u = 1.0 / (2 * alpha * r0)
    c = erfcx(u)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 2 * math.pi * r0 * (erfc(q / (2 * alpha)) - q * r0 * g * c) / (q * (1 - q * r0) * (1 + q * r0))
    delta = q - 1.0 / r0
    near = np.abs(delta * r0) < (1e-2 if u < 2 else 1e-3)
    if np.any(near):
        out[near] = 2 * math.pi * r0 * _h_ratio(delta[near], r0, alpha) / (q[near] * (1 + q[near] * r0))
    return out


def _h_ratio(delta: np.ndarray, r0: float, alpha: float, nterms: int = 30) -> np.ndarray:
    """h(q)/(1 - q r0) near q* = 1/r0, h(q) = erfc(q/2α) - q r0 c g(q), g = e^{-q²/4α²}, c = erfcx(u),
    by its Taylor series in δ = q - q*: h/(1 - q r0) = -(1/r0) Σ_{n≥1} h⁽ⁿ⁾(q*) δ^{n-1}/n!.
    Uses g⁽ⁿ⁾ = (-1/2α)ⁿ Hₙ(q/2α) g (physicists' Hermite polynomials)."""
    u = 1.0 / (2 * alpha * r0)
    qs = 1.0 / r0
    if u > 6.0:
        nterms = 2
    gq = math.exp(-u * u)
    c = erfcx(u)
    # derivatives of g at q*: gd[n]
    herm = [1.0, 2 * u]
    for n in range(1, nterms + 1):
        herm.append(2 * u * herm[n] - 2 * n * herm[n - 1])
    gd = [(-1.0 / (2 * alpha)) ** n * herm[n] * gq for n in range(nterms + 1)]
    total = np.zeros_like(delta)
    fact = 1.0
    for n in range(1, nterms + 1):
        fact *= n
        hn = -gd[n - 1] / (alpha * SQRT_PI) - r0 * c * (qs * gd[n] + n * gd[n - 1])
        total += hn * delta ** (n - 1) / fact
    return -total / r0


def self_long_range(r0: float, alpha: float) -> float:
    """C_L(0)_xx = -∫_0^∞ e^{-z/r0} K(z) dz, K = [2αz/√π e^{-α²z²} - erf(αz)]/z³ (the in-plane
    curvature of erf(αρ)/ρ at r = 0); Z = 1."""
    x, wt = _GL64
    z1 = _X_CUT / alpha
    cut = math.isfinite(r0) and 45.0 * r0 < z1     # e^{-z/r0} < e^{-45} beyond 45 r0: no tail
    if cut:
        z1 = 45.0 * r0
    z = 0.5 * z1 * (x + 1.0)
    w = 0.5 * z1 * wt
    s = alpha * z
    K = np.empty_like(z)
    small = s < 0.5
    ss = s[small]
    ser = np.zeros_like(ss)
    fact = 1.0
    for n in range(1, 25):
        fact *= n
        ser += (-1) ** n * 2 * n * ss ** (2 * n - 2) / ((2 * n + 1) * fact)
    K[small] = 2 * alpha**3 / SQRT_PI * ser
    zb, sb = z[~small], s[~small]
    K[~small] = (2 * sb / SQRT_PI * np.exp(-sb * sb) - erf(sb)) / zb**3
    damp = w if math.isinf(r0) else w * np.exp(-z / r0)
    head = float(np.sum(damp * K))
    if cut:
        tail = 0.0
    else:
        tail = 0.5 / z1**2 if math.isinf(r0) else float(expn(3, z1 / r0)) / z1**2
    return -(head - tail)


@_far
def ewald_sum(basis: np.ndarray, r0: float, ks: np.ndarray, unscreened: str = "limit",
              alpha: float | None = None) -> np.ndarray:
    """Method (b): Ewald summation with the 3-D split of the depth representation of V.
    Any r0 in (0, inf] (very small and very large r0 are reduced to exact limits, R0_TINY_CELLS)."""
    basis = np.asarray(basis, dtype=float)
    ks = np.atleast_2d(np.asarray(ks, dtype=float))
    area = cell_area(basis)
    a = ewald_alpha(basis) if alpha is None else float(alpha)
    pts = lattice_points(basis, _X_CUT / a)
    rr = np.hypot(pts[:, 0], pts[:, 1])
    jp, js = short_range(rr, r0, a)
    total = _weighted(dipole_tensor(jp, js, pts), pts, ks)
    qc = 2.0 * a * _X_CUT
    gs = _g_vectors(basis, ks, qc)
    eye = np.eye(2)
    for i, k in enumerate(ks):
        qv = k[None, :] + gs
        qn = np.hypot(qv[:, 0], qv[:, 1])
        zero = qn < 1e-14 * qc
        sel = (qn < qc) & ~zero
        v = qv[sel]
        f = long_range_ft(qn[sel], r0, a)
        total[i] += np.einsum("n,na,nb->ab", f, v, v) / area
        if np.any(zero) and math.isinf(r0) and unscreened == "disc":
            total[i] += math.pi * eye / area
    total -= self_long_range(r0, a) * eye
    return total


# --------------------------------------------------------------------------------- finite discs
def disc_pair_counts(basis: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray, int]:
    """Sites of a disc sample |R_i| <= radius centred on a site, and its pair statistics.

    Returns (vectors, counts, n_sites): every nonzero difference vector R_i - R_j with the number
    of ordered pairs (i, j) realising it (exact integers, from an FFT autocorrelation of the
    occupancy in lattice coordinates).
    """
    from scipy.signal import fftconvolve

    red = reduce_basis(basis)
    rec = reciprocal(red)
    m = [int(math.floor(radius * np.hypot(*rec[i]) / (2 * math.pi))) + 1 for i in range(2)]
    n1, n2 = np.meshgrid(np.arange(-m[0], m[0] + 1), np.arange(-m[1], m[1] + 1), indexing="ij")
    pts = n1[..., None] * red[0] + n2[..., None] * red[1]
    occ = (np.einsum("ijk,ijk->ij", pts, pts) <= radius * radius).astype(float)
    n_sites = int(occ.sum())
    corr = np.rint(fftconvolve(occ, occ[::-1, ::-1])).astype(np.int64)
    d1, d2 = np.meshgrid(np.arange(-2 * m[0], 2 * m[0] + 1), np.arange(-2 * m[1], 2 * m[1] + 1),
                         indexing="ij")
    keep = (corr > 0) & ~((d1 == 0) & (d2 == 0))
    vec = d1[keep][:, None] * red[0] + d2[keep][:, None] * red[1]
    return vec, corr[keep], n_sites


def disc_weights(basis: np.ndarray, radius: float, ks: np.ndarray,
                 average: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Vectors R and weights w_k(R) of a disc sample, so that the sum of :func:`disc_sum` is
    Σ_R w_k(R) C(R): w = counts(R)/N cos(k·R) (average) or cos(k·R) (central site)."""
    ks = np.atleast_2d(np.asarray(ks, dtype=float))
    if average:
        vec, counts, n = disc_pair_counts(basis, radius)
        weight = counts / n
    else:
        vec = lattice_points(basis, radius)
        weight = np.ones(vec.shape[0])
    # C(R) cos(k·R) is even in R and both samples are symmetric: keep one half plane, weight 2
    half = (vec[:, 1] > 0) | ((vec[:, 1] == 0) & (vec[:, 0] > 0))
    vec = vec[half]
    return vec, np.cos(ks @ vec.T) * (2.0 * weight[half])[None, :]


def weighted_tensors(vec: np.ndarray, weights: np.ndarray, r0: float) -> np.ndarray:
    """Σ_R w_k(R) C(R) for weights (K, N): (K, 2, 2), Z = 1."""
    return (weights @ coupling_tensors(vec, r0).reshape(-1, 4)).reshape(-1, 2, 2)


def disc_sum(basis: np.ndarray, r0: float, ks: np.ndarray, radius: float,
             average: bool = True) -> np.ndarray:
    """Direct sums over a disc sample of radius ``radius`` centred on a site (Z = 1).

    average=True: (1/N) Σ_{i≠j} C(R_i - R_j) cos(k·(R_i - R_j)), twice the sample's energy per
    site (E = ½ m·T·m); average=False: the central site's sum Σ_{0<|R|<=radius} C(R) cos(k·R).
    """
    vec, w = disc_weights(basis, radius, ks, average)
    return weighted_tensors(vec, w, r0)


_short_range = short_range  # the name before it was shared across modules


_self_long_range = self_long_range  # the name before it was shared across modules

_tensor = dipole_tensor  # the name before it moved to solver.theory.keldysh
