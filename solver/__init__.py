"""Thin-film Maxwell–London (Pearl) solver for superconductors with spin–orbit coupling.

Ferromagnetic-insulator islands and magnetic impurities act as sources of an effective
gauge field a(r) = g Σ (μ_i × ẑ) S_i(r); the package computes the supercurrent j, the
vector potential A, the field B_z above the film and the energy F = -½ ∫ j·a, and the
analytic point-impurity theory (Keldysh potential) it is validated against.

Quick start::

    import solver
    film = solver.Film(pearl_length=2.0)
    grid = solver.Grid(shape=(512, 512), spacing=0.01)
    islands = [solver.Island.disk(center=(-1, 0), radius=0.2, moment=(1, 0)),
               solver.Island.disk(center=(+1, 0), radius=0.2, moment=(1, 0))]
    a = solver.exchange_map(islands, grid, coupling=1.0)
    sol = solver.solve(a, grid, film, boundary="open")
    sol.energy, sol.current, sol.field_z(height=0.1)
"""
from .fft import FFTBackend
from .film import Film
from .grid import Grid
from .interactions import InteractionEnergies, interaction_energies
from .maxwell_london import Operator, clear_cache, get_operator, solve
from .operators import OpenOperator, PeriodicOperator
from .solution import Solution
from .finite_solution import FiniteFilmSolution
from .sources import Island, UnresolvedIslandWarning, exchange_map
from . import config, dataset, film_geometry, plotting  # light: matplotlib/xarray load on use
from .io import open_solution, save
from .sweep import sweep

__version__ = "0.1.0"

__all__ = [
    "FFTBackend", "Film", "FiniteFilmSolution", "Grid", "InteractionEnergies", "Island", "OpenOperator", "Operator",
    "PeriodicOperator", "Solution",
    "UnresolvedIslandWarning", "clear_cache", "exchange_map", "get_operator",
    "interaction_energies", "solve", "__version__",
    "open_solution", "save", "sweep",
]
