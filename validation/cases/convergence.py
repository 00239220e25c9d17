"""Case 5 — convergence in grid spacing and in box size, as observed orders.

* Gaussian pair (open): error vs the exact Hankel result as w/h grows — spectral: it follows the
  aliasing level e^{−π²(w/h)²/2} and reaches round-off once w/h ≳ 2.5.
* Sharp disk pair (open, lattice-symmetric): error vs the exact disk-averaged theory as R/h
  grows — algebraic, order ≈ 4 (the rasterised edge, ``Island.raster_edge``, keeps the
  island's spectrum to O(k⁴h⁴): area and second moments are those of the sharp disk).
* Periodic boxes of side L → ∞ vs the open boundary: images fall off as L⁻³ for L ≫ r0.
* Domain independence of the open boundary (grid margin 2 … 20 cells), and sharp vs smoothed
  edges for a rotated ellipse against the direct real-space sum over the same rasterised cells.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import xarray as xr

import solver
from solver import Film, Grid, Island, keldysh

from ..core import Case, Context, Result, observed_order
from ..finite_size import disk_coefficients, pair_coefficients, smeared_couplings
from ..hankel import gaussian_pair_couplings
from .geometry import pair_grid

KEY = "convergence"
D = 1.0


def _couplings(isl, grid, film, boundary="open") -> np.ndarray:
    return np.array(solver.interaction_energies(isl, grid, film, boundary).couplings(0, 1))


def _gaussian_h(fast: bool) -> tuple[np.ndarray, np.ndarray]:
    w, film = 0.1, Film(1.0)
    Z = film.dipole_constant()
    exact = np.array(gaussian_pair_couplings(D, 2 * w * w, film.pearl_length, Z))
    ratios = np.array([1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0] if fast else [1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 3.0, 4.0])
    isl = [Island.gaussian((-D / 2, 0.0), w), Island.gaussian((D / 2, 0.0), w)]
    err = []
    for q in ratios:
        grid = pair_grid(D, 8.7 * w, w / q)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", solver.UnresolvedIslandWarning)
            err.append(np.max(np.abs(_couplings(isl, grid, film) / exact - 1)))
    return ratios, np.array(err)


def _disk_h(fast: bool) -> tuple[np.ndarray, np.ndarray]:
    R, film = 0.2, Film(1.0)
    Z = film.dipole_constant()
    coef = pair_coefficients(disk_coefficients(R, 30), disk_coefficients(R, 30))
    exact = np.array(smeared_couplings(np.array(D), film.pearl_length, coef, Z))
    # from R/h = 12 on: below, the grid filter (kernels.spectral_filter) makes it pre-asymptotic
    cells = np.array([16, 32] if fast else [12, 16, 24, 32, 48])
    isl = [Island.disk((-D / 2, 0.0), R), Island.disk((D / 2, 0.0), R)]
    err = [np.max(np.abs(_couplings(isl, pair_grid(D, R, R / c, 4), film) / exact - 1)) for c in cells]
    return cells, np.array(err)


def _periodic_L(fast: bool) -> tuple[np.ndarray, np.ndarray]:
    w, h, film = 0.15, 0.0625, Film(0.2)
    isl = [Island.gaussian((-D / 2, 0.0), w), Island.gaussian((D / 2, 0.0), w)]
    ref = _couplings(isl, pair_grid(D, 8.7 * w, h), film)
    sizes = np.array([64, 128, 256] if fast else [64, 128, 256, 512])
    err = [np.max(np.abs(_couplings(isl, Grid((n, n), h), film, "periodic") / ref - 1)) for n in sizes]
    return sizes * h, np.array(err)


def _margin_spread(make, reach: float, h: float, film: Film) -> float:
    vals = np.array([_couplings([make(-1), make(1)], pair_grid(D, reach, h, m), film) for m in (2, 4, 6, 10, 20)])
    return float(np.max(np.abs(vals - vals[-1]) / np.abs(vals[-1])))


def _direct_sum(isl, grid, film) -> np.ndarray:
    """Σ_ij S1_i S2_j C(r_i − r_j) h⁴ with the analytic point tensor: the same rasterised source."""
    Z = film.dipole_constant()
    X, Y = grid.meshgrid()
    parts = []
    for island in isl:
        S = island.shape_function(grid)
        keep = np.abs(S) > 1e-15 * np.abs(S).max()  # the rasterised edge dips below 0
        parts.append((np.stack([X[keep], Y[keep]], -1), S[keep] * grid.cell_area))
    (p1, w1), (p2, w2) = parts
    total = np.zeros((2, 2))
    for k in range(0, len(w1), 256):
        disp = p1[k:k + 256, None, :] - p2[None, :, :]
        total += np.einsum("i,j,ijab->ab", w1[k:k + 256], w2, keldysh.coupling_tensor(disp, film.pearl_length, Z))
    return total


def _ellipse_vs_direct(edge_cells: float) -> float:
    s, film = 0.025, Film(1.0)
    h = s / 8                                       # semi-axes 8 × 4 cells
    isl = [Island.ellipse((sign * D / 2, 0.0), (s, s / 2), 0.6, edge_width=edge_cells * h) for sign in (-1, 1)]
    grid = pair_grid(D, s + 6 * edge_cells * h, h, 4)
    c_spec = solver.interaction_energies(isl, grid, film).tensors[0, 1]
    c_dir = _direct_sum(isl, grid, film)
    return float(np.max(np.abs(c_spec - c_dir)) / np.max(np.abs(c_dir)))


def run(ctx: Context) -> list[Result]:
    gq, gerr = _gaussian_h(ctx.fast)
    solver.clear_cache()
    dc, derr = _disk_h(ctx.fast)
    solver.clear_cache()
    L, perr = _periodic_L(ctx.fast)
    solver.clear_cache()
    big = L >= 8 * D
    p_disk = observed_order(1.0 / dc, derr)
    p_box = observed_order(L[big], perr[big])
    aliasing = np.exp(-(math.pi * gq) ** 2 / 2)
    resolved = gq >= 2.0

    f1 = Film(1.0)
    spread_g = _margin_spread(lambda sgn: Island.gaussian((sgn * D / 2, 0.0), 0.05), 8.7 * 0.05, 0.02, f1)
    h_disk = 0.2 / 16
    spread_d = _margin_spread(lambda sgn: Island.disk((sgn * D / 2, 0.0), 0.2), 0.2, h_disk, f1)
    solver.clear_cache()
    e_sharp = _ellipse_vs_direct(0.0)
    e_smooth = _ellipse_vs_direct(1.0)
    solver.clear_cache()
    _save(ctx, gq, gerr, aliasing, dc, derr, L, perr)

    return [
        Result.check(KEY, "Gaussian pair: spectral in h", "max rel error of (J⊥, J∥) vs Hankel quadrature for w/h ≥ 2",
                     gerr[resolved].max(), high=1e-10,
                     notes="errors " + ", ".join(f"w/h={q:g}: {e:.1e}" for q, e in zip(gq, gerr))
                           + "; super-algebraic (spectral) decay to the quadrature floor ~1e-12 by w/h ≈ 1.5"),
        Result.check(KEY, "sharp disk pair: order in h", "slope of max rel error of (J⊥, J∥) vs h/R, exact disk theory",
                     p_disk, low=3.0, high=5.0,
                     notes="R/h = " + ", ".join(f"{c}: {e:.1e}" for c, e in zip(dc, derr))
                           + "; R = 0.2, d = r0 = 1; fourth order (the rasterised edge of a sharp island "
                             "has the spectrum of the sharp edge up to O(k⁴h⁴)); ±1 for the pre-asymptotic "
                             "start and the theory's own floor"),
        Result.check(KEY, "periodic box → open: order in L", "slope of rel error vs box side L (L ≥ 8 d = 40 r0)",
                     p_box, low=-3.3, high=-2.7,
                     notes="L/r0 = " + ", ".join(f"{l / 0.2:g}: {e:.1e}" for l, e in zip(L, perr))
                           + "; image dipoles at distance L interact as r0/L³ once L ≫ r0 and L ≫ d"),
        Result.check(KEY, "open boundary: domain independence (Gaussian)",
                     "max rel change of (J⊥, J∥) as the grid margin goes 2 → 20 cells",
                     spread_g, high=1e-10, notes="band-limited source: the free-space kernel is exact"),
        Result.check(KEY, "open boundary: domain independence (sharp disk)",
                     "max rel change of (J⊥, J∥) over margins 2 → 20 cells, in units of (h/d)²",
                     spread_d / (h_disk / D) ** 2, high=3.0,
                     notes=f"R/h = 16: spread {spread_d:.1e}; sharp sources carry Nyquist content whose coupling "
                           "depends on the grid size (see the known issue below); kept within the O(h²) "
                           "discretisation envelope (same bound as case 3)"),
        Result.check(KEY, "rotated ellipse, edge_width = h: spectral = direct sum",
                     "max |C_spectral − C_direct| / max |C_direct|, same rasterised source, d = r0",
                     e_smooth, high=1e-8,
                     notes="semi-axes 8 × 4 cells at 0.6 rad; direct sum uses keldysh.coupling_tensor cell by cell"),
        Result.check(KEY, "rotated SHARP ellipse: spectral = direct sum",
                     "same, sharp edges (edge_width = 0)", e_sharp, high=1e-8,
                     notes="without the spectral filter (kernels.spectral_filter) the Brillouin-zone cut of the "
                           "kernels coupled the grid-scale content of sharp sources as ~1/d (8 % at d = r0, 22 % "
                           "at 2 r0); with it the discrete kernels decay like the continuum ones"),
    ]


def _save(ctx: Context, gq, gerr, aliasing, dc, derr, L, perr) -> None:
    import matplotlib.pyplot as plt

    for name, ds in (
        ("case5_convergence_gaussian", xr.Dataset(
            {"rel_error": ("width_over_spacing", gerr, {"long_name": "max rel error of J's vs Hankel", "units": "1"}),
             "aliasing_level": ("width_over_spacing", aliasing, {"long_name": "exp(-(pi w/h)^2/2)", "units": "1"})},
            coords={"width_over_spacing": ("width_over_spacing", gq, {"long_name": "w / h", "units": "1"})},
            attrs={"title": "Case 5: Gaussian pair, convergence in h", "separation": D, "width": 0.1,
                   "pearl_length": 1.0})),
        ("case5_convergence_disk", xr.Dataset(
            {"rel_error": ("radius_over_spacing", derr, {"long_name": "max rel error of J's vs disk theory", "units": "1"})},
            coords={"radius_over_spacing": ("radius_over_spacing", dc, {"long_name": "R / h", "units": "1"})},
            attrs={"title": "Case 5: sharp disk pair, convergence in h", "separation": D, "radius": 0.2,
                   "pearl_length": 1.0})),
        ("case5_convergence_box", xr.Dataset(
            {"rel_error": ("box_side", perr, {"long_name": "periodic vs open, max rel error of J's", "units": "1"})},
            coords={"box_side": ("box_side", L, {"long_name": "periodic box side L", "units": "length"})},
            attrs={"title": "Case 5: periodic box to open boundary", "separation": D, "pearl_length": 0.2})),
    ):
        ctx.save_dataset(ds, name)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    axes[0].semilogy(gq, np.maximum(gerr, 1e-17), "o-", label="spectral vs Hankel")
    axes[0].semilogy(gq, aliasing, "k:", label="e^{−π²(w/h)²/2}: island spectrum at Nyquist")
    axes[0].set_xlabel("w / h")
    axes[0].set_title("Gaussian pair")
    axes[1].loglog(1.0 / dc, derr, "o-", label="sharp disks vs exact theory")
    axes[1].loglog(1.0 / dc, derr[0] * (dc[0] / dc) ** 2, "k:", label="∝ h²")
    axes[1].set_xlabel("h / R")
    axes[1].set_title("sharp disk pair")
    axes[2].loglog(L / 0.2, perr, "o-", label="periodic vs open")
    axes[2].loglog(L / 0.2, perr[-1] * (L[-1] / L) ** 3, "k:", label="∝ L⁻³")
    axes[2].set_xlabel("L / r0")
    axes[2].set_title("box size")
    for ax in axes:
        ax.set_ylabel("max relative error of (J⊥, J∥)")
        ax.legend(fontsize=8)
    fig.suptitle("Case 5: convergence")
    ctx.save_figure(fig, "case5_convergence")


CASE = Case(KEY, "Convergence in spacing and box size", run,
            "Hankel quadrature (Gaussians), exact disk series, open boundary, direct real-space sums")
