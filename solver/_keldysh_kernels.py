"""Vectorized kernels and blocked N-impurity sums behind :mod:`solver.keldysh` (private).

Inputs are assumed validated by the public wrappers. Notation as in :mod:`solver.keldysh`:
p = -r V'(r), q = r² V''(r), b = 1 - (r/r0) p (functions of r/r0 from
:mod:`solver._keldysh_table`); J_perp = Z p/r², J_par = Z q/r².
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ._keldysh_table import field_height_integral, keldysh_functions

BLOCK = 1 << 16   # pairs per block in the N-impurity sums (temporaries stay in cache)


def pq(r: np.ndarray, r0: float) -> tuple[np.ndarray, np.ndarray]:
    """p = -r V'(r), q = r² V''(r) at distances ``r`` (dimensionless, → 1 as r/r0 → 0)."""
    if math.isinf(r0):
        one = np.ones_like(r)
        return one, one.copy()
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        return keldysh_functions(r / r0, ("p", "q"))


def field_factor(r: np.ndarray, r0: float) -> np.ndarray:
    """b(r/r0) = 1 + x² f'(x), so that G'(r) = -b / (2 pi r0 r²)."""
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        return keldysh_functions(r / r0, ("b",))[0]


def pair_kernel(d: np.ndarray, ma: np.ndarray, mb: np.ndarray, r0: float, Z: float) -> np.ndarray:
    """ma·C(d)·mb = Z/r² [p ma·mb - (p+q)(ma·r̂)(mb·r̂)] for broadcastable (..., 2) arrays."""
    r = np.hypot(d[..., 0], d[..., 1])
    p, q = pq(r, r0)
    ux, uy = d[..., 0] / r, d[..., 1] / r
    ua = ux * ma[..., 0] + uy * ma[..., 1]
    ub = ux * mb[..., 0] + uy * mb[..., 1]
    mm = ma[..., 0] * mb[..., 0] + ma[..., 1] * mb[..., 1]
    return Z * (p * mm - (p + q) * ua * ub) / r / r


def current_kernel(d: np.ndarray, m: np.ndarray, r0: float, pref: float) -> np.ndarray:
    """Eq. 12 with J's = Z (p, q)/r²: pref/r² [q m' - (p+q)(m'·r̂) r̂], m' = μ×ẑ = (μy, -μx)."""
    r = np.hypot(d[..., 0], d[..., 1])
    p, q = pq(r, r0)
    ux, uy = d[..., 0] / r, d[..., 1] / r
    mx, my = m[..., 1], -m[..., 0]                    # μ × ẑ
    proj = (p + q) * (mx * ux + my * uy)
    out = np.empty(np.broadcast_shapes(d.shape, m.shape))
    out[..., 0] = pref * (q * mx - proj * ux) / r / r
    out[..., 1] = pref * (q * my - proj * uy) / r / r
    return out


def field_kernel(d: np.ndarray, m: np.ndarray, r0: float, g: float, z: float) -> np.ndarray:
    """B_z of point impurities at displacement d (from the impurity), height z >= 0.

    Written as products of O(1) factors and inverse lengths so that no intermediate over- or
    underflows for any representable result.
    """
    shape = np.broadcast_shapes(d.shape, m.shape)[:-1]
    if math.isinf(r0):
        return np.zeros(shape)
    r = np.hypot(d[..., 0], d[..., 1])
    if z == 0.0:
        # B_z = g (μ·r̂) G'(r), G' = -b / (2 pi r0 r²)
        mr = (m[..., 0] * d[..., 0] + m[..., 1] * d[..., 1]) / r
        out = -(g / (2 * math.pi)) * mr * field_factor(r, r0) / r0 / r / r
    else:
        # B_z = -(3g/2pi)(μ·d) I,  I = ∫ e^{-t}(z + r0 t)/(r² + (z + r0 t)²)^{5/2} dt
        #     = (K̂/c) · c/ρ⁴,  c = min(ρ/r0, 1)  (see field_height_integral)
        rho = np.hypot(r, z)
        mr = (m[..., 0] * d[..., 0] + m[..., 1] * d[..., 1]) / rho
        k = field_height_integral(r, z, r0)
        out = -(3 * g / (2 * math.pi)) * (mr * k * np.minimum(1 / r0, 1 / rho)) / rho / rho
    return np.broadcast_to(out, shape).copy()


def _block_terms(pos: np.ndarray, rows: slice, cols: slice, r0: float, Z: float,
                 skip: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """Dense block of pair data: dx, dy (rows - cols), Z p/r², Z (p+q)/r⁴ (zeroed where ``skip``)."""
    dx = pos[rows, 0][:, None] - pos[cols, 0][None, :]
    dy = pos[rows, 1][:, None] - pos[cols, 1][None, :]
    r2 = dx * dx + dy * dy
    if skip is not None:
        r2[skip] = 1.0
    if not r2.all():
        a, b = np.argwhere(r2 == 0)[0]
        raise ValueError(f"positions {rows.start + a} and {cols.start + b} coincide "
                         "(pair interaction diverges at r = 0)")
    p, q = pq(np.sqrt(r2), r0)
    a = Z * p / r2
    c = Z * (p + q) / (r2 * r2)
    if skip is not None:
        a[skip] = 0.0
        c[skip] = 0.0
    return dx, dy, a, c


def _blocks(n: int):
    """Row blocks of at most BLOCK pairs against all n columns."""
    rows = max(1, BLOCK // max(n, 1))
    for i0 in range(0, n, rows):
        yield i0, min(i0 + rows, n)


def energy_sum(pos: np.ndarray, mom: np.ndarray, r0: float, Z: float) -> float:
    """Σ_{i<j} m_i·C(r_i - r_j)·m_j; dense row blocks against the columns j >= first row."""
    n = pos.shape[0]
    total = 0.0
    mx, my = mom[:, 0], mom[:, 1]
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        for i0, i1 in _blocks(n):
            rows, cols = slice(i0, i1), slice(i0, n)
            skip = np.zeros((i1 - i0, n - i0), dtype=bool)
            skip[:, : i1 - i0] = np.tri(i1 - i0, dtype=bool)      # keep j > i only
            dx, dy, a, c = _block_terms(pos, rows, cols, r0, Z, skip)
            # m_i·C·m_j = a (m_i·m_j) - c (m_i·d)(m_j·d)
            da = dx * mx[rows, None] + dy * my[rows, None]
            db = dx * mx[None, cols] + dy * my[None, cols]
            total += float(mx[rows] @ a @ mx[cols] + my[rows] @ a @ my[cols]) - float(np.sum(c * da * db))
    return total


def field_sum(pos: np.ndarray, mom: np.ndarray, r0: float, Z: float) -> np.ndarray:
    """h_i = -Σ_{j≠i} C(r_i - r_j) m_j, shape (N, 2); each pair evaluated once (C is even in r)."""
    n = pos.shape[0]
    out = np.zeros((n, 2))
    mx, my = mom[:, 0], mom[:, 1]
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        for i0, i1 in _blocks(n):
            rows, cols = slice(i0, i1), slice(i0, n)
            skip = np.zeros((i1 - i0, n - i0), dtype=bool)
            skip[:, : i1 - i0] = np.tri(i1 - i0, dtype=bool)      # pairs j > i only
            dx, dy, a, c = _block_terms(pos, rows, cols, r0, Z, skip)
            # -C m = c d (d·m) - a m, for h_i (partner m_j) and for h_j (partner m_i)
            cj = c * (dx * mx[None, cols] + dy * my[None, cols])
            ci = c * (dx * mx[rows, None] + dy * my[rows, None])
            out[rows, 0] += np.sum(cj * dx, axis=1) - a @ mx[cols]
            out[rows, 1] += np.sum(cj * dy, axis=1) - a @ my[cols]
            out[cols, 0] += np.sum(ci * dx, axis=0) - mx[rows] @ a
            out[cols, 1] += np.sum(ci * dy, axis=0) - my[rows] @ a
    return out


def superpose(points: np.ndarray, pos: np.ndarray, mom: np.ndarray,
              kernel: Callable[[np.ndarray, np.ndarray], np.ndarray], what: str,
              allow_zero: bool, vector: bool) -> np.ndarray:
    """Σ_i kernel(points - r_i, m_i) over impurities, in blocks of points × impurities."""
    shape = points.shape[:-1] + ((2,) if vector else ())
    flat = points.reshape(-1, 2)
    n = max(pos.shape[0], 1)
    out = np.zeros((flat.shape[0],) + ((2,) if vector else ()))
    step = max(1, BLOCK // n)
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        for a in range(0, flat.shape[0], step):
            d = flat[a:a + step, None, :] - pos[None, :, :]
            if not allow_zero and np.any((d[..., 0] == 0) & (d[..., 1] == 0)):
                raise ValueError(f"points must not coincide with an impurity position ({what} diverges there)")
            out[a:a + step] = kernel(d, mom[None, :, :]).sum(axis=1)
    return out.reshape(shape)
