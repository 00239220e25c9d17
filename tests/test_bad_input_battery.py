"""Bad-input battery (issue #8): what a physicist may plausibly get wrong, over the public API,
the TOML configuration and the command line.

Every case asserts the exception type (``ValueError`` or a subclass for the API; the exit code
for the CLI) and a message that names the parameter *and* the allowed range or kind. Where a
failure could leave files behind, it also asserts that nothing was written half-way.
Complements ``tests/test_bad_input.py``, ``test_sources.py::test_bad_sources`` and
``test_cli.py::BAD`` (their cases are not repeated here). Grids are 32 x 32: every case is fast.
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import solver
from solver import Island, UnresolvedIslandWarning, cli, ensembles, ground_state, lattice
from solver import materials, phase_diagram, thermal
from solver.config import ConfigError, parse_config
from solver.island_lattice import island_lattice

HUGE = solver.Grid((300_000, 300_000), 1.0)  # 2 x 720 GB per field pair: beyond any test machine


@pytest.fixture
def grid():
    return solver.Grid((32, 32), 0.1)


@pytest.fixture
def film():
    return solver.Film(1.0)


@pytest.fixture
def amap(grid):
    return solver.exchange_map([Island.disk((0.0, 0.0), 0.5)], grid)


@pytest.fixture
def solution(grid, film, amap):
    isl = [Island.disk((0.0, 0.0), 0.5)]
    return solver.solve(amap, grid, film, islands=isl)


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


# ================================================================================ source maps
def test_complex_map_is_refused_not_truncated(grid, film, amap):
    """An FFT output passed straight in (complex dtype) used to lose its imaginary part with
    only a ComplexWarning; it must be refused, even with a zero imaginary part."""
    for bad in (amap + 1e-3j * amap, amap.astype(complex)):
        with pytest.raises(ValueError, match=r"a must be a real numeric array \(int or float dtype\), "
                                             r"got complex values"):
            solver.solve(bad, grid, film)


@pytest.mark.parametrize("dtype", [bool, str])
def test_non_numeric_map_dtype(grid, film, amap, dtype):
    """A boolean mask or an array of strings is not a gauge field (bool used to become 0/1)."""
    with pytest.raises(ValueError, match=r"a must be a real numeric array \(int or float dtype\), "
                                         r"got dtype"):
        solver.solve(amap.astype(dtype), grid, film)


def test_channel_last_and_ragged_maps(grid, film, amap):
    """(ny, nx, 2) instead of (2, ny, nx), and a ragged nested list."""
    with pytest.raises(ValueError, match=r"a must have shape \(2, 32, 32\), got \(32, 32, 2\)"):
        solver.solve(np.moveaxis(amap, 0, -1), grid, film)
    with pytest.raises(ValueError, match=r"a must be a real numeric array, got a ragged"):
        solver.solve([amap[0].tolist(), amap[1, :-1].tolist()], grid, film)


# ================================================================================ lengths
@pytest.mark.parametrize("r0", [True, "2.0", 1 + 0j, [2.0], np.array([2.0])])
def test_pearl_length_wrong_type(r0):
    """True, "2.0" and [2.0] used to become Pearl lengths 1.0, 2.0 and an error deep in numpy."""
    with pytest.raises(ValueError, match=r"pearl_length must be a real number > 0 "
                                         r"\(allowed range \(0, inf\]\)"):
        solver.Film(r0)


@pytest.mark.parametrize("spacing, message", [
    (0.0, r"spacing must be > 0 \(allowed range \(0, inf\)\), got 0.0"),
    (-0.1, r"spacing must be > 0 \(allowed range \(0, inf\)\), got -0.1"),
    (float("nan"), r"spacing must be a real number > 0 \(allowed range \(0, inf\)\), got NaN"),
    (float("inf"), r"spacing must satisfy 0 < spacing < inf, got inf"),
    ("0.1", r"spacing must be a real number > 0 \(allowed range \(0, inf\)\), got '0.1'"),
])
def test_grid_spacing(spacing, message):
    with pytest.raises(ValueError, match=message):
        solver.Grid((32, 32), spacing)


@pytest.mark.parametrize("shape", [(32.5, 32), (32, 32, 1), (1, 32), 32, ("32", "32"), (0, 0), (-32, 32)])
def test_grid_shape(shape):
    with pytest.raises(ValueError, match=r"shape must be two integers \(ny, nx\), each >= 2"):
        solver.Grid(shape, 0.1)


@pytest.mark.parametrize("radius", [0.0, float("nan"), float("inf"), "0.2", True])
def test_island_radius(radius):
    with pytest.raises(ValueError, match=r"radius must (be|satisfy).*(\(0, inf\)|0 < radius < inf)"):
        Island.disk((0.0, 0.0), radius)


@pytest.mark.parametrize("width", [0.0, -0.05, float("inf")])
def test_gaussian_width(width):
    with pytest.raises(ValueError, match=r"width must (be|satisfy).*(\(0, inf\)|0 < width < inf)"):
        Island.gaussian((0.0, 0.0), width)


@pytest.mark.parametrize("edge", [-0.01, float("nan"), float("inf")])
def test_edge_width(edge):
    with pytest.raises(ValueError, match=r"edge_width must be a finite real number >= 0"):
        Island.disk((0.0, 0.0), 0.5, edge_width=edge)


def test_ellipse_axes_and_rectangle_size():
    with pytest.raises(ValueError, match=r"axes\[1\] must be > 0 \(allowed range \(0, inf\)\), got -0.1"):
        Island.ellipse((0.0, 0.0), (0.3, -0.1))
    with pytest.raises(ValueError, match=r"size\[0\] must be > 0 \(allowed range \(0, inf\)\), got 0.0"):
        Island.rectangle((0.0, 0.0), (0.0, 0.2))
    with pytest.raises(ValueError, match=r"angle must be a finite real number, got inf"):
        Island.rectangle((0.0, 0.0), (0.3, 0.2), angle=math.inf)


def test_heights(solution):
    with pytest.raises(ValueError, match=r"heights\[1\] must be a finite real number >= 0, got -0.1"):
        solution.to_dataset(heights=(0.0, -0.1))
    with pytest.raises(ValueError, match=r"height must be a finite real number >= 0, got nan"):
        solution.field_z(float("nan"))
    with pytest.raises(ValueError, match=r"heights must be distinct"):
        solution.to_dataset(heights=(0.1, 0.1))


def test_complex_or_3d_moment_and_center():
    """(1 + 1j, 0) used to lose its imaginary part silently (ComplexWarning only)."""
    with pytest.raises(ValueError, match=r"moment must be a pair of finite real numbers \(x, y\)"):
        Island.disk((0.0, 0.0), 0.5, moment=(1 + 1j, 0.0))
    with pytest.raises(ValueError, match=r"center must be a pair of finite real numbers \(x, y\)"):
        Island.disk((0.0, 0.0, 0.0), 0.5)
    with pytest.raises(ValueError, match=r"center must be a pair of finite real numbers \(x, y\)"):
        solver.Grid((32, 32), 0.1, center=("0", "0"))


def test_self_intersecting_polygon():
    """A five-pointed star drawn through its tips in star order crosses itself; its signed area
    is not zero, so it used to pass and be rasterised with an even-odd hole and a wrong centroid."""
    tips = [(math.cos(math.pi / 2 + 4 * math.pi * k / 5), math.sin(math.pi / 2 + 4 * math.pi * k / 5))
            for k in range(5)]
    with pytest.raises(ValueError, match=r"vertices must describe a simple \(non-self-intersecting\) "
                                         r"polygon: edge 0 .* crosses edge 2"):
        Island.polygon(tips)
    with pytest.raises(ValueError, match=r"vertices must be a sequence of >= 3 finite \(x, y\) pairs"):
        Island.polygon([(0.0, 0.0), (1.0, 0.0), (1.0, math.nan)])


def test_mask_island_on_another_grid(grid):
    fine = solver.Grid((32, 32), 0.05)
    mask = Island.mask(Island.disk((0.0, 0.0), 0.4).coverage(fine), fine)
    with pytest.raises(ValueError, match=r"islands\[0\] .* is a mask made on the grid shape=\(32, 32\), "
                                         r"spacing=0.05.*can only be used on that grid"):
        solver.exchange_map([mask], grid)


def test_exchange_map_needs_a_grid():
    with pytest.raises(ValueError, match=r"grid must be a solver.Grid, got tuple"):
        solver.exchange_map([Island.disk((0.0, 0.0), 0.5)], (32, 32))


# ================================================================================ island placement
def test_smoothed_edge_reaches_outside_open_grid(grid):
    """The disk (radius 1 on a 3.2 x 3.2 grid) fits; its erfc edge (6 widths) does not."""
    solver.exchange_map([Island.disk((0.0, 0.0), 1.0)], grid)
    with pytest.raises(ValueError, match=r"islands\[0\] \(disk island at \(0, 0\)\) reaches \[-2.2, 2.2\].*"
                                         r"outside the open grid \[-1.6, 1.6\]"):
        solver.exchange_map([Island.disk((0.0, 0.0), 1.0, edge_width=0.2)], grid)


def test_island_larger_than_periodic_cell(grid):
    """A disk of radius 2 in a 3.2-wide periodic cell would overlap its own images; it used to be
    cut silently to the cell around its centre."""
    with pytest.raises(ValueError, match=r"islands\[0\] .* more than half the periodic cell "
                                         r"\(3.2 x 3.2\).*overlap its own periodic images"):
        solver.exchange_map([Island.disk((0.0, 0.0), 2.0)], grid, boundary="periodic")


def test_wide_periodic_gaussian_is_summed_over_images():
    """A Gaussian wider than 1/17 of the periodic cell used to be truncated at half the cell
    (1.2 % error in island_lattice at width 0.15 d): its periodic images are summed, so the
    total moment is exact and the profile is the periodic sum of exp(-r²/2w²)."""
    g = solver.Grid((32, 32), 1 / 32)
    w = 0.2
    a = solver.exchange_map([Island.gaussian((0.0, 0.0), w, moment=(0.0, 1.0))], g, boundary="periodic")
    x = g.x
    images = np.arange(-6, 7)  # omitted images: exp(-6.5²/(2 w²)) ~ e^-528, exactly 0 in float64
    prof = np.exp(-((x[:, None] + images[None, :]) ** 2) / (2 * w * w)).sum(axis=1)
    expected = np.outer(prof, prof) / (prof.sum() ** 2 * g.cell_area)
    # 1e-13: the same finite series summed in another order and normalised (≲ 100 ε)
    np.testing.assert_allclose(a[0], expected, rtol=1e-13, atol=0)
    assert abs(a[0].sum() * g.cell_area - 1.0) < 1e-13


@pytest.mark.parametrize("island, smallest", [
    (Island.gaussian((0.0, 0.0), 0.1), "0.1"),
    (Island.rectangle((0.0, 0.0), (1.0, 0.1)), "0.05"),  # long but thinner than a cell
])
def test_unresolved_island_warns(grid, island, smallest):
    with pytest.warns(UnresolvedIslandWarning, match=rf"islands\[0\] .* smallest dimension {smallest} "
                                                     r"< 2 cells \(spacing 0.1\).*unresolved"):
        solver.exchange_map([island], grid)


def test_overlapping_islands_superpose(grid, film):
    """Overlapping islands are documented superposition (a is linear in the moments): two equal
    disks on top of each other are one disk with twice the moment, and F = -½∫j·a is quadratic
    in the source, so its energy is exactly 4 times that of one disk."""
    one = Island.disk((0.1, 0.0), 0.5, moment=(0.3, 1.0))
    two = solver.exchange_map([one, one], grid)
    np.testing.assert_allclose(two, 2 * solver.exchange_map([one], grid), rtol=1e-15, atol=0)
    e1 = solver.solve(solver.exchange_map([one], grid), grid, film).energy
    e2 = solver.solve(two, grid, film).energy
    assert abs(e2 / (4 * e1) - 1) < 1e-13
    assert "superposition" in solver.exchange_map.__doc__


# ================================================================================ lattices
@pytest.mark.parametrize("theta, message", [
    (60.0, r"theta must lie in the range \[0.01, pi - 0.01\] radians, got 60.0 \(degrees\? use math.radians\)"),
    (math.pi, r"theta must lie in the range \[0.01, pi - 0.01\] radians, got 3.14159"),
    (-math.pi / 3, r"theta must lie in the range \[0.01, pi - 0.01\] radians, got -1.047"),
])
def test_lattice_angle_out_of_range(theta, message):
    with pytest.raises(ValueError, match=message):
        lattice.energy_per_site(theta, 1 / 50)


def test_critical_angle_bracket():
    with pytest.raises(ValueError, match=r"bracket\[1\] must lie in the range \[0.01, pi - 0.01\] radians, "
                                         r"got 90.0 \(degrees"):
        lattice.critical_angle(1 / 50, bracket=(60.0 * math.pi / 180, 90.0))
    with pytest.raises(ValueError, match=r"bracket must be a pair \(low, high\)"):
        lattice.critical_angle(1 / 50, bracket=(1.0, 1.2, 1.4))


@pytest.mark.parametrize("kwargs, message", [
    ({"theta": [60.0, 90.0]}, r"theta must lie in the open range \(0, pi\) radians, got values from "
                              r"60.0 to 90.0 \(degrees"),
    ({"theta": [1.0, 1.0]}, r"theta must be strictly increasing .*theta\[0\] = 1.0 >= theta\[1\] = 1.0"),
    ({"t": [-0.1, 0.5]}, r"t = T/Tc must lie in the range \[0, 1\) \(temperatures are >= 0\), got -0.1"),
    ({"t": [0.5, 1.2]}, r"t = T/Tc must lie in the range \[0, 1\) \(the film is normal at and above Tc\)"),
])
def test_phase_diagram_ranges(kwargs, message):
    args = {"theta": [1.1, 1.4], "t": [0.0]}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        phase_diagram.phase_diagram(**args)


# ================================================================================ temperature
def test_negative_temperature():
    with pytest.raises(ValueError, match=r"T must lie in the range \[0, Tc\] = \[0, 9.0\], got -1.0"):
        thermal.gap(-1.0, 9.0)
    with pytest.raises(ValueError, match=r"t = T/Tc must lie in the range \[0, 1\], got -0.1"):
        thermal.pearl_length_at([0.2, -0.1], 1.0)
    with pytest.raises(ValueError, match=r"T_K must lie in the range \[0, Tc_K\]"):
        materials.fe_te_se().reduced_temperature(-4.2)


def test_temperature_above_tc_and_at_tc():
    """Above Tc is an error; exactly at Tc is allowed and is the normal state (Δ = 0, no
    superfluid: r0 = inf and both couplings vanish)."""
    with pytest.raises(ValueError, match=r"t = T/Tc must lie in the range \[0, 1\], got 1.2"):
        thermal.couplings_vs_temperature(1.0, 1.0, 1.2)
    assert thermal.gap_ratio(1.0) == 0.0
    assert thermal.pearl_length_at(1.0, 1.0) == math.inf
    assert thermal.couplings_vs_temperature(1.0, 1.0, 1.0) == (0.0, 0.0)


# ================================================================================ materials
def test_fermi_velocity_faster_than_light():
    """v_F in cm/s, or ħv_F = 0.216 given in eV m instead of eV Å, is faster than light."""
    with pytest.raises(ValueError, match=r"v_F must lie in the range \(0, c\) = \(0, 2.99792e\+08\) m/s"):
        materials.DiracFilm(E_F_eV=4.5e-3, v_F=3.28e6 * 100, Delta_eV=1.5e-3)
    with pytest.raises(ValueError, match=r"hbar_vF_eVm must lie in the range \(0, ħc\) = \(0, 1.97327e-07\) eV m"):
        materials.DiracFilm(E_F_eV=4.5e-3, hbar_vF_eVm=0.216, Delta_eV=1.5e-3)
    with pytest.raises(ValueError, match=r"v_F must lie in the range \(0, c\)"):
        materials.RashbaFilm(v_F=4e8, alpha_eVm=1e-12, E_F_eV=0.1, Tc_K=1.0)


@pytest.mark.parametrize("kwargs, message", [
    ({"Delta_eV": "1.5 meV"}, r"Delta_eV must be a real number > 0 \(allowed range \(0, inf\)\), got '1.5 meV'"),
    ({"E_F_eV": True}, r"E_F_eV must be a real number > 0 \(allowed range \(0, inf\)\), got True"),
    ({"moment": -5.0}, r"moment must be a finite real number >= 0, got -5.0"),
])
def test_material_parameters(kwargs, message):
    base = dict(E_F_eV=4.5e-3, hbar_vF_eVm=2.16e-11, Delta_eV=1.5e-3, moment=5.0)
    base.update(kwargs)
    with pytest.raises(ValueError, match=message):
        materials.DiracFilm(**base)


# ================================================================================ ground states
def test_ground_state_arguments():
    pos = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    with pytest.raises(ValueError, match=r"initial must hold one angle \(radians\) per site, shape \(3,\), "
                                         r"got shape \(2,\)"):
        ground_state.minimize_impurities(pos, 1.0, initial=[0.0, 0.0], restarts=1)
    with pytest.raises(ValueError, match=r"initial contains 1 NaN"):
        ground_state.minimize_impurities(pos, 1.0, initial=[0.0, math.nan, 0.0], restarts=1)
    with pytest.raises(ValueError, match=r"moments must be a scalar or have shape \(3,\) .*got shape \(2,\)"):
        ground_state.minimize_impurities(pos, 1.0, moments=[1.0, 2.0], restarts=1)
    with pytest.raises(ValueError, match=r"restarts must be an integer >= 1, got 2.5"):
        ground_state.minimize_impurities(pos, 1.0, restarts=2.5)


def test_ensemble_arguments():
    with pytest.raises(ValueError, match=r"samples must be an integer >= 1, got 0"):
        ensembles.magnetization_sweep([1.0], [1.0], [1.0], samples=0)
    with pytest.raises(ValueError, match=r"pearl_lengths\[1\] must be > 0 \(allowed range \(0, inf\]\)"):
        ensembles.magnetization_sweep([1.0], [math.inf, 0.0], [1.0])
    with pytest.raises(ValueError, match=r"densities must be a non-empty 1-D sequence of numbers > 0"):
        ensembles.magnetization_sweep([], [1.0], [1.0])


# ================================================================================ memory
@pytest.mark.parametrize("call, names", [
    (lambda: solver.exchange_map([Island.disk((0.0, 0.0), 10.0)], HUGE), r"exchange map on a \(300000, 300000\) grid"),
    (lambda: solver.get_operator(HUGE, 1.0, "open"), r"open-boundary operator on a \(300000, 300000\) grid"),
    (lambda: solver.interaction_energies([Island.disk((0.0, 0.0), 10.0)], HUGE, solver.Film(1.0)),
     r"open-boundary operator on a \(300000, 300000\) grid"),
    (lambda: ground_state.minimize_islands([Island.disk((0.0, 0.0), 10.0)], HUGE, solver.Film(1.0)),
     r"operator on a \(300000, 300000\) grid"),
    (lambda: island_lattice(cells=200_000), r"island_lattice with cells = 200000"),
    (lambda: lattice.luttinger_tisza(1.0, 1 / 50, n=200_000), r"luttinger_tisza with n = 200000"),
    (lambda: lattice.coupling_fourier(1.0, 1 / 50, np.broadcast_to(np.zeros(2), (20_000_000, 2))),
     r"coupling_fourier \(20000000 wavevectors\)"),
    (lambda: ground_state.impurity_problem(np.random.default_rng(0).uniform(0, 1e3, (200_000, 2)), 1.0,
                                           method="dense"), r"dense coupling matrix of 200000 impurities"),
    (lambda: ensembles.random_positions(1e12, 1e3), r"random_positions: density x area"),
    (lambda: solver.solve(np.zeros((2, 4, 4)), HUGE, solver.Film(1.0), "periodic"),
     r"periodic-boundary operator on a \(300000, 300000\) grid"),
    (lambda: solver.solve(np.zeros((2, 4, 4)), HUGE, solver.Film(1.0), precision="single"),
     r"open-boundary operator on a \(300000, 300000\) grid"),
])
def test_requests_beyond_the_machine(call, names):
    """Huge requests fail at once with the estimate, before allocating (they used to raise
    MemoryError or numpy's 'array is too big' from deep inside)."""
    with pytest.raises(ValueError, match=names + r".* needs an estimated [0-9.]+ GiB but only [0-9.]+ GiB "
                                                 r"is available; (use|pass)"):
        call()


# ================================================================================ netCDF files
@pytest.fixture
def saved(solution, tmp_path):
    return solver.save(solution.to_dataset(), tmp_path / "run.nc")


def test_garbage_and_empty_files(tmp_path):
    garbage = tmp_path / "garbage.nc"
    garbage.write_bytes(np.random.default_rng(1).bytes(4096))
    with pytest.raises(ValueError, match=r"garbage.nc' \(4096 bytes\) is not a readable netCDF-4 file "
                                         r"\(corrupt, truncated or another format\)"):
        solver.open_solution(garbage)
    empty = tmp_path / "empty.nc"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty.nc' \(0 bytes\) is not a readable netCDF-4 file"):
        solver.open_solution(empty)


@pytest.mark.parametrize("keep", [0.5, 0.99])
def test_truncated_file(saved, tmp_path, keep):
    data = saved.read_bytes()
    cut = tmp_path / "cut.nc"
    cut.write_bytes(data[:int(keep * len(data))])
    with pytest.raises(ValueError, match=r"is not a readable netCDF-4 file .*truncated"):
        solver.open_solution(cut)


def test_file_missing_required_variables(solution, tmp_path):
    path = solver.save(solution.to_dataset().drop_vars(["jx", "energy"]), tmp_path / "partial.nc")
    with pytest.raises(ValueError, match=r"not a solver solution dataset: missing jx, energy"):
        solver.open_solution(path, check=True)


def test_save_refuses_unstorable_datasets_and_writes_nothing(solution, tmp_path):
    ds = solution.to_dataset()
    bad = ds.assign(jc=(("y", "x"), ds["jx"].values + 1j * ds["jy"].values))
    with pytest.raises(ValueError, match=r"variable 'jc' is complex, which netCDF-4 cannot store"):
        solver.save(bad, tmp_path / "c.nc")
    with pytest.raises(ValueError, match=r"is a folder; give a file name"):
        solver.save(ds, tmp_path)
    assert _files(tmp_path) == []


def test_failed_rename_leaves_old_file_and_no_temporary(saved, monkeypatch):
    """The final rename fails (e.g. the destination is read-only): the old file is intact and
    the complete temporary file is removed."""
    before = saved.read_bytes()

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(solver.io.os, "replace", refuse)
    with pytest.raises(PermissionError):
        solver.save(solver.open_solution(saved), saved)
    assert saved.read_bytes() == before and _files(saved.parent) == ["run.nc"]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root ignores directory permissions")
def test_read_only_folder(solution, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(ValueError, match=r"folder .*ro' is not writable"):
            solver.save(solution.to_dataset(), ro / "x.nc")
        assert _files(ro) == []
    finally:
        ro.chmod(0o755)


# ================================================================================ configuration
BASE = """
[film]
pearl_length = 1.0
[grid]
cells = 32
spacing = 0.1
[[islands]]
kind = "disk"
center = [-0.6, 0.0]
radius = 0.3
[[islands]]
kind = "disk"
center = [0.6, 0.0]
radius = 0.3
"""


def _config(tmp_path, text, name="c.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def _run(tmp_path, argv, capsys):
    """Run the CLI in-process; return (exit code, stdout, stderr lines)."""
    code = cli.main(argv)
    cap = capsys.readouterr()
    return code, cap.out, cap.err.splitlines()


BAD_CONFIGS = {
    # name: (replace this, by that; or a suffix), expected in the one-line message
    "cells not an integer": (("cells = 32", "cells = 32.5"), "grid.cells: expected an integer >= 2, got 32.5"),
    "cells a bool": (("cells = 32", "cells = true"), "grid.cells: expected an integer >= 2, got True"),
    "spacing a string": (("spacing = 0.1", "spacing = '0.1'"), "grid.spacing: expected a number > 0, got '0.1'"),
    "spacing inf": (("spacing = 0.1", "spacing = inf"), "grid.spacing: expected a number > 0, got inf"),
    "pearl length nan": (("pearl_length = 1.0", "pearl_length = nan"),
                         "film.pearl_length: expected a number > 0 or inf, got nan"),
    "stiffness zero": (("pearl_length = 1.0", "pearl_length = 1.0\nstiffness = 0"),
                       "film.stiffness: expected a number > 0, got 0"),
    "radius zero": (("radius = 0.3", "radius = 0.0"), "islands[0].radius: expected a number > 0, got 0.0"),
    "edge width on a gaussian": ("[[islands]]\nkind = 'gaussian'\ncenter = [0, 1]\nwidth = 0.2\nedge_width = 0.1\n",
                                 "islands[2].edge_width: unknown key (allowed: center, kind, moment, width)"),
    "moment nan": (("radius = 0.3", "radius = 0.3\nmoment = [nan, 0.0]"),
                   "islands[0].moment[0]: expected a number, got nan"),
    "shape with three entries": (("cells = 32", "shape = [32, 32, 2]"),
                                 "grid.shape: expected two integers [ny, nx] >= 2, got [32, 32, 2]"),
    "unknown grid key": (("cells = 32", "cells = 32\nsize = 3.2"),
                         "grid.size: unknown key (allowed: cells, center, shape, spacing)"),
    "duplicate heights": ("heights = [0.1, 0.1]\n", "heights: expected distinct heights, got [0.1, 0.1]"),
    "fft threads zero": ("[fft]\nthreads = 0\n", "fft.threads: expected an integer >= 1, got 0"),
    "polygon star": ("[[islands]]\nkind = 'polygon'\nvertices = [[0, 1], [0.59, -0.81], [-0.95, 0.31], "
                     "[0.95, 0.31], [-0.59, -0.81]]\n",
                     "islands[2].vertices: vertices must describe a simple (non-self-intersecting) polygon"),
    "island bigger than the periodic cell": (("radius = 0.3", "radius = 2.0"),
                                             "islands[0] (disk island at (-0.6, 0)) reaches [-2.6, 1.4] x "
                                             "[-2, 2], more than half the periodic cell (3.2 x 3.2) from "
                                             "its centre"),
    "grid beyond memory": (("cells = 32", "cells = 1000000"),
                           "grid: a 1000000 x 1000000 grid (open boundary) needs an estimated"),
}


def _bad_text(name):
    change, _ = BAD_CONFIGS[name]
    if isinstance(change, tuple):
        old, new = change
        text = BASE.replace(old, new, 1)
    else:
        text = change + BASE if not change.startswith("[") else BASE + change
    if name == "island bigger than the periodic cell":
        text = "boundary = 'periodic'\n" + text
    return text


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_bad_config_api_raises_config_error(name):
    """parse_config raises ConfigError (a ValueError) naming the key and what was expected."""
    import tomllib

    with pytest.raises(ConfigError) as info:
        parse_config(tomllib.loads(_bad_text(name)))
    assert BAD_CONFIGS[name][1] in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("name", sorted(BAD_CONFIGS))
def test_bad_config_cli_exit_2_one_line_nothing_written(tmp_path, capsys, name):
    cfg = _config(tmp_path, _bad_text(name))
    out = tmp_path / "out"
    code, stdout, err = _run(tmp_path, ["run", cfg, "--out", str(out), "--no-progress"], capsys)
    assert code == 2 and stdout == ""
    assert len(err) == 1 and err[0].startswith(f"error: {cfg}: ") and BAD_CONFIGS[name][1] in err[0], err
    assert not out.exists()


def test_config_not_utf8(tmp_path, capsys):
    """A config saved as UTF-16 by an editor used to fail with a bare codec message."""
    path = tmp_path / "c.toml"
    path.write_text(BASE, encoding="utf-16")
    code, _, err = _run(tmp_path, ["run", str(path), "--dry-run"], capsys)
    assert code == 2 and len(err) == 1
    assert err[0].startswith(f"error: {path}: not a UTF-8 text file (a TOML configuration must be UTF-8")


def test_cli_option_errors_are_one_line(tmp_path, capsys):
    code, _, err = _run(tmp_path, ["run", "--cells", "many", "--dry-run"], capsys)
    assert code == 2
    assert err == ["error: python -m solver run: argument --cells: invalid int value: 'many' (see --help)"]
    code, _, err = _run(tmp_path, ["run", "--pearl-length", "-1", "--dry-run"], capsys)
    assert code == 2 and err == ["error: default configuration: film.pearl_length: expected a number > 0 "
                                 "or inf, got -1.0"]


def test_cli_out_is_a_file(tmp_path, capsys):
    target = tmp_path / "results"
    target.write_text("not a folder")
    cfg = _config(tmp_path, BASE)
    code, _, err = _run(tmp_path, ["run", cfg, "--out", str(target), "--no-progress"], capsys)
    assert code == 2 and err == [f"error: --out: '{target}' exists and is not a folder; expected a folder name"]
    assert target.read_text() == "not a folder"


@pytest.mark.filterwarnings("default::solver.sources.UnresolvedIslandWarning")  # printed, not raised, also under -W error
def test_cli_unresolved_island_warns_on_one_line(tmp_path, capsys):
    cfg = _config(tmp_path, BASE.replace("radius = 0.3", "radius = 0.15", 1))
    code, _, err = _run(tmp_path, ["run", cfg, "--no-files", "--no-progress"], capsys)
    assert code == 0
    assert err == ["warning: islands[0] (disk island at (-0.6, 0)) has its smallest dimension 0.15 < 2 "
                   "cells (spacing 0.1): it is unresolved; refine the grid"]


def test_cli_failure_while_writing_leaves_no_partial_figure(tmp_path, capsys, monkeypatch):
    """The figure fails after the netCDF file is written: solution.nc is complete (it opens and
    passes the schema check), no solution.png and no temporary file is left."""
    from solver import plotting

    def broken(fig, *args, **kwargs):
        with open(args[0], "wb") as fh:
            fh.write(b"\x89PNG half")
        raise OSError(28, "No space left on device")

    cfg = _config(tmp_path, BASE)
    out = tmp_path / "out"
    real_overview = plotting.overview

    def overview(*args, **kwargs):
        fig, ax = real_overview(*args, **kwargs)
        monkeypatch.setattr(fig, "savefig", lambda *a, **k: broken(fig, *a, **k))
        return fig, ax

    monkeypatch.setattr(plotting, "overview", overview)
    with pytest.raises(OSError, match="No space left"):
        cli.main(["run", cfg, "--out", str(out), "--no-progress"])
    capsys.readouterr()
    assert _files(out) == ["solution.nc"]
    solver.open_solution(out / "solution.nc", check=True)


SWEEP = BASE + "[sweep]\n"


@pytest.mark.parametrize("axes, expected", [
    ("{ 'film.pearl_length' = [1.0, -1.0] }",
     "sweep point {'film.pearl_length': -1.0}: film.pearl_length: expected a number > 0 or inf, got -1.0"),
    ("{ separation = [1.0, 5.0] }", "sweep point {'separation': 5.0}: islands[0] (disk island at (-2.5, 0)) "
     "reaches [-2.8, -2.2] x [-0.3, 0.3], outside the open grid [-1.6, 1.6] x [-1.6, 1.6]"),
    ("{ 'grid.cells' = [32, 1000000] }", "sweep point {'grid.cells': 1000000}: grid: a 1000000 x 1000000 grid"),
])
def test_sweep_bad_point_exit_2_nothing_written(tmp_path, capsys, axes, expected):
    cfg = _config(tmp_path, SWEEP + f"axes = {axes}\n")
    out = tmp_path / "s"
    code, stdout, err = _run(tmp_path, ["sweep", cfg, "--out", str(out), "--no-progress"], capsys)
    assert code == 2 and stdout == ""
    assert len(err) == 1 and err[0].startswith(f"error: {cfg}: {expected}"), err
    assert not out.exists()


def test_shell_exit_code_for_a_grid_beyond_memory(tmp_path):
    """From the shell: exit code 2, one stderr line naming the key, no traceback, no output
    folder (the run used to die with a MemoryError traceback after creating it)."""
    cfg = _config(tmp_path, BASE.replace("cells = 32", "cells = 1000000"))
    proc = subprocess.run([sys.executable, "-m", "solver", "run", cfg, "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**os.environ, "SOLVER_CACHE": "0"})
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert lines[0].startswith(f"error: {cfg}: grid: a 1000000 x 1000000 grid (open boundary) needs an "
                               "estimated") and "use fewer cells (grid.cells or grid.shape)" in lines[0]
    assert not (tmp_path / "o").exists()


def test_interaction_energies_wrong_grid_or_film_types():
    """A tuple for the grid or a number for the film: one clear message (was AttributeError)."""
    isl = [Island.disk((0.0, 0.0), 0.3)]
    with pytest.raises(ValueError, match=r"grid must be a solver.Grid, got tuple"):
        solver.interaction_energies(isl, (32, 32), solver.Film(1.0))
    with pytest.raises(ValueError, match=r"film must be a solver.Film, got float"):
        solver.interaction_energies(isl, solver.Grid((32, 32), 0.05), 1.0)


def test_bad_precision():
    """Only 'double' and 'single' precisions exist."""
    g = solver.Grid((16, 16), 0.1)
    with pytest.raises(ValueError, match=r"precision must be 'double' or 'single', got 'half'"):
        solver.solve(np.zeros((2, 16, 16)), g, solver.Film(1.0), precision="half")
