"""Issue 13, section 3 (command line and files): one line and exit code 2 at the numeric limits.

Reproductions: huge ``cells``, extreme ``spacing`` and ``coupling`` in a TOML configuration
(tracebacks, exit 1, before); a UTF-8 byte order mark (refused before); an unwritable ``--out``
(found only after the solve before); nonsense attributes in a solution file read with
``open_solution(check=True)`` (accepted before).
"""
from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import solver
from solver import cli
from solver.config import ConfigError, load_config, parse_config

BASE = """
[film]
pearl_length = 1.0
[grid]
cells = 40
spacing = 0.1
[[islands]]
kind = "disk"
center = [-0.6, 0.0]
radius = 0.25
[[islands]]
kind = "disk"
center = [0.6, 0.0]
radius = 0.25
"""


def _write(tmp_path, text, name="c.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def _grid(cells="cells = 32", spacing="spacing = 0.1"):
    return f"[grid]\n{cells}\n{spacing}\n"


LIMITS = {
    # beyond the memory (the exact count of cells is checked first, in integers) ...
    "cells 1e6": (_grid("cells = 1000000"), "grid: a 1000000 x 1000000 grid (open boundary) needs"),
    "shape 2 x 5e11": (_grid("shape = [2, 500000000000]"), "use fewer cells"),
    # ... or beyond any grid (refused by Grid itself, or by the memory check: both name grid)
    "cells 1e11": (_grid("cells = 100000000000"), "grid: "),
    "cells 1e20": (_grid("cells = 100000000000000000000"), "grid: "),
    "shape 2 x 1e23": (_grid("shape = [2, 100000000000000000000000]"), "grid: "),
    "spacing 1e308": (_grid(spacing="spacing = 1e308"),
                      "grid.spacing: expected a number in [1e-150, 1e+150]"),
    "spacing 5e-324": (_grid(spacing="spacing = 5e-324"), "grid.spacing: expected a number in"),
    "spacing 1e-160": (_grid(spacing="spacing = 1e-160"), "grid.spacing: expected a number in"),
    "coupling 1e200": ("coupling = 1e200\n" + BASE, "coupling: the energy scale"),
    "coupling 1e-200": ("coupling = 1e-200\n" + BASE, "underflow to 0"),
    "coupling 1e154": ("coupling = 1e154\n" + BASE, "overflow to inf"),
    "stiffness 1e300": (BASE.replace("pearl_length = 1.0", "pearl_length = 1.0\nstiffness = 1e300"),
                        "film.stiffness: the energy scale"),
    "moment 1e200": (BASE.replace("radius = 0.25\n[[", "radius = 0.25\nmoment = [1e200, 0.0]\n[[", 1),
                     "islands[0].moment: the energy scale"),
    "fft threads 1e20": (BASE + "[fft]\nthreads = 100000000000000000000\n",
                         "fft.threads: expected an integer in [1, 1024]"),
    "sweep workers 1e20": (BASE + "[sweep]\naxes = { separation = [1.0] }\nworkers = 100000000000000000000\n",
                           "sweep.workers: expected an integer in [0, 1024]"),
}


@pytest.mark.parametrize("case", sorted(LIMITS))
def test_values_at_the_limits_exit_2_with_one_line(tmp_path, capsys, case):
    text, expected = LIMITS[case]
    cfg = _write(tmp_path, text)
    assert cli.main(["run", cfg, "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.out == "" and len(lines) == 1, captured.err
    assert lines[0].startswith(f"error: {cfg}: ") and expected in lines[0], lines[0]
    assert not (tmp_path / "o").exists()
    with pytest.raises(ConfigError, match="^" + cfg):
        load_config(cfg)


def test_huge_cells_from_the_shell_exit_2_without_traceback(tmp_path):
    """The case that raised OverflowError deep in the memory estimate (exit 1)."""
    cfg = _write(tmp_path, _grid("cells = 100000000000000000000"))
    proc = subprocess.run([sys.executable, "-m", "solver", "run", cfg, "--dry-run"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr


def _couplings(text: str) -> np.ndarray:
    cfg = parse_config(__import__("tomllib").loads(text))
    ie = solver.interaction_energies(cfg.islands, cfg.grid, cfg.film, coupling=cfg.coupling)
    return np.array([ie.self_energies[0], ie.pair_energies[0, 1], *ie.couplings(0, 1)])


def _scaled(length: float, coupling: float = 1.0) -> str:
    """BASE with every length times ``length`` and the given coupling."""
    return textwrap.dedent(f"""
        coupling = {coupling!r}
        [film]
        pearl_length = {1.0 * length!r}
        [grid]
        cells = 40
        spacing = {0.1 * length!r}
        [[islands]]
        kind = "disk"
        center = [{-0.6 * length!r}, 0.0]
        radius = {0.25 * length!r}
        [[islands]]
        kind = "disk"
        center = [{0.6 * length!r}, 0.0]
        radius = {0.25 * length!r}
    """)


@pytest.mark.parametrize("length, coupling", [(1e-100, 1.0), (1e100, 1.0), (1.0, 1e-100),
                                              (1.0, 1e100), (1e-60, 1e-60)])
def test_accepted_extremes_give_the_scaled_numbers(length, coupling):
    """What the limits still accept is computed right: energies and couplings scale exactly as
    coupling² / length² (the problem has no other scale once every length is scaled)."""
    reference = _couplings(_scaled(1.0))
    got = _couplings(_scaled(length, coupling))
    # exact in exact arithmetic; the floating-point paths differ only by round-off in the
    # scaled lengths and wavevectors (measured <= 1e-14 on this grid; 1e-12 leaves a 100x margin)
    np.testing.assert_allclose(got * length ** 2 / coupling ** 2, reference, rtol=1e-12, atol=0)


def test_byte_order_mark_is_accepted(tmp_path, capsys):
    plain = _write(tmp_path, BASE, "plain.toml")
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + textwrap.dedent(BASE).encode())
    assert load_config(bom).raw == load_config(plain).raw
    assert cli.main(["run", str(bom), "--dry-run"]) == 0
    assert "ok (2 islands" in capsys.readouterr().out
    broken = tmp_path / "broken.toml"
    broken.write_bytes(b"\xef\xbb\xbf[film\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(broken)


# ------------------------------------------------------------------ --out checked before solving
@pytest.fixture
def no_solve(monkeypatch):
    """Fail the test if a solve starts (the bad --out must be found first)."""
    def boom(*args, **kwargs):
        raise AssertionError("the solve started before --out was checked")

    monkeypatch.setattr(solver, "exchange_map", boom)
    monkeypatch.setattr(solver, "interaction_energies", boom)


def _out_case(kind: str, tmp_path, monkeypatch):
    if kind == "an existing file":
        out = tmp_path / "file"
        out.write_text("x")
        return out, "exists and is not a folder"
    if kind == "below a file":
        (tmp_path / "file").write_text("x")
        return tmp_path / "file" / "a" / "b", "lies below the file"
    if kind == "output name is a folder":
        out = tmp_path / "o"
        (out / "solution.nc").mkdir(parents=True)
        return out, "is a folder; cannot write the output file 'solution.nc'"
    # not writable: tests run as root (chmod does not stop root), so the check is simulated
    locked = tmp_path / "locked"
    locked.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if os.fspath(p) == str(locked)
                        else real(p, mode, **kw))
    return locked / "new", "is not writable"


OUT_CASES = ["an existing file", "below a file", "output name is a folder", "not writable"]


@pytest.mark.parametrize("kind", OUT_CASES)
def test_unwritable_out_is_refused_before_the_solve(tmp_path, capsys, monkeypatch, no_solve, kind):
    out, expected = _out_case(kind, tmp_path, monkeypatch)
    cfg = _write(tmp_path, BASE)
    assert cli.main(["run", cfg, "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: --out: ") and expected in err[0], err


@pytest.mark.parametrize("kind", ["below a file", "not writable"])
def test_unwritable_out_is_refused_before_the_sweep(tmp_path, capsys, monkeypatch, kind):
    out, expected = _out_case(kind, tmp_path, monkeypatch)

    def boom(*args, **kwargs):
        raise AssertionError("the sweep started before --out was checked")

    monkeypatch.setattr(importlib.import_module("solver.sweep"), "sweep", boom)
    cfg = _write(tmp_path, BASE + "[sweep]\naxes = { separation = [1.0, 1.2] }\n")
    assert cli.main(["sweep", cfg, "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and expected in err[0], err


def test_no_files_skips_the_out_check(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    cfg = _write(tmp_path, BASE)
    assert cli.main(["run", cfg, "--out", str(tmp_path / "file" / "o"), "--no-files",
                     "--no-progress"]) == 0
    assert "J_perp" in capsys.readouterr().out


def test_validation_overflow_is_exit_2_but_solver_bugs_are_not_hidden(tmp_path, capsys, monkeypatch):
    """TypeError/OverflowError while a configuration is checked: one line, exit 2. The same
    exceptions from the solve itself are internal failures and propagate (traceback)."""
    cfg = _write(tmp_path, BASE)
    real = solver.config.parse_config

    def overflowing(*args, **kwargs):
        raise OverflowError("int too large to convert to float")

    monkeypatch.setattr(solver.config, "parse_config", overflowing)
    assert cli.main(["run", cfg, "--dry-run"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"error: {cfg}: invalid value (OverflowError: int too large to convert to float)"]

    monkeypatch.setattr(solver.config, "parse_config", real)

    def bug(*args, **kwargs):
        raise TypeError("internal bug")

    monkeypatch.setattr(solver, "interaction_energies", bug)
    with pytest.raises(TypeError, match="internal bug"):
        cli.main(["run", cfg, "--no-files", "--no-progress"])


# ------------------------------------------------------------------ solution files
@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    g = solver.Grid((32, 32), 0.1)
    isl = [solver.Island.disk((0.0, 0.0), 0.4)]
    sol = solver.solve(solver.exchange_map(isl, g), g, solver.Film(1.0), islands=isl, coupling=1.0)
    return solver.save(sol.to_dataset(), tmp_path_factory.mktemp("nc") / "good.nc")


BAD_ATTRS = {
    "pearl_length": (-2.0, "attribute 'pearl_length'"),
    "grid_spacing": (0.0, "attribute 'grid_spacing'"),
    "stiffness": (-1.0, "attribute 'stiffness'"),
    "coupling": (np.inf, "attribute 'coupling'"),
    "boundary": ("closed", "attribute 'boundary'"),
    "grid_shape": (np.array([24, 25]), "attribute 'grid_shape'"),
    "grid_center": (np.array([np.nan, 0.0]), "attribute 'grid_center'"),
    "length_unit": ("kg", "attribute 'length_unit'"),
    "islands": ("not json", "attribute 'islands'"),
}
BAD_ISLANDS = {
    "unknown kind": '[{"kind": "star", "center": [0, 0], "moment": [1, 0], "params": {}}]',
    "not a list": '{"kind": "disk"}',
    "missing params": '[{"kind": "disk", "center": [0, 0], "moment": [1, 0]}]',
}


@pytest.mark.parametrize("name", sorted(BAD_ATTRS))
def test_open_solution_check_refuses_nonsense_attributes(saved, tmp_path, name):
    value, expected = BAD_ATTRS[name]
    ds = solver.open_solution(saved, check=True)
    ds.attrs[name] = value
    path = solver.save(ds, tmp_path / "bad.nc")
    solver.open_solution(path)  # without check: read as it is
    with pytest.raises(ValueError, match=r"not a solver solution dataset: " + expected.replace("'", ".")):
        solver.open_solution(path, check=True)


@pytest.mark.parametrize("case", sorted(BAD_ISLANDS))
def test_open_solution_check_refuses_bad_island_lists(saved, tmp_path, case):
    ds = solver.open_solution(saved, check=True)
    ds.attrs["islands"] = BAD_ISLANDS[case]
    path = solver.save(ds, tmp_path / "bad.nc")
    with pytest.raises(ValueError, match=r"attribute 'islands' is not a valid island list"):
        solver.open_solution(path, check=True)


def test_open_solution_check_refuses_a_negative_island_radius(saved, tmp_path):
    """Depends on Island validation (solver.sources): a negative radius is refused there and
    reported here under the file attribute."""
    ds = solver.open_solution(saved, check=True)
    good = ds.attrs["islands"]
    assert '"radius": 0.4' in good
    ds.attrs["islands"] = good.replace('"radius": 0.4', '"radius": -0.4')
    path = solver.save(ds, tmp_path / "bad.nc")
    with pytest.raises(ValueError, match=r"attribute 'islands' .*radius"):
        solver.open_solution(path, check=True)
