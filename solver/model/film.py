"""The superconducting film: Pearl length and sheet stiffness."""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._common import checks

__all__ = ["Film"]


@dataclass(frozen=True, eq=False)
class Film:
    """A thin superconducting film in the plane z = 0.

    Parameters
    ----------
    pearl_length : float
        Pearl length r0 = 2/(mu0 s) in the user's length unit, 0 < r0 <= inf.
        ``inf`` switches the electromagnetic screening off (pure 2-D dipolar limit).
    stiffness : float
        Sheet stiffness s = e^2 D (inverse sheet kinetic inductance). Dimensionless core
        default 1; it only scales currents and energies.
    outline : (N, 2) array or (ny, nx) bool array, optional
        The film's outer edge as polygon vertices (x, y) in the length unit (helpers:
        ``solver.film_geometry.disk``, ``rectangle``, ``ring``), or a boolean node mask on the
        solve grid (staircase edges, first order). ``None`` (default): an infinite film.
    holes : sequence of (M, 2) arrays
        Polygonal holes inside the outline (only with a polygon outline).
    pearl_length_map : (ny, nx) array or callable(x, y), optional
        Local Pearl length r0(r) > 0 on the film (thickness steps, damaged edges); the film's
        ``pearl_length`` stays the reference that sets μ0 = 2/(s r0) (finite-film solves only).

    Notes
    -----
    Physical constructors (SI units) live in ``solver.materials``. A film with an ``outline`` is
    solved by the finite-film stream-function solver (``solver.finite_film``); see the README.
    Two films are equal when all parameters are (arrays compared by value, callables by
    identity).

    Examples
    --------
    >>> from solver import Film
    >>> Film(pearl_length=2.0)
    Film(pearl_length=2.0, stiffness=1.0)
    >>> Film(pearl_length=-1.0)
    Traceback (most recent call last):
    ...
    ValueError: pearl_length must be > 0 (allowed range (0, inf]), got -1.0
    """

    pearl_length: float
    stiffness: float = 1.0
    outline: Any = None
    holes: tuple = ()
    pearl_length_map: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "pearl_length",
                           checks.positive_length("pearl_length", self.pearl_length, allow_inf=True))
        object.__setattr__(self, "stiffness", checks.positive("stiffness", self.stiffness))
        outline = self.outline
        if outline is not None:
            raw = np.asarray(outline)
            if raw.dtype == bool:
                outline = raw.copy()
            else:
                from .film_geometry import as_polygon
                outline = as_polygon("outline", outline)
            outline.flags.writeable = False
        object.__setattr__(self, "outline", outline)
        if isinstance(self.holes, np.ndarray) and self.holes.ndim == 2:
            raise ValueError("holes must be a sequence of (M, 2) polygons, e.g. holes=[hole], "
                             "got a single array")
        holes = tuple(self.holes) if self.holes is not None else ()
        if holes and outline is None:
            raise ValueError("holes need an outline (a finite film): pass outline=...")
        if holes and outline.dtype == bool:
            raise ValueError("holes must be empty when outline is a boolean mask (the mask's "
                             "enclosed empty regions are the holes)")
        if holes:
            from .film_geometry import as_polygon
            holes = tuple(as_polygon(f"holes[{k}]", h) for k, h in enumerate(holes))
            for h in holes:
                h.flags.writeable = False
        object.__setattr__(self, "holes", holes)
        pmap = self.pearl_length_map
        if pmap is not None:
            if outline is None:
                raise ValueError("pearl_length_map needs a finite film (pass outline=...); an "
                                 "infinite film has one Pearl length")
            if not callable(pmap):
                pmap = checks.finite_array("pearl_length_map", pmap)
                if pmap.ndim != 2 or not np.all(pmap > 0):
                    raise ValueError("pearl_length_map must be a 2-D array of Pearl lengths > 0 "
                                     "on the solve grid (allowed range (0, inf)), or a callable "
                                     "of (x, y)")
                pmap = pmap.copy()
                pmap.flags.writeable = False
            object.__setattr__(self, "pearl_length_map", pmap)

    def __repr__(self) -> str:
        parts = [f"pearl_length={self.pearl_length!r}", f"stiffness={self.stiffness!r}"]
        if self.outline is not None:
            kind = "mask" if self.outline.dtype == bool else "vertices"
            parts.append(f"outline=<{self.outline.shape[0]}×{self.outline.shape[1]} {kind}>")
        if self.holes:
            parts.append(f"holes=<{len(self.holes)} polygon(s)>")
        if self.pearl_length_map is not None:
            parts.append("pearl_length_map=<map>")
        return f"Film({', '.join(parts)})"

    @property
    def finite(self) -> bool:
        """True for a film with an outline (edges, holes): solved by the finite-film solver."""
        return self.outline is not None

    def _key(self) -> tuple:
        def digest(x):
            if x is None or callable(x):
                return ("callable", id(x)) if x is not None else None
            return (x.shape, x.dtype.str, x.tobytes())
        return (self.pearl_length, self.stiffness, digest(self.outline),
                tuple(digest(h) for h in self.holes), digest(self.pearl_length_map))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Film) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    @property
    def screened(self) -> bool:
        """True when the Pearl length is finite (electromagnetic screening present)."""
        return math.isfinite(self.pearl_length)

    def dipole_constant(self, coupling: float = 1.0) -> float:
        """Point-dipole coupling constant Z = s g^2 / (2 pi) (docs/physics.md conventions).

        Parameters
        ----------
        coupling : float
            The exchange coupling g (any finite real number; units of the gauge field per
            moment, docs/physics.md).

        Returns
        -------
        float
            Z in units of stiffness × coupling².

        Raises
        ------
        ValueError
            ``coupling`` not a finite real number (NaN, inf, bool, string, complex), or so large
            that Z exceeds the float64 range.
        """
        g = abs(checks.finite_real("coupling", coupling))
        # (s / 2π) g · g: no intermediate overflows unless Z itself does (g² alone overflows
        # for |g| > 1.3e154 even where s g²/(2π) is representable)
        z = self.stiffness / (2.0 * math.pi) * g * g
        if not math.isfinite(z):
            limit = math.sqrt(2.0 * math.pi / self.stiffness) * math.sqrt(sys.float_info.max)
            raise ValueError(f"coupling = {coupling!r} makes Z = s g^2/(2 pi) overflow float64 "
                             f"(stiffness = {self.stiffness!r}); |coupling| must be below {limit:.3g}")
        return z

