"""The pruned, blocked transforms and the fused compiled pass (issue 16) against independent
references: numpy's full 2-D FFTs of the zero-padded fields, and the multipliers applied as
numpy array expressions on the unfolded (full) tables.

Tolerances: both routes compute the same sums in different orders, so they agree to a few ulps
times log2(N) of the largest entry: 1e-13 relative to the maximum (double), 2e-6 (single: the
float32 transforms themselves, ~1e-7, with margin).
"""
from __future__ import annotations

import numpy as np
import pytest

import solver
from solver.spectral import pruned
from solver.spectral.fft import HAVE_PYFFTW, FFTBackend
from solver.spectral.freespace import COMPONENTS, ODD_IN_Y, unfold_rows
from solver.spectral.operators import half_spectrum_weights
from solver.spectral.pruned import PrunedTransform

BACKENDS = ["scipy"] + (["pyfftw"] if HAVE_PYFFTW else [])
# odd and even sizes, shapes smaller and larger than one block, non-square
SHAPES = [(6, 5), (24, 20), (33, 70), (70, 33)]


def _fields(shape, n=2, seed=0):
    return np.random.default_rng(seed).normal(size=(n,) + shape)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("pad", [1, 2])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("threads", [1, 2])
def test_forward_and_inverse_passes_equal_numpy_full_transforms(shape, pad, backend, threads,
                                                                monkeypatch):
    """Row stage = rfft along x of the zero-padded rows; spectra = rfft2 of the zero-padded
    field; a column pass with the identity multiplier followed by the inverse rows = N × the
    first (ny, nx) block of irfft2 of the full spectrum (the input back, unnormalised). Small
    block sizes force partial row and column blocks."""
    monkeypatch.setattr(pruned, "BLOCK_BYTES", 64)
    monkeypatch.setattr(pruned, "ROW_BLOCK_BYTES", 64)
    ny, nx = shape
    P = (pad * ny, pad * nx)
    pt = PrunedTransform(shape, P, "float64", FFTBackend(backend, threads=threads))
    a = _fields(shape)
    padded = np.zeros((2,) + P)
    padded[:, :ny, :nx] = a
    full = np.fft.rfft2(padded)
    scale = np.abs(full).max()
    stages = pt.forward_rows(a)
    ref_rows = np.fft.rfft(padded[:, :ny], axis=-1)
    for c in range(2):
        assert np.abs(stages[c] - ref_rows[c]).max() <= 1e-13 * scale
    np.testing.assert_allclose(pt.spectra(a), full, rtol=0, atol=1e-13 * scale)

    def identity(x, out, j0, m):
        out[:2, :m] = x[:2, :m]
        return 0.0

    outs = list(stages)
    pt.columns(stages, outs, identity)
    n = P[0] * P[1]
    for c in range(2):
        back = pt.inverse_rows(outs[c])
        np.testing.assert_allclose(back, n * a[c], rtol=0, atol=1e-12 * n * np.abs(a).max())


@pytest.mark.parametrize("backend", BACKENDS)
def test_pass_leaves_its_input_and_keeps_no_reference(backend):
    """The source is read, never written (a read-only array works), and no plan keeps it."""
    import gc
    import weakref

    shape = (32, 32)
    pt = PrunedTransform(shape, shape, "float64", FFTBackend(backend, threads=2))
    a = FFTBackend(backend).empty((2,) + shape)
    a[...] = _fields(shape)
    keep = a.copy()
    a.flags.writeable = False
    stages = pt.forward_rows(a)
    np.testing.assert_array_equal(a, keep)
    out = pt.inverse_rows(stages[0])
    assert not np.shares_memory(out, a)
    ref = weakref.ref(a)
    del a, out, stages
    gc.collect()
    assert ref() is None  # nothing in the transform set holds the caller's array


def _reference_outputs(op, a, stiffness, height):
    """Energy, j, A, B_z by numpy: full padded rfft2, the quarter tables unfolded to the full
    half spectrum by their parity in q_y, the multipliers as array expressions."""
    ny, nx = op.grid.shape
    P = op.solve_grid.shape
    padded = np.zeros((2,) + P)
    padded[:, :ny, :nx] = a
    ah = np.fft.rfft2(padded)

    def tensor(kind):
        t = op._table(kind, height) if kind == "G" else op._table(kind)
        t = np.asarray(t, dtype=float)
        if not op.scalar_tables:  # free-space tables are stored transposed (column per row)
            t = t.transpose(0, 2, 1)
        if op.scalar_tables:
            qx, qy = (v.astype(float) for v in op._wavevectors())
            f = unfold_rows(t[0], False)
            if kind == "G":
                return {"x": qx[None, :] * f, "y": qy[:, None] * f}
            return {"xx": qx[None, :] ** 2 * f, "xy": qx[None, :] * qy[:, None] * f,
                    "yy": qy[:, None] ** 2 * f}
        even = kind != "G"
        return {name: unfold_rows(t[i], odd) for i, (name, odd) in
                enumerate(zip(COMPONENTS[even], ODD_IN_Y[even]))}

    def apply(m):
        return np.stack([m["yy"] * ah[0] - m["xy"] * ah[1], m["xx"] * ah[1] - m["xy"] * ah[0]])

    W, U, G = tensor("W"), tensor("U"), tensor("G")
    tw = apply(W)
    w = half_spectrum_weights(P[1])
    energy = 0.5 * stiffness * op.norm * float(np.sum(w * (np.conj(ah) * tw).real))
    crop = (slice(None), slice(0, ny), slice(0, nx))
    j = -stiffness * np.fft.irfft2(tw, s=P)[crop]
    A = -np.fft.irfft2(apply(U), s=P)[crop]
    bz = np.fft.irfft2(1j * (G["y"] * ah[0] - G["x"] * ah[1]), s=P)[:ny, :nx]
    return energy, j, A, bz


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("boundary", ["periodic", "open"])
@pytest.mark.parametrize("precision", ["double", "single"])
def test_fused_pass_equals_numpy_multipliers(boundary, precision, backend):
    """The one-pass evaluation (energy, j, A, B_z at two heights) against the numpy reference
    on the same tables: 1e-13 (double) / 2e-6 (single) of each output's maximum."""
    grid = solver.Grid((20, 26), 0.1)
    islands = [solver.Island.disk((-0.4, 0.1), 0.35), solver.Island.disk((0.5, -0.2), 0.3)]
    a = solver.exchange_map(islands, grid, boundary=boundary)
    op = solver.get_operator(grid, 0.7, boundary, FFTBackend(backend, threads=2), precision)
    s = 1.7
    got = op.evaluate(a, s, energy=True, current=True, vector_potential=True, heights=(0.0, 0.25))
    tol = 1e-13 if precision == "double" else 2e-6
    for z in (0.0, 0.25):
        e, j, A, bz = _reference_outputs(op, a, s, z)
        assert got["energy"] == pytest.approx(e, rel=tol)
        for name, ref, val in (("j", j, got["current"]), ("A", A, got["vector_potential"]),
                               ("Bz", bz, got["field_z"][z])):
            assert val.dtype == op.dtype
            assert np.abs(val - ref).max() <= tol * np.abs(ref).max(), name
    # the cross energy of a source with itself is twice its energy (one pass over both)
    assert op.cross_energy(a, a, s) == pytest.approx(2 * got["energy"], rel=tol)


@pytest.mark.parametrize("boundary", ["periodic", "open"])
def test_results_are_bitwise_identical_for_any_thread_count(boundary):
    """Each block's arithmetic is independent of the worker that runs it, and the workers'
    plans are single-threaded: 1, 2 and 3 threads give the same bits (estimate planner)."""
    grid = solver.Grid((48, 40), 0.1)
    a = solver.exchange_map([solver.Island.disk((0.2, -0.1), 0.6)], grid, boundary=boundary)
    results = []
    for threads in (1, 2, 3):
        fft = FFTBackend(threads=threads, planner="estimate")
        sol = solver.solve(a, grid, solver.Film(0.8), boundary, fft=fft).evaluate()
        results.append((sol.grid_energy, sol.current.tobytes(), sol.vector_potential.tobytes(),
                        sol.field_z(0.0).tobytes()))
    assert results[0] == results[1] == results[2]


def test_quarter_tables_are_the_operators_resident_memory():
    """The open operator's tables are quarter tables ((ny + 1)(nx + 1) per component: 3 for W,
    3 for U, 2 per B_z height) and match ``table_bytes``; no full-size multiplier is kept."""
    grid = solver.Grid((40, 32), 0.1)
    a = solver.exchange_map([solver.Island.disk((0.0, 0.0), 0.5)], grid)
    for boundary, cls in (("open", solver.OpenOperator), ("periodic", solver.PeriodicOperator)):
        solver.clear_cache()
        op = solver.get_operator(grid, 1.0, boundary)
        op.evaluate(a, energy=True, current=True, vector_potential=True, heights=(0.0,))
        tables = [op._table("W"), op._table("U"), op._table("G", 0.0)]
        if boundary == "open":  # transposed: one spectrum column per row
            shape = (grid.nx + 1, grid.ny + 1)
        else:  # row-major; the dense transforms keep no buffer between passes
            shape = (grid.ny // 2 + 1, grid.nx // 2 + 1)
            assert not any(isinstance(v, np.ndarray) for v in vars(op.dense).values())
        assert sum(t.nbytes for t in tables) == cls.table_bytes(grid)
        assert all(t.shape[1:] == shape for t in tables)


@pytest.mark.parametrize("boundary", ["periodic", "open"])
def test_evaluate_computes_each_output_once_and_matches_single_requests(boundary, monkeypatch):
    """``Solution.evaluate`` gives the same bits as the outputs requested one by one, makes one
    operator pass for the energy, j, A and B_z(0) together, none for outputs already computed,
    and one per further height."""
    grid = solver.Grid((30, 36), 0.1)
    a = solver.exchange_map([solver.Island.disk((0.1, -0.2), 0.5)], grid, boundary=boundary)
    film = solver.Film(0.9)
    single = solver.solve(a, grid, film, boundary)
    ref = (single.grid_energy, np.array(single.current), np.array(single.vector_potential),
           np.array(single.field_z(0.0)), np.array(single.field_z(0.2)))
    sol = solver.solve(a, grid, film, boundary)
    calls = []
    original = type(sol.operator).evaluate

    def counting(self, *args, **kwargs):
        calls.append(kwargs)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(sol.operator), "evaluate", counting)
    assert sol.evaluate() is sol
    assert len(calls) == 1
    sol.evaluate(heights=(0.0, 0.2))
    assert len(calls) == 2 and calls[1]["heights"] == (0.2,) and not calls[1]["current"]
    got = (sol.grid_energy, sol.current, sol.vector_potential, sol.field_z(0.0), sol.field_z(0.2))
    assert len(calls) == 2
    assert got[0] == ref[0]
    for g, r in zip(got[1:], ref[1:]):
        np.testing.assert_array_equal(g, r)
        assert not g.flags.writeable
        with pytest.raises(ValueError):
            g[..., 0] = 1.0
