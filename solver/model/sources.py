"""Sources of the effective gauge field on the grid: the exchange map and its placement checks.

An island i with in-plane total moment μ_i and shape function S_i (∫ S_i d²r = 1) contributes
a(r) = g (μ_i × ẑ) S_i(r), with μ × ẑ = (μ_y, −μ_x) and coupling g = Γ J0 (docs/physics.md).
The islands themselves are :mod:`solver.model.islands` (rasterising rule there), their edge
profiles :mod:`solver.model.profiles`, their outlines :mod:`solver.model.shapes`; the sub-grid
edge self energy that callers add is :mod:`solver.spectral.edge_energy`. This module also
re-exports the island names (``from solver.model.sources import Island`` keeps working).
"""
from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np

from .._common import checks
from .grid import Grid
from .islands import MASK_SLACK, Island, islands_from_json, islands_to_json
from .profiles import (EDGE_SUPPORT, GAUSSIAN_SUPPORT, RASTER_EDGE_CELLS, RASTER_SUPPORT,  # noqa: F401
                       edge_profile)

__all__ = ["EDGE_SUPPORT", "GAUSSIAN_SUPPORT", "MASK_SLACK", "RASTER_EDGE_CELLS", "RASTER_SUPPORT",
           "Island", "UnresolvedIslandWarning", "check_island_on_grid", "edge_profile",
           "exchange_map", "exchange_map_bytes", "islands_from_json", "islands_to_json"]

def exchange_map_bytes(grid: Grid) -> int:
    """Peak bytes of :func:`exchange_map` on ``grid``: the map (2 float64 fields) and the
    rasteriser's temporaries (offsets, distance, profile: ~6 fields)."""
    return 8 * grid.bytes_per_field()


def exchange_map(islands: Island | Sequence[Island], grid: Grid, coupling: float = 1.0,
                 boundary: str = "open") -> np.ndarray:
    """Effective gauge field a(r) = g Σ_i (μ_i × ẑ) S_i(r) of ``islands`` on ``grid``.

    Parameters
    ----------
    islands : Island or sequence of Island
    grid : Grid
    coupling : float
        g = Γ J0 (default 1), any real number.
    boundary : {"open", "periodic"}
        ``open``: every island must lie inside the grid (its reach, see :meth:`Island.reach`);
        ``periodic``: islands wrap around the periodic box; a sharp-edged island must fit in
        one periodic cell (it would otherwise overlap its own images), a Gaussian wider than
        the cell is summed over its periodic images.

    Returns
    -------
    ndarray, shape ``(2, ny, nx)``
        ``(a_x, a_y)`` in units of coupling × moment / length².

    Raises
    ------
    ValueError
        No islands, a non-Island entry, ``grid`` not a :class:`Grid`, a non-finite coupling, an
        island outside an open grid or larger than a periodic cell, or a grid too large for
        the available memory.

    Notes
    -----
    Islands may overlap: their sources simply add. The gauge field is linear in the moments,
    a = g Σ_i (μ_i × ẑ) S_i, so overlapping islands are the superposition of their sources
    (e.g. a composite island built from two shapes, or a disk with a differently magnetised
    core); this is the documented physics, not an ambiguity, and no check is made. Islands
    that are physically one ferromagnet should be given as one island (``polygon`` or
    ``mask``) with one moment.

    Examples
    --------
    >>> import solver
    >>> grid = solver.Grid(shape=(64, 64), spacing=0.1)
    >>> a = solver.exchange_map([solver.Island.disk(center=(0.0, 0.0), radius=0.5, moment=(1, 0))],
    ...                         grid, coupling=1.0)
    >>> a.shape
    (2, 64, 64)
    >>> round(float(a[1].sum() * grid.cell_area), 12)  # -g mu_x: the shape function integrates to 1
    -1.0
    """
    return _exchange_map(islands, grid, coupling, boundary, warn=True)


def _exchange_map(islands, grid: Grid, coupling: float, boundary: str, *,
                  warn: bool) -> np.ndarray:
    """:func:`exchange_map`; ``warn=False`` issues no :class:`UnresolvedIslandWarning` (for
    rebuilding a map already built, without touching the thread-unsafe warning filters)."""
    if isinstance(islands, Island):
        islands = [islands]
    islands = list(islands)
    if not islands:
        raise ValueError("islands must contain at least one Island")
    for i, isl in enumerate(islands):
        if not isinstance(isl, Island):
            raise ValueError(f"islands[{i}] must be an Island, got {type(isl).__name__}")
    if not isinstance(grid, Grid):
        raise ValueError(f"grid must be a solver.Grid, got {type(grid).__name__}")
    g = checks.finite_real("coupling", coupling)
    if boundary not in ("open", "periodic"):
        raise ValueError(f"boundary must be 'open' or 'periodic', got {boundary!r}")
    periodic = boundary == "periodic"
    checks.memory_fits(f"the exchange map on a {grid.shape} grid", exchange_map_bytes(grid))
    a = np.zeros((2,) + grid.shape)
    for i, isl in enumerate(islands):
        check_island_on_grid(isl, grid, periodic, index=i, warn=warn, stacklevel=4)
        S = isl.shape_function(grid, periodic=periodic)
        mx, my = isl.moment
        a[0] += (g * my) * S
        a[1] -= (g * mx) * S
    return a


def check_island_on_grid(island: Island, grid: Grid, periodic: bool, index: int = 0,
                         warn: bool = True, stacklevel: int = 3) -> None:
    """Raise if an island reaches outside an open grid or does not fit in a periodic cell; warn
    (:class:`UnresolvedIslandWarning`) if the grid cannot resolve it.

    Parameters
    ----------
    island : Island
    grid : Grid
    periodic : bool
        Periodic boundary: the island must lie within half a cell of its centre along each
        axis (Gaussians excepted: they are summed over their periodic images; masks are
        defined cell by cell on the grid).
    index : int
        Position of the island in the caller's list (for the message).
    warn : bool
        Issue the warning for an unresolved island (default).
    stacklevel : int
        Its stack level (3: the caller of this function's caller).

    Raises
    ------
    ValueError
        Naming ``islands[index]``, its extent and the grid's.
    """
    made_on = island.shape.made_on(island.params)
    if made_on is not None:
        here = (grid.shape, grid.spacing, tuple(float(c) for c in grid.center))
        if made_on != here:
            raise ValueError(
                f"islands[{index}] ({island.describe()}) is a mask made on the grid shape={made_on[0]}, "
                f"spacing={made_on[1]:g}, center={made_on[2]}; it can only be used on that grid, got "
                f"shape={here[0]}, spacing={here[1]:g}, center={here[2]}")
    if periodic and not island.shape.sampled:
        # the island (with its requested edge) must fit; the grid-scale tail of its rasterised
        # edge may reach further: the images' tails are added (Island.coverage)
        xmin, xmax, ymin, ymax = island.reach()
        cx, cy = island.center
        ly, lx = grid.size
        if max(cx - xmin, xmax - cx) > lx / 2 or max(cy - ymin, ymax - cy) > ly / 2:
            raise ValueError(
                f"islands[{index}] ({island.describe()}) reaches [{xmin:g}, {xmax:g}] x [{ymin:g}, {ymax:g}], "
                f"more than half the periodic cell ({lx:g} x {ly:g}) from its centre: it would overlap its "
                "own periodic images; enlarge the grid (shape or spacing) or shrink the island")
    if not periodic:
        bx0, bx1, by0, by1 = grid.bounds
        xmin, xmax, ymin, ymax = island.reach()
        if not grid.contains(xmin, xmax, ymin, ymax):
            raise ValueError(
                f"islands[{index}] ({island.describe()}) reaches [{xmin:g}, {xmax:g}] x [{ymin:g}, {ymax:g}], "
                f"outside the open grid [{bx0:g}, {bx1:g}] x [{by0:g}, {by1:g}]; enlarge the grid "
                "(shape or spacing) or move the island")
        xmin, xmax, ymin, ymax = island.reach(grid.spacing)
        if not grid.contains(xmin, xmax, ymin, ymax):
            raise ValueError(
                f"islands[{index}] ({island.describe()}) with its rasterised edge "
                f"({island.edge_reach(grid.spacing):g} beyond its boundary: a sharp or narrow edge is put "
                f"on the grid {RASTER_EDGE_CELLS:g} cell wide and needs {RASTER_SUPPORT:g} cells of margin) "
                f"reaches [{xmin:g}, {xmax:g}] x [{ymin:g}, {ymax:g}], outside the open grid "
                f"[{bx0:g}, {bx1:g}] x [{by0:g}, {by1:g}]; enlarge the grid (shape or spacing) or move "
                "the island")
    if warn and island.min_feature < 2 * grid.spacing:
        warnings.warn(
            f"islands[{index}] ({island.describe()}) has its smallest dimension "
            f"{island.min_feature:g} < 2 cells (spacing {grid.spacing:g}): it is unresolved; "
            "refine the grid", UnresolvedIslandWarning, stacklevel=stacklevel)


class UnresolvedIslandWarning(UserWarning):
    """An island is smaller than about two grid cells."""
