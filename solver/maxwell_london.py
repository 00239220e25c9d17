"""Spectral solution of the thin-film Maxwell–London (Pearl) problem.

``solve(a, grid, film, boundary)`` returns a :class:`~solver.solution.Solution`. Both boundaries
share one code path: a real, symmetric 2×2 multiplier tensor for j and A (built from q_a q_b times
a radial kernel) and a 2-vector of odd multipliers for B_z, applied to the transform of a.

* ``periodic``: the closed-form kernels of ``solver.kernels`` sampled on the grid's wavevectors —
  the film is periodic with the grid as unit cell.
* ``open``: an isolated infinite film; the Vico–Greengard–Ferrando free-space kernels of
  ``solver.freespace`` on a 2× zero-padded grid — exact (to round-off) for sources in the grid.

Operators (multipliers + FFT plans) are built once per (grid, Pearl length, boundary, backend)
and reused for every source; the field multipliers are built per height on first use.
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict
from functools import partial

import numpy as np

from . import checks, kernels
from .fft import FFTBackend, default_backend
from .film import Film
from .freespace import aperiodic_multipliers, domain_taper, precompute_shape
from .grid import Grid

BOUNDARIES = ("open", "periodic")


def _rfft_weights(nx: int) -> np.ndarray:
    """Parseval weights of an rfft half spectrum along x: 1 for q_x = 0 (and Nyquist), else 2."""
    w = np.full(nx // 2 + 1, 2.0)
    w[0] = 1.0
    if nx % 2 == 0:
        w[-1] = 1.0
    return w


class Operator:
    """Multipliers and FFT plans of the Maxwell–London response on one grid.

    Parameters
    ----------
    grid : Grid
        Where sources and outputs live.
    pearl_length : float
        r0 in the grid's length unit, in (0, inf].
    boundary : {"open", "periodic"}
    fft : FFTBackend, optional
    """

    def __init__(self, grid: Grid, pearl_length: float, boundary: str = "open",
                 fft: FFTBackend | None = None) -> None:
        if boundary not in BOUNDARIES:
            raise ValueError(f"boundary must be 'open' or 'periodic', got {boundary!r}")
        self.grid = grid
        self.pearl_length = checks.positive_length("pearl_length", pearl_length, allow_inf=True)
        self.boundary = boundary
        self.fft = fft or default_backend()
        self.solve_grid = grid.padded(2) if boundary == "open" else grid
        checks.memory_fits(f"the {boundary}-boundary operator on a {grid.shape} grid",
                           self.memory_estimate(grid, boundary))
        self._lock = threading.Lock()
        self._fields: dict[float, dict[str, np.ndarray]] = {}
        sg = self.solve_grid
        self.weights = _rfft_weights(sg.nx)[None, :]
        self.norm = grid.cell_area / (sg.ny * sg.nx)  # h²/N: Parseval on the solve grid
        self.current_multiplier = self._tensor(kernels.current_kernel_real, kernels.current_kernel)
        self.vector_multiplier = self._tensor(kernels.vector_potential_kernel_real,
                                              kernels.vector_potential_kernel)

    # --- construction ------------------------------------------------------------------------
    @staticmethod
    def memory_estimate(grid: Grid, boundary: str) -> float:
        """Bytes the operator needs (multipliers, work arrays, transient build arrays)."""
        ny, nx = grid.shape
        if boundary == "periodic":
            half = ny * (nx // 2 + 1) * 8
            return 8 * half + 6 * ny * nx * 8
        half = 2 * ny * (nx + 1) * 8
        my, mx = precompute_shape(grid, domain_taper(grid))
        build = 4 * my * (mx // 2 + 1) * 16 + my * mx * 8
        return 8 * half + 12 * 4 * ny * nx * 8 + build

    def _tensor(self, real, closed) -> dict[str, np.ndarray]:
        r0 = self.pearl_length
        if self.boundary == "periodic":
            g = self.grid
            qx, qy = g.qx[None, :], g.qy[:, None]
            f = closed(np.hypot(qy, qx), r0)
            nyq = g.nyquist_mask()
            return {"xx": qx**2 * f, "xy": np.where(nyq, 0.0, qx * qy * f), "yy": qy**2 * f}
        return aperiodic_multipliers(self.grid, partial(real, pearl_length=r0),
                                     partial(closed, pearl_length=r0), self.fft, even=True)

    def field_multiplier(self, height: float) -> dict[str, np.ndarray]:
        """Odd multipliers (imaginary parts of i q_a G_z(q)) for B_z at ``height`` >= 0."""
        z = checks.nonnegative("height", height)
        with self._lock:
            mult = self._fields.get(z)
        if mult is not None:
            return mult
        r0 = self.pearl_length
        if self.boundary == "periodic":
            g = self.grid
            qx, qy = g.qx[None, :], g.qy[:, None]
            f = kernels.field_kernel(np.hypot(qy, qx), r0, z)
            nyq = g.nyquist_mask()
            mult = {"x": np.where(nyq, 0.0, qx * f), "y": np.where(nyq, 0.0, qy * f)}
        else:
            mult = aperiodic_multipliers(self.grid, partial(kernels.field_kernel_real, pearl_length=r0, height=z),
                                         partial(kernels.field_kernel, pearl_length=r0, height=z),
                                         self.fft, even=False)
        with self._lock:
            if len(self._fields) >= 16:
                self._fields.pop(next(iter(self._fields)))
            self._fields[z] = mult
        return mult

    # --- application -------------------------------------------------------------------------
    def transform(self, a: np.ndarray) -> np.ndarray:
        """Spectrum of a (zero-padded in open mode), shape ``(2,) + solve-grid spectral shape``."""
        ny, nx = self.grid.shape
        tp = self.fft.pair(a.shape[0], self.solve_grid.shape)
        with tp.lock:
            if self.boundary == "open":
                tp.real[...] = 0.0
            tp.real[:, :ny, :nx] = a
            return tp.forward().copy()

    def _inverse(self, spectrum: np.ndarray) -> np.ndarray:
        ny, nx = self.grid.shape
        tp = self.fft.pair(spectrum.shape[0], self.solve_grid.shape)
        with tp.lock:
            tp.spectrum[...] = spectrum
            return tp.inverse()[:, :ny, :nx].copy()

    @staticmethod
    def _apply_tensor(m: dict[str, np.ndarray], a_hat: np.ndarray) -> np.ndarray:
        """(ẑ×q)(ẑ×q)ᵀ f(q) · a(q) with the tensor stored as q_a q_b f."""
        out = np.empty_like(a_hat)
        out[0] = m["yy"] * a_hat[0] - m["xy"] * a_hat[1]
        out[1] = m["xx"] * a_hat[1] - m["xy"] * a_hat[0]
        return out

    def current_spectrum(self, a_hat: np.ndarray, stiffness: float) -> np.ndarray:
        return -stiffness * self._apply_tensor(self.current_multiplier, a_hat)

    def current(self, a_hat: np.ndarray, stiffness: float) -> np.ndarray:
        """Sheet current j (2, ny, nx) (stiffness × a units)."""
        return self._inverse(self.current_spectrum(a_hat, stiffness))

    def vector_potential(self, a_hat: np.ndarray) -> np.ndarray:
        """Vector potential A at z = 0, (2, ny, nx) (units of a)."""
        return self._inverse(-self._apply_tensor(self.vector_multiplier, a_hat))

    def field_z(self, a_hat: np.ndarray, height: float = 0.0) -> np.ndarray:
        """B_z at ``height`` (ny, nx): B_z(q) = i q_y G â_x − i q_x G â_y (units of a)."""
        g = self.field_multiplier(height)
        spec = 1j * (g["y"] * a_hat[0] - g["x"] * a_hat[1])
        return self._inverse(spec[None])[0]

    def cross_energy(self, a1_hat: np.ndarray, a2_hat: np.ndarray, stiffness: float) -> float:
        """F_12 = −∫ j[a1]·a2 d²r (Parseval; no inverse transform). Symmetric in 1 ↔ 2."""
        j1 = self.current_spectrum(a1_hat, stiffness)
        prod = (j1 * np.conj(a2_hat)).real.sum(axis=0)
        return float(-self.norm * np.sum(self.weights * prod))

    def energy(self, a_hat: np.ndarray, stiffness: float) -> float:
        """F = −½ ∫ j·a d²r >= 0."""
        return 0.5 * self.cross_energy(a_hat, a_hat, stiffness)


# --- operator cache ------------------------------------------------------------------------------
_CACHE: "OrderedDict[tuple, Operator]" = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 4


def get_operator(grid: Grid, pearl_length: float, boundary: str = "open",
                 fft: FFTBackend | None = None) -> Operator:
    """The cached :class:`Operator` for these arguments (built on first use)."""
    fft = fft or default_backend()
    r0 = checks.positive_length("pearl_length", pearl_length, allow_inf=True)
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary must be 'open' or 'periodic', got {boundary!r}")
    key = (grid, r0, boundary, id(fft))
    with _CACHE_LOCK:
        op = _CACHE.get(key)
        if op is not None:
            _CACHE.move_to_end(key)
            return op
    op = Operator(grid, r0, boundary, fft)
    with _CACHE_LOCK:
        _CACHE[key] = op
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return op


def clear_cache() -> None:
    """Drop all cached operators."""
    with _CACHE_LOCK:
        _CACHE.clear()


def solve(a: np.ndarray, grid: Grid, film: Film, boundary: str = "open", *,
          fft: FFTBackend | None = None, islands=None, coupling: float | None = None):
    """Solve the Maxwell–London problem for the effective gauge field ``a``.

    Parameters
    ----------
    a : ndarray, shape ``(2, ny, nx)``
        Effective gauge field (a_x, a_y) on ``grid`` (e.g. from :func:`solver.exchange_map`).
    grid : Grid
    film : Film
    boundary : {"open", "periodic"}
        ``open``: isolated infinite film, exact for sources inside the grid (default).
        ``periodic``: the grid is the unit cell of a periodic film.
    fft : FFTBackend, optional
    islands, coupling : optional
        Recorded on the solution (metadata, per-island analysis); they do not enter the solve.

    Returns
    -------
    Solution
        Lazily evaluated: ``energy`` needs no inverse transform; ``current``,
        ``vector_potential`` and ``field_z(height)`` one inverse transform each, cached.
    """
    from .solution import Solution

    if not isinstance(grid, Grid):
        raise ValueError(f"grid must be a solver.Grid, got {type(grid).__name__}")
    if not isinstance(film, Film):
        raise ValueError(f"film must be a solver.Film, got {type(film).__name__}")
    a = checks.finite_array("a", a, (2,) + grid.shape)
    op = get_operator(grid, film.pearl_length, boundary, fft)
    return Solution(a=a, grid=grid, film=film, boundary=boundary, operator=op,
                    islands=list(islands) if islands is not None else None, coupling=coupling)
