"""Smoke test of ``examples/``: every script runs with the one calling convention and writes its files.

Convention (README "Examples"): ``python examples/NAME.py [OUTDIR]`` (default ``./out``) creates
OUTDIR and writes ``NAME.png`` (+ ``NAME.nc``) into it, and nothing else, so all examples can share
one folder. Each script runs here in a subprocess (this interpreter, cwd = the repository root,
MPLBACKEND=Agg) into a fresh temporary folder. Scripts that take more than ~15 s on two cores are
marked ``slow`` (run them with ``pytest -m slow tests/test_examples.py``); the fast ones take
~25-35 s together.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

# name: (slow, writes NAME.nc, extra netCDF groups to open); seconds measured on this project's
# two-core machine while other jobs ran (the slow ones only with ``-m slow``)
SCRIPTS = {
    "fig2a_couplings": (False, True, ()),                  # 2-3 s
    "fig2c_current_map": (False, True, ()),                # 3-5 s
    "fig3d_phase_diagram": (True, True, ("disc_L600",)),   # 45-70 s
    "finite_vs_thermodynamic": (True, True, ()),           # 18-28 s
    "flake_islands": (True, True, ()),                     # 30-60 s (5-20 s with 1 BLAS thread)
    "island_array_ground_state": (False, True, ()),        # 2-5 s
    "magnetization_vs_density": (True, True, ()),          # 5 s alone, 30-110 s on a busy machine
    "ring_fluxoid": (False, True, ()),                     # 3-9 s (first run builds kernels)
    "sweep_couplings": (False, True, ()),                  # 3-5 s
    "temperature_dependence": (False, True, ()),           # 2-4 s
    "two_impurities": (False, True, ()),                   # 3-4 s
}


def _params():
    for name, (slow, nc, groups) in SCRIPTS.items():
        marks = [pytest.mark.slow] if slow else []
        yield pytest.param(name, nc, groups, id=name, marks=marks)


def test_every_example_is_listed():
    """A new example must be added to SCRIPTS (and so to this smoke test)."""
    assert sorted(p.stem for p in EXAMPLES.glob("*.py")) == sorted(SCRIPTS)


@pytest.mark.parametrize("name, nc, groups", list(_params()))
def test_example_runs_and_writes_its_files(name, nc, groups, tmp_path):
    out = tmp_path / "nested" / "out"                 # the script must create OUTDIR itself
    env = dict(os.environ, MPLBACKEND="Agg")
    # the checkout under test is importable even without an installed package
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [env.get("PYTHONPATH"), str(ROOT)]))
    proc = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), str(out)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"

    expected = {f"{name}.png"} | ({f"{name}.nc"} if nc else set())
    assert {p.name for p in out.iterdir()} == expected, "writes exactly NAME.png (+ NAME.nc)"
    png = (out / f"{name}.png").read_bytes()
    assert len(png) > 1000 and png.startswith(b"\x89PNG\r\n\x1a\n")
    if nc:
        for group in (None,) + tuple(groups):
            with xr.open_dataset(out / f"{name}.nc", group=group) as ds:
                assert ds.data_vars, f"{name}.nc (group {group}) holds no data variables"
                ds.load()
