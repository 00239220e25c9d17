"""Finite films at the level a user meets them: a :class:`~solver.film.Film` with an outline.

``solver.solve`` and ``solver.interaction_energies`` come here when ``film.outline`` is set. This
module lays the film on the grid (:mod:`solver.film_geometry`), keeps the assembled systems
(kinetic matrix, multigrid hierarchy, free-space multipliers) for reuse across sources, and turns
islands into coupling tensors by one solve per island and moment direction.
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict
from typing import Any, Sequence

import numpy as np

from .._common import checks
from .fft import FFTBackend, default_backend
from ..model.film_geometry import FILM, FilmGeometry, MaskGeometry
from .finite_film import StreamFunctionSystem
from .finite_solution import FiniteFilmSolution, solve_finite_film
from ..model.grid import Grid

__all__ = ["film_geometry", "get_system", "solve_finite", "finite_interaction_tensors",
           "system_memory_estimate"]

_SYSTEMS: "OrderedDict[tuple, StreamFunctionSystem]" = OrderedDict()
_LOCK = threading.Lock()
CACHE_SIZE = 4


def film_geometry(grid: Grid, film: Any) -> FilmGeometry:
    """The film's outline and holes laid on ``grid`` (polygons, or a boolean node mask)."""
    outline = film.outline
    if isinstance(outline, np.ndarray) and outline.dtype == bool:
        if film.holes:
            raise ValueError("holes must be empty when outline is a boolean mask (the mask's "
                             "enclosed empty regions are the holes)")
        return MaskGeometry(grid, outline)
    return FilmGeometry(grid, outline, tuple(film.holes))


def _kinetic_weight(grid: Grid, film: Any, geometry: FilmGeometry) -> np.ndarray | None:
    """κ = r0(r)/r0 on the grid from ``film.pearl_length_map`` (None without a map)."""
    pmap = getattr(film, "pearl_length_map", None)
    if pmap is None:
        return None
    if math.isinf(film.pearl_length):
        raise ValueError("pearl_length_map needs a finite pearl_length (the reference r0 that "
                         "sets μ0 = 2/(s r0)); use a large finite value for weak screening")
    if callable(pmap):
        X, Y = grid.meshgrid()
        try:
            values = np.asarray(pmap(X, Y), dtype=float)
        except Exception as exc:  # a user callable: name it in the message
            raise ValueError(f"pearl_length_map(x, y) raised {type(exc).__name__}: {exc}") from exc
        if values.shape != grid.shape:
            values = np.broadcast_to(values, grid.shape)
    else:
        values = checks.finite_array("pearl_length_map", pmap, grid.shape)
    on_film = values[geometry.labels == FILM]
    if not np.all(np.isfinite(on_film)) or not np.all(on_film > 0):
        raise ValueError("pearl_length_map must be finite and > 0 on every film node (allowed "
                         f"range (0, inf)); got min {np.nanmin(on_film):.6g}, "
                         f"{np.count_nonzero(~np.isfinite(on_film))} non-finite value(s)")
    kappa = np.ones(grid.shape)
    film_nodes = geometry.labels == FILM
    kappa[film_nodes] = values[film_nodes] / film.pearl_length
    return kappa


def system_memory_estimate(grid: Grid) -> float:
    """Peak bytes of one finite-film system and solve on ``grid`` (upper estimate): the kinetic
    matrix and its multigrid hierarchy (~3× the matrix; ≈ 5 entries per node, 12 bytes each),
    the free-space multipliers (a half spectrum of the 2× grid, float64), CG vectors (6 per
    node) and the transforms' padded work arrays (≈ 8 real grids of the 2× grid)."""
    n = grid.ny * grid.nx
    padded = 4 * n * 8
    matrix = 5 * n * 12
    return float(4 * matrix + padded / 2 + 6 * n * 8 + 8 * padded + 12 * n * 8)


def get_system(grid: Grid, film: Any, fft: FFTBackend | None = None) -> StreamFunctionSystem:
    """The cached finite-film system for (grid, film, backend), assembled on first use."""
    fft = fft or default_backend()
    key = (grid, film, id(fft))   # Film compares by value (arrays by content, callables by id)
    with _LOCK:
        sysm = _SYSTEMS.get(key)
        if sysm is not None:
            _SYSTEMS.move_to_end(key)
            return sysm
    checks.memory_fits(f"the finite-film system on a {grid.shape} grid",
                       system_memory_estimate(grid))
    geometry = film_geometry(grid, film)
    sysm = StreamFunctionSystem(geometry, film.pearl_length, fft,
                                kinetic_weight=_kinetic_weight(grid, film, geometry))
    with _LOCK:
        _SYSTEMS[key] = sysm
        while len(_SYSTEMS) > CACHE_SIZE:
            _SYSTEMS.popitem(last=False)
    return sysm


def clear_cache() -> None:
    """Drop the cached finite-film systems."""
    with _LOCK:
        _SYSTEMS.clear()


def solve_finite(a: np.ndarray | None, grid: Grid, film: Any, *, applied_field: Any = None,
                 fluxoids: Any = None, hole_currents: Any = None, fft: FFTBackend | None = None,
                 tol: float = 1e-10, islands=None, coupling=None) -> FiniteFilmSolution:
    """Solve a finite film (``film.outline`` set); see :func:`solver.solve`."""
    sysm = get_system(grid, film, fft)
    return solve_finite_film(a, sysm, stiffness=film.stiffness, applied_field=applied_field,
                             fluxoids=fluxoids, hole_currents=hole_currents, tol=tol,
                             islands=islands, coupling=coupling, film=film)


def finite_interaction_tensors(shapes: np.ndarray, grid: Grid, film: Any, coupling: float,
                               fft: FFTBackend | None = None, tol: float = 1e-10) -> np.ndarray:
    """Coupling tensors C_ij[α, β] = −∫ j[i, e_α]·a[j, e_β] of islands with normalised shape
    functions ``shapes`` (n, ny, nx) on a finite film: 2n solves sharing one system.

    The unit-moment source of island i along e_α is a = g (e_α × ẑ) S_i. The result is
    symmetrised, C_ij = C_jiᵀ (the discrete operator is symmetric; the CG tolerance breaks it
    only at the level ``tol``).
    """
    sysm = get_system(grid, film, fft)
    n = shapes.shape[0]
    drives = np.empty((n, 2) + grid.shape)
    solutions = np.empty((n, 2) + grid.shape)
    for i in range(n):
        for alpha, (mx, my) in enumerate(((1.0, 0.0), (0.0, 1.0))):
            a = coupling * np.stack([my * shapes[i], -mx * shapes[i]])
            sol = solve_finite_film(a, sysm, stiffness=film.stiffness, tol=tol)
            drives[i, alpha] = sol.source_curl
            solutions[i, alpha] = sol._raw
    h2 = grid.cell_area
    flat_g = solutions.reshape(2 * n, -1)
    flat_b = drives.reshape(2 * n, -1)
    c = -h2 * (flat_g @ flat_b.T)                       # (2n, 2n): rows (i, α), cols (j, β)
    c = 0.5 * (c + c.T)
    return c.reshape(n, 2, n, 2).transpose(0, 2, 1, 3).copy()


def shape_stack(islands: Sequence[Any], grid: Grid) -> np.ndarray:
    """Normalised shape functions of the islands on the grid, (n, ny, nx) (open boundary)."""
    return np.stack([isl.shape_function(grid, periodic=False) for isl in islands])
