"""Ground states of the moment directions of magnetic impurities (paper Fig. 2b).

For now: two unit point impurities at distance r. With θ1, θ2 the angles of the moments measured
from r̂ (r = r1 - r2), the pair energy (paper Eqs. 8, 11) is

    F(θ1, θ2) = J_perp sin θ1 sin θ2 - J_par cos θ1 cos θ2
              = ((J_perp - J_par)/2) cos(θ1 - θ2) - ((J_perp + J_par)/2) cos(θ1 + θ2).

For finite r0, J_par > J_perp > 0 and the unique minimum (up to the global flip m → -m) is the
ferromagnetic state parallel to r, θ1 = θ2 = 0, with F = -J_par. Without the electromagnetic
field (r0 = inf) J_perp = J_par = Z/r² and the minimum is the degenerate family θ1 = -θ2 with
F = -Z/r².

N moments of fixed magnitudes rotating in the plane (angles θ_i from x̂, m_i = |m_i|(cos θ_i,
sin θ_i)): the energy is a quadratic form E = ½ mᵀ M m and its angle gradient is
∂E/∂θ_i = -h_i·(∂m_i/∂θ_i), h = -M m the local field. Three evaluators of M m:

* islands (:func:`minimize_islands`): M from the spectral self and pair coupling tensors of
  :func:`solver.interactions.interaction_energies` (self blocks C_ii = shape anisotropy);
* point impurities, ``method="dense"``: M_ij = C(r_i - r_j) (exact Keldysh couplings, 2N × 2N
  matrix, N <= 3000 with "auto");
* point impurities, ``method="mesh"``: particle-particle/particle-mesh split of
  :mod:`solver._mesh` (O(N log N); energy ≲ 1e-4 relative of the dense value, fields ~4e-6).

Minimization: L-BFGS-B on the angles with the analytic gradient, ``restarts`` random starts
(seeded), best kept.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import xarray as xr
from scipy.optimize import minimize

from ..theory import _keldysh_kernels as _k
from .._common import checks
from ..theory import keldysh

__all__ = ["TwoImpurityState", "two_impurities", "AngleProblem", "impurity_problem",
           "island_problem", "minimize_angles", "minimize_impurities", "minimize_islands"]

_OVERFLOW = ("the energy or local fields exceed the float range (|value| > 1.8e308) for these Z, "
             "moments and distances (E ~ Z m² / r², h ~ Z m / r²): not representable; rescale the "
             "units of Z, moments or lengths")
DENSE_MAX = 3000      # largest N for which method="auto" builds the dense 2N × 2N matrix


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
    Z = checks.positive("Z", Z)
    restarts = checks.integer("restarts", restarts, 1)
    jp, jq = (float(v) for v in keldysh.couplings(r, pearl_length, Z=Z))
    # energy in units of J_par (well scaled): a = J_perp/J_par = p/q from the split form of
    # p/r², q/r² (same exponent), so it stays exact when J's under- or overflow (r ~ 1e±300)
    P, Q, _ = _k.radial_pq(np.array([r]), keldysh.as_pearl_length(pearl_length), r, r)
    a, b = float(P[0] / Q[0]), 1.0

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
    degenerate = (1.0 - a) <= 8 * np.finfo(float).eps * (1.0 + a)   # (J_par - J_perp)/J_par
    return TwoImpurityState(angles=(t1, t2), energy=energy, J_perp=jp, J_par=jq,
                            degenerate=bool(degenerate))


# ================================================================================== N moments
class AngleProblem:
    """Energy of N in-plane moments of fixed magnitudes as a function of their angles.

    Parameters
    ----------
    positions : ndarray (N, 2)
        Positions (user length unit); only stored for the output.
    magnitudes : ndarray (N,)
        |m_i| (fixed).
    apply : callable
        m (N, 2) -> M' m (N, 2), with M = 2^coupling_exponent M' the matrix of E = ½ mᵀ M m
        (M symmetric), so that ∂E/∂m = 2^coupling_exponent M' m.
    coupling_exponent : int
        Exact power of two carried outside ``apply`` (so that huge or tiny couplings, Z or
        lengths never over- or underflow inside the optimisation; default 0).
    method : {"dense", "mesh", "islands"}
        Which evaluator ``apply`` is (recorded in the output): the exact coupling matrix of point
        impurities, the particle-mesh split (``mesh``: its :class:`~solver.magnetism._mesh.MeshFields`),
        or the spectral coupling tensors of finite islands (``tensors``: (N, N, 2, 2)).
    mesh : MeshFields, optional
    tensors : ndarray, optional

    Notes
    -----
    The optimiser works on the *reduced* problem (:meth:`reduced_energy_gradient`): magnitudes
    divided by 2^k (k the binary exponent of the largest, when outside 2^±200) and M', so that
    moments near 1e154 or Z near 1e308 neither overflow nor lose the gradient. :meth:`energy`,
    :meth:`energy_gradient` and :meth:`fields` are in true units (scaled back exactly).
    """

    def __init__(self, positions: np.ndarray, magnitudes: np.ndarray,
                 apply: Callable[[np.ndarray], np.ndarray], coupling_exponent: int = 0, *,
                 method: str = "dense", mesh: Any = None, tensors: np.ndarray | None = None) -> None:
        if method not in ("dense", "mesh", "islands"):
            raise ValueError(f"method must be 'dense', 'mesh' or 'islands', got {method!r}")
        self.method, self.mesh, self.tensors = method, mesh, tensors
        self.positions = np.array(positions, dtype=float)      # copies: never the caller's memory
        self.magnitudes = np.array(magnitudes, dtype=float)
        self.apply = apply
        self.n = self.positions.shape[0]
        self._mag, km = keldysh.moment_scale(self.magnitudes)
        self.coupling_exponent = int(coupling_exponent)
        self.field_exponent = self.coupling_exponent + km      # h = 2^this h'
        self.energy_exponent = self.coupling_exponent + 2 * km  # E = 2^this E'

    def moments(self, theta: np.ndarray) -> np.ndarray:
        """m_i = |m_i| (cos θ_i, sin θ_i), shape (N, 2)."""
        return self.magnitudes[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1)

    def reduced_energy_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """(E', ∂E'/∂θ) = 2^-energy_exponent (E, ∂E/∂θ): the well-scaled problem the optimiser
        sees."""
        c, s = np.cos(theta), np.sin(theta)
        m = self._mag[:, None] * np.stack([c, s], axis=1)
        g = self.apply(m)                       # ∂E'/∂m' = -h'
        e = 0.5 * float(np.sum(m * g))
        dm = self._mag[:, None] * np.stack([-s, c], axis=1)
        return e, np.sum(g * dm, axis=1)

    def energy_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """(E, ∂E/∂θ) at angles θ (radians); E in the energy unit of M."""
        e, g = self.reduced_energy_gradient(theta)
        with np.errstate(over="ignore", under="ignore"):
            e, g = float(np.ldexp(e, self.energy_exponent)), np.ldexp(g, self.energy_exponent)
        if not (math.isfinite(e) and np.isfinite(g).all()):
            raise ValueError(_OVERFLOW)
        return e, g

    def energy(self, theta: np.ndarray) -> float:
        """E(θ)."""
        return self.energy_gradient(theta)[0]

    def reduced_fields(self, theta: np.ndarray) -> np.ndarray:
        """h' = 2^-field_exponent h, the local fields of the reduced problem."""
        m = self._mag[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1)
        return -self.apply(m)

    def fields(self, theta: np.ndarray) -> np.ndarray:
        """Local fields h_i = -∂E/∂m_i, shape (N, 2)."""
        with np.errstate(over="ignore", under="ignore"):
            h = np.ldexp(self.reduced_fields(theta), self.field_exponent)
        if not np.isfinite(h).all():
            raise ValueError(_OVERFLOW)
        return h


def _dense_apply(matrix: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    n2 = matrix.shape[0]
    return lambda m: (matrix @ m.reshape(n2)).reshape(-1, 2)


def _dense_matrix(pos: np.ndarray, r0: float, Z: float) -> np.ndarray:
    n = pos.shape[0]
    mat = np.zeros((n, 2, n, 2))
    step = max(1, (1 << 18) // max(n, 1))
    for s in range(0, n, step):
        d = pos[s:s + step, None, :] - pos[None, :, :]
        blk = np.zeros(d.shape[:2] + (2, 2))
        off = np.ones(d.shape[:2], dtype=bool)
        rows = np.arange(d.shape[0])
        off[rows, s + rows] = False
        blk[off] = keldysh.coupling_tensor(d[off], r0, Z=Z)
        mat[s:s + step] = blk.transpose(0, 2, 1, 3)
    return mat.reshape(2 * n, 2 * n)


def _moment_magnitudes(moments: Any, n: int) -> np.ndarray:
    """Moment magnitudes as an (n,) array; ``ValueError`` naming ``moments`` otherwise."""
    arr = checks.finite_array("moments", moments)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] != n):
        raise ValueError(f"moments must be a scalar or have shape ({n},) (one magnitude per site), "
                         f"got shape {arr.shape}")
    mag = np.broadcast_to(arr, (n,)).copy()
    if np.any(mag <= 0):
        raise ValueError(f"moments must be magnitudes > 0 (allowed range (0, inf)), got min {mag.min()}")
    return mag


def impurity_problem(positions: Any, pearl_length: float, moments: Any = 1.0, Z: float = 1.0,
                     method: str = "auto", **mesh_options: Any) -> AngleProblem:
    """Angle problem of N point impurities with the exact Keldysh couplings (paper Eqs. 6-9).

    Parameters
    ----------
    positions : array_like (N, 2)
        Distinct positions (user length unit), N >= 2.
    pearl_length : float
        Pearl length r0 in (0, inf] (same unit).
    moments : float or array_like (N,)
        Fixed moment magnitudes (> 0).
    Z : float
        Point-dipole constant (energy × length²); energies in units of Z / length².
    method : {"dense", "mesh", "auto"}
        "dense": exact 2N × 2N coupling matrix (memory 32 N² bytes); "mesh": particle-mesh split
        (:class:`solver._mesh.MeshFields`); "auto": dense for N <= 3000, else mesh.
    **mesh_options
        ``neighbours``, ``kappa``, ``eta``, ``alpha``, ``max_mesh`` of
        :class:`solver._mesh.MeshFields`; they apply to the mesh only. With ``method="dense"``
        they are a ``ValueError``. With ``method="auto"`` they are validated (names and ranges)
        and used when the mesh is chosen (N > 3000); for N <= 3000 the exact dense matrix is used
        and they are ignored: they only trade the mesh's accuracy for speed, and the dense
        couplings are exact (this keeps sweeps over N with one set of options working, e.g.
        :func:`solver.ensembles.magnetization_sweep`). Pass ``method="mesh"`` to force the mesh.

    Returns
    -------
    AngleProblem

    Raises
    ------
    ValueError
        Bad positions, moments, Z or method; mesh options with ``method="dense"``, an unknown
        mesh option or one out of range; a request that does not fit in memory.
    """
    pos = keldysh.as_points("positions", positions)
    n = pos.shape[0]
    if n < 2:
        raise ValueError("need at least 2 impurities")
    r0 = keldysh.as_pearl_length(pearl_length)
    Z = checks.positive("Z", Z)
    mag = _moment_magnitudes(moments, n)
    # exact power-of-two rescaling: lengths by 2^kL, Z = mz 2^ez; M = 2^(ez - 2 kL) M'
    kL, r0n, (posn,) = keldysh.normalised_lengths(r0, pos, tiny_ok=method == "dense" or (
        method == "auto" and n <= DENSE_MAX))   # the dense couplings take any r/r0
    mz, ez = math.frexp(Z)
    kc = ez - 2 * kL
    if method not in ("dense", "mesh", "auto"):
        raise ValueError(f"method must be 'dense', 'mesh' or 'auto', got {method!r}")
    if mesh_options:
        names = ", ".join(sorted(mesh_options))
        if method == "dense":
            raise ValueError(f"mesh option(s) {names} apply to method='mesh' only (and to 'auto' "
                             "when it picks the mesh), not to method='dense' (exact couplings); "
                             "drop them or pass method='mesh'")
        from ._mesh import check_options
        check_options(**mesh_options)
    if method == "auto":
        method = "dense" if n <= DENSE_MAX else "mesh"
    if method == "dense":
        checks.memory_fits(f"the dense coupling matrix of {n} impurities (method='dense')",
                           32.0 * n * n + 2.0**24,
                           hint=f"use method='mesh' (or 'auto', dense only up to N = {DENSE_MAX}) or "
                                "fewer positions")
        if np.unique(pos, axis=0).shape[0] != n:
            raise ValueError("positions must be distinct (two impurities coincide)")
        return AngleProblem(pos, mag, _dense_apply(_dense_matrix(posn, r0n, mz)), kc)
    if method == "mesh":
        from ._mesh import MeshFields
        mf = MeshFields(posn, r0n, Z=mz, **mesh_options)
        return AngleProblem(pos, mag, lambda m: -mf.fields(m), kc, method="mesh", mesh=mf)
    raise ValueError(f"method must be 'dense', 'mesh' or 'auto', got {method!r}")


def island_problem(islands: Sequence[Any], grid: Any, film: Any, boundary: str = "open",
                   coupling: float = 1.0) -> AngleProblem:
    """Angle problem of finite islands from the spectral coupling tensors (self terms included).

    E = Σ_i ½ μ_i·C_ii·μ_i + Σ_{i<j} μ_i·C_ij·μ_j (:func:`solver.interactions.interaction_energies`,
    units of stiffness × g² × moment²); the magnitudes |μ_i| of the islands' moments are kept,
    so every ``islands[i].moment`` must be non-zero (``ValueError`` naming the index otherwise).
    """
    from ..spectral.interactions import interaction_energies
    islands = list(islands)
    mag = np.array([math.hypot(*isl.moment) for isl in islands])
    zero = np.flatnonzero(~(mag > 0))
    if zero.size:                              # the user never passed "moments" here
        i = int(zero[0])
        raise ValueError(f"islands[{i}].moment must be non-zero (|moment| > 0: only its direction "
                         f"is optimized, its magnitude is kept), got {tuple(islands[i].moment)}")
    ie = interaction_energies(islands, grid, film, boundary=boundary, coupling=coupling)
    n = len(islands)
    mat = np.ascontiguousarray(ie.tensors.transpose(0, 2, 1, 3)).reshape(2 * n, 2 * n)
    mat = 0.5 * (mat + mat.T)
    pos = np.array([isl.center for isl in islands], dtype=float)
    return AngleProblem(pos, _moment_magnitudes(mag, n), _dense_apply(mat), method="islands",
                        tensors=ie.tensors)


def _energy_scale(problem: AngleProblem, starts: Sequence[np.ndarray]) -> float:
    """Energy scale max_i |m_i| |h_i| (the largest possible |∂E/∂θ_i|), maximized over the starts,
    of the reduced problem (:meth:`AngleProblem.reduced_energy_gradient`).

    Unlike the angle gradient, |m_i||h_i| does not vanish at a stationary point (a minimum or a
    saddle where every h_i ∥ m_i), so the relative ``gtol`` of every start is meaningful even
    when ``initial`` is stationary. Falls back to 1 if every field vanishes at every start
    (then M m = 0 there and the gradient is zero anyway).
    """
    scale = 0.0
    for st in starts:
        site = problem._mag * np.hypot(*problem.reduced_fields(np.asarray(st, dtype=float)).T)
        scale = max(scale, float(np.max(site)))
    return scale if math.isfinite(scale) and scale > 0 else 1.0


def minimize_angles(problem: AngleProblem, seed: int = 0, restarts: int = 8,
                    initial: np.ndarray | None = None, gtol: float = 1e-9, maxiter: int = 5000,
                    callback: Callable[[np.ndarray, float], None] | None = None
                    ) -> tuple[np.ndarray, float, list]:
    """L-BFGS-B over the angles from ``restarts`` random starts (plus ``initial`` if given).

    ``gtol`` is relative to the energy scale max_i |m_i| |h_i| (largest over all starts), which
    stays finite at stationary points: an ``initial`` that is already stationary (a minimum or a
    saddle) neither spoils the tolerance of the random starts nor wins by default.

    Returns
    -------
    (theta, energy, results)
        Best angles (wrapped to [-pi, pi)), its energy, and the scipy result of every start.
        ``callback(theta, energy)`` is called after every iteration of every start.
    """
    restarts = checks.integer("restarts", restarts, 1)
    rng = np.random.default_rng(seed)
    starts = list(rng.uniform(-math.pi, math.pi, size=(restarts, problem.n)))
    if initial is not None:
        init = checks.finite_array("initial", initial)
        if init.shape != (problem.n,):
            raise ValueError(f"initial must hold one angle (radians) per site, shape ({problem.n},), "
                             f"got shape {init.shape}")
        starts.insert(0, init)
    scale = _energy_scale(problem, starts)          # so that gtol is relative

    def fun(th: np.ndarray) -> tuple[float, np.ndarray]:
        e, g = problem.reduced_energy_gradient(th)
        return e / scale, g / scale

    best, results = None, []
    for st in starts:
        cb = None
        if callback is not None:
            def cb(xk: np.ndarray) -> None:
                callback(np.array(xk), problem.energy(xk))
        res = minimize(fun, st, jac=True, method="L-BFGS-B", callback=cb,
                       options={"gtol": gtol, "ftol": 1e-15, "maxiter": maxiter, "maxcor": 20})
        res.fun = float(res.fun) * scale          # reduced energy E' (E = 2^energy_exponent E')
        results.append(res)
        if math.isfinite(res.fun) and (best is None or res.fun < best.fun):
            best = res
    if best is None:
        raise RuntimeError("minimize_angles: no start reached a finite energy "
                           f"(L-BFGS-B: {results[0].message})")
    th = np.remainder(best.x + math.pi, 2 * math.pi) - math.pi
    for res in results:                          # back to true units
        with np.errstate(over="ignore", under="ignore"):
            res.fun = float(np.ldexp(res.fun, problem.energy_exponent))
    return th, problem.energy(th), results


def _dataset(problem: AngleProblem, theta: np.ndarray, energy: float, attrs: dict) -> xr.Dataset:
    m = problem.moments(theta)
    h = problem.fields(theta)
    net = m.sum(axis=0)
    ds = xr.Dataset(
        {"angle": ("site", theta, {"units": "rad", "long_name": "moment angle from x"}),
         "mx": ("site", m[:, 0]), "my": ("site", m[:, 1]),
         "hx": ("site", h[:, 0], {"long_name": "local field -dE/dm_x"}),
         "hy": ("site", h[:, 1], {"long_name": "local field -dE/dm_y"}),
         "x": ("site", problem.positions[:, 0]), "y": ("site", problem.positions[:, 1])},
        coords={"site": np.arange(problem.n)})
    ds.attrs.update(energy=float(energy),
                    magnetization=float(np.hypot(*net) / problem.magnitudes.sum()),
                    magnetization_x=float(net[0]), magnetization_y=float(net[1]),
                    energy_per_site=float(energy) / problem.n, n_sites=int(problem.n), **attrs)
    return ds


def minimize_impurities(positions: Any, pearl_length: float, moments: Any = 1.0, seed: int = 0,
                        restarts: int = 8, method: str = "auto", Z: float = 1.0,
                        initial: np.ndarray | None = None, callback: Callable | None = None,
                        **options: Any) -> xr.Dataset:
    """Ground state of N point impurities with fixed moment magnitudes rotating in the plane.

    Parameters
    ----------
    positions : array_like (N, 2)
        Distinct positions (user length unit).
    pearl_length : float
        r0 in (0, inf] (inf = without the electromagnetic field).
    moments : float or array_like (N,)
        Moment magnitudes (> 0).
    seed, restarts : int
        Seed and number of random starts of L-BFGS-B.
    method : {"dense", "mesh", "auto"}
        See :func:`impurity_problem`; ``options`` are mesh options (``neighbours``, ``kappa``,
        ``eta``, ``alpha``, ``max_mesh``): a ``ValueError`` with "dense", validated but unused
        when "auto" picks the exact dense couplings (N <= 3000).
    Z : float
        Point-dipole constant; energies in units of Z / length².
    initial : ndarray (N,), optional
        An extra starting configuration (tried first).
    callback : callable, optional
        ``callback(theta, energy)`` after each L-BFGS-B iteration.

    Returns
    -------
    xarray.Dataset
        dims ``site``; variables angle (rad), mx, my, hx, hy (local field -∂E/∂m, Z/length²),
        x, y; attrs energy (interaction energy Σ_{i<j}), magnetization |Σ m|/Σ|m| ∈ [0, 1],
        magnetization_x/_y, energy_per_site, n_sites, pearl_length, seed, restarts, method, Z.
    """
    prob = impurity_problem(positions, pearl_length, moments, Z=Z, method=method, **options)
    th, e, _ = minimize_angles(prob, seed=seed, restarts=restarts, initial=initial, callback=callback)
    used = prob.method
    r0 = float(keldysh.as_pearl_length(pearl_length))
    return _dataset(prob, th, e, dict(pearl_length=r0, seed=int(seed), restarts=int(restarts),
                                      method=used, Z=float(Z)))


def minimize_islands(islands: Sequence[Any], grid: Any, film: Any, boundary: str = "open",
                     seed: int = 0, restarts: int = 8, coupling: float = 1.0,
                     initial: np.ndarray | None = None, callback: Callable | None = None) -> xr.Dataset:
    """Ground state of finite islands (any shapes/positions) with moments rotating in the plane.

    The energy is Σ_i ½ μ_i·C_ii·μ_i + Σ_{i<j} μ_i·C_ij·μ_j with the spectral tensors of
    :func:`solver.interactions.interaction_energies` (the self blocks carry the shape anisotropy);
    |μ_i| is taken from each island's moment. Units: stiffness × g² × moment².

    Parameters
    ----------
    islands : sequence of Island
    grid : Grid
    film : Film
    boundary : {"open", "periodic"}
    seed, restarts, initial, callback
        As :func:`minimize_impurities`.
    coupling : float
        g.

    Returns
    -------
    xarray.Dataset
        As :func:`minimize_impurities` (x, y = island centres; energy includes the self
        energies, equal to ``solve(...).energy`` of the optimized islands); attrs also boundary.
        Use ``islands[i].with_moment((mx[i], my[i]))`` to re-solve the optimized arrangement.
    """
    prob = island_problem(islands, grid, film, boundary=boundary, coupling=coupling)
    th, e, _ = minimize_angles(prob, seed=seed, restarts=restarts, initial=initial, callback=callback)
    return _dataset(prob, th, e, dict(pearl_length=float(film.pearl_length), seed=int(seed),
                                      restarts=int(restarts), boundary=boundary, method="islands"))
