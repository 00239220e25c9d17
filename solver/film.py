"""The superconducting film: Pearl length and sheet stiffness."""
from __future__ import annotations

import math
from dataclasses import dataclass

from . import checks


@dataclass(frozen=True)
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

    Notes
    -----
    Physical constructors (SI units) live in ``solver.materials``.
    """

    pearl_length: float
    stiffness: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "pearl_length",
                           checks.positive_length("pearl_length", self.pearl_length, allow_inf=True))
        object.__setattr__(self, "stiffness", checks.positive_length("stiffness", self.stiffness))

    @property
    def screened(self) -> bool:
        """True when the Pearl length is finite (electromagnetic screening present)."""
        return math.isfinite(self.pearl_length)

    def dipole_constant(self, coupling: float = 1.0) -> float:
        """Point-dipole coupling constant Z = s g^2 / (2 pi) (PHYSICS.md conventions)."""
        return self.stiffness * coupling**2 / (2.0 * math.pi)
