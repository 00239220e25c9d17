"""Command line: run (default and TOML configs), sweep, validate, help, and bad configs."""
from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import pytest
import xarray as xr

import solver
from solver import cli
from solver.config import DEFAULT_CONFIG, ConfigError, load_config, parse_config

SMALL = ["--cells", "112", "--spacing", "0.025"]  # the default islands on a 2.8 x 2.8 grid

GOOD = """
length_unit = "nm"
heights = [0.0, 0.05]
boundary = "open"
[film]
pearl_length = 1.5
[grid]
shape = [64, 72]
spacing = 0.04
[[islands]]
kind = "disk"
center = [-0.6, 0.0]
radius = 0.15
moment = [0.0, 1.0]
[[islands]]
kind = "rectangle"
center = [0.6, 0.1]
size = [0.3, 0.2]
angle = 0.3
[[islands]]
kind = "gaussian"
center = [0.0, -0.5]
width = 0.08
"""


def _write(tmp_path, text, name="c.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_default_run_writes_files_and_table(tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["run", *SMALL, "--out", str(out), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("two disks: radius 0.2, separation 2, Pearl length 2, grid 112x112")
    for key in ("F_11 =", "F_12 =", "(moments parallel along r)", "point dipole", "J_perp", "J_par"):
        assert key in text
    ds = solver.open_solution(out / "solution.nc", check=True)
    assert ds.sizes["x"] == 112 and ds.attrs["pearl_length"] == 2.0 and "run_config" in ds.attrs
    assert (out / "solution.png").stat().st_size > 10_000


def test_python_m_solver_on_defaults_in_a_fresh_folder(tmp_path):
    """`python -m solver run` from a clean folder: ./out/solution.{nc,png}, exit 0."""
    proc = subprocess.run([sys.executable, "-m", "solver", "run", *SMALL, "--no-progress"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "J_perp" in proc.stdout
    assert (tmp_path / "out" / "solution.nc").is_file() and (tmp_path / "out" / "solution.png").is_file()


def test_console_script_help():
    exe = shutil.which("pearl-solver") or str(__import__("pathlib").Path(sys.executable).with_name("pearl-solver"))
    if not __import__("os").path.exists(exe):
        pytest.skip("pearl-solver console script not installed")
    proc = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "run" in proc.stdout and "validate" in proc.stdout


def test_config_run(tmp_path, capsys):
    cfg = _write(tmp_path, GOOD)
    assert cli.main(["run", cfg, "--out", str(tmp_path / "o"), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("3 islands (disk, gaussian, rectangle)") and "J_perp(1,3)" in text
    ds = solver.open_solution(tmp_path / "o" / "solution.nc")
    assert ds["Bz"].dims == ("height", "y", "x") and ds.sizes["x"] == 72 and ds["x"].attrs["units"] == "nm"
    assert len(solver.sources.islands_from_json(ds.attrs["islands"])) == 3


def test_help_on_every_command(capsys):
    for argv in (["--help"], ["run", "--help"], ["sweep", "--help"], ["validate", "--help"]):
        assert cli.main(argv) == 0
        assert "usage" in capsys.readouterr().out.lower()


def test_flags_override_and_dry_run(tmp_path, capsys):
    cfg = _write(tmp_path, GOOD)
    assert cli.main(["run", cfg, "--pearl-length", "3", "--dry-run"]) == 0
    assert "ok (3 islands" in capsys.readouterr().out
    assert cli.main(["run", cfg, "--separation", "1"]) == 2
    assert "--separation" in capsys.readouterr().err
    assert cli.main(["--cells", "8", "--dry-run"]) == 2  # default islands outside an 8-cell grid
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "islands[0]" in err and "outside the open grid" in err


BAD = {
    "syntax": ("[film\npearl_length = 1\n", "invalid TOML"),
    "unknown top-level key": ("colour = 'red'\n", "colour: unknown key"),
    "unknown island key": ("[[islands]]\nkind = 'disk'\ncenter = [0, 0]\nradius = 0.1\nradus = 2\n",
                           "islands[0].radus: unknown key"),
    "unknown film key": ("[film]\npearl_length = 1.0\npearl = 2\n", "film.pearl: unknown key"),
    "wrong type": ("[film]\npearl_length = 'two'\n", "film.pearl_length: expected a number > 0 or inf, got 'two'"),
    "bool as number": ("coupling = true\n", "coupling: expected a number"),
    "negative pearl length": ("[film]\npearl_length = -1.0\n", "film.pearl_length: expected a number > 0"),
    "island outside": ("[[islands]]\nkind = 'disk'\ncenter = [5.0, 0.0]\nradius = 0.2\n",
                       "outside the open grid"),
    "bad kind": ("[[islands]]\nkind = 'star'\ncenter = [0, 0]\n", "islands[0].kind: expected one of"),
    "missing key": ("[[islands]]\nkind = 'disk'\ncenter = [0, 0]\n", "islands[0].radius: missing"),
    "bad pair": ("[[islands]]\nkind = 'disk'\ncenter = [0]\nradius = 0.1\n", "islands[0].center: expected a pair"),
    "bad boundary": ("boundary = 'closed'\n", "boundary: expected one of 'open', 'periodic'"),
    "cells and shape": ("[grid]\ncells = 64\nshape = [64, 64]\nspacing = 0.1\n", "grid: expected exactly one"),
    "bad unit": ("length_unit = 'kg'\n", "length_unit"),
    "bad output": ("[outputs]\ndataset = '../x.nc'\n", "outputs.dataset: expected a file name"),
    "negative height": ("heights = [0.0, -1.0]\n", "heights[1]: expected a number >= 0"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_configs_exit_2_with_one_line(tmp_path, capsys, case):
    text, expected = BAD[case]
    cfg = _write(tmp_path, text)
    assert cli.main(["run", cfg, "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {cfg}: "), captured.err
    assert expected in lines[0]
    assert not (tmp_path / "o").exists()


def test_bad_config_exit_code_from_the_shell(tmp_path):
    cfg = _write(tmp_path, "[film]\npearl_length = -2\n")
    proc = subprocess.run([sys.executable, "-m", "solver", "run", cfg], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [f"error: {cfg}: film.pearl_length: expected a number "
                                                "> 0 or inf, got -2"]
    missing = subprocess.run([sys.executable, "-m", "solver", "run", str(tmp_path / "nope.toml")],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_config_api():
    cfg = parse_config({})
    assert cfg.grid.shape == (512, 512) and cfg.film.pearl_length == 2.0 and len(cfg.islands) == 2
    assert parse_config(cfg.raw).raw == cfg.raw  # raw is a fixed point
    assert parse_config({"film": {"pearl_length": float("inf")}}).film.pearl_length == float("inf")
    assert DEFAULT_CONFIG["grid"]["cells"] == 512
    with pytest.raises(ConfigError):
        parse_config({"islands": []})


def test_sweep_command(tmp_path, capsys):
    cfg = _write(tmp_path, """
        [grid]
        cells = 64
        spacing = 0.05
        [[islands]]
        kind = "disk"
        center = [-0.5, 0.0]
        radius = 0.15
        [[islands]]
        kind = "disk"
        center = [0.5, 0.0]
        radius = 0.15
        [sweep]
        axes = { separation = [0.6, 1.2], "film.pearl_length" = [0.5, 2.0] }
        """)
    assert load_config(cfg).sweep.axes["separation"] == [0.6, 1.2]
    assert cli.main(["sweep", cfg, "--out", str(tmp_path / "s"), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("sweep over separation (2) x film.pearl_length (2): 4 points")
    ds = solver.open_solution(tmp_path / "s" / "sweep.nc")
    assert ds["J_perp"].dims == ("separation", "film.pearl_length", "pair")
    xr.testing.assert_identical(ds.drop_attrs(), solver.sweep(load_config(cfg), load_config(cfg).sweep.axes,
                                                              progress=False).drop_attrs())
    assert (tmp_path / "s" / "sweep.png").is_file()
    nosweep = _write(tmp_path, "[film]\npearl_length = 1.0\n", "n.toml")
    assert cli.main(["sweep", nosweep]) == 2
    assert "sweep: missing" in capsys.readouterr().err
    badaxis = _write(tmp_path, "[sweep]\naxes = { 'film.pearl' = [1.0] }\n", "b.toml")
    assert cli.main(["sweep", badaxis]) == 2
    assert "sweep.axes.film.pearl: not a key" in capsys.readouterr().err


def test_validate_calls_the_suite(monkeypatch, capsys, tmp_path):
    seen = {}

    def fake_call(cmd):
        seen["cmd"] = cmd
        return 3

    monkeypatch.setattr(cli.importlib.util, "find_spec", lambda name: object())
    monkeypatch.setattr(cli.subprocess, "call", fake_call)
    assert cli.main(["validate", "--fast", "--out", str(tmp_path)]) == 3
    assert seen["cmd"] == [sys.executable, "-m", "validation", "--fast", "--out", str(tmp_path)]
    monkeypatch.setattr(cli.importlib.util, "find_spec", lambda name: None)
    assert cli.main(["validate"]) == 2
    assert "validation suite is not installed" in capsys.readouterr().err
