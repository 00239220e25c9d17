import numpy as np
import pytest

import solver
from solver.fft import HAVE_PYFFTW, FFTBackend


def test_grid_coordinates_are_cell_centres():
    g = solver.Grid((4, 6), 0.5, center=(1.0, -2.0))
    assert np.allclose(g.x, 1.0 + np.array([-1.25, -0.75, -0.25, 0.25, 0.75, 1.25]))
    assert np.allclose(g.y, -2.0 + np.array([-0.75, -0.25, 0.25, 0.75]))
    assert g.bounds == (-0.5, 2.5, -3.0, -1.0)
    # wavevectors follow numpy's FFT convention (independent: numpy.fft)
    assert np.allclose(g.qx, 2 * np.pi * np.fft.rfftfreq(6, 0.5))
    assert np.allclose(g.qy, 2 * np.pi * np.fft.fftfreq(4, 0.5))
    assert g.padded(2).shape == (8, 12)


@pytest.mark.skipif(not HAVE_PYFFTW, reason="pyfftw not installed")
@pytest.mark.parametrize("shape", [(64, 48), (33, 50), (2, 3, 40)])
def test_pyfftw_and_scipy_agree(shape):
    """The two backends agree to 1e-12 (both are exact DFTs; round-off ~ 1e-15 × log N)."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    a, b = FFTBackend("pyfftw", threads=2), FFTBackend("scipy", threads=2)
    Xa, Xb = a.rfft2(x), b.rfft2(x)
    assert np.max(np.abs(Xa - Xb)) <= 1e-12 * np.max(np.abs(Xb))
    assert np.allclose(Xb, np.fft.rfft2(x), rtol=0, atol=1e-12 * np.abs(Xb).max())
    ya = a.irfft2(Xa, shape[-2:])
    assert np.max(np.abs(ya - x)) <= 1e-12 * np.max(np.abs(x))


@pytest.mark.skipif(not HAVE_PYFFTW, reason="pyfftw not installed")
def test_solve_backends_agree():
    """A full open solve with pyfftw and with scipy.fft agree to 1e-12."""
    g = solver.Grid((48, 64), 0.05)
    isl = [solver.Island.gaussian((-0.4, 0.1), 0.12, (1, 0.3)), solver.Island.disk((0.5, 0), 0.3, (0, 1))]
    a = solver.exchange_map(isl, g)
    film = solver.Film(0.8)
    out = []
    for name in ("pyfftw", "scipy"):
        sol = solver.solve(a, g, film, "open", fft=FFTBackend(name))
        out.append((sol.energy, sol.current, sol.field_z(0.1)))
    assert abs(out[0][0] / out[1][0] - 1) < 1e-12
    for k in (1, 2):
        assert np.max(np.abs(out[0][k] - out[1][k])) <= 1e-12 * np.max(np.abs(out[1][k]))


def test_backend_bad_input():
    with pytest.raises(ValueError, match="threads"):
        FFTBackend("scipy", threads=0)
    with pytest.raises(ValueError, match="backend"):
        FFTBackend("numpy")
    with pytest.raises(ValueError, match="shape"):
        solver.Grid((1, 10), 0.1)
    with pytest.raises(ValueError, match="spacing"):
        solver.Grid((10, 10), -0.1)
    with pytest.raises(ValueError, match="spacing"):
        solver.Grid((10, 10), float("nan"))


@pytest.mark.skipif(not HAVE_PYFFTW, reason="pyfftw not installed")
def test_dropped_plans_are_destroyed_under_the_planner_lock(monkeypatch):
    """Plan destruction is an FFTW planner call: when the last reference to a backend (and its
    cached transform pairs) goes away, the plans must be freed holding ``fft.PLANNER_LOCK``, not
    by whichever thread happens to drop them while another plans."""
    import gc
    import threading

    import solver.fft as fft_module

    class RecordingLock:
        def __init__(self):
            self.inner, self.entered = threading.RLock(), 0

        def __enter__(self):
            self.inner.acquire()
            self.entered += 1

        def __exit__(self, *exc):
            self.inner.release()

    backend = FFTBackend("pyfftw", threads=1)
    pair = backend.pair(2, (16, 12))
    plans = pair._plans
    assert len(plans) == 2
    lock = RecordingLock()
    monkeypatch.setattr(fft_module, "PLANNER_LOCK", lock)
    del backend, pair
    gc.collect()
    assert lock.entered >= 1 and plans == []
