"""Grids and source moments shared by the island cases."""
from __future__ import annotations

import math

import numpy as np

from solver import Grid, Island


def pair_grid(separation: float, reach: float, spacing: float, margin_cells: int = 2) -> Grid:
    """Smallest open grid holding islands at (±d/2, 0) with their ``reach``, both centres on grid
    vertices (lattice-symmetric rasterisation). The spacing is reduced so that d/2 is a whole
    number of cells.
    """
    n_half = math.ceil(separation / 2 / spacing)
    h = separation / 2 / n_half
    m = math.ceil(reach / h) + margin_cells
    return Grid((2 * m, 2 * (n_half + m)), h)


def single_grid(reach: float, spacing: float, margin_cells: int = 2) -> Grid:
    """Square open grid centred on the origin holding an island of ``reach`` at the origin."""
    m = math.ceil(reach / spacing) + margin_cells
    return Grid((2 * m, 2 * m), spacing)


def discrete_moment(island: Island, grid: Grid) -> np.ndarray:
    """Covariance Σ S ρ ρᵀ h² of the rasterised island about its nominal centre (2×2)."""
    S = island.shape_function(grid)
    X, Y = grid.meshgrid()
    dx, dy = X - island.center[0], Y - island.center[1]
    a = grid.cell_area
    mxx, mxy, myy = (S * dx * dx).sum() * a, (S * dx * dy).sum() * a, (S * dy * dy).sum() * a
    return np.array([[mxx, mxy], [mxy, myy]])
