"""Grids and source moments shared by the island cases."""
from __future__ import annotations

import math

import numpy as np

from solver import Grid, Island
from solver.sources import RASTER_EDGE_CELLS, RASTER_SUPPORT

EDGE_CELLS = math.ceil(RASTER_SUPPORT * RASTER_EDGE_CELLS)
"""Cells the rasterised edge of a sharp island reaches beyond its boundary (5)."""


def pair_grid(separation: float, reach: float, spacing: float, margin_cells: int = 2) -> Grid:
    """Smallest open grid holding islands at (±d/2, 0) with their ``reach``, both centres on grid
    vertices (lattice-symmetric rasterisation). The spacing is reduced so that d/2 is a whole
    number of cells. ``margin_cells`` are added beyond the rasterised edge (``EDGE_CELLS``).
    """
    n_half = math.ceil(separation / 2 / spacing)
    h = separation / 2 / n_half
    m = math.ceil(reach / h) + EDGE_CELLS + margin_cells
    return Grid((2 * m, 2 * (n_half + m)), h)


def single_grid(reach: float, spacing: float, margin_cells: int = 2) -> Grid:
    """Square open grid centred on the origin holding an island of ``reach`` at the origin (and
    its rasterised edge, ``EDGE_CELLS``)."""
    m = math.ceil(reach / spacing) + EDGE_CELLS + margin_cells
    return Grid((2 * m, 2 * m), spacing)


def discrete_moment(island: Island, grid: Grid) -> np.ndarray:
    """Covariance Σ S ρ ρᵀ h² of the rasterised island about its nominal centre (2×2)."""
    S = island.shape_function(grid)
    X, Y = grid.meshgrid()
    dx, dy = X - island.center[0], Y - island.center[1]
    a = grid.cell_area
    mxx, mxy, myy = (S * dx * dx).sum() * a, (S * dx * dy).sum() * a, (S * dy * dy).sum() * a
    return np.array([[mxx, mxy], [mxy, myy]])
