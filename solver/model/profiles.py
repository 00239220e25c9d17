"""Edge profiles of rasterised islands: the one rule that puts a boundary on the grid.

A shaped island is sampled at the cell centres with the edge profile :func:`edge_profile` of
its signed distance (see :mod:`solver.model.islands` and :meth:`Island.raster_edge` for the
rule and its accuracy); Gaussians are summed over their periodic images when wider than the
cell (:func:`periodic_gaussian`).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import erfc

__all__ = ["EDGE_SUPPORT", "GAUSSIAN_SUPPORT", "RASTER_EDGE_CELLS", "RASTER_SUPPORT", "edge_profile",
           "grid_offsets", "periodic_gaussian"]

RASTER_EDGE_CELLS = 1.0
"""Width s_min of the rasterised edge, in cells: an edge narrower than s_min · h is put on the
grid with the width s = s_min · h (see :meth:`Island.raster_edge`), whose |transform|² is 2e-3
at the zone edge (corrected self energies of sharp disks to 1e-5…6e-5 from 5 cells; 1.3 cells
would give ~2e-6 but need 6.5 cells of open-grid margin instead of 5)."""

RASTER_SUPPORT = 5.0
"""The rasterised edge of a narrow (σ < s_min) edge is cut at ``RASTER_SUPPORT`` widths s, where
|p − step| < 4e-6 (see :meth:`Island.edge_reach`)."""

GAUSSIAN_SUPPORT = 8.6
"""A Gaussian island is treated as reaching ``GAUSSIAN_SUPPORT`` widths from its centre
(exp(-8.6²/2) ≈ 9e-17): that much of it must lie inside an open-boundary grid."""

EDGE_SUPPORT = 6.0
"""A smoothed edge reaches ``EDGE_SUPPORT`` edge widths beyond the geometric boundary
(½ erfc(6/√2) = 1e-9)."""


def edge_profile(d: np.ndarray, s: float, tau2: float, cut: float = math.inf) -> np.ndarray:
    """Edge profile p(d) = ½ erfc(z/√2) − (τ²/(2 s²)) z φ(z), z = d/s (see
    :meth:`Island.raster_edge`); d the signed distance (negative inside), dimensionless; exactly
    0 for d ≥ ``cut`` and 1 for d ≤ −``cut`` (:meth:`Island.edge_reach`: |p − step| < 4e-6 there)."""
    d = np.asarray(d, dtype=float)
    z = d / s
    p = 0.5 * erfc(z / math.sqrt(2))
    if tau2 > 0:
        p -= (tau2 / (2 * s * s)) * z * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    p[d >= cut] = 0.0
    p[d <= -cut] = 1.0
    return p



def grid_offsets(coord: np.ndarray, c: float, length: float, periodic: bool) -> np.ndarray:
    """Offsets ``coord - c`` of the cell centres from ``c`` (wrapped to [-length/2, length/2) when
    ``periodic``)."""
    d = coord - c
    if periodic:
        d = (d + length / 2) % length - length / 2
    return d


def periodic_gaussian(d: np.ndarray, width: float, length: float) -> np.ndarray:
    """Σ_n exp(−(d + n L)²/(2 w²)) over every image n within ``GAUSSIAN_SUPPORT`` widths."""
    n = int(math.ceil(GAUSSIAN_SUPPORT * width / length)) + 1
    shifts = np.arange(-n, n + 1) * length
    return np.exp(-((d[:, None] + shifts[None, :]) ** 2) / (2 * width * width)).sum(axis=1)


_offsets, _periodic_gaussian = grid_offsets, periodic_gaussian  # the names in solver.sources
