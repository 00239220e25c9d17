#!/usr/bin/env python
"""Finite-film benchmark (issue 15, item 6): our stream-function solver against SuperScreen.

    python benchmarks/bench_finite_film.py [--quick] [--peer-python PATH] [--no-peer]

Parts (each measurement in its own subprocess; wall time measured inside it after the imports,
peak memory = the child's peak resident set size, ``getrusage(RUSAGE_SELF).ru_maxrss``, which
includes the interpreter and its imports — reported separately as ``import RSS``):

1. **Reference.** Disk of radius R in a uniform field at Λ = 100 R (r0 = 200 R): m/m_lead,
   m_lead = −π s B R⁴/8. Reference = our solution Richardson-extrapolated (p = 2) from the two
   finest grids (full: 1024², 2048²; quick: 256², 512²) over 2.4 R, polygon of 8192 vertices;
   its error estimate is the change between the extrapolations from (N/2, N) and (N/4, N/2).
   Cross-checks: the analytic first order 1 − 16 R/(15π r0) (perturbation of the r0 = ∞
   Poisson solution; ⟨g0, Q g0⟩ = 2 s²B²R⁵/15), and the first-order coefficient re-measured by
   fitting our m(r0) at r0 = 200, 400, 800 R on one grid (the grid error nearly cancels).
2. **Equal accuracy.** SuperScreen (``validation.peer_superscreen.superscreen_disk``, buffer 0,
   equal-area boundary polygon, float64) on a ladder of mesh sizes up to a vertex cap, and ours
   on a ladder of grids; for each relative-error target (1 %, 0.1 %, 0.01 %) the coarsest run
   reaching it, its wall time and peak RSS → speed and memory ratios.
3. **Iterations** of CG (AMG V-cycle preconditioner, tol 1e-10) for the disk vs N and r0/L,
   L = 2R the film's diameter.
4. **Large film**: a square film filling a 2048² grid (≈ 4 M unknowns), r0 = L, uniform
   field: wall time and peak RSS; and a cProfile of it (quick: 1024²) → top costs.

Results go to ``benchmarks/finite_film_results.json``; the Markdown tables are printed and
written to ``benchmarks/FINITE_FILM.md``.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
LAMBDA = 100.0          # Λ/R of the equal-accuracy case
TARGETS = (1e-2, 1e-3, 1e-4)


# =============================================================================== child tasks
def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0     # Linux: kB


def _disk_once(n: int, Lambda: float, vertices: int, extent: float = 2.4, tol: float = 1e-10):
    import solver
    from solver.film_geometry import FilmGeometry, disk
    from solver.finite_film import StreamFunctionSystem
    from solver.finite_solution import solve_finite_film

    t0 = time.perf_counter()
    grid = solver.Grid((n, n), extent / n)
    system = StreamFunctionSystem(FilmGeometry(grid, disk((0.013, 0.007), 1.0, vertices)),
                                  2.0 * Lambda)
    t1 = time.perf_counter()
    sol = solve_finite_film(None, system, applied_field=1.0, stiffness=1.0, tol=tol)
    m = sol.magnetic_moment
    t2 = time.perf_counter()
    return {"n": n, "unknowns": int(system.n), "moment_ratio": m / (-math.pi / 8),
            "iterations": int(sol.info["iterations"]), "setup_s": t1 - t0, "solve_s": t2 - t1,
            "wall_s": t2 - t0}


def task_ours_disk(n: int, Lambda: float = LAMBDA, vertices: int = 1024, repeats: int = 3):
    runs = [_disk_once(n, Lambda, vertices) for _ in range(repeats)]
    out = dict(runs[-1])
    out["wall_s"] = statistics.median(r["wall_s"] for r in runs)
    out["setup_s"] = statistics.median(r["setup_s"] for r in runs)
    out["solve_s"] = statistics.median(r["solve_s"] for r in runs)
    out["walls"] = [r["wall_s"] for r in runs]
    return out


def task_ss_disk(vertices: int, Lambda: float = LAMBDA):
    from validation.peer_superscreen import superscreen_disk

    t0 = time.perf_counter()
    r = superscreen_disk(Lambda, vertices)
    r["wall_s"] = time.perf_counter() - t0
    return r


def task_iterations(n: int, r0_over_L: float):
    r = _disk_once(n, r0_over_L, 1024)     # r0 = 2Λ = r0_over_L × L with L = 2R = 2
    return {k: r[k] for k in ("n", "unknowns", "iterations", "setup_s", "solve_s", "wall_s")}


def task_large(n: int, profile: bool = False, top: int = 14):
    import solver
    from solver.film_geometry import FilmGeometry, rectangle
    from solver.finite_film import StreamFunctionSystem
    from solver.finite_solution import solve_finite_film

    L = 1.0

    def run():
        t0 = time.perf_counter()
        grid = solver.Grid((n, n), L / (n - 12))
        geo = FilmGeometry(grid, rectangle((0.001, 0.0007), (L, L)))
        system = StreamFunctionSystem(geo, L)
        t1 = time.perf_counter()
        sol = solve_finite_film(None, system, applied_field=1.0)
        m = sol.magnetic_moment
        t2 = time.perf_counter()
        return {"n": n, "unknowns": int(system.n), "iterations": int(sol.info["iterations"]),
                "setup_s": t1 - t0, "solve_s": t2 - t1, "wall_s": t2 - t0, "moment": m}

    if not profile:
        return run()
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    out = run()
    prof.disable()
    st = pstats.Stats(prof)
    rows = []
    for (file, line, func), (cc, nc, tt, ct, _) in st.stats.items():
        rows.append({"function": f"{Path(file).name}:{line}({func})", "calls": nc,
                     "tottime_s": tt, "cumtime_s": ct})
    out["profile_tottime"] = sorted(rows, key=lambda r: -r["tottime_s"])[:top]
    parts = {  # label: (file name, function name) of the cumulative entry
        "geometry: labels (scan lines)": ("film_geometry.py", "labels"),
        "geometry: boundary links": ("film_geometry.py", "links"),
        "geometry: checks (polygon, width)": ("film_geometry.py", "__post_init__"),
        "assembly of the Gibou Laplacian": ("finite_film.py", "_laplacian"),
        "AMG setup (pyamg Ruge–Stüben)": ("finite_film.py", "multigrid"),
        "AMG V-cycles (preconditioner)": ("multilevel.py", "solve"),
        "A·u: self-field by FFT (FreeSpaceSheet.field)": ("finite_film.py", "field"),
        "  of which kernel multipliers (first call)": ("finite_film.py", "_multipliers"),
        "A·u: total (Laplacian + FFT + scatter/gather)": ("finite_film.py", "matvec"),
        "CG (scipy, all inside)": ("iterative.py", "cg"),
        "solution: magnetic moment": ("finite_solution.py", "magnetic_moment"),
    }
    breakdown = []
    for label, (fname, func) in parts.items():
        hit = [(v[1], v[3]) for (file, _line, fn), v in st.stats.items()
               if Path(file).name == fname and fn == func]
        if hit:
            breakdown.append({"part": label, "calls": sum(h[0] for h in hit),
                              "cumtime_s": max(h[1] for h in hit)})
    out["profile_breakdown"] = breakdown
    out["profile_cumtime"] = sorted(rows, key=lambda r: -r["cumtime_s"])[:top * 3]
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    return out


def task_reference(ns: list[int], vertices: int = 8192, fit_n: int = 512):
    """Our m/m_lead at Λ = 100 R on the grids ``ns`` and, on ``fit_n``, at r0 = 200, 400, 800 R."""
    runs = [_disk_once(n, LAMBDA, vertices) for n in ns]
    fit = [_disk_once(fit_n, lam, vertices) for lam in (LAMBDA, 2 * LAMBDA, 4 * LAMBDA)]
    return {"runs": runs, "fit_n": fit_n,
            "fit": [{"r0": 2 * lam, "moment_ratio": r["moment_ratio"]}
                    for lam, r in zip((LAMBDA, 2 * LAMBDA, 4 * LAMBDA), fit)]}


def task_peer(quick: bool = False):
    from validation.peer_superscreen import run_peer

    t0 = time.perf_counter()
    out = run_peer(quick=quick)
    out["wall_s"] = time.perf_counter() - t0
    return out


TASKS = {"peer": task_peer, "ours_disk": task_ours_disk, "ss_disk": task_ss_disk, "iterations": task_iterations,
         "large": task_large, "reference": task_reference}


def worker(spec: str) -> None:
    d = json.loads(spec)
    import numpy  # noqa: F401  (the baseline includes numpy/scipy for both codes)
    import scipy.sparse  # noqa: F401
    if d["task"] in ("ss_disk", "peer"):
        import superscreen  # noqa: F401
    else:
        import solver  # noqa: F401
    base = _rss_mb()
    out = TASKS[d["task"]](**d.get("kwargs", {}))
    out["peak_rss_mb"] = _rss_mb()
    out["import_rss_mb"] = base
    print("RESULT " + json.dumps(out), flush=True)


# =============================================================================== parent
def child(python: str, task: str, timeout: float, **kwargs) -> dict:
    spec = json.dumps({"task": task, "kwargs": kwargs})
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    t0 = time.perf_counter()
    try:
        p = subprocess.run([python, str(Path(__file__).resolve()), "--worker", spec], env=env,
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s", **kwargs}
    for line in p.stdout.splitlines()[::-1]:
        if line.startswith("RESULT "):
            out = json.loads(line[7:])
            out["process_s"] = time.perf_counter() - t0
            return out
    return {"error": (p.stderr or p.stdout)[-2000:], "returncode": p.returncode, **kwargs}


def find_peer_python(explicit: str | None) -> str | None:
    cands = [explicit] if explicit else [sys.executable, "/tmp/peer/bin/python"]
    for c in cands:
        if c and Path(c).exists():
            r = subprocess.run([c, "-c", "import superscreen; print(superscreen.__version__)"],
                               capture_output=True, text=True)
            if r.returncode == 0:
                return c
    return None


def richardson(coarse: float, fine: float, p: float = 2.0, ratio: float = 2.0) -> float:
    return fine + (fine - coarse) / (ratio**p - 1)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def machine_info(peer_python: str | None) -> dict:
    import numpy
    import scipy

    info = {"platform": platform.platform(), "machine": platform.machine(),
            "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": numpy.__version__, "scipy": scipy.__version__,
            "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime())}
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith(("MemTotal", "MemAvailable")):
                    k, v = line.split(":")
                    info[k] = f"{int(v.split()[0]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    try:
        import pyamg
        info["pyamg"] = pyamg.__version__
    except ImportError:
        pass
    try:
        from solver.fft import default_backend
        b = default_backend()
        info["fft_backend"] = f"{b.name} ({b.threads} threads)"
    except Exception:  # noqa: BLE001
        pass
    if peer_python:
        r = subprocess.run([peer_python, "-c", "import superscreen, numpy, scipy; "
                            "print(superscreen.__version__, numpy.__version__, scipy.__version__)"],
                           capture_output=True, text=True)
        info["superscreen"] = r.stdout.strip()
    return info


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="finite-film benchmark")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--peer-python", help="a python with superscreen (default: this one, else "
                    "/tmp/peer/bin/python)")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--ss-max-vertices", type=int, default=12000)
    ap.add_argument("--ss-max-seconds", type=float, default=240.0)
    ap.add_argument("--ss-max-rss-mb", type=float, default=10000.0,
                    help="skip a SuperScreen run whose predicted peak RSS (∝ vertices²) exceeds this")
    ap.add_argument("--parts", default="reference,accuracy,iterations,large,peer",
                    help="comma list; parts not run are kept from an existing --out file "
                         "(accuracy needs the reference)")
    ap.add_argument("--report-only", action="store_true",
                    help="rebuild the Markdown from the --out JSON without running anything")
    ap.add_argument("--out", default=str(HERE / "finite_film_results.json"))
    ap.add_argument("--md", default=str(HERE / "FINITE_FILM.md"))
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return 0
    if args.report_only:
        md = markdown(json.loads(Path(args.out).read_text()))
        print(md)
        Path(args.md).write_text(md + "\n")
        return 0
    quick = args.quick
    py = sys.executable
    peer = None if args.no_peer else find_peer_python(args.peer_python)
    parts = set(args.parts.split(","))
    res: dict = {}
    if parts != {"reference", "accuracy", "iterations", "large", "peer"} and Path(args.out).exists():
        res = json.loads(Path(args.out).read_text())
    res.update({"quick": quick, "machine": machine_info(peer), "Lambda_over_R": LAMBDA})
    if "reference" in parts:
        reference_part(res, py, quick)
    if "accuracy" in parts:
        accuracy_part(res, py, peer, quick, args)
    if "iterations" in parts:
        iterations_part(res, py, quick)
    if "large" in parts:
        large_part(res, py, quick)
    if "peer" in parts and peer:
        log("peer comparison (validation.peer_superscreen)")
        res["peer"] = child(peer, "peer", 3000, quick=quick)
    Path(args.out).write_text(json.dumps(res, indent=1, default=float))
    md = markdown(res)
    print(md)
    Path(args.md).write_text(md + "\n")
    return 0


def reference_part(res: dict, py: str, quick: bool) -> None:
    ref_ns = [256, 512] if quick else [512, 1024, 2048]
    log("reference", ref_ns)
    r = child(py, "reference", 3000, ns=ref_ns, fit_n=256 if quick else 512)
    if "error" in r:
        raise RuntimeError(f"reference run failed: {r['error']}")
    ms = [x["moment_ratio"] for x in r["runs"]]
    ref = richardson(ms[-2], ms[-1])
    ref_err = abs(ref - richardson(ms[-3], ms[-2])) if len(ms) >= 3 else abs(ms[-1] - ms[-2]) / 3
    r0s = [f["r0"] for f in r["fit"]]
    vals = [f["moment_ratio"] for f in r["fit"]]
    import numpy as np
    coef = np.polyfit([1 / x for x in r0s], vals, 2)          # C/r0² + B/r0 + A
    first = 1 - 16 / (15 * math.pi * 2 * LAMBDA)
    res["reference"] = {
        "grids": ref_ns, "values": ms, "reference": ref, "reference_error_estimate": ref_err,
        "observed_order": (math.log2(abs(ms[-3] - ms[-2]) / abs(ms[-2] - ms[-1]))
                           if len(ms) >= 3 else None),
        "first_order_theory": first, "reference_minus_first_order": ref - first,
        "second_order_coefficient": (ref - first) * (2 * LAMBDA) ** 2,
        "fit_grid": r["fit_n"], "fit_first_order_coefficient": coef[1],
        "theory_first_order_coefficient": -16 / (15 * math.pi),
        "fit_second_order_coefficient": coef[0], "runs": r["runs"]}
    log(f"  reference {ref:.9f} ± {ref_err:.1e}; first-order theory {first:.9f}")


def accuracy_part(res: dict, py: str, peer: str | None, quick: bool, args) -> None:
    ref = res["reference"]["reference"]
    our_ns = [32, 64, 128, 256] if quick else [32, 48, 64, 96, 128, 192, 256, 384, 512]
    ours = []
    for n in our_ns:
        x = child(py, "ours_disk", 900, n=n, repeats=3)
        if "error" in x:
            log("  ours", n, "failed:", x["error"][-300:])
            continue
        x["rel_error"] = abs(x["moment_ratio"] / ref - 1)
        ours.append(x)
        log(f"  ours {n}²: err {x['rel_error']:.2e}, {x['wall_s']:.2f} s, "
            f"{x['peak_rss_mb']:.0f} MB, {x['iterations']} it")
    res["ours"] = ours
    ss = []
    if peer:
        ss_vertices = [500, 1000, 2000] if quick else [500, 1000, 2000, 4000, 8000, 12000]
        for v in ss_vertices:
            if v > args.ss_max_vertices:
                break
            x = child(peer, "ss_disk", 3 * args.ss_max_seconds + 120, vertices=v)
            if "error" in x:
                log("  superscreen", v, "failed:", x["error"][-300:])
                ss.append(x)
                break
            x["rel_error"] = abs(x["moment_ratio"] / ref - 1)
            ss.append(x)
            log(f"  superscreen {x['vertices']} vertices: err {x['rel_error']:.2e}, "
                f"{x['wall_s']:.2f} s, {x['peak_rss_mb']:.0f} MB")
            if x["wall_s"] > args.ss_max_seconds:
                log("  superscreen: time cap reached")
                break
            later = [w for w in ss_vertices if w > v]
            if later and x["peak_rss_mb"] * (later[0] / x["vertices"]) ** 2 > args.ss_max_rss_mb:
                log(f"  superscreen: {later[0]} vertices would need ~"
                    f"{x['peak_rss_mb'] * (later[0] / x['vertices']) ** 2:.0f} MB: stop")
                res["superscreen_stopped"] = (f"next mesh ({later[0]} vertices) predicted to "
                                              f"exceed {args.ss_max_rss_mb:.0f} MB")
                break
    res["superscreen"] = ss
    table = []
    for tgt in TARGETS:
        o = next((x for x in ours if x["rel_error"] <= tgt), None)
        s = next((x for x in ss if "error" not in x and x["rel_error"] <= tgt), None)
        row = {"target": tgt, "ours": o and {k: o[k] for k in ("n", "unknowns", "rel_error",
                                                                  "wall_s", "peak_rss_mb",
                                                                  "import_rss_mb")},
               "superscreen": s and {k: s[k] for k in ("vertices", "rel_error", "wall_s",
                                                        "mesh_s", "solve_s", "peak_rss_mb",
                                                        "import_rss_mb")}}
        if o and s:
            row["speed_ratio"] = s["wall_s"] / o["wall_s"]
            row["memory_ratio"] = s["peak_rss_mb"] / o["peak_rss_mb"]
            row["memory_ratio_above_imports"] = ((s["peak_rss_mb"] - s["import_rss_mb"])
                                                 / max(o["peak_rss_mb"] - o["import_rss_mb"], 1.0))
        table.append(row)
    res["equal_accuracy"] = table


def iterations_part(res: dict, py: str, quick: bool) -> None:
    it_ns = [64, 128, 256] if quick else [64, 128, 256, 512, 1024]
    ratios = [1e-2, 1, 1e3] if quick else [1e-2, 1e-1, 1, 10, 100, 1e3]
    its = []
    for ratio in ratios:
        for n in it_ns:
            x = child(py, "iterations", 900, n=n, r0_over_L=ratio)
            x["r0_over_L"] = ratio
            its.append(x)
            log(f"  iterations r0/L={ratio:g} {n}²: {x.get('iterations')} "
                f"({x.get('solve_s', float('nan')):.2f} s)")
    res["iterations"] = its


def large_part(res: dict, py: str, quick: bool) -> None:
    big_n = 1024 if quick else 2048
    x = child(py, "large", 1200, n=big_n)
    log(f"  large {big_n}²: {x.get('wall_s')} s, {x.get('peak_rss_mb')} MB")
    res["large"] = x
    x = child(py, "large", 1500, n=big_n, profile=True)
    res["large_profile"] = x


# =============================================================================== report
def _f(x, fmt):
    return "—" if x is None else format(x, fmt)


def markdown(res: dict) -> str:
    m = res["machine"]
    ref = res["reference"]
    L = []
    L.append("# Finite-film benchmark: our stream-function solver vs SuperScreen\n")
    L.append("Generated by `python benchmarks/bench_finite_film.py" + (" --quick" if res["quick"]
                                                                         else "") + "`.\n")
    L.append(f"Machine: {m.get('platform')}, {m.get('cores')} cores (shared with other jobs: "
             f"noisy), {m.get('MemTotal')} RAM; python {m.get('python')}, numpy {m.get('numpy')}, "
             f"scipy {m.get('scipy')}, pyamg {m.get('pyamg')}, FFT {m.get('fft_backend')}; "
             f"SuperScreen (numpy, scipy) {m.get('superscreen', 'absent')}; {m.get('date_utc')} "
             "UTC.\n")
    L.append("## Reference: disk of radius R in a uniform field, Λ = 100 R (r0 = 200 R)\n")
    L.append("Our m/m_lead (m_lead = −π s B R⁴/8) on grids over 2.4 R, polygon of 8192 vertices; "
             "Richardson (p = 2) from the two finest; error estimate = change against the "
             "extrapolation from the next coarser pair.\n")
    L.append("| grid | " + " | ".join(f"{n}²" for n in ref["grids"]) + " | Richardson | "
             "± | observed order |")
    L.append("|---|" + "---:|" * (len(ref["grids"]) + 3))
    L.append("| m/m_lead | " + " | ".join(f"{v:.9f}" for v in ref["values"]) +
             f" | **{ref['reference']:.9f}** | {ref['reference_error_estimate']:.1e} | "
             f"{_f(ref['observed_order'], '.2f')} |\n")
    L.append(f"Cross-checks: analytic first order 1 − 16R/(15π r0) = {ref['first_order_theory']:.9f}"
             f" (reference − it = {ref['reference_minus_first_order']:+.2e}, i.e. a second-order "
             f"coefficient c₂ = {ref['second_order_coefficient']:.3f} in c₂ (R/r0)²); fitting our "
             f"m(r0) at r0 = 200, 400, 800 R on the {ref['fit_grid']}² grid gives the first-order "
             f"coefficient {ref['fit_first_order_coefficient']:.5f} (theory −16/(15π) = "
             f"{ref['theory_first_order_coefficient']:.5f}) and c₂ = "
             f"{ref['fit_second_order_coefficient']:.3f}.\n")
    L.append("## Equal accuracy\n")
    L.append("Coarsest run of each code with |m/m_ref − 1| ≤ target. Wall = everything after the "
             "imports (geometry/mesh, assembly, solve, moment; ours: median of 3). Peak RSS of "
             "the child process (import baseline in parentheses). Ours: median of 3 consecutive "
             "solves in one process (the first also plans FFTs and builds kernel tables). "
             "SuperScreen at its best (`validation.peer_superscreen._ss_device`): float64, "
             "dense LU, square mesh with the disk's edge as mesh vertices (g = 0 exactly on "
             "it), equal-area boundary polygon; wall = mesh generation + operators + solve.\n")
    L.append("| target | ours: grid | err | wall s | peak RSS MB | SuperScreen: vertices | err | "
             "wall s (mesh & operators + solve) | peak RSS MB | speed × | memory × (above imports) |")
    L.append("|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for row in res["equal_accuracy"]:
        o, s = row["ours"], row["superscreen"]
        oc = (f"{o['n']}² ({o['unknowns']} unknowns) | {o['rel_error']:.1e} | {o['wall_s']:.2f} | "
              f"{o['peak_rss_mb']:.0f} ({o['import_rss_mb']:.0f})") if o else "not reached | | |"
        sc_ = (f"{s['vertices']} | {s['rel_error']:.1e} | {s['wall_s']:.1f} ({s['mesh_s']:.1f} + "
               f"{s['solve_s']:.1f}) | {s['peak_rss_mb']:.0f} ({s['import_rss_mb']:.0f})") if s \
            else "not reached (cap) | | |"
        ratio = (f"{row['speed_ratio']:.1f} | {row['memory_ratio']:.1f} "
                 f"({row['memory_ratio_above_imports']:.1f})") if "speed_ratio" in row else "— | —"
        L.append(f"| {row['target']:.0e} | {oc} | {sc_} | {ratio} |")
    L.append("\nAll runs:\n")
    L.append("| code | size | m/m_lead | rel. error | wall s | peak RSS MB |")
    L.append("|---|---|---:|---:|---:|---:|")
    for x in res["ours"]:
        L.append(f"| ours | {x['n']}² | {x['moment_ratio']:.7f} | {x['rel_error']:.2e} | "
                 f"{x['wall_s']:.2f} | {x['peak_rss_mb']:.0f} |")
    for x in res["superscreen"]:
        if "error" in x:
            L.append(f"| SuperScreen | {x.get('vertices')} | failed | | | |")
            continue
        L.append(f"| SuperScreen | {x['vertices']} vertices | {x['moment_ratio']:.7f} | "
                 f"{x['rel_error']:.2e} | {x['wall_s']:.1f} | {x['peak_rss_mb']:.0f} |")
    L.append("\nNotes: our ladder uses a 1024-vertex disk polygon (inscribed: moment bias "
             "≈ −1.3e-5), which is what limits its 384² and 512² errors — irrelevant for "
             "targets ≥ 1e-4 (the reference uses 8192 vertices). SuperScreen converges at "
             "about first order in its mesh spacing (error ∝ 1/vertices here); its cost is "
             "dense: the kernel matrix and LU are O(vertices²) memory and O(vertices³) time, "
             "and mesh generation (Triangle, refined until `min_points`) plus the dense "
             "operators dominate its wall time up to ~8 k vertices. At the 1 % and 0.1 % "
             "targets both codes spend most of their time in fixed costs (Python-level setup, "
             "FFT planning, meshing), so those speed ratios say little; the ratio at 1e-4 is "
             "the meaningful one.\n")
    L.append("\n## CG iterations (AMG V-cycle preconditioner, tol 1e-10): disk, L = 2R\n")
    its = res["iterations"]
    ns = sorted({x["n"] for x in its if "n" in x})
    ratios = sorted({x["r0_over_L"] for x in its})
    L.append("| r0/L | " + " | ".join(f"{n}²" for n in ns) + " |")
    L.append("|---|" + "---:|" * len(ns))
    for ratio in ratios:
        cells = []
        for n in ns:
            x = next((y for y in its if y.get("n") == n and y["r0_over_L"] == ratio), None)
            cells.append(f"{x['iterations']} ({x['solve_s']:.1f} s)" if x and "iterations" in x
                         else "—")
        L.append(f"| {ratio:g} | " + " | ".join(cells) + " |")
    big = res["large"]
    L.append(f"\n## Large film: square filling a {big.get('n')}² grid, r0 = L, uniform field\n")
    if "error" in big:
        L.append(f"failed: {big['error'][-500:]}\n")
    else:
        L.append(f"{big['unknowns']} unknowns: wall {big['wall_s']:.1f} s (geometry + assembly "
                 f"{big['setup_s']:.1f} s, solve {big['solve_s']:.1f} s incl. AMG setup, "
                 f"{big['iterations']} CG iterations), peak RSS {big['peak_rss_mb']:.0f} MB "
                 f"(target ≤ 60 s, ≤ 4096 MB).\n")
    prof = res.get("large_profile", {})
    if "profile_breakdown" in prof:
        L.append(f"Where the time goes (cProfile, profiled wall {prof['wall_s']:.1f} s; "
                 "cumulative times, nested rows overlap):\n")
        L.append("| part | calls | cumulative s |")
        L.append("|---|---:|---:|")
        for p in prof["profile_breakdown"]:
            L.append(f"| {p['part']} | {p['calls']} | {p['cumtime_s']:.2f} |")
        L.append("")
    if "profile_tottime" in prof:
        L.append(f"cProfile of the same run (profiled wall {prof['wall_s']:.1f} s), top own "
                 "times:\n")
        L.append("| function | calls | own s | cumulative s |")
        L.append("|---|---:|---:|---:|")
        for p in prof["profile_tottime"]:
            L.append(f"| `{p['function']}` | {p['calls']} | {p['tottime_s']:.2f} | "
                     f"{p['cumtime_s']:.2f} |")
    peer = res.get("peer")
    if peer and "rows" in peer:
        from validation.peer_superscreen import markdown as peer_markdown

        L.append("\n## Peer validation (`validation.peer_superscreen`, issue 15 item 5)\n")
        L.append("Both codes at three resolutions on the same films (SuperScreen at its best as "
                 "above); dimensionless quantities: disk m/m_lead, ring m/(I b²) and Φ s/I "
                 "(SuperScreen: Φ/(μ0ΛI)), islands' self and pair energies with s = 1 "
                 "(SuperScreen's g × Λ). Gaps relative to our finest value; *within SS "
                 "spread*: |ours − SS| (finest) ≤ max − min of SuperScreen's three values. "
                 f"Run time {peer['wall_s']:.0f} s.\n")
        L.append(peer_markdown(peer))
        L.append("")
    elif peer:
        L.append(f"\n## Peer validation failed\n\n{peer.get('error', '')[-800:]}\n")
    return "\n".join(L)


if __name__ == "__main__":
    sys.exit(main())
