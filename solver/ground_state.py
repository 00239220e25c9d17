"""Ground states of the moment directions of magnetic impurities (paper Fig. 2b).

For now: two unit point impurities at distance r. With θ1, θ2 the angles of the moments measured
from r̂ (r = r1 - r2), the pair energy (paper Eqs. 8, 11) is

    F(θ1, θ2) = J_perp sin θ1 sin θ2 - J_par cos θ1 cos θ2
              = ((J_perp - J_par)/2) cos(θ1 - θ2) - ((J_perp + J_par)/2) cos(θ1 + θ2).

For finite r0, J_par > J_perp > 0 and the unique minimum (up to the global flip m → -m) is the
ferromagnetic state parallel to r, θ1 = θ2 = 0, with F = -J_par. Without the electromagnetic
field (r0 = inf) J_perp = J_par = Z/r² and the minimum is the degenerate family θ1 = -θ2 with
F = -Z/r².
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from . import checks, keldysh

__all__ = ["TwoImpurityState", "two_impurities"]


@dataclass(frozen=True)
class TwoImpurityState:
    """Minimum-energy orientation of two unit point impurities.

    Attributes
    ----------
    angles : (float, float)
        θ1, θ2 in radians, measured from r̂, wrapped to (-pi, pi] and, using the global flip
        symmetry, with θ1 in (-pi/2, pi/2].
    energy : float
        Minimum pair energy F (units of Z / length²).
    J_perp, J_par : float
        The exact couplings at this distance (paper Eq. 9).
    degenerate : bool
        True when the minimum is a continuous family θ1 = -θ2, i.e. when J_par - J_perp is below
        round-off (8 eps (J_par + J_perp)); exactly so for r0 = inf.
    """

    angles: tuple[float, float]
    energy: float
    J_perp: float
    J_par: float
    degenerate: bool


def _wrap(a: float) -> float:
    w = math.remainder(a, 2 * math.pi)       # in [-pi, pi]
    return math.pi if w == -math.pi else w


def two_impurities(r: float, pearl_length: float, Z: float = 1.0, seed: int = 0,
                   restarts: int = 8) -> TwoImpurityState:
    """Minimize the pair energy of two unit moments over both angles (paper Fig. 2b).

    Parameters
    ----------
    r : float
        Distance between the impurities (> 0, user length unit).
    pearl_length : float
        Pearl length r0 in (0, inf]; inf means "without EM field".
    Z : float
        Point-dipole constant Z = s g²/(2 pi) > 0 (energy × length²).
    seed : int
        Seed of the random starting angles.
    restarts : int
        Number of random starts of the local minimizer (>= 1); the best is kept and polished
        with Newton steps on the analytic Hessian.

    Returns
    -------
    TwoImpurityState
        Finite r0: θ1 = θ2 = 0 (parallel along r̂), energy -J_par, ``degenerate=False``.
        r0 = inf: a member of the family θ1 = -θ2, energy -Z/r², ``degenerate=True``.
    """
    r = checks.positive_length("r", r)
    Z = checks.positive_length("Z", Z)
    if isinstance(restarts, bool) or int(restarts) != restarts or restarts < 1:
        raise ValueError(f"restarts must be an integer >= 1, got {restarts!r}")
    jp, jq = (float(v) for v in keldysh.couplings(r, pearl_length, Z=Z))
    a, b = jp / jq, 1.0                       # energy in units of J_par (well scaled)

    def fun(th: np.ndarray) -> tuple[float, np.ndarray]:
        s1, c1, s2, c2 = math.sin(th[0]), math.cos(th[0]), math.sin(th[1]), math.cos(th[1])
        f = a * s1 * s2 - b * c1 * c2
        return f, np.array([a * c1 * s2 + b * s1 * c2, a * s1 * c2 + b * c1 * s2])

    rng = np.random.default_rng(seed)
    best = None
    for start in rng.uniform(-math.pi, math.pi, size=(int(restarts), 2)):
        res = minimize(fun, start, jac=True, method="BFGS", options={"gtol": 1e-12})
        if best is None or res.fun < best.fun:
            best = res
    th = np.array(best.x, dtype=float)
    for _ in range(4):                        # Newton polish (pseudo-inverse: singular if r0 = inf)
        f, grad = fun(th)
        s1, c1, s2, c2 = math.sin(th[0]), math.cos(th[0]), math.sin(th[1]), math.cos(th[1])
        off = a * c1 * c2 - b * s1 * s2
        hess = np.array([[-f, off], [off, -f]])
        th = th - np.linalg.pinv(hess, rcond=1e-10) @ grad
    t1, t2 = _wrap(th[0]), _wrap(th[1])
    if not -math.pi / 2 < t1 <= math.pi / 2:  # global flip m -> -m
        t1, t2 = _wrap(t1 + math.pi), _wrap(t2 + math.pi)
    energy = jp * math.sin(t1) * math.sin(t2) - jq * math.cos(t1) * math.cos(t2)
    degenerate = (jq - jp) <= 8 * np.finfo(float).eps * (jq + jp)
    return TwoImpurityState(angles=(t1, t2), energy=energy, J_perp=jp, J_par=jq,
                            degenerate=bool(degenerate))
