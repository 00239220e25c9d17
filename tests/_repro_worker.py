"""Helpers that run in other processes for tests/test_reproducibility.py.

Kept out of the test module so that ``multiprocessing`` (spawn) children import only this small
module and the package, not pytest/hypothesis. Also runnable as a script for scenarios that may
crash the interpreter (``python tests/_repro_worker.py SCENARIO ...``): the test then checks the
exit status instead of dying with the child.
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

OPEN_GRID = ((48, 56), 0.05)
OPEN_R0 = 0.7


def open_scene():
    """The map, grid and film whose open-boundary operator the cache tests build."""
    import solver

    grid = solver.Grid(*OPEN_GRID)
    isl = [solver.Island.disk((-0.6, 0.1), 0.3, (1.0, 0.4)),
           solver.Island.gaussian((0.3, -0.1), 0.1, (-0.3, 1.0))]
    return solver.exchange_map(isl, grid), grid, solver.Film(OPEN_R0)


def outputs(sol) -> dict[str, np.ndarray]:
    """Everything a solve returns, as arrays (energy as a 0-d array)."""
    return {"energy": np.array(sol.energy), "current": sol.current,
            "vector_potential": sol.vector_potential, "Bz0": sol.field_z(0.0),
            "Bz1": sol.field_z(0.1)}


def build_open_operator(barrier, queue) -> None:
    """Child process: wait for the others, then build the open operator of :func:`open_scene`
    with the disk cache of ``$SOLVER_CACHE_DIR`` (enabled through ``$SOLVER_CACHE``) and report
    the kernels and the solution."""
    import solver

    a, grid, film = open_scene()
    fft = solver.FFTBackend(threads=1)
    try:
        barrier.wait(timeout=60)
        op = solver.get_operator(grid, film.pearl_length, "open", fft)
        kernels = {f"W{k}": v for k, v in op.current_multiplier.items()}
        sol = solver.solve(a, grid, film, "open", fft=fft)
        queue.put(("ok", os.getpid(), kernels, outputs(sol)))
    except BaseException as exc:  # report instead of hanging the parent
        queue.put(("error", os.getpid(), repr(exc), None))


def measure_planning_race(cache_dir: str, seconds: float) -> int:
    """Concurrent solves with the ``measure`` planner and the disk cache enabled: FFTBackend.pair
    plans and then exports FFTW wisdom (cache.save_fftw_wisdom) while other threads plan
    (interaction_energies' one-off pyfftw builders, another backend's pairs). Returns 0 if the
    process survives ``seconds`` of it."""
    os.environ["SOLVER_CACHE"] = "1"
    os.environ["SOLVER_CACHE_DIR"] = cache_dir
    from concurrent.futures import ThreadPoolExecutor

    import solver

    deadline = time.time() + seconds
    film = solver.Film(0.5)

    def task(k: int) -> int:
        n = 0
        backend = solver.FFTBackend("pyfftw", threads=1, planner="measure")
        while time.time() < deadline:
            m = n * 4 + k  # a new grid shape each time: new plans
            if k % 2:  # one-off estimate plans of larger transforms (builders)
                grid = solver.Grid((40 + m % 97, 40 + m // 97 % 97), 0.1)
                isl = [solver.Island.gaussian((0.0, 0.0), 0.5, (1.0, 0.0))]
                solver.interaction_energies(isl, grid, film, boundary="periodic", fft=backend)
            else:  # small measured pairs: plan, then export the wisdom
                grid = solver.Grid((6 + m % 23, 6 + m // 23 % 23), 0.1)
                a = np.random.default_rng(m).standard_normal((2,) + grid.shape)
                _ = solver.solve(a, grid, film, "periodic", fft=backend).current
            n += 1
        return n

    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(task, range(4)))
    print("survived", done, flush=True)
    return 0


def estimate_bits(cache_dir: str, out: str, measure_first: str) -> int:
    """Solve one periodic map with the default ``estimate`` planner and the disk cache at
    ``cache_dir``; save the current to ``out`` (.npy). With ``measure_first == "1"``, first plan
    the same transforms with the ``measure`` planner (its wisdom goes to the disk cache)."""
    os.environ["SOLVER_CACHE"] = "1"
    os.environ["SOLVER_CACHE_DIR"] = cache_dir
    import solver

    grid = solver.Grid((96, 120), 0.05)
    if measure_first == "1":
        solver.FFTBackend("pyfftw", threads=1, planner="measure").pair(2, grid.shape)
        return 0
    a = np.random.default_rng(1).standard_normal((2,) + grid.shape)
    sol = solver.solve(a, grid, solver.Film(0.7), "periodic",
                       fft=solver.FFTBackend("pyfftw", threads=1, planner="estimate"))
    np.save(out, sol.current)
    return 0


if __name__ == "__main__":
    scenario, *args = sys.argv[1:]
    if scenario == "measure-race":
        sys.exit(measure_planning_race(args[0], float(args[1])))
    if scenario == "estimate-bits":
        sys.exit(estimate_bits(*args))
    sys.exit(f"unknown scenario {scenario!r}")
