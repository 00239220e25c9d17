"""The result of a solve: fields, energy, and their lazy evaluation."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .._common import checks, hooks
from ..model.film import Film
from ..model.grid import Grid

__all__ = ["Solution"]


@dataclass(eq=False)
class Solution:
    """Fields and energy of one source on one film (see :func:`solver.solve`).

    Units: lengths in the grid's unit; a in (coupling × moment)/length²; j in stiffness × a;
    A and B_z in units of a (the gauge field has the units of a vector potential, B_z of a
    field: multiply by the physical scale of a to convert).

    A solution is a value: it keeps its own read-only copy of the source, and the arrays it
    returns (``a``, ``current``, ``vector_potential``, ``field_z(...)``) are read-only and cached,
    so nothing a caller does to its arrays afterwards changes the energy, the fields or
    :meth:`to_dataset` (copy an output, ``np.array(sol.current)``, to modify it).

    Attributes
    ----------
    a : ndarray (2, ny, nx)
        Source (effective gauge field); a read-only float64 copy of the array passed in.
    grid, film, boundary
        What was solved.
    islands : list of Island or None
    coupling : float or None
    """

    a: np.ndarray
    grid: Grid
    film: Film
    boundary: str
    operator: Any = field(repr=False)
    islands: list | None = None
    coupling: float | None = None
    _fields: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # a private copy: the caller's array may change after the solve (evaluation is lazy);
        # aligned for the operator's transforms, which then read it in place
        own = self.operator.fft.empty(np.shape(self.a), "float64")
        own[...] = self.a
        self.a = _frozen(own)

    @cached_property
    def _a_hat(self) -> np.ndarray:
        return _frozen(self.operator.transform(self.a))

    @cached_property
    def grid_energy(self) -> float:
        """−½ ∫ j·a d²r of the map on the grid (stiffness × a² × length²), >= 0."""
        return self.operator.energy(self._a_hat, self.film.stiffness)

    @cached_property
    def edge_energy(self) -> float:
        """Self energy of the islands' sub-grid edges (:func:`solver.spectral.edge_energy.edge_energy`): added
        to :attr:`energy` when the solved map is exactly ``exchange_map(islands, grid,
        coupling, boundary)`` of the recorded islands (coupling 1 when none was recorded), else 0."""
        from .edge_energy import recorded_edge_energy

        return recorded_edge_energy(self.a, self.islands, self.grid, self.film, self.coupling,
                                    self.boundary)

    @cached_property
    def energy(self) -> float:
        """F = −½ ∫ j·a d²r (stiffness × a² × length²), >= 0 (paper Eq. 5 / S9).

        The grid energy plus, for a map built from recorded islands, the self energy of their
        sharp edges that the grid cannot hold (:attr:`edge_energy`; makes sharp-island self
        energies second order instead of first, see the README).
        """
        return self.grid_energy + self.edge_energy

    @cached_property
    def current(self) -> np.ndarray:
        """Sheet current j = −s (A + a_t) at z = 0, shape (2, ny, nx)."""
        return _frozen(self.operator.current(self._a_hat, self.film.stiffness))

    @cached_property
    def vector_potential(self) -> np.ndarray:
        """Vector potential A (Coulomb gauge) at z = 0, shape (2, ny, nx)."""
        return _frozen(self.operator.vector_potential(self._a_hat))

    def field_z(self, height: float = 0.0) -> np.ndarray:
        """B_z = (∇ × A)_z at ``height`` z >= 0 above the film, shape (ny, nx)."""
        z = checks.nonnegative("height", height)
        if z not in self._fields:
            self._fields[z] = _frozen(self.operator.field_z(self._a_hat, z))
        return self._fields[z]

    def interaction_with(self, other: "Solution") -> float:
        """F_12 = −∫ j[self]·a[other] d²r: the interaction energy of two sources on one film."""
        if other.operator is not self.operator:
            raise ValueError("other must be solved on the same grid, film and boundary")
        return self.operator.cross_energy(self._a_hat, other._a_hat, self.film.stiffness)

    def to_dataset(self, heights: float | tuple[float, ...] = (0.0,), *, length_unit: str = "um",
                   progress: bool = False):
        """This solution as an :class:`xarray.Dataset` with CF-1.10 attributes.

        Variables ``ax, ay, Ax, Ay, jx, jy`` (y, x), ``Bz`` (y, x) or (height, y, x) at the
        ``heights`` z >= 0 (length unit), and the 0-d ``energy``; units are recorded in
        ``length_unit`` (default ``"um"``; ``"1"`` for pure numbers). See :mod:`solver.io.dataset`.
        """
        return hooks.call("to_dataset", self, heights, length_unit=length_unit, progress=progress)


def _frozen(x: np.ndarray) -> np.ndarray:
    """``x`` (owned by the solution) made read-only: in-place changes by a caller raise instead
    of corrupting the cached value."""
    x.flags.writeable = False
    return x
