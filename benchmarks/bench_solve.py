"""Solve time vs the bare FFTs it needs, kernel build time, and peak memory.

    python benchmarks/bench_solve.py [--sizes 2048 4096] [--repeats 5] [--threads 2] [--json out.json]

For each grid size and boundary, measured side by side in one run:
* bare FFTs: the transform set of a full solve on the solve grid (2× padded for "open"):
  one forward r2c of the 2 source components and inverse c2r of the 5 outputs (jx, jy, Ax, Ay, Bz);
* full solve: ``solve`` + energy + current + vector potential + B_z(0) (operator already built);
* operator build (kernels + plans; the free-space kernel quadrature for "open");
* peak traced memory of one full solve (tracemalloc) over the size of its inputs + outputs (7 grids).
Medians over repeats; the ratio solve/FFT is the figure of merit (this machine is noisy).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
import tracemalloc

import numpy as np

import solver
from solver import cache
from solver.fft import FFTBackend


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench(n: int, boundary: str, repeats: int, fft: FFTBackend) -> dict:
    h = 1.0 / n
    grid = solver.Grid((n, n), h)
    film = solver.Film(0.2)
    islands = [solver.Island.disk((-0.2, 0.0), 0.05, (1, 0)), solver.Island.disk((0.2, 0.05), 0.05, (0.3, 1))]
    a = solver.exchange_map(islands, grid)

    def full():
        sol = solver.solve(a, grid, film, boundary, fft=fft)
        sol.energy, sol.current, sol.vector_potential, sol.field_z(0.0)

    # operator build = first full solve − a warm one; cold (disk cache off) and from the disk cache
    cache.set_enabled(False)
    solver.clear_cache()
    t0 = time.perf_counter()
    full()
    first_cold = time.perf_counter() - t0
    warm = median_time(full, 1)
    cache.set_enabled(True)
    solver.clear_cache()
    full()  # populate the disk cache
    solver.clear_cache()
    t0 = time.perf_counter()
    full()
    first_cached = time.perf_counter() - t0
    build, build_cached = max(first_cold - warm, 0.0), max(first_cached - warm, 0.0)
    op = solver.get_operator(grid, film.pearl_length, boundary, fft)

    sg = op.solve_grid.shape
    fwd = fft.pair(2, sg)
    inv1 = fft.pair(1, sg)
    src = fft.empty((2,) + sg)
    src[...] = 0.0
    src[:, :n, :n] = a
    spec2 = fft.empty((2, sg[0], sg[1] // 2 + 1), dtype="complex128")
    out2 = fft.empty((2,) + sg)

    def bare():  # the transform set of a full solve, unnormalised like the solver's
        fwd.forward_into(src, spec2)
        fwd.inverse_into(spec2, out2)
        fwd.inverse_into(spec2, out2)
        inv1.inverse_into(spec2[:1], out2[:1])

    t_fft, t_solve = [], []
    for _ in range(repeats):  # interleaved: both see the same machine load
        t_fft.append(median_time(bare, 1))
        t_solve.append(median_time(full, 1))
    tracemalloc.start()
    full()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    io_bytes = 7 * n * n * 8
    res = {"n": n, "boundary": boundary, "fft_s": statistics.median(t_fft),
           "solve_s": statistics.median(t_solve), "build_s": build, "build_cached_s": build_cached,
           "peak_GiB": peak / 2**30, "io_GiB": io_bytes / 2**30}
    res["ratio"] = res["solve_s"] / res["fft_s"]
    res["peak_over_io"] = peak / io_bytes
    solver.clear_cache()
    fft.clear()
    return res


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[2048, 4096])
    p.add_argument("--boundaries", nargs="+", default=["periodic", "open"])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--backend", default="auto")
    p.add_argument("--planner", default="measure", help="FFTW planner (wisdom is cached on disk)")
    p.add_argument("--json", default=None)
    args = p.parse_args()
    fft = FFTBackend(args.backend, threads=args.threads, planner=args.planner)
    print(f"# machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, numpy {np.__version__}; backend {fft.name}, "
          f"threads {fft.threads}, planner {fft.planner}")
    print("| N | boundary | bare FFTs (s) | full solve (s) | ratio | build cold (s) | build cached (s) | peak (GiB) | peak / (in+out) |")
    print("|---|---|---|---|---|---|---|---|---|")
    rows = []
    for n in args.sizes:
        for b in args.boundaries:
            r = bench(n, b, args.repeats, fft)
            rows.append(r)
            print(f"| {n}² | {b} | {r['fft_s']:.3f} | {r['solve_s']:.3f} | {r['ratio']:.2f} | "
                  f"{r['build_s']:.2f} | {r['build_cached_s']:.2f} | {r['peak_GiB']:.2f} | {r['peak_over_io']:.2f} |", flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"backend": fft.name, "threads": fft.threads, "rows": rows}, fh, indent=1)


if __name__ == "__main__":
    main()
