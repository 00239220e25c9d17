"""Spectral solution of the thin-film Maxwell–London (Pearl) problem.

``solve(a, grid, film, boundary)`` returns a :class:`~solver.solution.Solution`:

* ``periodic``: the closed-form kernels of ``solver.kernels`` sampled on the grid's wavevectors —
  the film is periodic with the grid as unit cell.
* ``open``: an isolated infinite film; the Vico–Greengard–Ferrando free-space kernels of
  ``solver.freespace`` on a 2× zero-padded grid — exact (to round-off) for sources in the grid.

The operators themselves live in ``solver.operators``.

Operators (multipliers + FFT plans) are built once per (grid, Pearl length, boundary, backend)
and reused for every source; the field multipliers are built per height on first use.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from .._common import checks
from .fft import FFTBackend, default_backend
from ..model.film import Film
from ..model.grid import Grid
from .operators import PRECISIONS, BaseOperator, OpenOperator, PeriodicOperator

__all__ = ["BOUNDARIES", "CACHE_SIZE", "clear_cache", "get_operator", "Operator", "solve"]

BOUNDARIES = ("open", "periodic")


Operator = BaseOperator
"""Base class of :class:`PeriodicOperator` and :class:`OpenOperator` (see ``solver.operators``)."""


# --- operator cache ------------------------------------------------------------------------------
_CACHE: "OrderedDict[tuple, Operator]" = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 4


def get_operator(grid: Grid, pearl_length: float, boundary: str = "open",
                 fft: FFTBackend | None = None, precision: str = "double") -> Operator:
    """The cached :class:`Operator` for these arguments (built on first use).

    ``precision``: ``"double"`` (float64, default) or ``"single"`` (float32 transforms,
    multipliers and outputs: half the memory and bandwidth, ~1e-6 relative accuracy).
    """
    fft = fft or default_backend()
    r0 = checks.positive_length("pearl_length", pearl_length, allow_inf=True)
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary must be 'open' or 'periodic', got {boundary!r}")
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be 'double' or 'single', got {precision!r}")
    key = (grid, r0, boundary, id(fft), precision)
    with _CACHE_LOCK:
        op = _CACHE.get(key)
        if op is not None:
            _CACHE.move_to_end(key)
            return op
    op = (OpenOperator if boundary == "open" else PeriodicOperator)(grid, r0, fft, precision)
    with _CACHE_LOCK:
        _CACHE[key] = op
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return op


def clear_cache() -> None:
    """Drop all cached operators."""
    with _CACHE_LOCK:
        _CACHE.clear()


def solve(a: np.ndarray | None, grid: Grid, film: Film, boundary: str = "open", *,
          fft: FFTBackend | None = None, precision: str = "double", islands=None,
          coupling: float | None = None, applied_field=None, fluxoids=None,
          hole_currents=None, tol: float = 1e-10):
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
    precision : {"double", "single"}
        ``single``: float32 transforms, multipliers and outputs (half the memory traffic; fields
        and energies to ~1e-6 relative, see the README). Energies are accumulated in float64.
    islands, coupling : optional
        Recorded on the solution (metadata, per-island analysis); they do not enter the solve.
    applied_field, fluxoids, hole_currents, tol : optional
        Finite films only (``film.outline`` set; see :mod:`solver.finite_film`): a uniform
        applied B_z or an (ny, nx) map (units of ``field_z``), the fluxoid of each hole (units of
        ∮A·dl, default 0) or its prescribed circulating current (None entries: fluxoid), and the
        relative residual of the conjugate-gradient solve. ``a`` may then be None (field only).

    Returns
    -------
    Solution or FiniteFilmSolution
        A finite film returns a :class:`~solver.finite_solution.FiniteFilmSolution` (the same
        outputs plus ``stream_function``, ``hole_currents``, ``fluxoids``, ``magnetic_moment``).
        For an infinite film a :class:`Solution`:
        Lazily evaluated: ``energy`` needs no inverse transform; ``current``,
        ``vector_potential`` and ``field_z(height)`` one inverse transform each, cached. A
        value: it solves a private copy of ``a`` (later changes to the caller's array change
        nothing) and its arrays are read-only.

    Examples
    --------
    >>> import solver
    >>> grid = solver.Grid(shape=(64, 64), spacing=0.1)
    >>> film = solver.Film(pearl_length=2.0)
    >>> islands = [solver.Island.disk(center=(-1.0, 0.0), radius=0.4),
    ...            solver.Island.disk(center=(1.0, 0.0), radius=0.4)]
    >>> a = solver.exchange_map(islands, grid)
    >>> sol = solver.solve(a, grid, film, boundary="open", islands=islands)
    >>> round(sol.energy, 3)
    0.837
    >>> sol.current.shape
    (2, 64, 64)
    """
    from .solution import Solution

    if not isinstance(grid, Grid):
        raise ValueError(f"grid must be a solver.Grid, got {type(grid).__name__}")
    if not isinstance(film, Film):
        raise ValueError(f"film must be a solver.Film, got {type(film).__name__}")
    if film.finite:
        if boundary != "open":
            raise ValueError(f"boundary must be 'open' for a finite film (Film with an outline), "
                             f"got {boundary!r}")
        if precision != "double":
            raise ValueError(f"precision must be 'double' for a finite film, got {precision!r}")
        from .finite import solve_finite

        return solve_finite(a, grid, film, applied_field=applied_field, fluxoids=fluxoids,
                            hole_currents=hole_currents, fft=fft, tol=tol,
                            islands=list(islands) if islands is not None else None,
                            coupling=coupling)
    for name, value in (("applied_field", applied_field), ("fluxoids", fluxoids),
                        ("hole_currents", hole_currents)):
        if value is not None:
            raise ValueError(f"{name} needs a finite film (Film(..., outline=...)): an infinite "
                             "film has no edges to screen a field or holes to trap flux")
    if a is None:
        raise ValueError("a must be a (2, ny, nx) array of the effective gauge field, got None")
    op = get_operator(grid, film.pearl_length, boundary, fft, precision)  # memory check first
    # the solution's private copy of a, checked while it is copied (one pass over a)
    own = checks.finite_array("a", a, (2,) + grid.shape,
                              out=op.fft.empty((2,) + grid.shape, "float64"))
    return Solution(a=own, grid=grid, film=film, boundary=boundary, operator=op,
                    islands=list(islands) if islands is not None else None, coupling=coupling,
                    private_source=True)
