"""The result of a solve: fields, energy, and their lazy evaluation."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from . import checks
from .film import Film
from .grid import Grid


@dataclass(eq=False)
class Solution:
    """Fields and energy of one source on one film (see :func:`solver.solve`).

    Units: lengths in the grid's unit; a in (coupling × moment)/length²; j in stiffness × a;
    A and B_z in units of a (the gauge field has the units of a vector potential, B_z of a
    field: multiply by the physical scale of a to convert).

    Attributes
    ----------
    a : ndarray (2, ny, nx)
        Source (effective gauge field).
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

    @cached_property
    def _a_hat(self) -> np.ndarray:
        return self.operator.transform(self.a)

    @cached_property
    def energy(self) -> float:
        """F = −½ ∫ j·a d²r (stiffness × a² × length²), >= 0 (paper Eq. 5 / S9)."""
        return self.operator.energy(self._a_hat, self.film.stiffness)

    @cached_property
    def current(self) -> np.ndarray:
        """Sheet current j = −s (A + a_t) at z = 0, shape (2, ny, nx)."""
        return self.operator.current(self._a_hat, self.film.stiffness)

    @cached_property
    def vector_potential(self) -> np.ndarray:
        """Vector potential A (Coulomb gauge) at z = 0, shape (2, ny, nx)."""
        return self.operator.vector_potential(self._a_hat)

    def field_z(self, height: float = 0.0) -> np.ndarray:
        """B_z = (∇ × A)_z at ``height`` z >= 0 above the film, shape (ny, nx)."""
        z = checks.nonnegative("height", height)
        if z not in self._fields:
            self._fields[z] = self.operator.field_z(self._a_hat, z)
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
        ``length_unit`` (default ``"um"``; ``"1"`` for pure numbers). See :mod:`solver.dataset`.
        """
        from .dataset import to_dataset

        return to_dataset(self, heights, length_unit=length_unit, progress=progress)
