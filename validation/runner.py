"""Run validation cases, write the report, figures and netCDF files, and set the exit status."""
from __future__ import annotations

import argparse
import math
import time
import traceback
from pathlib import Path
from typing import Callable, Sequence

from .core import Case, Context, Result
from .report import Report, format_table, write_markdown

__all__ = ["run", "main"]

DEFAULT_OUT = "validation_out"


def _crashed(case: Case, exc: BaseException) -> Result:
    tail = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return Result(case.key, "case raised an exception", "the case must run to completion", math.nan,
                  -math.inf, math.inf, False, tail)


def run(out: str | Path = DEFAULT_OUT, fast: bool = False, cases: Sequence[Case] | None = None,
        echo: Callable[[str], None] | None = print) -> Report:
    """Run ``cases`` (default: all of :data:`validation.cases.CASES`) and write ``out/report.md``.

    Parameters
    ----------
    out : path
        Output directory (created); receives ``report.md``, PNG figures and netCDF files.
    fast : bool
        Small problems (the CI subset, < ~90 s on 2 cores) instead of the full resolution.
    cases : sequence of Case, optional
        What to run; lets callers (and tests) add or replace cases.
    echo : callable or None
        Progress and the final table are passed to it (``print`` by default; None = silent).

    Returns
    -------
    Report
        ``report.ok`` is False when any non-known-issue check failed.
    """
    import matplotlib

    matplotlib.use("Agg")
    if cases is None:
        from .cases import CASES

        cases = CASES
    ctx = Context(Path(out), fast=fast)
    results: list[Result] = []
    timings: dict[str, float] = {}
    t_start = time.perf_counter()
    for case in cases:
        t0 = time.perf_counter()
        try:
            got = list(case.run(ctx))
        except Exception as exc:  # a crashing case is a failed case, the others still run
            got = [_crashed(case, exc)]
        timings[case.key] = time.perf_counter() - t0
        results += got
        if echo:
            bad = sum(r.blocking for r in got)
            echo(f"[{case.key}] {len(got)} checks, {bad} failed, {timings[case.key]:.1f} s")
    report = Report(results, ctx.out, fast, time.perf_counter() - t_start, timings,
                    list(ctx.artefacts), list(ctx.markdown))
    path = write_markdown(report, ctx.out / "report.md")
    if echo:
        echo("")
        echo(format_table(results))
        echo(f"\n{len(report.failed)} of {len(results)} checks failed; report: {path}")
    return report


def main(argv: Sequence[str] | None = None, cases: Sequence[Case] | None = None) -> int:
    """Command line: ``python -m validation [--fast] [--out DIR] [--case KEY ...]``; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m validation",
                                     description="Validate the Pearl/Keldysh solver against independent references.")
    parser.add_argument("--fast", action="store_true", help="small problems (CI subset, < ~90 s)")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT}/)")
    parser.add_argument("--case", action="append", metavar="KEY",
                        help="run only this case (repeatable); keys: see --list")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)
    if cases is None:
        from .cases import CASES

        cases = CASES
    if args.list:
        for c in cases:
            print(f"{c.key:18s} {c.title}  [reference: {c.reference}]")
        return 0
    if args.case:
        known = {c.key for c in cases}
        unknown = [k for k in args.case if k not in known]
        if unknown:
            parser.error(f"unknown case(s) {unknown}; choose from {sorted(known)}")
        cases = [c for c in cases if c.key in args.case]
    report = run(args.out, fast=args.fast, cases=cases)
    return 0 if report.ok else 1
