"""The self energy of island edges below the grid scale (added to grid energies).

A sharp or narrow island edge is put on the grid with the width of one cell
(:meth:`solver.model.islands.Island.raster_edge`); what that removes from the island's *self*
energy — the high-q, Porod part of the sharp edge — is returned here: exactly (1-D Hankel
quadrature of the form factors) for disks, from the Porod law of the edges (leading order in
h/size) for ellipses, rectangles and polygons. It needs the Pearl kernel K(q)
(:mod:`solver.spectral.kernels`), hence this layer.
"""
from __future__ import annotations

import functools
import math
from typing import Sequence

import numpy as np
from scipy.integrate import quad
from scipy.special import j1

from .._common import checks
from ..model.film import Film
from ..model.grid import Grid
from ..model.islands import Island
from . import kernels

__all__ = ["disk_edge_energy", "edge_energy", "edge_energy_tensors", "edge_spectrum_integral",
           "recorded_edge_energy"]

_GL16 = np.polynomial.legendre.leggauss(16)


def _gauss_legendre(edges: np.ndarray, order: tuple[np.ndarray, np.ndarray] = _GL16
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of composite Gauss–Legendre on the panels ``edges``."""
    x, w = order
    a, b = edges[:-1, None], edges[1:, None]
    return (0.5 * (b - a) * x + 0.5 * (a + b)).ravel(), (0.5 * (b - a) * w).ravel()



def _edge_density(x: np.ndarray, s: float, tau2: float) -> np.ndarray:
    """−dp/dd = φ_s(x) [1 + (τ²/(2 s²))(1 − x²/s²)] (1/length), unit integral."""
    z = x / s
    return np.exp(-0.5 * z * z) / (math.sqrt(2 * math.pi) * s) * (1 + tau2 / (2 * s * s) * (1 - z * z))


def _edge_power(k: np.ndarray, s: float, tau2: float) -> np.ndarray:
    """|b(k)|² = e^{−k²s²}(1 + k²τ²/2)²: the edge's transform across the boundary, squared."""
    k2 = np.asarray(k, dtype=float) ** 2
    return np.exp(-k2 * s * s) * (1 + 0.5 * k2 * tau2) ** 2


@functools.lru_cache(maxsize=256)
def edge_spectrum_integral(sigma: float, s: float, tau2: float, pearl_length: float) -> float:
    """I = ∫_0^∞ K(k) [e^{−k²σ²} − |b_r(k)|²]/k² dk (length), b_r the rasterised edge (s, τ²).

    The self energy a requested edge of width σ has beyond the rasterised one, per unit
    Porod weight (see :func:`edge_energy_tensors`); K the Pearl kernel. The bracket is O(k⁴)
    at small k, so the integrand is regular; with k = t/s the quadrature is scale-free, and
    beyond t = 40 only e^{−k²σ²} K/k² is left (integrated to infinity).
    """
    def K(k: float) -> float:
        return float(kernels.pearl_kernel(k, pearl_length))

    def f(t: float) -> float:
        if t == 0:
            return 0.0
        k = t / s
        return K(k) * (math.exp(-(k * sigma) ** 2) - float(_edge_power(k, s, tau2))) / (k * k) / s

    edges = [0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 40.0]
    if not math.isinf(pearl_length) and 0 < s / pearl_length < 40.0:
        edges = sorted(set(edges + [s / pearl_length]))
    head = sum(_quad(f, a, b) for a, b in zip(edges[:-1], edges[1:]))
    k_top = 40.0 / s
    if sigma == 0:  # ∫_{k_top}^∞ K/k² dk = r0 ln(1 + 1/(k_top r0))
        r0 = pearl_length
        tail = 1.0 / k_top if math.isinf(r0) else r0 * math.log1p(1.0 / (k_top * r0))
    else:
        tail = _quad(lambda k: K(k) * math.exp(-(k * sigma) ** 2) / (k * k), k_top, math.inf)
    return head + tail


def _quad(f, a: float, b: float) -> float:
    """∫_a^b f by adaptive quadrature at 1e-12 relative. Panels whose integrand is near round-off
    cannot reach that tolerance; quad's message about it is taken as a return value
    (``full_output``) rather than issued as a warning, which would need the process-wide,
    thread-unsafe warning filters to silence (solves run in parallel threads)."""
    return quad(f, a, b, epsabs=0.0, epsrel=1e-12, limit=200, full_output=1)[0]


def _disk_spectrum(k: np.ndarray, radius: float, s: float, tau2: float) -> np.ndarray:
    """Normalised transform S(k) of the disk with the edge profile (s, τ²) (S(0) = 1).

    s = 0: 2 J1(kR)/(kR). Otherwise S N = (2π/k) ∫ r J1(k r) ψ(r − R) dr, N = π ∫ r² ψ(r − R) dr
    (integration by parts; ψ = :func:`_edge_density`), by Gauss–Legendre over R ± 10 s with
    panels of half a period of J1(k_max r).
    """
    k = np.asarray(k, dtype=float)
    if s == 0:
        x = k * radius
        safe = np.where(x > 0, x, 1.0)
        return np.where(x > 0, 2.0 * j1(safe) / safe, 1.0)
    lo, hi = max(0.0, radius - 10.0 * s), radius + 10.0 * s
    n_osc = int(k.max() * (hi - lo) / math.pi) + 1 if k.size else 1
    r, w = _gauss_legendre(np.linspace(lo, hi, max(4, n_osc) + 1))
    weight = w * r * _edge_density(r - radius, s, tau2)
    norm = math.pi * float(np.sum(weight * r))
    out = np.empty_like(k)
    step = max(1, 2_000_000 // r.size)
    for s0 in range(0, k.size, step):
        kk = k[s0:s0 + step]
        safe = np.where(kk > 0, kk, 1.0)
        val = 2 * math.pi * (j1(np.outer(safe, r)) @ weight) / safe
        out[s0:s0 + step] = np.where(kk > 0, val / norm, 1.0)
    return out


@functools.lru_cache(maxsize=256)
def disk_edge_energy(radius: float, sigma: float, s: float, tau2: float, pearl_length: float) -> float:
    """D = ∫_0^∞ q K(q) (|S_σ(q)|² − |S_r(q)|²) dq (1/length²): exact, for a disk of ``radius``.

    S_σ is the requested disk (erfc edge of width σ, sharp for σ = 0), S_r the rasterised one
    (edge (s, τ²), :meth:`Island.raster_edge`). The self energy of a disk (moment μ, coupling
    g, stiffness s) is s g² μ²/(8π) ∫ q K |S|² dq, so the grid misses s g² μ² D/(8π).
    Composite Gauss–Legendre on panels of π/R up to Q = max(14/s, 400/R), where |S_r|² <
    e^{−190}; above Q the Porod law |S_σ|² = 4πR e^{−q²σ²}/(q³N²), N = π(R² + σ²), averaged
    over its oscillation (relative error ~ 1/(QR)² of a tail that is itself ≲ s/R).
    """
    R = radius
    q_top = max(14.0 / s, 400.0 / R)
    n_pan = int(math.ceil(q_top * R / math.pi))
    q, w = _gauss_legendre(np.linspace(0.0, q_top, n_pan + 1))
    K = kernels.pearl_kernel(q, pearl_length)
    # each spectrum only where it is above e^{−98} in |S|²: below 14/width (whole range if sharp)
    wanted = np.zeros_like(q)
    for width, t2, sign in ((sigma, 0.0, 1.0), (s, tau2, -1.0)):
        live = q < (14.0 / width if width > 0 else np.inf)
        wanted[live] += sign * _disk_spectrum(q[live], R, width, t2) ** 2
    body = float(np.sum(w * q * K * wanted))
    norm = math.pi * (R * R + sigma * sigma)
    r0 = pearl_length
    if sigma == 0:  # ∫_Q^∞ K/q² dq = r0 ln(1 + 1/(Q r0))
        tail = 1.0 / q_top if math.isinf(r0) else r0 * math.log1p(1.0 / (q_top * r0))
    else:
        tail = _quad(lambda k: float(kernels.pearl_kernel(k, r0)) * math.exp(-(k * sigma) ** 2)
                     / (k * k), q_top, math.inf)
    return body + 4 * math.pi * R / norm**2 * tail


def _normal_tensor(island: "Island") -> np.ndarray:
    """∮ n nᵀ ds over the island's boundary (length), n the outward unit normal."""
    return island.shape.normal_tensor(island.params)


def edge_energy_tensors(islands: Island | Sequence[Island], grid: Grid, film: Film,
                        coupling: float = 1.0) -> np.ndarray:
    """Self-energy tensors ΔC_i of the edges the grid cannot hold (add to C_ii).

    An island of edge width σ < s_min = ``RASTER_EDGE_CELLS`` · h is put on the grid with the
    edge (s, τ²) of :meth:`Island.raster_edge`, whose transform across the boundary is
    b_r(k) = e^{−k²s²/2}(1 + k²τ²/2) instead of e^{−k²σ²/2}. The grid's self energy of the
    island then lacks ΔF_i = ½ μ_i · ΔC_i · μ_i, the part of ∫ K (q̂·μ)² |S_i|² between the two
    edges (it is where the grid cannot reach: q ≳ 1/h). Pair energies need none: b_r = e^{−k²σ²/2}
    (1 + O(k⁴τ⁴)) at the wavevectors that couple two islands (errors O((h/R)⁴), measured in
    tests/test_rasterise.py). Gaussians, masks (taken as given) and islands with
    edge_width ≥ s_min get 0.

    * disk: ΔC = s g² D/(4π) 𝟙 with the exact D of :func:`disk_edge_energy`;
    * other shapes, from the Porod law of the edges: an edge element with outward normal n
      contributes to |S(q)|² only along q ∥ ±n, |S(q)|² ≈ (2π/(A² q³)) Σ_{n ∥ ±q̂} |ds/dθ| |b(q)|²,
      which gives ΔC = (s g²/(π A²)) ∮ n nᵀ ds · I, I = ∫ K (e^{−k²σ²} − |b_r|²)/k² dk
      (:func:`edge_spectrum_integral`). Leading order in h/size: corners and curvature leave
      O((h/size)²) (measured ≤ 5e-4 at 5 cells, order 1.7 for rectangles, 2.7 for ellipses).

    Parameters
    ----------
    islands : Island or sequence of Island
    grid : Grid
    film : Film
        Its Pearl length and stiffness s.
    coupling : float
        g (the tensors scale as g²).

    Returns
    -------
    ndarray, shape ``(N, 2, 2)``
        In stiffness × g² units (like ``InteractionEnergies.tensors``).
    """
    if isinstance(islands, Island):
        islands = [islands]
    islands = list(islands)
    if not isinstance(grid, Grid):
        raise ValueError(f"grid must be a solver.Grid, got {type(grid).__name__}")
    if not isinstance(film, Film):
        raise ValueError(f"film must be a solver.Film, got {type(film).__name__}")
    g = checks.finite_real("coupling", coupling)
    r0, stiff = film.pearl_length, film.stiffness
    out = np.zeros((len(islands), 2, 2))
    for i, isl in enumerate(islands):
        if not isinstance(isl, Island):
            raise ValueError(f"islands[{i}] must be an Island, got {type(isl).__name__}")
        if isl.shape.sampled:
            continue
        s, tau2 = isl.raster_edge(grid.spacing)
        if tau2 == 0:
            continue
        sigma = isl.edge_width
        # both integrals are evaluated in units of the raster edge s (scale-free: lengths of
        # 1e±150 neither overflow nor underflow) and scaled back: D ∝ 1/length², I ∝ length
        if isl.kind == "disk":
            d = disk_edge_energy(isl.params["radius"] / s, sigma / s, 1.0, tau2 / (s * s),
                                 r0 / s) / s
            out[i] = (stiff * g) * (g * d / s) / (4 * math.pi) * np.eye(2)
        else:
            gap = edge_spectrum_integral(sigma / s, 1.0, tau2 / (s * s), r0 / s) * s
            area = isl.area
            out[i] = (stiff * g) * (g / area) * (gap / area) / math.pi * _normal_tensor(isl)
    return out


def edge_energy(islands: Island | Sequence[Island], grid: Grid, film: Film,
                coupling: float = 1.0) -> float:
    """Σ_i ½ μ_i · ΔC_i · μ_i: the self energy of the sub-grid edges (add to the grid energy of
    ``exchange_map(islands, grid, coupling)``; see :func:`edge_energy_tensors`)."""
    if isinstance(islands, Island):
        islands = [islands]
    islands = list(islands)
    dc = edge_energy_tensors(islands, grid, film, coupling)
    mu = np.array([isl.moment for isl in islands], dtype=float).reshape(-1, 2)
    return float(0.5 * np.einsum("ia,iab,ib->", mu, dc, mu))


def recorded_edge_energy(a, islands, grid, film, coupling, boundary: str = "open") -> float:
    """The sub-grid edge energy of ``islands`` (:func:`edge_energy`) when the map ``a`` is
    exactly ``exchange_map(islands, grid, coupling, boundary)`` (coupling 1 when None), else 0:
    what a solution adds to its grid energy for the islands recorded on it."""
    if not islands or a is None:
        return 0.0
    from ..model.sources import _exchange_map

    g = 1.0 if coupling is None else float(coupling)
    try:  # the map again, silently (its warnings were issued when it was first built)
        ref = _exchange_map(islands, grid, g, boundary, warn=False)
    except ValueError:
        return 0.0
    if not np.array_equal(ref, a):
        return 0.0
    return edge_energy(islands, grid, film, g)
