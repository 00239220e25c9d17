"""The solution of a finite-film solve: stream function, currents, fields, energies, fluxoids.

Built by :func:`solve_finite_film` from a :class:`~solver.finite_film.StreamFunctionSystem`.
Units follow the rest of the package: lengths in the grid's unit, a in (coupling × moment)/length²,
the stream function g in stiffness × a × length (a current), j in stiffness × a, A and B_z in
units of a, fluxoids in units of ∮A·dl (field × area; with the convention j = s(∇θ − A − a) one
flux quantum is 2π when A is measured as a phase gradient), the magnetic moment
m_z = ½∫ r × j d²r = ∫ g d²r in current × length².
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .._common import checks, hooks
from ..model.film_geometry import FILM, OUTSIDE, FilmGeometry
from .finite_film import StreamFunctionSystem, source_drive
from ..model.grid import Grid

__all__ = ["corrected_stream_function", "FiniteFilmSolution", "solve_finite_film",
           "stream_gradient"]


def _readonly(x: np.ndarray) -> np.ndarray:
    x.flags.writeable = False
    return x


def _edge_nodes(system: StreamFunctionSystem) -> np.ndarray:
    """Flat indices of the film nodes with a cut link (a neighbour across an edge)."""
    nodes = [links.node for axis in (0, 1) for links in system.geometry.links(axis)]
    return np.unique(np.concatenate(nodes)) if nodes else np.zeros(0, dtype=int)


def corrected_stream_function(system: StreamFunctionSystem, u: np.ndarray) -> np.ndarray:
    """g on the grid with the O(h²) distortion of the discrete drive removed away from edges.

    The solve's drive T^{1/2} b (:func:`solver.finite_film.source_drive`) makes the solution
    g_h = T^{−1/2} g in the film's interior; T^{1/2} ≈ 1 − (h²/24)(−Δ_h) restores g to O(h⁴).
    Nodes next to an edge keep g_h (the edge stencil is only O(h²) there anyway).
    """
    if system.kinetic_weight is not None:   # −∇·(κ∇) is not the Laplacian the drive compensates
        return system.scatter(u)
    h2 = system.grid.cell_area
    corr = u - (h2 / 24.0) * (system.laplacian @ u)
    corr[system.n_film:] = u[system.n_film:]           # hole values are exact boundary values
    edge = system.index[_edge_nodes(system)]
    corr[edge] = u[edge]
    return system.scatter(corr)


def stream_gradient(system: StreamFunctionSystem, u: np.ndarray) -> np.ndarray:
    """(∂_x g, ∂_y g) on the grid, 0 off the film.

    Fourth-order central differences where two film nodes lie on each side, otherwise the
    three-point formula on the (possibly unequal) distances to the two neighbours; a neighbour
    across an edge is replaced by the boundary point θh away with the boundary value (0 outside,
    I_k on hole k). Second order at the edges, fourth order inside.
    """
    geo, g = system.geometry, system.grid
    h = g.spacing
    gf = corrected_stream_function(system, u)
    lab = geo.labels
    film = (lab == FILM)
    hole_value = np.concatenate([[0.0], u[system.n_film:]])  # label 0 → unused, k+1 → I_k
    out = np.zeros((2,) + g.shape)
    for comp, axis in ((0, 1), (1, 0)):
        fr = np.roll(gf, -1, axis=axis).ravel().copy()
        fl = np.roll(gf, +1, axis=axis).ravel().copy()
        hr = np.full(gf.size, h)
        hl = np.full(gf.size, h)
        plus, minus = geo.links(axis)
        for links, f, d in ((plus, fr, hr), (minus, fl, hl)):
            d[links.node] = links.fraction * h
            f[links.node] = np.where(links.label == OUTSIDE, 0.0,
                                     hole_value[np.maximum(links.label, 0)])
        f0 = gf.ravel()
        deriv = (hl**2 * fr - hr**2 * fl + (hr**2 - hl**2) * f0) / (hl * hr * (hl + hr))
        wide = (film & np.roll(film, 1, axis) & np.roll(film, -1, axis)
                & np.roll(film, 2, axis) & np.roll(film, -2, axis)).ravel()
        wide[_edge_nodes(system)] = False
        fr2 = np.roll(gf, -2, axis=axis).ravel()
        fl2 = np.roll(gf, +2, axis=axis).ravel()
        deriv[wide] = ((8 * (fr - fl) - (fr2 - fl2)) / (12 * h))[wide]
        deriv[~film.ravel()] = 0.0
        out[comp] = deriv.reshape(g.shape)
    return out


@dataclass(eq=False)
class FiniteFilmSolution:
    """Fields and energies of one solve on a finite film (see :func:`solve_finite_film`).

    Attributes
    ----------
    a : ndarray (2, ny, nx) or None
        The source (read-only copy); None for a field-only solve.
    grid, geometry, pearl_length, stiffness
        What was solved.
    applied_field : float or ndarray (ny, nx)
        Applied B_z in the film plane (units of ``field_z``).
    info : dict
        ``iterations``, ``residual``, ``seconds`` of the conjugate-gradient solve.
    """

    system: StreamFunctionSystem = field(repr=False)
    u: np.ndarray = field(repr=False)
    a: np.ndarray | None
    source_curl: np.ndarray = field(repr=False)
    applied_field: Any
    stiffness: float
    info: dict
    boundary: str = "open"
    islands: list | None = None
    coupling: float | None = None
    film: Any = None
    """The :class:`~solver.film.Film` solved (set by :func:`solver.solve`)."""
    _fields: dict = field(default_factory=dict, repr=False)

    @property
    def operator(self) -> StreamFunctionSystem:
        """The assembled system (FFT backend at ``operator.fft``)."""
        return self.system

    def to_dataset(self, heights: float | tuple[float, ...] = (0.0,), *, length_unit: str = "um",
                   progress: bool = False):
        """This solution as an :class:`xarray.Dataset` (see :mod:`solver.io.dataset`): the infinite-
        film variables plus ``g`` (stream function), ``film_mask`` and, as attributes, the
        outline/holes (JSON vertices), applied field, fluxoids, hole currents and moment."""
        return hooks.call("to_dataset", self, heights, length_unit=length_unit, progress=progress)

    # ---- what was solved ------------------------------------------------------------------
    @property
    def grid(self) -> Grid:
        return self.system.grid

    @property
    def geometry(self) -> FilmGeometry:
        return self.system.geometry

    @property
    def pearl_length(self) -> float:
        return self.system.pearl_length

    @property
    def _mu0_half(self) -> float:
        """μ0/2 = 1/(s r0) in the package's units (0 for r0 = inf)."""
        return 0.0 if math.isinf(self.pearl_length) else 1.0 / (self.stiffness * self.pearl_length)

    # ---- primary results -------------------------------------------------------------------
    @cached_property
    def _raw(self) -> np.ndarray:
        """The solved nodal g_h (energies and moments are exact quadratures of it)."""
        return self.system.scatter(self.u)

    @cached_property
    def stream_function(self) -> np.ndarray:
        """g (ny, nx): j = ∇×(g ẑ); 0 outside, I_k on hole k (current units)."""
        return _readonly(corrected_stream_function(self.system, self.u))

    @cached_property
    def hole_currents(self) -> np.ndarray:
        """I_k, the current circulating counter-clockwise around each hole (current units)."""
        return _readonly(self.u[self.system.n_film:].copy())

    @cached_property
    def current(self) -> np.ndarray:
        """Sheet current j = (∂_y g, −∂_x g), shape (2, ny, nx); 0 off the film."""
        grad = stream_gradient(self.system, self.u)
        return _readonly(np.stack([grad[1], -grad[0]]))

    @cached_property
    def vector_potential(self) -> np.ndarray:
        """A of the film's currents at z = 0 (Coulomb gauge), shape (2, ny, nx); the applied
        field's vector potential is not included."""
        if self._mu0_half == 0.0:
            return _readonly(np.zeros((2,) + self.grid.shape))
        return _readonly(self._mu0_half * self.system.sheet.potential(self.stream_function))

    def field_z(self, height: float = 0.0) -> np.ndarray:
        """B_z of the film's currents at ``height`` z >= 0, shape (ny, nx) (applied field not
        included: see :meth:`total_field_z`)."""
        z = checks.nonnegative("height", height)
        if z not in self._fields:
            if self._mu0_half == 0.0:
                value = np.zeros(self.grid.shape)
            else:
                value = self._mu0_half * self.system.sheet.field(self.stream_function, z)
            self._fields[z] = _readonly(value)
        return self._fields[z]

    def total_field_z(self, height: float = 0.0) -> np.ndarray:
        """B_z of the currents plus the applied field (a uniform applied field at any height; an
        applied-field map only at height 0)."""
        z = checks.nonnegative("height", height)
        if np.ndim(self.applied_field) and z != 0.0:
            raise ValueError("height must be 0 for an applied-field map (its value above the film "
                             "depends on where its sources are); use field_z for the film's part")
        return _readonly(self.field_z(z) + self.applied_field)

    # ---- energies and integrals ------------------------------------------------------------
    @cached_property
    def grid_energy(self) -> float:
        """−½ ∫ j·a d²r of the map on the grid (= −½ ∫ g ẑ·∇×a over film and holes, Stokes),
        >= 0 for a source alone (stiffness × a² × length²)."""
        return -0.5 * self.grid.cell_area * float(np.sum(self._raw * self.source_curl))

    @cached_property
    def edge_energy(self) -> float:
        """Self energy of the recorded islands' sharp edges that the grid cannot hold, when the
        map is their ``exchange_map`` (:func:`solver.spectral.edge_energy.recorded_edge_energy`)."""
        from .edge_energy import recorded_edge_energy

        if self.film is None:
            return 0.0
        return recorded_edge_energy(self.a, self.islands, self.grid, self.film, self.coupling)

    @cached_property
    def energy(self) -> float:
        """F = −½ ∫ j·a d²r: :attr:`grid_energy` plus :attr:`edge_energy` (as for
        :class:`~solver.spectral.solution.Solution`)."""
        return self.grid_energy + self.edge_energy

    def interaction_with(self, other: "FiniteFilmSolution") -> float:
        """F_12 = −∫ j[self]·a[other] d²r (reciprocal: equals other.interaction_with(self))."""
        if other.system is not self.system:
            raise ValueError("other must be solved on the same grid, film and Pearl length")
        return -self.grid.cell_area * float(np.sum(self._raw * other.source_curl))

    @cached_property
    def kinetic_energy(self) -> float:
        """∫ |j|²/(2s) d²r over the film."""
        return 0.5 * self.grid.cell_area * float(np.sum(self.current**2)) / self.stiffness

    @cached_property
    def magnetic_energy(self) -> float:
        """½ ∫ j·A d²r: the energy of the currents' own field (0 for r0 = inf)."""
        return 0.5 * self.grid.cell_area * float(np.sum(self.current * self.vector_potential))

    @cached_property
    def magnetic_moment(self) -> float:
        """m_z = ½ ∫ r × j d²r = ∫ g d²r (current × length²)."""
        return self.grid.cell_area * float(np.sum(self._raw))

    @cached_property
    def fluxoids(self) -> np.ndarray:
        """Φ_k = ∮ (A + A_app + a + j/s)·dl counter-clockwise around each hole (units of ∮A·dl),
        from the discrete stationarity condition of the hole current."""
        sysm = self.system
        if sysm.n_holes == 0:
            return _readonly(np.zeros(0))
        h2 = self.grid.cell_area
        drive = sysm.gather(self.source_curl + self.applied_field)
        grad = sysm.matvec(self.u)
        phi = h2 * (grad / self.stiffness + drive)
        return _readonly(phi[sysm.n_film:].copy())


def solve_finite_film(a: np.ndarray | None, system: StreamFunctionSystem, *, stiffness: float = 1.0,
                      applied_field: Any = None, fluxoids: Any = None, hole_currents: Any = None,
                      tol: float = 1e-10, islands=None, coupling=None,
                      film: Any = None) -> FiniteFilmSolution:
    """Solve the finite film ``system`` for the source ``a`` and an applied field.

    Parameters
    ----------
    a : ndarray (2, ny, nx) or None
        Effective gauge field on the grid (only its part over the film acts).
    system : StreamFunctionSystem
    stiffness : float
        Sheet stiffness s (> 0).
    applied_field : float or ndarray (ny, nx), optional
        Applied B_z in the film plane (units of ``field_z``); default 0.
    fluxoids : sequence of float, optional
        Fluxoid of each hole (units of ∮A·dl, see :mod:`solver.finite_solution`); default 0.
    hole_currents : sequence of float or None, optional
        Prescribed circulating current of each hole (None entries: fluxoid prescribed instead).
    tol : float
        Relative residual of the conjugate-gradient solve.
    """
    grid = system.grid
    s = checks.positive("stiffness", stiffness)
    n_h = system.n_holes
    if a is None:
        a_copy = None
        curl = np.zeros(grid.shape)
    else:
        a_copy = _readonly(np.array(checks.finite_array("a", a, (2,) + grid.shape)))
        curl = source_drive(a_copy, grid, system.fft)
    if applied_field is None:
        b_app: Any = 0.0
    elif np.ndim(applied_field) == 0:
        b_app = checks.finite_real("applied_field", applied_field)
    else:
        b_app = _readonly(np.array(checks.finite_array("applied_field", applied_field, grid.shape)))
    phi = np.zeros(n_h) if fluxoids is None else checks.finite_array("fluxoids", fluxoids, (n_h,))
    fixed: dict[int, float] = {}
    if hole_currents is not None:
        if len(hole_currents) != n_h:
            raise ValueError(f"hole_currents must have one entry per hole ({n_h}), got "
                             f"{len(hole_currents)}")
        for k, value in enumerate(hole_currents):
            if value is not None:
                fixed[k] = checks.finite_real(f"hole_currents[{k}]", value)
    rhs = -s * system.gather(curl + b_app)
    rhs[system.n_film:] += s * phi / grid.cell_area
    u, info = system.solve(rhs, tol=tol, fixed=fixed or None)
    return FiniteFilmSolution(system=system, u=_readonly(u), a=a_copy, source_curl=_readonly(curl),
                              applied_field=b_app, stiffness=s, info=info, islands=islands,
                              coupling=coupling, film=film)
