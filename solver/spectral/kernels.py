"""The response kernels of the thin-film Maxwell–London problem — one source of truth.

With c(q) = (ẑ × q)·a(q) = q_x a_y − q_y a_x and the FT convention f(q) = ∫ d²r e^{−iq·r} f(r)
(docs/physics.md; paper Eqs. 4–5 and supplement S2):

* sheet current      j(q)    = −s W(q) (ẑ×q) c(q),        W(q) = r0 / (q (1 + q r0)) = K(q)/q²
* vector potential   A(q, 0) = −U(q) (ẑ×q) c(q),          U(q) = 1 / (q² (1 + q r0))
* field above film   B_z(q,z) = −i G_z(q) c(q),           G_z(q) = e^{−q z} / (1 + q r0)
* energy             F = (s/2) ∫ d²q/(2π)² W(q) |c(q)|²  = −½ ∫ j·a d²r

K(q) = q r0/(1 + q r0) is the Pearl kernel. Each scalar kernel is radial; its real-space form is
needed for the free-space (open boundary) method, which truncates it smoothly beyond the source
domain (Vico, Greengard & Ferrando, J. Comput. Phys. 323 (2016) 191):

* W(r) = V(r)/(2π), V the Keldysh potential (π/2)[H0(r/r0) − Y0(r/r0)]  (``solver.keldysh``)
* U(r) = −ln(r)/(2π) − V(r)/(2π)  (+ constant)
* G_z(r) = (1/(2π r0)) [1/√(r²+z²) − ∫_0^∞ e^{−t} / √(r² + (z + r0 t)²) dt]
  (from 1/(1 + q r0) = ∫_0^∞ e^{−t(1 + q r0)} dt and ∫_0^∞ J0(qr) e^{−qa} dq = 1/√(r² + a²))

``pearl_length = inf`` (no screening): W = 1/q², U = G_z = 0.
"""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.fft
from scipy.special import erfc, j0

__all__ = ["current_kernel", "current_kernel_real", "field_kernel", "field_kernel_real",
           "FILTER_ORDER", "FILTER_STRENGTH", "height_integral", "pearl_kernel",
           "spectral_filter", "Taper", "truncated_transform", "vector_potential_kernel",
           "vector_potential_kernel_real"]

# ---------------------------------------------------------------------------------------------
# Fourier space
# ---------------------------------------------------------------------------------------------


def pearl_kernel(q: np.ndarray, pearl_length: float) -> np.ndarray:
    """K(q) = q r0 / (1 + q r0) (dimensionless); 1 for r0 = inf."""
    q = np.asarray(q, dtype=float)
    if math.isinf(pearl_length):
        return np.where(q > 0, 1.0, 0.0)
    return q * pearl_length / (1.0 + q * pearl_length)


def current_kernel(q: np.ndarray, pearl_length: float) -> np.ndarray:
    """W(q) = K(q)/q² = r0 / (q (1 + q r0)) (length²); 0 at q = 0, where c(q) = 0."""
    q = np.asarray(q, dtype=float)
    if math.isinf(pearl_length):
        w = q * q
        numerator = 1.0
    else:  # in place: q (1 + q r0)
        w = q * pearl_length
        w += 1.0
        w *= q
        numerator = pearl_length
    return _reciprocal_where_positive(numerator, w, q)


def _reciprocal_where_positive(numerator: float, w: np.ndarray, q: np.ndarray) -> np.ndarray:
    """numerator / w where q > 0, else 0, in place in ``w`` (a masked ``np.divide(..., where=)``
    runs several times slower than the plain division and the fix-up of the few q ≤ 0)."""
    w = np.asarray(w)  # a 0-d q gives a numpy scalar, which cannot serve as ``out=``
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.asarray(np.divide(numerator, w, out=w))
    bad = ~(q > 0)
    if bad.any():
        out[bad] = 0.0
    return out


def vector_potential_kernel(q: np.ndarray, pearl_length: float) -> np.ndarray:
    """U(q) = 1 / (q² (1 + q r0)) (length²); 0 at q = 0 and for r0 = inf."""
    q = np.asarray(q, dtype=float)
    if math.isinf(pearl_length):
        return np.zeros_like(q)
    u = q * pearl_length
    u += 1.0
    u *= q
    u *= q
    return _reciprocal_where_positive(1.0, u, q)


def field_kernel(q: np.ndarray, pearl_length: float, height: float = 0.0) -> np.ndarray:
    """G_z(q) = e^{−q z} / (1 + q r0) (dimensionless); 0 for r0 = inf.

    A scalar or 0-d ``q`` gives a 0-d array, as in current_kernel and vector_potential_kernel.
    """
    q = np.asarray(q, dtype=float)
    if math.isinf(pearl_length):
        return np.zeros_like(q)
    # ufuncs on a 0-d array return numpy scalars, which cannot serve as ``out=``; np.asarray
    # makes those 0-d arrays and is a no-op (no copy) for the full-size arrays.
    denominator = np.asarray(q * pearl_length)
    denominator += 1.0
    if height == 0:
        return np.divide(1.0, denominator, out=denominator)
    out = np.asarray(np.multiply(q, -height))
    np.exp(out, out=out)
    out /= denominator
    return out


FILTER_STRENGTH = 36.0
FILTER_ORDER = 36


def spectral_filter(qx: np.ndarray, qy: np.ndarray, spacing: float) -> np.ndarray:
    """Exponential filter exp(−α(η_x^p + η_y^p)), η = |q|h/π, α = 36, p = 36 (dimensionless).

    Every multiplier is multiplied by it. On a grid the continuum kernels are cut at the edge of
    the square Brillouin zone, where they do not vanish; the cut gives the discrete kernels
    Nyquist-oscillating real-space tails that couple the grid-scale content of sharp-edged
    sources over long distances (a spurious ~1/d coupling). The filter makes every multiplier
    vanish smoothly (to e^{−36}) at the zone edge, so the discrete kernels decay like the
    continuum ones. It is 1 − O(1e-9) for η < 0.55, so resolved (band-limited) sources are
    untouched; sharp edges are in effect smoothed on the scale of one cell.
    """
    ex = np.exp(-FILTER_STRENGTH * (np.abs(np.asarray(qx)) * spacing / np.pi) ** FILTER_ORDER)
    ey = np.exp(-FILTER_STRENGTH * (np.abs(np.asarray(qy)) * spacing / np.pi) ** FILTER_ORDER)
    return ey * ex


# ---------------------------------------------------------------------------------------------
# Real space (radial functions)
# ---------------------------------------------------------------------------------------------


def _keldysh(r: np.ndarray, pearl_length: float) -> np.ndarray:
    from ..theory.keldysh import potential  # the single implementation of V(r)

    return potential(r, pearl_length)


def current_kernel_real(r: np.ndarray, pearl_length: float) -> np.ndarray:
    """W(r) = V(r)/(2π) (dimensionless); −ln(r)/(2π) for r0 = inf (up to a constant)."""
    r = np.asarray(r, dtype=float)
    if math.isinf(pearl_length):
        return -np.log(r) / (2 * math.pi)
    return _keldysh(r, pearl_length) / (2 * math.pi)


def vector_potential_kernel_real(r: np.ndarray, pearl_length: float) -> np.ndarray:
    """U(r) = −[ln(r) + V(r)]/(2π) up to a constant, evaluated as −g(r/r0)/(2π) (dimensionless);
    0 for r0 = inf.

    g(x) = V + ln(x/2) + γ_E (:func:`_keldysh_remainder`) differs from ln(r) + V by the
    constant ln(2 r0) − γ_E, and is the smooth, r0-dependent part left after the logarithms
    cancel: g ≈ x for x = r/r0 ≪ 1. Written as ln(r) + V, that part is lost to round-off next to
    the constant when r0 ≫ r (ln(2r0) ≈ 28 at r0 = 1e12 against g ~ 1e-12), and the open-boundary
    vector potential came out O(1) wrong.
    """
    r = np.asarray(r, dtype=float)
    if math.isinf(pearl_length):
        return np.zeros_like(r)
    return _keldysh_remainder(r, float(pearl_length)) / (-2 * math.pi)


def _keldysh_remainder(r: np.ndarray, pearl_length: float) -> np.ndarray:
    """g(x) = f(x) + ln(x/2) + γ_E at x = r/r0, with f = (π/2)[H0 − Y0] the dimensionless Keldysh
    potential, without cancellation: for x < X_SMALL the small-x series of f
    (``solver._keldysh_table``) with its k = 0 log term removed analytically,
    g = Σ_{k≥1} a_k (H_k − L) x^{2k} + x Σ_k c_k x^{2k} (L = ln(x/2) + γ_E), else f + L directly
    (at most one digit cancels there). L is formed as ln r − ln r0 − ln 2 + γ_E, so an x that
    over- or underflows still gives the right logarithm."""
    from ..theory import _keldysh_table as kt

    r = np.asarray(r, dtype=float)
    with np.errstate(over="ignore", under="ignore"):
        x = r / pearl_length
    out = np.empty_like(x)
    small = x < kt.X_SMALL
    log_term = np.log(r) - (math.log(pearl_length) + math.log(2.0) - kt._EULER_GAMMA)
    big = ~small
    out[big] = kt.keldysh_functions(x[big], ("f",))[0] + log_term[big]
    if np.any(small):
        xs, L = x[small], log_term[small]
        s = xs * xs
        plain, logc, xc = kt._SERIES["f"]  # f = P(s) + L Q(s) + x C(s), P(0) = 0, Q(0) = −1
        out[small] = kt._poly(plain, s) + L * (s * kt._poly(logc[1:], s)) + xs * kt._poly(xc, s)
    return out


def height_integral(r: np.ndarray, pearl_length: float, height: float) -> np.ndarray:
    """I(r, z) = ∫_0^∞ e^{−t} / √(r² + (z + r0 t)²) dt (1/length), for r² + z² > 0.

    Trapezoidal rule in u = ln t (the integrand is analytic in a strip of half-width ~π/2, so the
    rule converges geometrically: step 0.2 gives ~1e-20), with the exact tail below t_min.
    I(r, 0) = V(r)/r0, an independent route to the Keldysh potential used in the tests.
    """
    r = np.asarray(r, dtype=float)
    r0, z = float(pearl_length), float(height)
    rho = np.sqrt(r * r + z * z)
    tstar = np.minimum(rho / r0, 1.0)
    tmin = 1e-18 * tstar
    du = 0.2
    umax = math.log(45.0)
    umin = np.log(tmin)
    n = int(np.ceil((umax - umin.min()) / du)) + 1
    out = np.empty_like(rho)
    flat_r, flat_u0, flat_rho = r.ravel(), umin.ravel(), rho.ravel()
    res = out.ravel()
    chunk = max(1, 2_000_000 // n)
    for s in range(0, flat_r.size, chunk):
        rr = flat_r[s:s + chunk, None]
        u0 = flat_u0[s:s + chunk, None]
        steps = np.arange(n)[None, :]
        u = u0 + steps * du
        valid = u <= umax + 1e-12
        t = np.exp(u)
        f = t * np.exp(-t) / np.sqrt(rr * rr + (z + r0 * t) ** 2)
        f = np.where(valid, f, 0.0)
        f[:, 0] *= 0.5
        total = f.sum(axis=1) * du
        # tail ∫_0^{tmin}: integrand ≈ 1/rho there
        total += np.exp(u0[:, 0]) / flat_rho[s:s + chunk]
        res[s:s + chunk] = total
    return out


def field_kernel_real(r: np.ndarray, pearl_length: float, height: float = 0.0) -> np.ndarray:
    """G_z(r), the real-space form of e^{−qz}/(1 + q r0) (1/length²); 0 for r0 = inf."""
    r = np.asarray(r, dtype=float)
    r0 = float(pearl_length)
    if math.isinf(r0):
        return np.zeros_like(r)
    if height == 0:
        return (1.0 / r - _keldysh(r, r0) / r0) / (2 * math.pi * r0)
    rho = np.sqrt(r * r + height * height)
    return (1.0 / rho - height_integral(r, r0, height)) / (2 * math.pi * r0)


# ---------------------------------------------------------------------------------------------
# Smoothly truncated kernels (free space)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Taper:
    """Smooth window w(r) = ½ erfc((r − R_mid)/σ) with w = 1 to 1e-17 below ``inner`` and 0 beyond
    ``outer`` (σ = (outer − inner)/12).

    The transform of (1 − w) f is negligible (< 1e-16 relative) above ``q_cut`` = 14/σ, so the
    truncated transform equals the closed form there and needs quadrature only below.
    """

    inner: float
    outer: float

    @property
    def sigma(self) -> float:
        return (self.outer - self.inner) / 12.0

    @property
    def middle(self) -> float:
        return 0.5 * (self.inner + self.outer)

    @property
    def q_cut(self) -> float:
        return 14.0 / self.sigma

    def __call__(self, r: np.ndarray) -> np.ndarray:
        return 0.5 * erfc((np.asarray(r) - self.middle) / self.sigma)


def radial_nodes(taper: Taper, q_max: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss–Legendre nodes/weights on [0, outer]: geometric panels near r = 0
    (log and 1/r kernels), then panels of width ≤ half a period of J0(q_cut r)."""
    x8, w8 = np.polynomial.legendre.leggauss(8)
    x16, w16 = np.polynomial.legendre.leggauss(16)
    q_max = max(taper.q_cut, q_max or 0.0)
    ra = min(1.0 / q_max, taper.outer)
    geo = ra * 2.0 ** -np.arange(64, -1, -1.0)
    edges_g = np.concatenate([[0.0], geo])
    n_uni = max(1, int(np.ceil((taper.outer - ra) / (np.pi / q_max))))
    edges_u = np.linspace(ra, taper.outer, n_uni + 1)
    nodes, weights = [], []
    for edges, x, w in ((edges_g, x8, w8), (edges_u, x16, w16)):
        a, b = edges[:-1, None], edges[1:, None]
        nodes.append((0.5 * (b - a) * x + 0.5 * (a + b)).ravel())
        weights.append((0.5 * (b - a) * w).ravel())
    return np.concatenate(nodes), np.concatenate(weights)


_QUADRATURE_BLOCK = 1 << 19
"""Points (wavevectors × radial nodes) of one block of J0 evaluations in
:func:`_direct_transform`: fixed (not derived from the thread count), so the bits are too."""


def _direct_transform(qs: np.ndarray, real: Callable[[np.ndarray], np.ndarray],
                      taper: Taper, workers: int = 1) -> np.ndarray:
    """2π ∫ f w J0(q r) r dr at each q by composite Gauss–Legendre (see :func:`radial_nodes`);
    the blocks of wavevectors on ``workers`` threads (J0 dominates: ~30 ns a point)."""
    r, w = radial_nodes(taper, float(qs.max()))
    weight = 2 * np.pi * w * r * real(r) * taper(r)
    vals = np.empty(qs.size)
    step = max(1, _QUADRATURE_BLOCK // r.size)

    def block(s: int) -> None:
        x = np.multiply(qs[s:s + step, None], r[None, :])
        j0(x, out=x)
        vals[s:s + step] = x @ weight

    starts = range(0, qs.size, step)
    if workers > 1 and len(starts) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for _ in pool.map(block, starts):
                pass
    else:
        for s in starts:
            block(s)
    return vals


def _chebyshev_transform(qs: np.ndarray, real: Callable[[np.ndarray], np.ndarray], taper: Taper,
                         q_top: float, degree: int, workers: int = 1) -> np.ndarray:
    """The same transform from its Chebyshev interpolant on [0, q_top] (degree + 1 quadratures)."""
    cheb = np.polynomial.chebyshev
    nodes = np.cos(np.pi * (np.arange(degree + 1) + 0.5) / (degree + 1))  # first kind
    at_nodes = _direct_transform(0.5 * q_top * (nodes + 1.0), real, taper, workers)
    # interpolation at first-kind nodes: c_k = (2/N) Σ_j f_j cos(π k (j + ½)/N) = DCT-II / N
    coef = scipy.fft.dct(at_nodes, type=2) / (degree + 1)
    coef[0] *= 0.5
    return cheb.chebval(2.0 * qs / q_top - 1.0, coef)


def truncated_transform(q: np.ndarray, real: Callable[[np.ndarray], np.ndarray],
                        closed: Callable[[np.ndarray], np.ndarray], taper: Taper,
                        q_split: float | None = None, workers: int = 1) -> np.ndarray:
    """Fourier transform of the radial kernel f(r) w(r): 2π ∫_0^∞ f(r) w(r) J0(q r) r dr.

    Parameters
    ----------
    q : ndarray
        Wavevector magnitudes (any shape).
    real, closed : callables
        f(r) in real space and its closed-form transform f(q) (used above ``taper.q_cut``).
    taper : Taper
    q_split : float, optional
        Use the closed form at q >= q_split (default ``taper.q_cut``; larger values force the
        quadrature, for tests).
    workers : int
        Threads of the radial quadrature (the result does not depend on it).
    """
    q = np.asarray(q, dtype=float)
    out = np.empty_like(q)
    hi = q >= (taper.q_cut if q_split is None else q_split)
    out[hi] = closed(q[hi])
    lo = ~hi
    if np.any(lo):
        # exact duplicates only (q = hypot(k_y, k_x) repeats exactly by symmetry); rounding q
        # (a length⁻¹) would make the accuracy depend on the length unit
        qs, inverse = np.unique(q[lo], return_inverse=True)
        q_top = float(qs.max())
        # f_R(q) is entire of exponential type R = taper.outer: Chebyshev coefficients on
        # [0, q_top] fall super-exponentially beyond degree R q_top / 2; 2.2× that is round-off.
        degree = int(1.1 * taper.outer * q_top) + 32
        if qs.size > 2 * degree:
            vals = _chebyshev_transform(qs, real, taper, q_top, degree, workers)
        else:
            vals = _direct_transform(qs, real, taper, workers)
        out[lo] = vals[inverse.ravel()]
    return out


_radial_nodes = radial_nodes  # the name before it was shared across modules
