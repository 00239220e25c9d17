"""Results are values (issue 13, section 1): a Solution or an InteractionEnergies never aliases
the caller's arrays, the FFT layer never writes into or keeps memory it does not own, masked
arrays are refused, and the interaction/film helpers give clear errors at their limits.

References are independent: the same solve on a private copy, a separate scipy.fft backend, and
the scaling laws of the energy (F ∝ a²) and of Z = s g²/(2π)."""
import math

import numpy as np
import pytest

import solver
from solver.fft import HAVE_PYFFTW, FFTBackend

BOUNDARIES = ["periodic", "open"]
BACKENDS = ["pyfftw", "scipy"] if HAVE_PYFFTW else ["scipy"]
PRECISIONS = ["double", "single"]
# double: two FFT libraries (or one plan run on different memory) agree to a few ulp × log2 N;
# single: float32 round-off (6e-8) × the transform depth and the multiplier build, measured 3e-7
TOL = {"double": 1e-12, "single": 2e-6}


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """Kernel tables built here, not read from a shared disk cache."""
    monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path / "cache"))


def _disk(grid):
    return solver.exchange_map([solver.Island.disk((0.0, 0.0), 0.4)], grid)


def _aligned(shape, dtype="float64"):
    """A C-contiguous array whose data is aligned for FFTW's SIMD code (pyfftw adopts those)."""
    if HAVE_PYFFTW:
        import pyfftw

        out = pyfftw.empty_aligned(shape, dtype=dtype)
        assert pyfftw.is_byte_aligned(out, pyfftw.simd_alignment)
        return out
    return np.empty(shape, dtype=dtype)


def _outputs(sol):
    return sol.energy, sol.current, sol.vector_potential, sol.field_z(0.0)


def _assert_same(got, ref, tol):
    assert got[0] == pytest.approx(ref[0], rel=tol)
    for x, y in zip(got[1:], ref[1:]):
        assert np.max(np.abs(x - y)) <= tol * np.max(np.abs(y))


# --- 1. a Solution is a value ----------------------------------------------------------------

@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_solution_is_unchanged_when_the_caller_changes_its_input(boundary):
    """The issue's reproduction: ``buf *= 2`` after the (lazy) solve used to give 4x the energy.
    Reference: the same solve of a private copy, and F ∝ a² (the doubled map has 4x the energy)."""
    grid = solver.Grid((40, 48), 0.05)
    film = solver.Film(0.7)
    buf = _disk(grid)
    ref = _outputs(solver.solve(buf.copy(), grid, film, boundary))
    sol = solver.solve(buf, grid, film, boundary)
    buf *= 2
    _assert_same(_outputs(sol), ref, 1e-14)  # same operator, same bits up to summation order
    assert solver.solve(buf, grid, film, boundary).energy == pytest.approx(4 * ref[0], rel=1e-13)
    assert not np.shares_memory(sol.a, buf)


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_solution_arrays_are_read_only(boundary):
    """``sol.current *= 2`` raises instead of corrupting the cached value, to_dataset and
    interaction_with (which must still agree with the energy: F_11 = 2F for one source)."""
    grid = solver.Grid((32, 32), 0.05)
    sol = solver.solve(_disk(grid), grid, solver.Film(1.0), boundary)
    arrays = {"a": sol.a, "current": sol.current, "vector_potential": sol.vector_potential,
              "field_z": sol.field_z(0.0)}
    before = {k: v.copy() for k, v in arrays.items()}
    for name, arr in arrays.items():
        assert not arr.flags.writeable, name
        with pytest.raises(ValueError, match="read-only"):
            arr *= 2
        np.testing.assert_array_equal(arr, before[name])
    ds = sol.to_dataset()
    np.testing.assert_array_equal(ds["jx"].values, before["current"][0])
    assert float(ds["energy"]) == sol.energy
    # the dataset is the caller's own copy: writable, and writing it leaves the solution alone
    ds["jx"].values[...] = 0.0
    np.testing.assert_array_equal(sol.current, before["current"])
    # F = −½∫j·a and F_11 = −∫j·a (same operator): 2F to round-off
    assert sol.interaction_with(sol) == pytest.approx(2 * sol.energy, rel=1e-13)


# --- 2. the FFT layer never writes into, or keeps, memory it does not own ------------------

@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_a_later_solve_does_not_write_into_an_earlier_callers_array(boundary, backend, precision):
    """An aligned C-contiguous input, then a non-contiguous one on the same grid: the first
    array is untouched and both solutions equal a separate scipy.fft backend's (the issue's
    reproduction). The aligned array is also passed straight to the operator's transform (the
    level where pyfftw adopted it as its input buffer)."""
    grid = solver.Grid((40, 48), 0.05)
    film = solver.Film(0.7)
    fft = FFTBackend(backend, threads=1)
    ref_fft = FFTBackend("scipy", threads=1)
    base = _disk(grid)
    first = _aligned(base.shape)
    first[...] = base
    keep = first.copy()
    other = np.asfortranarray(3.0 * base)
    op = solver.get_operator(grid, film.pearl_length, boundary, fft, precision)
    state = op.evaluate(first, current=True)["current"]
    s1 = solver.solve(first, grid, film, boundary, fft=fft, precision=precision)
    o1 = _outputs(s1)
    s2 = solver.solve(other, grid, film, boundary, fft=fft, precision=precision)
    o2 = _outputs(s2)
    op.evaluate(other[:, ::-1, :], current=True)  # a negative-stride view: read, never kept
    np.testing.assert_array_equal(first, keep)
    np.testing.assert_array_equal(op.evaluate(first, current=True)["current"], state)
    tol = TOL[precision]
    ref1 = _outputs(solver.solve(keep, grid, film, boundary, fft=ref_fft, precision=precision))
    ref2 = _outputs(solver.solve(3.0 * keep, grid, film, boundary, fft=ref_fft,
                                 precision=precision))
    _assert_same(o1, ref1, tol)
    _assert_same(o2, ref2, tol)
    # and the linearity the two solves must show: F ∝ a², fields ∝ a
    assert o2[0] == pytest.approx(9 * o1[0], rel=tol)


@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_a_read_only_aligned_input_does_not_poison_the_plan(boundary, backend, precision):
    """A read-only aligned input, then a non-contiguous one: the second solve works (it used to
    fail with "assignment destination is read-only") and equals the scipy reference."""
    grid = solver.Grid((40, 48), 0.05)
    film = solver.Film(0.7)
    fft = FFTBackend(backend, threads=1)
    base = _disk(grid)
    ro = _aligned(base.shape)
    ro[...] = base
    ro.flags.writeable = False
    op = solver.get_operator(grid, film.pearl_length, boundary, fft, precision)
    op.evaluate(ro, current=True)
    e_ro = solver.solve(ro, grid, film, boundary, fft=fft, precision=precision).energy
    other = np.asfortranarray(2.0 * base)
    op.evaluate(other, current=True)
    sol = solver.solve(other, grid, film, boundary, fft=fft, precision=precision)
    ref = _outputs(solver.solve(2.0 * base, grid, film, boundary,
                                fft=FFTBackend("scipy", threads=1), precision=precision))
    _assert_same(_outputs(sol), ref, TOL[precision])
    assert e_ro == pytest.approx(ref[0] / 4, rel=TOL[precision])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_transform_pair_keeps_no_caller_memory(backend, dtype):
    """TransformPair.forward_into/inverse_into on caller arrays: a conforming (aligned) input,
    then a non-conforming one, then a read-only one. Each result equals numpy's rfft2; no
    caller array changes, and afterwards the plan only references the pair's own arrays."""
    fft = FFTBackend(backend, threads=1)
    shape = (2, 12, 10)
    tp = fft.pair(2, shape[1:], dtype)
    rng = np.random.default_rng(0)
    x1 = _aligned(shape, dtype)
    x1[...] = rng.normal(size=shape)
    x2 = np.asfortranarray(rng.normal(size=shape).astype(dtype))
    x3 = _aligned(shape, dtype)
    x3[...] = rng.normal(size=shape)
    x3.flags.writeable = False
    copies = [x.copy() for x in (x1, x2, x3)]
    rtol = 1e-13 if dtype == "float64" else 2e-6  # ulp × log2 N of the transform's precision
    outs = []
    for x in (x1, x2, x3):
        out = fft.empty(tp.spectrum.shape, tp.spectrum.dtype)
        tp.forward_into(x, out)
        outs.append(out)
    for x, c, out in zip((x1, x2, x3), copies, outs):
        np.testing.assert_array_equal(x, c)
        ref = np.fft.rfft2(c.astype(float))
        assert np.max(np.abs(out - ref)) <= rtol * np.max(np.abs(ref))
        # the inverse of the caller's spectrum (unnormalised): N x, into a caller array
        spec = out.copy()
        back = fft.empty(shape, dtype)
        tp.inverse_into(spec, back)
        assert np.max(np.abs(back / (shape[1] * shape[2]) - c)) <= rtol * 10 * np.max(np.abs(c))
    for plan in tp._plans:  # pyfftw: the plans hold the pair's own work arrays again
        assert {id(plan.input_array), id(plan.output_array)} <= {id(tp.real), id(tp.spectrum)}


@pytest.mark.parametrize("backend", BACKENDS)
def test_convenience_transforms_and_shape_spectra_do_not_alias(backend):
    """FFTBackend.rfft2/irfft2 (cached and one-off plans) and shape_spectra leave their inputs
    unchanged and return arrays of their own (a later call does not change an earlier result)."""
    fft = FFTBackend(backend, threads=1)
    rng = np.random.default_rng(1)
    x = _aligned((3, 8, 10))
    x[...] = rng.normal(size=x.shape)
    keep = x.copy()
    for cache in (True, False):
        r1 = fft.rfft2(x, cache=cache)
        spec = _aligned(r1.shape, "complex128")  # an aligned input is the one a plan adopts
        spec[...] = r1
        y = fft.irfft2(spec, (8, 10), cache=cache)
        np.testing.assert_array_equal(x, keep)
        np.testing.assert_array_equal(spec, r1)  # the inverse never destroys the caller's input
        np.testing.assert_allclose(y, keep, rtol=0, atol=1e-14 * np.abs(keep).max())
        before = r1.copy()
        fft.rfft2(np.asfortranarray(2 * keep), cache=cache)
        fft.irfft2(2 * spec, (8, 10), cache=cache)
        np.testing.assert_array_equal(r1, before)
        np.testing.assert_array_equal(x, keep)
    grid = solver.Grid((8, 10), 0.1)
    for boundary in BOUNDARIES:
        op = solver.get_operator(grid, 1.0, boundary, fft)
        shapes = keep.copy()
        spectra = op.shape_spectra(shapes)
        np.testing.assert_array_equal(shapes, keep)
        sy, sx = op.solve_grid.shape
        pad = np.zeros((3, sy, sx))
        pad[:, :8, :10] = keep
        np.testing.assert_allclose(spectra, np.fft.rfft2(pad), rtol=0,
                                   atol=1e-13 * np.abs(pad).sum(axis=(1, 2)).max())


# --- 3. masked arrays ------------------------------------------------------------------------

def test_masked_source_is_refused_naming_a():
    """np.asarray of a masked array is its data with the hidden values: refuse it."""
    grid = solver.Grid((8, 8), 0.1)
    a = np.ma.masked_array(np.ones((2, 8, 8)), mask=np.zeros((2, 8, 8), bool))
    a.mask[0, 0, 0] = True
    a.data[0, 0, 0] = 1e300
    with pytest.raises(ValueError, match=r"a must be a plain ndarray, got a masked array.*filled"):
        solver.solve(a, grid, solver.Film(1.0))
    # filled explicitly, as the message says, it solves
    assert solver.solve(a.filled(0), grid, solver.Film(1.0)).energy > 0


# --- 5. interactions and film at their limits --------------------------------------------------

def _interactions():
    grid = solver.Grid((48, 48), 0.05)  # the islands and their rasterised edges well inside
    islands = [solver.Island.disk((-0.3, 0.0), 0.1), solver.Island.disk((0.3, 0.0), 0.1),
               solver.Island.disk((0.0, 0.4), 0.1)]
    return solver.interaction_energies(islands, grid, solver.Film(1.0))


@pytest.mark.parametrize("i, j, what", [
    (-1, 0, "i"), (0, -3, "j"), (3, 0, "i"), (0, 7, "j"), (True, 1, "i"), (0, False, "j"),
    (1.0, 0, "i"), (0, "1", "j"), (None, 1, "i"), (0, np.float64(2), "j"),
])
def test_couplings_bad_indices_name_the_index_and_range(i, j, what):
    ie = _interactions()
    with pytest.raises(ValueError, match=rf"^{what} must be an integer island index in \[0, 2\]"):
        ie.couplings(i, j)


def test_couplings_equal_indices_and_valid_indices():
    """i == j has no pair axis: refused. Valid (numpy) ints work and are symmetric in (i, j)
    (C_ij = C_jiᵀ and the pair frame is the same up to the sign of the axis)."""
    ie = _interactions()
    with pytest.raises(ValueError, match="i and j must be two different islands"):
        ie.couplings(1, 1)
    a = ie.couplings(0, np.int64(2))
    b = ie.couplings(2, 0)
    assert a == pytest.approx(b, rel=1e-13)


def test_interaction_energies_are_read_only():
    """The result's arrays raise on in-place changes; total and couplings stay as computed."""
    ie = _interactions()
    total, c = ie.total, ie.couplings(0, 1)
    for arr in (ie.tensors, ie.self_energies, ie.pair_energies):
        with pytest.raises(ValueError, match="read-only"):
            arr *= 2
    assert ie.total == total and ie.couplings(0, 1) == c


@pytest.mark.parametrize("coupling", [math.nan, math.inf, -math.inf, "1", True, 1j, None, [1.0]])
def test_dipole_constant_refuses_non_finite_or_non_real_coupling(coupling):
    with pytest.raises(ValueError, match="coupling must be a finite real number"):
        solver.Film(1.0).dipole_constant(coupling)


def test_dipole_constant_at_the_float_limits():
    """Z = s g²/(2π) is computed where it is representable, even when g² alone overflows
    (reference: the same product in logarithms, good to ~1e-15 relative), and refused naming
    ``coupling`` where Z itself overflows."""
    film = solver.Film(1.0, stiffness=1e-30)
    for g in (1e160, -1e160, 3e-170, 1.0):
        z = film.dipole_constant(g)
        ref = math.exp(math.log(1e-30) + 2 * math.log(abs(g)) - math.log(2 * math.pi))
        assert z == pytest.approx(ref, rel=1e-12)  # exp/log round-off at |ln| ~ 700: ~1e-13
    assert solver.Film(1.0).dipole_constant(-2.0) == pytest.approx(4 / (2 * math.pi), rel=1e-15)
    with pytest.raises(ValueError, match=r"coupling = 1e\+200 makes Z = s g\^2/\(2 pi\) overflow.*"
                                         r"\|coupling\| must be below 3.36e\+154"):
        solver.Film(1.0).dipole_constant(1e200)
