"""The islands' effective couplings next to the point-dipole values: the one table behind the
``run`` summary (:func:`solver.app.cli.print_table`) and each sweep point
(:func:`solver.app.sweep.spec_point`)."""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..theory import keldysh

__all__ = ["PairCoupling", "pair_couplings"]


@dataclass(frozen=True)
class PairCoupling:
    """One island pair (i < j) of a run: centre distance, the islands' effective couplings and
    the point-dipole couplings of the Keldysh potential at that distance (all nan at zero
    distance, where neither is defined)."""

    i: int
    j: int
    distance: float
    j_perp: float
    j_par: float
    dipole_perp: float
    dipole_par: float


def pair_couplings(cfg, ie) -> list[PairCoupling]:
    """The :class:`PairCoupling` of every island pair of the configuration ``cfg``
    (:class:`~solver.app.config.RunConfig`) with its interaction energies ``ie``; the point
    dipoles use Z = ``cfg.film.dipole_constant(cfg.coupling)`` and ``cfg.film.pearl_length``."""
    n = len(cfg.islands)
    z = cfg.film.dipole_constant(cfg.coupling)
    rows = []
    for i in range(n):
        for j in range(i + 1, n):
            r = math.dist(cfg.islands[i].center, cfg.islands[j].center)
            if r > 0:
                a, b = ie.couplings(i, j)
                p, q = (float(v) for v in keldysh.couplings(r, cfg.film.pearl_length, Z=z))
            else:
                a = b = p = q = math.nan
            rows.append(PairCoupling(i, j, r, a, b, p, q))
    return rows
