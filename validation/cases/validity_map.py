"""Case 3 — where do point dipoles stop describing finite disks? A map over (R/d, d/r0).

For two sharp disks of radius R at separation d (spectral, open boundary) we map the relative
error of the point-dipole couplings, J_point/J_disk − 1 for J⊥ and J∥. Theory (2-D mean-value
theorem): the disk-averaged potential is Σ_k c_k ∇^{2k}V with c_k the Cauchy square of
(R²/4)^k/(k!(k+1)!), so the error starts as (R²/4)(∇²V)''/V'' — it must grow monotonically with
R/d at fixed d/r0, and it vanishes as r0 → ∞ (ln r is harmonic: Newton's theorem in 2-D). The
exact disk series (k ≤ 30) is the independent reference for the spectral numbers.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

import solver
from solver import Film, Island, keldysh

from ..core import Case, Context, Result
from ..finite_size import disk_coefficients, pair_coefficients, smeared_couplings
from .geometry import pair_grid

KEY = "validity_map"
D = 1.0
K_MAX = 30


def _grid_values(fast: bool) -> tuple[np.ndarray, np.ndarray, int]:
    if fast:
        return np.array([0.05, 0.15, 0.3]), np.array([0.1, 1.0, 10.0]), 16
    return np.array([0.025, 0.05, 0.1, 0.15, 0.2, 0.3]), np.array([0.03, 0.1, 0.3, 1.0, 3.0, 10.0]), 24


def run(ctx: Context) -> list[Result]:
    ratios, sep, cells = _grid_values(ctx.fast)
    shape = (ratios.size, sep.size)
    spec = np.zeros((2,) + shape)
    point = np.zeros((2,) + shape)
    series = np.zeros((2,) + shape)
    for i, rd in enumerate(ratios):
        R = rd * D
        grid = pair_grid(D, R, R / cells)
        isl = [Island.disk((-D / 2, 0.0), R), Island.disk((D / 2, 0.0), R)]
        coef = pair_coefficients(disk_coefficients(R, K_MAX), disk_coefficients(R, K_MAX))
        for j, dr in enumerate(sep):
            film = Film(pearl_length=D / dr)
            Z = film.dipole_constant()
            spec[:, i, j] = solver.interaction_energies(isl, grid, film).couplings(0, 1)
            point[:, i, j] = keldysh.couplings(D, film.pearl_length, Z=Z)
            series[:, i, j] = smeared_couplings(np.array(D), film.pearl_length, coef, Z)
        solver.clear_cache()
    err = point / spec - 1.0                      # point-dipole error relative to the finite disks
    err_theory = point / series - 1.0
    dev = np.abs(spec - series) / np.abs(point)
    h_over_d = ratios[:, None] / cells / D
    dev_rel = dev / h_over_d**2                   # in units of the O((h/d)²) sharp-edge error

    steps = np.diff(np.abs(err), axis=1)          # along R/d at fixed d/r0
    violations = int(np.sum(steps <= 0))
    ds = xr.Dataset(
        {"rel_error_J_perp": (("radius_over_separation", "separation_over_r0"), err[0],
                              {"long_name": "J_perp point-dipole relative error, J_point/J_disk - 1", "units": "1"}),
         "rel_error_J_par": (("radius_over_separation", "separation_over_r0"), err[1],
                             {"long_name": "J_par point-dipole relative error, J_point/J_disk - 1", "units": "1"}),
         "rel_error_J_perp_theory": (("radius_over_separation", "separation_over_r0"), err_theory[0],
                                     {"long_name": "same, exact disk-averaged theory", "units": "1"}),
         "rel_error_J_par_theory": (("radius_over_separation", "separation_over_r0"), err_theory[1],
                                    {"long_name": "same, exact disk-averaged theory", "units": "1"}),
         "J_perp_spectral": (("radius_over_separation", "separation_over_r0"), spec[0],
                             {"long_name": "J_perp of the disks (spectral, open)", "units": "Z/length^2 (Z=s g^2/2pi)"}),
         "J_par_spectral": (("radius_over_separation", "separation_over_r0"), spec[1],
                            {"long_name": "J_par of the disks (spectral, open)", "units": "Z/length^2 (Z=s g^2/2pi)"})},
        coords={"radius_over_separation": ("radius_over_separation", ratios, {"long_name": "R / d", "units": "1"}),
                "separation_over_r0": ("separation_over_r0", sep, {"long_name": "d / r0", "units": "1"})},
        attrs={"title": "Case 3: point-dipole validity map for two disks", "separation": D,
               "cells_per_radius": cells, "boundary": "open"})
    ctx.save_dataset(ds, "case3_validity_map")
    _figure(ctx, ratios, sep, err)
    worst = np.unravel_index(np.argmax(dev_rel), dev_rel.shape)
    return [
        Result.check(KEY, "error grows with R/d", "steps where |J_point/J_disk − 1| does not increase with R/d "
                     "(J⊥ and J∥, each d/r0)", violations, high=0,
                     notes=f"{ratios.size}×{sep.size} map, R/d = {ratios.min():g}…{ratios.max():g}, d/r0 = "
                           f"{sep.min():g}…{sep.max():g}; largest error {np.abs(err).max():.2e} at R/d = {ratios.max():g}"),
        Result.check(KEY, "map vs exact disk theory", "max over the map of |J_spectral − J_theory| / (J_point (h/d)²)",
                     dev_rel.max(), high=3.0,
                     notes=f"worst at R/d = {ratios[worst[1]]:g}, d/r0 = {sep[worst[2]]:g} ({'J⊥' if worst[0] == 0 else 'J∥'}); "
                           f"max |J_spectral − J_theory|/J_point = {dev.max():.1e}. Sharp edges at R/h = {cells} "
                           "converge as O(h²) with a coefficient 0.1–0.4 (case 5; the cell-centre second moment "
                           "alone is off by h²/12 per axis), plus grid-size-dependent excursions up to ~2 (h/d)² "
                           "from the sharp edges' Nyquist content (case 5, known issue): hence 3"),
    ]


def _figure(ctx: Context, ratios, sep, err) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    mag = np.maximum(np.abs(err), 1e-12)
    norm = LogNorm(vmin=mag.min(), vmax=mag.max())
    for ax, e, label in zip(axes, mag, ("J⊥", "J∥")):
        pcm = ax.pcolormesh(np.arange(sep.size + 1) - 0.5, np.arange(ratios.size + 1) - 0.5, e, norm=norm,
                            cmap="viridis")
        ax.set_xticks(range(sep.size), [f"{v:g}" for v in sep])
        ax.set_yticks(range(ratios.size), [f"{v:g}" for v in ratios])
        ax.set_xlabel("d / r0")
        ax.set_title(f"|{label},point / {label},disk − 1|")
        for i in range(ratios.size):
            for j in range(sep.size):
                ax.text(j, i, f"{e[i, j]:.1e}", ha="center", va="center", fontsize=7, color="w")
    axes[0].set_ylabel("R / d")
    fig.colorbar(pcm, ax=axes, label="relative error of point-dipole couplings")
    fig.suptitle("Case 3: point-dipole validity for two disks")
    ctx.save_figure(fig, "case3_validity_map")


CASE = Case(KEY, "Point-dipole validity map for disks", run, "exact disk-averaged Keldysh series")
