"""The peer: finite films against SuperScreen (issue 15, item 5 "the peer").

SuperScreen (Bishop-Van Horn & Moler, Comput. Phys. Commun. 280 (2022) 108464; ``pip install
superscreen``, or ``pip install -e '.[peer]'``) solves the same thin-film London problem by a
dense LU on a triangular mesh. This module runs both codes on the same film and compares
dimensionless quantities, so that the unit systems cancel:

* SuperScreen's effective penetration depth Λ = λ²/d ↔ our Pearl length r0 = 2Λ, our stiffness
  s ↔ 1/(μ0 Λ). In SuperScreen's "magnetisation-like" units (lengths in µm, currents in µA,
  applied field given as H in µA/µm) its equation reads −Λ∇²g + Q_SS g = −H with Q_SS = q/2,
  ours −∇²g + q g / r0 = −s B, so SuperScreen's g(H) is our g with s = 1/Λ and B = H.
* **disk in a uniform field**, radius R: m / m_lead with m_lead = −π s B R⁴/8 (ours) =
  −π H R⁴/(8Λ) (SuperScreen); m = ∫ g d²r (SuperScreen: Σ g_i × vertex area_i, g = 0 off the
  film). Λ ≫ R: m/m_lead = 1 − 16 R/(15π r0) + O((R/r0)²) (first-order perturbation of the
  Poisson solution g0 = sB(r² − R²)/4 by the self-field: ⟨g0, Q g0⟩ = 2 s²B²R⁵/15).
* **ring** (annulus a < r < b) with a prescribed circulating current I around the hole:
  m/(I b²) and the fluxoid Φ s / I (SuperScreen: Φ/(μ0 Λ I), from ``Solution.hole_fluxoid``).
  Λ → ∞: m/(I b²) = π(1 − a²/b²)/(2 ln(b/a)), Φ s/I = 2π/ln(b/a) (kinetic inductance).

* **islands**: two Gaussian islands (w = 0.15 R) in a disk, their source handed to SuperScreen
  as the applied field b_eff = ẑ·∇×a (:func:`gaussian_island_curl`); the self energy of island 1
  F = −½∫ g b_eff and the pair energy F_12 = −∫ g_1 b_eff,2 (SuperScreen's g × Λ = ours at s = 1;
  its B_z is then the screening field).

Each code runs at 3 resolutions; a row reports the values, each code's convergence spread
(max − min over its resolutions) and whether our finest value agrees with SuperScreen's finest
within SuperScreen's own spread (``agree``); also both codes' Richardson extrapolations (order
observed from the three resolutions) and the relative gaps ours − SS at the finest resolutions
and between the extrapolations.

SuperScreen is run at its best (see :func:`_ss_device`): float64, a square mesh around the film
with the film's edges as mesh vertices and g = 0 (g = I on a hole) exactly on them, circles as
regular polygons with the mesh's vertex spacing scaled to the circle's area. With its default
``make_mesh`` (round 5 % buffer) the edge vertices fall on either side of the film polygon and
the disk moment at 1–8 k vertices is off by +5 … +14 % (Λ ≫ R) and ±5 % (Λ = R), erratic in N;
with ``buffer=0`` its kernel's edge vector C (computed for the mesh's bounding rectangle)
misses the corners and the disk under-screens (m/m_lead at Λ = R stays at 0.871 from 1 k to 4 k
vertices, against 0.856).

Everything here is importable without SuperScreen: it is imported inside the functions.
Run ``python -m validation.peer_superscreen [--quick]`` (needs superscreen and this package in
one environment) for the table.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time

import numpy as np

MU0 = 4e-7 * math.pi


# ------------------------------------------------------------------------------- references
def disk_moment_lead(radius: float = 1.0, stiffness: float = 1.0, field: float = 1.0) -> float:
    """m_lead = −π s B R⁴/8 (the r0 = ∞ disk)."""
    return -math.pi * stiffness * field * radius**4 / 8


def disk_moment_ratio_first_order(radius: float, pearl_length: float) -> float:
    """m/m_lead ≈ 1 − 16 R/(15π r0) for r0 ≫ R (error O((R/r0)²))."""
    return 1.0 - 16.0 * radius / (15.0 * math.pi * pearl_length)


def ring_limits(inner: float, outer: float) -> dict:
    """Λ → ∞ ring with hole current I: m/(I b²) and Φ s/I."""
    ln = math.log(outer / inner)
    return {"moment_per_current": math.pi * (1 - (inner / outer) ** 2) / (2 * ln),
            "fluxoid_per_current": 2 * math.pi / ln}


# ------------------------------------------------------------------------------- SuperScreen
def _ss_circle_points(radius: float, spacing: float, center=(0.0, 0.0)) -> np.ndarray:
    """A regular polygon with vertex spacing ≈ ``spacing`` and the circle's area (its vertices
    on a slightly larger circle), so that SuperScreen's coarse boundaries are not penalised by
    the inscribed polygon's O(1/N²) area deficit."""
    n = max(24, int(round(2 * math.pi * radius / spacing)))
    t = 2 * np.pi * np.arange(n) / n
    rho = radius * math.sqrt(2 * math.pi / (n * math.sin(2 * math.pi / n)))
    return np.column_stack([center[0] + rho * np.cos(t), center[1] + rho * np.sin(t)])


def _mesh_spacing(area: float, vertices: int) -> float:
    """Edge length of an equilateral mesh with ``vertices`` vertices on ``area``."""
    return math.sqrt(2 * area / (math.sqrt(3) * vertices))


def _ss_box(half: float, spacing: float) -> np.ndarray:
    """The square [−half, half]² as a polygon with vertex spacing ≈ ``spacing``."""
    k = max(2, int(round(2 * half / spacing)))
    t = np.linspace(-half, half, k + 1)[:-1]
    c = np.full_like(t, half)
    return np.concatenate([np.column_stack([t, -c]), np.column_stack([c, t]),
                           np.column_stack([-t, c]), np.column_stack([-c, -t])])


def _ss_device(Lambda: float, outer: np.ndarray, holes: list[np.ndarray], vertices: int,
               half: float, spacing: float):
    """A SuperScreen device whose mesh is the square [−half, half]² with the film's edges as
    mesh vertices (SuperScreen's own ``generate_mesh``, at least ``vertices`` vertices).

    Why not ``Device.make_mesh``: SuperScreen's Brandt kernel adds the field of the region beyond
    the mesh through the edge vector C_i, computed for the mesh's *bounding rectangle*; a mesh
    that ends on a round edge (``buffer=0``) leaves the corners out and under-screens (the disk
    moment at Λ = R comes out 1.8 % high, converged), and its default round buffer puts the
    edge vertices, which lie exactly on the film polygon, on either side of it (matplotlib's
    ``contains_points``), so g = 0 lands up to a cell outside the film: an O(h) error of
    ±5–10 % at 1–8 k vertices. A square mesh makes C exact, and shrinking the film polygon (and
    growing each hole) by 1e-9 relative puts every edge vertex outside the film, i.e. g = 0 (or
    g = I on a hole) exactly on the edge.
    """
    import superscreen as sc
    from superscreen.device.mesh import Mesh
    from superscreen.device.utils import generate_mesh

    box = _ss_box(half, spacing)
    pts, tri = generate_mesh(np.concatenate([box, outer] + holes, axis=0), min_points=vertices,
                             boundary=box)
    layer = sc.Layer("base", Lambda=Lambda, z0=0.0)
    film = sc.Polygon("film", layer="base", points=outer * (1 - 1e-9))
    hole_polys = [sc.Polygon(f"hole{k}", layer="base", points=h * (1 + 1e-9))
                  for k, h in enumerate(holes)]
    dev = sc.Device("film", layers=[layer], films=[film], holes=hole_polys, length_units="um",
                    solve_dtype="float64")
    dev.meshes = {"film": Mesh.from_triangulation(pts, tri)}
    return dev


def superscreen_disk(Lambda: float, vertices: int, radius: float = 1.0,
                     margin: float = 0.1) -> dict:
    """SuperScreen: disk of ``radius`` (µm, centred) at effective penetration depth ``Lambda``
    (µm) in a uniform H = 1 µA/µm, meshed on the square of half-width (1 + margin) R with about
    ``vertices`` vertices (see :func:`_ss_device`). Returns m/m_lead, the vertex count and the
    mesh/solve times."""
    import superscreen as sc

    half = (1 + margin) * radius
    h = _mesh_spacing((2 * half) ** 2, vertices)
    t0 = time.perf_counter()
    dev = _ss_device(Lambda, _ss_circle_points(radius, h), [], vertices, half, h)
    t1 = time.perf_counter()
    sol = sc.solve(dev, applied_field=sc.sources.ConstantField(1.0), field_units="uA/um",
                   current_units="uA", progress_bar=False)[-1]
    t2 = time.perf_counter()
    mesh = dev.meshes["film"]
    g = sol.film_solutions["film"].stream
    m = float(np.sum(g * mesh.vertex_areas))
    return {"vertices": int(len(mesh.sites)),
            "moment_ratio": m / (-math.pi * radius**4 / (8 * Lambda)),
            "mesh_s": t1 - t0, "solve_s": t2 - t1}


def superscreen_ring(Lambda: float, vertices: int, inner: float = 0.5, outer: float = 1.0,
                     current: float = 1.0, margin: float = 0.1) -> dict:
    """SuperScreen: annulus a < r < b (µm) with a circulating current ``current`` (µA) around
    the hole. Returns m/(I b²), Φ/(μ0 Λ I) (``Solution.hole_fluxoid``: flux inside a contour
    midway between hole and edge plus μ0Λ∮J·dl on it) and the fluxoid's flux fraction."""
    import superscreen as sc

    half = (1 + margin) * outer
    h = _mesh_spacing((2 * half) ** 2, vertices)
    t0 = time.perf_counter()
    dev = _ss_device(Lambda, _ss_circle_points(outer, h), [_ss_circle_points(inner, h)],
                     vertices, half, h)
    t1 = time.perf_counter()
    # field_units must be a flux density (B) for SuperScreen's fluxoid integral
    sol = sc.solve(dev, circulating_currents={"hole0": current}, current_units="uA",
                   field_units="mT", progress_bar=False)[-1]
    t2 = time.perf_counter()
    mesh = dev.meshes["film"]
    g = sol.film_solutions["film"].stream
    m = float(np.sum(g * mesh.vertex_areas))
    contour = _ss_circle_points(0.5 * (inner + outer), h / 4)
    flux = sol.hole_fluxoid("hole0", points=np.concatenate([contour, contour[:1]]), units="Wb",
                            with_units=False)
    phi = float(flux.flux_part + flux.supercurrent_part)
    scale = MU0 * (Lambda * 1e-6) * (current * 1e-6)
    return {"vertices": int(len(mesh.sites)), "moment_per_current": m / (current * outer**2),
            "fluxoid_per_current": phi / scale, "flux_fraction": float(flux.flux_part) / phi,
            "mesh_s": t1 - t0, "solve_s": t2 - t1}


ISLANDS = (((0.3, 0.2), 0.15, (1.0, 0.0)), ((-0.25, -0.3), 0.15, (0.6, 0.8)))
"""Two Gaussian islands (centre, width, moment) in the unit disk for the source case."""


def gaussian_island_curl(x, y, center, width, moment) -> np.ndarray:
    """b = ẑ·∇×a of one Gaussian island, a = (μ × ẑ) S, S = e^{−ρ²/2w²}/(2πw²) (coupling 1):
    b = −μ·∇S = μ·(r − c) S / w²."""
    dx, dy = np.asarray(x) - center[0], np.asarray(y) - center[1]
    prof = np.exp(-(dx**2 + dy**2) / (2 * width**2)) / (2 * math.pi * width**2)
    return (moment[0] * dx + moment[1] * dy) * prof / width**2


def superscreen_islands(Lambda: float, vertices: int, islands=ISLANDS, radius: float = 1.0,
                        margin: float = 0.1) -> dict:
    """SuperScreen: the islands' sources handed over as applied fields H = b_eff = ẑ·∇×a on a
    disk film; F_self = −½ Λ Σ g b w (island 1 alone) and F_pair = −Λ Σ g_1 b_2 w, in our units
    (s = 1: SuperScreen's g is ours × 1/Λ)."""
    import superscreen as sc

    half = (1 + margin) * radius
    h = _mesh_spacing((2 * half) ** 2, vertices)
    t0 = time.perf_counter()
    dev = _ss_device(Lambda, _ss_circle_points(radius, h), [], vertices, half, h)
    t1 = time.perf_counter()
    mesh = dev.meshes["film"]
    x, y = mesh.sites[:, 0], mesh.sites[:, 1]
    gs, bs = [], []
    for isl in islands:
        def field(x, y, z, _i=isl):
            return gaussian_island_curl(x, y, *_i)

        sol = sc.solve(dev, applied_field=field, field_units="uA/um", current_units="uA",
                       progress_bar=False)[-1]
        gs.append(sol.film_solutions["film"].stream)
        bs.append(gaussian_island_curl(x, y, *isl))
    t2 = time.perf_counter()
    w = mesh.vertex_areas
    return {"vertices": int(len(mesh.sites)),
            "self_energy": float(-0.5 * Lambda * np.sum(gs[0] * bs[0] * w)),
            "pair_energy": float(-Lambda * np.sum(gs[0] * bs[1] * w)),
            "pair_energy_reciprocal": float(-Lambda * np.sum(gs[1] * bs[0] * w)),
            "mesh_s": t1 - t0, "solve_s": t2 - t1}


# ------------------------------------------------------------------------------- ours
def ours_disk(Lambda: float, n: int, radius: float = 1.0, extent: float = 2.4,
              polygon_vertices: int = 4096, tol: float = 1e-10) -> dict:
    """Our stream-function solver: disk (centre slightly off the grid's symmetry point) on an
    n × n grid spanning ``extent`` × R, r0 = 2Λ, s = B = 1. Returns m/m_lead."""
    import solver
    from solver.film_geometry import FilmGeometry, disk
    from solver.finite_film import StreamFunctionSystem
    from solver.finite_solution import solve_finite_film

    t0 = time.perf_counter()
    grid = solver.Grid((n, n), extent * radius / n)
    geo = FilmGeometry(grid, disk((0.013 * radius, 0.007 * radius), radius, polygon_vertices))
    system = StreamFunctionSystem(geo, 2.0 * Lambda)
    t1 = time.perf_counter()
    sol = solve_finite_film(None, system, applied_field=1.0, stiffness=1.0, tol=tol)
    t2 = time.perf_counter()
    return {"n": n, "moment_ratio": sol.magnetic_moment / disk_moment_lead(radius),
            "iterations": sol.info["iterations"], "setup_s": t1 - t0, "solve_s": t2 - t1}


def ours_ring(Lambda: float, n: int, inner: float = 0.5, outer: float = 1.0,
              extent: float = 2.4, polygon_vertices: int = 4096) -> dict:
    """Our solver: annulus with hole current I = 1, r0 = 2Λ, s = 1."""
    import solver
    from solver.film_geometry import FilmGeometry, ring
    from solver.finite_film import StreamFunctionSystem
    from solver.finite_solution import solve_finite_film

    t0 = time.perf_counter()
    grid = solver.Grid((n, n), extent * outer / n)
    out, hole = ring((0.011 * outer, 0.003 * outer), inner, outer, polygon_vertices)
    system = StreamFunctionSystem(FilmGeometry(grid, out, [hole]), 2.0 * Lambda)
    t1 = time.perf_counter()
    sol = solve_finite_film(None, system, stiffness=1.0, hole_currents=[1.0])
    t2 = time.perf_counter()
    return {"n": n, "moment_per_current": sol.magnetic_moment / outer**2,
            "fluxoid_per_current": float(sol.fluxoids[0]),
            "iterations": sol.info["iterations"], "setup_s": t1 - t0, "solve_s": t2 - t1}


def ours_islands(Lambda: float, n: int, islands=ISLANDS, radius: float = 1.0,
                 extent: float = 3.4, polygon_vertices: int = 4096) -> dict:
    """Our solver, the same islands (``solver.exchange_map``) in the disk: F_self of island 1
    (``energy``) and F_pair (``interaction_with``), s = 1, r0 = 2Λ. The grid (3.4 R across)
    holds the islands' Gaussian tails, as ``exchange_map`` requires."""
    import solver
    from solver.film_geometry import FilmGeometry, disk
    from solver.finite_film import StreamFunctionSystem
    from solver.finite_solution import solve_finite_film

    t0 = time.perf_counter()
    grid = solver.Grid((n, n), extent * radius / n)
    system = StreamFunctionSystem(FilmGeometry(grid, disk((0.0, 0.0), radius, polygon_vertices)),
                                  2.0 * Lambda)
    sols = [solve_finite_film(solver.exchange_map([solver.Island.gaussian(c, w, moment=m)], grid),
                              system) for c, w, m in islands]
    t1 = time.perf_counter()
    return {"n": n, "self_energy": sols[0].energy, "pair_energy": sols[0].interaction_with(sols[1]),
            "iterations": sols[0].info["iterations"], "setup_s": 0.0, "solve_s": t1 - t0}


# ------------------------------------------------------------------------------- comparison
def extrapolate(values, spacings, default_order: float) -> tuple[float, float]:
    """Richardson extrapolation of the finest two ``values`` (mesh ``spacings``), with the
    order observed from the finest three when it lies in [0.5, 4] (else ``default_order``).
    Returns (extrapolated value, order used)."""
    x, h = list(values), list(spacings)
    p = default_order
    if len(x) >= 3 and x[-1] != x[-2]:
        q = (x[-2] - x[-3]) / (x[-1] - x[-2])
        r = h[-2] / h[-1]
        if q > 1 and 0.5 <= math.log(q) / math.log(r) <= 4:
            p = math.log(q) / math.log(r)
    r = h[-2] / h[-1]
    return x[-1] + (x[-1] - x[-2]) / (r**p - 1), p


def compare(quantity: str, ss_runs: list[dict], our_runs: list[dict]) -> dict:
    """One comparison row: values at each resolution, spreads, and the agreement test
    |ours_finest − SS_finest| ≤ SS spread (max − min over its resolutions).

    Also the extrapolations (:func:`extrapolate`; SuperScreen's mesh spacing ∝ vertices^(−1/2),
    default order 1; ours ∝ 1/N, default order 2). ``agree_extrapolated`` (|ours_extrap −
    SS_extrap| ≤ |SS_extrap − SS_finest|) is recorded but not tabulated: SuperScreen's
    convergence is too irregular (observed orders 1–3.6, one non-monotone sequence) for its
    extrapolation error to be a reliable yardstick.
    """
    ss = [r[quantity] for r in ss_runs]
    us = [r[quantity] for r in our_runs]
    ss_spread = max(ss) - min(ss)
    our_spread = max(us) - min(us)
    diff = us[-1] - ss[-1]
    ss_ext, ss_p = extrapolate(ss, [r["vertices"] ** -0.5 for r in ss_runs], 1.0)
    our_ext, our_p = extrapolate(us, [1.0 / r["n"] for r in our_runs], 2.0)
    return {"quantity": quantity,
            "superscreen": ss, "superscreen_vertices": [r["vertices"] for r in ss_runs],
            "ours": us, "ours_n": [r["n"] for r in our_runs],
            "superscreen_spread": ss_spread, "ours_spread": our_spread,
            "superscreen_extrapolated": ss_ext, "superscreen_order": ss_p,
            "ours_extrapolated": our_ext, "ours_order": our_p,
            "difference": diff, "difference_extrapolated": our_ext - ss_ext,
            "agree": bool(abs(diff) <= ss_spread),
            "agree_extrapolated": bool(abs(our_ext - ss_ext) <= abs(ss_ext - ss[-1]))}


def run_peer(quick: bool = False, lambdas=(0.1, 1.0, 10.0), ring_lambdas=(100.0, 1.0),
             island_lambdas=(1.0, 100.0)) -> dict:
    """All comparison rows (see the module docstring). ``quick``: smaller meshes and grids."""
    if quick:
        ss_vertices, our_n = [500, 1000, 2000], [64, 128, 256]
    else:
        ss_vertices, our_n = [2000, 4000, 8000], [128, 256, 512]
    rows = []
    for lam in lambdas:
        ss = [superscreen_disk(lam, v) for v in ss_vertices]
        us = [ours_disk(lam, n) for n in our_n]
        row = compare("moment_ratio", ss, us)
        row.update(case=f"disk in field, Λ/R = {lam:g}", Lambda=lam)
        if lam >= 10:
            row["first_order_theory"] = disk_moment_ratio_first_order(1.0, 2 * lam)
        rows.append(row)
    for lam in island_lambdas:
        ss = [superscreen_islands(lam, v) for v in ss_vertices]
        us = [ours_islands(lam, n) for n in our_n]
        for q in ("self_energy", "pair_energy"):
            row = compare(q, ss, us)
            row.update(case=f"Gaussian islands (w = 0.15 R) in a disk, Λ/R = {lam:g}", Lambda=lam)
            rows.append(row)
    lim = ring_limits(0.5, 1.0)
    for lam in ring_lambdas:
        ss = [superscreen_ring(lam, v) for v in ss_vertices]
        us = [ours_ring(lam, n) for n in our_n]
        for q in ("moment_per_current", "fluxoid_per_current"):
            row = compare(q, ss, us)
            row.update(case=f"ring a/b = 0.5, hole current I, Λ/b = {lam:g}", Lambda=lam,
                       lambda_infinite_limit=lim[q])
            rows.append(row)
    return {"rows": rows, "superscreen_vertices": ss_vertices, "ours_n": our_n}


def markdown(result: dict) -> str:
    """The comparison table; gaps relative to our finest value."""
    lines = ["| case | quantity | SuperScreen (vertices: value) | SS spread | SS extrap. (order) "
             "| ours (grid: value) | our spread | ours extrap. (order) | ours − SS, finest "
             "| ours − SS, extrapolated | within SS spread |",
             "|---|---|---|---:|---:|---|---:|---:|---:|---:|:-:|"]
    for r in result["rows"]:
        ss = ", ".join(f"{v}: {x:.5f}" for v, x in zip(r["superscreen_vertices"], r["superscreen"]))
        us = ", ".join(f"{n}²: {x:.6f}" for n, x in zip(r["ours_n"], r["ours"]))
        scale = abs(r["ours"][-1])
        gap_ext = (r["ours_extrapolated"] - r["superscreen_extrapolated"]) / scale
        lines.append(f"| {r['case']} | {r['quantity']} | {ss} | {r['superscreen_spread']:.1e} | "
                     f"{r['superscreen_extrapolated']:.5f} ({r['superscreen_order']:.1f}) | {us} | "
                     f"{r['ours_spread']:.1e} | {r['ours_extrapolated']:.6f} "
                     f"({r['ours_order']:.1f}) | {100 * r['difference'] / scale:+.3f} % | "
                     f"{100 * gap_ext:+.3f} % | {'yes' if r['agree'] else '**no**'} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", help="write the rows here")
    args = p.parse_args(argv)
    result = run_peer(quick=args.quick)
    print(markdown(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0 if all(r["agree"] for r in result["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
