"""Bravais lattices of point impurities: ordered states, Luttinger–Tisza, critical angle (Fig. 3).

Lattice d1 = d (1, 0), d2 = d (cos θ, sin θ) (θ = π/3 triangular, π/2 square; θ in
[0.01, π - 0.01], see :data:`THETA_MIN`), unit moments
m_R = m̂ s_R with m̂ = (cos φ, sin φ) (φ from d1) and the pair energy of paper Eqs. 6-9,
F_I = m1·C(r)·m2, C_ab = -Z ∂a∂b V. Energies per site, E = ½ Σ_{R≠0} F_I(R), are in units of
**Z / d²** (Z = s g²/(2π), unit moments); lengths in units of d, wavevectors in 1/d.

States (``state=``):

* ``"ferro"``: all moments equal.
* layered antiferromagnets, moments alternating between successive lattice rows, s_R = cos(Q·R)
  with Q a half reciprocal lattice vector (an M-type point); there are three distinct ones:
  ``"afm_d1"`` rows along d1 (s = (-1)^{n2}, Q = b2/2), ``"afm_d2"`` rows along d2
  (s = (-1)^{n1}, Q = b1/2), ``"afm_diag"`` rows along d1 - d2 (s = (-1)^{n1+n2}, Q = (b1+b2)/2;
  the checkerboard of the square lattice).
* ``"antiferro"``: the lowest of the three layered states (paper Fig. 3b).

E(φ) = ½ m̂·J(Q)·m̂ with the lattice Fourier transform J_ab(k) = Σ_{R≠0} C_ab(R) cos(k·R)
(:func:`coupling_fourier`); ``phi=None`` minimizes over φ (½ the lowest eigenvalue).

Which limit (read this before comparing numbers)
-----------------------------------------------
For d/r0 > 0 the couplings fall as 1/R³ beyond r0, the sums converge absolutely and the result is
the **thermodynamic limit at fixed r0** (samples of any shape with size L ≫ r0). Two independent
evaluations (``method="ewald"`` and ``method="window"``, :mod:`solver._ewald`) agree to ~1e-14.
Finite samples approach it slowly: the FM energy of the central site of a disc of radius L lies
above it by ≈ π r0 / (2 A_c L) (A_c = sin θ d²), see :func:`disc_energy`.

For d/r0 = 0 (no electromagnetic field) the FM sum is conditionally convergent and the answer
depends on the order of limits; ``unscreened`` must then be given:

* ``"disc"``: L → ∞ at r0 = ∞ (any real sample is much smaller than r0 = ∞): the 2-D dipolar sum
  over growing discs;
* ``"limit"``: r0 → ∞ after L → ∞, i.e. lim_{d/r0 → 0} of the thermodynamic limit (continuous).

They differ for the FM state only, by E_disc - E_limit = π / (2 sin θ) (the q → 0 term of the
lattice sum, a demagnetization-like term). The AFM states are unaffected.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import brentq, minimize

from . import _ewald
from .._common import checks

__all__ = [
    "TRIANGULAR", "SQUARE", "STATES", "LAYERED_STATES", "basis", "reciprocal_basis",
    "ordering_vector", "high_symmetry_points", "coupling_fourier", "state_energies",
    "energy_per_site", "critical_angle", "luttinger_tisza", "disc_energy", "StateEnergy",
    "LuttingerTisza",
]

TRIANGULAR = math.pi / 3
SQUARE = math.pi / 2
LAYERED_STATES = ("afm_d1", "afm_d2", "afm_diag")
STATES = ("ferro",) + LAYERED_STATES + ("antiferro",)
METHODS = ("ewald", "window")


# ------------------------------------------------------------------------------ validation
THETA_MIN = 0.01
"""Smallest lattice angle (and π - THETA_MIN the largest), radians: sin θ >= ~1e-2. As sin θ → 0
the rows of the lattice close up (row spacing d sin θ) and the work of the sums grows as
1/sin θ: at θ = 0.01 both evaluations take ~1 s and agree to ~1e-13; at θ = 1e-3 the window
method takes ~15 s and the two agree only to ~2e-9; at 1e-4 it needs > 3 GiB; near 1e-9 the
reciprocal-space sums alone would need gigabytes."""

D_OVER_R0_TINY = 2.0**-64
"""Below this d/r0 the results equal their d/r0 → 0 limit (``unscreened="limit"``) to double
precision (the corrections are O(d/r0)); the sums are evaluated there at r0 = inf. (The engines
of :mod:`solver._ewald` also reduce r0 beyond 2^64 or below 2^-40 cell sizes to exact limits.)"""



def _theta(theta: Any, name: str = "theta") -> float:
    th = checks.finite_real(name, theta)
    if not THETA_MIN <= th <= math.pi - THETA_MIN:
        hint = " (degrees? use math.radians)" if math.pi < th < 180.0 else ""
        raise ValueError(f"{name} must lie in the range [{THETA_MIN}, pi - {THETA_MIN}] radians, "
                         f"got {th}{hint} (sin theta >= ~1e-2: the work of the lattice sums grows "
                         "as 1/sin theta)")
    return th


_BYTES_PER_WAVEVECTOR = 2 * 4096 * 8
"""Peak work memory per wavevector of the lattice sums (a 4096-site chunk of cos(k·R) and the
product with the tensors, :func:`solver._ewald._weighted`)."""


def _sum_memory(what: str, n_k: int, hint: str) -> None:
    """Raise ``ValueError`` if lattice sums at ``n_k`` wavevectors cannot fit in memory."""
    checks.memory_fits(f"{what} ({n_k} wavevectors)", float(n_k) * _BYTES_PER_WAVEVECTOR, hint=hint)


def _pearl(d_over_r0: Any, unscreened: str | None) -> tuple[float, str]:
    """(r0 in units of d, the order of limits for r0 = inf) from d_over_r0 and ``unscreened``."""
    x = checks.nonnegative("d_over_r0", d_over_r0)
    if x == 0.0:
        if unscreened not in ("disc", "limit"):
            raise ValueError("d_over_r0 = 0 (no electromagnetic field) is shape dependent: pass "
                             "unscreened='disc' (growing disc samples at r0 = inf) or 'limit' "
                             f"(d/r0 -> 0 of the thermodynamic limit), got unscreened={unscreened!r}")
        return math.inf, unscreened
    if unscreened not in (None, "disc", "limit"):
        raise ValueError(f"unscreened must be None, 'disc' or 'limit', got {unscreened!r}")
    if x < D_OVER_R0_TINY:          # the continuous d/r0 -> 0 limit, exact to rounding
        return math.inf, "limit"
    return 1.0 / x, "limit"


def _method(method: str):
    if method == "ewald":
        return _ewald.ewald_sum
    if method == "window":
        return _ewald.window_sum
    raise ValueError(f"method must be one of {METHODS}, got {method!r}")


def _state(state: str) -> str:
    if state not in STATES:
        raise ValueError(f"state must be one of {STATES}, got {state!r}")
    return state


# ------------------------------------------------------------------------------ geometry
def basis(theta: float) -> np.ndarray:
    """Lattice vectors as rows, d1 = (1, 0), d2 = (cos θ, sin θ) (units of d)."""
    th = _theta(theta)
    return np.array([[1.0, 0.0], [math.cos(th), math.sin(th)]])


def reciprocal_basis(theta: float) -> np.ndarray:
    """Reciprocal vectors as rows, b_i · d_j = 2π δ_ij (units of 1/d)."""
    return _ewald.reciprocal(basis(theta))


def ordering_vector(theta: float, state: str) -> np.ndarray:
    """Ordering wavevector Q (1/d) of ``state`` (not "antiferro"): 0 for FM, an M point otherwise."""
    b = reciprocal_basis(theta)
    q = {"ferro": np.zeros(2), "afm_d1": b[1] / 2, "afm_d2": b[0] / 2,
         "afm_diag": (b[0] + b[1]) / 2}
    if _state(state) == "antiferro":
        raise ValueError("state 'antiferro' is the best of several Q; use one of LAYERED_STATES")
    return q[state]


def high_symmetry_points(theta: float) -> dict[str, np.ndarray]:
    """Γ, the three M-type points (half reciprocal vectors; ordering vectors of the layered
    states) and two inequivalent corners K, K' of the Brillouin zone (Wigner–Seitz cell of the
    reciprocal lattice), in 1/d.

    The corners are the circumcentres of the triangles (0, a, b) and (0, b, b - a), with (a, b)
    the reduced reciprocal basis with a·b >= 0 (|K| = 4π/(√3 d) for the triangular lattice).
    """
    b = reciprocal_basis(theta)
    pts = {"Gamma": np.zeros(2), "M_d1": b[1] / 2, "M_d2": b[0] / 2, "M_diag": (b[0] + b[1]) / 2}
    a, c = _ewald.reduce_basis(b)
    if a @ c < 0:
        c = -c
    for name, (u, v) in (("K", (a, c)), ("K'", (c, c - a))):
        # circumcentre x of the triangle (0, u, v): 2 x·u = |u|², 2 x·v = |v|²
        pts[name] = np.linalg.solve(2 * np.array([u, v]), np.array([u @ u, v @ v]))
    return pts


# ------------------------------------------------------------------------------ sums
def coupling_fourier(theta: float, d_over_r0: float, k: Any, method: str = "ewald",
                     unscreened: str | None = None) -> np.ndarray:
    """Lattice Fourier transform J_ab(k) = Σ_{R≠0} C_ab(R) cos(k·R) of the coupling tensor.

    Parameters
    ----------
    theta : float
        Lattice angle in [0.01, π - 0.01] radians (:data:`THETA_MIN`).
    d_over_r0 : float
        d / r0 >= 0 (0: no electromagnetic field, needs ``unscreened``); any finite value (below
        2^-64 the d/r0 → 0 limit and beyond ~2^40 the exact r0-linear law are used).
    k : array_like, shape (2,) or (N, 2)
        Wavevectors in units of 1/d; J is periodic in the reciprocal lattice and k outside the
        zone is reduced to it (at most 2^26 reciprocal-lattice periods, :data:`K_CELLS_MAX`).
    method : {"ewald", "window"}
        Two independent evaluations of the thermodynamic limit (module docstring).
    unscreened : {"disc", "limit"}, optional
        Meaning of the k = 0 term for d_over_r0 = 0 (required there, ignored otherwise).

    Returns
    -------
    ndarray, shape (2, 2) or (N, 2, 2)
        J(k) in units of Z / d². The classical energy per site of m_R = m̂ cos(k·R) for k at Γ or
        an M point is ½ m̂·J(k)·m̂ (Luttinger–Tisza).
    """
    b = basis(theta)
    r0, unscr = _pearl(d_over_r0, unscreened)
    kk = checks.finite_array("k", k)
    if kk.shape[-1:] != (2,) or kk.ndim > 2:
        raise ValueError(f"k must have shape (2,) or (N, 2), got {kk.shape}")
    _sum_memory("coupling_fourier", int(np.atleast_2d(kk).shape[0]), "pass fewer wavevectors k "
                "(in chunks)")
    out = _method(method)(b, r0, _reduce_to_zone(b, np.atleast_2d(kk)), unscr)
    return out[0] if kk.ndim == 1 else out


K_CELLS_MAX = 2.0**26
"""Largest |k·d_i|/2π accepted by :func:`coupling_fourier` (2^26 reciprocal-lattice periods):
beyond it the float k keeps fewer than ~8 significant digits of its position in the zone."""


def _reduce_to_zone(b: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """k - G with G the reciprocal lattice vector nearest in lattice coordinates (J(k) is periodic
    in the reciprocal lattice); k already within half a period per axis is returned unchanged.
    ``ValueError`` naming k beyond :data:`K_CELLS_MAX` periods."""
    u = ks @ b.T / (2 * math.pi)                   # k = u1 b1 + u2 b2, u_i = k·d_i / 2π
    top = float(np.max(np.abs(u))) if u.size else 0.0
    if not top <= K_CELLS_MAX:
        raise ValueError(f"k must satisfy |k·d_i|/(2 pi) <= 2^26 = {K_CELLS_MAX:.4g} reciprocal-lattice "
                         f"periods (got {top:.3g}): J(k) is periodic, and beyond that the float k no "
                         "longer resolves its place in the Brillouin zone; reduce k to the zone first")
    n = np.rint(u)
    if not n.any():
        return ks
    return ks - n @ _ewald.reciprocal(b)


@dataclass(frozen=True)
class StateEnergy:
    """Energy of one ordered state.

    Attributes
    ----------
    energy : float
        Minimum over φ of the energy per site (Z / d²).
    phi : float
        Minimizing moment angle from d1 (radians, in [0, π); m̂ and -m̂ are equivalent).
    tensor : ndarray (2, 2)
        J(Q) (Z / d²): E(φ) = ½ m̂·J(Q)·m̂.
    degenerate : bool
        True when the two eigenvalues of J(Q) agree to 1e-12 (any φ is a minimum).
    """

    energy: float
    phi: float
    tensor: np.ndarray = field(repr=False)
    degenerate: bool = False

    def at(self, phi: float) -> float:
        """Energy per site at moment angle ``phi`` (radians)."""
        m = np.array([math.cos(phi), math.sin(phi)])
        return float(0.5 * m @ self.tensor @ m)


def _state_energy(tensor: np.ndarray) -> StateEnergy:
    tensor = 0.5 * (tensor + tensor.T)
    w, v = np.linalg.eigh(tensor)
    phi = math.atan2(v[1, 0], v[0, 0]) % math.pi
    deg = abs(w[1] - w[0]) <= 1e-12 * max(1.0, abs(w).max())
    return StateEnergy(0.5 * float(w[0]), phi, tensor, bool(deg))


def _tensors(b: np.ndarray, r0: float, method: str, unscreened: str) -> np.ndarray:
    rec = _ewald.reciprocal(b)
    ks = np.array([[0.0, 0.0], rec[1] / 2, rec[0] / 2, (rec[0] + rec[1]) / 2])
    return _method(method)(b, r0, ks, unscreened)


def _from_tensors(tensors: np.ndarray) -> dict[str, StateEnergy]:
    out = {name: _state_energy(t) for name, t in zip(("ferro",) + LAYERED_STATES, tensors)}
    best = min(LAYERED_STATES, key=lambda s: out[s].energy)
    out["antiferro"] = out[best]
    return out


def state_energies(theta: float, d_over_r0: float, method: str = "ewald",
                   unscreened: str | None = None) -> dict[str, StateEnergy]:
    """Energies of all ordered states (thermodynamic limit), minimized over φ.

    Returns
    -------
    dict
        ``{"ferro", "afm_d1", "afm_d2", "afm_diag", "antiferro"}`` → :class:`StateEnergy`
        (units Z / d²); "antiferro" is the lowest layered state.
    """
    b = basis(theta)
    r0, unscr = _pearl(d_over_r0, unscreened)
    return _from_tensors(_tensors(b, r0, method, unscr))


def energy_per_site(theta: float, d_over_r0: float, state: str = "ferro", phi: float | None = None,
                    method: str = "ewald", unscreened: str | None = None) -> float:
    """Energy per site E = ½ Σ_{R≠0} F_I(R) of an ordered state (paper Fig. 3a, b).

    Parameters
    ----------
    theta : float
        Angle between d1 and d2, in [0.01, π - 0.01] radians (:data:`THETA_MIN`).
    d_over_r0 : float
        Lattice constant over Pearl length, >= 0 (0 requires ``unscreened``).
    state : {"ferro", "afm_d1", "afm_d2", "afm_diag", "antiferro"}
        See the module docstring ("antiferro": the lowest layered state).
    phi : float, optional
        Moment angle from d1 (radians); minimized over if None.
    method : {"ewald", "window"}
        Independent evaluations of the thermodynamic limit (agree to ~1e-14).
    unscreened : {"disc", "limit"}, optional
        Order of limits at d_over_r0 = 0 (module docstring).

    Returns
    -------
    float
        Energy per site in units of Z / d² for unit moments (thermodynamic limit at fixed r0).
    """
    st = state_energies(theta, d_over_r0, method, unscreened)[_state(state)]
    if phi is None:
        return st.energy
    return st.at(checks.finite_real("phi", phi))


def critical_angle(d_over_r0: float, bracket: tuple[float, float] = (TRIANGULAR, SQUARE),
                   method: str = "ewald", unscreened: str | None = None,
                   xtol: float = 1e-13) -> float:
    """Lattice angle θ_c where the FM and the best layered AFM energies cross.

    Parameters
    ----------
    d_over_r0 : float
        d / r0 >= 0.
    bracket : (float, float)
        Search interval in radians (default [π/3, π/2], the paper's range).
    method, unscreened
        As in :func:`energy_per_site`.
    xtol : float
        Absolute tolerance on θ_c (radians); the energies are accurate to ~1e-15, so the root is
        good to ~1e-13.

    Returns
    -------
    float
        θ_c in radians (FM for θ < θ_c, layered AFM above, for the paper's range), or NaN when the
        energy difference does not change sign in ``bracket``.
    """
    r0, unscr = _pearl(d_over_r0, unscreened)
    if np.ndim(bracket) != 1 or np.size(bracket) != 2:
        raise ValueError(f"bracket must be a pair (low, high) of angles in [{THETA_MIN}, pi - {THETA_MIN}] "
                         f"radians, got {bracket!r}")
    lo, hi = (_theta(x, f"bracket[{i}]") for i, x in enumerate(bracket))
    if not lo < hi:
        raise ValueError(f"bracket must be (low, high) with low < high, got {bracket}")

    def diff(th: float) -> float:
        e = _from_tensors(_tensors(basis(th), r0, method, unscr))
        return e["ferro"].energy - e["antiferro"].energy

    f_lo, f_hi = diff(lo), diff(hi)
    if f_lo == 0.0:
        return lo
    if f_hi == 0.0:
        return hi
    if (f_lo > 0) == (f_hi > 0):
        return math.nan
    return float(brentq(diff, lo, hi, xtol=checks.positive("xtol", xtol), rtol=1e-15,
                        maxiter=200))


# ------------------------------------------------------------------------------ Luttinger-Tisza
@dataclass(frozen=True)
class LuttingerTisza:
    """Luttinger–Tisza minimum of ½ λ_min(J(k)) over the Brillouin zone.

    Attributes
    ----------
    energy : float
        The LT bound on the energy per site (Z / d²); exact when ``kind`` is not "incommensurate".
    k : ndarray (2,)
        Minimizing wavevector, reduced to the point of k + G nearest to 0 (1/d).
    phi : float
        Moment angle of the minimizing eigenvector (radians from d1).
    kind : str
        "ferro" (k ≡ Γ), one of LAYERED_STATES (k ≡ that M point), or "incommensurate".
    grid_k : ndarray (n, n, 2)
        The scanned k points; ``grid_energy`` (n, n) the scan values.
    """

    energy: float
    k: np.ndarray
    phi: float
    kind: str
    grid_k: np.ndarray = field(repr=False)
    grid_energy: np.ndarray = field(repr=False)


def luttinger_tisza(theta: float, d_over_r0: float, n: int = 48, refine: bool = True,
                    unscreened: str | None = None, tol: float = 1e-6) -> LuttingerTisza:
    """Minimize ½ λ_min(J(k)) over the Brillouin zone (k = u1 b1 + u2 b2, u on an n×n grid,
    then a Nelder–Mead refinement, and the high-symmetry points added explicitly).

    Parameters
    ----------
    theta, d_over_r0, unscreened
        As in :func:`energy_per_site`.
    n : int
        Grid points per reciprocal axis (>= 4).
    refine : bool
        Polish the best grid point with Nelder–Mead.
    tol : float
        A minimum within ``tol`` (in u) of Γ or an M point is classified as that state.

    Returns
    -------
    LuttingerTisza
    """
    n = checks.integer("n", n, 4, 10**6)      # (the memory check below is far stricter)
    _sum_memory(f"luttinger_tisza with n = {n}", n * n, "use a smaller n (grid points per axis)")
    b = basis(theta)
    rec = _ewald.reciprocal(b)
    r0, unscr = _pearl(d_over_r0, unscreened)

    def sums(kv: np.ndarray) -> np.ndarray:
        return _ewald.ewald_sum(b, r0, kv, unscr)

    u = np.arange(n) / n
    U = np.stack(np.meshgrid(u, u, indexing="ij"), axis=-1)
    ks = U.reshape(-1, 2) @ rec
    lam = 0.5 * np.linalg.eigvalsh(sums(ks))[:, 0]
    special = {"ferro": (0.0, 0.0), "afm_d1": (0.0, 0.5), "afm_d2": (0.5, 0.0), "afm_diag": (0.5, 0.5)}
    sp_k = np.array(list(special.values())) @ rec
    sp_e = 0.5 * np.linalg.eigvalsh(sums(sp_k))[:, 0]

    def f(uv: np.ndarray) -> float:
        t = sums((np.asarray(uv) @ rec)[None, :])[0]
        return 0.5 * float(np.linalg.eigvalsh(t)[0])

    i = int(np.argmin(lam))
    best_u, best_e = U.reshape(-1, 2)[i], float(lam[i])
    if refine:
        res = minimize(f, best_u, method="Nelder-Mead",
                       options={"xatol": 1e-9, "fatol": 1e-15, "maxiter": 400})
        if res.fun < best_e:
            best_u, best_e = np.asarray(res.x), float(res.fun)
    j = int(np.argmin(sp_e))
    kind = "incommensurate"
    if sp_e[j] <= best_e + 1e-13 * max(1.0, abs(best_e)):
        best_u, best_e = np.array(list(special.values())[j]), float(sp_e[j])
    for name, uv in special.items():
        d = (best_u - np.array(uv) + 0.5) % 1.0 - 0.5
        if np.all(np.abs(d) < tol):
            kind = name
    kvec = best_u @ rec
    # nearest image of k to the origin
    cands = kvec[None, :] + np.array([(i, j) for i in (-1, 0, 1) for j in (-1, 0, 1)]) @ rec
    kvec = cands[np.argmin(np.hypot(cands[:, 0], cands[:, 1]))]
    t = sums(kvec[None, :])[0]
    w, v = np.linalg.eigh(0.5 * (t + t.T))
    phi = math.atan2(v[1, 0], v[0, 0]) % math.pi
    return LuttingerTisza(best_e, kvec, phi, kind, U @ rec, lam.reshape(n, n))


# ------------------------------------------------------------------------------ finite samples
def disc_energy(theta: float, d_over_r0: float, radius: float, state: str = "ferro",
                phi: float | None = None, average: bool = True) -> float:
    """Energy per site of a finite disc sample by direct summation.

    Parameters
    ----------
    theta, d_over_r0
        As in :func:`energy_per_site`; d_over_r0 = 0 is allowed (a finite sum is well defined).
    radius : float
        Sample radius L in units of d (sites |R| <= L, centred on a site): 1 <= L <= 800 for
        ``average=True`` (memory ~ (8L)² words for the pair counts), <= 3000 otherwise.
    state, phi
        As in :func:`energy_per_site` (φ minimized if None).
    average : bool
        True: the sample's total energy over its number of sites, (1/2N) Σ_{i≠j} F_I(R_ij) (paper
        "E = (1/2V) Σ F_I"); cost O(N log N) by counting the pairs per separation with an FFT.
        False: the energy of the central site, ½ Σ_{0<|R|<=L} F_I(R).

    Returns
    -------
    float
        Energy per site, units Z / d². For L ≫ r0 the central-site FM value lies above the
        thermodynamic limit by ≈ π r0 / (2 L sin θ); the sample average converges more slowly
        (edge sites), and for L ≪ r0 both approach the r0 = inf ``unscreened="disc"`` values.
    """
    b = basis(theta)
    x = checks.nonnegative("d_over_r0", d_over_r0)
    r0 = math.inf if x == 0 else 1.0 / x
    L = checks.positive_length("radius", radius)
    top = 800.0 if average else 3000.0
    if not 1.0 <= L <= top:
        raise ValueError(f"radius must lie in [1, {top:g}] lattice constants (average={bool(average)}), "
                         f"got {L}")
    st = _state(state)
    rec = _ewald.reciprocal(b)
    ks = np.array([[0.0, 0.0], rec[1] / 2, rec[0] / 2, (rec[0] + rec[1]) / 2])
    res = _from_tensors(_ewald.disc_sum(b, r0, ks, L, average=bool(average)))[st]
    return res.energy if phi is None else res.at(checks.finite_real("phi", phi))
