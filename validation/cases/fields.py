"""Case 4 — the fields of one small island against the point-impurity formulas.

One Gaussian island of width w (open boundary, w/h = 2.5): sheet current j and B_z at z = 0 and
at a height z1, compared away from the island (r >= 5w) with ``keldysh.current`` (Eq. 12 with
the exact J's) and ``keldysh.field_z``. The island is the point source smeared by exp(w²∇²/2), so
the deviation is (w²/2)∇²F + … = O((w/r)²) relative: we check its coefficient, then remove it —
at z = 0 with the closed-form Laplacian series (∇^{2k}V, k <= 8) at r >= 10w, and at z1 against
the exact Gaussian-smeared field (Hankel quadrature) at sample points.
"""
from __future__ import annotations

import math

import numpy as np
import xarray as xr

import solver
from solver import Film, Island, keldysh

from ..core import Case, Context, Result
from ..finite_size import gaussian_coefficients, smeared_current, smeared_field_z
from ..hankel import gaussian_field_z
from .geometry import single_grid

KEY = "fields"
W = 0.04                     # island width
R0 = 0.5                     # Pearl length: the map spans r/r0 ≈ 0.4 … 3
Z1 = 0.1                     # height for B_z above the film
MOMENT = np.array([0.6, 0.8])
K_SERIES = 8
KAPPA_MAX = 10.0


def _scale_current(points: np.ndarray) -> np.ndarray:
    """|j_point| (never zero: ≥ min(J⊥, J∥)|μ|/g)."""
    return np.linalg.norm(keldysh.current(points, MOMENT, R0), axis=-1)


def _scale_field(points: np.ndarray, height: float) -> np.ndarray:
    """|B_z| of the point impurity with μ turned along r̂ (the angular maximum at that radius)."""
    r = np.hypot(points[..., 0], points[..., 1])
    radial = np.stack([r, np.zeros_like(r)], axis=-1)
    return np.abs(keldysh.field_z(radial, (np.linalg.norm(MOMENT), 0.0), R0, height=height))


def run(ctx: Context) -> list[Result]:
    h = W / 2.5
    half = 1.28 if ctx.fast else 1.6
    grid = single_grid(half, h, margin_cells=0)
    film = Film(pearl_length=R0)
    sol = solver.solve(solver.exchange_map(Island.gaussian((0.0, 0.0), W, MOMENT), grid), grid, film)
    X, Y = grid.meshgrid()
    pts = np.stack([X, Y], axis=-1)
    r = np.hypot(X, Y)
    far = r >= 5 * W
    farther = r >= 10 * W
    safe = np.where((r > 0)[..., None], pts, np.array([h, 0.0]))   # point formulas exclude r = 0

    j_spec = np.moveaxis(sol.current, 0, -1)
    j_pt = keldysh.current(safe, MOMENT, R0)
    b0_spec, b1_spec = sol.field_z(0.0), sol.field_z(Z1)
    b0_pt = keldysh.field_z(safe, MOMENT, R0, height=0.0)
    b1_pt = keldysh.field_z(safe, MOMENT, R0, height=Z1)

    dev_j = np.linalg.norm(j_spec - j_pt, axis=-1) / _scale_current(safe)
    dev_b0 = np.abs(b0_spec - b0_pt) / _scale_field(safe, 0.0)
    dev_b1 = np.abs(b1_spec - b1_pt) / _scale_field(safe, Z1)
    w2 = (W / r.clip(h)) ** 2
    kappa = {name: float(np.max(dev[far] / w2[far])) for name, dev in
             (("j", dev_j), ("B_z(0)", dev_b0), (f"B_z({Z1:g})", dev_b1))}

    coef = gaussian_coefficients(W, K_SERIES)
    j_ser = smeared_current(safe[farther], MOMENT, R0, coef)
    b0_ser = smeared_field_z(safe[farther], MOMENT, R0, coef)
    res_j = np.max(np.linalg.norm(j_spec[farther] - j_ser, axis=-1) / _scale_current(safe[farther]))
    res_b0 = np.max(np.abs(b0_spec[farther] - b0_ser) / _scale_field(safe[farther], 0.0))

    # B_z(z1) against the exact Gaussian-smeared field at sample points (μ along r̂ factor exact)
    rng = np.random.default_rng(0)
    idx = np.flatnonzero(far.ravel())
    idx = rng.choice(idx, size=12 if ctx.fast else 40, replace=False)
    res_b1 = 0.0
    for k in idx:
        p = pts.reshape(-1, 2)[k]
        rr = math.hypot(*p)
        ref = gaussian_field_z(rr, W, R0, Z1) * float(MOMENT @ p) / rr
        scale = _scale_field(p[None], Z1)[0]
        res_b1 = max(res_b1, abs(b1_spec.ravel()[k] - ref) / scale)

    _save(ctx, grid, j_spec, j_pt, b0_spec, b0_pt, b1_spec, b1_pt, dev_j, dev_b0, dev_b1, r)
    span = f"r = 5w … {r.max() / W:.0f}w, r/r0 up to {r.max() / R0:.1f}"
    out = []
    for name, value in kappa.items():
        out.append(Result.check(
            KEY, f"{name}: (w/r)² deviation", f"max over r ≥ 5w of |F_spectral − F_point| / (|F_point| (w/r)²)",
            value, high=KAPPA_MAX,
            notes=f"{span}; exp(w²∇²/2) gives (n² − 1)/2 ≤ 7.5 for the steepest (cos φ/r⁴) law present"))
    out += [
        Result.check(KEY, "j: spectral vs smeared point theory", "max rel |j_spectral − Σ_k c_k j[∇^{2k}V]|, r ≥ 10w",
                     res_j, high=1e-8,
                     notes=f"k ≤ {K_SERIES}, c_k = (w²/2)^k/k!; asymptotic series, smallest term ≪ 1e-10 at r ≥ 10w"),
        Result.check(KEY, "B_z(0): spectral vs smeared point theory", "max rel |B_spectral − g μ·∇Σ_k c_k ∇^{2k}G|, r ≥ 10w",
                     res_b0, high=1e-8, notes="G = (1/r − V/r0)/(2π r0); ∇^{2k}(1/r) = ((2k−1)!!)²/r^{2k+1}"),
        Result.check(KEY, f"B_z({Z1:g}): spectral vs Gaussian Hankel", "max rel |B_spectral − B_Gauss| at sampled r ≥ 5w",
                     res_b1, high=1e-8, notes=f"{idx.size} random grid points; quad to 1e-13"),
    ]
    return out


def _save(ctx: Context, grid, j_spec, j_pt, b0_spec, b0_pt, b1_spec, b1_pt, dev_j, dev_b0, dev_b1, r) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    dims = ("y", "x")
    units_j = "s g mu / length^2"
    units_b = "g mu / length^2"
    ds = xr.Dataset(
        {"j_x": (dims, j_spec[..., 0], {"long_name": "sheet current x (spectral)", "units": units_j}),
         "j_y": (dims, j_spec[..., 1], {"long_name": "sheet current y (spectral)", "units": units_j}),
         "j_x_point": (dims, j_pt[..., 0], {"long_name": "sheet current x (Eq. 12, point)", "units": units_j}),
         "j_y_point": (dims, j_pt[..., 1], {"long_name": "sheet current y (Eq. 12, point)", "units": units_j}),
         "B_z0": (dims, b0_spec, {"long_name": "B_z at z = 0 (spectral)", "units": units_b}),
         "B_z0_point": (dims, b0_pt, {"long_name": "B_z at z = 0 (point)", "units": units_b}),
         "B_z1": (dims, b1_spec, {"long_name": f"B_z at z = {Z1} (spectral)", "units": units_b}),
         "B_z1_point": (dims, b1_pt, {"long_name": f"B_z at z = {Z1} (point)", "units": units_b}),
         "dev_j": (dims, dev_j, {"long_name": "|j - j_point| / |j_point|", "units": "1"}),
         "dev_B_z0": (dims, dev_b0, {"long_name": "|B - B_point| / max_phi |B_point|, z = 0", "units": "1"}),
         "dev_B_z1": (dims, dev_b1, {"long_name": f"|B - B_point| / max_phi |B_point|, z = {Z1}", "units": "1"})},
        coords={"x": ("x", grid.x, {"long_name": "x", "units": "length"}),
                "y": ("y", grid.y, {"long_name": "y", "units": "length"})},
        attrs={"title": "Case 4: one Gaussian island vs point impurity", "width": W, "pearl_length": R0,
               "height": Z1, "moment": MOMENT.tolist(), "boundary": "open"})
    ctx.save_dataset(ds, "case4_fields")

    ext = (grid.x[0], grid.x[-1], grid.y[0], grid.y[-1])
    fig, axes = plt.subplots(2, 3, figsize=(13, 8))
    jm = np.linalg.norm(j_spec, axis=-1)
    im = axes[0, 0].imshow(jm, origin="lower", extent=ext, norm=LogNorm(jm[jm > 0].min() * 10, jm.max()))
    axes[0, 0].streamplot(grid.x, grid.y, j_spec[..., 0], j_spec[..., 1], color="w", density=1.0, linewidth=0.6,
                          arrowsize=0.6)
    axes[0, 0].set_title("|j| (spectral), streamlines")
    fig.colorbar(im, ax=axes[0, 0])
    for ax, b, title in ((axes[0, 1], b0_spec, "B_z(z = 0)"), (axes[0, 2], b1_spec, f"B_z(z = {Z1:g})")):
        v = np.percentile(np.abs(b), 99.5)
        im = ax.imshow(b, origin="lower", extent=ext, cmap="RdBu_r", vmin=-v, vmax=v)
        ax.set_title(title + " (spectral)")
        fig.colorbar(im, ax=ax)
    for ax, dev, title in ((axes[1, 0], dev_j, "j"), (axes[1, 1], dev_b0, "B_z(0)"), (axes[1, 2], dev_b1, f"B_z({Z1:g})")):
        im = ax.imshow(np.clip(dev, 1e-8, 1), origin="lower", extent=ext, norm=LogNorm(1e-6, 1), cmap="magma")
        ax.add_patch(plt.Circle((0, 0), 5 * W, fill=False, color="c", ls="--"))
        ax.set_title(f"{title}: rel. deviation from point")
        fig.colorbar(im, ax=ax)
    fig.suptitle(f"Case 4: Gaussian island w = {W}, r0 = {R0}; dashed: r = 5w; deviation ≈ (w/r)²")
    ctx.save_figure(fig, "case4_fields")


CASE = Case(KEY, "Fields of one island vs point-impurity formulas", run,
            "solver.keldysh.current / field_z; Laplacian series; Gaussian Hankel quadrature")
