"""Reproducibility: bitwise-identical reruns, thread-count independence to round-off, provenance
recorded with the results, and thread/process safety of solves and of the disk cache.

Bitwise claims hold for one machine, one set of library versions, one FFT backend and thread
count and the default ``estimate`` planner (FFTW plans for a given problem, flags and thread
count are then deterministic, and every reduction in the solver has a fixed order).
"""
from __future__ import annotations

import datetime as dt
import math
import multiprocessing
import os
import platform
import random
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import scipy

import solver
from solver import Island, cache, kernels

import _repro_worker as worker

HAVE_PYFFTW = solver.fft.HAVE_PYFFTW
BACKENDS = ["scipy"] + (["pyfftw"] if HAVE_PYFFTW else [])
WORKER = str(Path(__file__).with_name("_repro_worker.py"))


@pytest.fixture
def cold_disk_cache():
    """The disk cache off, so every operator build is a cold one (whatever SOLVER_CACHE says)."""
    cache.set_enabled(False)
    yield
    cache.set_enabled(None)


@pytest.fixture
def disk_cache(tmp_path, monkeypatch):
    """The disk cache on, in a fresh folder; exported to child processes through the environment."""
    monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SOLVER_CACHE", "1")
    cache.set_enabled(True)
    yield tmp_path / "cache"
    cache.set_enabled(None)


def scene(boundary: str, grid: solver.Grid | None = None, seed: int = 0):
    """A random island map on ``grid``: a disk, an ellipse and a Gaussian (all >= 4 cells,
    Gaussian width 2.2 cells) with random moments, each reaching no closer than one cell to the
    grid's edge."""
    grid = grid or solver.Grid((48, 64), 0.05)
    rng = np.random.default_rng(seed)
    h = grid.spacing
    shapes = [Island.disk((0, 0), 5 * h), Island.ellipse((0, 0), (6 * h, 4 * h), rng.uniform(0, 3)),
              Island.gaussian((0, 0), 2.2 * h)]
    bx0, bx1, by0, by1 = grid.bounds
    isl = []
    for shape in shapes:
        x0, x1, y0, y1 = shape.reach(h)
        center = (rng.uniform(bx0 - x0 + h, bx1 - x1 - h), rng.uniform(by0 - y0 + h, by1 - y1 - h))
        d = shape.to_dict()
        d["center"], d["moment"] = list(center), list(rng.uniform(-1, 1, 2))
        isl.append(Island.from_dict(d))
    return solver.exchange_map(isl, grid, boundary=boundary), grid, isl


def outputs(sol, heights=(0.0, 0.05, 0.2)) -> dict[str, np.ndarray]:
    out = {"energy": np.array(sol.energy), "current": sol.current, "A": sol.vector_potential}
    out.update({f"Bz({z})": sol.field_z(z) for z in heights})
    return out


def assert_bitwise(x: dict, y: dict) -> None:
    assert x.keys() == y.keys()
    for k in x:
        a, b = np.asarray(x[k]), np.asarray(y[k])
        assert a.dtype == b.dtype and a.shape == b.shape, k
        assert a.tobytes() == b.tobytes(), f"{k}: max |diff| {np.max(np.abs(a - b)):.3e}"


# -------------------------------------------------------------------------- bitwise reruns
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("boundary", ["open", "periodic"])
def test_identical_inputs_give_identical_bits(boundary, threads, backend, cold_disk_cache):
    """Two solves of the same map, each with a fresh operator (cache cleared, new backend, cold
    kernel build): every output, the pair tensors included, is bitwise identical."""
    a, grid, isl = scene(boundary)
    film = solver.Film(0.7, stiffness=1.3)
    runs = []
    for _ in range(2):
        solver.clear_cache()
        fft = solver.FFTBackend(backend, threads=threads)
        out = outputs(solver.solve(a, grid, film, boundary, fft=fft))
        out["tensors"] = solver.interaction_energies(isl, grid, film, boundary, fft=fft).tensors
        runs.append(out)
    assert_bitwise(*runs)


@pytest.mark.parametrize("boundary", ["open", "periodic"])
def test_thread_counts_and_backends_agree_to_round_off(boundary, cold_disk_cache):
    """1, 2 and 3 FFT threads and both backends agree to 1e-13 of each field's maximum: the
    plans differ (summation order), so the results differ by FFT round-off, ~ε log₂N ≈ 3e-15
    per transform, and a solve chains three."""
    a, grid, _ = scene(boundary, seed=3)
    film = solver.Film(0.4)
    ref = outputs(solver.solve(a, grid, film, boundary, fft=solver.FFTBackend(BACKENDS[-1], threads=1)))
    for backend in BACKENDS:
        for threads in (1, 2, 3):
            solver.clear_cache()
            got = outputs(solver.solve(a, grid, film, boundary,
                                       fft=solver.FFTBackend(backend, threads=threads)))
            for k in ref:
                scale = max(np.max(np.abs(ref[k])), 1e-300)
                assert np.max(np.abs(got[k] - ref[k])) <= 1e-13 * scale, (backend, threads, k)


# ------------------------------------------------------------------------------ provenance
def test_results_record_versions_and_settings(tmp_path, cold_disk_cache):
    """to_dataset records what made the numbers (versions, backend, threads, planner, precision,
    boundary, Pearl length, grid, filter, date); the file round-trips them exactly, and a solve
    set up from nothing but the file reproduces its fields bit for bit."""
    a, grid, isl = scene("open", grid=solver.Grid((40, 48), 0.05, center=(0.1, -0.2)))
    fft = solver.FFTBackend(BACKENDS[-1], threads=2)
    sol = solver.solve(a, grid, solver.Film(0.9, stiffness=1.7), "open", fft=fft, islands=isl)
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    ds = sol.to_dataset((0.0, 0.1))
    after = dt.datetime.now(dt.timezone.utc)
    try:
        import pyfftw

        fftw_version = pyfftw.__version__
    except ImportError:  # pragma: no cover
        fftw_version = "none"
    expected = {
        "solver_version": solver.__version__, "python_version": platform.python_version(),
        "numpy_version": np.__version__, "scipy_version": scipy.__version__,
        "pyfftw_version": fftw_version, "fft_backend": fft.name, "fft_threads": 2,
        "fft_planner": fft.planner, "precision": "double", "boundary": "open",
        "pearl_length": 0.9, "stiffness": 1.7, "grid_spacing": 0.05, "grid_shape": [40, 48],
        "grid_center": [0.1, -0.2], "filter_strength": kernels.FILTER_STRENGTH,
        "filter_order": kernels.FILTER_ORDER,
    }
    back = solver.open_solution(solver.save(ds, tmp_path / "run.nc"))
    for attrs in (ds.attrs, back.attrs):
        for key, value in expected.items():
            np.testing.assert_array_equal(attrs[key], value, err_msg=key)
        created = dt.datetime.fromisoformat(attrs["date_created"])
        assert created.tzinfo is not None and before <= created <= after
    assert set(back.attrs) == set(ds.attrs)
    # reproduce from the file alone
    at = back.attrs
    grid2 = solver.Grid(tuple(int(n) for n in at["grid_shape"]), float(at["grid_spacing"]),
                        tuple(float(c) for c in at["grid_center"]))
    fft2 = solver.FFTBackend(str(at["fft_backend"]), threads=int(at["fft_threads"]),
                             planner=str(at["fft_planner"]))
    solver.clear_cache()
    again = solver.solve(np.stack([back["ax"].values, back["ay"].values]), grid2,
                         solver.Film(float(at["pearl_length"]), stiffness=float(at["stiffness"])),
                         str(at["boundary"]), fft=fft2,
                         islands=solver.sources.islands_from_json(str(at["islands"])))
    assert again.energy == float(back["energy"])
    assert np.array_equal(again.current, np.stack([back["jx"].values, back["jy"].values]))
    assert np.array_equal(again.field_z(0.1), back["Bz"].sel(height=0.1).values)


@pytest.mark.skipif(not HAVE_PYFFTW, reason="FFTW wisdom needs pyfftw")
def test_estimate_plans_do_not_depend_on_saved_wisdom(tmp_path):
    """A default (estimate) solve in a fresh process gives the same bits whether or not the disk
    cache holds wisdom from an earlier 'measure' run (three processes share one cache folder)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    folder = str(tmp_path / "cache")

    def run(*args):
        subprocess.run([sys.executable, WORKER, "estimate-bits", folder, *args], env=env,
                       check=True, timeout=120)

    run(str(tmp_path / "cold.npy"), "0")   # empty cache: pure estimate plans
    run("-", "1")                          # a measure run leaves wisdom behind
    run(str(tmp_path / "warm.npy"), "0")   # the same default solve, later
    cold, warm = np.load(tmp_path / "cold.npy"), np.load(tmp_path / "warm.npy")
    assert cold.tobytes() == warm.tobytes(), f"max |diff| {np.max(np.abs(cold - warm)):.2e}"


@pytest.mark.skipif(not HAVE_PYFFTW, reason="the race is in FFTW's planner")
def test_measure_planning_under_load_does_not_crash(tmp_path):
    """End to end, in a child process (a planner race kills the interpreter with SIGABRT, as it
    did before ``fft.PLANNER_LOCK``): 4 threads for 3 s plan new 'measure' and 'estimate'
    transforms, export wisdom to the disk cache and drop plans (evicted pairs, one-off
    builders), which covers plan destruction, the one planner path the in-process monitor below
    cannot wrap. With the lock replaced by a no-op, 2 of 3 such runs aborted (heap corruption)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run([sys.executable, WORKER, "measure-race", str(tmp_path / "cache"), "3"],
                          env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-2000:]}"
    assert proc.stdout.startswith("survived")


# ------------------------------------------------------------------------- thread safety
SPECS = [  # (grid, r0, boundary): 6 operators for an LRU cache of 4, so evictions happen
    (solver.Grid((48, 48), 0.05), 0.7, "open"),
    (solver.Grid((48, 48), 0.05), 0.7, "periodic"),
    (solver.Grid((40, 56), 0.05), 2.0, "open"),
    (solver.Grid((48, 48), 0.05), math.inf, "open"),
    (solver.Grid((64, 40), 0.04), 0.3, "periodic"),
    (solver.Grid((72, 72), 0.03), 1.0, "open"),  # padded half spectra > 10⁴ (OpenBLAS may thread the dots)
]
ORDERS = ["energy", "current", "A", "Bz(0.0)", "Bz(0.05)", "Bz(0.2)", "tensors"]


def _task(spec: int, seed: int, fft: solver.FFTBackend, order_seed: int | None = None) -> dict:
    """Solve map ``seed`` on operator ``spec`` and request every output, in a shuffled order
    when ``order_seed`` is given (varies the interleavings between threads)."""
    grid, r0, boundary = SPECS[spec]
    a, _, isl = scene(boundary, grid=grid, seed=seed)
    film = solver.Film(r0)
    sol = solver.solve(a, grid, film, boundary, fft=fft)
    getters = {
        "energy": lambda: np.array(sol.energy), "current": lambda: sol.current,
        "A": lambda: sol.vector_potential, "Bz(0.0)": lambda: sol.field_z(0.0),
        "Bz(0.05)": lambda: sol.field_z(0.05), "Bz(0.2)": lambda: sol.field_z(0.2),
        "tensors": lambda: solver.interaction_energies(isl, grid, film, boundary, fft=fft).tensors,
    }
    order = list(ORDERS)
    if order_seed is not None:
        random.Random(order_seed).shuffle(order)
    return {k: getters[k]() for k in order}


def _run_concurrently(jobs, threads: int) -> list[dict]:
    barrier = threading.Barrier(threads)

    def start(job):
        try:
            barrier.wait(timeout=30)  # the first jobs of all threads start together
        except threading.BrokenBarrierError:
            pass
        return _task(*job)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(start, jobs))


def test_concurrent_solves_on_a_shared_operator(cold_disk_cache):
    """8 threads solve different maps on one operator (same grid, r0, boundary and backend) and
    request all outputs concurrently, in shuffled orders: each result equals the serial one
    bitwise (same FFT thread count: 1)."""
    fft = solver.FFTBackend(BACKENDS[-1], threads=1)
    jobs = [(0, seed, fft, seed) for seed in range(16)]
    concurrent = _run_concurrently(jobs, 8)
    solver.clear_cache()
    fresh = solver.FFTBackend(BACKENDS[-1], threads=1)
    for (spec, seed, _, _), got in zip(jobs, concurrent):
        assert_bitwise(got, _task(spec, seed, fresh))


def test_concurrent_solves_with_cache_evictions(cold_disk_cache):
    """8 threads on a mix of grids, Pearl lengths, boundaries and two backends: 6 operators per
    backend for an operator cache of 4 (``maxwell_london.CACHE_SIZE``), so operators are evicted
    and rebuilt while other threads use them. Every result equals the serial one bitwise (the
    BLAS dot products of energies and pair tensors are deterministic for a fixed BLAS thread
    count, which serial and concurrent runs share within one process)."""
    assert solver.maxwell_london.CACHE_SIZE < len(SPECS)
    backends = [solver.FFTBackend(BACKENDS[-1], threads=1), solver.FFTBackend(BACKENDS[0], threads=1)]
    jobs = [(k % len(SPECS), 100 + k, backends[(k // len(SPECS)) % 2], k) for k in range(24)]
    random.Random(0).shuffle(jobs)
    concurrent = _run_concurrently(jobs, 8)
    solver.clear_cache()
    fresh = {id(b): solver.FFTBackend(b.name, threads=1) for b in backends}
    for (spec, seed, fft, _), got in zip(jobs, concurrent):
        assert_bitwise(got, _task(spec, seed, fresh[id(fft)]))


# ----------------------------------------------------------------- disk cache: concurrency
def _cold_reference():
    """Kernels and outputs of the cache-test operator built cold (disk cache off) in-process."""
    a, grid, film = worker.open_scene()
    enabled = cache._ENABLED
    cache.set_enabled(False)
    try:
        solver.clear_cache()
        fft = solver.FFTBackend(threads=1)
        op = solver.get_operator(grid, film.pearl_length, "open", fft)
        kernels_ = {f"W{k}": v.copy() for k, v in op.current_multiplier.items()}
        out = worker.outputs(solver.solve(a, grid, film, "open", fft=fft))
    finally:
        cache.set_enabled(enabled)
        solver.clear_cache()
    return kernels_, out


def _check_cache_folder(folder: Path, reference_kernels: dict) -> None:
    """Every entry loads, no temporary is left behind, and the W table equals the cold one."""
    entries = sorted(folder.glob("vgf-*.npz"))
    assert entries and not list(folder.glob("*.tmp"))
    for path in entries:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        assert arrays and all(np.all(np.isfinite(v)) for v in arrays.values()), path.name
    a, grid, film = worker.open_scene()
    solver.clear_cache()
    op = solver.get_operator(grid, film.pearl_length, "open", solver.FFTBackend(threads=1))
    assert_bitwise({f"W{k}": v for k, v in op.current_multiplier.items()}, reference_kernels)


def test_concurrent_first_builds_share_the_disk_cache_threads(disk_cache):
    """6 threads build the same open operator at once (separate backends, so separate operator
    objects), all missing and then writing the same disk-cache entries: identical kernels and
    solutions (bitwise, = a cold build), a loadable cache, and a later warm build from it equal
    to the cold one."""
    ref_kernels, ref_out = _cold_reference()
    a, grid, film = worker.open_scene()
    barrier = threading.Barrier(6)

    def build(_):
        fft = solver.FFTBackend(threads=1)
        barrier.wait(timeout=30)
        op = solver.get_operator(grid, film.pearl_length, "open", fft)
        kernels_ = {f"W{k}": v for k, v in op.current_multiplier.items()}
        return kernels_, worker.outputs(solver.solve(a, grid, film, "open", fft=fft))

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(build, range(6)))
    for kernels_, out in results:
        assert_bitwise(kernels_, ref_kernels)
        assert_bitwise(out, ref_out)
    _check_cache_folder(disk_cache, ref_kernels)
    solver.clear_cache()
    warm = worker.outputs(solver.solve(a, grid, film, "open", fft=solver.FFTBackend(threads=1)))
    assert_bitwise(warm, ref_out)


def test_concurrent_first_builds_share_the_disk_cache_processes(disk_cache):
    """The same from 2 processes (multiprocessing, spawn) started together on one cache folder."""
    ref_kernels, ref_out = _cold_reference()
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=worker.build_open_operator, args=(barrier, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    try:
        results = [queue.get(timeout=120) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=60)
    assert all(p.exitcode == 0 for p in procs)
    assert len({r[1] for r in results}) == 2
    for status, _, kernels_, out in results:
        assert status == "ok", kernels_
        assert_bitwise(kernels_, ref_kernels)
        assert_bitwise(out, ref_out)
    _check_cache_folder(disk_cache, ref_kernels)


class _PlannerMonitor:
    """Wraps pyfftw's planner entry points (``FFTW`` construction, ``builders.rfft2/irfft2``)
    and its wisdom API (``import_wisdom``, ``export_wisdom``): each call holds a logical window
    of ``hold`` seconds, and a wisdom call whose window overlaps any other planner call from
    another thread is recorded. The real calls are serialised by the monitor's own lock, so the
    unsafe overlap is detected without ever happening (no heap corruption in the test process)."""

    def __init__(self, monkeypatch, pyfftw, hold: float = 0.01):
        # re-entrant: pyfftw.builders construct pyfftw.FFTW (a nested, same-thread call)
        self.hold, self.lock, self.state = hold, threading.RLock(), threading.Lock()
        self.active: dict[int, list[str]] = {}
        self.violations: list[tuple[str, str]] = []
        for owner, name in ((pyfftw, "FFTW"), (pyfftw.builders, "rfft2"),
                            (pyfftw.builders, "irfft2"), (pyfftw, "import_wisdom"),
                            (pyfftw, "export_wisdom")):
            monkeypatch.setattr(owner, name, self._wrap(getattr(owner, name), name))

    def _wrap(self, original, name):
        import time

        def wrapper(*args, **kwargs):
            me = threading.get_ident()
            with self.state:
                for other_thread, names in self.active.items():
                    for other in names:
                        if other_thread != me and "wisdom" in name + other:
                            self.violations.append((name, other))
                self.active.setdefault(me, []).append(name)
            try:
                time.sleep(self.hold)
                with self.lock:
                    return original(*args, **kwargs)
            finally:
                with self.state:
                    self.active[me].pop()
        return wrapper


@pytest.mark.skipif(not HAVE_PYFFTW, reason="the race is in FFTW's planner")
def test_fftw_wisdom_is_never_touched_while_another_thread_plans(disk_cache, monkeypatch):
    """Two threads: one solves with the 'measure' planner on new grid shapes (plans, then saves
    the wisdom to the disk cache), the other computes interaction energies (one-off estimate
    plans). No wisdom import/export may overlap a planner call of the other thread."""
    import pyfftw

    monitor = _PlannerMonitor(monkeypatch, pyfftw)
    film = solver.Film(0.5)
    barrier = threading.Barrier(2)

    def measured(_):
        backend = solver.FFTBackend("pyfftw", threads=1, planner="measure")
        barrier.wait(timeout=30)
        for n in range(4):
            grid = solver.Grid((10 + n, 12), 0.1)
            _ = solver.solve(np.ones((2,) + grid.shape), grid, film, "periodic", fft=backend).current

    def estimated(_):
        backend = solver.FFTBackend("pyfftw", threads=1)
        isl = [Island.gaussian((0.0, 0.0), 0.3, (1.0, 0.0))]
        barrier.wait(timeout=30)
        for n in range(12):
            grid = solver.Grid((30 + n, 32), 0.1)
            solver.interaction_energies(isl, grid, film, boundary="periodic", fft=backend)

    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda f: f(None), [measured, estimated]))
    finally:
        monkeypatch.undo()
        pyfftw.forget_wisdom()  # later tests plan without this test's measured wisdom
    assert not monitor.violations, f"{len(monitor.violations)} overlaps, e.g. {monitor.violations[:3]}"
