"""Vectorized kernels and blocked N-impurity sums behind :mod:`solver.keldysh` (private).

Inputs are assumed validated by the public wrappers. Notation as in :mod:`solver.keldysh`:
p = -r V'(r), q = r² V''(r), b = 1 - (r/r0) p (functions of r/r0 from
:mod:`solver._keldysh_table`); J_perp = Z p/r², J_par = Z q/r².
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ._keldysh_table import _EULER_GAMMA, field_height_integral, keldysh_functions

__all__ = ["BLOCK", "current_kernel", "energy_sum", "field_factor", "field_kernel", "field_sum",
           "in_fast_range", "pair_kernel", "pq", "R2_MIN", "radial_b", "radial_f", "radial_pq",
           "scaled", "superpose", "X_ASYM"]

BLOCK = 1 << 16   # pairs per block in the N-impurity sums (temporaries stay in cache)
R2_MIN = 2.0**-800  # smallest squared pair distance in the (rescaled) N-impurity sums


def pq(r: np.ndarray, r0: float) -> tuple[np.ndarray, np.ndarray]:
    """p = -r V'(r), q = r² V''(r) at distances ``r`` (dimensionless, → 1 as r/r0 → 0)."""
    if math.isinf(r0):
        one = np.ones_like(r)
        return one, one.copy()
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        return keldysh_functions(r / r0, ("p", "q"))


# ------------------------------------------------------------------ extreme lengths (split form)
FAST_LO, FAST_HI = 2.0**-200, 2.0**200
"""Lengths (r and a finite r0) in this range take the direct formulas: there x = r/r0, p, q, r²
and p/r² are normal floats, so nothing over- or underflows before the final product."""
X_ASYM = 60
"""For x = r/r0 >= 2^60 the Keldysh functions are their leading asymptotic terms to double
precision (p = 1/x, q = 2/x, b = 3/x², f = 1/x; next relative term 3/x² < 2^-118)."""


def in_fast_range(rmin: float, rmax: float, r0: float) -> bool:
    """True when lengths in [rmin, rmax] and r0 take the direct formulas (see FAST_LO)."""
    return FAST_LO <= rmin and rmax <= FAST_HI and (math.isinf(r0) or FAST_LO <= r0 <= FAST_HI)


def scaled(c: float, mant: np.ndarray, exp: Any, extra: int = 0) -> np.ndarray:
    """c · mant · 2^(exp + extra) elementwise, with the scalar c split so that nothing over- or
    underflows before the single final rounding (``exp`` = ``extra`` = 0: the plain product)."""
    if extra == 0 and isinstance(exp, int) and exp == 0:
        return c * mant
    mc, ec = math.frexp(c)
    return np.ldexp(mc * mant, exp + (ec + extra))


def _split_x(r: np.ndarray, r0: float):
    """r = mr 2^er, r0 = m0 2^e0, x = r/r0 (exponent ex = er - e0; big: ex > X_ASYM)."""
    mr, er = np.frexp(r)
    m0, e0 = math.frexp(r0)
    ex = er - e0
    big = ex > X_ASYM
    with np.errstate(under="ignore"):
        x = np.ldexp(mr / m0, np.where(big, 0, ex))   # tiny x may underflow to 0: p = q = b = 1
    return mr, er, m0, e0, x, big


def _pq_of_x(x: np.ndarray, approximate: bool) -> tuple[np.ndarray, np.ndarray]:
    """(p, q) at x = r/r0: exact Keldysh functions, or Eq. 10's p = u, q = u (2 - u),
    u = 1/(1 + x) (J_perp = Z u/r², J_par = Z (1 + 2x)/(1 + x)²/r²)."""
    if approximate:
        u = 1.0 / (1.0 + x)
        return u, u * (2.0 - u)
    return keldysh_functions(x, ("p", "q"))


def radial_pq(r: np.ndarray, r0: float, rmin: float, rmax: float,
              approximate: bool = False) -> tuple[np.ndarray, np.ndarray, Any]:
    """(P, Q, E) with p/r² = P·2^E and q/r² = Q·2^E, for any r > 0 and r0 in (0, inf].

    Inside :data:`FAST_LO`…:data:`FAST_HI` this is (p/r², q/r², 0) by the direct formula; outside,
    r and r0 are split into mantissa and exponent (exact), so that r², x = r/r0 and r0/r³ never
    over- or underflow (e.g. a denormal r0): P, Q are O(1) and E an int array. Both the exact
    functions and Eq. 10 (``approximate``) have p → 1/x, q → 2/x for x → inf and → 1 for x → 0.
    """
    if in_fast_range(rmin, rmax, r0):
        if approximate or not math.isinf(r0):
            p, q = _pq_of_x(r / r0, approximate)
        else:
            p, q = pq(r, r0)
        r2 = r * r
        return p / r2, q / r2, 0
    shape, r = r.shape, r.reshape(-1)
    P, Q, E = _radial_pq_split(r, r0, approximate)
    return P.reshape(shape), Q.reshape(shape), np.reshape(E, shape)


def _radial_pq_split(r: np.ndarray, r0: float, approximate: bool):
    """:func:`radial_pq` outside the fast range (1-D ``r``)."""
    if math.isinf(r0):
        mr, er = np.frexp(r)
        P = 1.0 / (mr * mr)
        return P, P.copy(), -2 * er.astype(np.int64)
    mr, er, m0, e0, x, big = _split_x(r, r0)
    p, q = _pq_of_x(x, approximate)
    inv = 1.0 / (mr * mr)
    P, Q, E = p * inv, q * inv, -2 * er.astype(np.int64)
    if big.any():                                   # p/r² = r0/r³, q/r² = 2 r0/r³
        P[big] = m0 / mr[big] ** 3
        Q[big] = 2.0 * P[big]
        E = np.where(big, e0 - 3 * er, E)
    return P, Q, E


def radial_f(r: np.ndarray, r0: float) -> np.ndarray:
    """f(r/r0) (the potential V) for any r > 0 and finite r0: f = 1/x beyond 2^60, the
    logarithm ln(2/x) - γ_E where x underflows (x < 2^-1000, corrections O(x))."""
    shape, r = r.shape, r.reshape(-1)
    mr, er, m0, e0, x, big = _split_x(r, r0)
    out = keldysh_functions(x, ("f",))[0]
    tiny = ~big & (er - e0 < -1000)
    if tiny.any():
        lnx = np.log(mr[tiny] / m0) + (er[tiny] - e0) * math.log(2.0)
        out[tiny] = -lnx + (math.log(2.0) - _EULER_GAMMA)
    if big.any():
        out[big] = np.ldexp(m0 / mr[big], e0 - er[big])
    return out.reshape(shape)


def radial_b(r: np.ndarray, r0: float, rmin: float, rmax: float) -> tuple[np.ndarray, Any]:
    """(B, E) with b(r/r0)/(r0 r²) = B·2^E, for any r > 0 and finite r0 (b → 3/x² beyond 2^60)."""
    if in_fast_range(rmin, rmax, r0):
        return field_factor(r, r0) / r0 / r / r, 0
    shape, r = r.shape, r.reshape(-1)
    mr, er, m0, e0, x, big = _split_x(r, r0)
    b = keldysh_functions(x, ("b",))[0]
    B, E = b / (m0 * mr * mr), -e0 - 2 * er.astype(np.int64)
    if big.any():                                   # b/(r0 r²) = 3 r0/r⁴
        B[big] = 3.0 * m0 / mr[big] ** 4
        E = np.where(big, e0 - 4 * er, E)
    return B.reshape(shape), np.reshape(E, shape)


def field_factor(r: np.ndarray, r0: float) -> np.ndarray:
    """b(r/r0) = 1 + x² f'(x), so that G'(r) = -b / (2 pi r0 r²)."""
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        return keldysh_functions(r / r0, ("b",))[0]


def _radius(d: np.ndarray) -> tuple[np.ndarray, float, float]:
    r = np.hypot(d[..., 0], d[..., 1])
    return r, (float(r.min()) if r.size else 1.0), (float(r.max()) if r.size else 1.0)


def pair_kernel(d: np.ndarray, ma: np.ndarray, mb: np.ndarray, r0: float, Z: float,
                extra: int = 0) -> np.ndarray:
    """2^extra ma·C(d)·mb = 2^extra Z/r² [p ma·mb - (p+q)(ma·r̂)(mb·r̂)], broadcastable (..., 2)."""
    r, lo, hi = _radius(d)
    P, Q, E = radial_pq(r, r0, lo, hi)
    ux, uy = d[..., 0] / r, d[..., 1] / r
    ua = ux * ma[..., 0] + uy * ma[..., 1]
    ub = ux * mb[..., 0] + uy * mb[..., 1]
    mm = ma[..., 0] * mb[..., 0] + ma[..., 1] * mb[..., 1]
    return scaled(Z, P * mm - (P + Q) * ua * ub, E, extra)


def current_kernel(d: np.ndarray, m: np.ndarray, r0: float, pref: float, extra: int = 0) -> np.ndarray:
    """Eq. 12 with J's = Z (p, q)/r²: 2^extra pref/r² [q m' - (p+q)(m'·r̂) r̂], m' = μ×ẑ."""
    r, lo, hi = _radius(d)
    P, Q, E = radial_pq(r, r0, lo, hi)
    ux, uy = d[..., 0] / r, d[..., 1] / r
    mx, my = m[..., 1], -m[..., 0]                    # μ × ẑ
    proj = (P + Q) * (mx * ux + my * uy)
    out = np.empty(np.broadcast_shapes(d.shape, m.shape))
    out[..., 0] = scaled(pref, Q * mx - proj * ux, E, extra)
    out[..., 1] = scaled(pref, Q * my - proj * uy, E, extra)
    return out


def field_kernel(d: np.ndarray, m: np.ndarray, r0: float, g: float, z: float,
                 extra: int = 0) -> np.ndarray:
    """2^extra B_z of point impurities at displacement d (from the impurity), height z >= 0.

    At z = 0 the radial factor b/(r0 r²) is taken in split form (:func:`radial_b`), so any
    r/r0 is fine; for z > 0 the terms are products of O(1) factors and inverse lengths, so that
    nothing over- or underflows once the lengths are O(r0) (the callers rescale them).
    """
    shape = np.broadcast_shapes(d.shape, m.shape)[:-1]
    if math.isinf(r0):
        return np.zeros(shape)
    if z == 0.0:
        # B_z = g (μ·r̂) G'(r), G' = -b / (2 pi r0 r²)
        r, lo, hi = _radius(d)
        mr = (m[..., 0] * d[..., 0] + m[..., 1] * d[..., 1]) / r
        B, E = radial_b(r, r0, lo, hi)
        out = scaled(-(g / (2 * math.pi)), mr * B, E, extra)
    else:
        # B_z = -(3g/2pi)(μ·d) I,  I = ∫ e^{-t}(z + r0 t)/(r² + (z + r0 t)²)^{5/2} dt
        #     = (K̂/c) · c/ρ⁴,  c = min(ρ/r0, 1)  (see field_height_integral)
        r = np.hypot(d[..., 0], d[..., 1])
        rho = np.hypot(r, z)
        mr = (m[..., 0] * d[..., 0] + m[..., 1] * d[..., 1]) / rho
        k = field_height_integral(r, z, r0)
        out = scaled(-(3 * g / (2 * math.pi)),
                     (mr * k * np.minimum(1 / r0, 1 / rho)) / rho / rho, 0, extra)
    return np.broadcast_to(out, shape).copy()


def _block_terms(pos: np.ndarray, rows: slice, cols: slice, r0: float, Z: float,
                 skip: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """Dense block of pair data: r̂ = (ux, uy) (rows - cols), Z p/r², Z (p+q)/r² (zeroed where
    ``skip``), so that C = (Z p/r²) 1 - (Z (p+q)/r²) r̂ r̂ᵀ. The callers pass lengths rescaled to
    O(1) (:func:`solver.keldysh._normalised`); pair distances must lie in [2^-400, 2^400] there."""
    dx = pos[rows, 0][:, None] - pos[cols, 0][None, :]
    dy = pos[rows, 1][:, None] - pos[cols, 1][None, :]
    r2 = dx * dx + dy * dy
    if skip is not None:
        r2[skip] = 1.0
    if not r2.all():
        a, b = np.argwhere(r2 == 0)[0]
        raise ValueError(f"positions {rows.start + a} and {cols.start + b} coincide "
                         "(pair interaction diverges at r = 0)")
    if r2.min() < R2_MIN:
        a, b = np.argwhere(r2 < R2_MIN)[0]
        raise ValueError(f"positions {rows.start + a} and {cols.start + b} are closer than 2^-400 "
                         "(~4e-121) times the extent of the positions: the distances of one call must "
                         "span at most 120 decades")
    r = np.sqrt(r2)
    P, Q, E = radial_pq(r, r0, float(r.min()), float(r.max()))   # any r/r0 (tiny r0 too)
    a, c = scaled(Z, P, E), scaled(Z, P + Q, E)
    if skip is not None:
        a[skip] = 0.0
        c[skip] = 0.0
    return dx / r, dy / r, a, c


def _blocks(n: int):
    """Row blocks of at most BLOCK pairs against all n columns."""
    rows = max(1, BLOCK // max(n, 1))
    for i0 in range(0, n, rows):
        yield i0, min(i0 + rows, n)


def _pair_blocks(pos: np.ndarray, r0: float, Z: float):
    """Each pair i < j once: row blocks ``rows`` against the columns ``cols`` (j >= first row),
    yielding ``(rows, cols, (r̂_x, r̂_y, a, c))`` of :func:`_block_terms` with j <= i zeroed."""
    n = pos.shape[0]
    for i0, i1 in _blocks(n):
        rows, cols = slice(i0, i1), slice(i0, n)
        skip = np.zeros((i1 - i0, n - i0), dtype=bool)
        skip[:, : i1 - i0] = np.tri(i1 - i0, dtype=bool)      # keep j > i only
        yield rows, cols, _block_terms(pos, rows, cols, r0, Z, skip)


def energy_sum(pos: np.ndarray, mom: np.ndarray, r0: float, Z: float) -> float:
    """Σ_{i<j} m_i·C(r_i - r_j)·m_j; dense row blocks against the columns j >= first row."""
    total = 0.0
    mx, my = mom[:, 0], mom[:, 1]
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        for rows, cols, (ux, uy, a, c) in _pair_blocks(pos, r0, Z):
            # m_i·C·m_j = a (m_i·m_j) - c (m_i·r̂)(m_j·r̂)
            da = ux * mx[rows, None] + uy * my[rows, None]
            db = ux * mx[None, cols] + uy * my[None, cols]
            total += float(mx[rows] @ a @ mx[cols] + my[rows] @ a @ my[cols]) - float(np.sum(c * da * db))
    return total


def field_sum(pos: np.ndarray, mom: np.ndarray, r0: float, Z: float) -> np.ndarray:
    """h_i = -Σ_{j≠i} C(r_i - r_j) m_j, shape (N, 2); each pair evaluated once (C is even in r)."""
    out = np.zeros((pos.shape[0], 2))
    mx, my = mom[:, 0], mom[:, 1]
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        for rows, cols, (ux, uy, a, c) in _pair_blocks(pos, r0, Z):
            # -C m = c r̂ (r̂·m) - a m, for h_i (partner m_j) and for h_j (partner m_i)
            cj = c * (ux * mx[None, cols] + uy * my[None, cols])
            ci = c * (ux * mx[rows, None] + uy * my[rows, None])
            out[rows, 0] += np.sum(cj * ux, axis=1) - a @ mx[cols]
            out[rows, 1] += np.sum(cj * uy, axis=1) - a @ my[cols]
            out[cols, 0] += np.sum(ci * ux, axis=0) - mx[rows] @ a
            out[cols, 1] += np.sum(ci * uy, axis=0) - my[rows] @ a
    return out


def superpose(points: np.ndarray, pos: np.ndarray, mom: np.ndarray,
              kernel: Callable[[np.ndarray, np.ndarray], np.ndarray], what: str,
              allow_zero: bool, vector: bool, where: str = "an impurity position") -> np.ndarray:
    """Σ_i kernel(points - r_i, m_i) over impurities, in blocks of points × impurities."""
    shape = points.shape[:-1] + ((2,) if vector else ())
    flat = points.reshape(-1, 2)
    n = max(pos.shape[0], 1)
    out = np.zeros((flat.shape[0],) + ((2,) if vector else ()))
    step = max(1, BLOCK // n)
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        for a in range(0, flat.shape[0], step):
            d = flat[a:a + step, None, :] - pos[None, :, :]
            if not np.isfinite(d).all():
                raise ValueError(f"points - {where} overflows the float range (|difference| > 1.8e308); "
                                 "use a smaller length unit")
            if not allow_zero and np.any((d[..., 0] == 0) & (d[..., 1] == 0)):
                raise ValueError(f"points must not coincide with {where} ({what} diverges there)")
            out[a:a + step] = kernel(d, mom[None, :, :]).sum(axis=1)
    return out.reshape(shape)
