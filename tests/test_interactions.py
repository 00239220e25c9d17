"""Shape spectra of the operators (batched, padded per batch), the memory checks of
interaction_energies and the memory estimate of the open operator."""
import gc
import tracemalloc

import numpy as np
import pytest

import solver
from solver import Island, interactions, kernels
from solver.fft import HAVE_PYFFTW, FFTBackend
from solver.spectral import pruned
from solver.operators import OpenOperator, PeriodicOperator

BACKENDS = ["scipy"] + (["pyfftw"] if HAVE_PYFFTW else [])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("cls", [PeriodicOperator, OpenOperator])
def test_shape_spectra_match_numpy_over_several_batches(cls, backend, monkeypatch):
    """rfft2 of the (zero-padded for open) shapes, to 1e-14 relative, with the batch byte cap
    forcing batches of two fields (the last one shorter); the pruned forward passes of the
    solver against numpy's full transform of the padded fields."""
    grid = solver.Grid((24, 20), 0.1)
    op = cls(grid, 1.0, FFTBackend(backend, threads=1))
    sy, sx = op.solve_grid.shape
    assert (sy, sx) == (cls.padding * 24, cls.padding * 20)
    monkeypatch.setattr(pruned, "STAGE_BATCH_BYTES", 2 * 24 * (sx // 2 + 1) * 16 + 1)
    shapes = np.random.default_rng(7).normal(size=(7,) + grid.shape)
    got = op.shape_spectra(shapes)
    padded = np.zeros((7, sy, sx))
    padded[:, :24, :20] = shapes
    ref = np.fft.rfft2(padded)
    assert got.shape == ref.shape and got.dtype == np.complex128
    assert np.max(np.abs(got - ref)) <= 1e-14 * np.max(np.abs(ref))
    # the input is not modified and a single batch gives the same spectra
    monkeypatch.setattr(pruned, "STAGE_BATCH_BYTES", 256 * 2**20)
    assert np.max(np.abs(op.shape_spectra(shapes) - ref)) <= 1e-14 * np.max(np.abs(ref))


@pytest.mark.parametrize("boundary", ["open", "periodic"])
def test_interaction_energies_beyond_memory_fail_before_allocating(boundary, monkeypatch):
    """Too many islands for the (patched) available memory: a ValueError naming the island count
    and the grid, raised before the shape stack or the spectra are allocated."""
    grid = solver.Grid((32, 32), 0.05)
    n = 1000
    islands = [Island.disk((0.0, 0.0), 0.3)] * n
    cls = OpenOperator if boundary == "open" else PeriodicOperator
    op_bytes = cls.memory_estimate(grid)
    island_bytes = interactions.memory_estimate(n, grid, boundary, operator=False)
    assert island_bytes > 2 * op_bytes
    # the operator fits, the islands do not
    monkeypatch.setattr(solver.checks, "available_memory_bytes",
                        lambda: int((op_bytes + island_bytes) / 2 / 0.9))
    op = solver.get_operator(grid, 1.0, boundary)
    op.current_multiplier  # built here, outside the traced call
    gc.collect()
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=rf"interaction_energies of {n} islands on a \(32, 32\) "
                                             rf"{boundary} grid needs an estimated [0-9.]+ GiB but only "
                                             r"[0-9.]+ GiB is available; use fewer islands"):
            solver.interaction_energies(islands, grid, solver.Film(1.0), boundary)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < n * grid.bytes_per_field() / 8  # not even the stack of shape functions
    # with the real memory the same call works, and a few islands fit under the patched figure
    ie = solver.interaction_energies(islands[:3], grid, solver.Film(1.0), boundary)
    assert ie.tensors.shape == (3, 3, 2, 2)


def test_interaction_memory_estimate_bounds_the_peak(monkeypatch):
    """The island part of the estimate is an upper bound of the traced peak, with one and with
    several batches (within 1.5x with pyfftw; scipy's transform makes fewer copies)."""
    grid = solver.Grid((32, 32), 0.05)
    rng = np.random.default_rng(3)
    islands = [Island.disk((float(x), float(y)), 0.15) for x, y in rng.uniform(-0.4, 0.4, (60, 2))]
    op = solver.get_operator(grid, 1.0, "open")
    op.current_multiplier
    for batch_bytes in (256 * 2**20, 5 * 32 * 33 * 16):
        monkeypatch.setattr(pruned, "STAGE_BATCH_BYTES", batch_bytes)
        gc.collect()
        tracemalloc.start()
        try:
            solver.interaction_energies(islands, grid, solver.Film(1.0), "open")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        est = interactions.memory_estimate(len(islands), grid, "open", operator=False)
        assert peak <= est <= 2 * peak, (batch_bytes, peak, est)


@pytest.mark.parametrize("precision", ["double", "single"])
def test_open_memory_estimate_bounds_the_build_peak(precision, monkeypatch):
    """OpenOperator.memory_estimate >= the traced peak of an open operator at 128² building every
    kernel (W, U, B_z) and every output, and <= 2x that peak (disk cache off)."""
    monkeypatch.setattr(solver.cache, "_ENABLED", False)
    # one-time costs outside the measurement (lazy imports of the real-space kernel tables)
    # (and the compiled multiplier pass of this precision: numba's compiler allocates)
    warm = solver.solve(np.zeros((2, 8, 8)), solver.Grid((8, 8), 0.1), solver.Film(1.0), "open",
                        precision=precision)
    warm.current, warm.vector_potential, warm.field_z(0.0)
    kernels.field_kernel_real(np.linspace(0.1, 1.0, 4), pearl_length=1.0)
    solver.clear_cache()
    grid = solver.Grid((128, 128), 0.05)
    a = np.zeros((2, 128, 128))
    a[0, 40:80, 50:70] = 1.0
    gc.collect()
    tracemalloc.start()
    try:
        sol = solver.solve(a, grid, solver.Film(1.0), "open", precision=precision)
        sol.energy, sol.current, sol.vector_potential, sol.field_z(0.0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    est = OpenOperator.memory_estimate(grid, precision)
    assert peak <= est <= 2 * peak, (peak / 2**20, est / 2**20)
    if precision == "single":  # only the arrays held in the solve precision shrink
        assert est < OpenOperator.memory_estimate(grid, "double")
