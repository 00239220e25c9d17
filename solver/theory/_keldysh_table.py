"""Dimensionless Keldysh functions, accurate to a few ulp for every x = r/r0 > 0 (private).

With the Keldysh potential (paper Eq. 7) written in the dimensionless variable x = r/r0,

    f(x) = (pi/2) [H0(x) - Y0(x)] = ∫_0^∞ e^{-t} / sqrt(x² + t²) dt,

this module evaluates the four bounded, positive, smooth combinations

    f(x)                          the potential V itself,
    p(x) = -x f'(x)   = ∫ t  e^{-t} / sqrt(x²+t²) dt      (→ 1 as x → 0, ~ 1/x as x → ∞),
    q(x) =  x² f''(x) = ∫ t² e^{-t} / sqrt(x²+t²) dt      (→ 1 as x → 0, ~ 2/x as x → ∞),
    b(x) = 1 + x² f'(x) = 1 - x p(x)
         = ∫ t³ e^{-t} / (R (R + x)) dt,  R = sqrt(x²+t²)  (→ 1 as x → 0, ~ 3/x² as x → ∞),

so that, with Z the point-dipole constant, J_perp = Z p / r², J_par = Z q / r² (Eq. 9) and the
z = 0 field factor G'(r) = -b / (2 pi r0 r²).  All integrands are positive: no cancellation.

Three regions (chosen so that every branch is accurate to ~1e-16 relative):

* x < 1/16: the convergent power/log series of H0 - Y0 (DLMF 11.2.1, 10.8.2), 7 terms;
* 1/16 <= x < 64: piecewise polynomials, 8 per binary octave, degree 11 in a local variable that
  is an *exact* affine function of the frexp mantissa of x (no rounding in the argument);
  the table is built once, lazily, from double-exponential (exp-sinh) quadrature of the integral
  forms in extended precision (``numpy.longdouble``; ~1e-19 where that type is 80-bit, ~3e-15
  where ``longdouble`` is plain double), Chebyshev-interpolated and converted to monomials;
* x >= 64: the asymptotic series f ~ Σ (-1)^k ((2k-1)!!)² / x^{2k+1} (DLMF 11.6.2), 16 terms
  (the smallest term near k ~ x/2 is ~e^{-x}; at x = 64 the truncation error is < 1e-18).
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

__all__ = ["keldysh_functions", "field_height_integral", "X_SMALL", "X_LARGE"]

_NSUB = 8            # polynomial pieces per binary octave
_DEG = 11            # polynomial degree of each piece
_E_LO, _E_HI = -3, 7  # table covers frexp exponents e in [_E_LO, _E_HI): x in [2^-4, 2^6)
X_SMALL = math.ldexp(0.5, _E_LO)   # 1/16: below it the small-x series is used
X_LARGE = math.ldexp(0.5, _E_HI)   # 64: from it on the asymptotic series is used
_CHUNK = 1 << 15     # elements processed per pass (keeps temporaries in cache)
_NAMES = ("f", "p", "q", "b")
_EULER_GAMMA = 0.57721566490153286061
_N_SERIES = 7
_N_ASYM = 16


# --------------------------------------------------------------------------------------------
# small-x series.  With s = x², L = ln(x/2) + γ_E, a_k = (-1)^k / (4^k k!²), H_k harmonic,
# c_k = (pi/2)(-1)^k / (2^{2k+1} Γ(k+3/2)²)  [from H0 and Y0 power series]:
#   f = Σ a_k H_k s^k - L Σ a_k s^k + x Σ c_k s^k
#   p = Σ a_k (1 - 2k H_k) s^k + L Σ 2k a_k s^k - x Σ (2k+1) c_k s^k
#   q = Σ a_k ((4k²-2k) H_k - 4k + 1) s^k - L Σ (4k²-2k) a_k s^k + x Σ 2k(2k+1) c_k s^k
# --------------------------------------------------------------------------------------------
def _series_coefficients() -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    a, c, h = [], [], []
    harmonic = 0.0
    for k in range(_N_SERIES):
        if k:
            harmonic += 1.0 / k
        a.append((-1) ** k / (4.0**k * math.factorial(k) ** 2))
        c.append((math.pi / 2) * (-1) ** k / (2.0 ** (2 * k + 1) * math.gamma(k + 1.5) ** 2))
        h.append(harmonic)
    a, c, h = map(np.array, (a, c, h))
    k = np.arange(_N_SERIES, dtype=float)
    # (plain part, coefficient of L, coefficient of x), each a polynomial in s = x² (low→high)
    return {
        "f": (a * h, -a, c),
        "p": (a * (1 - 2 * k * h), 2 * k * a, -(2 * k + 1) * c),
        "q": (a * ((4 * k**2 - 2 * k) * h - 4 * k + 1), -(4 * k**2 - 2 * k) * a, 2 * k * (2 * k + 1) * c),
    }


_SERIES = _series_coefficients()


def _poly(coef: np.ndarray, s: np.ndarray) -> np.ndarray:
    out = np.full_like(s, coef[-1])
    for cf in coef[-2::-1]:
        out *= s
        out += cf
    return out


def _small(x: np.ndarray, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    s = x * x
    L = np.log(x) - (math.log(2.0) - _EULER_GAMMA)
    out = {}
    for nm in ("f", "p", "q"):
        if nm in names or (nm == "p" and "b" in names):
            plain, logc, xc = _SERIES[nm]
            out[nm] = _poly(plain, s) + L * _poly(logc, s) + x * _poly(xc, s)
    if "b" in names:
        out["b"] = 1.0 - x * out["p"]
    return out


# --------------------------------------------------------------------------------------------
# large-x asymptotic series, w = 1/x, v = w², d_k = ((2k-1)!!)²:
#   f = w Σ (-1)^k d_k v^k,  p = w Σ (-1)^k (2k+1) d_k v^k,  q = w Σ (-1)^k (2k+1)(2k+2) d_k v^k,
#   b = 1 - x p = v Σ_j (-1)^j (2j+3) d_{j+1} v^j
# --------------------------------------------------------------------------------------------
def _asymptotic_coefficients() -> dict[str, np.ndarray]:
    d = [1.0]
    for k in range(1, _N_ASYM + 1):
        d.append(d[-1] * (2 * k - 1) ** 2)
    d = np.array(d)
    k = np.arange(_N_ASYM + 1, dtype=float)
    sgn = (-1.0) ** k
    return {
        "f": (sgn * d)[:_N_ASYM],
        "p": (sgn * (2 * k + 1) * d)[:_N_ASYM],
        "q": (sgn * (2 * k + 1) * (2 * k + 2) * d)[:_N_ASYM],
        "b": (sgn[:-1] * (2 * k[:-1] + 3) * d[1:])[:_N_ASYM],
    }


_ASYM = _asymptotic_coefficients()


def _large(x: np.ndarray, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    w = 1.0 / x
    v = w * w
    return {nm: (v if nm == "b" else w) * _poly(_ASYM[nm], v) for nm in names}


# --------------------------------------------------------------------------------------------
# the table for 1/16 <= x < 64
# --------------------------------------------------------------------------------------------
def _exp_sinh_integrals(x: np.ndarray) -> tuple[np.ndarray, ...]:
    """f, p, q, b at ``x`` (dtype of ``x``) by exp-sinh quadrature of their integral forms.

    Nodes t = c exp((pi/2) sinh τ), τ on a uniform grid of step 1/40 in [-4.5, 4.5], scale
    c = min(x, 1) (the distance of the integrand's branch points ±ix, or the e^{-t} scale).
    In long double the result agrees with 30-digit mpmath to ~4e-19 on [1/16, 64].
    """
    dt = x.dtype
    pi = 4 * np.arctan(np.ones((), dtype=dt))
    h = np.asarray(1, dtype=dt) / 40
    tau = np.arange(-180, 181, dtype=dt) * h
    e = np.exp(pi / 2 * np.sinh(tau))
    w = h * pi / 2 * np.cosh(tau) * e
    xx = x[:, None]
    c = np.minimum(xx, np.ones((), dtype=dt))
    t = c * e
    wt = c * w * np.exp(-t)
    R = np.sqrt(xx * xx + t * t)
    base = wt / R
    return (base.sum(1), (base * t).sum(1), (base * t * t).sum(1),
            (base * t**3 / (R + xx)).sum(1))


@lru_cache(maxsize=1)
def _table() -> np.ndarray:
    """Monomial coefficients, shape (4 functions, _DEG+1 powers, n_pieces), float64: from the
    disk cache (``solver._common.cache``; keyed by this file's code, the table's parameters
    and the long-double precision it is built in), else built (~0.3 s once per process)."""
    from .._common import cache

    shape = (len(_NAMES), _DEG + 1, (_E_HI - _E_LO) * _NSUB)
    digest = cache.key_digest(kind="keldysh_table", deg=_DEG, nsub=_NSUB, exponents=(_E_LO, _E_HI),
                              longdouble=int(np.finfo(np.longdouble).nmant))
    stored = cache.load_arrays("keldysh", digest, expect={"table": (shape, np.float64)})
    if stored is not None:
        return stored["table"]
    table = _build_table()
    cache.save_arrays("keldysh", digest, {"table": table})
    return table


def _build_table() -> np.ndarray:
    """The coefficients of :func:`_table`, computed in long double."""
    ld = np.longdouble
    n = _DEG + 1
    pi = 4 * np.arctan(np.ones((), dtype=ld))
    theta = pi * (np.arange(n, dtype=ld) + ld(0.5)) / n
    nodes = np.cos(theta)                                      # Chebyshev points on [-1, 1]
    half = ld(0.25) / _NSUB                                    # half-width in the mantissa
    mids = ld(0.5) + half * (2 * np.arange(_NSUB, dtype=ld) + 1)
    scale = np.array([np.ldexp(ld(1), e) for e in range(_E_LO, _E_HI)], dtype=ld)
    centre = (scale[:, None] * mids[None, :]).ravel()
    width = np.repeat(scale * half, _NSUB)
    x = centre[:, None] + width[:, None] * nodes[None, :]
    vals = _exp_sinh_integrals(x.ravel())
    cosm = np.cos(np.outer(theta, np.arange(n, dtype=ld)))   # (node j, order k)
    # Chebyshev → monomial basis: row k holds the power coefficients of T_k (exact integers)
    to_powers = np.zeros((n, n), dtype=ld)
    for k in range(n):
        powers = np.polynomial.chebyshev.cheb2poly(np.eye(n, dtype=ld)[k])
        to_powers[k, :powers.size] = powers
    out = np.empty((len(_NAMES), n, centre.size))
    for i, v in enumerate(vals):
        cheb = (2 / ld(n)) * (v.reshape(centre.size, n) @ cosm)
        cheb[:, 0] /= 2
        out[i] = (cheb @ to_powers).T.astype(float)
    return out


def _tabulated(x: np.ndarray, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    tab = _table()
    m, e = np.frexp(x)
    ms = m * (2 * _NSUB)                 # exact, in [_NSUB, 2 _NSUB)
    k = ms.astype(np.intp)
    piece = (e - _E_LO) * _NSUB + (k - _NSUB)
    t = (ms - k) * 2.0 - 1.0             # exact, in [-1, 1)
    out = {}
    for nm in names:
        coef = tab[_NAMES.index(nm)]
        acc = np.take(coef[-1], piece)
        for row in coef[-2::-1]:
            acc *= t
            acc += np.take(row, piece)
        out[nm] = acc
    return out


def _evaluate(x: np.ndarray, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    small = x < X_SMALL
    large = x >= X_LARGE
    if not (small.any() or large.any()):
        return _tabulated(x, names)
    out = {nm: np.empty_like(x) for nm in names}
    mid = ~(small | large)
    for mask, fn in ((small, _small), (large, _large), (mid, _tabulated)):
        if mask.any():
            res = fn(x[mask], names)
            for nm in names:
                out[nm][mask] = res[nm]
    return out


def keldysh_functions(x: np.ndarray, names: tuple[str, ...] = _NAMES) -> tuple[np.ndarray, ...]:
    """Evaluate the dimensionless functions ``names`` (subset of f, p, q, b) at ``x``.

    Parameters
    ----------
    x : ndarray of float64
        r / r0, all entries > 0 (not checked here); +inf gives the limit 0. An x that underflowed
        to 0 is treated as the smallest subnormal, 5e-324 (p, q, b are then exactly 1).
    names : tuple of str
        Which functions to return, in that order.

    Returns
    -------
    tuple of ndarray
        One array of the shape of ``x`` per requested name.
    """
    for nm in names:
        if nm not in _NAMES:
            raise ValueError(f"unknown Keldysh function {nm!r}; choose from {_NAMES}")
    x = np.asarray(x, dtype=float)
    shape = x.shape
    flat = np.maximum(x.ravel(), 5e-324)
    outs = [np.empty(flat.size) for _ in names]
    with np.errstate(under="ignore"):
        for a in range(0, flat.size, _CHUNK):
            res = _evaluate(flat[a:a + _CHUNK], names)
            for o, nm in zip(outs, names):
                o[a:a + _CHUNK] = res[nm]
    return tuple(o.reshape(shape) for o in outs)


# --------------------------------------------------------------------------------------------
# field above the film
# --------------------------------------------------------------------------------------------
_H_FIELD = 1.0 / 16
_TAU_FIELD = np.arange(-72, 73) * _H_FIELD          # τ in [-4.5, 4.5], 145 nodes
_E_FIELD = np.exp(0.5 * np.pi * np.sinh(_TAU_FIELD))
_W_FIELD = _H_FIELD * 0.5 * np.pi * np.cosh(_TAU_FIELD) * _E_FIELD


def field_height_integral(r: np.ndarray, z: float, r0: float) -> np.ndarray:
    """ρ⁴ I / c with I = ∫_0^∞ e^{-t} (z + r0 t) / (r² + (z + r0 t)²)^{5/2} dt, ρ = sqrt(r² + z²).

    Parameters
    ----------
    r : ndarray
        In-plane distances >= 0 (user length unit).
    z : float
        Height > 0.
    r0 : float
        Finite Pearl length.

    Returns
    -------
    ndarray
        K̂/c with K̂ = ρ⁴ I and c = min(ρ/r0, 1) (dimensionless, O(1)), shaped like ``r``;
        dividing by c keeps the strongly unscreened limit ρ ≪ r0 (K̂ ∝ ρ/r0) representable.

    Notes
    -----
    ∂_r G_z = -3 r I / (2 pi) follows from G_z of docs/physics.md by one integration by parts, which
    removes the cancellation between its 1/sqrt(r²+z²) term and its integral. In units of ρ,
    K̂ = ∫ e^{-t} s/(a² + s²)^{5/2} dt with s = z/ρ + (r0/ρ) t, a = r/ρ. Exp-sinh quadrature
    (nodes t = c exp((pi/2) sinh τ), step 1/16, 145 nodes) with scale c = min(ρ/r0, 1): the
    integrand is positive, and the result agrees with mpmath to ~1e-15 relative.
    """
    r = np.asarray(r, dtype=float)
    shape = r.shape
    r = r.ravel()
    out = np.empty(r.size)
    step = max(1, _CHUNK // _TAU_FIELD.size)
    with np.errstate(under="ignore", over="ignore"):
        for a0 in range(0, r.size, step):
            rr = r[a0:a0 + step, None]
            rho = np.hypot(rr, z)
            c = np.minimum(rho / r0, 1.0)
            kc = np.minimum(r0 / rho, 1.0)
            a = rr / rho
            s = z / rho + kc * _E_FIELD
            d2 = a * a + s * s
            out[a0:a0 + step] = (_W_FIELD * np.exp(-c * _E_FIELD) * s
                                 / (d2 * d2 * np.sqrt(d2))).sum(1)
    return out.reshape(shape)
