"""Solve time vs the bare FFTs it needs, builds, first solve in a fresh process, memory, and
batched sources.

    python benchmarks/bench_solve.py [--sizes 256 512 ... 8192] [--repeats 3] [--threads 2]

(``python benchmarks/run.py`` runs this together with the analytic benchmarks and regenerates
``benchmarks/README.md``.) Every (N, boundary, precision) case runs in fresh subprocesses of
this script (``--child``), so each case starts from a clean heap and frees all its memory:

1. ``--child case`` (disk cache off at start, planner as configured, ``measure`` by default):
   the cold build (kernel tables and FFTW plans from scratch, no wisdom), then — disk cache on,
   FFTW wisdom and tables stored — interleaved repeats of

   * bare FFTs, unpruned: the solve's transform set as full 2-D transforms on its transform grid
     (2× padded for "open"), in the solve's precision, on pre-allocated arrays: one r2c of
     (a_x, a_y), c2r of j_x, j_y, A_x, A_y, B_z (unnormalised like the solver's). Where that
     set does not fit next to the operator (8192² open), one field at a time on one reused
     pair of arrays (2 r2c + 5 c2r; marked † in the table);
   * bare FFTs, pruned: the solver's own pruned, blocked transform set
     (``op.pruned``: forward rows of a, the column pass with a no-op multiplier, inverse rows
     of the 5 outputs), no multiplier work;
   * full solve: ``solve(...).evaluate()`` — energy, j, A, B_z(0) in one pass, outputs
     allocated;

   and the operator's resident bytes after a solve (quarter tables + the pruned transform's
   per-thread work buffers).
2. ``--child estimate``: the unpruned bare set and the solve with ``FFTBackend(planner=
   "estimate")`` (the default planner) in a process that never loaded measured wisdom.
3. ``--child fresh``: the first solve in a fresh process — from the script's first line (before
   numpy and solver are imported) to the first completed full solve, with FFTW wisdom and kernel
   tables from the disk cache (the source a is built before the clock's solve part and not
   counted) — split into imports, plans, tables and numba load (first evaluate − a second
   evaluate); and the process's peak RSS during that solve (the high-water mark is reset after
   a is built) over the bytes of a + the outputs.

Medians over repeats, the transform sets and the solve interleaved so all see the same load.
"""
from __future__ import annotations

import time

_T_START = time.perf_counter()  # the fresh-process clock starts before numpy/solver imports

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402

import solver  # noqa: E402
from solver import cache, checks  # noqa: E402
from solver.fft import FFTBackend  # noqa: E402

_T_IMPORTED = time.perf_counter()


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


def _nbytes(values) -> int:
    """Bytes of the distinct numpy buffers in ``values`` (arrays, nested dicts/tuples/lists);
    views count once, as their base array."""
    seen: set[int] = set()
    total = 0

    def add(x):
        nonlocal total
        if isinstance(x, np.ndarray):
            root = x
            while isinstance(root.base, np.ndarray):
                root = root.base
            if id(root) not in seen:
                seen.add(id(root))
                total += root.nbytes
        elif isinstance(x, dict):
            for v in x.values():
                add(v)
        elif isinstance(x, (tuple, list)):
            for v in x:
                add(v)

    add(values)
    return total


def operator_nbytes(op) -> dict:
    """Resident bytes of an operator after a solve: its cached arrays (``op._cache``: quarter
    tables, wavevectors, weights) and the pruned transform's per-thread work buffers (the
    ``_workers``' arrays); with the sizes the operator's own formulas give, as a check."""
    tables = _nbytes(list(op._cache.values()))
    pt = getattr(op, "_pruned", None)
    work = sum(_nbytes(list(vars(w).values())) for w in pt._workers) if pt is not None else 0
    out = {"tables_bytes": tables, "work_bytes": work, "bytes": tables + work}
    try:
        from solver.spectral.pruned import PrunedTransform

        out["tables_formula_bytes"] = float(op.table_bytes(op.grid, op.precision))
        out["work_formula_bytes"] = float(PrunedTransform.work_bytes(
            op.grid.shape, op.solve_grid.shape, op.dtype.name, op.fft.threads))
    except (AttributeError, TypeError):  # pragma: no cover - API changed
        pass
    return out


def _problem(n: int):
    grid = solver.Grid((n, n), 1.0 / n)
    film = solver.Film(0.2)
    islands = [solver.Island.disk((-0.2, 0.0), 0.05, (1, 0)),
               solver.Island.disk((0.2, 0.05), 0.05, (0.3, 1))]
    return grid, film, solver.exchange_map(islands, grid)


def _solve(a, grid, film, boundary, fft, precision):
    """One full solve: energy, j, A and B_z(0) in one pass (outputs allocated)."""
    return solver.solve(a, grid, film, boundary, fft=fft, precision=precision).evaluate()


def _load_tables(op) -> tuple[float, float]:
    """Build or load the tables of a full solve (W, U, G_z(0)) into the operator; returns the
    seconds of W alone and of all three (NaN, NaN when the private API is gone)."""
    table = getattr(op, "_table", None)
    if table is None:  # pragma: no cover - API changed
        return float("nan"), float("nan")
    t0 = time.perf_counter()
    table("W")
    t_w = time.perf_counter() - t0
    table("U"), table("G", 0.0)
    return t_w, time.perf_counter() - t0


class BareUnpruned:
    """The unpruned bare transform set (full 2-D transforms of the transform grid).

    ``lean=False``: as a solve would need it at once — one 2-field r2c of (a_x, a_y) into a
    spectrum, 2-field c2r twice and a 1-field c2r into an output stack (all pre-allocated).
    ``lean=True``: one field at a time on one pair's own arrays (2 r2c + 5 c2r), for grids where
    the full set does not fit next to the operator. ``keep=False``: the arrays are freed after
    every run (:meth:`release`) and made again, untimed, by :meth:`prepare` (FFTW plans from
    wisdom), so they never coexist with a solve's memory.
    """

    def __init__(self, fft: FFTBackend, op, a: np.ndarray, lean: bool, keep: bool) -> None:
        self.fft, self.a, self.lean, self.keep = fft, a, lean, keep
        self.sg, self.dtype, self.cdtype = op.solve_grid.shape, op.dtype.name, op.complex_dtype
        self.arrays: dict | None = None

    @staticmethod
    def nbytes(op, lean: bool) -> float:
        sy, sx = op.solve_grid.shape
        real = sy * sx * op.dtype.itemsize
        spec = sy * (sx // 2 + 1) * op.complex_dtype.itemsize
        # lean: one pair; full: pairs of 2 and 1 fields + src (2), spec2 (2), out2 (2)
        return float(real + spec) if lean else float(7 * real + 5 * spec)

    def prepare(self) -> None:
        fft, sg, ny, nx = self.fft, self.sg, self.a.shape[1], self.a.shape[2]
        if self.lean:
            if self.arrays is None:
                self.arrays = {"p": fft.pair(1, sg, self.dtype)}
            p = self.arrays["p"]
            p.real[...] = 0.0  # the inverses of the last run wrote here: the source again
            p.real[0, :ny, :nx] = self.a[0]
            return
        if self.arrays is None:
            src = fft.empty((2,) + sg, self.dtype)
            src[...] = 0.0
            src[:, :ny, :nx] = self.a
            spec2 = fft.empty((2, sg[0], sg[1] // 2 + 1), self.cdtype)
            out2 = fft.empty((2,) + sg, self.dtype)
            spec2[...] = 0.0  # touched: no first-use page faults inside the timed run
            out2[...] = 0.0
            self.arrays = {"fwd": fft.pair(2, sg, self.dtype), "inv1": fft.pair(1, sg, self.dtype),
                           "src": src, "spec2": spec2, "out2": out2}

    def run(self) -> None:
        d = self.arrays
        if self.lean:
            p = d["p"]
            for _ in range(2):  # r2c of a_x, a_y
                p.forward_into(p.real, p.spectrum)
            for _ in range(5):  # c2r of j_x, j_y, A_x, A_y, B_z
                p.inverse_into(p.spectrum, p.real)
            return
        fwd, inv1, src, spec2, out2 = d["fwd"], d["inv1"], d["src"], d["spec2"], d["out2"]
        fwd.forward_into(src, spec2)
        fwd.inverse_into(spec2, out2)
        fwd.inverse_into(spec2, out2)
        inv1.inverse_into(spec2[:1], out2[:1])

    def release(self, force: bool = False) -> None:
        if self.keep and not force:
            return
        self.arrays = None
        self.fft.clear()
        gc.collect()


def fresh_memory(op) -> list:
    """Allocate and first-touch (fill with zeros) the new memory one full solve takes: its
    private float64 copy of a (2 fields) and its outputs — periodic: 5 output buffers that hold
    their own spectra (ny × (nx + 2)); open: 5 row stages (ny × (nx + 1) complex) and the 5
    output fields. The bare sets run on pre-allocated arrays; on this VM first-touching fresh
    memory is expensive (host-side page faults), so this is measured beside them."""
    ny, nx = op.grid.shape
    real, cplx = op.dtype, op.complex_dtype
    arrays = [op.fft.empty((2, ny, nx), "float64")]
    if op.boundary == "periodic":
        arrays += [op.fft.empty((5, ny, 2 * (nx // 2 + 1)), real)]
    else:
        arrays += [op.fft.empty((5, ny, nx + 1), cplx), op.fft.empty((5, ny, nx), real)]
    for arr in arrays:
        arr.fill(0)
    return arrays


def transform_set(op):
    """The transforms a solve of ``op`` runs on: the dense (in-place 2-D) set for periodic,
    the pruned blocked one for open."""
    return op.dense if op.boundary == "periodic" else op.pruned


def bare_pruned(op, a: np.ndarray) -> None:
    """The solver's own transform set with no multiplier. Open: the pruned set — forward rows
    of a, the column pass (y-transforms forward and back, a no-op multiplier) into 5 outputs —
    the source's 2 row stages reused, as the solve does — and the inverse rows of each output
    into a new array (each row stage dropped once transformed, as the solve does). Periodic:
    the dense set — 2 in-place r2c of a into new output buffers, 3 more buffers, 5 in-place
    c2r."""
    if op.boundary == "periodic":
        dt = op.dense
        bufs = [dt.hosted((2,)), dt.hosted((2,)), dt.hosted()]
        for c in range(2):
            dt.forward(a[c], bufs[0][c])
        for buf in bufs:
            for f in (buf if buf.ndim == 3 else buf[None]):
                dt.inverse_inplace(f)
        return bufs
    pt = op.pruned
    stages = pt.forward_rows(a)
    outs = stages + [op.fft.empty(stages[0].shape, op.complex_dtype) for _ in range(3)]
    del stages
    pt.columns(outs[:2], outs, lambda x, o, j0, m: 0.0)
    fields = []
    for i in range(len(outs)):
        fields.append(pt.inverse_rows(outs[i]))
        outs[i] = None
    return fields


def _bare_mode(op, a: np.ndarray, force: str = "auto") -> tuple[bool, bool]:
    """(lean, keep) for the unpruned bare set: the full set if it fits next to the operator,
    kept allocated if it also fits next to a solve's transient memory (``force``: "full" or
    "lean" instead of the memory rule for the first)."""
    avail = checks.available_memory_bytes()
    resident = float(op.table_bytes(op.grid, op.precision)) + a.nbytes
    solve = float(op.pass_bytes(op.grid, op.precision))
    lean = (force == "lean" if force != "auto" else
            resident + BareUnpruned.nbytes(op, False) > 0.6 * avail)
    keep = resident + BareUnpruned.nbytes(op, lean) + solve < 0.5 * avail
    return lean, keep


def _interleaved(fns: dict, repeats: int, warm: tuple = ()) -> dict:
    """Median seconds of each ``(prepare, run, release)`` in ``fns``, run in turn ``repeats``
    times (interleaved: all see the same machine load), after one untimed run of those named in
    ``warm`` (first executions: FFTW threads, caches)."""
    times: dict = {k: [] for k in fns}
    for k in warm:
        prepare, fn, release = fns[k]
        if prepare:
            prepare()
        fn()
        if release:
            release()
    for _ in range(repeats):
        for k, (prepare, fn, release) in fns.items():
            if prepare:
                prepare()
            t0 = time.perf_counter()
            out = fn()
            times[k].append(time.perf_counter() - t0)
            del out
            if release:
                release()
    return {k: statistics.median(v) for k, v in times.items()}


def _vm(key: str) -> int:
    """A /proc/self/status entry (VmRSS, VmHWM) in bytes (0 where unavailable)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _reset_peak() -> bool:
    """Reset the process's RSS high-water mark (Linux ≥ 4.0: ``clear_refs`` 5); True if done."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


# --- the child processes ----------------------------------------------------------------------
def child_case(n: int, boundary: str, precision: str, repeats: int, fft: FFTBackend,
               bare_mode: str = "auto") -> dict:
    """Builds (cold, then disk cache), the bare sets vs the solve, operator memory."""
    grid, film, a = _problem(n)
    row: dict = {}
    cache.set_enabled(False)  # cold: no tables from disk (and the backend loaded no wisdom)
    t0 = time.perf_counter()
    try:
        op = solver.get_operator(grid, film.pearl_length, boundary, fft, precision)
    except ValueError as err:  # does not fit in memory
        return {"skipped": str(err)}
    kernel_w, kernels_cold = _load_tables(op)
    tp = time.perf_counter()
    transform_set(op)
    plans_cold = time.perf_counter() - tp
    sol = _solve(a, grid, film, boundary, fft, precision)
    first_cold = time.perf_counter() - t0
    del sol
    warm = median_time(lambda: _solve(a, grid, film, boundary, fft, precision), 1)

    cache.set_enabled(True)
    from solver.spectral.fft import save_fftw_wisdom

    save_fftw_wisdom()  # merges the disk wisdom into this process and stores the new plans
    kernels_cached = float("nan")
    raw = getattr(op, "_raw", None)
    if boundary == "open" and raw is not None:
        raw("W"), raw("U"), raw("G", 0.0)  # store the tables (a build only if not yet stored)
        t0 = time.perf_counter()
        raw("W"), raw("U"), raw("G", 0.0)
        kernels_cached = time.perf_counter() - t0
    gc.collect()

    t, lean, keep = _time_sets(op, a, grid, film, boundary, fft, precision, repeats, bare_mode,
                               "", fresh=True)
    sol = _solve(a, grid, film, boundary, fft, precision)
    mem = operator_nbytes(op)
    del sol
    row.update(t, bare_lean=lean, bare_kept=keep, build_cold_s=max(first_cold - min(warm, t["solve_s"]), 0.0),
               plans_cold_s=plans_cold, kernels_cold_s=kernels_cold, kernel_W_cold_s=kernel_w,
               kernels_cached_s=kernels_cached, operator_GiB=mem["bytes"] / 2**30,
               operator_tables_GiB=mem["tables_bytes"] / 2**30,
               operator_work_GiB=mem["work_bytes"] / 2**30,
               operator_formula_GiB=(mem.get("tables_formula_bytes", float("nan"))
                                     + mem.get("work_formula_bytes", float("nan"))) / 2**30)
    return row


def child_estimate(n: int, boundary: str, precision: str, repeats: int, fft: FFTBackend,
                   bare_mode: str = "auto") -> dict:
    """The unpruned bare set, the pruned one and the solve with this (estimate) backend, in a
    process that never loaded measured wisdom; tables from the disk cache."""
    grid, film, a = _problem(n)
    cache.set_enabled(True)
    op = solver.get_operator(grid, film.pearl_length, boundary, fft, precision)
    _solve(a, grid, film, boundary, fft, precision)  # tables, plans, numba: warm
    gc.collect()
    t, lean, _ = _time_sets(op, a, grid, film, boundary, fft, precision, repeats, bare_mode,
                            "_est")
    return {**t, "bare_est_lean": lean}


def _time_sets(op, a, grid, film, boundary, fft, precision, repeats: int, bare_mode: str,
               suffix: str, fresh: bool = False) -> tuple[dict, bool, bool]:
    """Interleaved medians of the unpruned bare set (``fft{suffix}_s``), the solver's own bare
    set (``pruned{suffix}_s``), optionally the fresh memory of a solve (``fresh_s``) and the full
    solve (``solve{suffix}_s``); with the bare set's (lean, keep) mode."""
    lean, keep = _bare_mode(op, a, bare_mode)
    bare = BareUnpruned(fft, op, a, lean, keep)
    sets = {f"fft{suffix}_s": (bare.prepare, bare.run, bare.release),
            f"pruned{suffix}_s": (None, lambda: bare_pruned(op, a), None)}
    if fresh:
        sets["fresh_s"] = (None, lambda: fresh_memory(op), None)
    sets[f"solve{suffix}_s"] = (None, lambda: _solve(a, grid, film, boundary, fft, precision),
                                None)
    t = _interleaved(sets, repeats, warm=(f"fft{suffix}_s", f"pruned{suffix}_s"))
    bare.release(force=True)
    return t, lean, keep


def child_fresh(n: int, boundary: str, precision: str, args) -> dict:
    """The first full solve of a fresh process (tables and FFTW wisdom from the disk cache) and
    its peak RSS."""
    t_import = _T_IMPORTED - _T_START
    cache.set_enabled(True)
    grid, film, a = _problem(n)  # not counted: the source is the caller's
    gc.collect()
    rss_before = _vm("VmRSS")
    reset = _reset_peak()
    t0 = time.perf_counter()
    fft = FFTBackend(args.backend, threads=args.threads, planner=args.planner)  # loads wisdom
    op = solver.get_operator(grid, film.pearl_length, boundary, fft, precision)
    t_backend = time.perf_counter() - t0
    _, t_tables = _load_tables(op)
    tp = time.perf_counter()
    transform_set(op)
    t_plans = time.perf_counter() - tp + t_backend
    te = time.perf_counter()
    sol = _solve(a, grid, film, boundary, fft, precision)
    t_eval = time.perf_counter() - te
    first = t_import + time.perf_counter() - t0
    peak_hwm = _vm("VmHWM")
    peak_ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    io_bytes = (a.nbytes + sol.current.nbytes + sol.vector_potential.nbytes
                + sol.field_z(0.0).nbytes)
    del sol
    gc.collect()
    te = time.perf_counter()
    sol = _solve(a, grid, film, boundary, fft, precision)
    t_eval_warm = time.perf_counter() - te
    del sol
    peak = peak_hwm if (reset and peak_hwm) else peak_ru
    return {"first_solve_s": first, "first_import_s": t_import, "first_plans_s": t_plans,
            "first_tables_s": t_tables, "first_evaluate_s": t_eval,
            "evaluate_warm_s": t_eval_warm, "numba_load_s": max(t_eval - t_eval_warm, 0.0),
            "rss_before_GiB": rss_before / 2**30, "peak_rss_GiB": peak / 2**30,
            "peak_ru_maxrss_GiB": peak_ru / 2**30, "peak_reset": reset,
            "io_GiB": io_bytes / 2**30, "peak_over_io": peak / io_bytes}


def child_main(args) -> None:
    n, boundary, precision = int(args.case[0]), args.case[1], args.case[2]
    if args.child == "fresh":
        row = child_fresh(n, boundary, precision, args)
    else:
        planner = "estimate" if args.child == "estimate" else args.planner
        fft = FFTBackend(args.backend, threads=args.threads, planner=planner)
        fn = child_case if args.child == "case" else child_estimate
        row = fn(n, boundary, precision, args.repeats, fft, args.bare)
    print("RESULT " + json.dumps(row), flush=True)


def _child(mode: str, n: int, boundary: str, precision: str, args) -> dict:
    """Run one child (``mode``) in a fresh interpreter; its result dict, or {"error": ...}."""
    cmd = [sys.executable, os.path.abspath(__file__), "--child", mode,
           "--case", str(n), boundary, precision, "--repeats", str(args.repeats),
           "--threads", str(args.threads), "--backend", args.backend, "--planner", args.planner,
           "--bare", args.bare]
    # the case child starts with the disk cache off (its backend must load no wisdom: cold
    # plans); the others read tables and wisdom from it, whatever SOLVER_CACHE says
    env = {**os.environ, "SOLVER_CACHE": "0" if mode == "case" else "1"}
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, env=env)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    return {"error": f"{mode} child exited with {proc.returncode}"
            + (" (killed: out of memory?)" if proc.returncode < 0 else "")}


def bench_solve(n: int, boundary: str, precision: str, args) -> dict:
    """One row: the case, estimate and fresh children of (n, boundary, precision)."""
    row: dict = {"n": n, "boundary": boundary, "precision": precision}
    row.update(_child("case", n, boundary, precision, args))
    if "skipped" in row or "error" in row:
        return row
    if args.planner == "estimate":  # the case child used the estimate planner already
        row.update(fft_est_s=row["fft_s"], pruned_est_s=row["pruned_s"],
                   solve_est_s=row["solve_s"], bare_est_lean=row["bare_lean"])
    else:
        row.update(_child("estimate", n, boundary, precision, args))
    if "error" not in row:
        row.update(_child("fresh", n, boundary, precision, args))
    if "error" in row:
        return row
    row["ratio"] = row["solve_s"] / row["fft_s"]
    row["ratio_pruned"] = row["solve_s"] / row["pruned_s"]
    row["ratio_estimate"] = row["solve_est_s"] / row["fft_est_s"]
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


def _opt(x, fmt: str = ".2f") -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)


def _failed(r: dict, columns: int) -> str | None:
    """The row of a skipped or failed case (None for a measured one)."""
    why = ("skipped: does not fit in memory" if "skipped" in r else
           f"failed: {r['error']}" if "error" in r else None)
    if why is None:
        return None
    return f"| {r['n']}² | {r['boundary']} | {r['precision']} | {why} |" + " |" * (columns - 4)


def table_solve(rows: list[dict]) -> str:
    """Markdown table of the timings of :func:`bench_solve` rows, with the N log N column."""
    lines = ["| N | boundary | precision | bare FFTs, unpruned (s) | bare FFTs, pruned (s) | "
             "full solve (s) | solve / unpruned | solve / pruned | fresh memory of a solve (s) "
             "| solve / bare, estimate planner | solve / (N log N), rel. |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    base: dict = {}
    lean = False
    for r in rows:
        failed = _failed(r, 11)
        if failed:
            lines.append(failed)
            continue
        per = r["solve_s"] / (r["n"] ** 2 * math.log2(r["n"] ** 2))
        key = (r["boundary"], r["precision"])
        base.setdefault(key, per)
        mark = " †" if r.get("bare_lean") else ""
        lean |= bool(r.get("bare_lean"))
        lines.append(
            f"| {r['n']}² | {r['boundary']} | {r['precision']} | {r['fft_s']:.4f}{mark} | "
            f"{r['pruned_s']:.4f} | {r['solve_s']:.4f} | {r['ratio']:.2f} | "
            f"{r['ratio_pruned']:.2f} | {r.get('fresh_s', float('nan')):.4f} | "
            f"{r['ratio_estimate']:.2f} | {per / base[key]:.2f} |")
    if lean:
        lines += ["", "† one field at a time on one reused pair of padded arrays (2 r2c + 5 c2r): "
                  "the 2-field set does not fit in memory next to the operator."]
    return "\n".join(lines)


def table_builds(rows: list[dict]) -> str:
    """Markdown table of the builds, the fresh-process first solve and memory."""
    lines = ["| N | boundary | precision | first solve − warm, cold (s) | kernels cold: W / all "
             "(s) | kernels cached (s) | first solve, fresh process (s) | of which imports / "
             "plans / tables / numba (s) | RSS before operator (GiB) | peak RSS (GiB) | "
             "peak / (in+out) | operator (GiB) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        failed = _failed(r, 12)
        if failed:
            lines.append(failed)
            continue
        periodic = r["boundary"] != "open"
        kw = "—" if periodic else _opt(r["kernel_W_cold_s"])
        ka = "—" if periodic else _opt(r["kernels_cold_s"])
        lines.append(
            f"| {r['n']}² | {r['boundary']} | {r['precision']} | {r['build_cold_s']:.2f} | "
            f"{kw} / {ka} | {_opt(r['kernels_cached_s'])} | {r['first_solve_s']:.2f} | "
            f"{r['first_import_s']:.2f} / {r['first_plans_s']:.2f} / "
            f"{_opt(r['first_tables_s'])} / {r['numba_load_s']:.2f} | "
            f"{r['rss_before_GiB']:.3f} | {r['peak_rss_GiB']:.3f} | {r['peak_over_io']:.2f} | "
            f"{r['operator_GiB']:.3f} |")
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
    p = argparse.ArgumentParser(description=__doc__, allow_abbrev=False,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
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
    p.add_argument("--bare", choices=["auto", "full", "lean"], default="auto",
                   help="unpruned bare set: all fields at once (full), one field at a time "
                        "(lean), or full where it fits in memory (auto)")
    p.add_argument("--child", choices=["case", "estimate", "fresh"], help=argparse.SUPPRESS)
    p.add_argument("--case", nargs=3, metavar=("N", "BOUNDARY", "PRECISION"),
                   help=argparse.SUPPRESS)
    return p


def run(args) -> dict:
    """All solver rows of one run (printed as they come); every case in its own processes."""
    fft = FFTBackend(args.backend, threads=args.threads, planner=args.planner)
    info = machine(fft)
    print("# " + ", ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    rows = []
    for n in args.sizes:
        for b in args.boundaries:
            for prec in ["double"] + (["single"] if n in args.single_sizes else []):
                r = bench_solve(n, b, prec, args)
                rows.append(r)
                print(json.dumps(r), flush=True)
    batched = [bench_batched(args.batched[0], args.batched[1], args.repeats, fft)]
    print(json.dumps(batched[0]), flush=True)
    return {"machine": info, "solve": rows, "batched": batched}


def main() -> None:
    args = parser().parse_args()
    if args.child:
        child_main(args)
        return
    res = run(args)
    print(table_solve(res["solve"]))
    print()
    print(table_builds(res["solve"]))
    print()
    print(table_batched(res["batched"]))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=1)


if __name__ == "__main__":
    main()
