"""Case 7 — finite films (edges, holes, applied fields) against analytic results.

* r0 = ∞ disk in a uniform field: g = sB(r² − R²)/4, m = −π s B R⁴/8 exactly; observed order.
* Disk, Λ ≫ R: the first screening correction m = m0 [1 − (16/15π) R/r0 + O((R/r0)²)]
  (first-order perturbation: m1 = ⟨g0, Q g0⟩/(s B r0) with ⟨g0, Q g0⟩ = (2/15) s² B² R⁵ from
  ∫J2(x)²/x² dx = 4/(15π)), taken as (m(r0) − m(∞))/m0 on one grid so the O(h²) error cancels.
* Disk, Λ → 0: the Meissner (Clem–Sanchez) moment m = −(8/3) H R³ = −(4/3) s r0 B R³; the
  deviation falls as a power of r0/R (edge layer of width Λ).
* Strip |x| < W in a field, Λ → 0: the Meissner sheet current j_y = −2Hx/√(W² − x²)
  (Brandt & Indenbom 1993), on the middle of an 8W-long rectangle.
* Ring, Λ ≫ b: fluxoid = L_k I with L_k = 2π/(s ln(b/a)) (= 2πμ0Λ/ln(b/a)); observed order.
* Narrow ring, Λ → 0: the geometric inductance μ0 R [ln(32R/w) − 2] (strip self-GMD w/4).
* Gaussian islands in an r0 = ∞ disk: self and pair energies minus the infinite-film values equal
  the Kelvin-image terms of the disk's Dirichlet Green's function (exact for Gaussians up to
  e^{−d²/2w²}); observed order.
* Large film → the infinite-film open solve (deviation ∝ R_f⁻³ for finite r0).
* Energy identity −½∫j·a = ∫|j|²/2s + ½∫j·A; fluxoid by a line integral ∮(A + a + j/s)·dl.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.interpolate import RegularGridInterpolator

import solver
from solver.film_geometry import FilmGeometry, disk, rectangle, ring
from solver.finite_film import StreamFunctionSystem
from solver.finite_solution import solve_finite_film

from ..core import Case, Context, Result, observed_order

KEY = "finite_film"


def _disk_system(n: int, r0: float, extent: float = 2.4, radius: float = 1.0):
    grid = solver.Grid((n, n), extent / n)
    return StreamFunctionSystem(FilmGeometry(grid, disk((0.013, 0.007), radius, 4096)), r0)


def _disk_field(ctx: Context) -> list[Result]:
    ns = [32, 64, 128] if ctx.fast else [32, 64, 128, 256, 512]
    exact = -math.pi / 8
    errs = [solve_finite_film(None, _disk_system(n, math.inf), applied_field=1.0).magnetic_moment
            / exact - 1 for n in ns]
    order = -observed_order(ns, errs)
    return [
        Result.check(KEY, "disk in field, r0 = ∞", f"|m/m_exact − 1| at {ns[-1]}² (2.4 R box)",
                     abs(errs[-1]), high=3e-4 if ctx.fast else 3e-5,
                     notes="g = sB(r²−R²)/4; Gibou cut-cell edge, O(h²): 0.7 (h/R)²"),
        Result.check(KEY, "disk in field, r0 = ∞", "observed order of the moment", order,
                     low=1.8, high=2.3, notes=f"errors {', '.join(f'{e:.2e}' for e in errs)}"),
    ]


def _disk_screening(ctx: Context) -> list[Result]:
    n = 128 if ctx.fast else 256
    sysm_inf = _disk_system(n, math.inf)
    m_inf = solve_finite_film(None, sysm_inf, applied_field=1.0).magnetic_moment
    m0, c1 = -math.pi / 8, -16 / (15 * math.pi)
    r0 = 1e3
    m = solve_finite_film(None, StreamFunctionSystem(sysm_inf.geometry, r0),
                          applied_field=1.0).magnetic_moment
    dev = (m - m_inf) / m0 * r0 / c1 - 1
    rows = [Result.check(KEY, "disk, Λ ≫ R", "first screening correction vs −(16/15π) R/r0 at "
                         "r0 = 1000 R (relative)", abs(dev), high=2e-3,
                         notes="second-order term ≈ 0.034 R/r0 (measured at r0 = 10…100 R)")]
    # Meissner limit (Clem–Sanchez)
    r0s = [0.04, 0.02] if ctx.fast else [0.08, 0.04, 0.02, 0.01]
    n = 160 if ctx.fast else 256
    devs = []
    for r0 in r0s:
        grid = solver.Grid((n, n), 2.2 / n)
        sysm = StreamFunctionSystem(FilmGeometry(grid, disk((0, 0), 1.0, 4096)), r0)
        mm = solve_finite_film(None, sysm, applied_field=1.0, tol=1e-8).magnetic_moment
        devs.append(mm / (-(4 / 3) * r0) - 1)
    slope = observed_order(r0s, devs)
    rows += [
        Result.check(KEY, "disk, Λ → 0 (Clem–Sanchez)", f"|m/m_CS − 1| at r0 = {r0s[-1]} R",
                     abs(devs[-1]), high=0.06 if not ctx.fast else 0.11,
                     notes="m_CS = −(8/3)HR³; finite Λ lowers |m|: "
                           + ", ".join(f"{d:+.3f}" for d in devs)),
        Result.check(KEY, "disk, Λ → 0 (Clem–Sanchez)", "deviation ∝ (r0/R)^p, p", slope,
                     low=0.5, high=1.1, notes="edge layer of width Λ; p ≈ 0.8 measured"),
    ]
    return rows


def _strip(ctx: Context) -> list[Result]:
    """Long strip |x| < W in a field, Λ → 0: j_y = −2H x/√(W² − x²) (Brandt–Indenbom),
    H = B/μ0 = s r0 B/2, on the middle cross-section of an 8W × 2W rectangle (|x| < 0.7 W)."""
    W, L, r0 = 1.0, 8.0, 0.02
    hs = [0.04, 0.02]
    errs = []
    for h in hs:
        ny, nx = int(round((L + 0.4) / h)) | 1, int(round((2 * W + 0.4) / h)) | 1
        grid = solver.Grid((ny, nx), h)
        sysm = StreamFunctionSystem(FilmGeometry(grid, rectangle((0, 0), (2 * W, L))), r0)
        sol = solve_finite_film(None, sysm, applied_field=1.0, tol=1e-8)
        x = grid.x[np.abs(grid.x) < 0.7 * W]
        j = sol.current[1][ny // 2][np.abs(grid.x) < 0.7 * W]
        ref = -r0 * x / np.sqrt(W**2 - x**2)
        errs.append(float(np.abs(j - ref).max() / np.abs(ref).max()))
    return [
        Result.check(KEY, "strip in a field, Λ → 0 (Brandt–Indenbom)",
                     f"max |j_y/j_BI − 1| over |x| < 0.7 W at h = {hs[-1]} W, r0 = {r0} W",
                     errs[-1], high=0.045,
                     notes="measured 3.6e-2 (7.7e-2 at h = 0.04 W, 2.5e-2 at h = r0 = 0.01 W): the "
                           "edge layer Λ = r0/2 < h is not resolved, first order in h"),
        Result.check(KEY, "strip in a field, Λ → 0 (Brandt–Indenbom)", "observed order in h",
                     observed_order(hs, errs), low=0.7, high=1.5,
                     notes=", ".join(f"{e:.2e}" for e in errs)),
    ]


def _ring(ctx: Context) -> list[Result]:
    ns = [64, 128] if ctx.fast else [64, 128, 256]
    lk = 2 * math.pi / math.log(2.0)
    errs = []
    for n in ns:
        grid = solver.Grid((n, n), 2.4 / n)
        outline, hole = ring((0.011, 0.003), 0.5, 1.0, 4096)
        sysm = StreamFunctionSystem(FilmGeometry(grid, outline, [hole]), math.inf)
        errs.append(solve_finite_film(None, sysm, fluxoids=[1.0]).hole_currents[0] * lk - 1)
    return [
        Result.check(KEY, "ring, Λ ≫ b", f"|I L_k/Φ − 1| at {ns[-1]}², L_k = 2π/(s ln(b/a))",
                     abs(errs[-1]), high=1e-4 if ctx.fast else 3e-5,
                     notes="Laplace in the annulus; b/a = 2"),
        Result.check(KEY, "ring, Λ ≫ b", "observed order", -observed_order(ns, errs),
                     low=1.8, high=2.3),
    ]


def _narrow_ring(ctx: Context) -> list[Result]:
    """Narrow ring (width w ≪ R), Λ → 0: Φ = L I with the geometric inductance
    L = μ0 R [ln(8R/a) − 2] of a loop whose current has the self-GMD a of its cross-section; the
    Meissner sheet current of a narrow strip is J ∝ 1/√((w/2)² − u²), whose logarithmic
    potential is constant, ln(w/4): a = w/4, L = μ0 R [ln(32R/w) − 2] (μ0 = 2/(s r0)). The
    kinetic part vanishes as Λ ln(w/Λ): three r0 are extrapolated with A + r0 (B + C ln 1/r0)."""
    w = 0.2 if ctx.fast else 0.1
    runs = [(0.04, 0.01), (0.02, 0.01), (0.01, 0.007)] if ctx.fast else \
        [(0.02, 0.005), (0.01, 0.005), (0.005, 0.0035)]
    vals = []
    for r0, h in runs:
        n = int(round((2.0 + 2 * w) / h))
        grid = solver.Grid((n, n), h)
        outline, hole = ring((0.0011, 0.0007), 1.0 - w / 2, 1.0 + w / 2, 4096)
        sysm = StreamFunctionSystem(FilmGeometry(grid, outline, [hole]), r0)
        sol = solve_finite_film(None, sysm, hole_currents=[1.0], tol=1e-8)
        vals.append(sol.fluxoids[0] * r0 / 2.0)          # Φ s r0/(2 I R) = L/(μ0 R)
    r = np.array([x[0] for x in runs])
    coef = np.linalg.solve(np.column_stack([np.ones(3), r, r * np.log(1 / r)]), np.array(vals))
    ref = math.log(32.0 / w) - 2.0
    return [Result.check(KEY, "narrow ring, Λ → 0", f"|L/(μ0 R [ln(32R/w) − 2]) − 1|, w = {w} R "
                         "(extrapolated r0 → 0)", abs(coef[0] / ref - 1),
                         high=1e-2 if ctx.fast else 3e-3,
                         notes=f"L/(μ0R) = {', '.join(f'{v:.4f}' for v in vals)} at r0 = "
                               f"{', '.join(f'{x:g}' for x in r)} → {coef[0]:.4f} (ref {ref:.4f}); "
                               "O((w/R)²) finite-width terms: −0.47 % at w = 0.2 R, +0.11 % at 0.1 R")]


def kelvin_image(z1: complex, z2: complex, m1, m2, radius: float) -> float:
    """Image part of the pair energy of point moments in a disk of ``radius`` (r0 = ∞, s = g = 1):
    with the disk's Dirichlet Green's function G = −ln|z − w|/2π + ln|R² − z w̄|/2π − ln R/2π,
    ΔF_12 = (μ1·∇1)(μ2·∇2) ln|R² − z1 z̄2|/2π = Re(−m1 m̄2 R²/(R² − z1 z̄2)²)/2π (complex positions z,
    moments m = μx + iμy); the self-energy shift is half of it at z1 = z2."""
    m, n = complex(*m1), complex(*m2)
    return (-(m * n.conjugate()) * radius**2 / (radius**2 - z1 * z2.conjugate()) ** 2).real / (2 * math.pi)


def _islands_in_disk(ctx: Context) -> list[Result]:
    ns = [64, 128] if ctx.fast else [64, 128, 256]
    c1, c2, m1, m2 = (0.3, 0.2), (-0.25, -0.4), (1.0, 0.0), (0.6, 0.8)
    z1, z2 = complex(*c1), complex(*c2)
    self_ref = kelvin_image(z1, z1, m1, m1, 1.0) / 2
    pair_ref = kelvin_image(z1, z2, m1, m2, 1.0)
    self_err, pair_err, recip = [], [], []
    free = solver.Film(math.inf)
    for n in ns:
        grid = solver.Grid((n, n), 2.4 / n)
        sysm = StreamFunctionSystem(FilmGeometry(grid, disk((0, 0), 1.0, 4096)), math.inf)
        a1 = solver.exchange_map([solver.Island.gaussian(c1, 0.08, moment=m1)], grid)
        a2 = solver.exchange_map([solver.Island.gaussian(c2, 0.08, moment=m2)], grid)
        r1, r2 = solver.solve(a1, grid, free), solver.solve(a2, grid, free)
        s1, s2 = solve_finite_film(a1, sysm), solve_finite_film(a2, sysm)
        self_err.append((s1.energy - r1.energy) / self_ref - 1)
        pair_err.append((s1.interaction_with(s2) - r1.interaction_with(r2)) / pair_ref - 1)
        recip.append(abs(s1.interaction_with(s2) / s2.interaction_with(s1) - 1))
    return [
        Result.check(KEY, "islands in an r0 = ∞ disk", f"self energy: image term, rel. error at "
                     f"{ns[-1]}²", abs(self_err[-1]), high=2e-4,
                     notes="ΔF = −(s g²|μ|²/4π) R²/(R² − |z|²)² (Kelvin image)"),
        Result.check(KEY, "islands in an r0 = ∞ disk", f"pair energy: image term, rel. error at "
                     f"{ns[-1]}²", abs(pair_err[-1]), high=2e-4,
                     notes="ΔF12 = Re(−m1 m̄2 R²/(R² − z1 z̄2)²)/2π"),
        Result.check(KEY, "islands in an r0 = ∞ disk", "pair energy: observed order",
                     -observed_order(ns, pair_err), low=1.7, high=2.5,
                     notes=f"errors {', '.join(f'{e:.2e}' for e in pair_err)}"),
        Result.check(KEY, "islands in an r0 = ∞ disk", "reciprocity |F12/F21 − 1|", max(recip),
                     high=1e-9, notes="symmetric operator, CG to 1e-10"),
    ]


def large_film_deviations(radii=(0.5, 1.0, 2.0), pearl_length: float = 0.05) -> list[float]:
    """F/F_open − 1 of a Gaussian island (w = 0.09) at the centre of disk films of the given
    radii, against the infinite-film open solve on the same 160² grid (h = 0.03)."""
    grid = solver.Grid((160, 160), 0.03)
    a = solver.exchange_map([solver.Island.gaussian((0.0, 0.0), 0.09, moment=(1, 0))], grid)
    ref = solver.solve(a, grid, solver.Film(pearl_length)).energy
    return [solve_finite_film(a, StreamFunctionSystem(
        FilmGeometry(grid, disk((0, 0), rf, 2048)), pearl_length)).energy / ref - 1
        for rf in radii]


def _large_film(ctx: Context) -> list[Result]:
    devs = large_film_deviations()
    p = -observed_order([0.5, 1.0, 2.0], devs)
    return [Result.check(KEY, "large film → infinite film", "|F/F_open − 1| at R_f = 40 r0",
                         abs(devs[-1]), high=5e-4,
                         notes=", ".join(f"{d:+.2e}" for d in devs) + " at R_f = 10, 20, 40 r0"),
            Result.check(KEY, "large film → infinite film", "decay exponent of the edge effect",
                         p, low=2.7, high=3.5, notes="Pearl far field j ∝ r0/r³ → R_f⁻³")]


def line_fluxoid(sol, a_total: np.ndarray, rho: float, n: int = 4000) -> float:
    """∮ (A + a_total + j/s)·dl counter-clockwise on the circle of radius ``rho`` about the
    origin, sampling the grid fields bilinearly (O(h²)); ``a_total`` includes the applied
    field's vector potential."""
    grid = sol.grid
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    pts = np.column_stack([rho * np.sin(t), rho * np.cos(t)])
    tangent = (-np.sin(t), np.cos(t))
    total = np.zeros(t.size)
    for f, scale in ((sol.vector_potential, 1.0), (a_total, 1.0), (sol.current, 1.0 / sol.stiffness)):
        for comp in (0, 1):
            total += scale * RegularGridInterpolator((grid.y, grid.x), f[comp])(pts) * tangent[comp]
    return float(total.mean() * 2 * np.pi * rho)


def _identities(ctx: Context) -> list[Result]:
    n = 128 if ctx.fast else 256
    grid = solver.Grid((n, n), 3.0 / n)
    outline, hole = ring((0.0, 0.0), 0.4, 1.0, 4096)
    sysm = StreamFunctionSystem(FilmGeometry(grid, outline, [hole]), 0.5)
    a = solver.exchange_map([solver.Island.gaussian((0.7, 0.0), 0.06, moment=(0.3, 1.0))], grid)
    sol = solve_finite_film(a, sysm, fluxoids=[0.7], applied_field=0.2)
    X, Y = grid.meshgrid()
    phi = line_fluxoid(sol, a + 0.1 * np.stack([-Y, X]), 0.52)
    src = solve_finite_film(a, sysm)
    ident = (src.kinetic_energy + src.magnetic_energy) / src.energy - 1
    return [Result.check(KEY, "fluxoid", "|∮(A + a + j/s)·dl / Φ − 1| (prescribed Φ = 0.7)",
                         abs(phi / 0.7 - 1), high=3e-3,
                         notes="island in the ring, r0 = 0.5, applied field; bilinear contour O(h²)"),
            Result.check(KEY, "energy identity", "|(kinetic + magnetic)/(−½∫j·a) − 1|",
                         abs(ident), high=1e-2 if ctx.fast else 3e-3,
                         notes="island 2.6 (fast) / 5 cells wide next to the hole; j by 4th-order "
                               "differences inside, 2nd at the edges: O(h²) (5.2e-3 at 128²)")]


def _run(ctx: Context) -> list[Result]:
    return (_disk_field(ctx) + _disk_screening(ctx) + _strip(ctx) + _ring(ctx) + _narrow_ring(ctx)
            + _islands_in_disk(ctx)
            + _large_film(ctx) + _identities(ctx))


CASE = Case(KEY, "Finite films: edges, holes, applied field", _run,
            "analytic disk/ring solutions, Kelvin image, first-order screening, Clem–Sanchez")
