"""Mesh-accelerated (particle-particle / particle-mesh) local fields of N point impurities (private).

Energy E = Σ_{i<j} m_i·C(r_i - r_j)·m_j, C = -Z ∂a∂b V (paper Eqs. 6-9), split with the 3-D
Ewald partition of the depth representation of the Keldysh potential (:mod:`solver._ewald`):
C = C_S + C_L with

* C_S short ranged (Gaussian tail, cut at r_c = κ/α, relative tail ≲ 1e-7 for κ = 4.5):
  summed over the neighbour pairs from a k-d tree, pair tensors stored once per geometry;
* C_L smooth (Fourier transform q_a q_b Ṽ_L(q), Ṽ_L ∝ e^{-q²/4α²}): moments are assigned to a
  uniform mesh of spacing h = η/α with tensor-product Lagrange interpolation weights of order
  p = 6, convolved with C_L sampled on the mesh by an FFT on the 2× zero-padded mesh (Hockney's
  free-space convolution: open boundaries, no periodic images), and interpolated back with the
  same weights. The exact mesh self term of every impurity (Σ_ab w_ia w_ib C_L(X_a - X_b)) is
  removed, so the interpolation error does not add up coherently over the N self terms.

The approximate energy is an exact symmetric quadratic form in the moments and the returned fields
are its exact gradient (E = -½ Σ m_i·h_i), so minimizers see a consistent energy/gradient pair.

C_L(r) = C(r) - C_S(r) is tabulated on r ∈ [r_min, r_c] (cubic spline in r², with the closed-form
limit C_L(0) = J⊥_L(0) 1 of :func:`solver._ewald.self_long_range`); beyond r_c, C_L = C (exact
Keldysh couplings). Accuracy/time: see :class:`MeshFields`.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.spatial import cKDTree

from . import _ewald
from .._common import checks
from ..spectral.fft import default_backend
from ..theory import keldysh

__all__ = ["check_options", "KAPPA_MIN", "LongRangeTable", "mesh_bytes", "MESH_OPTIONS",
           "MeshFields", "ORDER"]

ORDER = 6                         # Lagrange stencil points per dimension
KAPPA_MIN = 0.25                  # r_c = κ/α must exceed the table start 0.25/α
MESH_OPTIONS = {"neighbours": 40.0, "kappa": 4.5, "eta": 0.3, "alpha": None, "max_mesh": 4096}
_OFFS = np.arange(-(ORDER // 2) + 1, ORDER // 2 + 1)      # -2..3


def _rfft2(x: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """rfft2 of ``x`` zero-padded to ``shape`` by the package's FFT backend (a one-off plan:
    the mesh holds no planned work arrays beyond its own kernels, see ``mesh_bytes``)."""
    if x.shape[-2:] != tuple(shape):
        pad = np.zeros(x.shape[:-2] + tuple(shape))
        pad[..., :x.shape[-2], :x.shape[-1]] = x
        x = pad
    return default_backend().rfft2(x, cache=False)


def _irfft2(spectrum: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Inverse of :func:`_rfft2` on the full padded ``shape`` (package backend, one-off plan)."""
    return default_backend().irfft2(spectrum, tuple(shape), cache=False)


def _lagrange(t: np.ndarray) -> np.ndarray:
    """Weights of the Lagrange basis on nodes _OFFS at t ∈ [0, 1): shape (N, p)."""
    w = np.ones((t.size, ORDER))
    for k in range(ORDER):
        for jj in range(ORDER):
            if jj != k:
                w[:, k] *= (t - _OFFS[jj]) / (_OFFS[k] - _OFFS[jj])
    return w


class LongRangeTable:
    """J⊥_L(r) and (J⊥_L + J∥_L)(r) of the long-range part (Z = 1) from a spline in r²."""

    def __init__(self, r0: float, alpha: float, rc: float, npts: int = 600) -> None:
        self.r0, self.alpha, self.rc = r0, alpha, rc
        rmin = 0.25 / alpha
        s = np.linspace(rmin**2, rc**2 * 1.0001, npts)
        r = np.sqrt(s)
        jp, jl = (np.asarray(a) for a in keldysh.couplings(r, r0))
        jps, jss = _ewald.short_range(r, r0, alpha)
        self.jperp0 = float(_ewald.self_long_range(r0, alpha))
        self._jp = CubicSpline(np.concatenate([[0.0], s]), np.concatenate([[self.jperp0], jp - jps]))
        self._js = CubicSpline(s, (jp + jl - jss) / s)

    def __call__(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(J⊥_L, J⊥_L + J∥_L) at r <= r_c (Z = 1, 1/length²)."""
        s = r * r
        return self._jp(s), self._js(s) * s

    def full(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(J⊥_L, J⊥_L + J∥_L) at any r >= 0: table inside r_c, exact couplings outside."""
        jp = np.empty_like(r)
        js = np.empty_like(r)
        inner = r <= self.rc
        jp[inner], js[inner] = self(r[inner])
        ro = r[~inner]
        if ro.size:
            a, b = (np.asarray(v) for v in keldysh.couplings(ro, self.r0))
            jp[~inner], js[~inner] = a, a + b
        return jp, js


def _tensor(jp: np.ndarray, js: np.ndarray, dx: np.ndarray, dy: np.ndarray, Z: float,
            chunk: int = 1 << 18) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Components (xx, yy, xy) of Z C, C = J⊥ 1 - (J⊥ + J∥) r̂ r̂ᵀ, at displacements (dx, dy).

    ``jp`` = J⊥ and ``js`` = J⊥ + J∥ are given (here: short- or long-range parts), so the tensor
    algebra is :func:`solver.theory.keldysh.dipole_tensor`'s (the same C as :func:`solver.keldysh.coupling_tensor`).
    At r = 0 (the origin of the mesh kernel, where C_L is finite) r̂ r̂ᵀ is taken as 0: C = J⊥ 1.
    Evaluated in chunks so that the (…, 2, 2) temporaries stay small on large meshes.
    """
    shape = np.shape(dx)
    jp, js = np.ravel(jp), np.ravel(js)
    vx, vy = np.ravel(dx), np.ravel(dy)
    out = [np.empty(jp.size) for _ in range(3)]
    for s in range(0, jp.size, chunk):
        sl = slice(s, s + chunk)
        vec = np.stack([vx[sl], vy[sl]], axis=1)
        zero = (vec[:, 0] == 0) & (vec[:, 1] == 0)
        if np.any(zero):                       # r̂ r̂ᵀ := 0 at r = 0 (avoids 0/0)
            vec[zero, 0] = 1.0
        t = keldysh.dipole_tensor(jp[sl], np.where(zero, 0.0, js[sl]), vec)
        out[0][sl], out[1][sl], out[2][sl] = t[:, 0, 0], t[:, 1, 1], t[:, 0, 1]
    for o in out:
        o *= Z
    return tuple(o.reshape(shape) for o in out)


def _mesh_options(neighbours: Any, kappa: Any, eta: Any, alpha: Any, max_mesh: Any
                  ) -> tuple[float, float, float, float | None, int]:
    """Validated mesh options (``ValueError`` naming the option and its allowed range)."""
    neighbours = checks.positive("neighbours", neighbours)
    kappa = checks.finite_real("kappa", kappa)
    if kappa <= KAPPA_MIN:
        # the long-range table spans r ∈ [0.25/α, r_c]: r_c = κ/α must lie beyond its start
        raise ValueError(f"kappa must be > {KAPPA_MIN} (allowed range ({KAPPA_MIN}, inf); default 4.5), "
                         f"got {kappa}")
    eta = checks.positive("eta", eta)
    if alpha is not None:
        alpha = checks.positive("alpha", alpha)
    max_mesh = checks.integer("max_mesh", max_mesh, ORDER + 3)
    return neighbours, kappa, eta, alpha, max_mesh


def check_options(**options: Any) -> None:
    """Validate mesh options (names and values) without building a mesh.

    ``ValueError`` for an unknown name (listing the accepted ones) or a value out of range.
    """
    unknown = sorted(set(options) - set(MESH_OPTIONS))
    if unknown:
        raise ValueError(f"unknown mesh option(s) {', '.join(unknown)}; the mesh options are "
                         f"{', '.join(MESH_OPTIONS)}")
    _mesh_options(**{**MESH_OPTIONS, **options})


def mesh_bytes(n: int, shape: tuple[int, int], pairs: float) -> float:
    """Estimated peak memory (bytes) of :class:`MeshFields` (construction and one ``fields`` call).

    Measured with tracemalloc (numpy allocations, N = 2e3 … 4e5, meshes up to 47e6 padded
    points): ≈ 93 bytes per point of the (2 ny) × (2 nx) padded mesh at the construction peak
    (meshgrid, tabulated C_L, three real kernels and their rfft2's; a ``fields`` call ≈ 65),
    ≈ 135 bytes per short-range pair (k-d tree output, index pairs, pair tensors) and ≲ 1 kB per
    impurity (36 interpolation indices and weights and their temporaries). The bound adds ~25 %
    to each term, plus 16 MiB fixed. ``pairs`` is an estimate from the mean density (clustered
    positions have more).
    """
    grid = 4.0 * shape[0] * shape[1]
    return 115.0 * grid + 170.0 * pairs + 1200.0 * n + 2.0**24


class MeshFields:
    """Local fields h_i = -∂E/∂m_i of N fixed point impurities, O(N log N) per evaluation.

    Parameters
    ----------
    positions : ndarray (N, 2)
        Distinct positions (user length unit).
    r0 : float
        Pearl length in (0, inf].
    Z : float
        Point-dipole constant (energy × length²).
    neighbours : float
        Target mean number of short-range neighbours per impurity (sets α = κ √(π n / P) from the
        mean density n of the bounding box). Default 40.
    kappa : float
        Real-space cut r_c = κ/α (default 4.5; allowed (0.25, inf)).
    eta : float
        Mesh spacing h = η/α (default 0.3; > 0). With the defaults the energy agrees with the dense
        O(N²) sum to ≲ 1e-4 relative (random moment states ~3e-6; uniform states, whose pair
        sum nearly cancels, up to 8e-5) and the fields to ~4e-6 (N = 10³, r0 ∈ {0.5, 5, ∞});
        η = 0.35 is ~1.4× cheaper on the mesh at ~5e-5; η = 0.45 gives ~1e-3.
    alpha : float, optional
        Splitting parameter (1/length); overrides ``neighbours``.
    max_mesh : int
        Largest mesh side (>= 9, default 4096); an automatic α (``alpha`` unset) is lowered (more
        pairs) if the mesh would exceed it; a given ``alpha`` that would exceed it is a
        ``ValueError`` (it is never changed silently).

    Raises
    ------
    ValueError
        For an option out of its range (neighbours, eta, alpha > 0; kappa > 0.25; max_mesh an
        integer >= 9), a given ``alpha`` whose mesh exceeds ``max_mesh``, or when the estimated
        memory (:func:`mesh_bytes`) exceeds the available memory.
    """

    def __init__(self, positions: np.ndarray, r0: float, Z: float = 1.0, neighbours: float = 40.0,
                 kappa: float = 4.5, eta: float = 0.3, alpha: float | None = None,
                 max_mesh: int = 4096) -> None:
        neighbours, kappa, eta, alpha, max_mesh = _mesh_options(neighbours, kappa, eta, alpha, max_mesh)
        pos = np.ascontiguousarray(positions, dtype=float)
        n = pos.shape[0]
        self.n, self.Z, self.r0 = n, float(Z), float(r0)
        lo, hi = pos.min(axis=0), pos.max(axis=0)
        span = hi - lo                          # floor relative, so that lengths scale out
        ext = np.maximum(span, 1e-12 * float(span.max()))
        area = float(np.prod(np.maximum(ext, ext.max() * 1e-3)))
        alpha_max = eta * (max_mesh - ORDER - 2) / float(ext.max())
        if alpha is None:
            alpha = min(kappa * math.sqrt(math.pi * n / area / neighbours), alpha_max)
        elif alpha > alpha_max:
            raise ValueError(
                f"alpha = {alpha:.6g} needs a mesh of about {ext.max() * alpha / eta + ORDER + 2:.0f} "
                f"points per side (spacing eta/alpha over the {ext.max():.6g} wide positions), more than "
                f"max_mesh = {max_mesh}; pass alpha <= {alpha_max:.6g}, a larger max_mesh or eta, or "
                "leave alpha unset (it is then chosen from neighbours and lowered to fit max_mesh)")
        self.alpha = float(alpha)
        self.rc = kappa / self.alpha
        self.h = h = eta / self.alpha
        # ---- mesh geometry (cheap), then the memory check before the big allocations
        origin = lo - (ORDER // 2 + 1) * h
        u = (pos - origin) / h
        i0 = np.floor(u).astype(np.intp)
        t = u - i0
        self.shape = (int(i0[:, 1].max() + ORDER + 2), int(i0[:, 0].max() + ORDER + 2))
        ny, nx = self.shape
        pairs_est = min(0.5 * n * math.pi * self.rc**2 * n / area, 0.5 * n * (n - 1))
        checks.memory_fits(
            f"the particle-mesh fields of {n} impurities ({2 * ny} × {2 * nx} padded mesh, "
            f"~{pairs_est:.3g} short-range pairs at mean density)",
            mesh_bytes(n, self.shape, pairs_est),
            hint="use a larger eta or smaller alpha (coarser mesh), a smaller max_mesh or fewer "
                 "positions")
        self.table = LongRangeTable(self.r0, self.alpha, self.rc)
        # ---- short-range pairs (exact C minus tabulated C_L)
        pairs = cKDTree(pos).query_pairs(self.rc, output_type="ndarray")
        self.pi, self.pj = pairs[:, 0].astype(np.intp), pairs[:, 1].astype(np.intp)
        del pairs
        d = pos[self.pi] - pos[self.pj]
        r = np.hypot(d[:, 0], d[:, 1])
        if np.any(r == 0):
            raise ValueError("positions must be distinct (two impurities coincide)")
        jp, jl = (np.asarray(v) for v in keldysh.couplings(r, self.r0))
        lp, ls = self.table(r)
        self.sxx, self.syy, self.sxy = _tensor(jp - lp, jp + jl - ls, d[:, 0], d[:, 1], self.Z)
        del d, r, jp, jl, lp, ls
        # ---- interpolation weights
        wx, wy = _lagrange(t[:, 0]), _lagrange(t[:, 1])
        ix = i0[:, 0:1] + _OFFS[None, :]
        iy = i0[:, 1:2] + _OFFS[None, :]
        self.idx = (iy[:, :, None] * nx + ix[:, None, :]).reshape(n, -1)   # (N, p²)
        self.w = (wy[:, :, None] * wx[:, None, :]).reshape(n, -1)
        # ---- Hockney kernel: C_L at all mesh displacements on the (2ny, 2nx) periodic grid
        ky = np.fft.fftfreq(2 * ny, 1.0 / (2 * ny)) * h
        kx = np.fft.fftfreq(2 * nx, 1.0 / (2 * nx)) * h
        X, Y = np.meshgrid(kx, ky)
        a, b = self.table.full(np.hypot(X, Y).ravel())
        kern = list(_tensor(a, b, X, Y, self.Z))
        del X, Y, a, b
        for k in range(3):                      # one real kernel at a time -> its transform
            kern[k] = _rfft2(kern[k], kern[k].shape)
        self.kxx, self.kyy, self.kxy = kern
        del kern
        # ---- exact mesh self term S_i = Σ_ab w_ia w_ib K(X_a - X_b) (2×2 per impurity)
        nd = 2 * ORDER - 1
        dsp = np.arange(-(ORDER - 1), ORDER) * h
        DX, DY = np.meshgrid(dsp, dsp)
        a, b = self.table.full(np.hypot(DX, DY).ravel())
        kk = [k.reshape(nd, nd) for k in _tensor(a, b, DX.ravel(), DY.ravel(), self.Z)]

        def autocorr(w1: np.ndarray) -> np.ndarray:
            return np.stack([np.einsum("nk,nk->n", w1[:, max(0, -dd):ORDER - max(0, dd)],
                                       w1[:, max(0, dd):ORDER + min(0, dd)])
                             for dd in range(-(ORDER - 1), ORDER)], axis=1)

        ax, ay = autocorr(wx), autocorr(wy)
        self.self_xx, self.self_yy, self.self_xy = (np.einsum("ny,yx,nx->n", ay, k, ax) for k in kk)

    def fields(self, moments: np.ndarray) -> np.ndarray:
        """h_i = -Σ_{j≠i} C(r_i - r_j) m_j (mesh approximation), shape (N, 2), Z/length²."""
        m = np.asarray(moments, dtype=float)
        n = self.n
        ny, nx = self.shape
        mi, mj = m[self.pi], m[self.pj]
        h = np.empty((n, 2))
        h[:, 0] = -(np.bincount(self.pi, self.sxx * mj[:, 0] + self.sxy * mj[:, 1], n)
                    + np.bincount(self.pj, self.sxx * mi[:, 0] + self.sxy * mi[:, 1], n))
        h[:, 1] = -(np.bincount(self.pi, self.sxy * mj[:, 0] + self.syy * mj[:, 1], n)
                    + np.bincount(self.pj, self.sxy * mi[:, 0] + self.syy * mi[:, 1], n))
        flat = self.idx.ravel()
        qx = np.bincount(flat, (self.w * m[:, 0:1]).ravel(), ny * nx).reshape(ny, nx)
        qy = np.bincount(flat, (self.w * m[:, 1:2]).ravel(), ny * nx).reshape(ny, nx)
        s2 = (2 * ny, 2 * nx)
        fqx, fqy = _rfft2(qx, s2), _rfft2(qy, s2)
        px = _irfft2(self.kxx * fqx + self.kxy * fqy, s2)[:ny, :nx].ravel()
        py = _irfft2(self.kxy * fqx + self.kyy * fqy, s2)[:ny, :nx].ravel()
        h[:, 0] -= np.einsum("ik,ik->i", self.w, px[self.idx]) - self.self_xx * m[:, 0] - self.self_xy * m[:, 1]
        h[:, 1] -= np.einsum("ik,ik->i", self.w, py[self.idx]) - self.self_xy * m[:, 0] - self.self_yy * m[:, 1]
        return h

    def energy_fields(self, moments: np.ndarray) -> tuple[float, np.ndarray]:
        """(E, h) with E = -½ Σ m_i·h_i (units of Z / length²)."""
        h = self.fields(moments)
        return float(-0.5 * np.sum(np.asarray(moments) * h)), h
