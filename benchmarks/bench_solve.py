"""Solve time vs the bare FFTs it needs, operator build time, memory, and batched sources.

    python benchmarks/bench_solve.py [--sizes 256 512 ... 8192] [--repeats 3] [--threads 2]

(``python benchmarks/run.py`` runs this together with the analytic benchmarks and regenerates
``benchmarks/README.md``.) For each grid size, boundary and precision, measured side by side:

* bare FFTs: the transform set of a full solve on its solve grid (2× padded for "open"), in the
  solve's precision: one forward r2c of (a_x, a_y) and inverse c2r of j_x, j_y, A_x, A_y, B_z,
  unnormalised like the solver's, on pre-allocated arrays;
* full solve: ``solve`` + energy + current + vector potential + B_z(0) (operator built);
* first solve − warm solve with the disk cache off (everything an operator needs: FFTW plans —
  from wisdom when present — and multipliers), and the open-boundary kernel tables alone
  (W, U, G_z(0)) cold and from the disk cache;
* peak traced memory (tracemalloc) of one full solve over its inputs + requested outputs
  (a and the 5 output grids), and the operator's own resident memory (multipliers, work arrays).

Medians over repeats, the FFT set and the solve interleaved so both see the same machine load.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import time
import tracemalloc

import numpy as np

import solver
from solver import cache, checks
from solver.fft import FFTBackend


def median_time(fn, repeats: int) -> float:
    """Median wall time of ``repeats`` calls (s)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def machine(fft: FFTBackend) -> dict:
    """The machine, library versions (:func:`solver.dataset.library_versions`) and FFT
    settings the numbers were taken with."""
    from solver.dataset import library_versions

    versions = {k.removesuffix("_version"): v for k, v in library_versions().items()}
    return {"machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
            "system": f"{platform.system()} {platform.release()}", "cores": os.cpu_count(),
            "memory_GiB": round(checks.available_memory_bytes() / 2**30, 1),
            **versions, "solver": solver.__version__,
            "backend": fft.name, "threads": fft.threads, "planner": fft.planner}


def operator_nbytes(op) -> int:
    """Resident bytes of an operator: cached multipliers, its own buffers and FFT work arrays."""
    total = 0

    def add(x):
        nonlocal total
        if isinstance(x, np.ndarray):
            total += x.nbytes
        elif isinstance(x, dict):
            for v in x.values():
                add(v)
        elif isinstance(x, (tuple, list)):
            for v in x:
                add(v)

    add(list(op._cache.values()))
    add([v for k, v in vars(op).items() if k.startswith("_") and isinstance(v, np.ndarray)])
    for key, tp in op.fft._pairs.items():
        if key[1:3] == op.solve_grid.shape and key[3] == op.dtype.name:
            total += tp.real.nbytes + tp.spectrum.nbytes
    return total


def _problem(n: int):
    grid = solver.Grid((n, n), 1.0 / n)
    film = solver.Film(0.2)
    islands = [solver.Island.disk((-0.2, 0.0), 0.05, (1, 0)),
               solver.Island.disk((0.2, 0.05), 0.05, (0.3, 1))]
    return grid, film, solver.exchange_map(islands, grid)


def bench_solve(n: int, boundary: str, precision: str, repeats: int, fft: FFTBackend) -> dict:
    """One row: FFT set vs full solve, builds, memory (see the module docstring)."""
    grid, film, a = _problem(n)
    row = {"n": n, "boundary": boundary, "precision": precision}
    try:
        solver.get_operator(grid, film.pearl_length, boundary, fft, precision)
    except ValueError as err:  # does not fit in memory
        row["skipped"] = str(err)
        return row
    solver.clear_cache()

    def full():
        sol = solver.solve(a, grid, film, boundary, fft=fft, precision=precision)
        sol.energy, sol.current, sol.vector_potential, sol.field_z(0.0)

    was_enabled = cache.enabled()
    cache.set_enabled(False)
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
    op = solver.get_operator(grid, film.pearl_length, boundary, fft, precision)
    kernels_cold = kernels_cached = kernel_w = float("nan")
    if boundary == "open":  # the free-space kernel tables alone (no FFTW planning)
        cache.set_enabled(False)
        t0 = time.perf_counter()
        op._tensor("W")
        kernel_w = time.perf_counter() - t0
        op._tensor("U"), op._tensor("G", 0.0)
        kernels_cold = time.perf_counter() - t0
        cache.set_enabled(True)
        t0 = time.perf_counter()
        op._tensor("W"), op._tensor("U"), op._tensor("G", 0.0)
        kernels_cached = time.perf_counter() - t0
    cache.set_enabled(was_enabled)

    dtype = op.dtype
    sg = op.solve_grid.shape
    fwd, inv1 = fft.pair(2, sg, dtype), fft.pair(1, sg, dtype)
    src = fft.empty((2,) + sg, dtype)
    src[...] = 0.0
    src[:, :n, :n] = a
    spec2 = fft.empty((2, sg[0], sg[1] // 2 + 1), op.complex_dtype)
    out2 = fft.empty((2,) + sg, dtype)

    def bare():  # the transform set of a full solve, unnormalised like the solver's
        fwd.forward_into(src, spec2)
        fwd.inverse_into(spec2, out2)
        fwd.inverse_into(spec2, out2)
        inv1.inverse_into(spec2[:1], out2[:1])

    t_fft, t_solve = [], []
    for _ in range(repeats):  # interleaved: both see the same machine load
        t_fft.append(median_time(bare, 1))
        t_solve.append(median_time(full, 1))
    del src, spec2, out2
    tracemalloc.start()
    full()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    io_bytes = n * n * (2 * 8 + 5 * dtype.itemsize)  # a (2 float64 grids) + j, A (4) + B_z (1)
    warm_s = min(warm, statistics.median(t_solve))
    row.update(fft_s=statistics.median(t_fft), solve_s=statistics.median(t_solve),
               build_cold_s=max(first_cold - warm_s, 0.0),
               build_cached_s=max(first_cached - warm_s, 0.0),
               kernels_cold_s=kernels_cold, kernel_W_cold_s=kernel_w,
               kernels_cached_s=kernels_cached,
               peak_GiB=peak / 2**30, io_GiB=io_bytes / 2**30, peak_over_io=peak / io_bytes,
               operator_GiB=operator_nbytes(op) / 2**30)
    row["ratio"] = row["solve_s"] / row["fft_s"]
    solver.clear_cache()
    fft.clear()
    return row


def bench_batched(n: int, n_islands: int, repeats: int, fft: FFTBackend) -> dict:
    """Pair coupling tensors of ``n_islands`` islands (open boundary): ``interaction_energies``
    (batched multi-field FFTs + matrix products) vs the bare forward transforms it needs, and vs
    one forward transform per island (unbatched)."""
    grid = solver.Grid((n, n), 1.0 / n)
    film = solver.Film(0.2)
    rng = np.random.default_rng(1)
    centres = rng.uniform(-0.4, 0.4, (n_islands, 2))
    islands = [solver.Island.disk(c, 0.03, (1, 0)) for c in centres]
    solver.interaction_energies(islands, grid, film, fft=fft)  # operator + kernel built
    op = solver.get_operator(grid, film.pearl_length, "open", fft)
    sg = op.solve_grid.shape
    stack = np.zeros((n_islands,) + sg)

    # what interaction_energies does: one-off (FFTW_ESTIMATE) multi-field plans, allocating
    def bare():
        fft.rfft2(stack, cache=False)

    def unbatched():
        for k in range(n_islands):
            fft.rfft2(stack[k], cache=False)

    t_fft, t_loop, t_ie = [], [], []
    for _ in range(repeats):
        t_fft.append(median_time(bare, 1))
        t_loop.append(median_time(unbatched, 1))
        t_ie.append(median_time(lambda: solver.interaction_energies(islands, grid, film, fft=fft), 1))
    row = {"n": n, "islands": n_islands, "fft_s": statistics.median(t_fft),
           "unbatched_fft_s": statistics.median(t_loop),
           "interaction_energies_s": statistics.median(t_ie)}
    row["ratio"] = row["interaction_energies_s"] / row["fft_s"]
    solver.clear_cache()
    fft.clear()
    return row


def _opt(x: float) -> str:
    return "—" if math.isnan(x) else f"{x:.2f}"


def table_solve(rows: list[dict]) -> str:
    """Markdown table of :func:`bench_solve` rows, with the N log N scaling column."""
    lines = ["| N | boundary | precision | bare FFTs (s) | full solve (s) | solve / FFTs | "
             "solve / (N log N), rel. | first solve − warm, cold (s) | kernels cold: W / all (s) "
             "| kernels cached (s) | peak (GiB) | peak / (in+out) | operator (GiB) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    base: dict = {}
    for r in rows:
        if "skipped" in r:
            lines.append(f"| {r['n']}² | {r['boundary']} | {r['precision']} | skipped: does not "
                         "fit in memory | | | | | | | | | |")
            continue
        per = r["solve_s"] / (r["n"] ** 2 * math.log2(r["n"] ** 2))
        key = (r["boundary"], r["precision"])
        base.setdefault(key, per)
        lines.append(
            f"| {r['n']}² | {r['boundary']} | {r['precision']} | {r['fft_s']:.4f} | "
            f"{r['solve_s']:.4f} | {r['ratio']:.2f} | {per / base[key]:.2f} | "
            f"{r['build_cold_s']:.2f} | {_opt(r['kernel_W_cold_s'])} / {_opt(r['kernels_cold_s'])} | "
            f"{_opt(r['kernels_cached_s'])} | {r['peak_GiB']:.3f} | "
            f"{r['peak_over_io']:.2f} | {r['operator_GiB']:.3f} |")
    return "\n".join(lines)


def table_batched(rows: list[dict]) -> str:
    """Markdown table of :func:`bench_batched` rows."""
    lines = ["| N | islands | batched forward FFTs (s) | one FFT per island (s) | "
             "interaction_energies (s) | ratio to batched FFTs |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['n']}² | {r['islands']} | {r['fft_s']:.3f} | "
                     f"{r['unbatched_fft_s']:.3f} | {r['interaction_energies_s']:.3f} | "
                     f"{r['ratio']:.2f} |")
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096, 8192])
    p.add_argument("--boundaries", nargs="+", default=["periodic", "open"])
    p.add_argument("--single-sizes", type=int, nargs="*", default=[2048, 4096],
                   help="sizes also measured in single precision")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--backend", default="auto")
    p.add_argument("--planner", default="measure", help="FFTW planner (wisdom is cached on disk)")
    p.add_argument("--batched", type=int, nargs=2, default=[1024, 16], metavar=("N", "ISLANDS"))
    p.add_argument("--json", default=None)
    return p


def run(args) -> dict:
    """All solver rows of one run (printed as they come)."""
    fft = FFTBackend(args.backend, threads=args.threads, planner=args.planner)
    info = machine(fft)
    print("# " + ", ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    rows = []
    for n in args.sizes:
        for b in args.boundaries:
            for prec in ["double"] + (["single"] if n in args.single_sizes else []):
                r = bench_solve(n, b, prec, args.repeats, fft)
                rows.append(r)
                print(json.dumps(r), flush=True)
    batched = [bench_batched(args.batched[0], args.batched[1], args.repeats, fft)]
    print(json.dumps(batched[0]), flush=True)
    return {"machine": info, "solve": rows, "batched": batched}


def main() -> None:
    args = parser().parse_args()
    res = run(args)
    print(table_solve(res["solve"]))
    print(table_batched(res["batched"]))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=1)


if __name__ == "__main__":
    main()
