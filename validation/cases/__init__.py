"""The validation cases, in report order (each module: one case, exported as ``CASE``)."""
from . import (convergence, errata, fields, finite_film, kernel_identity, point_dipole,
               validity_map)

CASES = [kernel_identity.CASE, point_dipole.CASE, validity_map.CASE, fields.CASE,
         convergence.CASE, errata.CASE, finite_film.CASE]

__all__ = ["CASES"]
