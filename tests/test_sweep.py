"""Parameter sweeps: stacking, grouping by operator, errors, and serial == Dask."""
from __future__ import annotations

import sys

import numpy as np
import pytest
import xarray as xr

import solver
from solver.spectral.fft import HAVE_PYFFTW, PLANNER_LOCK
from solver.config import ConfigError
from solver.sweep import SweepPointError, _chunks, fft_threads_for, sweep, usable_cores

CONFIG = {
    "grid": {"cells": 128, "spacing": 0.025},  # disks of radius 6 cells
    "islands": [{"kind": "disk", "center": [-0.5, 0.0], "radius": 0.15},
                {"kind": "disk", "center": [0.5, 0.0], "radius": 0.15}],
}
AXES = {"separation": [0.6, 1.0, 1.5], "film.pearl_length": [0.5, 2.0]}


def couplings(separation: float, pearl_length: float, radius: float = 0.15) -> dict:
    """Module-level sweep function (also shipped to Dask workers)."""
    grid = solver.Grid((64, 64), 0.05)
    isl = [solver.Island.disk((-separation / 2, 0.0), radius),
           solver.Island.disk((separation / 2, 0.0), radius)]
    ie = solver.interaction_energies(isl, grid, solver.Film(pearl_length))
    return {"J": np.array(ie.couplings(0, 1)), "tensor": (("a", "b"), ie.tensors[0, 1]),
            "energy": ie.total}


def test_function_sweep_stacks_points_in_axis_order():
    ds = sweep(couplings, {"separation": [0.6, 1.2], "pearl_length": [0.5, 1.0, 3.0]},
               fixed={"radius": 0.1}, progress=False)
    assert ds["J"].dims == ("separation", "pearl_length", "J_dim_0")
    assert ds["tensor"].dims == ("separation", "pearl_length", "a", "b")
    assert ds["energy"].shape == (2, 3)
    np.testing.assert_array_equal(ds["pearl_length"], [0.5, 1.0, 3.0])
    direct = couplings(1.2, 3.0, radius=0.1)
    np.testing.assert_array_equal(ds["J"].sel(separation=1.2, pearl_length=3.0), direct["J"])
    assert float(ds["energy"].sel(separation=0.6, pearl_length=0.5)) == couplings(0.6, 0.5, 0.1)["energy"]


def test_return_types_and_non_scalar_axis_values():
    def f(x, label, c):
        return xr.Dataset({"v": ("k", np.arange(3.0) * x + c[0])}, attrs={"label": label, "same": 1})

    ds = sweep(f, {"x": [1.0, 2.0], "label": ["a", "b"], "c": [[0, 1], [5, 6]]}, progress=False)
    assert ds["v"].dims == ("x", "label", "c", "k")
    assert ds.attrs["same"] == 1 and "label" not in ds.attrs  # differing attrs are dropped
    assert list(ds["c_value"].values) == ["[0, 1]", "[5, 6]"] and list(ds["c"].values) == [0, 1]
    assert float(ds["v"].sel(x=2.0, label="b", c=1, k=2)) == 9.0
    da = sweep(lambda t: xr.DataArray(t * 2.0, name="double"), {"t": [1, 2]}, progress=False)
    np.testing.assert_array_equal(da["double"], [2.0, 4.0])
    num = sweep(lambda t: t + 0.5, {"t": [1, 2, 3]}, progress=True)
    np.testing.assert_array_equal(num["value"], [1.5, 2.5, 3.5])


def test_points_sharing_an_operator_run_back_to_back():
    calls = []

    def f(separation, pearl_length):
        calls.append(pearl_length)
        return {"v": separation * pearl_length}

    ds = sweep(f, {"separation": [1.0, 2.0, 3.0], "pearl_length": [0.5, 2.0]}, progress=False)
    assert calls == [0.5, 0.5, 0.5, 2.0, 2.0, 2.0]  # grouped by the operator key
    np.testing.assert_array_equal(ds["v"], np.outer([1.0, 2.0, 3.0], [0.5, 2.0]))
    # explicit grouping off: plain C order
    calls.clear()
    sweep(f, {"separation": [1.0, 2.0], "pearl_length": [0.5, 2.0]}, group_by=(), progress=False)
    assert calls == [0.5, 2.0, 0.5, 2.0]
    # chunking keeps groups together and splits them only to fill the workers
    pts = [{"k": i} for i in range(6)]
    chunks = _chunks(pts, ["a", "b", "a", "b", "a", "b"], 4)
    assert [[i for i, _ in c] for c in chunks] == [[0, 2], [4], [1, 3], [5]]


def test_spec_sweep_records_energies_and_couplings():
    ds = sweep(CONFIG, AXES, progress=False)
    assert ds["J_perp"].dims == ("separation", "film.pearl_length", "pair")
    assert ds["coupling_tensor"].dims == ("separation", "film.pearl_length", "island", "island2",
                                         "alpha", "beta")
    np.testing.assert_allclose(ds["distance"].squeeze("pair"),
                               np.repeat(np.array(AXES["separation"])[:, None], 2, 1), rtol=1e-14)
    # finite disks approach the point dipoles as (R/d)^2
    rel = abs(ds["J_par"] / ds["J_par_dipole"] - 1)
    assert float(rel.max()) < 0.04 and bool((rel.isel(separation=-1) < rel.isel(separation=0)).all())
    assert ds.attrs["length_unit"] == "um" and "pearl_length" not in ds.attrs
    cfg = solver.config.parse_config(CONFIG)
    same = sweep(cfg, AXES, progress=False)
    xr.testing.assert_identical(ds, same)


def test_errors():
    with pytest.raises(ValueError, match="non-empty"):
        sweep(couplings, {}, progress=False)
    with pytest.raises(ValueError, match="no values"):
        sweep(couplings, {"separation": []}, progress=False)
    with pytest.raises(ValueError, match="group_by"):
        sweep(couplings, {"separation": [1.0]}, group_by=["r0"], progress=False)

    def bad(x):
        if x > 1:
            raise ValueError("too big")
        return {"v": x}

    with pytest.raises(SweepPointError, match=r"\{'x': 2\}.*too big"):
        sweep(bad, {"x": [1, 2]}, progress=False)
    with pytest.raises(ValueError, match="another shape"):
        sweep(lambda n: {"v": np.zeros(n)}, {"n": [2, 3]}, progress=False)
    with pytest.raises(SweepPointError, match="must return"):
        sweep(lambda n: "text", {"n": [1]}, progress=False)
    with pytest.raises(ConfigError, match="film.pearl_length"):
        sweep(CONFIG, {"film.pearl_length": [1.0, -1.0]}, progress=False)
    with pytest.raises(ConfigError, match="outside the open grid"):
        sweep(CONFIG, {"separation": [1.0, 5.0]}, progress=False)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("dask.distributed")
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # ship test functions by value
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cl, distributed.Client(cl) as client:
        yield cl, client
    cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def test_serial_and_dask_give_identical_datasets(cluster):
    cl, client = cluster
    # same FFTW state on both sides: wisdom is process-global and default (estimate) plans use
    # whatever an earlier FFTW_MEASURE backend of this test process loaded (see FFTBackend),
    # while the dask workers are fresh processes
    if HAVE_PYFFTW:
        import pyfftw

        with PLANNER_LOCK:
            pyfftw.forget_wisdom()
    solver.clear_cache()
    solver.fft.default_backend().clear()
    serial = sweep(CONFIG, AXES, progress=False, threads=1)
    on_dask = sweep(CONFIG, AXES, client=client, progress=True)
    xr.testing.assert_identical(serial, on_dask)
    axes = {"separation": [0.6, 1.2], "pearl_length": [0.5, 2.0]}
    f_serial = sweep(couplings, axes, progress=False, threads=1)
    f_dask = sweep(couplings, axes, client=cl.scheduler_address, progress=False)  # address string
    xr.testing.assert_identical(f_serial, f_dask)
    xr.testing.assert_identical(f_serial, sweep(couplings, axes, client=cl, progress=False))  # cluster
    # workers x FFT threads never oversubscribe the cores
    assert fft_threads_for(client) == max(1, usable_cores() // 2)
    threads = client.run(lambda: solver.fft.default_backend().threads)
    assert set(threads.values()) == {fft_threads_for(client)}


def test_dask_errors_name_the_point(cluster):
    _, client = cluster

    def bad(x):
        if x == 3:
            raise ValueError("three")
        return {"v": x}

    with pytest.raises(SweepPointError, match="three"):
        sweep(bad, {"x": [1, 2, 3, 4]}, client=client, progress=False)
