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
from ._version import __version__
from .spectral.fft import FFTBackend
from .model.film import Film
from .model.grid import Grid
from .spectral.interactions import InteractionEnergies, interaction_energies
from .spectral.maxwell_london import Operator, clear_cache, get_operator, solve
from .spectral.operators import OpenOperator, PeriodicOperator
from .spectral.solution import Solution
from .spectral.finite_solution import FiniteFilmSolution
from .model.sources import Island, UnresolvedIslandWarning, exchange_map
from .io.netcdf import open_solution, save
from .app.sweep import sweep
from . import _compat

# The flat module paths of earlier versions (``solver.fft``, ``solver.keldysh``, ...) are the
# modules of the layered tree under their old names (same module objects: see solver/_compat.py).
_compat.install(__name__)

__all__ = [
    "FFTBackend", "Film", "FiniteFilmSolution", "Grid", "InteractionEnergies", "Island", "OpenOperator", "Operator",
    "PeriodicOperator", "Solution",
    "UnresolvedIslandWarning", "clear_cache", "exchange_map", "get_operator",
    "interaction_energies", "solve", "__version__",
    "open_solution", "save", "sweep",
]
