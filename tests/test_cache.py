"""The on-disk cache: keyed, atomic, safe against corrupt files and concurrent writers."""
import threading

import numpy as np
import pytest

import solver
from solver import cache


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLVER_CACHE_DIR", str(tmp_path))
    cache.set_enabled(True)
    yield tmp_path
    cache.set_enabled(None)


def test_round_trip_and_keying(cache_dir):
    d1 = cache.key_digest(kind="W", shape=(8, 8), spacing=0.1)
    d2 = cache.key_digest(kind="W", shape=(8, 8), spacing=0.2)
    assert d1 != d2 and d1 == cache.key_digest(spacing=0.1, shape=(8, 8), kind="W")
    arrays = {"xx": np.arange(6.0).reshape(2, 3), "xy": np.ones(3)}
    cache.save_arrays("vgf", d1, arrays)
    back = cache.load_arrays("vgf", d1)
    assert set(back) == {"xx", "xy"} and all(np.array_equal(back[k], arrays[k]) for k in arrays)
    assert cache.load_arrays("vgf", d2) is None
    assert not list(cache_dir.glob("*.tmp"))  # atomic write leaves no temporary behind


def test_corrupt_entry_is_a_miss_and_removed(cache_dir):
    d = cache.key_digest(kind="corrupt")
    path = cache_dir / f"vgf-{d}.npz"
    path.write_bytes(b"not a zip file")
    assert cache.load_arrays("vgf", d) is None
    assert not path.exists()


def test_disabled_cache_writes_nothing(cache_dir):
    cache.set_enabled(False)
    cache.save_arrays("vgf", "x", {"a": np.zeros(2)})
    assert cache.load_arrays("vgf", "x") is None
    assert not list(cache_dir.glob("vgf-*"))


def test_concurrent_writers_leave_a_valid_entry(cache_dir):
    arrays = {"a": np.random.default_rng(0).standard_normal((64, 64))}
    threads = [threading.Thread(target=cache.save_arrays, args=("vgf", "same", arrays)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert np.array_equal(cache.load_arrays("vgf", "same")["a"], arrays["a"])


def test_cached_open_operator_equals_cold_build(cache_dir):
    """A solve whose free-space kernels come from the disk cache is identical to a cold one."""
    g = solver.Grid((40, 48), 0.04)
    a = solver.exchange_map([solver.Island.gaussian((0.1, 0), 0.08, (1, 0.5))], g)
    film = solver.Film(0.7)
    cold = solver.solve(a, g, film)
    e_cold, j_cold = cold.energy, cold.current
    assert list(cache_dir.glob("vgf-*.npz"))
    solver.clear_cache()
    warm = solver.solve(a, g, film)
    assert warm.energy == e_cold and np.array_equal(warm.current, j_cold)


def test_fftw_wisdom_round_trip(cache_dir):
    pytest.importorskip("pyfftw")
    backend = solver.FFTBackend("pyfftw", threads=1, planner="measure")
    backend.pair(1, (16, 20))
    assert list(cache_dir.glob("fftw-wisdom-*.json"))
    cache.load_fftw_wisdom()  # reading it back must not raise
