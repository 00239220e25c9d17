"""Solution -> xarray.Dataset -> netCDF -> Dataset: layout, units (pint), exact round trips,
atomic writes."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
import xarray as xr

import solver
from solver.dataset import check_length_unit, unit_power
from solver.sources import islands_from_json


@pytest.fixture
def islands():
    return [solver.Island.disk((-0.5, 0.0), 0.2, (1.0, 0.0)),
            solver.Island.gaussian((0.5, 0.1), 0.1, (0.0, 1.0))]


@pytest.fixture
def sol(islands):
    grid = solver.Grid((64, 64), 0.05)
    a = solver.exchange_map(islands, grid, coupling=0.7)
    return solver.solve(a, grid, solver.Film(1.5, stiffness=2.0), "open", islands=islands, coupling=0.7)


def test_layout_values_and_attrs(sol, islands):
    ds = sol.to_dataset(heights=(0.0, 0.1, 0.3))
    assert dict(ds.sizes) == {"height": 3, "y": 64, "x": 64}
    assert set(ds.data_vars) == {"ax", "ay", "Ax", "Ay", "jx", "jy", "Bz", "energy"}
    assert ds["Bz"].dims == ("height", "y", "x") and ds["energy"].dims == ()
    for name in list(ds.data_vars) + ["x", "y", "height"]:
        assert ds[name].attrs["units"] and ds[name].attrs["long_name"], name
    # values are the solution's own (no copy drift)
    np.testing.assert_array_equal(ds["x"], sol.grid.x)
    np.testing.assert_array_equal(ds["ax"], sol.a[0])
    np.testing.assert_array_equal(ds["jy"], sol.current[1])
    np.testing.assert_array_equal(ds["Ax"], sol.vector_potential[0])
    np.testing.assert_array_equal(ds["Bz"].sel(height=0.1), sol.field_z(0.1))
    assert float(ds["energy"]) == sol.energy
    a = ds.attrs
    assert a["Conventions"] == "CF-1.10"
    assert a["pearl_length"] == 1.5 and a["stiffness"] == 2.0 and a["coupling"] == 0.7
    assert a["boundary"] == "open" and a["grid_spacing"] == 0.05
    assert list(a["grid_shape"]) == [64, 64] and a["fft_backend"] in ("pyfftw", "scipy")
    assert a["solver_version"] == solver.__version__ and a["date_created"].endswith("+00:00")
    assert islands_from_json(a["islands"]) == islands
    assert not any(v is None for v in a.values())


def test_single_height_is_a_scalar_coordinate(sol):
    ds = sol.to_dataset(heights=0.2)
    assert ds["Bz"].dims == ("y", "x") and ds["height"].ndim == 0 and float(ds["height"]) == 0.2
    ds1 = sol.to_dataset()  # default (0.0,)
    assert float(ds1["height"]) == 0.0


def test_units_quantify_with_pint(sol):
    pytest.importorskip("pint_xarray")
    import pint

    ureg = pint.get_application_registry()
    q = sol.to_dataset(heights=(0.0, 0.1)).pint.quantify()
    assert q["Bz"].data.units == ureg.Unit("um^-3")
    assert q["energy"].data.units == ureg.Unit("1/um**2")
    assert q["jx"].data.units == ureg.Unit("um^-2")
    assert (q["x"].data.units if hasattr(q["x"].data, "units") else q.pint.units["x"]) == ureg.Unit("um")
    nm = sol.to_dataset(length_unit="nm")
    assert nm["Bz"].attrs["units"] == "nm^-3" and nm.pint.quantify()["ax"].data.units == ureg.Unit("nm^-2")
    one = sol.to_dataset(length_unit="1")
    assert {one[v].attrs["units"] for v in one.variables} == {"1"}
    one.pint.quantify()


@pytest.mark.parametrize("bad", ["kg", "notaunit", "", 3])
def test_bad_length_unit(sol, bad):
    if bad == "":
        assert check_length_unit(bad) == "1"
        return
    with pytest.raises(ValueError, match="length_unit"):
        sol.to_dataset(length_unit=bad)


def test_unit_power():
    assert unit_power("um", 1) == "um" and unit_power("um", -2) == "um^-2" and unit_power("1", -3) == "1"


def test_bad_heights(sol):
    with pytest.raises(ValueError, match="heights"):
        sol.to_dataset(heights=(0.1, -0.1))
    with pytest.raises(ValueError, match="distinct"):
        sol.to_dataset(heights=(0.1, 0.1))


def test_netcdf_round_trip_is_exact(sol, tmp_path):
    ds = sol.to_dataset(heights=(0.0, 0.25))
    path = solver.save(ds, tmp_path / "s.nc")
    back = solver.open_solution(path, check=True)
    xr.testing.assert_identical(back, ds)  # values, coords, attrs (names and values)
    assert set(back.attrs) == set(ds.attrs)
    for k, v in ds.attrs.items():
        np.testing.assert_array_equal(back.attrs[k], v, err_msg=k)
    for name in ds.variables:
        assert back[name].attrs == ds[name].attrs
        np.testing.assert_array_equal(back[name].values, ds[name].values)
    # the file is closed: it can be removed and the data stays in memory
    os.remove(path)
    assert float(back["energy"]) == sol.energy


def test_round_trip_single_height_periodic_without_metadata(tmp_path):
    grid = solver.Grid((32, 40), 0.1)
    a = solver.exchange_map([solver.Island.disk((0.3, 0.0), 0.4)], grid, boundary="periodic")
    sol = solver.solve(a, grid, solver.Film(float("inf")), "periodic")  # no islands, no coupling
    ds = sol.to_dataset(0.05, length_unit="nm")
    assert "coupling" not in ds.attrs and ds.attrs["islands"] == "[]"
    assert ds.attrs["pearl_length"] == float("inf")
    back = solver.open_solution(solver.save(ds, tmp_path / "p.nc", compress=False))
    xr.testing.assert_identical(back, ds)


def test_save_solution_directly(sol, tmp_path):
    path = solver.save(sol, tmp_path / "direct.nc", heights=(0.1,))
    back = solver.open_solution(path, check=True)
    np.testing.assert_array_equal(back["Bz"], sol.field_z(0.1))


def test_save_is_atomic(sol, tmp_path, monkeypatch):
    ds = sol.to_dataset()
    path = tmp_path / "s.nc"
    solver.save(ds, path)
    before = path.read_bytes()

    def broken(self, target, *args, **kwargs):
        with open(target, "wb") as fh:
            fh.write(b"half a file")
        raise RuntimeError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        solver.save(ds, path)
    assert path.read_bytes() == before  # old file intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.nc"]  # no temporary left over
    with pytest.raises(RuntimeError):
        solver.save(ds, tmp_path / "new.nc")
    assert not (tmp_path / "new.nc").exists()


def test_attribute_hygiene_and_bad_paths(sol, tmp_path):
    ds = sol.to_dataset()
    ds.attrs["maybe"] = None  # dropped on write
    back = solver.open_solution(solver.save(ds, tmp_path / "a.nc"))
    assert "maybe" not in back.attrs
    ds.attrs.pop("maybe")
    ds.attrs["flag"] = True
    with pytest.raises(ValueError, match="bool"):
        solver.save(ds, tmp_path / "b.nc")
    ds.attrs["flag"] = {"a": 1}
    with pytest.raises(ValueError, match="flag"):
        solver.save(ds, tmp_path / "b.nc")
    with pytest.raises(ValueError, match="does not exist"):
        solver.save(sol.to_dataset(), tmp_path / "nowhere" / "c.nc")
    with pytest.raises(ValueError, match="not a file"):
        solver.open_solution(tmp_path / "missing.nc")
    other = xr.Dataset({"v": ("t", np.arange(3.0))})
    solver.save(other, tmp_path / "other.nc")
    with pytest.raises(ValueError, match="not a solver solution"):
        solver.open_solution(tmp_path / "other.nc", check=True)
    json.loads(sol.to_dataset().attrs["islands"])
