"""The result of a solve: fields, energy, and their lazy evaluation."""
from __future__ import annotations

from dataclasses import InitVar, dataclass, field
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
    private_source: InitVar[bool] = False
    """True when ``a`` is already this solution's own float64 copy (made by :func:`solver.solve`
    while it checks the source): it is then kept as it is (and frozen) instead of copied."""

    def __post_init__(self, private_source: bool) -> None:
        # a private copy: the caller's array may change after the solve (evaluation is lazy)
        if private_source:
            own = self.a
        else:
            own = self.operator.fft.empty(np.shape(self.a), "float64")
            own[...] = self.a
        self.a = _frozen(own)
        self._values: dict = {}

    def evaluate(self, current: bool = True, vector_potential: bool = True,
                 heights: float | tuple[float, ...] = (0.0,)) -> "Solution":
        """Compute the energy and the requested fields in one pass and keep them; returns self.

        One pass (``operator.evaluate``: one forward transform of the source, one compiled
        multiplier loop, one inverse transform per field component) gives the energy, j, A and
        B_z at the first height together; each further height costs one more pass. Outputs
        already computed are not recomputed. The properties below compute only what they return
        when called alone: ask for everything you need here first.
        """
        zs = (heights,) if np.ndim(heights) == 0 else tuple(heights)
        zs = tuple(dict.fromkeys(checks.nonnegative("height", z) for z in zs))
        fields = self._values.setdefault("field_z", {})
        todo = {"energy": "energy" not in self._values,
                "current": current and "current" not in self._values,
                "vector_potential": vector_potential and "vector_potential" not in self._values}
        heights_todo = tuple(z for z in zs if z not in fields)
        if any(todo.values()) or heights_todo:
            out = self.operator.evaluate(self.a, self.film.stiffness, heights=heights_todo,
                                         **todo)
            for key in ("current", "vector_potential"):
                if key in out:
                    self._values[key] = _frozen(out[key])
            for z, bz in out.get("field_z", {}).items():
                fields[z] = _frozen(bz)
            if "energy" in out:
                self._values["energy"] = out["energy"]
        return self

    @property
    def grid_energy(self) -> float:
        """−½ ∫ j·a d²r of the map on the grid (stiffness × a² × length²), >= 0."""
        if "energy" not in self._values:
            self.evaluate(current=False, vector_potential=False, heights=())
        return self._values["energy"]

    @cached_property
    def edge_energy(self) -> float:
        """Self energy of the islands' sub-grid edges (:func:`solver.spectral.edge_energy.edge_energy`): added
        to :attr:`energy` when the solved map is exactly ``exchange_map(islands, grid,
        coupling, boundary)`` of the recorded islands (coupling 1 when none was recorded), else 0."""
        from .edge_energy import recorded_edge_energy

        return recorded_edge_energy(self.a, self.islands, self.grid, self.film, self.coupling,
                                    self.boundary)

    @property
    def energy(self) -> float:
        """F = −½ ∫ j·a d²r (stiffness × a² × length²), >= 0 (paper Eq. 5 / S9).

        The grid energy plus, for a map built from recorded islands, the self energy of their
        sharp edges that the grid cannot hold (:attr:`edge_energy`; makes sharp-island self
        energies second order instead of first, see the README).
        """
        return self.grid_energy + self.edge_energy

    @property
    def current(self) -> np.ndarray:
        """Sheet current j = −s (A + a_t) at z = 0, shape (2, ny, nx)."""
        if "current" not in self._values:
            self.evaluate(current=True, vector_potential=False, heights=())
        return self._values["current"]

    @property
    def vector_potential(self) -> np.ndarray:
        """Vector potential A (Coulomb gauge) at z = 0, shape (2, ny, nx)."""
        if "vector_potential" not in self._values:
            self.evaluate(current=False, vector_potential=True, heights=())
        return self._values["vector_potential"]

    def field_z(self, height: float = 0.0) -> np.ndarray:
        """B_z = (∇ × A)_z at ``height`` z >= 0 above the film, shape (ny, nx)."""
        z = checks.nonnegative("height", height)
        fields = self._values.get("field_z", {})
        if z not in fields:
            self.evaluate(current=False, vector_potential=False, heights=(z,))
        return self._values["field_z"][z]

    def interaction_with(self, other: "Solution") -> float:
        """F_12 = −∫ j[self]·a[other] d²r: the interaction energy of two sources on one film."""
        if other.operator is not self.operator:
            raise ValueError("other must be solved on the same grid, film and boundary")
        return self.operator.cross_energy(self.a, other.a, self.film.stiffness)

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
