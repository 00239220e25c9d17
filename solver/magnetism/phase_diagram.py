"""(θ, T) phase diagram of an impurity lattice (paper Fig. 3d).

At reduced temperature t = T/Tc the Pearl length is r0(T) = r0(0) D(0)/D(T) and the dipole
constant Z(T) = Z(0) D(T)/D(0) (:mod:`solver.thermal`). For each (θ, t) the energies per site of the
ferromagnet and of the best layered antiferromagnet (each minimized over the moment angle) are
computed either

* in the thermodynamic limit at fixed r0(T) (:mod:`solver.lattice`, Ewald sums), or
* for a finite disc sample of radius L (``sample_radius`` in units of d; energy of the whole
  sample per site, by direct summation over all pairs, :func:`solver.lattice.disc_energy`).

Energies are reported in units of Z(0)/d² (i.e. including the factor D(T)/D(0)). The phase is
FM where E_FM < E_AFM. The critical angle θ_c(t) is found by Brent's method on the exact energies
in the thermodynamic limit (to 1e-12 rad) and by linear interpolation of E_FM - E_AFM on the θ
grid for finite samples (their energy jumps by tiny amounts whenever a site enters the disc as θ
changes, so a root finder would chase those steps).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _ewald, lattice
from .._common import checks
from ..theory import thermal

__all__ = ["PhaseDiagram", "phase_diagram", "default_theta", "default_t"]


def default_theta(n: int = 50) -> np.ndarray:
    """n angles from π/3 (triangular) to π/2 (square)."""
    return np.linspace(lattice.TRIANGULAR, lattice.SQUARE, n)


def default_t(n: int = 50, t_max: float = 0.98) -> np.ndarray:
    """n reduced temperatures from 0 to ``t_max``."""
    return np.linspace(0.0, t_max, n)


@dataclass(frozen=True)
class PhaseDiagram:
    """Energies and phases on a (t, θ) grid.

    Attributes
    ----------
    theta : ndarray (n_theta,)
        Lattice angles (radians).
    t : ndarray (n_t,)
        Reduced temperatures T/Tc.
    d_over_r0 : ndarray (n_t,)
        d / r0(T).
    energy_ferro, energy_antiferro : ndarray (n_t, n_theta)
        Energies per site in units of Z(0)/d² (unit moments).
    antiferro_state : ndarray (n_t, n_theta) of str
        Which layered state ("afm_d1", "afm_d2", "afm_diag") is the best antiferromagnet.
    critical_angle : ndarray (n_t,)
        θ_c(t) (radians), NaN where E_FM - E_AFM has no sign change on the θ range.
    d_over_r0_zero : float
        d / r0(0).
    sample_radius : float or None
        Disc radius L/d of the finite sample, None for the thermodynamic limit.
    """

    theta: np.ndarray
    t: np.ndarray
    d_over_r0: np.ndarray
    energy_ferro: np.ndarray = field(repr=False)
    energy_antiferro: np.ndarray = field(repr=False)
    antiferro_state: np.ndarray = field(repr=False)
    critical_angle: np.ndarray = field(repr=False)
    d_over_r0_zero: float = 1 / 50
    sample_radius: float | None = None

    @property
    def ferro(self) -> np.ndarray:
        """Boolean (n_t, n_theta): True where the ferromagnet has the lower energy."""
        return self.energy_ferro < self.energy_antiferro

    def to_dataset(self):
        """xarray.Dataset with CF-style attributes (dims ``t``, ``theta``)."""
        import xarray as xr

        where = "thermodynamic limit at fixed r0(T)" if self.sample_radius is None else \
            f"disc sample of radius {self.sample_radius:g} d (energy of the sample per site)"
        ds = xr.Dataset(
            {
                "energy_ferro": (("t", "theta"), self.energy_ferro,
                                 {"long_name": "ferromagnetic energy per site", "units": "Z(0)/d^2"}),
                "energy_antiferro": (("t", "theta"), self.energy_antiferro,
                                     {"long_name": "best layered antiferromagnetic energy per site",
                                      "units": "Z(0)/d^2"}),
                "ferro": (("t", "theta"), self.ferro.astype(np.int8),
                          {"long_name": "phase", "flag_values": np.array([0, 1], dtype=np.int8),
                           "flag_meanings": "layered_antiferromagnet ferromagnet"}),
                "antiferro_state": (("t", "theta"), self.antiferro_state.astype(str),
                                    {"long_name": "best layered state (rows along d1, d2 or d1-d2)"}),
                "critical_angle": (("t",), self.critical_angle,
                                   {"long_name": "FM/AFM critical lattice angle", "units": "rad"}),
                "d_over_r0": (("t",), self.d_over_r0, {"long_name": "lattice constant over Pearl length r0(T)"}),
            },
            coords={"t": ("t", self.t, {"long_name": "reduced temperature T/Tc", "units": "1"}),
                    "theta": ("theta", self.theta, {"long_name": "lattice angle", "units": "rad"})},
            attrs={"title": "impurity-lattice phase diagram (paper Fig. 3d)",
                   "d_over_r0_zero": self.d_over_r0_zero,
                   "sample": where,
                   "sample_radius_over_d": -1.0 if self.sample_radius is None else float(self.sample_radius),
                   "conventions": "E = 1/2 sum_{R!=0} F_I(R), paper Eqs. 6-9; r0(T) = r0(0) D(0)/D(T), "
                                  "Z(T) = Z(0) D(T)/D(0) (weak-coupling clean BCS)"})
        return ds


def _grid_roots(theta: np.ndarray, diff: np.ndarray) -> float:
    """First sign change of diff(θ) by linear interpolation; NaN if none."""
    s = np.sign(diff)
    idx = np.nonzero(s[:-1] * s[1:] < 0)[0]
    if idx.size == 0:
        zero = np.nonzero(diff == 0)[0]
        return float(theta[zero[0]]) if zero.size else math.nan
    i = int(idx[0])
    return float(theta[i] - diff[i] * (theta[i + 1] - theta[i]) / (diff[i + 1] - diff[i]))


def phase_diagram(theta: Any = None, t: Any = None, d_over_r0_zero: float = 1 / 50,
                  sample_radius: float | None = None, refine: bool = True) -> PhaseDiagram:
    """Compute the (θ, T) phase diagram.

    Parameters
    ----------
    theta : array_like, optional
        Lattice angles in (0, π) radians, increasing (default 50 points from π/3 to π/2).
    t : array_like, optional
        Reduced temperatures in [0, 1) (default 50 points from 0 to 0.98).
    d_over_r0_zero : float
        d / r0(T = 0) > 0 (paper: 1/50).
    sample_radius : float, optional
        Radius L/d of a finite disc sample (1 <= L <= 600); None: thermodynamic limit.
    refine : bool
        Thermodynamic limit only: locate θ_c(t) with Brent's method within the bracketing θ grid
        cell (else linear interpolation).

    Returns
    -------
    PhaseDiagram
    """
    th = default_theta() if theta is None else checks.finite_array("theta", theta)
    tt = default_t() if t is None else checks.finite_array("t", t)
    if th.ndim != 1 or th.size < 2:
        raise ValueError(f"theta must be an increasing 1-D array of >= 2 lattice angles in the open "
                         f"range (0, pi) radians, got shape {th.shape}")
    if np.any(np.diff(th) <= 0):
        k = int(np.argmax(np.diff(th) <= 0))
        raise ValueError(f"theta must be strictly increasing (lattice angles in (0, pi) radians), got "
                         f"theta[{k}] = {th[k]} >= theta[{k + 1}] = {th[k + 1]}")
    if th[0] <= 0 or th[-1] >= math.pi:
        hint = " (degrees? use numpy.radians)" if math.pi < th[-1] < 180.0 else ""
        raise ValueError(f"theta must lie in the open range (0, pi) radians, got values from {th[0]} "
                         f"to {th[-1]}{hint}")
    if tt.ndim != 1 or tt.size < 1:
        raise ValueError(f"t must be a non-empty 1-D array of reduced temperatures T/Tc in [0, 1), "
                         f"got shape {tt.shape}")
    if np.any((tt < 0) | (tt >= 1)):
        bad = tt[(tt < 0) | (tt >= 1)][0]
        why = "the film is normal at and above Tc" if bad >= 1 else "temperatures are >= 0"
        raise ValueError(f"t = T/Tc must lie in the range [0, 1) ({why}), got {bad}")
    x0 = checks.positive("d_over_r0_zero", d_over_r0_zero)
    if sample_radius is not None:
        L = checks.positive_length("sample_radius", sample_radius)
        if not 1.0 <= L <= 600.0:
            raise ValueError(f"sample_radius must lie in [1, 600] lattice constants, got {L}")
    r0 = np.atleast_1d(thermal.pearl_length_at(tt, 1.0 / x0)).astype(float)
    zratio = np.atleast_1d(thermal.dipole_constant_ratio(tt)).astype(float)
    names = ("ferro",) + lattice.LAYERED_STATES
    e = np.empty((tt.size, th.size, 4))
    for j, theta_j in enumerate(th):
        b = lattice.basis(float(theta_j))
        rec = _ewald.reciprocal(b)
        ks = np.array([[0.0, 0.0], rec[1] / 2, rec[0] / 2, (rec[0] + rec[1]) / 2])
        if sample_radius is not None:
            vec, w = _ewald.disc_weights(b, float(sample_radius), ks, average=True)
        for i, r0_i in enumerate(r0):
            if sample_radius is None:
                tens = _ewald.ewald_sum(b, float(r0_i), ks, "limit")
            else:
                tens = _ewald.weighted_tensors(vec, w, float(r0_i))
            e[i, j] = 0.5 * np.linalg.eigvalsh(0.5 * (tens + np.swapaxes(tens, 1, 2)))[:, 0]
    e *= zratio[:, None, None]
    e_f = e[..., 0]
    k_af = np.argmin(e[..., 1:], axis=-1)
    e_af = np.take_along_axis(e[..., 1:], k_af[..., None], axis=-1)[..., 0]
    states = np.array(names[1:])[k_af]
    diff = e_f - e_af
    tc = np.array([_grid_roots(th, diff[i]) for i in range(tt.size)])
    if sample_radius is None and refine:
        for i, r0_i in enumerate(r0):
            if math.isnan(tc[i]):
                continue
            k = int(np.clip(np.searchsorted(th, tc[i]), 1, th.size - 1))
            tc[i] = lattice.critical_angle(1.0 / r0_i if math.isfinite(r0_i) else 0.0,
                                           bracket=(float(th[k - 1]), float(th[k])),
                                           unscreened="limit", xtol=1e-12)
    return PhaseDiagram(th, tt, 1.0 / r0, e_f, e_af, states, tc, x0,
                        None if sample_radius is None else float(sample_radius))
