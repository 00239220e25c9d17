"""Self and pair energies of islands, and their 2×2 coupling tensors.

For islands i, j with shape functions S_i and unit moments along x or y, the coupling tensor
C_ij[α, β] = −∫ j[i, e_α]·a[j, e_β] d²r gives the interaction energy of any moments,
F_ij = μ_i · C_ij · μ_j, and the self energy F_ii = ½ μ_i · C_ii · μ_i (F = −½ ∫ j·a).
For point dipoles C_ij = −Z ∂_α∂_β V(r_ij) (paper Eq. 6), so in the pair frame (∥ along r_ij)
C_∥∥ = −J∥ and C_⊥⊥ = J⊥ (Eqs. 8–9): :meth:`InteractionEnergies.couplings` returns these
effective J⊥, J∥ of finite islands, to compare with ``solver.keldysh.couplings``.

All 2N unit-moment sources share one operator and one transform per island (the unit sources
are ±g S_i in one component), done as batched multi-field FFTs; all energies are Parseval sums
(no inverse transform), evaluated for all pairs at once as three real matrix products.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .._common import checks
from .fft import FFTBackend
from ..model.film import Film
from ..model.grid import Grid
from .maxwell_london import BOUNDARIES, get_operator
from .operators import OpenOperator, PeriodicOperator, half_spectrum_weights
from ..model.sources import Island, check_island_on_grid
from .edge_energy import edge_energy_tensors

__all__ = ["interaction_energies", "InteractionEnergies", "memory_estimate"]


@dataclass(frozen=True)
class InteractionEnergies:
    """Energy decomposition of an island set (energies in stiffness × g² × moment² units).

    Attributes
    ----------
    islands : list of Island
    tensors : ndarray (N, N, 2, 2)
        C_ij; symmetric: C_ij = C_jiᵀ (reciprocity).
    self_energies : ndarray (N,)
        ½ μ_i·C_ii·μ_i.
    pair_energies : ndarray (N, N)
        μ_i·C_ij·μ_j for i ≠ j, 0 on the diagonal.

    A value: the arrays are read-only (in-place changes raise instead of corrupting
    :attr:`total` and :meth:`couplings`); copy one to modify it.
    """

    islands: list
    tensors: np.ndarray
    self_energies: np.ndarray
    pair_energies: np.ndarray

    def __post_init__(self) -> None:
        # read-only views (no copy: interaction_energies hands over fresh arrays it keeps no
        # reference to); the flag of a view does not touch the array it was made from
        for name in ("tensors", "self_energies", "pair_energies"):
            arr = np.asarray(getattr(self, name), dtype=float).view()
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "islands", list(self.islands))

    @property
    def total(self) -> float:
        """Total energy Σ_i F_ii + Σ_{i<j} F_ij (equals ``solve(...).energy`` of all islands)."""
        return float(self.self_energies.sum() + 0.5 * self.pair_energies.sum())

    def couplings(self, i: int, j: int) -> tuple[float, float]:
        """Effective (J⊥, J∥) of the pair (i, j): C in the frame with ∥ along r_i − r_j.

        Parameters
        ----------
        i, j : int
            Indices of two different islands, 0 <= i, j < N (no negative indices).

        Returns
        -------
        (float, float)
            J⊥ and J∥ (energy per unit moment², stiffness × g² units, like :attr:`tensors`).

        Raises
        ------
        ValueError
            Non-integer (bool, float, string) or out-of-range indices, i == j, or two islands
            sharing a centre (no pair axis).
        """
        i, j = self._index("i", i), self._index("j", j)
        if i == j:
            raise ValueError(f"i and j must be two different islands (a pair), got i = j = {i}")
        ri = np.asarray(self.islands[i].center)
        rj = np.asarray(self.islands[j].center)
        d = ri - rj
        dist = np.hypot(*d)
        if dist == 0:
            raise ValueError(f"islands {i} and {j} share a centre: no pair axis")
        par = d / dist
        perp = np.array([-par[1], par[0]])
        C = self.tensors[i, j]
        return float(perp @ C @ perp), float(-(par @ C @ par))

    def _index(self, name: str, value) -> int:
        """``value`` as an island index in [0, N), else a ValueError naming ``name``."""
        n = len(self.islands)
        ok = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
        if not ok or not 0 <= value < n:
            raise ValueError(f"{name} must be an integer island index in [0, {n - 1}], got "
                             f"{value!r} ({type(value).__name__})")
        return int(value)


CHUNK_BYTES = 32 * 2**20
"""Bytes of the spectrum rows of all islands in one matrix product of :func:`_coupling_tensors`
(a chunk holds at least one row)."""


def _chunk_bytes(n: int, cols: int) -> int:
    """Bytes of one chunk of :func:`_coupling_tensors`' rows for ``n`` spectra of ``cols``."""
    row = 16 * cols * max(n, 1)
    return max(1, CHUNK_BYTES // row) * row


def _coupling_tensors(spectra: np.ndarray, op, prefactor: float) -> np.ndarray:
    """C_ij for all pairs at once from the shape spectra Ŝ_i (n, ky, kx) (half spectra).

    Unit moment e_x -> a = (0, −gS); e_y -> a = (gS, 0). With ĵ = −s T â and
    T = (ẑ×q)(ẑ×q)ᵀ f, C[α,β] = −∫ j[i,α]·a[j,β] = s Σ w Re(e'_β · T e'_α Ŝ_i Ŝ_j*),
    e'_x = (0, −1), e'_y = (1, 0): e'_x·T e'_x = T_yy = m_xx, e'_y·T e'_y = T_xx = m_yy,
    e'_x·T e'_y = −T_yx = m_xy. Each component is one real matrix product
    Re Σ_k w m Ŝ_i Ŝ_j* = X_i · diag(w m) · X_j with X the (re, im) pairs of Ŝ (BLAS GEMM),
    accumulated over blocks of rows whose multiplier rows are unfolded from the operator's
    quarter tables (:meth:`~solver.spectral.operators.BaseOperator.current_tensor_rows`).
    """
    n, rows, cols = spectra.shape
    w = half_spectrum_weights(op.solve_grid.nx)
    tensors = np.zeros((n, n, 2, 2))
    step = max(1, CHUNK_BYTES // max(1, 16 * cols * n))
    for start in range(0, rows, step):
        stop = min(rows, start + step)
        X = np.ascontiguousarray(spectra[:, start:stop]).reshape(n, -1).view(np.float64)
        for (a, b), name in (((0, 0), "xx"), ((1, 1), "yy"), ((0, 1), "xy")):
            m = op.current_tensor_rows(name, start, stop)
            d = np.repeat((prefactor * w * m).ravel(), 2)
            tensors[:, :, a, b] += (X * d) @ X.T
    for a, b in ((0, 0), (1, 1), (0, 1)):
        c = tensors[:, :, a, b]
        c = 0.5 * (c + c.T)  # symmetric in exact arithmetic (C_ij = C_jiᵀ); remove round-off
        tensors[:, :, a, b] = c
        tensors[:, :, b, a] = c
    return tensors


def memory_estimate(n_islands: int, grid: Grid, boundary: str = "open", *,
                    operator: bool = True) -> float:
    """Peak bytes of :func:`interaction_energies` for ``n_islands`` islands on ``grid``.

    The island part is the larger of its two phases: the shape functions, their complex128
    spectra (on the 2× padded grid for ``open``) and one batch of row stages of the pruned
    forward transforms (:meth:`~solver.operators.BaseOperator.shape_spectra_memory`); then the
    spectra, one chunk of their rows copied out and weighted in the real matrix products
    (at most ``CHUNK_BYTES``) with the multiplier rows unfolded from the quarter tables, and the
    (N, N) coupling matrices (the 2×2 tensors and three temporaries), plus 1 MiB of small
    arrays and objects. ``operator=True`` adds the operator's own estimate
    (``tests/test_interactions.py`` checks it bounds the traced peak within 2×).
    """
    cls = OpenOperator if boundary == "open" else PeriodicOperator
    n = int(n_islands)
    spectra, batch = cls.shape_spectra_memory(grid, n)
    cols = cls.padding * grid.nx // 2 + 1
    rows = cls.padding * grid.ny
    chunk = min(spectra, _chunk_bytes(n, cols))
    # per chunk: the rows copied out, their weighted copy, and the unfolded multiplier rows
    # (3 float64 tables, their weighted product and its interleaved repeat)
    multiplier = 8 * (3 + 3) * min(rows, chunk // max(1, 16 * cols * n)) * cols
    pairs = 7 * n * n * 8
    islands = max(n * grid.bytes_per_field() + spectra + batch,
                  spectra + 2 * chunk + multiplier + pairs) + 2**20
    return islands + (cls.memory_estimate(grid) if operator else 0.0)


def interaction_energies(islands: Sequence[Island], grid: Grid, film: Film, boundary: str = "open",
                         coupling: float = 1.0, fft: FFTBackend | None = None) -> InteractionEnergies:
    """Self energies, pair energies and 2×2 coupling tensors of ``islands`` on ``film``.

    Parameters
    ----------
    islands : sequence of Island
    grid : Grid
    film : Film
    boundary : {"open", "periodic"}
    coupling : float
        g (the tensors scale as g²).
    fft : FFTBackend, optional

    Returns
    -------
    InteractionEnergies

    Examples
    --------
    >>> import solver
    >>> islands = [solver.Island.disk(center=(-1.0, 0.0), radius=0.4),
    ...            solver.Island.disk(center=(1.0, 0.0), radius=0.4)]
    >>> ie = solver.interaction_energies(islands, solver.Grid((64, 64), 0.1),
    ...                                  solver.Film(pearl_length=2.0))
    >>> round(float(ie.pair_energies[0, 1]), 4)  # parallel moments along the axis: F_12 < 0
    -0.0317
    >>> [round(float(j), 4) for j in ie.couplings(0, 1)]  # (J_perp, J_par)
    [0.0216, 0.0317]
    """
    if not isinstance(grid, Grid):
        raise ValueError(f"grid must be a solver.Grid, got {type(grid).__name__}")
    if not isinstance(film, Film):
        raise ValueError(f"film must be a solver.Film, got {type(film).__name__}")
    islands = list(islands)
    if not islands or not all(isinstance(i, Island) for i in islands):
        raise ValueError("islands must be a non-empty sequence of solver.Island")
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary must be 'open' or 'periodic', got {boundary!r}")
    g = checks.finite_real("coupling", coupling)
    if film.finite:
        return _finite_film_energies(islands, grid, film, boundary, g, fft)
    periodic = boundary == "periodic"
    op = get_operator(grid, film.pearl_length, boundary, fft)
    n = len(islands)
    for k, isl in enumerate(islands):
        check_island_on_grid(isl, grid, periodic, index=k)
    op.current_multiplier  # built (if new) under the operator's memory check
    checks.memory_fits(f"interaction_energies of {n} islands on a {grid.shape} {boundary} grid",
                       memory_estimate(n, grid, boundary, operator=False),
                       hint="use fewer islands or a smaller grid (shape)")
    shapes = np.empty((n,) + grid.shape)
    for k, isl in enumerate(islands):
        shapes[k] = isl.shape_function(grid, periodic=periodic)
    shapes *= g
    # spectra of g S_k: one transform per island, batched
    spectra = op.shape_spectra(shapes)
    del shapes
    tensors = _coupling_tensors(spectra, op, op.norm * film.stiffness)
    del spectra
    return _energies(islands, grid, film, g, tensors)


def _energies(islands: list, grid: Grid, film: Film, g: float,
              tensors: np.ndarray) -> InteractionEnergies:
    """Self and pair energies of the islands' moments from the grid's coupling tensors, with the
    self energy of the sharp edges the grid cannot hold added to C_ii (0 for smooth islands:
    :func:`solver.spectral.edge_energy.edge_energy_tensors`; a high-q, local term, the same on
    infinite, periodic and finite films)."""
    idx = np.arange(len(islands))
    tensors[idx, idx] += edge_energy_tensors(islands, grid, film, g)
    moments = np.array([isl.moment for isl in islands])
    energies = np.einsum("ia,ijab,jb->ij", moments, tensors, moments)
    self_e = 0.5 * np.diag(energies).copy()
    pair = energies - np.diag(np.diag(energies))
    return InteractionEnergies(islands, tensors, self_e, pair)


def _finite_film_energies(islands: list, grid: Grid, film: Film, boundary: str, g: float,
                          fft: FFTBackend | None) -> InteractionEnergies:
    """:func:`interaction_energies` on a finite film: one stream-function solve per island and
    moment direction (:func:`solver.finite.finite_interaction_tensors`); the tensors then
    depend on the islands' positions, not only on their separations."""
    from .finite import finite_interaction_tensors, shape_stack

    if boundary != "open":
        raise ValueError(f"boundary must be 'open' for a finite film (Film with an outline), "
                         f"got {boundary!r}")
    for k, isl in enumerate(islands):
        check_island_on_grid(isl, grid, False, index=k)
    n = len(islands)
    checks.memory_fits(f"interaction_energies of {n} islands on a finite film on a {grid.shape} "
                       "grid", 5.0 * n * grid.ny * grid.nx * 8,
                       hint="use fewer islands or a smaller grid (shape)")
    tensors = finite_interaction_tensors(shape_stack(islands, grid), grid, film, g, fft)
    return _energies(islands, grid, film, g, tensors)
