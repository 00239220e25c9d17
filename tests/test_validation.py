"""The validation suite under pytest: every fast check must pass, and the runner keeps its contract
(report, figures and netCDF written; non-zero exit status on a failing check)."""
import math
import pathlib
import subprocess
import sys

import pytest
import xarray as xr

from validation.cases import CASES
from validation.core import Case, Result
from validation.runner import main, run


@pytest.fixture(scope="module")
def fast_report(tmp_path_factory):
    """One fast run of all cases (~10-30 s), shared by the tests of this module."""
    return run(tmp_path_factory.mktemp("validation_fast"), fast=True, echo=None)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.key)
def test_fast_case_passes(fast_report, case):
    """Each case produced checks and none of them failed (known issues are reported, not asserted)."""
    rows = [r for r in fast_report.results if r.case == case.key]
    assert rows, f"case {case.key} produced no checks"
    bad = [f"{r.name}: {r.value:.3e} not in {r.tolerance} — {r.notes}" for r in rows if r.blocking]
    assert not bad, "\n".join(bad)


def test_fast_run_writes_report_figures_and_netcdf(fast_report):
    out = fast_report.out
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "| # | case | check | metric | value | tolerance | result |" in text
    assert "Errata table" in text
    assert fast_report.ok
    assert len(list(out.glob("*.png"))) >= 6
    assert len(list(out.glob("*.nc"))) >= 6
    with xr.open_dataset(out / "case3_validity_map.nc", engine="h5netcdf") as ds:
        assert set(ds.rel_error_J_par.dims) == {"radius_over_separation", "separation_over_r0"}
        assert ds.rel_error_J_par.attrs["units"] == "1" and ds.rel_error_J_par.attrs["long_name"]
        assert ds.sizes["radius_over_separation"] == 3 and ds.sizes["separation_over_r0"] == 3


def _impossible(ctx):
    return [Result.check("impossible", "cannot pass", "1 against a zero tolerance", 1.0, high=0.0)]


def test_failing_check_gives_nonzero_exit_and_is_reported(tmp_path):
    code = main(["--out", str(tmp_path)], cases=[Case("impossible", "always fails", _impossible)])
    assert code == 1
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "**FAIL**" in text and "1 failed" in text


def test_crashing_case_fails_but_others_still_run(tmp_path):
    def boom(ctx):
        raise RuntimeError("deliberate")

    ok = Case("ok", "passes", lambda ctx: [Result.check("ok", "fine", "0 ≤ 1", 0.0, high=1.0)])
    report = run(tmp_path, cases=[Case("boom", "raises", boom), ok], echo=None)
    assert not report.ok
    assert [r.case for r in report.failed] == ["boom"]
    assert math.isnan(report.failed[0].value) and "deliberate" in report.failed[0].notes
    assert any(r.case == "ok" and r.passed for r in report.results)


def test_known_issue_is_shown_but_does_not_fail(tmp_path):
    known = Case("known", "documented defect", lambda ctx: [
        Result.check("known", "defect", "1 against 0", 1.0, high=0.0, known_issue="documented")])
    assert main(["--out", str(tmp_path)], cases=[known]) == 0
    assert "KNOWN ISSUE" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_nan_never_passes():
    assert not Result.check("c", "n", "m", math.nan, high=1.0).passed


def test_command_line_lists_cases():
    root = pathlib.Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "validation", "--list"], capture_output=True, text=True,
                          timeout=120, cwd=root)
    assert done.returncode == 0
    for case in CASES:
        assert case.key in done.stdout


@pytest.mark.slow
def test_full_run_passes(tmp_path):
    """The full-resolution run (a few minutes): every check passes."""
    report = run(tmp_path, fast=False, echo=None)
    assert report.ok, "\n".join(f"{r.case}/{r.name}: {r.value} {r.tolerance}" for r in report.failed)
